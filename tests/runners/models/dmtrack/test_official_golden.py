"""DMTrack stage by stage against the authors' own modules: fixtures made by tools/oracles/dmtrack_fixtures.py
(hqucv/dmtrack and its mmdetection fork at the commit in tests/golden/official/PROVENANCE.json, run with mmcv's CPU
ops) from the same seeded weights, on real frames (OTB Basketball, VOT bag). Per sequence: the network input and
template box, DLA-34 and FPN features and the template RoI features of the first frame, the generated dynamic
filters, the first search frame's input, features and head outputs, and every tracked box and score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from official_fixtures import provenance

from trackbench.runners.models.dmtrack.checkpoint import load_dmtrack_state_dict
from trackbench.runners.models.dmtrack.config import DMTrackConfig
from trackbench.runners.models.dmtrack.model import DMTrack
from trackbench.runners.models.dmtrack.tracker import DMTrackTracker, prepare_frame, template_box
from trackbench.runners.sot.frames import read_frame_bgr

GOLDEN = Path(__file__).resolve().parents[3] / "golden" / "official"
SAMPLE = 4096
RTOL = 1e-4  # float32 through ~60 layers; the authors' DCN / RoIAlign / NMS are mmcv's CPU kernels here

pytestmark = pytest.mark.official_golden


def sample_indices(size: int) -> np.ndarray:
    return np.unique(np.linspace(0, size - 1, min(size, SAMPLE)).astype(np.int64))


def check(ref, key: str, got) -> None:
    arr = np.asarray(got.detach().cpu().double().numpy() if isinstance(got, torch.Tensor) else got, dtype=np.float64)
    assert arr.shape == tuple(ref[f"{key}/shape"]), key
    want = ref[f"{key}/sample"].astype(np.float64)
    got_sample = arr.reshape(-1)[sample_indices(arr.size)]
    scale = max(float(np.abs(want).max()), 1e-6)
    np.testing.assert_allclose(got_sample, want, rtol=RTOL, atol=RTOL * scale, err_msg=key)
    total, abs_total = ref[f"{key}/sum"]
    assert abs(arr.sum() - total) <= RTOL * abs_total + 1e-6, key
    assert abs(np.abs(arr).sum() - abs_total) <= RTOL * abs_total + 1e-6, key


@pytest.fixture(scope="module")
def golden():
    path = GOLDEN / "dmtrack" / "fixtures.npz"
    if not path.is_file():
        pytest.skip("DMTrack fixtures not generated (tools/oracles/dmtrack_fixtures.py)")
    return dict(np.load(path)), provenance("dmtrack")


@pytest.mark.parametrize("name", ["otb_basketball", "vot_bag"])
def test_dmtrack_stages_and_tracks_equal_the_authors_modules(name, golden, realdata, dmtrack_seeded_state,
                                                             one_torch_thread):
    ref, provenance = golden
    model = DMTrack(DMTrackConfig(scale=tuple(provenance["scale"])))
    load_dmtrack_state_dict(model, dmtrack_seeded_state)
    tracker = DMTrackTracker(model)
    captured: dict = {}
    model.backbone.register_forward_hook(lambda m, i, o: captured.__setitem__("backbone", o))
    model.neck.register_forward_hook(lambda m, i, o: captured.__setitem__("fpn", o))
    model.controller.register_forward_hook(lambda m, i, o: captured.setdefault("template", []).append(i[0]))
    head = model.head
    model.head = lambda feats, filters: captured.setdefault("head", []).append(head(feats, filters)) or \
        captured["head"][-1]

    frames = [read_frame_bgr(realdata / f) for f in provenance["frames"][name]]
    box = ref[f"{name}/init_box_xywh"]
    img, _, factor = prepare_frame(frames[0], model.cfg)
    check(ref, f"{name}/init/input", img[0])
    np.testing.assert_allclose(template_box(box, factor, img.shape[2:]).numpy()[None], ref[f"{name}/init/box"],
                               rtol=0, atol=1e-4)
    tracker.initialize(frames[0], box)
    for level in range(3):
        check(ref, f"{name}/init/backbone{level}", captured["backbone"][level])
        check(ref, f"{name}/init/fpn{level}", captured["fpn"][level])
        check(ref, f"{name}/init/template{level}", captured["template"][level])
        for part, tensor in zip(("cls1", "cls2", "reg1", "reg2"), tracker._filters[level], strict=True):
            check(ref, f"{name}/init/filter{level}_{part}", tensor)

    tracked = ref[f"{name}/tracked"]
    assert len(tracked) == len(frames) - 1
    for k, frame in enumerate(frames[1:]):
        pred = tracker.update(frame)
        if k == 0:
            check(ref, f"{name}/search/input", prepare_frame(frame, model.cfg)[0][0])
            outs = captured["head"][-1]
            for level in range(3):
                check(ref, f"{name}/search/backbone{level}", captured["backbone"][level])
                check(ref, f"{name}/search/fpn{level}", captured["fpn"][level])
                check(ref, f"{name}/search/head_cls{level}", outs.cls_scores[level])
                check(ref, f"{name}/search/head_reg{level}", outs.bbox_preds[level])
                check(ref, f"{name}/search/head_ctr{level}", outs.centernesses[level])
        x, y, w, h = pred.box_xywh
        np.testing.assert_allclose([x, y, x + w - 1, y + h - 1], tracked[k, :4], rtol=0, atol=2e-3,
                                   err_msg=f"{name} frame {k + 2}")
        assert pred.score == pytest.approx(tracked[k, 4], rel=RTOL), f"{name} frame {k + 2}"
