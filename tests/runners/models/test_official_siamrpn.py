"""SiamRPN++ against MMTracking 0.14's (its SiamRPN with the OTB100 test config, through ``inference_sot``) on the
same seeded weights and the first real OTB Basketball frames, one pass: the same box and score every frame
(tests/golden/official/siamrpn_otb_mmtrack014.npz; PROVENANCE.json "siamrpn")."""

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

pytestmark = [pytest.mark.official_golden, pytest.mark.usefixtures("one_torch_thread")]


def test_one_pass_boxes_and_scores_equal_mmtracking(realdata):
    with np.load(FIXTURES / "siamrpn_otb_mmtrack014.npz") as z:
        official, info = z["boxes"], json.loads(str(z["info"]))
    model = SiamRpnPlusPlus()
    load_mmtracking_state_dict(model, seeded_checkpoint("siamrpn")["state_dict"])
    tracker = SiamRpnTracker(model, params_for("otb100"))
    root = realdata / "otb" / "OTB100" / "Basketball" / "img"
    x1, y1, x2, y2 = info["init_xyxy"]
    worst_box = worst_score = 0.0
    for i, frame in enumerate(info["frames"]):
        image = cv2.imread(str(root / frame["file"]))
        assert hashlib.md5(image.tobytes()).hexdigest() == frame["md5"], f"{frame['file']} decodes differently"
        if i == 0:
            tracker.initialize(image, np.array([x1, y1, x2 - x1, y2 - y1]))
            continue
        pred = tracker.update(image)
        x, y, w, h = pred.box_xywh
        worst_box = max(worst_box, float(np.abs(np.array([x, y, x + w, y + h]) - official[i, :4]).max()))
        worst_score = max(worst_score, abs(pred.score - official[i, 4]))
    assert len(info["frames"]) >= 5 and official[1:, 4].min() > 0.5  # the weights track with real scores
    print(f"largest differences: box {worst_box:.3g} px, score {worst_score:.3g}")
    assert worst_box <= BOX_ATOL and worst_score <= SCORE_ATOL, (worst_box, worst_score)
