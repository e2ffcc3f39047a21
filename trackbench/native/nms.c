/*
 * Greedy non-maximum suppression on the CPU, for the detectors' RPN and box heads when torchvision's compiled NMS
 * is not there (the CPU torch of this project ships without a loadable torchvision).
 *
 * Why a compiled kernel: the pure-PyTorch NMS it replaces built the full N x N IoU matrix and looped over the boxes
 * in Python; on an RPN's 6,000 proposals that was 1.1 s of a 2.5 s DFF frame. Here each kept box is compared with
 * the boxes after it only, as mmcv's nms_cpu does.
 *
 * What is computed is the float32 arithmetic of box_iou_xyxy (trackbench/runners/models/common/ops.py) in the same
 * order (areas from widths clamped at 0, intersection from clamped widths, union (area_a + area_b) - inter clamped
 * at float32's eps, IoU > the threshold as a float32, as torch compares a float32 tensor with a Python float), so
 * the same boxes are kept: tests/runners/models/test_ops.py checks it against the greedy rule over box_iou_xyxy.
 * setup.py switches floating-point contraction off.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buffer_args.h"

static inline float clamp0(float v) { return v < 0.0f ? 0.0f : v; }

/* boxes: (n, 4) float32 x1 y1 x2 y2, already in decreasing score order. Writes the kept positions (ascending) to
 * keep and returns their number, -1 when out of memory. */
static int64_t greedy_nms(const float *boxes, int64_t n, float threshold, int64_t *keep)
{
    char *suppressed = calloc((size_t)(n ? n : 1), 1);
    float *area = malloc((size_t)(n ? n : 1) * sizeof(float));
    if (!suppressed || !area) { free(suppressed); free(area); return -1; }
    for (int64_t i = 0; i < n; i++) {
        const float *b = boxes + 4 * i;
        area[i] = clamp0(b[2] - b[0]) * clamp0(b[3] - b[1]);
    }
    int64_t kept = 0;
    for (int64_t i = 0; i < n; i++) {
        if (suppressed[i]) continue;
        keep[kept++] = i;
        const float *a = boxes + 4 * i;
        for (int64_t j = i + 1; j < n; j++) {
            if (suppressed[j]) continue;
            const float *b = boxes + 4 * j;
            float left = a[0] > b[0] ? a[0] : b[0], top = a[1] > b[1] ? a[1] : b[1];
            float right = a[2] < b[2] ? a[2] : b[2], bottom = a[3] < b[3] ? a[3] : b[3];
            float inter = clamp0(right - left) * clamp0(bottom - top);
            float uni = area[i] + area[j];
            uni -= inter;
            if (uni < FLT_EPSILON) uni = FLT_EPSILON;
            if (inter / uni > threshold) suppressed[j] = 1;
        }
    }
    free(suppressed);
    free(area);
    return kept;
}

/* greedy(boxes (n*4 float32, decreasing score), n, threshold, keep (n int64, filled)) -> number kept */
static PyObject *py_greedy(PyObject *self, PyObject *args)
{
    Py_buffer bb, bk;
    Py_ssize_t n;
    double threshold;
    if (!PyArg_ParseTuple(args, "y*ndw*", &bb, &n, &threshold, &bk)) return NULL;
    PyObject *result = NULL;
    if (check_len(&bb, 4, 4 * n, "boxes") || check_len(&bk, 8, n, "keep")) goto done;
    {
        int64_t kept;
        Py_BEGIN_ALLOW_THREADS
        kept = greedy_nms(bb.buf, n, (float)threshold, bk.buf);
        Py_END_ALLOW_THREADS
        if (kept < 0) PyErr_NoMemory();
        else result = PyLong_FromSsize_t((Py_ssize_t)kept);
    }
done:
    PyBuffer_Release(&bb);
    PyBuffer_Release(&bk);
    return result;
}

static PyMethodDef methods[] = {
    {"greedy", py_greedy, METH_VARARGS, "Greedy NMS of boxes in decreasing score order (float32)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "nms", "Greedy non-maximum suppression.", -1, methods};

PyMODINIT_FUNC PyInit_nms(void) { return PyModule_Create(&module); }
