/*
 * One frame of SORT, compiled (abewley/sort, as trackbench/runners/trackers/sort.py documents it): predict every
 * track, match the detections by IoU (matching.match_max_iou), correct the matched tracks, start a track on every
 * unmatched detection, report and forget.
 *
 * Why a compiled kernel: a SORT frame is some thirty small array operations; from numpy their call overhead was
 * about 1 s over MOT17 (5,316 frames) where the arithmetic is a few milliseconds. What is computed is the numpy
 * step's arithmetic operation by operation in the same order (sort_common.h), so the same bits come out:
 * tests/runners/trackers/test_parity.py compares every frame with the dense implementation (sort_dense.py).
 *
 * The track table is the tracker's float64 array (rows, tracks), row-major, with the rows of sort.py.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "box_iou.h"
#include "buffer_args.h"
#include "kalman_blocks.h"
#include "lsa.h"
#include "sort_common.h"

/* rows of the track table (sort.py): the xysr Kalman state, then the bookkeeping */
enum { ID = 24, TSU, STREAK, HITS, SCORE, CLS, NROWS };

typedef struct {
    double det_thresh, iou_threshold;
    int64_t min_hits, max_age, frame_count, next_id;
} SortParams;

#define ALLOC(ptr, count) (((ptr) = malloc((size_t)((count) ? (count) : 1) * sizeof(*(ptr)))) == NULL)

/* Writes the next table to out (NROWS x returned count, row-major) and the report (boxes (M, 4), ids, scores,
 * classes, det_of) with M in *n_shown; -1 out of memory, -3 invalid cost. */
static int64_t sort_step(const double *table, int64_t T, const double *boxes, const double *scores,
                         const int64_t *classes, int64_t D, const SortParams *p, double *out, double *r_boxes,
                         int64_t *r_ids, double *r_scores, int64_t *r_classes, int64_t *r_det_of, int64_t *n_shown,
                         int64_t *n_new)
{
    double *tk, *pred, *det_rows, *iou, *cost;
    int64_t *rows, *m_det, *m_trk, *col_of_row, *det_of;
    char *det_used, *trk_used;
    LsaWork lsa;
    memset(&lsa, 0, sizeof lsa);
    int64_t status = -1, K = 0;
    for (int64_t i = 0; i < D; i++) K += scores[i] >= p->det_thresh;
    int64_t cap = T + K, mn = T < K ? T : K;
    tk = pred = det_rows = iou = cost = NULL;
    rows = m_det = m_trk = col_of_row = det_of = NULL;
    det_used = trk_used = NULL;
    if (ALLOC(tk, cap * NROWS) || ALLOC(pred, 4 * T) || ALLOC(det_rows, 4 * K) || ALLOC(iou, K * T) ||
        ALLOC(cost, K * T) || ALLOC(rows, K) || ALLOC(m_det, mn) || ALLOC(m_trk, mn) || ALLOC(col_of_row, K) ||
        ALLOC(det_of, cap) || ALLOC(det_used, K) || ALLOC(trk_used, T))
        goto done;
    K = 0;
    for (int64_t i = 0; i < D; i++)
        if (scores[i] >= p->det_thresh) rows[K++] = i;
    for (int64_t a = 0; a < K; a++)
        for (int c = 0; c < 4; c++) det_rows[c * K + a] = boxes[4 * rows[a] + c];
    /* predict; tracks whose prediction is not finite are dropped */
    int64_t n = 0;
    for (int64_t j = 0; j < T; j++) {
        double *k = tk + n * NROWS, b[4];
        for (int r = 0; r < NROWS; r++) k[r] = table[r * T + j];
        if (predict_sort_track(k, STREAK, TSU, b)) {
            for (int c = 0; c < 4; c++) pred[c * T + n] = b[c];
            n++;
        }
    }
    if (n < T) /* the rows of pred are laid out for T tracks: close the gaps */
        for (int c = 1; c < 4; c++) memmove(pred + c * n, pred + c * T, (size_t)n * sizeof(double));
    T = n;
    if (K && T) box_iou_rows_fill(det_rows, K, pred, T, 0, iou);
    int64_t n_match = match_max_iou(K, T, iou, NULL, p->iou_threshold, m_det, m_trk, det_used, trk_used, col_of_row,
                                    cost, &lsa);
    if (n_match < 0) { status = n_match; goto done; }
    for (int64_t j = 0; j < cap; j++) det_of[j] = -1;
    memset(det_used, 0, (size_t)K);
    for (int64_t q = 0; q < n_match; q++) {
        double *k = tk + m_trk[q] * NROWS, z[4];
        int64_t d = rows[m_det[q]];
        xyxy_to_xysr(boxes + 4 * d, z);
        update_xysr(k, z);
        k[TSU] = 0.0;
        k[HITS] += 1;
        k[STREAK] += 1;
        k[SCORE] = scores[d];
        k[CLS] = (double)classes[d];
        det_of[m_trk[q]] = d;
        det_used[m_det[q]] = 1;
    }
    /* a new track on every unmatched detection */
    *n_new = 0;
    for (int64_t a = 0; a < K; a++) {
        if (det_used[a]) continue;
        int64_t d = rows[a];
        double *k = tk + n * NROWS;
        for (int r = 0; r < NROWS; r++) k[r] = 0.0;
        initiate_xysr(k, boxes + 4 * d);
        k[ID] = (double)(p->next_id + *n_new);
        k[SCORE] = scores[d];
        k[CLS] = (double)classes[d];
        det_of[n++] = d;
        (*n_new)++;
    }
    /* the report: tracks updated this frame with a long enough hit streak (all of them in the first frames), as
     * their Kalman box; then the tracks unmatched for more than max_age frames go */
    int64_t m = 0, alive = 0;
    for (int64_t j = 0; j < n; j++) {
        double *k = tk + j * NROWS;
        int show = k[TSU] < 1;
        if (p->frame_count > p->min_hits) show = show && k[STREAK] >= (double)p->min_hits;
        if (show) {
            xysr_to_xyxy(k, &r_boxes[4 * m], &r_boxes[4 * m + 1], &r_boxes[4 * m + 2], &r_boxes[4 * m + 3]);
            r_ids[m] = (int64_t)k[ID];
            r_scores[m] = k[SCORE];
            r_classes[m] = (int64_t)k[CLS];
            r_det_of[m++] = det_of[j];
        }
        alive += k[TSU] <= (double)p->max_age;
    }
    int64_t o = 0;
    for (int64_t j = 0; j < n; j++) {
        double *k = tk + j * NROWS;
        if (!(k[TSU] <= (double)p->max_age)) continue;
        for (int r = 0; r < NROWS; r++) out[r * alive + o] = k[r];
        o++;
    }
    *n_shown = m;
    status = alive;
done:
    free(tk); free(pred); free(det_rows); free(iou); free(cost); free(rows); free(m_det); free(m_trk);
    free(col_of_row); free(det_of); free(det_used); free(trk_used);
    lsa_free(&lsa);
    return status;
}

/* step(table (NROWS*T float64), T, boxes (D*4 float64), scores (D float64), classes (D int64), D, det_thresh,
 *      iou_threshold, min_hits, max_age, frame_count, next_id, out (NROWS*(T+D)), boxes_out ((T+D)*4),
 *      ids (T+D int64), scores_out (T+D), classes_out (T+D int64), det_of (T+D int64))
 * -> (tracks in the next table, tracks reported, new ids given) */
static PyObject *py_step(PyObject *self, PyObject *args)
{
    Py_buffer bt, bb, bs, bc, bo, rb, ri, rs, rc, rd;
    Py_ssize_t T, D, min_hits, max_age, frame_count, next_id;
    SortParams p;
    if (!PyArg_ParseTuple(args, "y*ny*y*y*nddnnnnw*w*w*w*w*w*", &bt, &T, &bb, &bs, &bc, &D, &p.det_thresh,
                          &p.iou_threshold, &min_hits, &max_age, &frame_count, &next_id, &bo, &rb, &ri, &rs, &rc,
                          &rd))
        return NULL;
    PyObject *result = NULL;
    if (check_len(&bt, 8, NROWS * T, "table") || check_len(&bb, 8, 4 * D, "boxes") ||
        check_len(&bs, 8, D, "scores") || check_len(&bc, 8, D, "classes") ||
        check_len(&bo, 8, NROWS * (T + D), "out") || check_len(&rb, 8, 4 * (T + D), "boxes_out") ||
        check_len(&ri, 8, T + D, "ids") || check_len(&rs, 8, T + D, "scores_out") ||
        check_len(&rc, 8, T + D, "classes_out") || check_len(&rd, 8, T + D, "det_of"))
        goto done;
    p.min_hits = min_hits;
    p.max_age = max_age;
    p.frame_count = frame_count;
    p.next_id = next_id;
    {
        int64_t status, shown = 0, n_new = 0;
        Py_BEGIN_ALLOW_THREADS
        status = sort_step(bt.buf, T, bb.buf, bs.buf, bc.buf, D, &p, bo.buf, rb.buf, ri.buf, rs.buf, rc.buf, rd.buf,
                           &shown, &n_new);
        Py_END_ALLOW_THREADS
        result = step_result(status, shown, n_new);
    }
done:
    PyBuffer_Release(&bt); PyBuffer_Release(&bb); PyBuffer_Release(&bs); PyBuffer_Release(&bc);
    PyBuffer_Release(&bo); PyBuffer_Release(&rb); PyBuffer_Release(&ri); PyBuffer_Release(&rs);
    PyBuffer_Release(&rc); PyBuffer_Release(&rd);
    return result;
}

static PyMethodDef methods[] = {
    {"step", py_step, METH_VARARGS, "One SORT frame on a track table (sort.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "sort_step", "SORT's frame step.", -1, methods};

PyMODINIT_FUNC PyInit_sort_step(void) { return PyModule_Create(&module); }
