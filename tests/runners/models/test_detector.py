"""Backbone, anchors, box coder, preprocessing and the Faster R-CNN / QDTrack / ReID models with random
weights: hand-checked arithmetic, output shapes, determinism, and one full-size pass on a small image."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from trackbench.errors import TrackbenchError
from trackbench.runners.models.common.anchors import AnchorGenerator, base_anchors_xyxy
from trackbench.runners.models.common.bbox_coder import delta_xywh_decode
from trackbench.runners.models.common.faster_rcnn import FasterRCNN, FasterRCNNConfig
from trackbench.runners.models.common.preprocess import (
    MOT17_CAFFE,
    MOT17_PYTORCH,
    PreprocessConfig,
    preprocess_bgr,
    stack_frames,
)
from trackbench.runners.models.qdtrack.head import QDTrackModelConfig, QDTrackModel
from trackbench.runners.models.reid.model import ReIDConfig, ReIDModel, crop_boxes, embed_boxes
from trackbench.runners.models.common.resnet import ResNet
from trackbench.runners.models.common.rpn import RPNTestConfig
from trackbench.runners.models.common.roi_head import RCNNTestConfig, SingleRoIExtractor, multiclass_nms

FEW = RPNTestConfig(nms_pre=300, max_per_img=150)  # fewer proposals than published: less work per test
sys.path.insert(0, str(Path(__file__).parent))
from mmtrack_state_dicts import one_torch_thread  # noqa: E402,F401 (fixture)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY_DET = FasterRCNNConfig(base_channels=8, fpn_channels=32, fc_channels=32, rpn=FEW,
                            rcnn=RCNNTestConfig(score_thr=0.3))
TINY_QD = QDTrackModelConfig(
    detector=FasterRCNNConfig(style="caffe", base_channels=8, fpn_channels=32, fc_channels=32, rpn=FEW),
    embed_conv_channels=32, embed_fc_channels=32, embed_channels=16,
)


def random_frame(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def test_resnet50_mmdet_names_strides_and_freezing():
    net = ResNet(base_channels=8, frozen_stages=1, style="caffe")
    names = list(net.state_dict())
    assert names[:2] == ["conv1.weight", "bn1.weight"]
    assert "layer1.0.downsample.0.weight" in names and "layer4.2.bn3.num_batches_tracked" in names
    assert sum(n.endswith("conv1.weight") for n in names) == 1 + 16  # stem + one per Bottleneck (3+4+6+3)
    assert net.layer2[0].conv1.stride == (2, 2) and net.layer2[0].conv2.stride == (1, 1)  # caffe: stride on 1x1
    assert ResNet(base_channels=8).layer2[0].conv2.stride == (2, 2)  # pytorch: stride on 3x3
    outs = net.eval()(torch.zeros(1, 3, 64, 96))
    assert [tuple(o.shape) for o in outs] == [(1, 32, 16, 24), (1, 64, 8, 12), (1, 128, 4, 6), (1, 256, 2, 3)]
    assert not any(p.requires_grad for p in net.conv1.parameters()) and not net.layer1[0].conv1.weight.requires_grad
    assert net.layer2[0].conv1.weight.requires_grad
    net.train()
    assert not net.layer3[0].bn1.training  # norm_eval keeps every BatchNorm in eval mode
    with pytest.raises(TrackbenchError, match="depth"):
        ResNet(depth=34)


def test_resnet_sot_variant_gives_siamrpn_feature_sizes():
    net = ResNet(base_channels=8, out_indices=(1, 2, 3), strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4),
                 frozen_stages=4, sot_padding=True).eval()
    assert [o.shape[-1] for o in net(torch.zeros(1, 3, 127, 127))] == [15, 15, 15]
    assert [o.shape[-1] for o in net(torch.zeros(1, 3, 255, 255))] == [31, 31, 31]
    assert net.layer3[0].downsample[0].kernel_size == (3, 3) and net.layer3[1].conv2.dilation == (2, 2)


def test_anchors_hand_computed():
    base = base_anchors_xyxy(4, [8], [0.5, 1.0, 2.0])
    h, w = 32 * math.sqrt(0.5), 32 / math.sqrt(0.5)
    torch.testing.assert_close(base[1], torch.tensor([-16.0, -16.0, 16.0, 16.0]))
    torch.testing.assert_close(base[0], torch.tensor([-w / 2, -h / 2, w / 2, h / 2]))
    grid = AnchorGenerator((4, 8), (0.5, 1.0, 2.0), (8,)).grid_anchors([(2, 3), (1, 2)])
    assert [tuple(g.shape) for g in grid] == [(18, 4), (6, 4)]
    # location 4 = row 1, column 1 (shift 4, 4); anchor 1 = ratio 1
    torch.testing.assert_close(grid[0][3 * 4 + 1], torch.tensor([-16.0 + 4, -16.0 + 4, 16.0 + 4, 16.0 + 4]))


def test_delta_decode_hand_computed_and_clipping():
    roi = torch.tensor([[0.0, 0.0, 10.0, 10.0]])
    deltas = torch.tensor([[0.1, 0.2, math.log(2.0), 0.0]])
    torch.testing.assert_close(delta_xywh_decode(roi, deltas), torch.tensor([[-4.0, 2.0, 16.0, 12.0]]))
    clipped = delta_xywh_decode(roi, deltas, max_shape=(8, 12), clip_border=True)
    torch.testing.assert_close(clipped, torch.tensor([[0.0, 2.0, 12.0, 8.0]]))
    big = delta_xywh_decode(roi, torch.tensor([[0.0, 0.0, 100.0, 0.0]]))  # dw clamped to log(1000/16)
    assert float(big[0, 2] - big[0, 0]) == pytest.approx(10 * 1000 / 16, rel=1e-5)


def test_preprocess_mot17_geometry_and_normalisation():
    frame = np.zeros((1080, 1920, 3), np.uint8)
    frame[..., 0] = 104  # B
    p = preprocess_bgr(frame, MOT17_CAFFE)
    assert p.img_shape == (612, 1088) and tuple(p.image.shape) == (3, 640, 1088) and p.ori_shape == (1080, 1920)
    assert p.scale_factor == pytest.approx((1088 / 1920, 612 / 1080) * 2)
    assert float(p.image[0, 0, 0]) == pytest.approx(104 - 103.53, abs=1e-4) and float(p.image[0, 630, 0]) == 0.0
    q = preprocess_bgr(frame, MOT17_PYTORCH)  # RGB order: the B value lands in channel 2
    assert float(q.image[2, 0, 0]) == pytest.approx((104 - 103.53) / 57.375, abs=1e-5)
    batch = stack_frames([p, preprocess_bgr(np.zeros((50, 40, 3), np.uint8), PreprocessConfig(scale=(100, 60)))])
    assert tuple(batch.shape) == (2, 3, 640, 1088)
    with pytest.raises(TrackbenchError, match="colour"):
        preprocess_bgr(np.zeros((5, 5), np.uint8), MOT17_CAFFE)


def test_roi_levels_and_multiclass_nms():
    ext = SingleRoIExtractor()
    rois = torch.tensor([[0, 0, 0, 50, 50], [0, 0, 0, 112, 112], [0, 0, 0, 300, 300], [0, 0, 0, 2000, 2000.0]])
    assert ext.map_roi_levels(rois).tolist() == [0, 1, 2, 3]
    boxes = torch.tensor([[0, 0, 10, 10, 0, 0, 10, 10], [1, 1, 11, 11, 50, 50, 60, 60.0]])
    scores = torch.tensor([[0.6, 0.3, 0.1], [0.5, 0.45, 0.05]])  # background is the last column
    dets, labels = multiclass_nms(boxes, scores, 0.35, 0.5, 100)
    assert labels.tolist() == [0, 1] and dets[:, 4].tolist() == pytest.approx([0.6, 0.45])


def test_faster_rcnn_tiny_shapes_determinism_and_rescale():
    torch.manual_seed(0)
    model = FasterRCNN(TINY_DET).eval()
    frame = preprocess_bgr(random_frame(72, 120), PreprocessConfig(scale=(160, 160)))
    images = stack_frames([frame])
    (dets, labels), = model(images, [frame.img_shape], [frame.scale_factor])
    (dets2, _), = model(images, [frame.img_shape], [frame.scale_factor])
    (raw, _), = model(images, [frame.img_shape])
    assert dets.shape[1] == 5 and 0 < dets.shape[0] <= 100 and labels.tolist() == [0] * len(labels)
    assert (dets[:, 4] > 0.3).all() and (dets[:-1, 4] >= dets[1:, 4]).all()
    assert torch.equal(dets, dets2)
    torch.testing.assert_close(dets[:, :4] * torch.tensor(frame.scale_factor), raw[:, :4])


def test_qdtrack_model_tiny_and_empty_detections():
    torch.manual_seed(0)
    model = QDTrackModel(TINY_QD).eval()
    frames = [preprocess_bgr(random_frame(64, 80, s), PreprocessConfig(scale=(96, 96))) for s in (1, 2)]
    shapes, factors = [f.img_shape for f in frames], [f.scale_factor for f in frames]
    out = model.detect_and_embed(stack_frames(frames), shapes, factors)
    assert len(out) == 2
    for dets, labels, embeds in out:
        assert embeds.shape == (dets.shape[0], 16) and labels.shape == (dets.shape[0],)
    again = model.detect_and_embed(stack_frames(frames), shapes, factors)
    assert all(torch.equal(a[2], b[2]) for a, b in zip(out, again))
    feats = model.detector.extract_feat(stack_frames(frames[:1]))
    assert model.embed(feats, [torch.zeros((0, 4))]).shape == (0, 16)


def test_full_size_qdtrack_and_reid_shapes_on_one_small_image():
    torch.manual_seed(0)
    # published widths; fewer proposals/detections than published only to keep the heads' work small
    light = FasterRCNNConfig(style="caffe", rpn=RPNTestConfig(max_per_img=40), rcnn=RCNNTestConfig(max_per_img=10))
    model = QDTrackModel(QDTrackModelConfig(detector=light)).eval()
    frame = preprocess_bgr(random_frame(60, 64), PreprocessConfig(scale=(64, 64)))
    (dets, labels, embeds), = model.detect_and_embed(stack_frames([frame]), [frame.img_shape], [frame.scale_factor])
    assert embeds.shape == (dets.shape[0], 256) and dets.shape[0] <= 10
    feats = model.detector.extract_feat(stack_frames([frame]))
    assert [tuple(f.shape[1:]) for f in feats] == [(256, 16, 16), (256, 8, 8), (256, 4, 4), (256, 2, 2), (256, 1, 1)]
    reid = ReIDModel().eval()
    assert reid(torch.zeros(2, 3, 256, 128)).shape == (2, 128)


def test_reid_crops_and_batched_embeddings():
    image = torch.arange(2 * 20 * 30, dtype=torch.float32).reshape(1, 2, 20, 30)
    crops = crop_boxes(image, torch.tensor([[2.0, 3.0, 12.0, 13.0], [29.5, 19.5, 40.0, 40.0]]), (20, 30), (8, 4))
    assert tuple(crops.shape) == (2, 2, 8, 4)
    assert crops[1, 0].unique().tolist() == [599.0]  # a box past the border keeps one pixel: the corner (19, 29)
    reid = ReIDModel(ReIDConfig(base_channels=8, fc_channels=32, out_channels=16)).eval()
    img = torch.randn(1, 3, 64, 96)
    boxes = torch.tensor([[0, 0, 30, 60], [10, 5, 50, 40], [60, 0, 96, 64.0]])
    full = embed_boxes(reid, img, boxes, (64, 96), batch_size=64)
    split = embed_boxes(reid, img, boxes, (64, 96), batch_size=2)
    assert full.shape == (3, 16)
    torch.testing.assert_close(full, split, atol=1e-5, rtol=1e-5)
    assert embed_boxes(reid, img, torch.zeros((0, 4)), (64, 96)).shape == (0, 16)


def test_rpn_proposals_top_k_per_level_nms_within_levels_and_size_filter():
    from trackbench.runners.models.common.rpn import RPNHead

    gen = AnchorGenerator((4, 8), (1.0,), (2.0,))  # one 8x8 anchor per cell at stride 4, 16x16 at stride 8
    head = RPNHead(4, 4, gen, RPNTestConfig(nms_pre=3, max_per_img=10, iou_threshold=0.5, min_bbox_size=0.0))
    # level 0: a 1x4 row of cells (anchors centred at x = 0, 4, 8, 12); level 1: one cell at the origin
    logits0 = torch.tensor([[[4.0, 3.0, 2.0, 1.0]]])  # (A=1, H=1, W=4)
    logits1 = torch.tensor([[[2.5]]])
    zeros0, zeros1 = torch.zeros(4, 1, 4), torch.zeros(4, 1, 1)
    anchors = gen.grid_anchors([(1, 4), (1, 1)])
    dets = head._single([logits0, logits1], [zeros0, zeros1], anchors, (64, 64))
    # level 0 keeps its top 3 (x = 0, 4, 8); anchors 4 px apart overlap by IoU 4*8/(2*64-32) = 1/3 < 0.5: all kept;
    # the level-1 anchor covers the same place but is suppressed only within its own level: kept too
    assert dets[:, 4].tolist() == pytest.approx(torch.sigmoid(torch.tensor([4.0, 3.0, 2.5, 2.0])).tolist())
    torch.testing.assert_close(dets[2, :4], torch.tensor([-8.0, -8.0, 8.0, 8.0]))
    strict = RPNHead(4, 4, gen, RPNTestConfig(nms_pre=3, max_per_img=2, iou_threshold=0.3, min_bbox_size=10.0))
    kept = strict._single([logits0, logits1], [zeros0, zeros1], anchors, (64, 64))
    # 8-px anchors are not larger than min_bbox_size 10: only the 16-px level-1 anchor survives
    assert kept.shape == (1, 5) and kept[0, 4].item() == pytest.approx(torch.sigmoid(torch.tensor(2.5)).item())


def test_qdtrack_embeddings_are_taken_at_the_detections_in_input_coordinates():
    torch.manual_seed(1)
    model = QDTrackModel(TINY_QD).eval()
    frame = preprocess_bgr(random_frame(64, 80, 3), PreprocessConfig(scale=(96, 96)))
    images = stack_frames([frame])
    (dets, _, embeds), = model.detect_and_embed(images, [frame.img_shape], [frame.scale_factor])
    feats = model.detector.extract_feat(images)
    direct = model.embed(feats, [dets[:, :4] * torch.tensor(frame.scale_factor)])
    torch.testing.assert_close(embeds, direct)
