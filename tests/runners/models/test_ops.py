"""nms / batched_nms / roi_align: hand-built cases, a scalar reference of the RoIAlign kernel, and agreement
with torchvision wherever torchvision runs."""

from __future__ import annotations

import math

import pytest
import torch

from trackbench.runners.models.common import ops
def test_nms_hand_built():
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 5]], dtype=torch.float32)
    scores = torch.tensor([0.9, 0.8, 0.7, 0.6])
    # IoU(0, 1) = 81 / 119 = 0.68; IoU(0, 3) = 0.5 exactly, which is not "greater than" 0.5
    assert ops.nms_cpu(boxes, scores, 0.5).tolist() == [0, 2, 3]
    assert ops.nms_cpu(boxes, scores, 0.7).tolist() == [0, 1, 2, 3]
    assert ops.nms_cpu(boxes, scores, 0.49).tolist() == [0, 2]
    assert ops.nms_cpu(boxes[:0], scores[:0], 0.5).tolist() == []


def test_nms_matches_brute_force_on_random_boxes():
    g = torch.Generator().manual_seed(3)
    xy = torch.rand(300, 2, generator=g) * 100
    boxes = torch.cat([xy, xy + 5 + torch.rand(300, 2, generator=g) * 30], dim=1)
    scores = torch.rand(300, generator=g)
    iou = ops.box_iou_xyxy(boxes, boxes)
    expected = []
    for i in scores.argsort(descending=True).tolist():
        if all(iou[i, k] <= 0.5 for k in expected):
            expected.append(i)
    assert ops.nms_cpu(boxes, scores, 0.5).tolist() == expected


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7])
def test_compiled_nms_equals_the_float32_iou_rule_on_grid_boxes(threshold):
    """Boxes on an integer grid make IoUs that land exactly on (and around) the thresholds, and equal scores: the
    kernel keeps what the greedy rule over box_iou_xyxy (float32, ``>`` against the float32 threshold, as the
    torch comparison does) keeps, ties of the scores broken by the stable sort."""
    g = torch.Generator().manual_seed(7)
    xy = torch.randint(0, 40, (400, 2), generator=g).float()
    boxes = torch.cat([xy, xy + torch.randint(1, 12, (400, 2), generator=g).float()], dim=1)
    scores = torch.randint(0, 20, (400,), generator=g).float() / 20
    iou = ops.box_iou_xyxy(boxes, boxes)
    expected = []
    for i in torch.sort(scores, descending=True, stable=True).indices.tolist():
        if all(not bool(iou[k, i] > threshold) for k in expected):
            expected.append(i)
    got = ops.nms_cpu(boxes, scores, threshold).tolist()
    assert got == expected and 20 < len(got) < 395  # boxes were suppressed at every threshold


def test_batched_nms_keeps_groups_apart_and_sorts_by_score():
    boxes = torch.tensor([[0, 0, 10, 10], [0, 0, 10, 10], [1, 1, 10, 10]], dtype=torch.float32)
    scores = torch.tensor([0.5, 0.9, 0.7])
    dets, keep = ops.batched_nms(boxes, scores, torch.tensor([0, 1, 1]), 0.5)
    assert keep.tolist() == [1, 0]
    assert dets[:, 4].tolist() == pytest.approx([0.9, 0.5])
    assert dets.shape == (2, 5)


def roi_align_reference(feat, roi, out_size, scale, sampling_ratio, aligned):
    """Scalar transcription of the RoIAlign kernel (avg pooling) for one RoI."""
    _, c, h, w = feat.shape
    b = int(roi[0])
    off = 0.5 if aligned else 0.0
    x1, y1 = roi[1] * scale - off, roi[2] * scale - off
    rw, rh = roi[3] * scale - off - x1, roi[4] * scale - off - y1
    if not aligned:
        rw, rh = max(rw, 1.0), max(rh, 1.0)
    bw, bh = rw / out_size, rh / out_size
    gh = sampling_ratio if sampling_ratio > 0 else math.ceil(rh / out_size)
    gw = sampling_ratio if sampling_ratio > 0 else math.ceil(rw / out_size)
    count = max(gh * gw, 1)
    out = torch.zeros(c, out_size, out_size, dtype=torch.float64)

    def bilinear(y, x):
        if y < -1.0 or y > h or x < -1.0 or x > w:
            return torch.zeros(c, dtype=torch.float64)
        y, x = max(y, 0.0), max(x, 0.0)
        yl, xl = int(y), int(x)
        if yl >= h - 1:
            yl = yh = h - 1
            y = float(yl)
        else:
            yh = yl + 1
        if xl >= w - 1:
            xl = xh = w - 1
            x = float(xl)
        else:
            xh = xl + 1
        ly, lx = y - yl, x - xl
        f = feat[b].double()
        return ((1 - ly) * (1 - lx) * f[:, yl, xl] + (1 - ly) * lx * f[:, yl, xh]
                + ly * (1 - lx) * f[:, yh, xl] + ly * lx * f[:, yh, xh])

    for py in range(out_size):
        for px in range(out_size):
            acc = torch.zeros(c, dtype=torch.float64)
            for iy in range(gh):
                y = y1 + py * bh + (iy + 0.5) * bh / gh
                for ix in range(gw):
                    acc += bilinear(y, x1 + px * bw + (ix + 0.5) * bw / gw)
            out[:, py, px] = acc / count
    return out


@pytest.mark.parametrize("roi_align", [ops.roi_align_torch, ops.roi_align_cpu], ids=["torch", "compiled"])
@pytest.mark.parametrize("sampling_ratio,aligned", [(0, True), (2, True), (0, False)])
def test_roi_align_matches_the_kernel_reference(sampling_ratio, aligned, roi_align):
    g = torch.Generator().manual_seed(1)
    feat = torch.randn(2, 3, 9, 11, generator=g)
    rois = torch.tensor([
        [0, 4.0, 4.0, 30.0, 20.0],  # inside
        [1, -10.0, -6.0, 12.0, 50.0],  # crosses the top-left border and the bottom
        [0, 40.0, 30.0, 46.0, 36.0],  # towards the bottom-right corner
        [1, 8.0, 8.0, 8.0, 8.0],  # degenerate: empty lattice when aligned
        [0, 0.0, 0.0, 43.0, 35.0],  # the whole map
    ])
    got = roi_align(feat, rois, 3, 0.25, sampling_ratio, aligned)
    for k in range(len(rois)):
        expected = roi_align_reference(feat, rois[k].tolist(), 3, 0.25, sampling_ratio, aligned)
        torch.testing.assert_close(got[k].double(), expected, atol=1e-5, rtol=1e-5)


def test_compiled_roi_align_on_detector_sized_inputs():
    """FPN-like features and RoIs of all sizes (adaptive grids up to 5x5): the compiled kernel within 2e-5 of the
    float64 reference (float32 sums), and of the pure-torch version (whose grid_sample coordinates round differently)."""
    g = torch.Generator().manual_seed(4)
    feat = torch.randn(2, 16, 38, 50, generator=g)
    xy = torch.rand(25, 2, generator=g) * torch.tensor([380.0, 290.0])
    boxes = torch.cat([xy, xy + 1 + torch.rand(25, 2, generator=g) * 250], dim=1)
    rois = torch.cat([torch.randint(0, 2, (25, 1), generator=g).float(), boxes], dim=1)
    got = ops.roi_align_cpu(feat, rois, 7, 0.125, 0, True)
    expected = torch.stack([roi_align_reference(feat, r.tolist(), 7, 0.125, 0, True) for r in rois])
    torch.testing.assert_close(got.double(), expected, atol=2e-5, rtol=1e-5)  # float32 sums of up to 25 samples
    torch.testing.assert_close(got, ops.roi_align_torch(feat, rois, 7, 0.125, 0, True), atol=3e-5, rtol=1e-4)


@pytest.mark.skipif(ops.TORCHVISION_OPS is None, reason="torchvision does not run with this torch build")
def test_pure_torch_ops_agree_with_torchvision():
    g = torch.Generator().manual_seed(2)
    feat = torch.randn(1, 4, 20, 24, generator=g)
    xy = torch.rand(50, 2, generator=g) * 80
    boxes = torch.cat([xy, xy + 2 + torch.rand(50, 2, generator=g) * 40], dim=1)
    rois = torch.cat([torch.zeros(50, 1), boxes], dim=1)
    tv = ops.TORCHVISION_OPS
    torch.testing.assert_close(ops.roi_align_torch(feat, rois, 7, 0.25, 0, True),
                               tv.roi_align(feat, rois, 7, 0.25, 0, True))
    scores = torch.rand(50, generator=g)
    assert ops.nms_cpu(boxes, scores, 0.5).tolist() == tv.nms(boxes, scores, 0.5).tolist()
