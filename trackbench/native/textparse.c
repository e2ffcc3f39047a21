/* Exact parser for numeric text tables (MOTChallenge txt, single-object x,y,w,h files).
 *
 * parse_table(data, separators) -> (values: bytearray, n_rows, n_cols, n_blank_lines) or None
 *
 * ``values`` holds n_rows * n_cols float64 in row order (native byte order), for
 * ``np.frombuffer(values).reshape(n_rows, n_cols)``. Every number is the double Python's ``float()`` gives
 * (correctly rounded): only plain decimals ``[+-]?digits[.digits]`` are read, through Clinger's fast path (a
 * mantissa m <= 2^53 and k <= 22 fraction digits give ``m / 10^k``, one IEEE division of two exact doubles, so
 * correctly rounded). ``None`` means "not the simple case": the caller then uses its general reader, which also
 * produces its error messages. Reasons: a byte other than digits, sign, '.', separators, space, tab, CR before LF
 * and LF; an exponent, nan, inf or word; a number outside the fast path; rows of different lengths; a line of
 * separators without numbers; in strict mode an empty field.
 *
 * Lines end with LF or CR LF. Spaces and tabs around numbers are always allowed. Two separator modes:
 *
 * - run mode (``separators`` contains a space or a tab, e.g. b",\t ;" or b" \t"): any run of separator
 *   characters separates numbers, and runs at the start or end of a line are ignored (the single-object readers
 *   split on ``[,\t ;]+`` after stripping the line).
 * - strict mode (no space or tab in ``separators``, e.g. b","): exactly one separator between two numbers; one
 *   separator after the last number of a line is tolerated (as TrackEval and trackbench's MOT reader accept it);
 *   an empty field (``1,,2``, a leading separator, ``1,2,,``) gives None.
 *
 * Blank lines (nothing but spaces and tabs) are skipped; ``n_blank_lines`` counts those followed by a row
 * (blank lines after the last row are not counted). The parse runs without the GIL, so threads can parse
 * several files at once.
 *
 * read_tables_into(paths, separators, out, row_starts, n_cols) -> bytearray of 0/1 per file
 *
 * Many files read and parsed in one call without the GIL, each straight into its rows of a preallocated
 * float64 buffer (the single-object evaluator knows every result file's row count from the ground truth): no
 * Python object per file. A file that is not exactly its expected rows of n_cols numbers gets 0 and is left to
 * the caller's general reader (which also names the problem).
 *
 * Plain C99 on the CPython API (buffer protocol, bytearray); no numpy headers.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

/* 10^0 .. 10^22: every one is exactly representable as a double (5^22 < 2^53). */
static const double POW10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define MAX_EXACT_MANTISSA (((uint64_t)1) << 53)
#define MANTISSA_GUARD ((uint64_t)0x0CCCCCCCCCCCCCCCULL) /* m * 10 + 9 fits in uint64 below this */

enum { CLS_OTHER = 0, CLS_DIGIT, CLS_SPACE, CLS_SEP, CLS_LF, CLS_CR, CLS_SIGN, CLS_DOT };

typedef struct {
    const unsigned char *data;
    Py_ssize_t len;
    unsigned char cls[256];
    int strict;
    double *out;        /* where the values go */
    double *out_end;    /* more values than fit: the parse fails */
    Py_ssize_t n_values;
    Py_ssize_t n_rows;
    Py_ssize_t n_cols;
    Py_ssize_t n_blank;
} Parse;

/* The value m / 10^k, or -1 when it is outside the fast path. Trailing fraction zeros do not change the value;
 * dropping them can bring m and k into range. */
static inline int exact_value(uint64_t m, Py_ssize_t k, int negative, double *value)
{
    double v;
    while ((m > MAX_EXACT_MANTISSA || k > 22) && k > 0 && m % 10u == 0) {
        m /= 10u;
        k--;
    }
    if (m > MAX_EXACT_MANTISSA || k > 22)
        return -1;
    v = (double)m;
    if (k)
        v = v / POW10[k];
    *value = negative ? -v : v;
    return 0;
}

/* A number with more than 19 digits (long runs of zeros): zeros are held back and applied only when a nonzero
 * digit follows, so leading and trailing zeros never overflow the mantissa. */
static int parse_long_number(const unsigned char *p, int negative, double *value)
{
    uint64_t m = 0;
    Py_ssize_t k = 0;     /* fraction digits */
    Py_ssize_t zeros = 0; /* zero digits not yet applied to m */
    int in_fraction = 0;
    for (;; p++) {
        unsigned d;
        if (*p == '.' && !in_fraction) {
            in_fraction = 1;
            continue;
        }
        d = (unsigned)(*p - '0');
        if (d >= 10u)
            break;
        k += in_fraction;
        if (d == 0) {
            zeros++;
            continue;
        }
        for (; zeros > 0; zeros--) {
            if (m >= MANTISSA_GUARD)
                return -1;
            m *= 10u;
        }
        if (m >= MANTISSA_GUARD)
            return -1;
        m = m * 10u + d;
    }
    /* value = m * 10^zeros / 10^k */
    if (zeros >= k) {
        for (zeros -= k, k = 0; zeros > 0; zeros--) {
            if (m >= MANTISSA_GUARD)
                return -1;
            m *= 10u;
        }
    } else {
        k -= zeros;
    }
    return exact_value(m, k, negative, value);
}

/* Accumulate the digits at *pp into *m (wrapping beyond 19 digits, which the caller checks); returns the count.
 * (A branch-free eight-bytes-at-a-time variant measured slower on these short numbers.) */
static inline Py_ssize_t read_digits(const unsigned char **pp, uint64_t *m)
{
    const unsigned char *p = *pp;
    const unsigned char *start = p;
    uint64_t acc = *m;
    while ((unsigned)(*p - '0') < 10u) {
        acc = acc * 10u + (unsigned)(*p - '0');
        p++;
    }
    *m = acc;
    *pp = p;
    return p - start;
}

/* One plain decimal at *pp (a sign, digit or dot) in a region whose last byte is a line feed, which stops every
 * digit loop. Returns 0, stores the value and moves *pp past the number, or -1. */
static int parse_number(const unsigned char **pp, double *value)
{
    const unsigned char *p = *pp;
    const unsigned char *first;
    int negative = 0;
    Py_ssize_t int_digits, frac_digits = 0;
    uint64_t m = 0;

    if (*p == '-') {
        negative = 1;
        p++;
    } else if (*p == '+') {
        p++;
    }
    first = p;
    int_digits = read_digits(&p, &m);
    if (*p == '.') {
        p++;
        frac_digits = read_digits(&p, &m);
    }
    if (int_digits + frac_digits == 0)
        return -1;
    *pp = p;
    if (int_digits + frac_digits > 19) /* m may have wrapped: start again with a guard */
        return parse_long_number(first, negative, value);
    return exact_value(m, frac_digits, negative, value);
}

/* Rows of [p, end), where end[-1] is a line feed. Returns 0 or -1. */
static int parse_lines(Parse *st, const unsigned char *p, const unsigned char *end, Py_ssize_t *pending_blank)
{
    const unsigned char *cls = st->cls;
    const int strict = st->strict;
    Py_ssize_t n_cols = st->n_cols;
    double *out = st->out + st->n_values;

    while (p < end) {
        Py_ssize_t fields = 0;
        int after_sep = 0; /* strict mode: a separator was seen since the last number */
        int seen_sep = 0;  /* a non-whitespace separator on this line */
        for (;;) {
            const unsigned char c = cls[*p];
            if (c == CLS_SPACE) {
                p++;
            } else if (c == CLS_DIGIT || c == CLS_SIGN || c == CLS_DOT) {
                double v;
                unsigned char next;
                if (strict && fields > 0 && !after_sep)
                    return -1; /* two numbers separated by whitespace only */
                if (parse_number(&p, &v) < 0)
                    return -1;
                next = cls[*p];
                if (next != CLS_SPACE && next != CLS_SEP && next != CLS_LF && next != CLS_CR)
                    return -1; /* 1e5, 1.2.3, 12abc, 1-2 */
                if (out >= st->out_end)
                    return -1; /* more values than the caller expects */
                *out++ = v;
                fields++;
                after_sep = 0;
            } else if (c == CLS_SEP) {
                seen_sep = 1;
                if (strict) {
                    if (fields == 0 || after_sep)
                        return -1; /* leading separator or empty field */
                    after_sep = 1;
                }
                p++;
            } else if (c == CLS_LF) {
                p++;
                break;
            } else if (c == CLS_CR && p[1] == '\n') {
                p += 2;
                break;
            } else {
                return -1;
            }
        }
        if (fields == 0) {
            if (seen_sep)
                return -1; /* separators without numbers */
            ++*pending_blank;
            continue;
        }
        if (n_cols == 0)
            n_cols = fields;
        else if (fields != n_cols)
            return -1; /* ragged */
        st->n_rows++;
        st->n_blank += *pending_blank;
        *pending_blank = 0;
    }
    st->n_cols = n_cols;
    st->n_values = out - st->out;
    return 0;
}

static int parse_all(Parse *st)
{
    const unsigned char *data = st->data;
    Py_ssize_t len = st->len;
    Py_ssize_t last_lf = len - 1;
    Py_ssize_t pending_blank = 0;
    int rc = 0;

    while (last_lf >= 0 && data[last_lf] != '\n')
        last_lf--;
    if (last_lf >= 0)
        rc = parse_lines(st, data, data + last_lf + 1, &pending_blank);
    if (rc == 0 && last_lf + 1 < len) { /* a last line without a line feed: parse a copy that has one */
        Py_ssize_t n = len - (last_lf + 1);
        unsigned char *tail;
        if (data[len - 1] == '\r')
            return -1; /* a lone carriage return */
        tail = (unsigned char *)malloc((size_t)n + 1);
        if (tail == NULL)
            return -2;
        memcpy(tail, data + last_lf + 1, (size_t)n);
        tail[n] = '\n';
        rc = parse_lines(st, tail, tail + n + 1, &pending_blank);
        free(tail);
    }
    return rc;
}

/* The byte classes for a separator set; -1 with a Python error when a separator would read as a number. */
static int init_classes(Parse *st, const unsigned char *seps, Py_ssize_t n_seps)
{
    Py_ssize_t i;
    for (i = '0'; i <= '9'; i++)
        st->cls[i] = CLS_DIGIT;
    st->cls[' '] = CLS_SPACE;
    st->cls['\t'] = CLS_SPACE;
    st->cls['\n'] = CLS_LF;
    st->cls['\r'] = CLS_CR;
    st->cls['-'] = CLS_SIGN;
    st->cls['+'] = CLS_SIGN;
    st->cls['.'] = CLS_DOT;
    st->strict = 1;
    for (i = 0; i < n_seps; i++) {
        const unsigned char c = seps[i];
        if (c == ' ' || c == '\t') {
            st->strict = 0;
        } else if (st->cls[c] != CLS_OTHER) {
            PyErr_Format(PyExc_ValueError, "separator byte %d would be read as part of a number or a line end",
                         (int)c);
            return -1;
        }
    }
    for (i = 0; i < n_seps; i++) {
        if (seps[i] != ' ' && seps[i] != '\t')
            st->cls[seps[i]] = CLS_SEP;
    }
    return 0;
}

static PyObject *parse_table(PyObject *self, PyObject *args)
{
    Py_buffer data, seps;
    Parse st;
    PyObject *values = NULL;
    Py_ssize_t capacity;
    int rc;

    (void)self;
    if (!PyArg_ParseTuple(args, "y*y*:parse_table", &data, &seps))
        return NULL;
    memset(&st, 0, sizeof(st));
    st.data = (const unsigned char *)data.buf;
    st.len = data.len;
    rc = init_classes(&st, (const unsigned char *)seps.buf, seps.len);
    PyBuffer_Release(&seps);
    if (rc < 0) {
        PyBuffer_Release(&data);
        return NULL;
    }

    /* every number takes at least one byte and is followed by another byte or the end: (len + 1) / 2 values */
    capacity = (data.len + 1) / 2;
    if (capacity > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(double)) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    values = PyByteArray_FromStringAndSize(NULL, capacity * (Py_ssize_t)sizeof(double));
    if (values == NULL) {
        PyBuffer_Release(&data);
        return NULL;
    }
    st.out = (double *)PyByteArray_AS_STRING(values);
    st.out_end = st.out + capacity;
    Py_BEGIN_ALLOW_THREADS
    rc = parse_all(&st);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    if (rc == -2) {
        Py_DECREF(values);
        return PyErr_NoMemory();
    }
    if (rc < 0) {
        Py_DECREF(values);
        Py_RETURN_NONE;
    }
    if (PyByteArray_Resize(values, st.n_values * (Py_ssize_t)sizeof(double)) < 0) {
        Py_DECREF(values);
        return NULL;
    }
    return Py_BuildValue("(Nnnn)", values, st.n_rows, st.n_cols, st.n_blank);
}

/* A whole file into *buf (grown as needed); its length, or -1 when it cannot be read. */
static Py_ssize_t read_file(const char *path, unsigned char **buf, size_t *cap)
{
    FILE *f = fopen(path, "rb");
    size_t len = 0;
    if (f == NULL)
        return -1;
    for (;;) {
        size_t got;
        if (*cap - len < 65536) {
            size_t grown = *cap * 2 + 65536;
            unsigned char *b = (unsigned char *)realloc(*buf, grown);
            if (b == NULL) {
                fclose(f);
                return -1;
            }
            *buf = b;
            *cap = grown;
        }
        got = fread(*buf + len, 1, *cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    return (Py_ssize_t)len;
}

static PyObject *read_tables_into(PyObject *self, PyObject *args)
{
    PyObject *paths, *status = NULL;
    Py_buffer seps, out, starts;
    Py_ssize_t n_cols, n_files, i;
    const char **names = NULL;
    PyObject **held = NULL; /* the path bytes, kept alive while the GIL is released */
    Py_ssize_t n_held = 0;
    Parse st;
    int rc;

    (void)self;
    if (!PyArg_ParseTuple(args, "O!y*w*y*n:read_tables_into", &PyList_Type, &paths, &seps, &out, &starts,
                          &n_cols))
        return NULL;
    memset(&st, 0, sizeof(st));
    rc = init_classes(&st, (const unsigned char *)seps.buf, seps.len);
    PyBuffer_Release(&seps);
    if (rc < 0)
        goto done;
    n_files = PyList_GET_SIZE(paths);
    if (n_cols < 1 || starts.len != (n_files + 1) * 8 || out.len % 8) {
        PyErr_SetString(PyExc_ValueError, "read_tables_into: row_starts needs len(paths) + 1 int64 values");
        goto done;
    }
    {
        const int64_t *rs = (const int64_t *)starts.buf;
        for (i = 0; i < n_files; i++) {
            if (rs[i] < 0 || rs[i + 1] < rs[i]) {
                PyErr_SetString(PyExc_ValueError, "read_tables_into: row_starts must be increasing from 0");
                goto done;
            }
        }
        if (n_files > 0 && rs[n_files] > (int64_t)(out.len / 8 / n_cols)) {
            PyErr_SetString(PyExc_ValueError, "read_tables_into: out is smaller than row_starts[-1] rows");
            goto done;
        }
    }
    names = (const char **)PyMem_Malloc(sizeof(char *) * (size_t)(n_files + 1));
    held = (PyObject **)PyMem_Malloc(sizeof(PyObject *) * (size_t)(n_files + 1));
    status = PyByteArray_FromStringAndSize(NULL, n_files);
    if (names == NULL || held == NULL || status == NULL) {
        Py_CLEAR(status);
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n_files; i++) {
        PyObject *item = PyList_GET_ITEM(paths, i);
        if (!PyBytes_Check(item)) {
            Py_CLEAR(status);
            PyErr_SetString(PyExc_TypeError, "read_tables_into: paths must be a list of bytes (os.fsencode)");
            goto done;
        }
        Py_INCREF(item);
        held[n_held++] = item;
        names[i] = PyBytes_AS_STRING(item);
    }
    {
        char *ok = PyByteArray_AS_STRING(status);
        const int64_t *rs = (const int64_t *)starts.buf;
        double *base = (double *)out.buf;
        unsigned char *buf = NULL;
        size_t cap = 0;
        Py_BEGIN_ALLOW_THREADS
        for (i = 0; i < n_files; i++) {
            Py_ssize_t len = read_file(names[i], &buf, &cap);
            Py_ssize_t expected = (Py_ssize_t)(rs[i + 1] - rs[i]);
            ok[i] = 0;
            if (len < 0)
                continue;
            st.data = buf;
            st.len = len;
            if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) {
                st.data += 3;
                st.len -= 3;
            }
            st.out = base + rs[i] * n_cols;
            st.out_end = st.out + expected * n_cols;
            st.n_values = st.n_rows = st.n_cols = st.n_blank = 0;
            if (parse_all(&st) == 0 && st.n_rows == expected && st.n_blank == 0 &&
                (expected == 0 || st.n_cols == n_cols))
                ok[i] = 1;
        }
        free(buf);
        Py_END_ALLOW_THREADS
    }
done:
    for (i = 0; i < n_held; i++)
        Py_DECREF(held[i]);
    PyMem_Free(held);
    PyMem_Free((void *)names);
    PyBuffer_Release(&out);
    PyBuffer_Release(&starts);
    return status;
}

static PyMethodDef methods[] = {
    {"parse_table", parse_table, METH_VARARGS,
     "parse_table(data, separators) -> (values: bytearray of float64, n_rows, n_cols, n_blank_lines) or None.\n\n"
     "Exact (correctly rounded) parse of a table of plain decimals; None for anything unusual (see the module\n"
     "source for the rules). Releases the GIL while parsing."},
    {"read_tables_into", read_tables_into, METH_VARARGS,
     "read_tables_into(paths, separators, out, row_starts, n_cols) -> bytearray of 0/1 per file.\n\n"
     "Reads and parses many files without the GIL, file i into rows row_starts[i]:row_starts[i+1] of out\n"
     "(a writable C-contiguous float64 buffer of n_cols columns); paths are bytes (os.fsencode). 1: the file\n"
     "held exactly that many rows of n_cols numbers (parse_table's rules, no blank line between rows, a UTF-8\n"
     "BOM skipped); 0: anything else (unreadable, unusual, another shape), for the caller's general reader."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "textparse",
    "Exact parser for numeric text tables (correctly rounded plain decimals, GIL released).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_textparse(void)
{
    return PyModule_Create(&module);
}
