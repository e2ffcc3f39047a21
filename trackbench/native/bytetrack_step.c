/*
 * One frame of an association tracker, compiled: ByteTrack's whole frame step (ifzhang/ByteTrack's BYTETracker,
 * as trackbench/runners/trackers/bytetrack.py documents it).
 *
 * Why a compiled kernel: a ByteTrack frame is a few dozen small array operations on ~30 tracks and ~30 boxes; from
 * numpy each costs a microsecond or two of call overhead, so tracking MOT17 (5,316 frames) took 0.9 s of a whole
 * `trackbench run` where the arithmetic is a few milliseconds.
 *
 * What is computed is the numpy step's arithmetic, operation by operation in the same order (Kalman prediction and
 * correction of the block-diagonal xyah filter of kalman_blocks.h, IoU with +1 pixel areas, the score fusion, the
 * cost-limited matching of matching.match_cost_limit with scipy's assignment algorithm from lsa.h), so the same bits
 * come out: tests/runners/trackers/test_parity.py compares every frame with the BYTE loop over dense covariances
 * (byte_family.py), which BoT-SORT runs. setup.py switches floating-point contraction off.
 *
 * The track table is the tracker's float64 array (rows, tracks), row-major; the kernel writes the next frame's
 * table, compacted, into a buffer with room for every old track and every detection, and returns its width.
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

/* rows of the track table: the xyah Kalman blocks (kalman_blocks.h), then the bookkeeping (bytetrack.py) */
enum { SCORE = 24, CLS, ID, TRACKED, ACTIVATED, START, END, NROWS };

typedef struct {
    double high, low, match, second, unconfirmed, new_track;
    int fuse;
    int64_t frame_id, max_time_lost, next_id;
} ByteParams;

/* ---- matching.match_cost_limit: lap.lapjv(cost, extend_cost=True, cost_limit=limit) ----------------------- */

typedef struct {
    LsaWork lsa;
    Buf sub, sub_rows, sub_cols, col_of_row, row_count, col_count;
} MatchWork;

/* Rows and columns are positions 0..n-1 and 0..m-1 of the cost matrix. Fills pr/pc (pairs, rows ascending) and the
 * row_matched/col_matched flags; returns the number of pairs, or -1 when out of memory. */
static int64_t match_cost_limit(int64_t n, int64_t m, const double *cost, double limit, int64_t *pr, int64_t *pc,
                                char *row_matched, char *col_matched, MatchWork *w)
{
    memset(row_matched, 0, (size_t)n);
    memset(col_matched, 0, (size_t)m);
    if (n == 0 || m == 0) return 0;
    int64_t *rc = buf_get(&w->row_count, (size_t)n * sizeof(int64_t));
    int64_t *cc = buf_get(&w->col_count, (size_t)m * sizeof(int64_t));
    if (!rc || !cc) return -1;
    memset(rc, 0, (size_t)n * sizeof(int64_t));
    memset(cc, 0, (size_t)m * sizeof(int64_t));
    int64_t admissible = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < m; j++)
            if (cost[i * m + j] <= limit) { rc[i]++; cc[j]++; admissible++; }
    int competition = 0;
    for (int64_t i = 0; i < n && !competition; i++) competition = rc[i] > 1;
    for (int64_t j = 0; j < m && !competition; j++) competition = cc[j] > 1;
    int64_t k = 0;
    if (!competition) { /* every admissible pair is matched */
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < m; j++)
                if (cost[i * m + j] <= limit) { pr[k] = i; pc[k] = j; k++; }
    } else {
        /* the rows and columns with an admissible pair, as a maximum-weight matching with weights limit - cost
         * (others 0), solved as scipy minimizes the negated weights */
        int64_t nr = 0, nc = 0;
        int64_t *rows = buf_get(&w->sub_rows, (size_t)n * sizeof(int64_t));
        int64_t *cols = buf_get(&w->sub_cols, (size_t)m * sizeof(int64_t));
        if (!rows || !cols) return -1;
        for (int64_t i = 0; i < n; i++) if (rc[i]) rows[nr++] = i;
        for (int64_t j = 0; j < m; j++) if (cc[j]) cols[nc++] = j;
        double *sub = buf_get(&w->sub, (size_t)(nr * nc) * sizeof(double));
        int64_t *col_of_row = buf_get(&w->col_of_row, (size_t)nr * sizeof(int64_t));
        if (!sub || !col_of_row) return -1;
        for (int64_t a = 0; a < nr; a++)
            for (int64_t b = 0; b < nc; b++) {
                double c = cost[rows[a] * m + cols[b]];
                sub[a * nc + b] = c <= limit ? -(limit - c) : -0.0;
            }
        int status = lsa_min(nr, nc, sub, col_of_row, &w->lsa);
        if (status) return -1;
        for (int64_t a = 0; a < nr; a++) {
            int64_t b = col_of_row[a];
            if (b >= 0 && cost[rows[a] * m + cols[b]] <= limit) { pr[k] = rows[a]; pc[k] = cols[b]; k++; }
        }
    }
    (void)admissible;
    for (int64_t p = 0; p < k; p++) { row_matched[pr[p]] = 1; col_matched[pc[p]] = 1; }
    return k;
}

/* ---- the frame ------------------------------------------------------------------------------------------------ */

typedef struct {
    MatchWork match;
    Buf tracks, pred, det_rows, iou, cost, hi, lo, pool, unconfirmed, left, rest, pr, pc, rm, cm, det_of, matched_k,
        matched_d, keep, now_a, now_b, pair_iou, tracked;
} StepWork;

static void step_free(StepWork *s)
{
    LsaWork *l = &s->match.lsa;
    lsa_free(l);
    Buf *bufs[] = {&s->match.sub, &s->match.sub_rows, &s->match.sub_cols, &s->match.col_of_row, &s->match.row_count,
                   &s->match.col_count, &s->tracks, &s->pred, &s->det_rows, &s->iou, &s->cost, &s->hi, &s->lo,
                   &s->pool, &s->unconfirmed, &s->left, &s->rest, &s->pr, &s->pc, &s->rm, &s->cm, &s->det_of,
                   &s->matched_k, &s->matched_d, &s->keep, &s->now_a, &s->now_b, &s->pair_iou, &s->tracked};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) buf_free(bufs[i]);
}

/* cost[a][b] of rows `ri` x columns `ci` of the IoU matrix (width d): 1 - iou, fused with the column's detection
 * score as ByteTrack's fuse_score when `fuse` (1 - (1 - cost) * score, computed from the cost as the reference). */
static void iou_cost(const double *iou, int64_t d, const int64_t *ri, int64_t nr, const int64_t *ci, int64_t nc,
                     const double *scores, int fuse, double *cost)
{
    for (int64_t a = 0; a < nr; a++)
        for (int64_t b = 0; b < nc; b++) {
            double raw = 1.0 - iou[ri[a] * d + ci[b]];
            cost[a * nc + b] = fuse ? 1.0 - (1.0 - raw) * scores[ci[b]] : raw;
        }
}

/* Returns the number of tracks written to out (row-major, NROWS x that number), or -1 when out of memory. */
static int64_t bytetrack_step(const double *table, int64_t T, const double *boxes, const double *scores,
                              const int64_t *classes, int64_t D, const ByteParams *p, double *out, int64_t *det_of_out,
                              double *now_out, int64_t *n_new, StepWork *s)
{
    int64_t cap = T + D;
    double *tk = buf_get(&s->tracks, (size_t)(cap * NROWS) * sizeof(double)); /* column j at tk + j * NROWS */
    double *pred = buf_get(&s->pred, (size_t)(4 * (T ? T : 1)) * sizeof(double));
    double *det_rows = buf_get(&s->det_rows, (size_t)(4 * (D ? D : 1)) * sizeof(double));
    double *iou = buf_get(&s->iou, (size_t)(T * D) * sizeof(double));
    double *cost = buf_get(&s->cost, (size_t)(T * D) * sizeof(double));
    int64_t *hi = buf_get(&s->hi, (size_t)D * sizeof(int64_t)), *lo = buf_get(&s->lo, (size_t)D * sizeof(int64_t));
    int64_t *rest = buf_get(&s->rest, (size_t)D * sizeof(int64_t));
    int64_t *pool = buf_get(&s->pool, (size_t)T * sizeof(int64_t));
    int64_t *unc = buf_get(&s->unconfirmed, (size_t)T * sizeof(int64_t));
    int64_t *left = buf_get(&s->left, (size_t)T * sizeof(int64_t));
    int64_t mn = T < D ? T : D;
    int64_t *pr = buf_get(&s->pr, (size_t)mn * sizeof(int64_t)), *pc = buf_get(&s->pc, (size_t)mn * sizeof(int64_t));
    char *rm = buf_get(&s->rm, (size_t)T), *cm = buf_get(&s->cm, (size_t)D);
    char *tracked = buf_get(&s->tracked, (size_t)cap);
    int64_t *det_of = buf_get(&s->det_of, (size_t)cap * sizeof(int64_t));
    int64_t *mk = buf_get(&s->matched_k, (size_t)T * sizeof(int64_t));
    int64_t *md = buf_get(&s->matched_d, (size_t)T * sizeof(int64_t));
    char *keep = buf_get(&s->keep, (size_t)cap);
    if (!tk || !pred || !det_rows || !iou || !cost || !hi || !lo || !rest || !pool || !unc || !left || !pr || !pc ||
        !rm || !cm || !tracked || !det_of || !mk || !md || !keep)
        return -1;
    for (int64_t j = 0; j < T; j++)
        for (int r = 0; r < NROWS; r++) tk[j * NROWS + r] = table[r * T + j];

    int64_t n_hi = 0, n_lo = 0;
    for (int64_t i = 0; i < D; i++) {
        if (scores[i] > p->high) hi[n_hi++] = i;
        if (scores[i] > p->low && scores[i] < p->high) lo[n_lo++] = i;
    }
    int64_t n_pool = 0, n_unc = 0;
    for (int64_t j = 0; j < T; j++) {
        double *k = tk + j * NROWS;
        tracked[j] = k[TRACKED] == 1.0;
        if (tracked[j] && k[ACTIVATED] == 1.0) pool[n_pool++] = j;
        else if (tracked[j]) unc[n_unc++] = j;
    }
    for (int64_t j = 0; j < T; j++) if (!tracked[j]) pool[n_pool++] = j;

    /* predict the confirmed and lost tracks (not the unconfirmed, as the reference); a lost track's height
     * velocity is stopped first */
    for (int64_t j = 0; j < T; j++) {
        double *k = tk + j * NROWS;
        if (!tracked[j]) k[7] = 0.0;
        if (!(tracked[j] && k[ACTIVATED] != 1.0)) predict_xyah(k);
        xyah_to_xyxy(k, &pred[j], &pred[T + j], &pred[2 * T + j], &pred[3 * T + j]);
    }
    for (int64_t i = 0; i < D; i++)
        for (int c = 0; c < 4; c++) det_rows[c * D + i] = boxes[i * 4 + c];
    if (T && D) box_iou_rows_fill(pred, T, det_rows, D, 1, iou);

    int64_t n_matched = 0, k;
    /* 1. confirmed and lost tracks x high detections, score-fused IoU cost */
    iou_cost(iou, D, pool, n_pool, hi, n_hi, scores, p->fuse, cost);
    k = match_cost_limit(n_pool, n_hi, cost, p->match, pr, pc, rm, cm, &s->match);
    if (k < 0) return -1;
    for (int64_t q = 0; q < k; q++) { mk[n_matched] = pool[pr[q]]; md[n_matched++] = hi[pc[q]]; }
    int64_t n_rest = 0, n_left = 0;
    for (int64_t b = 0; b < n_hi; b++) if (!cm[b]) rest[n_rest++] = hi[b];
    for (int64_t a = 0; a < n_pool; a++) if (!rm[a] && tracked[pool[a]]) left[n_left++] = pool[a];
    /* 2. tracked leftovers x low detections, plain IoU cost; those left are lost */
    if (n_left && n_lo) {
        iou_cost(iou, D, left, n_left, lo, n_lo, scores, 0, cost);
        k = match_cost_limit(n_left, n_lo, cost, p->second, pr, pc, rm, cm, &s->match);
        if (k < 0) return -1;
        for (int64_t q = 0; q < k; q++) { mk[n_matched] = left[pr[q]]; md[n_matched++] = lo[pc[q]]; }
        for (int64_t a = 0; a < n_left; a++) if (!rm[a]) tk[left[a] * NROWS + TRACKED] = 0.0;
    } else {
        for (int64_t a = 0; a < n_left; a++) tk[left[a] * NROWS + TRACKED] = 0.0;
    }
    /* 3. unconfirmed tracks x the high detections left; unmatched unconfirmed tracks are removed */
    for (int64_t j = 0; j < cap; j++) keep[j] = 1;
    if (n_unc && n_rest) {
        iou_cost(iou, D, unc, n_unc, rest, n_rest, scores, p->fuse, cost);
        k = match_cost_limit(n_unc, n_rest, cost, p->unconfirmed, pr, pc, rm, cm, &s->match);
        if (k < 0) return -1;
        for (int64_t q = 0; q < k; q++) { mk[n_matched] = unc[pr[q]]; md[n_matched++] = rest[pc[q]]; }
        for (int64_t a = 0; a < n_unc; a++) if (!rm[a]) keep[unc[a]] = 0;
        int64_t n = 0;
        for (int64_t b = 0; b < n_rest; b++) if (!cm[b]) rest[n++] = rest[b];
        n_rest = n;
    } else {
        for (int64_t a = 0; a < n_unc; a++) keep[unc[a]] = 0;
    }
    /* correct every matched track (the stages touch disjoint tracks and read predicted boxes only) */
    for (int64_t j = 0; j < cap; j++) det_of[j] = -1;
    for (int64_t q = 0; q < n_matched; q++) {
        double *kcol = tk + mk[q] * NROWS, z[4];
        int64_t d = md[q];
        xyxy_to_xyah(boxes + d * 4, z);
        update_xyah(kcol, z);
        kcol[TRACKED] = 1.0;
        kcol[ACTIVATED] = 1.0;
        kcol[SCORE] = scores[d];
        kcol[CLS] = (double)classes[d];
        kcol[END] = (double)p->frame_id;
        det_of[mk[q]] = d;
    }
    /* tracks lost for too long go (every tracked track was matched in this frame, so age alone picks lost ones) */
    double oldest = (double)(p->frame_id - p->max_time_lost);
    int64_t n = 0;
    for (int64_t j = 0; j < T; j++) {
        if (!keep[j] || tk[j * NROWS + END] < oldest) continue;
        if (n != j) memcpy(tk + n * NROWS, tk + j * NROWS, NROWS * sizeof(double));
        det_of[n++] = det_of[j];
    }
    /* new tracks from the high detections left that score enough (confirmed at once on the first frame) */
    *n_new = 0;
    for (int64_t b = 0; b < n_rest; b++) {
        int64_t d = rest[b];
        if (!(scores[d] >= p->new_track)) continue;
        double *kcol = tk + n * NROWS, z[4];
        xyxy_to_xyah(boxes + d * 4, z);
        initiate_xyah(kcol, z);
        kcol[SCORE] = scores[d];
        kcol[CLS] = (double)classes[d];
        kcol[ID] = (double)(p->next_id + *n_new);
        kcol[TRACKED] = 1.0;
        kcol[ACTIVATED] = p->frame_id == 1 ? 1.0 : 0.0;
        kcol[START] = (double)p->frame_id;
        kcol[END] = (double)p->frame_id;
        det_of[n++] = d;
        (*n_new)++;
    }
    /* near-duplicate tracked/lost pairs (IoU distance < 0.15, +1 pixel areas) keep the longer-lived track (the
     * tracked one goes on a tie), as the reference's remove_duplicate_stracks */
    double *now = buf_get(&s->pred, (size_t)(4 * (n ? n : 1)) * sizeof(double));
    int64_t *ia = buf_get(&s->hi, (size_t)(n ? n : 1) * sizeof(int64_t));
    int64_t *ib = buf_get(&s->lo, (size_t)(n ? n : 1) * sizeof(int64_t));
    if (!now || !ia || !ib) return -1;
    int64_t na = 0, nb = 0;
    for (int64_t j = 0; j < n; j++) {
        double *kcol = tk + j * NROWS;
        xyah_to_xyxy(kcol, &now[j], &now[n + j], &now[2 * n + j], &now[3 * n + j]);
        keep[j] = 1;
        if (kcol[TRACKED] == 1.0) ia[na++] = j;
        else ib[nb++] = j;
    }
    if (na && nb) {
        double *ra = buf_get(&s->now_a, (size_t)(4 * na) * sizeof(double));
        double *rb = buf_get(&s->now_b, (size_t)(4 * nb) * sizeof(double));
        double *pi = buf_get(&s->pair_iou, (size_t)(na * nb) * sizeof(double));
        if (!ra || !rb || !pi) return -1;
        for (int c = 0; c < 4; c++) {
            for (int64_t a = 0; a < na; a++) ra[c * na + a] = now[c * n + ia[a]];
            for (int64_t b = 0; b < nb; b++) rb[c * nb + b] = now[c * n + ib[b]];
        }
        box_iou_rows_fill(ra, na, rb, nb, 1, pi);
        for (int64_t a = 0; a < na; a++)
            for (int64_t b = 0; b < nb; b++) {
                if (!(1.0 - pi[a * nb + b] < 0.15)) continue;
                double *kp = tk + ia[a] * NROWS, *kq = tk + ib[b] * NROWS;
                if (kp[END] - kp[START] > kq[END] - kq[START]) keep[ib[b]] = 0;
                else keep[ia[a]] = 0;
            }
    }
    int64_t m = 0;
    for (int64_t j = 0; j < n; j++) m += keep[j];
    int64_t o = 0;
    for (int64_t j = 0; j < n; j++) {
        if (!keep[j]) continue;
        for (int r = 0; r < NROWS; r++) out[r * m + o] = tk[j * NROWS + r];
        for (int c = 0; c < 4; c++) now_out[c * m + o] = now[c * n + j];
        det_of_out[o++] = det_of[j];
    }
    return m;
}

/* ---- Python entry point ---------------------------------------------------------------------------------------- */

/* bytetrack(table (NROWS*T float64), T, boxes (D*4 float64, x1 y1 x2 y2), scores (D float64), classes (D int64),
 *           D, high, low, match, second, unconfirmed, new_track, fuse, frame_id, max_time_lost, next_id,
 *           out (NROWS*(T+D) float64), det_of (T+D int64), now (4*(T+D) float64))
 * -> (tracks written, new ids given). out holds the next table (NROWS x tracks written, row-major), det_of the
 * detection matched to each track in this frame (-1 if none), now the tracks' xyxy boxes as rows. */
static PyObject *py_bytetrack(PyObject *self, PyObject *args)
{
    Py_buffer bt, bb, bs, bc, bo, bd, bn;
    Py_ssize_t T, D, frame_id, max_time_lost, next_id;
    ByteParams p;
    if (!PyArg_ParseTuple(args, "y*ny*y*y*nddddddpnnnw*w*w*", &bt, &T, &bb, &bs, &bc, &D, &p.high, &p.low, &p.match,
                          &p.second, &p.unconfirmed, &p.new_track, &p.fuse, &frame_id, &max_time_lost, &next_id, &bo,
                          &bd, &bn))
        return NULL;
    PyObject *result = NULL;
    if (check_len(&bt, 8, NROWS * T, "table") || check_len(&bb, 8, 4 * D, "boxes") ||
        check_len(&bs, 8, D, "scores") || check_len(&bc, 8, D, "classes") ||
        check_len(&bo, 8, NROWS * (T + D), "out") || check_len(&bd, 8, T + D, "det_of") ||
        check_len(&bn, 8, 4 * (T + D), "now"))
        goto done;
    p.frame_id = frame_id;
    p.max_time_lost = max_time_lost;
    p.next_id = next_id;
    {
        StepWork s;
        memset(&s, 0, sizeof s);
        int64_t written, n_new = 0;
        Py_BEGIN_ALLOW_THREADS
        written = bytetrack_step(bt.buf, T, bb.buf, bs.buf, bc.buf, D, &p, bo.buf, bd.buf, bn.buf, &n_new, &s);
        step_free(&s);
        Py_END_ALLOW_THREADS
        if (written < 0) PyErr_NoMemory();
        else result = Py_BuildValue("nn", (Py_ssize_t)written, (Py_ssize_t)n_new);
    }
done:
    PyBuffer_Release(&bt); PyBuffer_Release(&bb); PyBuffer_Release(&bs); PyBuffer_Release(&bc);
    PyBuffer_Release(&bo); PyBuffer_Release(&bd); PyBuffer_Release(&bn);
    return result;
}

static PyMethodDef methods[] = {
    {"bytetrack", py_bytetrack, METH_VARARGS, "One ByteTrack frame on a track table (bytetrack.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "bytetrack_step", "ByteTrack's frame step.", -1,
                                    methods};

PyMODINIT_FUNC PyInit_bytetrack_step(void) { return PyModule_Create(&module); }
