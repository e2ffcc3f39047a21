"""``trackbench run dmtrack`` end to end with the seeded checkpoint in the authors' layout: the OPE and VOT
protocols on real frames (OTB Basketball, VOT bag), the result files the SOT evaluation reads, the errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from trackbench.cli.app import main
from trackbench.runners.registry import METHODS

SMALL = ["--set", "scale_long=320", "--set", "scale_short=240"]


def _cocovid(path, name, files, width, height, boxes, polygons=None):
    images, anns = [], []
    for i, f in enumerate(files):
        images.append({"id": i + 1, "video_id": 1, "file_name": f, "width": width, "height": height, "frame_id": i})
        ann = {"id": i + 1, "image_id": i + 1, "video_id": 1, "category_id": 1, "instance_id": 0,
               "bbox": [float(v) for v in boxes[i]], "area": float(boxes[i][2] * boxes[i][3]), "iscrowd": 0}
        if polygons is not None:
            ann["vot_polygon"] = [float(v) for v in polygons[i]]
        anns.append(ann)
    path.write_text(json.dumps({"videos": [{"id": 1, "name": name, "width": width, "height": height}],
                                "images": images, "annotations": anns, "categories": [{"id": 1, "name": "object"}]}))
    return path


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, dmtrack_seeded_state):
    path = tmp_path_factory.mktemp("dmtrack") / "dmtrackGS.pth"
    torch.save({"meta": {"epoch": 48}, "state_dict": dmtrack_seeded_state}, path)
    return path


def test_dmtrack_is_registered_as_a_sot_method_needing_a_checkpoint():
    spec = METHODS["dmtrack"]
    assert spec.task == "sot" and spec.needs_checkpoint and not spec.needs_detections


@pytest.mark.slow
def test_run_dmtrack_ope_and_vot(realdata, tmp_path, checkpoint, one_torch_thread):
    gt = np.loadtxt(realdata / "otb/OTB100/Basketball/groundtruth_rect.txt", delimiter=",")[:3]
    otb = _cocovid(tmp_path / "otb.json", "Basketball", [f"Basketball/img/{i:04d}.jpg" for i in (1, 2, 3)], 576, 432,
                   gt)
    out = tmp_path / "ope"
    assert main(["run", "dmtrack", "--dataset", str(otb), "--img-root", str(realdata / "otb/OTB100"), "--out",
                 str(out), "--checkpoint", str(checkpoint), *SMALL]) == 0
    rows = [[float(v) for v in line.split(",")] for line in (out / "Basketball.txt").read_text().splitlines()]
    assert len(rows) == 3 and rows[0] == pytest.approx(list(gt[0]))
    assert all(r[2] >= 1 and r[3] >= 1 for r in rows[1:]) and rows[1] != rows[0]

    poly = np.loadtxt(realdata / "vot/VOT2018_subset/bag/groundtruth.txt", delimiter=",")[:3]
    xs, ys = poly[:, 0::2], poly[:, 1::2]
    boxes = np.stack([xs.min(1), ys.min(1), xs.max(1) - xs.min(1), ys.max(1) - ys.min(1)], axis=1)
    vot = _cocovid(tmp_path / "vot.json", "bag", [f"bag/{i:08d}.jpg" for i in (1, 2, 3)], 480, 360, boxes, poly)
    out = tmp_path / "vot"
    assert main(["run", "dmtrack", "--dataset", str(vot), "--img-root", str(realdata / "vot/VOT2018_subset"),
                 "--out", str(out), "--checkpoint", str(checkpoint), "--protocol", "vot", "--repetitions", "1",
                 *SMALL]) == 0
    lines = (out / "baseline" / "bag" / "bag_001.txt").read_text().splitlines()
    assert len(lines) == 3 and lines[0] == "1"
    assert all(line in ("0", "2") or len(line.split(",")) == 4 for line in lines[1:])


def test_dmtrack_without_checkpoint_or_with_a_bad_one_is_a_clear_error(realdata, tmp_path, capsys):
    gt = np.loadtxt(realdata / "otb/OTB100/Basketball/groundtruth_rect.txt", delimiter=",")[:2]
    otb = _cocovid(tmp_path / "otb.json", "Basketball", ["Basketball/img/0001.jpg", "Basketball/img/0002.jpg"],
                   576, 432, gt)
    base = ["run", "dmtrack", "--dataset", str(otb), "--img-root", str(realdata / "otb/OTB100")]
    assert main([*base, "--out", str(tmp_path / "a")]) == 2
    assert "needs --checkpoint" in capsys.readouterr().err
    bad = tmp_path / "bad.pth"
    torch.save({"state_dict": {"backbone.base.base_layer.0.weight": torch.zeros(16, 3, 7, 7)}}, bad)
    assert main([*base, "--out", str(tmp_path / "b"), "--checkpoint", str(bad)]) == 1
    assert "model keys missing from the checkpoint" in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path / "c"), "--checkpoint", str(bad), "--set", "scale_long=8"]) == 2
