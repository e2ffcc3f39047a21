"""TAO Track AP: parity with TrackEval's TrackMAP on its TAO dataset (random and edge cases, the real excerpt)."""

from __future__ import annotations

import contextlib
import copy
import io
import json

import numpy as np
import pytest

from trackbench.errors import InputFileError
from trackbench.metrics.ap.results import box_results
from trackbench.metrics.tao.track_ap import evaluate_tao, limit_per_image, read_tao_gt, result_category_ids

FIELDS = ["AP_all", "AP_area_s", "AP_area_m", "AP_area_l", "AP_time_s", "AP_time_m", "AP_time_l",
          "AR_all", "AR_area_s", "AR_area_m", "AR_area_l", "AR_time_s", "AR_time_m", "AR_time_l"]


def make_tao_case(seed: int, n_videos=5, n_frames=8, n_cats=4):
    """TAO-layout gt (names with '/', neg and not-exhaustive lists, a merged category) and tracker boxes."""
    rng = np.random.default_rng(seed)
    cats = [{"id": c + 1, "name": f"cat{c + 1}"} for c in range(n_cats)]
    cats[0]["merged"] = [{"id": 100, "name": "old"}]
    cats.append({"id": 100, "name": "old"})
    videos, images, anns, tracks, dets = [], [], [], [], []
    img_id = ann_id = 0
    gt_track = 0
    for v in range(n_videos):
        neg = [int(c) for c in rng.choice(np.arange(1, n_cats + 1), size=1)]
        nel = [int(c) for c in rng.choice(np.arange(1, n_cats + 1), size=int(rng.integers(0, 2)))]
        videos.append({"id": v + 1, "name": f"val/src/vid_{v}", "width": 640, "height": 480,
                       "neg_category_ids": neg, "not_exhaustive_category_ids": nel})
        ids = []
        for f in range(n_frames):
            img_id += 1
            ids.append(img_id)
            images.append({"id": img_id, "video_id": v + 1, "frame_id": f, "frame_index": f * 30,
                           "file_name": f"v{v}/{f}.jpg", "width": 640, "height": 480})
        # track ids: video 1 counts from 0 (TrackEval's id-0 quirk), even videos share ids (renumbered)
        next_tid = [0 if v == 1 else (500 if v % 2 == 0 else 1000 + 100 * v)]
        n_obj = 0 if v == 0 else int(rng.integers(1, 4))  # video 0: empty (only negatives can be scored)
        for _ in range(n_obj):
            gt_track += 1
            cat = int(rng.integers(1, n_cats + 1))
            if cat == 1 and rng.random() < 0.5:
                cat = 100  # merged into 1
            start = int(rng.integers(0, n_frames))
            length = 1 if rng.random() < 0.2 else int(rng.integers(1, n_frames - start + 1))
            xy, wh, vel = rng.uniform(0, 400, 2), rng.uniform(5, 160, 2), rng.normal(0, 5, 2)
            tracks.append({"id": gt_track, "category_id": cat, "video_id": v + 1})
            boxes = []
            for f in range(start, start + length):
                box = [float(xy[0] + vel[0] * f), float(xy[1] + vel[1] * f), float(wh[0]), float(wh[1])]
                ann_id += 1
                anns.append({"id": ann_id, "image_id": ids[f], "video_id": v + 1, "category_id": cat,
                             "track_id": gt_track, "bbox": box, "area": box[2] * box[3], "iscrowd": 0})
                boxes.append((ids[f], box))
            # predictions: a few noisy copies (maybe a wrong class, maybe cut short)
            for _ in range(int(rng.integers(0, 4))):
                tid = next_tid[0]
                next_tid[0] += 1
                pcat = cat if rng.random() < 0.8 else int(rng.integers(1, n_cats + 1))
                base = float(rng.random())
                for image_id, box in boxes:
                    if rng.random() < 0.2:
                        continue
                    noise = rng.normal(0, 0.1, 4) * [box[2], box[3], box[2], box[3]]
                    det = [box[0] + noise[0], box[1] + noise[1], max(1.0, box[2] + noise[2]), max(1.0, box[3] + noise[3])]
                    dets.append({"image_id": image_id, "category_id": pcat, "bbox": [float(x) for x in det],
                                 "score": float(np.clip(base + rng.normal(0, 0.05), 0.01, 1)),
                                 "track_id": tid})
        for _ in range(int(rng.integers(0, 3))):  # false-positive tracks, some of negative classes
            tid = next_tid[0]
            next_tid[0] += 1
            pcat = neg[0] if rng.random() < 0.5 else int(rng.integers(1, n_cats + 1))
            xy, wh = rng.uniform(0, 400, 2), rng.uniform(5, 160, 2)
            for f in sorted(rng.choice(n_frames, size=int(rng.integers(1, n_frames)), replace=False).tolist()):
                dets.append({"image_id": ids[f], "category_id": pcat,
                             "bbox": [float(xy[0]), float(xy[1]), float(wh[0]), float(wh[1])],
                             "score": float(rng.random()), "track_id": tid})
    # one (video, track_id) must not have two boxes in one image
    seen, unique = set(), []
    for d in dets:
        vid = images[d["image_id"] - 1]["video_id"]
        key = (vid, d["track_id"], d["image_id"])
        if key not in seen:
            seen.add(key)
            unique.append(d)
    gt = {"videos": videos, "images": images, "annotations": anns, "tracks": tracks, "categories": cats,
          "info": {}, "licenses": []}
    return gt, unique


def trackeval_tao(tmp_path, gt: dict, dets: list, name="trk"):
    import trackeval

    gt_dir = tmp_path / "te_gt"
    tr_dir = tmp_path / "te_tr" / name / "data"
    gt_dir.mkdir(parents=True, exist_ok=True)
    tr_dir.mkdir(parents=True, exist_ok=True)
    (gt_dir / "gt.json").write_text(json.dumps(gt))
    (tr_dir / "res.json").write_text(json.dumps(dets))
    eval_cfg = {"USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False, "TIME_PROGRESS": False,
                "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False, "PLOT_CURVES": False, "LOG_ON_ERROR": None,
                "DISPLAY_LESS_PROGRESS": True}
    ds_cfg = {"GT_FOLDER": str(gt_dir), "TRACKERS_FOLDER": str(tmp_path / "te_tr"), "TRACKERS_TO_EVAL": [name],
              "PRINT_CONFIG": False, "OUTPUT_FOLDER": str(tmp_path / "te_out")}
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator = trackeval.Evaluator(eval_cfg)
        dataset = trackeval.datasets.TAO(ds_cfg)
        metric = trackeval.metrics.TrackMAP({"PRINT_CONFIG": False})
        out, _ = evaluator.evaluate([dataset], [metric])
    return out["TAO"][name]["COMBINED_SEQ"]


def ours_tao(tmp_path, gt: dict, dets: list):
    path = tmp_path / "gt_ours.json"
    path.write_text(json.dumps(gt))
    tao_gt = read_tao_gt(path)
    res = box_results(tmp_path / "r.json", copy.deepcopy(dets), tao_gt.boxes.image_to_video,
                      result_category_ids(tao_gt), need_track=True)
    return evaluate_tao(tao_gt, res, tmp_path / "r.json")


def assert_same(ours, theirs):
    comb = theirs["cls_comb_cls_av"]["TrackMAP"]
    for f in FIELDS:
        np.testing.assert_allclose(ours.fields[f], comb[f], rtol=0, atol=1e-12, err_msg=f)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", range(8))
def test_tao_matches_trackeval_random(tmp_path, oracle_numpy, seed):
    gt, dets = make_tao_case(seed)
    theirs = trackeval_tao(tmp_path, copy.deepcopy(gt), copy.deepcopy(dets))
    ours = ours_tao(tmp_path, gt, dets)
    assert_same(ours, theirs)
    for name, vals in ours.per_category.items():
        np.testing.assert_allclose(vals["AP"], np.mean(theirs[name]["TrackMAP"]["AP_all"]), rtol=0, atol=1e-12)


@pytest.mark.oracle
def test_tao_limit_300_and_category_without_predictions(tmp_path, oracle_numpy):
    gt, dets = make_tao_case(11, n_videos=3)
    img = gt["annotations"][0]["image_id"]
    rng = np.random.default_rng(1)
    for k in range(320):  # 320 one-box tracks on one image: 20 must go, by score
        dets.append({"image_id": img, "category_id": gt["annotations"][0]["category_id"], "track_id": 500 + k,
                     "bbox": [float(x) for x in rng.uniform(5, 300, 4)], "score": float(rng.random())})
    present = {a["category_id"] for a in gt["annotations"]} - {1, 100, gt["annotations"][0]["category_id"]}
    dropped = sorted(present)[-1]
    dets = [d for d in dets if d["category_id"] != dropped]
    theirs = trackeval_tao(tmp_path, copy.deepcopy(gt), copy.deepcopy(dets))
    ours = ours_tao(tmp_path, gt, dets)
    assert_same(ours, theirs)
    assert ours.notes["boxes_over_300_per_image_dropped"] >= 20


@pytest.mark.oracle
def test_tao_real_excerpt(tmp_path, oracle_numpy, realdata):
    """MMTracking's real 2-frame TAO excerpt: perfect tracks, one shifted track, a negative-class false positive."""
    gt = json.loads((realdata / "mmtracking_tests/tests/data/demo_tao_data/ann.json").read_text())
    dets = []
    for ann in gt["annotations"]:
        dets.append({"image_id": ann["image_id"], "category_id": ann["category_id"], "bbox": ann["bbox"],
                     "score": 0.9, "track_id": ann["track_id"]})
        x, y, w, h = ann["bbox"]
        dets.append({"image_id": ann["image_id"], "category_id": ann["category_id"], "bbox": [x + w / 3, y, w, h],
                     "score": 0.6, "track_id": 10 + ann["track_id"]})
    neg = gt["videos"][0]["neg_category_ids"][0]
    dets.append({"image_id": 0, "category_id": neg, "bbox": [1.0, 1.0, 50.0, 50.0], "score": 0.95, "track_id": 40})
    theirs = trackeval_tao(tmp_path, copy.deepcopy(gt), copy.deepcopy(dets))
    ours = ours_tao(tmp_path, gt, dets)
    assert_same(ours, theirs)
    # both classes are not exhaustively labeled here: the shifted copies are ignored, not false positives
    assert ours.overall["AP50_all"] == pytest.approx(1.0)


def test_limit_per_image_keeps_best_and_regroups():
    class R:  # minimal stand-in for BoxResults
        image_id = np.array([7, 3, 7, 7, 3])
        score = np.array([0.1, 0.5, 0.9, 0.5, 0.2])

    kept = limit_per_image(R, max_dets=2)
    assert kept.tolist() == [2, 3, 1, 4]  # image 7 first (first seen), its two best; then image 3 in file order


def test_duplicate_box_in_a_track_is_an_error(tmp_path):
    gt, dets = make_tao_case(2)
    dup = dict(dets[0])
    dets.append(dup)
    with pytest.raises(InputFileError, match="has two boxes on image"):
        ours_tao(tmp_path, gt, dets)
