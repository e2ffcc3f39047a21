/*
 * Shared by the compiled kernels (included, not a module of its own): growable scratch buffers and the linear sum
 * assignment solver with scipy's algorithm, loop order, tie rules and transposition (Crouse, IEEE TAES 52(4), 2016),
 * so every kernel that assigns breaks ties as scipy.optimize.linear_sum_assignment does.
 */
#ifndef TRACKBENCH_LSA_H
#define TRACKBENCH_LSA_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- growable scratch buffers ------------------------------------------------------------------------------ */

typedef struct {
    void *p;
    size_t cap;
} Buf;

static void *buf_get(Buf *b, size_t bytes)
{
    if (bytes == 0) bytes = 1;
    if (bytes > b->cap) {
        size_t n = bytes < 4096 ? 4096 : bytes + bytes / 2;
        void *q = realloc(b->p, n);
        if (q == NULL) return NULL;
        b->p = q;
        b->cap = n;
    }
    return b->p;
}

static void buf_free(Buf *b)
{
    free(b->p);
    b->p = NULL;
    b->cap = 0;
}

/* ---- linear sum assignment (minimization), scipy's algorithm ----------------------------------------------- */

typedef struct {
    Buf u, v, spc, path, col4row, row4col, sr, sc, remaining, transposed;
    Buf scc_index, scc_low, scc_comp, scc_stack, scc_call, scc_next, scc_on;
} LsaWork;

static void lsa_free(LsaWork *w)
{
    buf_free(&w->u); buf_free(&w->v); buf_free(&w->spc); buf_free(&w->path); buf_free(&w->col4row);
    buf_free(&w->row4col); buf_free(&w->sr); buf_free(&w->sc); buf_free(&w->remaining); buf_free(&w->transposed);
    buf_free(&w->scc_index); buf_free(&w->scc_low); buf_free(&w->scc_comp); buf_free(&w->scc_stack);
    buf_free(&w->scc_call); buf_free(&w->scc_next); buf_free(&w->scc_on);
}

/* One shortest augmenting path from row i (Crouse's pseudocode; columns scanned from a list filled in reverse
 * order and shrunk by swap-removal; on equal path costs an unassigned column wins). Returns the sink column. */
static int64_t augmenting_path(int64_t nc, const double *cost, const double *u, const double *v, int64_t *path,
                               const int64_t *row4col, double *spc, int64_t i, char *sr, char *sc,
                               int64_t *remaining, int64_t nr, double *p_min)
{
    double min_val = 0;
    int64_t num_remaining = nc;
    for (int64_t it = 0; it < nc; it++) remaining[it] = nc - it - 1;
    memset(sr, 0, (size_t)nr);
    memset(sc, 0, (size_t)nc);
    for (int64_t j = 0; j < nc; j++) spc[j] = INFINITY;
    int64_t sink = -1;
    while (sink == -1) {
        int64_t index = -1;
        double lowest = INFINITY;
        sr[i] = 1;
        for (int64_t it = 0; it < num_remaining; it++) {
            int64_t j = remaining[it];
            double r = min_val + cost[i * nc + j] - u[i] - v[j];
            if (r < spc[j]) {
                path[j] = i;
                spc[j] = r;
            }
            if (spc[j] < lowest || (spc[j] == lowest && row4col[j] == -1)) {
                lowest = spc[j];
                index = it;
            }
        }
        min_val = lowest;
        if (min_val == INFINITY || index < 0) return -1;
        int64_t j = remaining[index];
        if (row4col[j] == -1) sink = j;
        else i = row4col[j];
        sc[j] = 1;
        remaining[index] = remaining[--num_remaining];
    }
    *p_min = min_val;
    return sink;
}

/* State of the solver on an (nr, nc) cost matrix with nr <= nc: duals u, v and the partial assignment. */
static int sap_init(int64_t nr, int64_t nc, LsaWork *w)
{
    double *u = buf_get(&w->u, (size_t)nr * sizeof(double));
    double *v = buf_get(&w->v, (size_t)nc * sizeof(double));
    int64_t *path = buf_get(&w->path, (size_t)nc * sizeof(int64_t));
    int64_t *col4row = buf_get(&w->col4row, (size_t)nr * sizeof(int64_t));
    int64_t *row4col = buf_get(&w->row4col, (size_t)nc * sizeof(int64_t));
    if (!u || !v || !path || !col4row || !row4col || !buf_get(&w->spc, (size_t)nc * sizeof(double)) ||
        !buf_get(&w->sr, (size_t)nr) || !buf_get(&w->sc, (size_t)nc) ||
        !buf_get(&w->remaining, (size_t)nc * sizeof(int64_t)))
        return -1;
    for (int64_t i = 0; i < nr; i++) { u[i] = 0; col4row[i] = -1; }
    for (int64_t j = 0; j < nc; j++) { v[j] = 0; path[j] = -1; row4col[j] = -1; }
    return 0;
}

/* Assign the free row `cur` along a shortest augmenting path and update the duals (one step of scipy's loop).
 * Correct whenever the duals are feasible and every assigned pair is tight. Returns 0 or -2 (infeasible). */
static int sap_add_row(int64_t nr, int64_t nc, const double *cost, int64_t cur, LsaWork *w)
{
    double *u = w->u.p, *v = w->v.p, *spc = w->spc.p;
    int64_t *path = w->path.p, *col4row = w->col4row.p, *row4col = w->row4col.p;
    char *sr = w->sr.p, *sc = w->sc.p;
    double min_val;
    int64_t sink = augmenting_path(nc, cost, u, v, path, row4col, spc, cur, sr, sc, w->remaining.p, nr, &min_val);
    if (sink < 0) return -2;
    u[cur] += min_val;
    for (int64_t i = 0; i < nr; i++)
        if (sr[i] && i != cur) u[i] += min_val - spc[col4row[i]];
    for (int64_t j = 0; j < nc; j++)
        if (sc[j]) v[j] -= min_val - spc[j];
    int64_t j = sink;
    for (;;) {
        int64_t i = path[j];
        row4col[j] = i;
        int64_t swap = col4row[i];
        col4row[i] = j;
        j = swap;
        if (i == cur) break;
    }
    return 0;
}

/* Minimize over an (nr, nc) row-major cost matrix; col_of_row[r] = matched column or -1 (every row of the smaller
 * side is matched, as scipy does). Tall matrices are transposed first, as scipy does. Returns 0, or -1 when out of
 * memory, -2 when infeasible (not reachable with finite costs). */
static int lsa_min(int64_t nr, int64_t nc, const double *cost, int64_t *col_of_row, LsaWork *w)
{
    for (int64_t r = 0; r < nr; r++) col_of_row[r] = -1;
    if (nr == 0 || nc == 0) return 0;
    int transpose = nc < nr;
    if (transpose) {
        double *t = buf_get(&w->transposed, (size_t)(nr * nc) * sizeof(double));
        if (t == NULL) return -1;
        for (int64_t i = 0; i < nr; i++)
            for (int64_t j = 0; j < nc; j++) t[j * nr + i] = cost[i * nc + j];
        int64_t s = nr;
        nr = nc;
        nc = s;
        cost = t;
    }
    if (sap_init(nr, nc, w)) return -1;
    for (int64_t cur = 0; cur < nr; cur++) {
        int status = sap_add_row(nr, nc, cost, cur, w);
        if (status) return status;
    }
    const int64_t *col4row = w->col4row.p;
    if (transpose) {
        for (int64_t i = 0; i < nr; i++) col_of_row[col4row[i]] = i;
    } else {
        for (int64_t i = 0; i < nr; i++) col_of_row[i] = col4row[i];
    }
    return 0;
}

#endif
