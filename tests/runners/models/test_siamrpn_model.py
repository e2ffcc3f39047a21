"""SiamRPN++ at small width (base_channels 8, adjust 16) but full crop geometry: shapes, anchors, cosine window,
box decoding, the test-time selection arithmetic, determinism and the strict MMTracking checkpoint round trip."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.runners.models.siamrpn.model import TEST_PARAMS, SiamRpnConfig, SiamRpnPlusPlus, SiamRpnTestParams
from trackbench.runners.models.siamrpn.anchors import (
    base_anchors_xyxy,
    centered_anchors_xyxy,
    decode_deltas_cxcywh,
    hanning_window,
)
from trackbench.runners.models.siamrpn.checkpoint import (
    load_mmtracking_checkpoint,
    load_mmtracking_state_dict,
    to_mmtracking_state_dict,
)
from trackbench.runners.models.siamrpn.tracker import SiamRpnTracker, crop_and_resize

SMALL = SiamRpnConfig(base_channels=8, adjust_channels=16)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Small convolutions on a shared machine: one intra-op thread is several times faster than two."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def small_model(seed: int = 0) -> SiamRpnPlusPlus:
    torch.manual_seed(seed)
    model = SiamRpnPlusPlus(SMALL)
    # random BN statistics so the checkpoint round trip really moves buffers
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    return model


def test_feature_and_score_map_shapes():
    model = small_model()
    z = model.template_features(torch.rand(1, 3, 127, 127) * 255)
    assert [tuple(f.shape) for f in z] == [(1, 16, 7, 7)] * 3
    x = model.search_features(torch.rand(1, 3, 255, 255) * 255)
    assert [tuple(f.shape) for f in x] == [(1, 16, 31, 31)] * 3
    cls_score, bbox_pred = model(z, torch.rand(1, 3, 255, 255) * 255)
    assert cls_score.shape == (1, 10, 25, 25) and bbox_pred.shape == (1, 20, 25, 25)
    # backbone widths of the three levels: layer2..4 of a ResNet with base 8 (x4 expansion)
    assert model.backbone.out_channels == (64, 128, 256)


def test_full_size_backbone_feature_sizes():
    """The real R50 widths: 512/1024/2048 channels at stride 8 (15x15 for the exemplar, 31x31 for the search)."""
    model = SiamRpnPlusPlus()
    assert model.backbone.out_channels == (512, 1024, 2048)
    with torch.no_grad():
        feats = model.backbone(torch.zeros(1, 3, 127, 127))
    assert [tuple(f.shape[1:]) for f in feats] == [(512, 15, 15), (1024, 15, 15), (2048, 15, 15)]


def test_base_anchors_match_pysot_sizes():
    anchors = base_anchors_xyxy(8, (0.33, 0.5, 1, 2, 3), (8,))
    widths = (anchors[:, 2] - anchors[:, 0]).tolist()
    heights = (anchors[:, 3] - anchors[:, 1]).tolist()
    # int(8 / sqrt(r)) * 8 and int(8 * sqrt(r)) * 8
    assert widths == [104, 88, 64, 40, 32]
    assert heights == [32, 40, 64, 88, 104]
    assert torch.all(anchors[:, 0] == -anchors[:, 2])


def test_centered_anchor_grid_order_and_origin():
    base = base_anchors_xyxy(8, (0.33, 0.5, 1, 2, 3), (8,))
    grid = centered_anchors_xyxy(base, 25, 25, 8)
    assert grid.shape == (25 * 25 * 5, 4)
    centers = (grid[:, :2] + grid[:, 2:]) / 2
    # flattened index = (row * W + col) * A + anchor; the centre cell (12, 12) sits at (0, 0)
    idx = (12 * 25 + 12) * 5 + 2
    assert centers[idx].tolist() == [0.0, 0.0]
    idx = (0 * 25 + 24) * 5 + 4  # top-right cell
    assert centers[idx].tolist() == [12 * 8.0, -12 * 8.0]


def test_hanning_window_peak_and_repeat():
    window = hanning_window(25, 25, 5)
    assert window.dtype == torch.float64 and window.shape == (3125,)
    centre = (12 * 25 + 12) * 5
    assert torch.all(window[centre : centre + 5] == 1.0)
    assert window[0] == 0.0
    assert math.isclose(float(window.max()), 1.0)


def test_decode_deltas_arithmetic():
    anchors = torch.tensor([[-32.0, -16.0, 32.0, 16.0]])  # centre (0, 0), 64 x 32
    deltas = torch.tensor([[0.5, -0.25, math.log(2.0), 0.0]])
    box = decode_deltas_cxcywh(anchors, deltas)[0]
    assert torch.allclose(box, torch.tensor([32.0, -8.0, 128.0, 32.0]))
    # the log-size change is clamped at |log(16/1000)|
    big = decode_deltas_cxcywh(anchors, torch.tensor([[0.0, 0.0, 10.0, -10.0]]))[0]
    assert torch.allclose(big[2:], torch.tensor([64.0 * 1000 / 16, 32.0 * 16 / 1000]))


def test_select_box_arithmetic_with_known_winner():
    """No penalty, no window: the anchor with the top score wins; its offset is mapped back by the scale
    factor and the size moves towards it with lr = score * lr."""
    model = small_model()
    params = SiamRpnTestParams(penalty_k=0.0, window_influence=0.0, lr=0.5)
    tracker = SiamRpnTracker(model, params)
    tracker._bbox = torch.tensor([100.0, 80.0, 40.0, 20.0])
    a, height, width = 5, 25, 25
    cls_score = torch.zeros(1, 2 * a, height, width)
    row, col, anchor = 10, 14, 2  # anchor 2 = ratio 1 (64 x 64)
    cls_score[0, a + anchor, row, col] = 5.0  # foreground logit of that anchor
    bbox_pred = torch.zeros(1, 4 * a, height, width)
    score, box = tracker._select_box(cls_score, bbox_pred, torch.tensor(2.0))
    fg = 1 / (1 + math.exp(-5.0))
    assert math.isclose(float(score), fg, rel_tol=1e-6)
    # anchor centre offset in search pixels: ((14 - 12) * 8, (10 - 12) * 8) = (16, -16); / scale 2 → (8, -8)
    assert torch.allclose(box[:2], torch.tensor([108.0, 72.0]))
    lr = fg * 0.5
    assert torch.allclose(box[2:], torch.tensor([40 * (1 - lr) + 32 * lr, 20 * (1 - lr) + 32 * lr]), atol=1e-5)


def test_window_influence_one_picks_the_centre():
    model = small_model()
    tracker = SiamRpnTracker(model, SiamRpnTestParams(penalty_k=0.0, window_influence=1.0, lr=0.0))
    tracker._bbox = torch.tensor([50.0, 60.0, 30.0, 30.0])
    cls_score = torch.randn(1, 10, 25, 25)
    _, box = tracker._select_box(cls_score, torch.zeros(1, 20, 25, 25), torch.tensor(1.0))
    assert box.tolist() == [50.0, 60.0, 30.0, 30.0]


def test_crop_pads_with_the_mean_colour_outside_the_image():
    img = torch.full((1, 3, 20, 30), 7.0)
    fill = torch.tensor([1.0, 2.0, 3.0])
    crop = crop_and_resize(img, torch.tensor([0.0, 0.0]), 8, torch.tensor(8.0), fill)
    assert crop.shape == (1, 3, 8, 8)
    # top-left quarter is outside the image → fill colour; bottom-right is image content
    assert torch.allclose(crop[0, :, 0, 0], fill)
    assert torch.allclose(crop[0, :, -1, -1], torch.full((3,), 7.0))


def _frames(n: int, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, size=(120, 160, 3), dtype=np.uint8)
    return [np.roll(base, shift=2 * i, axis=1) for i in range(n)]


def test_tracker_is_deterministic_and_reinitializes_cleanly():
    frames = _frames(4)
    results = []
    for _ in range(2):
        tracker = SiamRpnTracker(small_model(3), TEST_PARAMS["otb100"])
        tracker.initialize(frames[0], np.array([60.0, 40.0, 30.0, 24.0]))
        results.append([tracker.update(f) for f in frames[1:]])
    for a, b in zip(*results):
        assert np.array_equal(a.box_xywh, b.box_xywh) and a.score == b.score
        assert a.box_xywh.shape == (4,) and np.all(np.isfinite(a.box_xywh)) and 0.0 <= a.score <= 1.0
        assert a.box_xywh[2] >= 10.0 and a.box_xywh[3] >= 10.0
    # re-initializing the same tracker object forgets the previous run
    tracker.initialize(frames[0], np.array([60.0, 40.0, 30.0, 24.0]))
    again = [tracker.update(f) for f in frames[1:]]
    assert all(np.array_equal(a.box_xywh, b.box_xywh) for a, b in zip(again, results[0]))


def mmtracking_keys_and_shapes(base: int, adjust: int, anchors: int) -> dict[str, tuple[int, ...]]:
    """MMTracking's SiamRPN++ state-dict names and shapes, written from its module structure
    (SOTResNet / mmdet ResNet, ChannelMapper with ConvModule(conv, bn), SiameseRPNHead.CorrelationHead)."""
    keys: dict[str, tuple[int, ...]] = {}

    def bn(prefix: str, c: int) -> None:
        for name in ("weight", "bias", "running_mean", "running_var"):
            keys[f"{prefix}.{name}"] = (c,)
        keys[f"{prefix}.num_batches_tracked"] = ()

    keys["backbone.conv1.weight"] = (base, 3, 7, 7)
    bn("backbone.bn1", base)
    inplanes = base
    for stage, (blocks, stride, dilation) in enumerate(zip((3, 4, 6, 3), (1, 2, 1, 1), (1, 1, 2, 4)), start=1):
        planes = base * 2 ** (stage - 1)
        for b in range(blocks):
            p = f"backbone.layer{stage}.{b}"
            keys[f"{p}.conv1.weight"] = (planes, inplanes if b == 0 else planes * 4, 1, 1)
            bn(f"{p}.bn1", planes)
            keys[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
            bn(f"{p}.bn2", planes)
            keys[f"{p}.conv3.weight"] = (planes * 4, planes, 1, 1)
            bn(f"{p}.bn3", planes * 4)
            if b == 0:
                k = 1 if (stride == 1 and dilation == 1) else 3
                keys[f"{p}.downsample.0.weight"] = (planes * 4, inplanes, k, k)
                bn(f"{p}.downsample.1", planes * 4)
        inplanes = planes * 4
    for i, c in enumerate((base * 8, base * 16, base * 32)):
        keys[f"neck.convs.{i}.conv.weight"] = (adjust, c, 1, 1)
        bn(f"neck.convs.{i}.bn", adjust)
    keys["head.cls_weight"] = (3,)
    keys["head.reg_weight"] = (3,)
    for branch, out in (("cls", 2 * anchors), ("reg", 4 * anchors)):
        for i in range(3):
            p = f"head.{branch}_heads.{i}"
            for conv in ("kernel_convs", "search_convs"):
                keys[f"{p}.{conv}.conv.weight"] = (adjust, adjust, 3, 3)
                bn(f"{p}.{conv}.bn", adjust)
            keys[f"{p}.head_convs.0.conv.weight"] = (adjust, adjust, 1, 1)
            bn(f"{p}.head_convs.0.bn", adjust)
            keys[f"{p}.head_convs.1.conv.weight"] = (out, adjust, 1, 1)
            keys[f"{p}.head_convs.1.conv.bias"] = (out,)
    return keys


def test_exported_names_and_shapes_are_mmtrackings():
    exported = to_mmtracking_state_dict(small_model())
    expected = mmtracking_keys_and_shapes(8, 16, 5)
    assert set(exported) == set(expected)
    assert {k: tuple(v.shape) for k, v in exported.items()} == expected


def test_full_size_names_and_shapes_are_mmtrackings():
    exported = to_mmtracking_state_dict(SiamRpnPlusPlus())
    assert {k: tuple(v.shape) for k, v in exported.items()} == mmtracking_keys_and_shapes(64, 256, 5)


def test_checkpoint_round_trip_is_exact(tmp_path):
    source = small_model(seed=5)
    path = tmp_path / "siamrpn.pth"
    torch.save({"meta": {"epoch": 20, "mmtrack_version": "0.14.0"}, "state_dict": to_mmtracking_state_dict(source)}, path)
    target = small_model(seed=6)
    load_mmtracking_checkpoint(target, path)
    for (k1, v1), (k2, v2) in zip(source.state_dict().items(), target.state_dict().items()):
        assert k1 == k2 and torch.equal(v1, v2)
    frames = _frames(3)
    outs = []
    for model in (source, target):
        tracker = SiamRpnTracker(model, TEST_PARAMS["lasot"])
        tracker.initialize(frames[0], np.array([50.0, 30.0, 40.0, 40.0]))
        outs.append([tracker.update(f).box_xywh for f in frames[1:]])
    assert all(np.array_equal(a, b) for a, b in zip(*outs))


def test_module_prefix_is_accepted():
    source = small_model(seed=2)
    target = small_model(seed=9)
    load_mmtracking_state_dict(target, {f"module.{k}": v for k, v in to_mmtracking_state_dict(source).items()})
    assert torch.equal(target.rpn.cls_weight, source.rpn.cls_weight)


def test_strict_loading_lists_missing_unexpected_and_mismatched_keys():
    state = to_mmtracking_state_dict(small_model())
    del state["head.reg_weight"]
    del state["backbone.layer1.0.bn1.running_var"]
    state["head.extra_conv.weight"] = torch.zeros(1)
    state["neck.convs.0.conv.weight"] = torch.zeros(16, 99, 1, 1)
    with pytest.raises(TrackbenchError) as err:
        load_mmtracking_state_dict(small_model(), state, "ckpt.pth")
    message = str(err.value)
    assert "ckpt.pth" in message
    assert "2 missing keys" in message and "head.reg_weight" in message
    assert "backbone.layer1.0.bn1.running_var" in message
    assert "1 unexpected keys: head.extra_conv.weight" in message
    assert "1 shape mismatches: neck.convs.0.conv.weight (16, 99, 1, 1) vs expected (16, 64, 1, 1)" in message


def test_full_size_checkpoint_into_small_model_is_refused():
    state = to_mmtracking_state_dict(SiamRpnPlusPlus())
    with pytest.raises(TrackbenchError, match="shape mismatches"):
        load_mmtracking_state_dict(small_model(), state)


def test_bad_checkpoint_files(tmp_path):
    with pytest.raises(InputFileError, match="not found"):
        load_mmtracking_checkpoint(small_model(), tmp_path / "nope.pth")
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(InputFileError, match="cannot read"):
        load_mmtracking_checkpoint(small_model(), garbage)
    listy = tmp_path / "list.pth"
    torch.save([1, 2, 3], listy)
    with pytest.raises(InputFileError, match="state dict"):
        load_mmtracking_checkpoint(small_model(), listy)


def test_per_benchmark_test_parameters_are_mmtrackings_configs():
    assert TEST_PARAMS["lasot"] == SiamRpnTestParams(0.05, 0.42, 0.38)
    assert TEST_PARAMS["trackingnet"] == TEST_PARAMS["lasot"]
    assert TEST_PARAMS["uav123"] == SiamRpnTestParams(0.1, 0.1, 0.5)
    assert TEST_PARAMS["otb100"] == SiamRpnTestParams(0.4, 0.5, 0.4)
    assert TEST_PARAMS["vot2018"] == SiamRpnTestParams(0.04, 0.44, 0.33, "VOT")


def test_baseline_file_agrees_with_the_code():
    import tomllib
    from pathlib import Path

    with open(Path(__file__).resolve().parents[3] / "baselines" / "siamrpn.toml", "rb") as handle:
        baseline = tomllib.load(handle)
    assert baseline["method"]["name"] == "siamrpn"
    for benchmark, params in TEST_PARAMS.items():
        table = baseline["hyperparameters"]["test"][benchmark]
        assert SiamRpnTestParams(table["penalty_k"], table["window_influence"], table["lr"], table["test_mode"]) == params
    config = SiamRpnConfig()
    hyper = baseline["hyperparameters"]
    assert (hyper["exemplar_size"], hyper["search_size"], hyper["context_amount"], hyper["center_size"]) == (
        config.exemplar_size, config.search_size, config.context_amount, config.center_size)
    components = baseline["components"]
    assert tuple(components["anchor_ratios"]) == config.anchor_ratios
    assert tuple(components["anchor_scales"]) == config.anchor_scales
    assert components["anchor_stride"] == config.anchor_stride
    published = {(p["benchmark"], p.get("variant")): p["metrics"] for p in baseline["published"]}
    assert published[("lasot", None)]["success"] == 50.4
    assert published[("uav123", None)]["success"] == 60.0
    assert published[("trackingnet", None)]["success"] == 68.8
    assert published[("otb100", None)]["success"] == 64.9
    assert published[("vot2018", None)]["EAO"] == 0.348
    assert all(p["source"].startswith("open-mmlab/mmtracking@") for p in baseline["published"])


def test_small_siamrpn_through_both_protocols_on_real_frames(realdata, tmp_path):
    """The network tracker behind the SOT interface: OPE and VOT on the first 8 frames of VOT "bag"."""
    from trackbench.runners.sot.frames import SotSequence
    from trackbench.runners.sot.protocols import CODE_FAILURE, CODE_INIT, CODE_SKIPPED, CODE_TRACKED
    from trackbench.runners.sot.runner import run_sot_dataset

    folder = realdata / "vot" / "VOT2018_subset" / "bag"
    polygons = np.loadtxt(folder / "groundtruth.txt", delimiter=",")[:8]
    xs, ys = polygons[:, 0::2], polygons[:, 1::2]
    boxes = np.stack([xs.min(1), ys.min(1), xs.max(1) - xs.min(1), ys.max(1) - ys.min(1)], axis=1)
    seq = SotSequence("bag", tuple(folder / f"{i:08d}.jpg" for i in range(1, 9)), 480, 360, boxes, polygons)
    tracker = SiamRpnTracker(small_model(4), TEST_PARAMS["vot2018"])
    ope = run_sot_dataset(tracker, [seq], tmp_path / "ope", "ope")
    pred = np.loadtxt(tmp_path / "ope" / "bag.txt", delimiter=",")
    assert pred.shape == (8, 4) and np.all(pred[1:, 2:] >= 10.0) and ope.frames == 8
    vot = run_sot_dataset(tracker, [seq], tmp_path / "vot", "vot", repetitions=15)
    assert vot.repetitions_run == 3  # deterministic network: three identical runs end the repetitions
    lines = (tmp_path / "vot" / "baseline" / "bag" / "bag_001.txt").read_text().splitlines()
    codes = [int(line) if "," not in line else CODE_TRACKED for line in lines]
    assert len(codes) == 8 and codes[0] == CODE_INIT
    assert set(codes) <= {CODE_INIT, CODE_FAILURE, CODE_SKIPPED, CODE_TRACKED}
