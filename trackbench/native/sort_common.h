/*
 * Shared by the SORT-family kernels (included after lsa.h, box_iou.h and kalman_blocks.h): SORT's per-track
 * prediction and matching.match_max_iou, with the numpy code's operations in the same order.
 */
#ifndef TRACKBENCH_SORT_COMMON_H
#define TRACKBENCH_SORT_COMMON_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* matching.match_max_iou on iou (K x T), with the extra score `extra` (K x T) added before the assignment, or none
 * (NULL): pairs (det, track) in row order; scratch: det_used (K), trk_used (T), col_of_row (K), cost (K x T).
 * Returns the number of pairs, -1 when out of memory, -3 when the cost holds NaN or -inf (refused as scipy refuses
 * it). */
static int64_t match_max_iou(int64_t K, int64_t T, const double *iou, const double *extra, double thr, int64_t *pd,
                             int64_t *pt, char *det_used, char *trk_used, int64_t *col_of_row, double *cost,
                             LsaWork *lsa)
{
    if (K == 0 || T == 0) return 0;
    int64_t above = 0, at_least = 0;
    memset(det_used, 0, (size_t)K);
    memset(trk_used, 0, (size_t)T);
    int one_to_one = 1;
    for (int64_t i = 0; i < K; i++)
        for (int64_t j = 0; j < T; j++) {
            double v = iou[i * T + j];
            if (v >= thr) at_least++;
            if (v > thr) {
                if (det_used[i] || trk_used[j]) one_to_one = 0;
                det_used[i] = trk_used[j] = 1;
                above++;
            }
        }
    int64_t n = 0;
    if (above && one_to_one) {
        for (int64_t i = 0; i < K; i++)
            for (int64_t j = 0; j < T; j++)
                if (iou[i * T + j] > thr) { pd[n] = i; pt[n] = j; n++; }
        return n;
    }
    if (!above && !at_least) return 0;
    for (int64_t q = 0; q < K * T; q++) {
        cost[q] = extra ? -(iou[q] + extra[q]) : -iou[q];
        if (!(cost[q] > -INFINITY)) return -3;
    }
    if (lsa_min(K, T, cost, col_of_row, lsa)) return -1;
    for (int64_t i = 0; i < K; i++) {
        int64_t j = col_of_row[i];
        if (j >= 0 && iou[i * T + j] >= thr) { pd[n] = i; pt[n] = j; n++; }
    }
    return n;
}

/* SORT's per-frame prediction of one track: no negative area after the step,
 * the filter steps, the hit streak restarts after a miss and the frames-since-update count grows. Returns whether
 * the predicted box (written to b) is finite (the reference drops the track otherwise). */
static int predict_sort_track(double *k, int streak_row, int since_update_row, double *b)
{
    if (k[6] + k[2] <= 0) k[6] = 0.0;
    predict_xysr(k);
    if (k[since_update_row] > 0) k[streak_row] = 0.0;
    k[since_update_row] += 1;
    xysr_to_xyxy(k, &b[0], &b[1], &b[2], &b[3]);
    return isfinite(b[0]) && isfinite(b[1]) && isfinite(b[2]) && isfinite(b[3]);
}

/* The Python value of a step that returns (tracks in the next table, tracks reported, new ids): an exception for
 * -1 (out of memory) and -3 (a cost holding NaN or -inf, refused as scipy refuses it) */
static PyObject *step_result(int64_t status, int64_t shown, int64_t n_new)
{
    if (status == -3) {
        PyErr_SetString(PyExc_ValueError, "matrix contains invalid numeric entries");
        return NULL;
    }
    if (status < 0) return PyErr_NoMemory();
    return Py_BuildValue("nnn", (Py_ssize_t)status, (Py_ssize_t)shown, (Py_ssize_t)n_new);
}

#endif
