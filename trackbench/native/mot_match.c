/*
 * MOT evaluation kernels: the per-frame box overlaps and the per-frame optimal assignment that TrackEval computes,
 * with the same floating-point operations, so the same numbers come out.
 *
 * Why a compiled kernel: TrackEval loops over frames in Python, building a dense gt x tracker matrix and calling
 * scipy's linear_sum_assignment on it. On a MOT20-size benchmark that is ~18k solver calls on ~140 x 100
 * matrices; done from Python or with numpy array passes it dominates the evaluation.
 *
 * What is computed:
 *   - pairs_by_frame: every (gt row, tracker row, IoU) of a frame with IoU > 0, IoU with the arithmetic of
 *     TrackEval's _calculate_box_ious (xyxy boxes and areas are prepared by the caller in numpy).
 *   - assign_frames: per frame, which candidate pairs TrackEval's linear_sum_assignment(-score) matches with
 *     score > eps. A frame's candidates split into connected components that do not interact. A component whose
 *     best matching is unique (checked: removing any matched pair lowers the optimum by more than a relative
 *     1e-9) is in every optimal assignment of the whole frame, scipy's included, so it is solved on its own small
 *     matrix. A frame holding a tied component is solved on its full frame matrix by lsa_full_frame, which is the
 *     shortest augmenting path algorithm of Crouse (IEEE TAES 52(4), 2016) with the same loop order, tie rules
 *     and transposition as scipy's linear_sum_assignment, so ties are broken as TrackEval's call breaks them.
 *   - clear_assign: the CLEAR matching, frame after frame in time order (a pair continuing the previous evaluated
 *     frame's match scores 1000 + IoU), with the same per-frame solver.
 *   - lsa and box_iou_rows serve the association trackers too (trackbench/runners/trackers/common/matching.py):
 *     the solver alone, and a whole IoU matrix per frame, each a few microseconds where numpy takes dozens.
 *
 * Arrays come in through the buffer protocol (numpy arrays, C-contiguous, dtypes checked by the Python wrapper in
 * trackbench/metrics/mot/assignment.py). The GIL is released while computing.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double EPS = 2.220446049250313e-16; /* np.finfo(float).eps */
static const double TIE_TOLERANCE = 1e-9;         /* relative margin a unique optimum must keep */
/* Scores in (eps, TINY_SCORE) are too close to the solvers' rounding for a uniqueness argument: a component holding
 * one goes to the full frame. Scores <= eps never count as matches (TrackEval keeps score > eps), and a matching
 * can only differ from the unique one in such pairs by less than the margin, so they need no check. */
static const double TINY_SCORE = 1e-12;

#include "box_iou.h"
#include "buffer_args.h"
#include "lsa.h"

/* Is the best assignment of the (nr, nc) matrix `cost` (nr <= nc; weights -cost, zeros where there is no pair)
 * unique, as far as pairs of weight > eps go?
 *
 * Solved once by the shortest augmenting path method, which leaves feasible duals: reduced costs
 * cost - u - v >= 0, zero on assigned pairs, v <= 0, and v = 0 on the free columns. Another assignment of all rows
 * costs more by the sum of its pairs' reduced costs plus -v of each column it frees, and differs from the optimum
 * by alternating cycles, and by alternating paths from a column it frees to one it newly uses. So within `tol` of
 * the optimum, only these moves exist: in the directed graph with an arc row -> column for each unassigned pair of
 * reduced cost <= tol, column -> row for each assigned pair, free column -> S and S -> assigned column with
 * v >= -tol, a cycle. The optimum is unique (within tol) when no arc of a pair of weight > eps lies inside a
 * strongly connected component (Tarjan's algorithm, iterative, arcs generated on the fly).
 * Leaves the optimum in best_col4row. Returns 1 if unique, 0 if not, negative on failure. */
static int unique_best_assignment(int64_t nr, int64_t nc, const double *cost, int64_t *best_col4row, double tol,
                                  LsaWork *w)
{
    if (sap_init(nr, nc, w)) return -1;
    for (int64_t cur = 0; cur < nr; cur++) {
        int status = sap_add_row(nr, nc, cost, cur, w);
        if (status) return status;
    }
    const double *u = w->u.p, *v = w->v.p;
    const int64_t *col4row = w->col4row.p, *row4col = w->row4col.p;
    memcpy(best_col4row, col4row, (size_t)nr * sizeof(int64_t));
    int64_t super = nr + nc, nodes = nr + nc + 1; /* rows 0..nr-1, columns nr..nr+nc-1, then S */
    int64_t *index = buf_get(&w->scc_index, (size_t)nodes * sizeof(int64_t));
    int64_t *low = buf_get(&w->scc_low, (size_t)nodes * sizeof(int64_t));
    int64_t *comp = buf_get(&w->scc_comp, (size_t)nodes * sizeof(int64_t));
    int64_t *stack = buf_get(&w->scc_stack, (size_t)nodes * sizeof(int64_t));
    int64_t *call = buf_get(&w->scc_call, (size_t)nodes * sizeof(int64_t));
    int64_t *next_arc = buf_get(&w->scc_next, (size_t)nodes * sizeof(int64_t));
    char *on_stack = buf_get(&w->scc_on, (size_t)nodes);
    if (!index || !low || !comp || !stack || !call || !next_arc || !on_stack) return -1;
    for (int64_t x = 0; x < nodes; x++) { index[x] = -1; on_stack[x] = 0; }
    int64_t counter = 0, sp = 0, cp = 0, n_comp = 0;
    for (int64_t root = 0; root < nodes; root++) {
        if (index[root] >= 0) continue;
        index[root] = low[root] = counter++;
        stack[sp++] = root;
        on_stack[root] = 1;
        next_arc[root] = 0;
        call[cp++] = root;
        while (cp > 0) {
            int64_t x = call[cp - 1], next = -1;
            if (x < nr) {
                while (next_arc[x] < nc) {
                    int64_t j = next_arc[x]++;
                    if (j != col4row[x] && cost[x * nc + j] - u[x] - v[j] <= tol) { next = nr + j; break; }
                }
            } else if (x == super) {
                while (next_arc[x] < nc) {
                    int64_t j = next_arc[x]++;
                    if (row4col[j] >= 0 && v[j] >= -tol) { next = nr + j; break; }
                }
            } else if (next_arc[x] == 0) {
                next_arc[x] = 1;
                next = row4col[x - nr] >= 0 ? row4col[x - nr] : super;
            }
            if (next >= 0) {
                if (index[next] < 0) {
                    index[next] = low[next] = counter++;
                    stack[sp++] = next;
                    on_stack[next] = 1;
                    next_arc[next] = 0;
                    call[cp++] = next;
                } else if (on_stack[next] && index[next] < low[x]) {
                    low[x] = index[next];
                }
                continue;
            }
            if (low[x] == index[x]) {
                int64_t y;
                do {
                    y = stack[--sp];
                    on_stack[y] = 0;
                    comp[y] = n_comp;
                } while (y != x);
                n_comp++;
            }
            cp--;
            if (cp > 0 && low[x] < low[call[cp - 1]]) low[call[cp - 1]] = low[x];
        }
    }
    for (int64_t i = 0; i < nr; i++) {
        for (int64_t j = 0; j < nc; j++) {
            if (!(-cost[i * nc + j] > 0 + EPS)) continue;
            int arc = j == col4row[i] || cost[i * nc + j] - u[i] - v[j] <= tol;
            if (arc && comp[i] == comp[nr + j]) return 0;
        }
    }
    return 1;
}

/* ---- one frame ------------------------------------------------------------------------------------------------ */

typedef struct {
    LsaWork lsa;
    Buf parent, entry_root, count, start, sorted, row_local, col_local, dense, match;
} FrameWork;

static void frame_free(FrameWork *f)
{
    lsa_free(&f->lsa);
    buf_free(&f->parent); buf_free(&f->entry_root); buf_free(&f->count); buf_free(&f->start);
    buf_free(&f->sorted); buf_free(&f->row_local); buf_free(&f->col_local); buf_free(&f->dense);
    buf_free(&f->match);
}

static int64_t find_root(int64_t *parent, int64_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* TrackEval's call on the frame's full (n_rows, n_cols) matrix: linear_sum_assignment(-matrix), a match kept where
 * matrix > eps. Entries not listed are 0 (negated: -0.0, as numpy's -matrix). */
static int solve_full_frame(int64_t n_rows, int64_t n_cols, int64_t k, const int64_t *r, const int64_t *c,
                            const double *w, uint8_t *chosen, FrameWork *fw)
{
    double *cost = buf_get(&fw->dense, (size_t)(n_rows * n_cols) * sizeof(double));
    int64_t *match = buf_get(&fw->match, (size_t)n_rows * sizeof(int64_t));
    if (!cost || !match) return -1;
    for (int64_t x = 0; x < n_rows * n_cols; x++) cost[x] = -0.0;
    for (int64_t e = 0; e < k; e++) cost[r[e] * n_cols + c[e]] = -w[e];
    int status = lsa_min(n_rows, n_cols, cost, match, &fw->lsa);
    if (status) return status;
    for (int64_t e = 0; e < k; e++) chosen[e] = (uint8_t)(match[r[e]] == c[e] && w[e] > 0 + EPS);
    return 0;
}

/* The frame's candidates: local rows r[e] < n_rows, local columns c[e] < n_cols, scores w[e]. Sets chosen[e].
 * Returns 0, or a negative status on failure (-1 out of memory). */
static int solve_frame(int64_t n_rows, int64_t n_cols, int64_t k, const int64_t *r, const int64_t *c,
                       const double *w, uint8_t *chosen, FrameWork *fw)
{
    if (k == 0) return 0;
    if (k == 1) {
        chosen[0] = (uint8_t)(w[0] > 0 + EPS);
        return 0;
    }
    int64_t nn = n_rows + n_cols;
    int64_t *parent = buf_get(&fw->parent, (size_t)nn * sizeof(int64_t));
    int64_t *entry_root = buf_get(&fw->entry_root, (size_t)k * sizeof(int64_t));
    int64_t *count = buf_get(&fw->count, (size_t)(nn + 1) * sizeof(int64_t));
    int64_t *start = buf_get(&fw->start, (size_t)(nn + 1) * sizeof(int64_t));
    int64_t *sorted = buf_get(&fw->sorted, (size_t)k * sizeof(int64_t));
    int64_t *row_local = buf_get(&fw->row_local, (size_t)n_rows * sizeof(int64_t));
    int64_t *col_local = buf_get(&fw->col_local, (size_t)n_cols * sizeof(int64_t));
    if (!parent || !entry_root || !count || !start || !sorted || !row_local || !col_local) return -1;
    for (int64_t x = 0; x < nn; x++) { parent[x] = x; count[x] = 0; }
    for (int64_t x = 0; x < n_rows; x++) row_local[x] = -1;
    for (int64_t x = 0; x < n_cols; x++) col_local[x] = -1;
    for (int64_t e = 0; e < k; e++) {
        chosen[e] = 0;
        if (!(w[e] > 0)) continue; /* a zero score is no edge: the same as the matrix's other zeros */
        int64_t a = find_root(parent, r[e]), b = find_root(parent, n_rows + c[e]);
        if (a != b) parent[a < b ? b : a] = a < b ? a : b;
    }
    for (int64_t e = 0; e < k; e++) {
        entry_root[e] = w[e] > 0 ? find_root(parent, r[e]) : -1;
        if (entry_root[e] >= 0) count[entry_root[e]]++;
    }
    int64_t acc = 0;
    for (int64_t x = 0; x < nn; x++) { start[x] = acc; acc += count[x]; }
    for (int64_t e = 0; e < k; e++)
        if (entry_root[e] >= 0) sorted[start[entry_root[e]]++] = e;
    /* start[x] now marks the end of component x; walk the components in node order */
    int tied = 0;
    int64_t begin = 0;
    for (int64_t x = 0; x < nn && !tied; x++) {
        int64_t size = count[x];
        if (size == 0) continue;
        const int64_t *members = sorted + begin;
        begin += size;
        if (size == 1) {
            int64_t e = members[0];
            chosen[e] = (uint8_t)(w[e] > 0 + EPS);
            continue;
        }
        int64_t cr = 0, cc = 0;
        for (int64_t m = 0; m < size; m++) {
            int64_t e = members[m];
            if (row_local[r[e]] < 0) row_local[r[e]] = cr++;
            if (col_local[c[e]] < 0) col_local[c[e]] = cc++;
            if (w[e] > 0 + EPS && w[e] < TINY_SCORE) tied = 1;
        }
        if (!tied) {
            /* the component's matrix with its smaller side as rows, as the solver needs */
            int flip = cr > cc;
            int64_t nr = flip ? cc : cr, nc = flip ? cr : cc;
            double *cost = buf_get(&fw->dense, (size_t)(nr * nc) * sizeof(double));
            int64_t *match = buf_get(&fw->match, (size_t)nr * sizeof(int64_t));
            if (!cost || !match) return -1;
            for (int64_t q = 0; q < nr * nc; q++) cost[q] = 0.0;
            double total = 0;
            for (int64_t m = 0; m < size; m++) {
                int64_t e = members[m];
                int64_t i = row_local[r[e]], j = col_local[c[e]];
                cost[flip ? j * nc + i : i * nc + j] = -w[e];
                total += w[e];
            }
            double tol = TIE_TOLERANCE * (total > 1.0 ? total : 1.0);
            int unique = unique_best_assignment(nr, nc, cost, match, tol, &fw->lsa);
            if (unique < 0) return unique;
            if (!unique) tied = 1;
            else {
                for (int64_t m = 0; m < size; m++) {
                    int64_t e = members[m];
                    int64_t i = row_local[r[e]], j = col_local[c[e]];
                    int assigned = flip ? match[j] == i : match[i] == j;
                    chosen[e] = (uint8_t)(assigned && w[e] > 0 + EPS);
                }
            }
        }
        for (int64_t m = 0; m < size; m++) {
            row_local[r[members[m]]] = -1;
            col_local[c[members[m]]] = -1;
        }
    }
    if (tied) return solve_full_frame(n_rows, n_cols, k, r, c, w, chosen, fw);
    return 0;
}

/* ---- Python entry points ----------------------------------------------------------------------------------- */

/* None on success, else the exception for the status: -1 out of memory, -3 an index outside its range (described
 * by the text), else a problem without a solution. */
static PyObject *result_for(int status, const char *out_of_range)
{
    if (status == 0) return Py_NewRef(Py_None);
    if (status == -1) return PyErr_NoMemory();
    if (status == -3) PyErr_SetString(PyExc_ValueError, out_of_range);
    else PyErr_SetString(PyExc_RuntimeError, "assignment problem without a solution (non-finite score?)");
    return NULL;
}

/* assign_frames(entry_frame, entry_row, entry_col, entry_score, row_start, row_count, col_start, col_count, chosen)
 * Entries sorted by frame; rows/columns are global indices into frame-sorted arrays; chosen (uint8) is filled. */
static PyObject *py_assign_frames(PyObject *self, PyObject *args)
{
    Py_buffer ef, er, ec, es, rs, rc, cs, cc, out;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*y*w*", &ef, &er, &ec, &es, &rs, &rc, &cs, &cc, &out)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t k = ef.len / 8, frames = rs.len / 8;
    if (check_len(&er, 8, k, "entry_row") || check_len(&ec, 8, k, "entry_col") || check_len(&es, 8, k, "score") ||
        check_len(&rc, 8, frames, "row_count") || check_len(&cs, 8, frames, "col_start") ||
        check_len(&cc, 8, frames, "col_count") || check_len(&out, 1, k, "chosen"))
        goto done;
    {
        const int64_t *frame = ef.buf, *row = er.buf, *col = ec.buf, *row_start = rs.buf, *row_count = rc.buf;
        const int64_t *col_start = cs.buf, *col_count = cc.buf;
        const double *score = es.buf;
        uint8_t *chosen = out.buf;
        int status = 0;
        FrameWork fw;
        memset(&fw, 0, sizeof fw);
        Buf lr = {0}, lc = {0};
        Py_BEGIN_ALLOW_THREADS
        int64_t *local_r = buf_get(&lr, (size_t)k * sizeof(int64_t));
        int64_t *local_c = buf_get(&lc, (size_t)k * sizeof(int64_t));
        if (!local_r || !local_c) status = -1;
        for (Py_ssize_t a = 0; a < k && status == 0;) {
            int64_t f = frame[a];
            Py_ssize_t b = a;
            while (b < k && frame[b] == f) b++;
            if (f < 0 || f >= frames) { status = -3; break; }
            for (Py_ssize_t e = a; e < b; e++) {
                local_r[e] = row[e] - row_start[f];
                local_c[e] = col[e] - col_start[f];
                if (local_r[e] < 0 || local_r[e] >= row_count[f] || local_c[e] < 0 || local_c[e] >= col_count[f])
                    status = -3;
            }
            if (status == 0)
                status = solve_frame(row_count[f], col_count[f], b - a, local_r + a, local_c + a, score + a,
                                     chosen + a, &fw);
            a = b;
        }
        frame_free(&fw);
        buf_free(&lr);
        buf_free(&lc);
        Py_END_ALLOW_THREADS
        result = result_for(status, "entry outside its frame's rows or columns");
    }
done:
    PyBuffer_Release(&ef); PyBuffer_Release(&er); PyBuffer_Release(&ec); PyBuffer_Release(&es);
    PyBuffer_Release(&rs); PyBuffer_Release(&rc); PyBuffer_Release(&cs); PyBuffer_Release(&cc);
    PyBuffer_Release(&out);
    return result;
}

/* clear_assign(c_frame, c_gt, c_tr, c_sim, prev_row, tr_id, gt_start, gt_count, tr_start, tr_count, matched_tr)
 * CLEAR candidates (IoU >= threshold) sorted by frame; frames are solved in time order. prev_row[g] is the row of
 * the same gt id in the previous evaluated frame or -1; matched_tr (int64, one per gt row, -1 initially) is
 * filled with the matched tracker row. */
static PyObject *py_clear_assign(PyObject *self, PyObject *args)
{
    Py_buffer bf, bg, bt, bs, bp, bi, gs, gc, ts, tc, out;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*y*y*y*w*", &bf, &bg, &bt, &bs, &bp, &bi, &gs, &gc, &ts, &tc, &out))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t k = bf.len / 8, frames = gs.len / 8, n_gt = out.len / 8;
    if (check_len(&bg, 8, k, "c_gt") || check_len(&bt, 8, k, "c_tr") || check_len(&bs, 8, k, "c_sim") ||
        check_len(&bp, 8, n_gt, "prev_row") || check_len(&gc, 8, frames, "gt_count") ||
        check_len(&ts, 8, frames, "tr_start") || check_len(&tc, 8, frames, "tr_count"))
        goto done;
    {
        const int64_t *frame = bf.buf, *gt = bg.buf, *tr = bt.buf, *prev = bp.buf, *tr_id = bi.buf;
        const int64_t *gt_start = gs.buf, *gt_count = gc.buf, *tr_start = ts.buf, *tr_count = tc.buf;
        const double *sim = bs.buf;
        int64_t *matched = out.buf;
        Py_ssize_t n_tr = bi.len / 8;
        int status = 0;
        FrameWork fw;
        memset(&fw, 0, sizeof fw);
        Buf lr = {0}, lc = {0}, sc = {0}, ch = {0};
        Py_BEGIN_ALLOW_THREADS
        int64_t *local_r = buf_get(&lr, (size_t)k * sizeof(int64_t));
        int64_t *local_c = buf_get(&lc, (size_t)k * sizeof(int64_t));
        double *score = buf_get(&sc, (size_t)k * sizeof(double));
        uint8_t *chosen = buf_get(&ch, (size_t)k);
        if (!local_r || !local_c || !score || !chosen) status = -1;
        for (Py_ssize_t a = 0; a < k && status == 0;) {
            int64_t f = frame[a];
            Py_ssize_t b = a;
            while (b < k && frame[b] == f) b++;
            if (f < 0 || f >= frames) { status = -3; break; }
            for (Py_ssize_t e = a; e < b; e++) {
                int64_t g = gt[e], t = tr[e];
                if (g < 0 || g >= n_gt || t < 0 || t >= n_tr) { status = -3; break; }
                int64_t p = prev[g];
                int cont = p >= 0 && matched[p] >= 0 && tr_id[matched[p]] == tr_id[t];
                score[e] = (double)(cont ? 1000 : 0) + sim[e];
                local_r[e] = g - gt_start[f];
                local_c[e] = t - tr_start[f];
            }
            if (status == 0)
                status = solve_frame(gt_count[f], tr_count[f], b - a, local_r + a, local_c + a, score + a,
                                     chosen + a, &fw);
            for (Py_ssize_t e = a; e < b && status == 0; e++)
                if (chosen[e]) matched[gt[e]] = tr[e];
            a = b;
        }
        frame_free(&fw);
        buf_free(&lr); buf_free(&lc); buf_free(&sc); buf_free(&ch);
        Py_END_ALLOW_THREADS
        result = result_for(status, "candidate outside the sequence's rows or frames");
    }
done:
    PyBuffer_Release(&bf); PyBuffer_Release(&bg); PyBuffer_Release(&bt); PyBuffer_Release(&bs);
    PyBuffer_Release(&bp); PyBuffer_Release(&bi); PyBuffer_Release(&gs); PyBuffer_Release(&gc);
    PyBuffer_Release(&ts); PyBuffer_Release(&tc); PyBuffer_Release(&out);
    return result;
}

/* lsa(cost (nr*nc float64), nr, nc, col_of_row (int64 nr, filled)): the solver alone (the Identity metric's id
 * matching, and the tests against scipy). */
static PyObject *py_lsa(PyObject *self, PyObject *args)
{
    Py_buffer bc, out;
    Py_ssize_t nr, nc;
    if (!PyArg_ParseTuple(args, "y*nnw*", &bc, &nr, &nc, &out)) return NULL;
    PyObject *result = NULL;
    if (check_len(&bc, 8, nr * nc, "cost") || check_len(&out, 8, nr, "col_of_row")) goto done;
    {
        LsaWork w;
        memset(&w, 0, sizeof w);
        int status;
        Py_BEGIN_ALLOW_THREADS
        status = lsa_min(nr, nc, bc.buf, out.buf, &w);
        lsa_free(&w);
        Py_END_ALLOW_THREADS
        result = result_for(status, "");
    }
done:
    PyBuffer_Release(&bc);
    PyBuffer_Release(&out);
    return result;
}

/* pairs_by_frame(gt_start, gt_count, tr_start, tr_count, gt_xyxy, gt_area, tr_xyxy, tr_area)
 * -> (gt rows, tracker rows, IoU) as three bytearrays (int64, int64, float64) of the pairs with IoU > 0, in
 * (frame, gt row, tracker row) order. Rows are indices into frame-sorted box arrays. */
static PyObject *py_pairs_by_frame(PyObject *self, PyObject *args)
{
    Py_buffer gs, gc, ts, tc, gb, ga, tb, ta;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*y*", &gs, &gc, &ts, &tc, &gb, &ga, &tb, &ta)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t frames = gs.len / 8, n_gt = ga.len / 8, n_tr = ta.len / 8;
    if (check_len(&gc, 8, frames, "gt_count") || check_len(&ts, 8, frames, "tr_start") ||
        check_len(&tc, 8, frames, "tr_count") || check_len(&gb, 32, n_gt, "gt_xyxy") ||
        check_len(&tb, 32, n_tr, "tr_xyxy"))
        goto done;
    {
        const int64_t *g_start = gs.buf, *g_count = gc.buf, *t_start = ts.buf, *t_count = tc.buf;
        const double *gx = gb.buf, *g_area = ga.buf, *tx = tb.buf, *t_area = ta.buf;
        Buf og = {0}, ot = {0}, os = {0};
        size_t n = 0, cap = 0;
        int status = 0;
        Py_BEGIN_ALLOW_THREADS
        int64_t *out_g = NULL, *out_t = NULL;
        double *out_s = NULL;
        Buf ob = {0}, hb = {0};
        for (Py_ssize_t f = 0; f < frames && status == 0; f++) {
            int64_t g0 = g_start[f], g1 = g0 + g_count[f], t0 = t_start[f], t1 = t0 + t_count[f];
            if (g0 < 0 || g1 > n_gt || t0 < 0 || t1 > n_tr) { status = -3; break; }
            if (g0 == g1 || t0 == t1) continue;
            /* the frame's trackers sorted by left edge: a gt box can only overlap those whose left edge lies in
             * (gt left - widest tracker, gt right) */
            int64_t nt = t1 - t0;
            int64_t *by_x = buf_get(&ob, (size_t)nt * sizeof(int64_t));
            int64_t *hits = buf_get(&hb, (size_t)nt * sizeof(int64_t));
            if (!by_x || !hits) { status = -1; break; }
            double widest = 0;
            for (int64_t q = 0; q < nt; q++) {
                int64_t t = t0 + q, p = q;
                double width = tx[4 * t + 2] - tx[4 * t];
                if (width > widest) widest = width;
                while (p > 0 && tx[4 * by_x[p - 1]] > tx[4 * t]) { by_x[p] = by_x[p - 1]; p--; }
                by_x[p] = t;
            }
            for (int64_t g = g0; g < g1 && status == 0; g++) {
                const double *a = gx + 4 * g;
                double area_a = g_area[g], from = a[0] - widest;
                from -= 1e-9 * (fabs(a[0]) + widest); /* room for the rounding of widths and of `from` */
                int64_t lo = 0, hi = nt; /* first tracker with left edge >= from */
                while (lo < hi) {
                    int64_t mid = (lo + hi) / 2;
                    if (tx[4 * by_x[mid]] < from) lo = mid + 1;
                    else hi = mid;
                }
                int64_t n_hits = 0;
                for (int64_t q = lo; q < nt && tx[4 * by_x[q]] < a[2]; q++) {
                    int64_t t = by_x[q];
                    const double *b = tx + 4 * t;
                    double iw = (a[2] < b[2] ? a[2] : b[2]) - (a[0] > b[0] ? a[0] : b[0]);
                    if (!(iw > 0)) continue;
                    double ih = (a[3] < b[3] ? a[3] : b[3]) - (a[1] > b[1] ? a[1] : b[1]);
                    if (!(ih > 0)) continue;
                    int64_t p = n_hits++; /* kept in tracker-row order */
                    while (p > 0 && hits[p - 1] > t) { hits[p] = hits[p - 1]; p--; }
                    hits[p] = t;
                }
                for (int64_t h = 0; h < n_hits; h++) {
                    int64_t t = hits[h];
                    const double *b = tx + 4 * t;
                    double iw = (a[2] < b[2] ? a[2] : b[2]) - (a[0] > b[0] ? a[0] : b[0]);
                    double ih = (a[3] < b[3] ? a[3] : b[3]) - (a[1] > b[1] ? a[1] : b[1]);
                    double inter = iw * ih;
                    double area_b = t_area[t];
                    double uni = area_a + area_b - inter;
                    if (area_a <= EPS || area_b <= EPS || uni <= EPS) continue;
                    double iou = inter / uni;
                    if (!(iou > 0)) continue;
                    if (n == cap) {
                        cap = cap ? cap * 2 : 65536;
                        out_g = buf_get(&og, cap * sizeof(int64_t));
                        out_t = buf_get(&ot, cap * sizeof(int64_t));
                        out_s = buf_get(&os, cap * sizeof(double));
                        if (!out_g || !out_t || !out_s) { status = -1; break; }
                    }
                    out_g[n] = g;
                    out_t[n] = t;
                    out_s[n] = iou;
                    n++;
                }
            }
        }
        buf_free(&ob);
        buf_free(&hb);
        Py_END_ALLOW_THREADS
        if (status == -3) PyErr_SetString(PyExc_ValueError, "frame slices outside the box arrays");
        else if (status) PyErr_NoMemory();
        else {
            PyObject *pg = PyByteArray_FromStringAndSize(og.p, (Py_ssize_t)(n * sizeof(int64_t)));
            PyObject *pt = PyByteArray_FromStringAndSize(ot.p, (Py_ssize_t)(n * sizeof(int64_t)));
            PyObject *ps = PyByteArray_FromStringAndSize(os.p, (Py_ssize_t)(n * sizeof(double)));
            if (pg && pt && ps) result = PyTuple_Pack(3, pg, pt, ps);
            Py_XDECREF(pg); Py_XDECREF(pt); Py_XDECREF(ps);
        }
        buf_free(&og); buf_free(&ot); buf_free(&os);
    }
done:
    PyBuffer_Release(&gs); PyBuffer_Release(&gc); PyBuffer_Release(&ts); PyBuffer_Release(&tc);
    PyBuffer_Release(&gb); PyBuffer_Release(&ga); PyBuffer_Release(&tb); PyBuffer_Release(&ta);
    return result;
}

/* box_iou_rows(a (4*n float64: rows x1, y1, x2, y2), b (4*m, same), n, m, plus_one, out (n*m float64, filled)):
 * the IoU of every box of a with every box of b, with the operations of the trackers' numpy version in the same
 * order (width = min(x2) - max(x1) [+ 1], clipped at 0; union = area_a + area_b - intersection; 0 where the union
 * is not positive), so the same bits come out. The association trackers call it every frame. */
static PyObject *py_box_iou_rows(PyObject *self, PyObject *args)
{
    Py_buffer ba, bb, out;
    Py_ssize_t n, m;
    int plus_one;
    if (!PyArg_ParseTuple(args, "y*y*nnpw*", &ba, &bb, &n, &m, &plus_one, &out)) return NULL;
    PyObject *result = NULL;
    if (check_len(&ba, 8, 4 * n, "a") || check_len(&bb, 8, 4 * m, "b") || check_len(&out, 8, n * m, "out"))
        goto done;
    {
        box_iou_rows_fill(ba.buf, n, bb.buf, m, plus_one, out.buf);
        result = Py_NewRef(Py_None);
    }
done:
    PyBuffer_Release(&ba);
    PyBuffer_Release(&bb);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"assign_frames", py_assign_frames, METH_VARARGS, "Per-frame optimal assignment as TrackEval computes it."},
    {"clear_assign", py_clear_assign, METH_VARARGS, "TrackEval's CLEAR matching, frame after frame."},
    {"pairs_by_frame", py_pairs_by_frame, METH_VARARGS, "Overlapping (gt, tracker) pairs of every frame."},
    {"lsa", py_lsa, METH_VARARGS, "scipy's linear_sum_assignment algorithm (minimization)."},
    {"box_iou_rows", py_box_iou_rows, METH_VARARGS, "IoU of two box sets given as coordinate rows (trackers)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "mot_match", "MOT evaluation kernels.", -1, methods};

PyMODINIT_FUNC PyInit_mot_match(void) { return PyModule_Create(&module); }
