/*
 * One frame of OC-SORT, compiled (noahcao/OC_SORT's OCSort, as trackbench/runners/trackers/ocsort.py documents it),
 * in two calls around numpy's arccos:
 *
 *   predict: age and predict every track (SORT's xysr filter), drop tracks whose prediction is not finite, and the
 *            cosine between each track's motion direction and the direction from its delta_t-old observation to
 *            each detection (OCM), clipped to [-1, 1];
 *   finish:  the momentum cost from the arccos of those cosines, the IoU + momentum matching, OCR, the update of
 *            every matched track (ORU for the re-found ones), new tracks, the frame's report and the next table.
 *
 * The arccos stays in numpy: numpy's SIMD arccos (SVML on AVX-512 machines) and the C library's acos differ in the
 * last bit on about one value in ten, and the reference computes it with numpy.
 *
 * Why a compiled kernel: an OC-SORT frame is some sixty small array operations; from numpy their call overhead was
 * 1.6 s over MOT17 (5,316 frames) where the arithmetic is a few milliseconds. What is computed is the numpy
 * step's arithmetic operation by operation in the same order (kalman_blocks.h's xysr filter, matching.py's
 * match_max_iou with scipy's assignment algorithm from lsa.h, box IoU from box_iou.h), so the same bits come out:
 * tests/runners/trackers/test_parity.py compares every frame with the dense implementation (ocsort_dense.py).
 *
 * The track table is the tracker's float64 array (rows, tracks), row-major, with the rows of ocsort.py.
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

/* rows of the track table (ocsort.py): Kalman state (0-23: means, xx, xv, vx, vv), the state saved at the first
 * miss, the last observation (x1, y1, x2, y2, score), the motion direction (dy, dx), counters, then the last
 * delta_t observations (5 rows each, oldest first) and their ages */
enum { SAVED = 24, LAST = 48, VEL = 53, ID = 55, TSU, STREAK, HITS, AGE, OBSERVED, IS_SAVED, CLS, OBS0 };

static const double NO_AGE = -1e9;
static const double PI = 3.141592653589793; /* np.pi */

/* the sum of the 5 rows of a box-and-score observation, in row order (numpy's axis-0 reduction) */
static double obs_sum(const double *o) { return (((o[0] + o[1]) + o[2]) + o[3]) + o[4]; }

/* ORU: from the state saved at the first miss, update/predict over the virtual observations interpolated (centre,
 * width, height) from the last observation z_old to the new one z_new over `gap` frames (no predict after the
 * last); ocsort.py's _re_update_arrays */
static void re_update(double *k, const double *saved, const double *z_old, const double *z_new, double gap)
{
    memcpy(k, saved, KALMAN_ROWS * sizeof(double));
    double start[4] = {z_old[0], z_old[1], sqrt(z_old[2] * z_old[3]), sqrt(z_old[2] / z_old[3])};
    double stop[4] = {z_new[0], z_new[1], sqrt(z_new[2] * z_new[3]), sqrt(z_new[2] / z_new[3])};
    double step[4];
    for (int c = 0; c < 4; c++) step[c] = (stop[c] - start[c]) / gap;
    int64_t n = (int64_t)gap;
    for (int64_t i = 0; i < n; i++) {
        double v[4], z[4];
        for (int c = 0; c < 4; c++) v[c] = start[c] + (double)(i + 1) * step[c];
        z[0] = v[0];
        z[1] = v[1];
        z[2] = v[2] * v[3];
        z[3] = v[2] / v[3];
        update_xysr(k, z);
        if (i != n - 1) predict_xysr(k);
    }
}

/* ---- k_previous_obs ------------------------------------------------------------------------------------------- */

/* The observation made delta_t (else delta_t - 1, ...) ages ago, else the latest one, else [-1] * 5 */
static void previous_obs(const double *k, int64_t delta_t, double *out)
{
    const double *obs = k + OBS0, *ages = k + OBS0 + 5 * delta_t;
    int64_t slot = delta_t - 1;
    for (int64_t j = 0; j < delta_t; j++) {
        double back = k[AGE] - ages[j];
        if (back >= 1 && back <= (double)delta_t) { slot = j; break; }
    }
    for (int c = 0; c < 5; c++) out[c] = ages[delta_t - 1] < 0 ? -1.0 : obs[5 * slot + c];
}

/* ---- predict -------------------------------------------------------------------------------------------------- */

static void center(const double *b, double *cx, double *cy)
{
    *cx = (b[0] + b[2]) / 2.0;
    *cy = (b[1] + b[3]) / 2.0;
}

/* Writes the predicted table (n_rows x tracks kept, row-major) to out and the clipped cosines (tracks x kept
 * detections) to cos_out; returns the tracks kept, the kept detections in *n_det; -1 when out of memory. */
static int64_t predict_step(const double *table, int64_t T, int64_t n_rows, int64_t delta_t, const double *boxes,
                            const double *scores, int64_t D, double det_thresh, double *out, double *cos_out,
                            int64_t *n_det)
{
    double *tk = malloc((size_t)(T ? T * n_rows : 1) * sizeof(double));
    double *dc = malloc((size_t)(2 * (D ? D : 1)) * sizeof(double));
    if (!tk || !dc) { free(tk); free(dc); return -1; }
    int64_t n = 0;
    for (int64_t j = 0; j < T; j++) {
        double *k = tk + n * n_rows;
        for (int64_t r = 0; r < n_rows; r++) k[r] = table[r * T + j];
        k[AGE] += 1;
        double b[4];
        if (predict_sort_track(k, STREAK, TSU, b)) n++; /* else dropped */
    }
    int64_t K = 0;
    for (int64_t i = 0; i < D; i++)
        if (scores[i] > det_thresh) { center(boxes + 4 * i, &dc[2 * K], &dc[2 * K + 1]); K++; }
    for (int64_t j = 0; j < n; j++) {
        double *k = tk + j * n_rows, prev[5], px, py;
        previous_obs(k, delta_t, prev);
        center(prev, &px, &py);
        double vdy = k[VEL], vdx = k[VEL + 1];
        for (int64_t i = 0; i < K; i++) {
            double dx = dc[2 * i] - px, dy = dc[2 * i + 1] - py;
            double norm = sqrt(dx * dx + dy * dy);
            norm += 1e-6;
            dx /= norm;
            dy /= norm;
            dx *= vdx;
            dy *= vdy;
            double c = dy + dx;
            if (c < -1.0) c = -1.0;
            if (c > 1.0) c = 1.0;
            cos_out[j * K + i] = c;
        }
        for (int64_t r = 0; r < n_rows; r++) out[r * n + j] = k[r];
    }
    free(tk);
    free(dc);
    *n_det = K;
    return n;
}

/* ---- finish --------------------------------------------------------------------------------------------------- */

typedef struct {
    double iou_threshold, inertia;
    int64_t delta_t, min_hits, max_age, frame_count, next_id;
} OcParams;

typedef struct {
    double *tk, *det, *det_rows, *pred, *prev, *iou, *cost, *left;
    int64_t *rows, *det_cls, *col_of_row, *m_trk, *m_det, *u_det, *u_trk, *det_of;
    char *det_used, *trk_used, *keep;
    LsaWork lsa;
} OcWork;

static void oc_free(OcWork *w)
{
    void *ps[] = {w->tk, w->det, w->det_rows, w->pred, w->prev, w->iou, w->cost, w->left, w->rows, w->det_cls,
                  w->col_of_row, w->m_trk, w->m_det, w->u_det, w->u_trk, w->det_of, w->det_used, w->trk_used,
                  w->keep};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) free(ps[i]);
    lsa_free(&w->lsa);
}

#define ALLOC(ptr, count) (((ptr) = malloc((size_t)((count) ? (count) : 1) * sizeof(*(ptr)))) == NULL)

/* KalmanBoxTracker.update(bbox) of track column k with detection d (x1, y1, x2, y2, score) */
static void observe(double *k, const double *d, double cls, const double *prev, int64_t delta_t)
{
    if (obs_sum(k + LAST) >= 0) { /* the direction from the delta_t-old observation to this one, (dy, dx) */
        double dx, dy, px, py;
        center(d, &dx, &dy);
        center(prev, &px, &py);
        dx -= px;
        dy -= py;
        double norm = sqrt(dx * dx + dy * dy) + 1e-6;
        k[VEL] = dy / norm;
        k[VEL + 1] = dx / norm;
    }
    int replay = k[OBSERVED] == 0.0 && k[IS_SAVED] == 1.0;
    double z_old[4], z[4];
    if (replay) { /* the last observation as a measurement; a degenerate box as (0, 0, 1, 1) */
        double b[4] = {k[LAST], k[LAST + 1], k[LAST + 2], k[LAST + 3]};
        if (!(b[2] > b[0]) || !(b[3] > b[1])) { b[0] = 0.0; b[1] = 0.0; b[2] = 1.0; b[3] = 1.0; }
        xyxy_to_xysr(b, z_old);
    }
    for (int c = 0; c < 5; c++) k[LAST + c] = d[c];
    double *obs = k + OBS0, *ages = k + OBS0 + 5 * delta_t;
    memmove(obs, obs + 5, (size_t)(5 * (delta_t - 1)) * sizeof(double));
    for (int c = 0; c < 5; c++) obs[5 * (delta_t - 1) + c] = d[c];
    memmove(ages, ages + 1, (size_t)(delta_t - 1) * sizeof(double));
    ages[delta_t - 1] = k[AGE];
    double gap = k[TSU];
    k[TSU] = 0.0;
    k[HITS] += 1;
    k[STREAK] += 1;
    k[CLS] = cls;
    xyxy_to_xysr(d, z);
    if (replay) re_update(k, k + SAVED, z_old, z, gap);
    update_xysr(k, z);
    k[OBSERVED] = 1.0;
    k[IS_SAVED] = 0.0;
}

/* table: the predicted table (n_rows x T); angle: numpy's arccos of predict's cosines (T x K). Writes the next
 * table to out (n_rows x returned count) and the report (boxes (M, 4), ids, scores, classes, det_of) with M in
 * *n_shown; -1 out of memory, -3 invalid cost. */
static int64_t finish_step(const double *table, int64_t T, int64_t n_rows, const double *boxes, const double *scores,
                           const int64_t *classes, int64_t D, double det_thresh, const double *angle,
                           const OcParams *p, double *out, double *r_boxes, int64_t *r_ids, double *r_scores,
                           int64_t *r_classes, int64_t *r_det_of, int64_t *n_shown, int64_t *n_new)
{
    OcWork w;
    memset(&w, 0, sizeof w);
    int64_t K = 0, status = -1;
    for (int64_t i = 0; i < D; i++) K += scores[i] > det_thresh;
    int64_t cap = T + K, mn = T < K ? T : K;
    if (ALLOC(w.tk, cap * n_rows) || ALLOC(w.det, 5 * K) || ALLOC(w.det_rows, 4 * K) || ALLOC(w.pred, 4 * T) ||
        ALLOC(w.prev, 5 * T) || ALLOC(w.iou, K * T) || ALLOC(w.cost, K * T) || ALLOC(w.left, K * T) ||
        ALLOC(w.rows, K) || ALLOC(w.det_cls, K) || ALLOC(w.col_of_row, K) || ALLOC(w.m_trk, mn) ||
        ALLOC(w.m_det, mn) || ALLOC(w.u_det, K) || ALLOC(w.u_trk, T) || ALLOC(w.det_of, cap) ||
        ALLOC(w.det_used, K) || ALLOC(w.trk_used, T) || ALLOC(w.keep, cap))
        goto done;
    K = 0;
    for (int64_t i = 0; i < D; i++) {
        if (!(scores[i] > det_thresh)) continue;
        for (int c = 0; c < 4; c++) w.det[5 * K + c] = boxes[4 * i + c];
        w.det[5 * K + 4] = scores[i];
        w.rows[K] = i;
        w.det_cls[K] = classes[i];
        K++;
    }
    for (int64_t i = 0; i < K; i++)
        for (int c = 0; c < 4; c++) w.det_rows[c * K + i] = w.det[5 * i + c];
    for (int64_t j = 0; j < T; j++) {
        double *k = w.tk + j * n_rows;
        for (int64_t r = 0; r < n_rows; r++) k[r] = table[r * T + j];
        xysr_to_xyxy(k, &w.pred[j], &w.pred[T + j], &w.pred[2 * T + j], &w.pred[3 * T + j]);
        previous_obs(k, p->delta_t, w.prev + 5 * j);
    }
    if (K && T) box_iou_rows_fill(w.det_rows, K, w.pred, T, 0, w.iou);
    /* OCM: inertia * score * (pi/2 - |angle|) / pi, zero for tracks without an old observation; (det, track) */
    for (int64_t j = 0; j < T; j++) {
        double has_prev = w.prev[5 * j + 4] >= 0 ? 1.0 : 0.0;
        for (int64_t i = 0; i < K; i++) {
            double a = fabs(angle[j * K + i]);
            a = PI / 2.0 - a;
            a /= PI;
            a *= has_prev;
            a *= p->inertia;
            w.left[i * T + j] = a * w.det[5 * i + 4];
        }
    }
    int64_t n_match = match_max_iou(K, T, w.iou, w.left, p->iou_threshold, w.m_det, w.m_trk, w.det_used, w.trk_used,
                                    w.col_of_row, w.cost, &w.lsa);
    if (n_match < 0) { status = n_match; goto done; }
    /* the leftovers, ascending */
    memset(w.det_used, 0, (size_t)K);
    memset(w.trk_used, 0, (size_t)T);
    for (int64_t q = 0; q < n_match; q++) { w.det_used[w.m_det[q]] = 1; w.trk_used[w.m_trk[q]] = 1; }
    int64_t nu_det = 0, nu_trk = 0;
    for (int64_t i = 0; i < K; i++) if (!w.det_used[i]) w.u_det[nu_det++] = i;
    for (int64_t j = 0; j < T; j++) if (!w.trk_used[j]) w.u_trk[nu_trk++] = j;
    /* OCR: leftover detections against the leftover tracks' last observations */
    if (nu_det && nu_trk) {
        /* rows of the leftover detections and of the leftover tracks' last observations; the IoU in w.left */
        double *dr = malloc((size_t)(4 * nu_det) * sizeof(double)), *lr = malloc((size_t)(4 * nu_trk) * sizeof(double));
        if (!dr || !lr) { free(dr); free(lr); goto done; }
        for (int c = 0; c < 4; c++) {
            for (int64_t a = 0; a < nu_det; a++) dr[c * nu_det + a] = w.det[5 * w.u_det[a] + c];
            for (int64_t b = 0; b < nu_trk; b++) lr[c * nu_trk + b] = w.tk[w.u_trk[b] * n_rows + LAST + c];
        }
        box_iou_rows_fill(dr, nu_det, lr, nu_trk, 0, w.left);
        free(dr);
        free(lr);
        double best = -INFINITY;
        int has_nan = 0;
        for (int64_t q = 0; q < nu_det * nu_trk; q++) {
            if (isnan(w.left[q])) has_nan = 1;
            else if (w.left[q] > best) best = w.left[q];
        }
        if (!has_nan && best > p->iou_threshold) {
            for (int64_t q = 0; q < nu_det * nu_trk; q++) w.cost[q] = -w.left[q];
            if (lsa_min(nu_det, nu_trk, w.cost, w.col_of_row, &w.lsa)) goto done;
            int64_t n_before = n_match;
            for (int64_t a = 0; a < nu_det; a++) {
                int64_t b = w.col_of_row[a];
                if (b >= 0 && w.left[a * nu_trk + b] >= p->iou_threshold) {
                    w.m_det[n_match] = w.u_det[a];
                    w.m_trk[n_match++] = w.u_trk[b];
                }
            }
            for (int64_t q = n_before; q < n_match; q++) { w.det_used[w.m_det[q]] = 1; w.trk_used[w.m_trk[q]] = 1; }
            nu_det = nu_trk = 0;
            for (int64_t i = 0; i < K; i++) if (!w.det_used[i]) w.u_det[nu_det++] = i;
            for (int64_t j = 0; j < T; j++) if (!w.trk_used[j]) w.u_trk[nu_trk++] = j;
        }
    }
    for (int64_t j = 0; j < cap; j++) w.det_of[j] = -1;
    for (int64_t q = 0; q < n_match; q++) {
        int64_t j = w.m_trk[q], i = w.m_det[q];
        observe(w.tk + j * n_rows, w.det + 5 * i, (double)w.det_cls[i], w.prev + 5 * j, p->delta_t);
        w.det_of[j] = w.rows[i];
    }
    /* unmatched tracks: freeze the filter at the first miss (ORU) */
    for (int64_t b = 0; b < nu_trk; b++) {
        double *k = w.tk + w.u_trk[b] * n_rows;
        if (k[OBSERVED] == 1.0) {
            memcpy(k + SAVED, k, KALMAN_ROWS * sizeof(double));
            k[IS_SAVED] = 1.0;
        }
        k[OBSERVED] = 0.0;
    }
    /* new tracks */
    int64_t n = T;
    for (int64_t a = 0; a < nu_det; a++) {
        int64_t i = w.u_det[a];
        double *k = w.tk + n * n_rows;
        for (int64_t r = 0; r < n_rows; r++) k[r] = 0.0;
        initiate_xysr(k, w.det + 5 * i);
        for (int c = 0; c < 5; c++) k[LAST + c] = -1.0;
        for (int64_t r = 0; r < 5 * p->delta_t; r++) k[OBS0 + r] = -1.0;
        for (int64_t r = 0; r < p->delta_t; r++) k[OBS0 + 5 * p->delta_t + r] = NO_AGE;
        k[ID] = (double)(p->next_id + a);
        k[CLS] = (double)w.det_cls[i];
        w.det_of[n++] = w.rows[i];
    }
    *n_new = nu_det;
    /* the report: tracks updated this frame with a long enough hit streak (all of them in the first frames), as
     * their last observation, else as the Kalman box */
    int64_t m = 0, alive = 0;
    for (int64_t j = 0; j < n; j++) {
        double *k = w.tk + j * n_rows;
        int show = k[TSU] < 1;
        if (p->frame_count > p->min_hits) show = show && k[STREAK] >= (double)p->min_hits;
        if (show) {
            if (obs_sum(k + LAST) >= 0) {
                for (int c = 0; c < 4; c++) r_boxes[4 * m + c] = k[LAST + c];
                r_scores[m] = k[LAST + 4];
            } else {
                xysr_to_xyxy(k, &r_boxes[4 * m], &r_boxes[4 * m + 1], &r_boxes[4 * m + 2], &r_boxes[4 * m + 3]);
                r_scores[m] = 1.0;
            }
            r_ids[m] = (int64_t)k[ID];
            r_classes[m] = (int64_t)k[CLS];
            r_det_of[m++] = w.det_of[j];
        }
        w.keep[j] = k[TSU] <= (double)p->max_age;
        alive += w.keep[j];
    }
    int64_t o = 0;
    for (int64_t j = 0; j < n; j++) {
        if (!w.keep[j]) continue;
        for (int64_t r = 0; r < n_rows; r++) out[r * alive + o] = w.tk[j * n_rows + r];
        o++;
    }
    *n_shown = m;
    status = alive;
done:
    oc_free(&w);
    return status;
}

/* ---- Python entry points ---------------------------------------------------------------------------------------- */

/* predict(table (n_rows*T float64), T, n_rows, delta_t, boxes (D*4 float64), scores (D float64), D, det_thresh,
 *         out (n_rows*T float64), cos (T*D float64)) -> (tracks kept, detections kept) */
static PyObject *py_predict(PyObject *self, PyObject *args)
{
    Py_buffer bt, bb, bs, bo, bc;
    Py_ssize_t T, n_rows, delta_t, D;
    double det_thresh;
    if (!PyArg_ParseTuple(args, "y*nnny*y*ndw*w*", &bt, &T, &n_rows, &delta_t, &bb, &bs, &D, &det_thresh, &bo, &bc))
        return NULL;
    PyObject *result = NULL;
    if (n_rows != OBS0 + 6 * delta_t || delta_t < 1) {
        PyErr_Format(PyExc_ValueError, "n_rows %zd does not fit delta_t %zd", n_rows, delta_t);
        goto done;
    }
    if (check_len(&bt, 8, n_rows * T, "table") || check_len(&bb, 8, 4 * D, "boxes") ||
        check_len(&bs, 8, D, "scores") || check_len(&bo, 8, n_rows * T, "out") || check_len(&bc, 8, T * D, "cos"))
        goto done;
    {
        int64_t kept, n_det = 0;
        Py_BEGIN_ALLOW_THREADS
        kept = predict_step(bt.buf, T, n_rows, delta_t, bb.buf, bs.buf, D, det_thresh, bo.buf, bc.buf, &n_det);
        Py_END_ALLOW_THREADS
        if (kept < 0) PyErr_NoMemory();
        else result = Py_BuildValue("nn", (Py_ssize_t)kept, (Py_ssize_t)n_det);
    }
done:
    PyBuffer_Release(&bt); PyBuffer_Release(&bb); PyBuffer_Release(&bs); PyBuffer_Release(&bo); PyBuffer_Release(&bc);
    return result;
}

/* finish(table (n_rows*T), T, n_rows, boxes (D*4), scores (D), classes (D int64), D, det_thresh, angle (T*K),
 *        iou_threshold, inertia, delta_t, min_hits, max_age, frame_count, next_id,
 *        out (n_rows*(T+K)), boxes_out ((T+K)*4), ids (T+K int64), scores_out (T+K), classes_out (T+K int64),
 *        det_of (T+K int64)) -> (tracks in the next table, tracks reported, new ids given) */
static PyObject *py_finish(PyObject *self, PyObject *args)
{
    Py_buffer bt, bb, bs, bc, ba, bo, rb, ri, rs, rc, rd;
    Py_ssize_t T, n_rows, D, delta_t, min_hits, max_age, frame_count, next_id;
    double det_thresh, iou_threshold, inertia;
    if (!PyArg_ParseTuple(args, "y*nny*y*y*ndy*ddnnnnnw*w*w*w*w*w*", &bt, &T, &n_rows, &bb, &bs, &bc, &D,
                          &det_thresh, &ba, &iou_threshold, &inertia, &delta_t, &min_hits, &max_age, &frame_count,
                          &next_id, &bo, &rb, &ri, &rs, &rc, &rd))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t K = 0;
    if (check_len(&bs, 8, D, "scores")) goto done;
    for (Py_ssize_t i = 0; i < D; i++) K += ((const double *)bs.buf)[i] > det_thresh;
    if (n_rows != OBS0 + 6 * delta_t || delta_t < 1) {
        PyErr_Format(PyExc_ValueError, "n_rows %zd does not fit delta_t %zd", n_rows, delta_t);
        goto done;
    }
    if (check_len(&bt, 8, n_rows * T, "table") || check_len(&bb, 8, 4 * D, "boxes") ||
        check_len(&bc, 8, D, "classes") || check_len(&ba, 8, T * K, "angle") ||
        check_len(&bo, 8, n_rows * (T + K), "out") || check_len(&rb, 8, 4 * (T + K), "boxes_out") ||
        check_len(&ri, 8, T + K, "ids") || check_len(&rs, 8, T + K, "scores_out") ||
        check_len(&rc, 8, T + K, "classes_out") || check_len(&rd, 8, T + K, "det_of"))
        goto done;
    {
        OcParams p = {iou_threshold, inertia, delta_t, min_hits, max_age, frame_count, next_id};
        int64_t status, shown = 0, n_new = 0;
        Py_BEGIN_ALLOW_THREADS
        status = finish_step(bt.buf, T, n_rows, bb.buf, bs.buf, bc.buf, D, det_thresh, ba.buf, &p, bo.buf, rb.buf,
                             ri.buf, rs.buf, rc.buf, rd.buf, &shown, &n_new);
        Py_END_ALLOW_THREADS
        result = step_result(status, shown, n_new);
    }
done:
    PyBuffer_Release(&bt); PyBuffer_Release(&bb); PyBuffer_Release(&bs); PyBuffer_Release(&bc);
    PyBuffer_Release(&ba); PyBuffer_Release(&bo); PyBuffer_Release(&rb); PyBuffer_Release(&ri);
    PyBuffer_Release(&rs); PyBuffer_Release(&rc); PyBuffer_Release(&rd);
    return result;
}

static PyMethodDef methods[] = {
    {"predict", py_predict, METH_VARARGS, "OC-SORT's prediction and OCM cosines (ocsort.py)."},
    {"finish", py_finish, METH_VARARGS, "OC-SORT's matching, updates and report (ocsort.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "ocsort_step", "OC-SORT's frame step.", -1, methods};

PyMODINIT_FUNC PyInit_ocsort_step(void) { return PyModule_Create(&module); }
