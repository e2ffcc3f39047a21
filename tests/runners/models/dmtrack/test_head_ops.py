"""DMTrack's shortcuts against the direct computations they replace: the controller's averaged padded 1×1 conv
(the authors: conv with padding 1, then AdaptiveAvgPool2d(1)) and the top-1 detection (the authors: full
multiclass NMS, max_per_img, then argmax over class 1)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from trackbench.runners.models.dmtrack.config import DMTrackConfig
from trackbench.runners.models.dmtrack.head import Controller
from trackbench.runners.models.dmtrack.postprocess import (Candidates, best_detection, decode_candidates,
                                                           level_points, multiclass_detections)

SMALL = DMTrackConfig(channels=16, mid_channels=4, gn_groups=4)


def test_controller_filters_equal_padded_conv_then_global_average():
    g = torch.Generator().manual_seed(1)
    ctrl = Controller(SMALL).double()
    with torch.no_grad():
        for p in ctrl.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64))
    z = torch.randn(1, 16, 7, 7, generator=g, dtype=torch.float64)
    ours = ctrl(z)
    convs = (ctrl.controller_cls1, ctrl.controller_cls2, ctrl.controller_reg1, ctrl.controller_reg2)
    for got, conv in zip(ours, convs, strict=True):
        direct = F.adaptive_avg_pool2d(conv(z), 1).reshape(got.shape)
        np.testing.assert_allclose(got.detach().numpy(), direct.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert ours[0].shape == (16, 16, 1, 1) and ours[1].shape == (4, 4, 1, 1)


def test_level_points_are_cell_centres():
    pts = level_points(2, 3, 8)
    assert pts.tolist() == [[4, 4], [12, 4], [20, 4], [4, 12], [12, 12], [20, 12]]


def _random_candidates(seed: int, n: int, class0_boost: float) -> Candidates:
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 200
    wh = torch.rand(n, 2, generator=g) * 60 + 1
    boxes = torch.cat([xy, xy + wh], dim=1)
    boxes[: n // 10] = torch.round(boxes[: n // 10] / 20) * 20  # exact duplicates and touching boxes
    scores = torch.rand(n, 2, generator=g)
    scores[:, 0] = (scores[:, 0] * class0_boost).clamp(max=1.0)
    scores[torch.rand(n, generator=g) < 0.05] = 0.0  # under score_thr=0: not candidates
    return Candidates(boxes, scores, torch.rand(n, generator=g))


@pytest.mark.parametrize("seed,n,boost,max_per_img", [(0, 300, 0.5, 100), (1, 500, 3.0, 100), (2, 400, 3.0, 20),
                                                      (3, 60, 1.0, 100), (4, 800, 5.0, 10)])
def test_best_detection_equals_full_multiclass_nms_top1(seed, n, boost, max_per_img):
    cfg = dataclasses.replace(DMTrackConfig(), max_per_img=max_per_img)
    cand = _random_candidates(seed, n, boost)
    dets, labels = multiclass_detections(cand, cfg)
    ours = best_detection(cand, cfg)
    track = dets[labels == cfg.track_class]
    if track.shape[0] == 0:
        assert ours is None
    else:
        top = int(np.argmax(track[:, -1].numpy()))
        assert ours is not None
        assert torch.equal(ours[0], track[top, :4])
        assert ours[1] == pytest.approx(float(track[top, 4]), rel=0, abs=0)


def test_best_detection_none_when_class0_fills_the_kept_detections():
    boxes = torch.tensor([[i * 10.0, 0.0, i * 10.0 + 5, 5.0] for i in range(5)])
    scores = torch.tensor([[0.9, 0.1]] * 5)
    cand = Candidates(boxes, scores, torch.ones(5))
    cfg = dataclasses.replace(DMTrackConfig(), max_per_img=5)
    assert best_detection(cand, cfg) is None
    assert best_detection(cand, dataclasses.replace(cfg, max_per_img=6)) is not None


def test_decode_keeps_nms_pre_best_per_level_clamps_and_rescales():
    cfg = dataclasses.replace(DMTrackConfig(), nms_pre=3, strides=(8, 16, 32))
    g = torch.Generator().manual_seed(5)
    shapes = [(4, 4), (2, 2), (1, 1)]
    cls = [torch.randn(1, 2, h, w, generator=g) for h, w in shapes]
    reg = [torch.rand(1, 4, h, w, generator=g) * 40 for h, w in shapes]
    ctr = [torch.randn(1, 1, h, w, generator=g) for h, w in shapes]
    cand = decode_candidates(cls, reg, ctr, (30, 28), 0.5, cfg)
    assert cand.boxes.shape == (3 + 3 + 1, 4)
    assert float(cand.boxes[:, 0::2].max()) <= 28 / 0.5 and float(cand.boxes[:, 1::2].max()) <= 30 / 0.5
    assert float(cand.boxes.min()) >= 0
    raw0 = cls[0][0].permute(1, 2, 0).reshape(-1, 2).sigmoid()
    c0 = ctr[0][0].reshape(-1).sigmoid()
    top = (raw0 * c0[:, None]).max(dim=1)[0].topk(3)[1]
    assert torch.equal(cand.scores[:3], raw0[top]) and torch.equal(cand.centerness[:3], c0[top])
    pts = level_points(4, 4, 8)[top]
    d = reg[0][0].permute(1, 2, 0).reshape(-1, 4)[top]
    x1 = (pts[:, 0] - d[:, 0]).clamp(0, 28)
    y2 = (pts[:, 1] + d[:, 3]).clamp(0, 30)
    assert torch.equal(cand.boxes[:3, 0], x1 / 0.5) and torch.equal(cand.boxes[:3, 3], y2 / 0.5)
