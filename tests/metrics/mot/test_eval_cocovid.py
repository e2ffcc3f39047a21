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


def test_cocovid_gt_without_category_id_is_one_clear_line(realdata, tmp_path, capsys):
    gt, res = tud_as_cocovid(realdata, tmp_path)
    data = json.loads(gt.read_text())
    del data["annotations"][3]["category_id"]
    gt.write_text(json.dumps(data))
    code = main(["eval", "--benchmark", "cocovid", "--gt", str(gt), "--results", str(res)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "KeyError" not in err
    assert f"{gt}: annotations[3] (id 4) lacks ['category_id']" in err


def _with_empty_categories(realdata, tmp_path):
    gt, res = tud_as_cocovid(realdata, tmp_path, second_category=True)
    data = json.loads(gt.read_text())
    data["categories"] += [{"id": 3, "name": "nobody"}, {"id": 4, "name": "nothing"}]
    gt.write_text(json.dumps(data))
    return gt, res


def test_classes_without_gt_or_predictions_are_left_out_of_the_class_average(realdata, tmp_path, oracle_numpy):
    import trackeval

    gt, res = _with_empty_categories(realdata, tmp_path)
    out = evaluate_cocovid(gt, [res], ["t"], list(FAMILIES))[0]
    assert out.empty_classes == ["nobody", "nothing"]
    # TrackEval's own class averaging with ignore_empty_classes=True, over our per-class results
    oracles = {"HOTA": trackeval.metrics.HOTA(), "CLEAR": trackeval.metrics.CLEAR(),
               "Identity": trackeval.metrics.Identity()}
    for family, metric in oracles.items():
        per_class = {c: v["combined"][family] for c, v in out.classes.items()}
        theirs = metric.combine_classes_class_averaged(per_class, ignore_empty_classes=True)
        for key, value in theirs.items():
            assert np.allclose(np.asarray(out.class_averaged[family][key], float), np.asarray(value, float),
                               rtol=0, atol=1e-12), (family, key)
    (tmp_path / "two").mkdir()
    gt2, res2 = tud_as_cocovid(realdata, tmp_path / "two", second_category=True)
    two = evaluate_cocovid(gt2, [res2], ["t"], list(FAMILIES))[0]  # the same without the two empty categories
    assert flat_fields(two.class_averaged) == flat_fields(out.class_averaged)


MOT17_SEQS = ("MOT17-05-FRCNN", "MOT17-09-FRCNN")


def test_motchallenge_derived_cocovid_is_scored_with_the_motchallenge_rules(realdata, tmp_path, capsys):
    """A MOT17 file written by ``convert mot17`` scores as ``eval --benchmark MOT17`` on the folder (TrackEval's
    numbers, pedestrians only, distractors removed), not averaged over 13 classes."""
    import shutil

    for seq in MOT17_SEQS:
        shutil.copytree(realdata / "mot/MOT17/train" / seq, tmp_path / "raw/train" / seq)
    assert main(["convert", "mot17", "--root", str(tmp_path / "raw"), "--out", str(tmp_path / "coco")]) == 0
    coco = json.loads((tmp_path / "coco/train_cocoformat.json").read_text())
    videos = {v["id"]: v["name"] for v in coco["videos"]}
    image = {(videos[im["video_id"]], im["frame_id"] + 1): im["id"] for im in coco["images"]}
    results = []
    for seq in MOT17_SEQS:
        for row in np.loadtxt(realdata / "mot/trackers/MPNTrack/MOT17-train/data" / f"{seq}.txt", delimiter=","):
            results.append({"image_id": image[(seq, int(row[0]))], "instance_id": int(row[1]),
                            "bbox": list(row[2:6]), "category_id": 1})
    (tmp_path / "res.json").write_text(json.dumps(results))
    capsys.readouterr()
    assert main(["eval", "--benchmark", "cocovid", "--gt", str(tmp_path / "coco/train_cocoformat.json"),
                 "--results", str(tmp_path / "res.json"), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "scored with the MOT17 rules" in captured.err
    ours = json.loads(captured.out)["trackers"]["res"]
    assert [c for c in ours["classes"] if not c.startswith("cls_comb")] == ["pedestrian"]
    folder = evaluate_mot(get_rules("MOT17"), realdata / "mot/MOT17/train",
                          [realdata / "mot/trackers/MPNTrack/MOT17-train"], list(FAMILIES), sequences=list(MOT17_SEQS))
    expected = flat_fields(folder[0].combined)
    got = ours["classes"]["pedestrian"]["combined"]
    for key in expected:  # the converter renumbers track ids, so sums over ids run in another order: last bit
        assert np.allclose(np.asarray(got[key], float), np.asarray(expected[key], float), rtol=0, atol=1e-15), key
