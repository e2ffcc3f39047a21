/* Single-object OPE kernels: per-frame overlaps and center errors of x, y, w, h boxes, and per-sequence
 * threshold counts (success / precision curves), one pass over the frames each.
 *
 * frame_errors_xywh(pred, gt, inclusive, clamp_size) -> (overlaps, center_errors, norm_center_errors)
 *     pred, gt: C-contiguous float64 (N, 4) buffers. Returns three bytearrays of N float64.
 *     inclusive = 0: the got10k toolkit's continuous-box IoU (``rect_iou``: inter / (union + eps), clipped to
 *                    [0, 1]); inclusive = 1: the LaSOT toolkit / pytracking ``+1`` pixel IoU (inter / union).
 *     clamp_size = 1: normalized center error divides the center difference by max(1, gt size) (got10k);
 *     clamp_size = 0: divides each center by the gt size, then subtracts (LaSOT toolkit, pytracking).
 *     Every value is the one trackbench.metrics.sot.box_overlap's numpy functions give: the same IEEE operations
 *     in the same order (built with -ffp-contract=off, so no fused multiply-add), NaN propagated as numpy's
 *     maximum/minimum/clip do; only the sign of a zero overlap may differ, which no comparison sees.
 *
 * threshold_counts(values, ids, n_seq, thresholds, above) -> bytearray of n_seq * T int64
 *     Per sequence (ids[i] in [0, n_seq)) and threshold j: how many values[i] > thresholds[j] (above) or
 *     values[i] <= thresholds[j] (not above); NaN never counts. thresholds must be sorted ascending. Each value
 *     finds k = the number of thresholds strictly below it (numpy searchsorted side='left': an interpolated
 *     guess checked by comparisons, else a binary search), a histogram of k per sequence and a cumulative sum
 *     give every count.
 *
 * ope_counts(pred, gt, lengths, inclusive, clamp_size, first_is_gt, skip_nan_gt, thr_overlap, thr_center,
 *            thr_norm_center) -> (success_counts, precision_counts, norm_precision_counts, frames)
 *     The two above fused for the got10k toolkit's OPE rule, with no per-frame arrays written and read
 *     back: sequences of lengths[s] consecutive frames; first_is_gt scores each sequence's first
 *     frame as gt against gt (the toolkit's ``boxes[0] = anno[0]``); skip_nan_gt leaves out frames whose gt has
 *     a NaN (UAV123/LaSOT). Counts as threshold_counts (success: overlap > t; precision: error <= t), frames =
 *     the frames counted per sequence (the divisor), all bytearrays of int64.
 *
 * lasot_counts(pred, gt, absent, lengths, thr_overlap, thr_center, thr_norm_center)
 *     -> (success_counts, precision_counts, norm_precision_counts)
 *     The LaSOT MATLAB toolkit's rule (trackbench.metrics.sot.ope_rules.lasot_toolkit_rule) fused with the
 *     counts the same way: invalid results repeat the previous one, frame 0 := gt, absent frames (absent: one
 *     byte per frame) left out, ``+1`` pixel IoU and centers divided by the gt size, -1 where the gt has a
 *     non-positive number. The divisor (full sequence length + eps) is the caller's.
 *
 * set_simd(enable) -> bool
 *     The per-frame errors are computed four frames at a time with AVX2 (x86-64, GCC or Clang, where the CPU has
 *     it: the default) or one by one; both give the same bits. For the tests, which compare the two.
 *
 * All release the GIL. Plain C99 on the CPython API (buffer protocol, bytearray); no numpy headers.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* numpy's maximum/minimum: NaN if either argument is NaN. */
static inline double np_max(double a, double b)
{
    return (a >= b || a != a) ? a : b;
}

static inline double np_min(double a, double b)
{
    return (a <= b || a != a) ? a : b;
}

/* x86 maxsd/minsd (no branch): for arguments that are not NaN, the same value as numpy's maximum/minimum but
 * for the sign of a zero result, which no threshold comparison can see. */
static inline double fast_max(double a, double b)
{
    return a > b ? a : b;
}

static inline double fast_min(double a, double b)
{
    return a < b ? a : b;
}

static const double DBL_EPS = 2.220446049250313e-16; /* np.finfo(float).eps = 2^-52 */

/* Coordinates below this size cannot overflow in the sums and products below, so no NaN can appear before the
 * final division: the branch-free max/min are then exact. */
#define SAFE_MAGNITUDE 1e100

/* One frame: overlap, center error, normalized center error of box a (prediction) against box b (gt). The
 * comparisons in max/min go either way from frame to frame, so they are branch-free (fast_max/fast_min) when
 * every coordinate is moderate; otherwise (NaN, inf, huge values) numpy's NaN-propagating np_max/np_min. */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

static ALWAYS_INLINE void frame_error(const double *p, const double *g, int inclusive, int clamp_size,
                                      double *ov, double *ce, double *nce)
{
    const double a0 = p[0], a1 = p[1], a2 = p[2], a3 = p[3];
    const double b0 = g[0], b1 = g[1], b2 = g[2], b3 = g[3];
    const int moderate = fabs(a0) < SAFE_MAGNITUDE && fabs(a1) < SAFE_MAGNITUDE && fabs(a2) < SAFE_MAGNITUDE &&
                         fabs(a3) < SAFE_MAGNITUDE && fabs(b0) < SAFE_MAGNITUDE && fabs(b1) < SAFE_MAGNITUDE &&
                         fabs(b2) < SAFE_MAGNITUDE && fabs(b3) < SAFE_MAGNITUDE;
    double inter, uni, cpx, cpy, cgx, cgy, dx, dy, nx, ny;
    if (inclusive) {
        /* box_overlap.iou_xywh_inclusive_batch */
        double iw, ih;
        if (moderate) {
            iw = fast_max(0.0, fast_min(a0 + a2 - 1, b0 + b2 - 1) - fast_max(a0, b0) + 1);
            ih = fast_max(0.0, fast_min(a1 + a3 - 1, b1 + b3 - 1) - fast_max(a1, b1) + 1);
        } else {
            iw = np_max(0.0, np_min(a0 + a2 - 1, b0 + b2 - 1) - np_max(a0, b0) + 1);
            ih = np_max(0.0, np_min(a1 + a3 - 1, b1 + b3 - 1) - np_max(a1, b1) + 1);
        }
        inter = iw * ih;
        uni = a2 * a3 + b2 * b3 - inter;
        *ov = inter / uni;
    } else {
        /* box_overlap.iou_xywh_batch (no image bound) */
        double r;
        if (moderate) {
            const double x1 = fast_max(a0, b0);
            const double y1 = fast_max(a1, b1);
            const double x2 = fast_min(a0 + a2, b0 + b2);
            const double y2 = fast_min(a1 + a3, b1 + b3);
            inter = fast_max(x2 - x1, 0.0) * fast_max(y2 - y1, 0.0);
        } else {
            const double x1 = np_max(a0, b0);
            const double y1 = np_max(a1, b1);
            const double x2 = np_min(a0 + a2, b0 + b2);
            const double y2 = np_min(a1 + a3, b1 + b3);
            inter = np_max(x2 - x1, 0.0) * np_max(y2 - y1, 0.0);
        }
        uni = a2 * a3 + b2 * b3 - inter;
        r = inter / (uni + DBL_EPS);
        *ov = (r != r) ? r : fast_min(fast_max(r, 0.0), 1.0); /* np.clip keeps NaN */
    }
    /* box_overlap.center_errors_xywh_batch */
    cpx = a0 + (a2 - 1) / 2;
    cpy = a1 + (a3 - 1) / 2;
    cgx = b0 + (b2 - 1) / 2;
    cgy = b1 + (b3 - 1) / 2;
    dx = cpx - cgx;
    dy = cpy - cgy;
    *ce = sqrt(dx * dx + dy * dy);
    if (clamp_size) {
        nx = dx / np_max(1.0, b2);
        ny = dy / np_max(1.0, b3);
    } else {
        nx = cpx / b2 - cgx / b2;
        ny = cpy / b3 - cgy / b3;
    }
    *nce = sqrt(nx * nx + ny * ny);
}

/* Four frames at once with AVX2 (x86-64 with GCC or Clang, chosen at run time when the CPU has it): the same
 * IEEE operations as frame_error's branch-free path lane by lane (vmaxpd/vminpd are fast_max/fast_min, x / 2 is
 * x * 0.5 exactly, no fused multiply-add: the target adds no FMA), so the same values bit for bit. The
 * evaluation is bound by the two divisions and two square roots of every frame; four lanes share each
 * instruction. */
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HAVE_AVX2_PATH 1

static int use_avx2 = 0; /* set by the module's init (the CPU has AVX2), and by set_simd() for tests */

/* Rows r0..r3 of four (x, y, w, h) boxes as columns: x, y, w, h of the four. */
__attribute__((target("avx2"))) static inline void columns4(const double *rows, __m256d *x, __m256d *y,
                                                            __m256d *w, __m256d *h)
{
    const __m256d r0 = _mm256_loadu_pd(rows), r1 = _mm256_loadu_pd(rows + 4);
    const __m256d r2 = _mm256_loadu_pd(rows + 8), r3 = _mm256_loadu_pd(rows + 12);
    const __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1); /* x0 x1 w0 w1, y0 y1 h0 h1 */
    const __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
    *x = _mm256_permute2f128_pd(t0, t2, 0x20);
    *w = _mm256_permute2f128_pd(t0, t2, 0x31);
    *y = _mm256_permute2f128_pd(t1, t3, 0x20);
    *h = _mm256_permute2f128_pd(t1, t3, 0x31);
}

/* Lanes whose value is below SAFE_MAGNITUDE in magnitude (NaN is not), as a 4-bit mask. */
__attribute__((target("avx2"))) static inline int moderate4(__m256d v)
{
    const __m256d magnitude = _mm256_and_pd(v, _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFFFFFFFFFFFFFFLL)));
    return _mm256_movemask_pd(_mm256_cmp_pd(magnitude, _mm256_set1_pd(SAFE_MAGNITUDE), _CMP_LT_OQ));
}

/* frame_error of four consecutive frames into ov[0..3], ce[0..3], nce[0..3]; 0 (nothing written) when a
 * coordinate is not moderate, for frame_error's NaN-propagating path. */
__attribute__((target("avx2"))) static int frame_errors4(const double *p, const double *g, int inclusive,
                                                         int clamp_size, double *ov, double *ce, double *nce)
{
    __m256d a0, a1, a2, a3, b0, b1, b2, b3, inter, uni, o, cpx, cpy, cgx, cgy, dx, dy, nx, ny;
    const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0), half = _mm256_set1_pd(0.5);
    columns4(p, &a0, &a1, &a2, &a3);
    columns4(g, &b0, &b1, &b2, &b3);
    if ((moderate4(a0) & moderate4(a1) & moderate4(a2) & moderate4(a3) & moderate4(b0) & moderate4(b1) &
         moderate4(b2) & moderate4(b3)) != 0xF)
        return 0;
    if (inclusive) {
        const __m256d iw = _mm256_max_pd(zero, _mm256_add_pd(_mm256_sub_pd(
            _mm256_min_pd(_mm256_sub_pd(_mm256_add_pd(a0, a2), one), _mm256_sub_pd(_mm256_add_pd(b0, b2), one)),
            _mm256_max_pd(a0, b0)), one));
        const __m256d ih = _mm256_max_pd(zero, _mm256_add_pd(_mm256_sub_pd(
            _mm256_min_pd(_mm256_sub_pd(_mm256_add_pd(a1, a3), one), _mm256_sub_pd(_mm256_add_pd(b1, b3), one)),
            _mm256_max_pd(a1, b1)), one));
        inter = _mm256_mul_pd(iw, ih);
        uni = _mm256_sub_pd(_mm256_add_pd(_mm256_mul_pd(a2, a3), _mm256_mul_pd(b2, b3)), inter);
        o = _mm256_div_pd(inter, uni);
    } else {
        const __m256d x1 = _mm256_max_pd(a0, b0), y1 = _mm256_max_pd(a1, b1);
        const __m256d x2 = _mm256_min_pd(_mm256_add_pd(a0, a2), _mm256_add_pd(b0, b2));
        const __m256d y2 = _mm256_min_pd(_mm256_add_pd(a1, a3), _mm256_add_pd(b1, b3));
        __m256d r, clipped;
        inter = _mm256_mul_pd(_mm256_max_pd(_mm256_sub_pd(x2, x1), zero), _mm256_max_pd(_mm256_sub_pd(y2, y1), zero));
        uni = _mm256_sub_pd(_mm256_add_pd(_mm256_mul_pd(a2, a3), _mm256_mul_pd(b2, b3)), inter);
        r = _mm256_div_pd(inter, _mm256_add_pd(uni, _mm256_set1_pd(DBL_EPS)));
        clipped = _mm256_min_pd(_mm256_max_pd(r, zero), one);
        o = _mm256_blendv_pd(clipped, r, _mm256_cmp_pd(r, r, _CMP_UNORD_Q)); /* np.clip keeps NaN */
    }
    cpx = _mm256_add_pd(a0, _mm256_mul_pd(_mm256_sub_pd(a2, one), half));
    cpy = _mm256_add_pd(a1, _mm256_mul_pd(_mm256_sub_pd(a3, one), half));
    cgx = _mm256_add_pd(b0, _mm256_mul_pd(_mm256_sub_pd(b2, one), half));
    cgy = _mm256_add_pd(b1, _mm256_mul_pd(_mm256_sub_pd(b3, one), half));
    dx = _mm256_sub_pd(cpx, cgx);
    dy = _mm256_sub_pd(cpy, cgy);
    _mm256_storeu_pd(ov, o);
    _mm256_storeu_pd(ce, _mm256_sqrt_pd(_mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy))));
    if (clamp_size) { /* np_max(1.0, size) of a number that is not NaN */
        nx = _mm256_div_pd(dx, _mm256_max_pd(b2, one));
        ny = _mm256_div_pd(dy, _mm256_max_pd(b3, one));
    } else {
        nx = _mm256_sub_pd(_mm256_div_pd(cpx, b2), _mm256_div_pd(cgx, b2));
        ny = _mm256_sub_pd(_mm256_div_pd(cpy, b3), _mm256_div_pd(cgy, b3));
    }
    _mm256_storeu_pd(nce, _mm256_sqrt_pd(_mm256_add_pd(_mm256_mul_pd(nx, nx), _mm256_mul_pd(ny, ny))));
    return 1;
}
#endif

/* frame_error of up to four consecutive frames (n <= 4) into ov, ce, nce: four at once where AVX2 is used and
 * every coordinate is moderate, else one by one. */
static inline void frame_errors_upto4(const double *p, const double *g, Py_ssize_t n, int inclusive, int clamp_size,
                                      double *ov, double *ce, double *nce)
{
    Py_ssize_t j;
#ifdef HAVE_AVX2_PATH
    if (n == 4 && use_avx2 && frame_errors4(p, g, inclusive, clamp_size, ov, ce, nce))
        return;
#endif
    for (j = 0; j < n; j++)
        frame_error(p + 4 * j, g + 4 * j, inclusive, clamp_size, ov + j, ce + j, nce + j);
}

static void frame_errors(const double *p, const double *g, Py_ssize_t n, int inclusive, int clamp_size,
                         double *ov, double *ce, double *nce)
{
    Py_ssize_t i, k;
    for (i = 0; i < n; i += k) {
        k = n - i < 4 ? n - i : 4;
        frame_errors_upto4(p + 4 * i, g + 4 * i, k, inclusive, clamp_size, ov + i, ce + i, nce + i);
    }
}

static int get_boxes(PyObject *obj, Py_buffer *view, const char *what)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    if (view->itemsize != 8 || view->format == NULL || strcmp(view->format, "d") != 0 || view->len % 32 != 0) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous float64 (N, 4) buffer", what);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* pred and gt as (N, 4) float64 buffers with the same N: both acquired (0), or neither (-1, a Python error). */
static int get_box_pair(PyObject *pred_obj, PyObject *gt_obj, Py_buffer *pred, Py_buffer *gt, const char *who)
{
    if (get_boxes(pred_obj, pred, "pred") < 0)
        return -1;
    if (get_boxes(gt_obj, gt, "gt") < 0) {
        PyBuffer_Release(pred);
        return -1;
    }
    if (pred->len != gt->len) {
        PyErr_Format(PyExc_ValueError, "%s: pred and gt must have the same number of boxes", who);
        PyBuffer_Release(pred);
        PyBuffer_Release(gt);
        return -1;
    }
    return 0;
}

static PyObject *frame_errors_xywh(PyObject *self, PyObject *args)
{
    PyObject *pred_obj, *gt_obj;
    Py_buffer pred, gt;
    int inclusive, clamp_size;
    Py_ssize_t n;
    PyObject *ov = NULL, *ce = NULL, *nce = NULL;

    (void)self;
    if (!PyArg_ParseTuple(args, "OOpp:frame_errors_xywh", &pred_obj, &gt_obj, &inclusive, &clamp_size))
        return NULL;
    if (get_box_pair(pred_obj, gt_obj, &pred, &gt, "frame_errors_xywh") < 0)
        return NULL;
    n = pred.len / 32;
    ov = PyByteArray_FromStringAndSize(NULL, n * 8);
    ce = PyByteArray_FromStringAndSize(NULL, n * 8);
    nce = PyByteArray_FromStringAndSize(NULL, n * 8);
    if (ov == NULL || ce == NULL || nce == NULL)
        goto fail;
    {
        double *o = (double *)PyByteArray_AS_STRING(ov);
        double *c = (double *)PyByteArray_AS_STRING(ce);
        double *nc = (double *)PyByteArray_AS_STRING(nce);
        Py_BEGIN_ALLOW_THREADS
        frame_errors((const double *)pred.buf, (const double *)gt.buf, n, inclusive, clamp_size, o, c, nc);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&pred);
    PyBuffer_Release(&gt);
    return Py_BuildValue("(NNN)", ov, ce, nce);
fail:
    Py_XDECREF(ov);
    Py_XDECREF(ce);
    Py_XDECREF(nce);
    PyBuffer_Release(&pred);
    PyBuffer_Release(&gt);
    return NULL;
}

/* k = number of thresholds strictly below v (searchsorted side='left'); NaN gives 0. ``padded`` holds the
 * thresholds then +inf up to ``width`` (a power of two): a branch-free binary search, since the values fall
 * anywhere among the thresholds from one frame to the next. */
static inline Py_ssize_t rank(double v, const double *padded, Py_ssize_t width)
{
    Py_ssize_t k = 0, step;
    for (step = width / 2; step >= 1; step /= 2)
        k += (padded[k + step - 1] < v) ? step : 0;
    return k;
}

/* The thresholds padded with +inf to a power of two (>= t + 1, so that v = +inf still ranks t); NULL when out of
 * memory. */
static double *pad_thresholds(const double *thr, Py_ssize_t t, Py_ssize_t *width)
{
    Py_ssize_t w = 1, j;
    double *padded;
    while (w < t + 1)
        w *= 2;
    padded = (double *)malloc(sizeof(double) * (size_t)w);
    if (padded == NULL)
        return NULL;
    for (j = 0; j < w; j++)
        padded[j] = j < t ? thr[j] : HUGE_VAL;
    *width = w;
    return padded;
}

/* Thresholds of one curve (padded for rank) and its per-sequence histogram of ranks. */
typedef struct {
    Py_ssize_t t, width;
    double *padded;   /* for rank(): thresholds, then +inf up to width */
    double *bracket;  /* -inf, -inf, thresholds, +inf, +inf, +inf: for curve_rank */
    double t0, scale; /* guess = (v - t0) * scale */
    int above;
    int64_t *hist;    /* n_seq * (t + 1) */
} Curve;

static int curve_init(Curve *c, const Py_buffer *thr, int above, Py_ssize_t n_seq)
{
    const double *v = (const double *)thr->buf;
    Py_ssize_t j;
    c->t = thr->len / 8;
    c->above = above;
    if (thr->len % 8 || c->t < 1) {
        PyErr_SetString(PyExc_ValueError, "thresholds: at least one float64 expected");
        return -1;
    }
    for (j = 1; j < c->t; j++) {
        if (!(v[j - 1] <= v[j])) {
            PyErr_SetString(PyExc_ValueError, "thresholds must be sorted ascending");
            return -1;
        }
    }
    c->padded = pad_thresholds(v, c->t, &c->width);
    c->bracket = (double *)malloc(sizeof(double) * (size_t)(c->t + 5));
    c->hist = (int64_t *)calloc((size_t)(n_seq * (c->t + 1) + 1), sizeof(int64_t));
    if (c->padded == NULL || c->bracket == NULL || c->hist == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    c->bracket[0] = c->bracket[1] = -HUGE_VAL;
    for (j = 0; j < c->t; j++)
        c->bracket[j + 2] = v[j];
    c->bracket[c->t + 2] = c->bracket[c->t + 3] = c->bracket[c->t + 4] = HUGE_VAL;
    c->t0 = v[0];
    c->scale = (c->t > 1 && v[c->t - 1] > v[0] && isfinite(v[c->t - 1] - v[0]))
                   ? (double)(c->t - 1) / (v[c->t - 1] - v[0]) : 0.0;
    return 0;
}

static void curve_free(Curve *c)
{
    free(c->padded);
    free(c->bracket);
    free(c->hist);
}

/* rank() for (nearly) evenly spaced thresholds, as every OPE tool's are, without a chain of dependent loads:
 * the interpolated index k0 gives a window of thresholds k0-2 .. k0+2, all compared with x at once. If
 * threshold k0-2 is below x and threshold k0+2 is not, the thresholds below x are exactly those up to k0-2
 * (k0 - 1 of them) and the ones among k0-1, k0, k0+1 that are below x. Otherwise (a guess too far off, NaN,
 * -inf) the binary search answers, so any sorted thresholds give the exact rank. */
static inline Py_ssize_t curve_rank(const Curve *c, double x)
{
    double g = (x - c->t0) * c->scale;
    const double *w;
    Py_ssize_t k0;
    g = fast_min(fast_max(g, 0.0), (double)(c->t - 1)); /* branch-free clamp; NaN becomes 0 */
    k0 = (Py_ssize_t)g;
    w = c->bracket + k0; /* w[i] = threshold k0 - 2 + i (-inf before the first, +inf after the last) */
    if ((w[0] < x) & !(w[4] < x))
        return k0 - 1 + (w[1] < x) + (w[2] < x) + (w[3] < x);
    return rank(x, c->padded, c->width);
}

static inline void curve_add(Curve *c, Py_ssize_t seq, double x)
{
    Py_ssize_t k = curve_rank(c, x);
    if (!c->above && x != x)
        k = c->t; /* NaN is never counted: rank 0 for "above", t for "at most" */
    c->hist[seq * (c->t + 1) + k]++;
}

/* The histogram's cumulative counts as a bytearray of n_seq * t int64 (NULL with a Python error). */
static PyObject *curve_counts(const Curve *c, Py_ssize_t n_seq)
{
    PyObject *out = PyByteArray_FromStringAndSize(NULL, n_seq * c->t * 8);
    Py_ssize_t s, j;
    if (out == NULL)
        return NULL;
    for (s = 0; s < n_seq; s++) {
        const int64_t *h = c->hist + s * (c->t + 1);
        int64_t *cnt = (int64_t *)PyByteArray_AS_STRING(out) + s * c->t;
        int64_t acc = 0;
        if (c->above) { /* v > thr[j]  <=>  k > j */
            for (j = c->t - 1; j >= 0; j--) {
                acc += h[j + 1];
                cnt[j] = acc;
            }
        } else {        /* v <= thr[j]  <=>  k <= j */
            for (j = 0; j < c->t; j++) {
                acc += h[j];
                cnt[j] = acc;
            }
        }
    }
    return out;
}

static PyObject *threshold_counts(PyObject *self, PyObject *args)
{
    Py_buffer values, ids, thresholds;
    Py_ssize_t n_seq, n, i;
    int above, bad_id = 0;
    Curve curve;
    PyObject *out = NULL;

    (void)self;
    memset(&curve, 0, sizeof(curve));
    if (!PyArg_ParseTuple(args, "y*y*ny*p:threshold_counts", &values, &ids, &n_seq, &thresholds, &above))
        return NULL;
    n = values.len / 8;
    if (values.len % 8 || ids.len != n * 8 || n_seq < 0) {
        PyErr_SetString(PyExc_ValueError, "threshold_counts: values (float64) and ids (int64, same length) "
                                          "expected");
        goto done;
    }
    if (curve_init(&curve, &thresholds, above, n_seq) < 0)
        goto done;
    Py_BEGIN_ALLOW_THREADS
    {
        const double *v = (const double *)values.buf;
        const int64_t *id = (const int64_t *)ids.buf;
        for (i = 0; i < n; i++) {
            if (id[i] < 0 || id[i] >= n_seq) {
                bad_id = 1;
                break;
            }
            curve_add(&curve, (Py_ssize_t)id[i], v[i]);
        }
    }
    Py_END_ALLOW_THREADS
    if (bad_id)
        PyErr_SetString(PyExc_ValueError, "threshold_counts: a sequence id outside [0, n_seq)");
    else
        out = curve_counts(&curve, n_seq);
done:
    curve_free(&curve);
    PyBuffer_Release(&values);
    PyBuffer_Release(&ids);
    PyBuffer_Release(&thresholds);
    return out;
}

/* Sum of the sequence lengths (int64 each, every one >= min_len); -1 when one is shorter. */
static Py_ssize_t lengths_total(const Py_buffer *lengths, int64_t min_len)
{
    Py_ssize_t total = 0, s, n_seq = lengths->len / 8;
    for (s = 0; s < n_seq; s++) {
        const int64_t len = ((const int64_t *)lengths->buf)[s];
        if (len < min_len)
            return -1;
        total += (Py_ssize_t)len;
    }
    return total;
}

/* The success, precision and normalized precision curves of the overlap, center and normalized center errors
 * (the first counts values above its thresholds, the others values at most theirs); -1 with a Python error. */
static int curves_init(Curve *curves, const Py_buffer *thr, Py_ssize_t n_seq)
{
    int k;
    for (k = 0; k < 3; k++) {
        if (curve_init(&curves[k], &thr[k], k == 0, n_seq) < 0)
            return -1;
    }
    return 0;
}

/* The three curves' cumulative counts as a tuple of bytearrays (NULL with a Python error). */
static PyObject *curves_counts(const Curve *curves, Py_ssize_t n_seq)
{
    PyObject *c0 = curve_counts(&curves[0], n_seq);
    PyObject *c1 = c0 ? curve_counts(&curves[1], n_seq) : NULL;
    PyObject *c2 = c1 ? curve_counts(&curves[2], n_seq) : NULL;
    if (c2 == NULL) {
        Py_XDECREF(c0);
        Py_XDECREF(c1);
        return NULL;
    }
    return Py_BuildValue("(NNN)", c0, c1, c2);
}

static inline int has_nan(const double *r)
{
    return r[0] != r[0] || r[1] != r[1] || r[2] != r[2] || r[3] != r[3];
}

static PyObject *ope_counts(PyObject *self, PyObject *args)
{
    PyObject *pred_obj, *gt_obj, *result = NULL;
    Py_buffer pred, gt, lengths, thr[3];
    int inclusive, clamp_size, first_is_gt, skip_nan_gt;
    Curve curves[3];
    int64_t *frames = NULL;
    Py_ssize_t n_seq, n, total, s, k;

    (void)self;
    memset(curves, 0, sizeof(curves));
    if (!PyArg_ParseTuple(args, "OOy*ppppy*y*y*:ope_counts", &pred_obj, &gt_obj, &lengths, &inclusive,
                          &clamp_size, &first_is_gt, &skip_nan_gt, &thr[0], &thr[1], &thr[2]))
        return NULL;
    if (get_box_pair(pred_obj, gt_obj, &pred, &gt, "ope_counts") < 0)
        goto release_args;
    n = gt.len / 32;
    n_seq = lengths.len / 8;
    total = lengths_total(&lengths, 0);
    if (lengths.len % 8 || total != n) {
        PyErr_SetString(PyExc_ValueError, "ope_counts: pred and gt must be (N, 4) and the sequence lengths sum to N");
        goto release;
    }
    if (curves_init(curves, thr, n_seq) < 0)
        goto release;
    frames = (int64_t *)calloc((size_t)n_seq + 1, sizeof(int64_t));
    if (frames == NULL) {
        PyErr_NoMemory();
        goto release;
    }
    Py_BEGIN_ALLOW_THREADS
    {
        const double *p = (const double *)pred.buf;
        const double *g = (const double *)gt.buf;
        const int64_t *len = (const int64_t *)lengths.buf;
        Py_ssize_t i = 0;
        for (s = 0; s < n_seq; s++) {
            const Py_ssize_t start = i, end = i + (Py_ssize_t)len[s];
            while (i < end) {
                const Py_ssize_t k = end - i < 4 ? end - i : 4;
                double ov[4], ce[4], nce[4];
                Py_ssize_t j;
                frame_errors_upto4(p + 4 * i, g + 4 * i, k, inclusive, clamp_size, ov, ce, nce);
                if (first_is_gt && i == start) /* the toolkit's boxes[0] = anno[0] */
                    frame_error(g + 4 * i, g + 4 * i, inclusive, clamp_size, ov, ce, nce);
                for (j = 0; j < k; j++) {
                    if (skip_nan_gt && has_nan(g + 4 * (i + j)))
                        continue;
                    curve_add(&curves[0], s, ov[j]);
                    curve_add(&curves[1], s, ce[j]);
                    curve_add(&curves[2], s, nce[j]);
                    frames[s]++;
                }
                i += k;
            }
        }
    }
    Py_END_ALLOW_THREADS
    {
        PyObject *counts = curves_counts(curves, n_seq);
        PyObject *fr = counts ? PyByteArray_FromStringAndSize((const char *)frames, n_seq * 8) : NULL;
        if (fr != NULL)
            result = Py_BuildValue("(OOON)", PyTuple_GET_ITEM(counts, 0), PyTuple_GET_ITEM(counts, 1),
                                   PyTuple_GET_ITEM(counts, 2), fr);
        Py_XDECREF(counts);
    }
release:
    for (k = 0; k < 3; k++)
        curve_free(&curves[k]);
    free(frames);
    PyBuffer_Release(&pred);
    PyBuffer_Release(&gt);
release_args:
    PyBuffer_Release(&lengths);
    for (k = 0; k < 3; k++)
        PyBuffer_Release(&thr[k]);
    return result;
}

static PyObject *lasot_counts(PyObject *self, PyObject *args)
{
    PyObject *pred_obj, *gt_obj, *result = NULL;
    Py_buffer pred, gt, absent, lengths, thr[3];
    Curve curves[3];
    Py_ssize_t n_seq, n, total, s, k;

    (void)self;
    memset(curves, 0, sizeof(curves));
    if (!PyArg_ParseTuple(args, "OOy*y*y*y*y*:lasot_counts", &pred_obj, &gt_obj, &absent, &lengths, &thr[0],
                          &thr[1], &thr[2]))
        return NULL;
    if (get_box_pair(pred_obj, gt_obj, &pred, &gt, "lasot_counts") < 0)
        goto release_args;
    n = gt.len / 32;
    n_seq = lengths.len / 8;
    total = lengths_total(&lengths, 1); /* every sequence has a first frame */
    if (lengths.len % 8 || total != n || absent.len != n) {
        PyErr_SetString(PyExc_ValueError, "lasot_counts: pred and gt (N, 4), absent (N bytes) and sequence "
                                          "lengths (>= 1) summing to N expected");
        goto release;
    }
    if (curves_init(curves, thr, n_seq) < 0)
        goto release;
    Py_BEGIN_ALLOW_THREADS
    {
        const double *p = (const double *)pred.buf;
        const double *g = (const double *)gt.buf;
        const unsigned char *gone = (const unsigned char *)absent.buf;
        const int64_t *len = (const int64_t *)lengths.buf;
        Py_ssize_t i = 0;
        for (s = 0; s < n_seq; s++) {
            const Py_ssize_t start = i, end = i + (Py_ssize_t)len[s];
            Py_ssize_t last = start; /* the last result row that was not replaced */
            while (i < end) {
                const Py_ssize_t k = end - i < 4 ? end - i : 4;
                double rows[16], ov[4], ce[4], nce[4];
                Py_ssize_t j;
                for (j = 0; j < k; j++) { /* the rows scored: results after the toolkit's replacements */
                    const Py_ssize_t f = i + j;
                    const double *a = p + 4 * f;
                    const double *b = g + 4 * f;
                    /* calc_seq_err_robust.m: an invalid result (NaN, w or h <= 0) where gt has no NaN repeats the
                     * previous one (trackbench's repeat_previous: the last earlier row that was not replaced,
                     * the first row of a sequence never is); then frame 0 := gt */
                    if (f > start && (has_nan(a) || a[2] <= 0 || a[3] <= 0) && !has_nan(b))
                        a = p + 4 * last;
                    else
                        last = f;
                    if (f == start)
                        a = b;
                    memcpy(rows + 4 * j, a, 4 * sizeof(double));
                }
                frame_errors_upto4(rows, g + 4 * i, k, 1, 0, ov, ce, nce);
                for (j = 0; j < k; j++) {
                    const double *b = g + 4 * (i + j);
                    if (gone[i + j]) /* absent frames are left out; the divisor stays the full length */
                        continue;
                    if (!(b[0] > 0 && b[1] > 0 && b[2] > 0 && b[3] > 0)) /* gt with a non-positive number */
                        ov[j] = ce[j] = nce[j] = -1.0;
                    curve_add(&curves[0], s, ov[j]);
                    curve_add(&curves[1], s, ce[j]);
                    curve_add(&curves[2], s, nce[j]);
                }
                i += k;
            }
        }
    }
    Py_END_ALLOW_THREADS
    result = curves_counts(curves, n_seq);
release:
    for (k = 0; k < 3; k++)
        curve_free(&curves[k]);
    PyBuffer_Release(&pred);
    PyBuffer_Release(&gt);
release_args:
    PyBuffer_Release(&absent);
    PyBuffer_Release(&lengths);
    for (k = 0; k < 3; k++)
        PyBuffer_Release(&thr[k]);
    return result;
}

static PyObject *set_simd(PyObject *self, PyObject *args)
{
    int enable, before = 0;
    (void)self;
    if (!PyArg_ParseTuple(args, "p:set_simd", &enable))
        return NULL;
#ifdef HAVE_AVX2_PATH
    before = use_avx2;
    use_avx2 = enable && __builtin_cpu_supports("avx2");
#endif
    return PyBool_FromLong(before);
}

static PyMethodDef methods[] = {
    {"set_simd", set_simd, METH_VARARGS,
     "set_simd(enable) -> bool: use the four-frames-at-once AVX2 path where the CPU has it (the default), or\n"
     "not (tests compare both); returns whether it was in use."},
    {"frame_errors_xywh", frame_errors_xywh, METH_VARARGS,
     "frame_errors_xywh(pred, gt, inclusive, clamp_size) -> (overlaps, center_errors, norm_center_errors) as\n"
     "bytearrays of float64, one per box pair (see the module source)."},
    {"ope_counts", ope_counts, METH_VARARGS,
     "ope_counts(pred, gt, lengths, inclusive, clamp_size, first_is_gt, skip_nan_gt, thr_overlap, thr_center,\n"
     "thr_norm_center) -> (success, precision, norm_precision counts, frames): frame errors and threshold counts\n"
     "in one pass (see the module source)."},
    {"lasot_counts", lasot_counts, METH_VARARGS,
     "lasot_counts(pred, gt, absent, lengths, thr_overlap, thr_center, thr_norm_center) -> (success, precision,\n"
     "norm_precision counts): the LaSOT toolkit rule and threshold counts in one pass (see the module source)."},
    {"threshold_counts", threshold_counts, METH_VARARGS,
     "threshold_counts(values, ids, n_seq, thresholds, above) -> bytearray of (n_seq, len(thresholds)) int64:\n"
     "per sequence, how many values are > (above) or <= each threshold; NaN never counts."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "sot_ope",
    "Single-object OPE kernels: per-frame overlaps and center errors, per-sequence threshold counts.", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_sot_ope(void)
{
#ifdef HAVE_AVX2_PATH
    use_avx2 = __builtin_cpu_supports("avx2");
#endif
    return PyModule_Create(&module);
}
