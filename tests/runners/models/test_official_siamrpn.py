"""SiamRPN++ against MMTracking 0.14's on the same seeded weights and real frames (PROVENANCE.json "siamrpn"):

- one pass with the OTB100 test config through ``inference_sot`` on the first OTB Basketball frames: the same box
  and score every frame (tests/golden/official/siamrpn_otb_mmtrack014.npz);
- the VOT re-initialisation protocol with the VOT2018 test config (``test_mode='VOT'``, MMTracking's own VOT test
  loop) on the first frames of VOT "bag": the same code every frame (init / tracked / failure / skipped), the same
  boxes and scores (tests/golden/official/siamrpn_vot_mmtrack014.npz).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from mmtrack_state_dicts import one_torch_thread  # noqa: E402,F401 (fixture)
from official_golden import BOX_ATOL, FIXTURES, SCORE_ATOL  # noqa: E402

from trackbench.runners.models.seeded import seeded_checkpoint  # noqa: E402
from trackbench.runners.models.siamrpn.checkpoint import load_mmtracking_state_dict  # noqa: E402
from trackbench.runners.models.siamrpn.model import SiamRpnPlusPlus  # noqa: E402
from trackbench.runners.models.siamrpn.model import test_params_for as params_for  # noqa: E402
from trackbench.runners.models.siamrpn.tracker import SiamRpnTracker  # noqa: E402
from trackbench.runners.sot.frames import SotSequence  # noqa: E402
from trackbench.runners.sot.protocols import (  # noqa: E402
    CODE_FAILURE,
    CODE_INIT,
    CODE_SKIPPED,
    CODE_TRACKED,
    run_vot_supervised,
)

pytestmark = [pytest.mark.official_golden, pytest.mark.usefixtures("one_torch_thread")]


@pytest.fixture(scope="module")
def seeded_model() -> SiamRpnPlusPlus:
    """The seeded weights, generated once for both tests (a few seconds)."""
    model = SiamRpnPlusPlus()
    load_mmtracking_state_dict(model, seeded_checkpoint("siamrpn")["state_dict"])
    return model


def checked_frame(path: Path, meta: dict) -> np.ndarray:
    image = cv2.imread(str(path))
    assert hashlib.md5(image.tobytes()).hexdigest() == meta["md5"], f"{meta['file']} decodes differently"
    return image


def xyxy(box_xywh: np.ndarray) -> np.ndarray:
    x, y, w, h = box_xywh
    return np.array([x, y, x + w, y + h])


def test_one_pass_boxes_and_scores_equal_mmtracking(realdata, seeded_model):
    with np.load(FIXTURES / "siamrpn_otb_mmtrack014.npz") as z:
        official, info = z["boxes"], json.loads(str(z["info"]))
    tracker = SiamRpnTracker(seeded_model, params_for("otb100"))
    root = realdata / "otb" / "OTB100" / "Basketball" / "img"
    x1, y1, x2, y2 = info["init_xyxy"]
    worst_box = worst_score = 0.0
    for i, frame in enumerate(info["frames"]):
        image = checked_frame(root / frame["file"], frame)
        if i == 0:
            tracker.initialize(image, np.array([x1, y1, x2 - x1, y2 - y1]))
            continue
        pred = tracker.update(image)
        worst_box = max(worst_box, float(np.abs(xyxy(pred.box_xywh) - official[i, :4]).max()))
        worst_score = max(worst_score, abs(pred.score - official[i, 4]))
    assert len(info["frames"]) >= 5 and official[1:, 4].min() > 0.5  # the weights track with real scores
    print(f"largest differences: box {worst_box:.3g} px, score {worst_score:.3g}")
    assert worst_box <= BOX_ATOL and worst_score <= SCORE_ATOL, (worst_box, worst_score)


class Recording:
    """Keeps the score of every ``update`` (the trajectory keeps boxes only, and no box on a failure frame)."""

    def __init__(self, inner: SiamRpnTracker) -> None:
        self.inner, self.scores = inner, []

    def initialize(self, frame, box_xywh) -> None:
        self.inner.initialize(frame, box_xywh)

    def update(self, frame):
        prediction = self.inner.update(frame)
        self.scores.append(prediction.score)
        return prediction


def test_vot_reinitialisation_protocol_equals_mmtracking(realdata, seeded_model):
    with np.load(FIXTURES / "siamrpn_vot_mmtrack014.npz") as z:
        official, info = z["rows"], json.loads(str(z["info"]))
    root = realdata / "vot" / "VOT2018_subset" / "bag"
    frames = info["frames"]
    polygons = np.loadtxt(root / "groundtruth.txt", delimiter=",")[: len(frames)]
    assert polygons[0].tolist() == info["init_polygon"]
    xs, ys = polygons[:, 0::2], polygons[:, 1::2]
    boxes = np.stack([xs.min(1), ys.min(1), xs.max(1) - xs.min(1), ys.max(1) - ys.min(1)], axis=1)
    images = {root / f["file"]: checked_frame(root / f["file"], f) for f in frames}
    sequence = SotSequence("bag", tuple(images), 480, 360, boxes, polygons)
    tracker = Recording(SiamRpnTracker(seeded_model, params_for("vot2018")))

    run = run_vot_supervised(tracker, sequence, read_frame=images.__getitem__)

    codes = official[:, 0].astype(int)
    # the fixture exercises the whole protocol: tracking, a failure, 4 skipped frames, re-initialisation, tracking
    assert codes[0] == CODE_INIT and CODE_FAILURE in codes and CODE_SKIPPED in codes
    assert np.count_nonzero(codes == CODE_INIT) >= 2 and np.count_nonzero(codes == CODE_TRACKED) >= 5
    assert run.codes.tolist() == codes.tolist()
    tracked = codes == CODE_TRACKED
    ours_xyxy = np.array([xyxy(b) for b in run.boxes_xywh[tracked]])
    worst_box = float(np.abs(ours_xyxy - official[tracked, 1:5]).max())
    asked = (codes == CODE_TRACKED) | (codes == CODE_FAILURE)  # the frames MMTracking gives a score
    worst_score = float(np.abs(np.array(tracker.scores) - official[asked, 5]).max())
    print(f"codes equal on {len(codes)} frames ({np.count_nonzero(codes == CODE_FAILURE)} failures); largest "
          f"differences: box {worst_box:.3g} px, score {worst_score:.3g}")
    assert worst_box <= BOX_ATOL and worst_score <= SCORE_ATOL, (worst_box, worst_score)
