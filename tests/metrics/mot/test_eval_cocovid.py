"""MOT metrics on plain CocoVID data: one category equals the MOTChallenge (MOT15, no preprocessing) numbers on
the same boxes; several categories are scored apart and averaged as TrackEval does."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trackbench.cli.app import main
from trackbench.metrics.mot.benchmarks.motchallenge import get_rules
from trackbench.metrics.mot.benchmarks.cocovid import evaluate_cocovid
from trackbench.metrics.mot.evaluate import FAMILIES, evaluate_mot, flat_fields

SEQS = ("TUD-Campus", "TUD-Stadtmitte")


def tud_as_cocovid(realdata, tmp_path, second_category=False):
    gt = {"videos": [], "images": [], "annotations": [], "categories": [{"id": 1, "name": "pedestrian"}]}
    if second_category:
        gt["categories"].append({"id": 2, "name": "ghost"})
    results = []
    image_id = ann_id = 0
    for vid, seq in enumerate(SEQS, start=1):
        length = int(open(realdata / f"mot/MOT15/train/{seq}/seqinfo.ini").read().split("seqLength=")[1].split()[0])
        gt["videos"].append({"id": vid, "name": seq, "width": 640, "height": 480})
        first = image_id + 1
        for f in range(length):
            image_id += 1
            gt["images"].append({"id": image_id, "video_id": vid, "file_name": f"{seq}/{f:06d}.jpg", "frame_id": f,
                                 "width": 640, "height": 480})
        for row in np.loadtxt(realdata / f"mot/MOT15/train/{seq}/gt/gt.txt", delimiter=","):
            ann_id += 1
            gt["annotations"].append({"id": ann_id, "image_id": first + int(row[0]) - 1, "video_id": vid,
                                      "category_id": 1, "instance_id": 1000 * vid + int(row[1]),
                                      "bbox": list(row[2:6]),
                                      "area": row[4] * row[5], "iscrowd": 0})
        for row in np.loadtxt(realdata / f"mot/trackers/motmetrics_test/MOT15-train/{seq}.txt", delimiter=","):
            results.append({"image_id": first + int(row[0]) - 1, "instance_id": int(row[1]),
                            "bbox": list(row[2:6]), "score": 1.0, "category_id": 1})
            if second_category and row[1] % 2 == 0:
                results.append({"image_id": first + int(row[0]) - 1, "instance_id": int(row[1]),
                                "bbox": list(row[2:6]), "score": 0.5, "category_id": 2})
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "res.json").write_text(json.dumps(results))
    return tmp_path / "gt.json", tmp_path / "res.json"


def test_one_category_equals_motchallenge_numbers(realdata, tmp_path):
    gt, res = tud_as_cocovid(realdata, tmp_path)
    ours = evaluate_cocovid(gt, [res], ["t"], list(FAMILIES))[0]
    mot = evaluate_mot(get_rules("MOT15"), realdata / "mot/MOT15/train",
                       [realdata / "mot/trackers/motmetrics_test/MOT15-train"], list(FAMILIES), sequences=list(SEQS))[0]
    a = flat_fields(ours.classes["pedestrian"]["combined"])
    b = flat_fields(mot.combined)
    for key in b:
        assert np.allclose(np.asarray(a[key], float), np.asarray(b[key], float), rtol=0, atol=1e-12), key


def test_categories_are_scored_apart_and_averaged(realdata, tmp_path, capsys):
    gt, res = tud_as_cocovid(realdata, tmp_path, second_category=True)
    out = evaluate_cocovid(gt, [res], ["t"], list(FAMILIES))[0]
    ped = flat_fields(out.classes["pedestrian"]["combined"])
    ghost = flat_fields(out.classes["ghost"]["combined"])
    cls_av = flat_fields(out.class_averaged)
    det_av = flat_fields(out.detection_averaged)
    assert ghost["GT_Dets"] == 0 and ghost["CLR_FP"] == ghost["Dets"] > 0
    assert cls_av["MOTA"] == pytest.approx((ped["MOTA"] + ghost["MOTA"]) / 2)
    assert det_av["CLR_FP"] == ped["CLR_FP"] + ghost["CLR_FP"]
    assert det_av["MOTA"] == pytest.approx((det_av["CLR_TP"] - det_av["CLR_FP"] - det_av["IDSW"])
                                           / (det_av["CLR_TP"] + det_av["CLR_FN"]))
    assert main(["eval", "--benchmark", "cocovid", "--gt", str(gt), "--results", str(res), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)["trackers"]["res"]
    assert set(payload["classes"]) == {"pedestrian", "ghost", "cls_comb_cls_av", "cls_comb_det_av"}
    assert payload["classes"]["cls_comb_det_av"]["combined"]["CLR_FP"] == det_av["CLR_FP"]
    assert "class_averaged" in payload["combined"]


def test_bad_results_name_the_record(realdata, tmp_path):
    gt, res = tud_as_cocovid(realdata, tmp_path)
    records = json.loads(res.read_text())
    records[3]["image_id"] = 10 ** 9
    res.write_text(json.dumps(records))
    from trackbench.errors import InputFileError

    with pytest.raises(InputFileError, match="record 3: unknown image_id"):
        evaluate_cocovid(gt, [res], ["t"], ["CLEAR"])
