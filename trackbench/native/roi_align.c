/*
 * RoIAlign (He et al., Mask R-CNN) on the CPU, average pooling, for the detectors' box and mask heads when
 * torchvision's compiled op is not there (the CPU torch of this project ships without a loadable torchvision).
 *
 * What is computed is mmcv's CPU kernel (mmcv/ops/csrc/pytorch/cpu/roi_align.cpp, ROIAlignForward with
 * pool_mode 1), which MMTracking's checkpoints were evaluated with, in float32 and in its order: per RoI the bin
 * size, the sampling grid (sampling_ratio, else ceil(roi size / bins)), the bilinear weights of every sample point
 * (zero beyond one pixel outside the map, else the point clamped into it), then per channel and bin the sum of
 * w1 v1 + w2 v2 + w3 v3 + w4 v4 over the samples, divided by their count (at least 1).
 *
 * Why a compiled kernel: the pure-PyTorch version (trackbench/runners/models/common/ops.py, roi_align_torch, kept
 * for GPUs without torchvision) samples with grid_sample and pools with avg_pool2d over an expanded lattice; on a
 * DFF frame's 300 RoIs x 256 channels that was 0.28 s of 1.2 s. tests/runners/models/test_ops.py checks this
 * kernel against a float64 scalar reference and against roi_align_torch.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "buffer_args.h"

typedef struct {
    int64_t pos1, pos2, pos3, pos4;
    float w1, w2, w3, w4;
} Sample;

static int roi_align_forward(const float *input, int64_t batch, int64_t channels, int64_t height, int64_t width,
                             const float *rois, int64_t n_rois, int64_t pooled_h, int64_t pooled_w,
                             float spatial_scale, int64_t sampling_ratio, int aligned, float *output)
{
    Sample *pre = NULL;
    size_t pre_cap = 0;
    for (int64_t n = 0; n < n_rois; n++) {
        const float *r = rois + 5 * n;
        int64_t b = (int64_t)(int)r[0];
        float *out_n = output + n * channels * pooled_h * pooled_w;
        if (b < 0 || b >= batch) { free(pre); return -2; }
        float offset = aligned ? 0.5f : 0.0f;
        float start_w = r[1] * spatial_scale - offset, start_h = r[2] * spatial_scale - offset;
        float end_w = r[3] * spatial_scale - offset, end_h = r[4] * spatial_scale - offset;
        float roi_w = end_w - start_w, roi_h = end_h - start_h;
        if (!aligned) {
            if (roi_w < 1.0f) roi_w = 1.0f;
            if (roi_h < 1.0f) roi_h = 1.0f;
        }
        float bin_h = roi_h / (float)pooled_h, bin_w = roi_w / (float)pooled_w;
        int grid_h = sampling_ratio > 0 ? (int)sampling_ratio : (int)ceilf(roi_h / (float)pooled_h);
        int grid_w = sampling_ratio > 0 ? (int)sampling_ratio : (int)ceilf(roi_w / (float)pooled_w);
        int cells = grid_h * grid_w;
        float count = (float)(cells > 1 ? cells : 1);
        int64_t n_samples = (grid_h > 0 && grid_w > 0) ? (int64_t)cells * pooled_h * pooled_w : 0;
        if ((size_t)n_samples > pre_cap) {
            Sample *q = realloc(pre, (size_t)n_samples * sizeof(Sample));
            if (!q) { free(pre); return -1; }
            pre = q;
            pre_cap = (size_t)n_samples;
        }
        int64_t k = 0;
        for (int64_t ph = 0; ph < pooled_h && n_samples; ph++)
            for (int64_t pw = 0; pw < pooled_w; pw++)
                for (int iy = 0; iy < grid_h; iy++) {
                    const float yy = start_h + (float)ph * bin_h + (float)(iy + .5f) * bin_h / (float)grid_h;
                    for (int ix = 0; ix < grid_w; ix++) {
                        const float xx = start_w + (float)pw * bin_w + (float)(ix + .5f) * bin_w / (float)grid_w;
                        float x = xx, y = yy;
                        Sample s = {0, 0, 0, 0, 0.0f, 0.0f, 0.0f, 0.0f};
                        if (!(y < -1.0 || y > (float)height || x < -1.0 || x > (float)width)) {
                            if (y <= 0) y = 0;
                            if (x <= 0) x = 0;
                            int64_t y_low = (int)y, x_low = (int)x, y_high, x_high;
                            if (y_low >= height - 1) { y_high = y_low = height - 1; y = (float)y_low; }
                            else y_high = y_low + 1;
                            if (x_low >= width - 1) { x_high = x_low = width - 1; x = (float)x_low; }
                            else x_high = x_low + 1;
                            float ly = y - (float)y_low, lx = x - (float)x_low;
                            float hy = (float)(1. - ly), hx = (float)(1. - lx);
                            s.w1 = hy * hx; s.w2 = hy * lx; s.w3 = ly * hx; s.w4 = ly * lx;
                            s.pos1 = y_low * width + x_low;
                            s.pos2 = y_low * width + x_high;
                            s.pos3 = y_high * width + x_low;
                            s.pos4 = y_high * width + x_high;
                        }
                        pre[k++] = s;
                    }
                }
        for (int64_t c = 0; c < channels; c++) {
            const float *in = input + (b * channels + c) * height * width;
            float *out_c = out_n + c * pooled_h * pooled_w;
            const Sample *s = pre;
            for (int64_t bin = 0; bin < pooled_h * pooled_w; bin++) {
                float acc = 0.0f;
                for (int q = 0; q < cells && n_samples; q++, s++) {
                    float val = s->w1 * in[s->pos1] + s->w2 * in[s->pos2] + s->w3 * in[s->pos3] +
                                s->w4 * in[s->pos4];
                    acc += val;
                }
                out_c[bin] = acc / count;
            }
        }
    }
    free(pre);
    return 0;
}

/* forward(features (B*C*H*W float32), B, C, H, W, rois (R*5 float32: batch index, x1, y1, x2, y2), R,
 *         pooled_h, pooled_w, spatial_scale, sampling_ratio, aligned, out (R*C*pooled_h*pooled_w float32)) */
static PyObject *py_forward(PyObject *self, PyObject *args)
{
    Py_buffer bf, br, bo;
    Py_ssize_t B, C, H, W, R, ph, pw, sampling_ratio;
    double scale;
    int aligned;
    if (!PyArg_ParseTuple(args, "y*nnnny*nnndnpw*", &bf, &B, &C, &H, &W, &br, &R, &ph, &pw, &scale, &sampling_ratio,
                          &aligned, &bo))
        return NULL;
    PyObject *result = NULL;
    if (check_len(&bf, 4, B * C * H * W, "features") || check_len(&br, 4, 5 * R, "rois") ||
        check_len(&bo, 4, R * C * ph * pw, "out"))
        goto done;
    {
        int status;
        Py_BEGIN_ALLOW_THREADS
        status = roi_align_forward(bf.buf, B, C, H, W, br.buf, R, ph, pw, (float)scale, sampling_ratio, aligned,
                                   bo.buf);
        Py_END_ALLOW_THREADS
        if (status == -1) PyErr_NoMemory();
        else if (status == -2) PyErr_SetString(PyExc_ValueError, "a RoI's batch index is outside the features");
        else result = Py_NewRef(Py_None);
    }
done:
    PyBuffer_Release(&bf);
    PyBuffer_Release(&br);
    PyBuffer_Release(&bo);
    return result;
}

static PyMethodDef methods[] = {
    {"forward", py_forward, METH_VARARGS, "RoIAlign, average pooling, as mmcv's CPU kernel (float32)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "roi_align", "RoIAlign on the CPU.", -1, methods};

PyMODINIT_FUNC PyInit_roi_align(void) { return PyModule_Create(&module); }
