"""VID box AP: parity with pycocotools COCOeval on random and edge cases; FGFA motion buckets by hand."""

from __future__ import annotations

import contextlib
import copy
import io
import json

import numpy as np
import pytest

from trackbench.errors import InputFileError
from trackbench.metrics.ap.gt import read_box_gt
from trackbench.metrics.ap.results import box_results, read_results_json
from trackbench.metrics.ap.vid import evaluate_vid, motion_iou, motion_speed

STAT_NAMES = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]


def make_vid_case(seed: int, n_videos=4, n_frames=6, n_cats=3, crowd=0.1, empty_cat=True, dets_per_gt=2.0):
    """CocoVID gt with moving objects and noisy detections (some misses, some false positives)."""
    rng = np.random.default_rng(seed)
    cats = [{"id": c + 1, "name": f"c{c + 1}"} for c in range(n_cats + (1 if empty_cat else 0))]
    videos, images, anns, dets = [], [], [], []
    img_id = ann_id = 0
    for v in range(n_videos):
        videos.append({"id": v + 1, "name": f"v{v}", "width": 640, "height": 480})
        n_obj = int(rng.integers(0, 4)) if v else 0  # video 0: an empty video
        objs = [(rng.uniform(0, 400, 2), rng.uniform(8, 200, 2), int(rng.integers(1, n_cats + 1)),
                 rng.normal(0, 6, 2)) for _ in range(n_obj)]
        for f in range(n_frames):
            img_id += 1
            images.append({"id": img_id, "video_id": v + 1, "frame_id": f, "file_name": f"v{v}/{f}.jpg",
                           "width": 640, "height": 480})
            for o, (xy, wh, cat, vel) in enumerate(objs):
                if rng.random() < 0.15:
                    continue
                box = [float(xy[0] + vel[0] * f), float(xy[1] + vel[1] * f), float(wh[0]), float(wh[1])]
                ann_id += 1
                is_crowd = int(rng.random() < crowd)
                anns.append({"id": ann_id, "image_id": img_id, "video_id": v + 1, "category_id": cat,
                             "instance_id": o + 1, "bbox": box, "area": box[2] * box[3], "iscrowd": is_crowd})
                for _ in range(int(rng.poisson(dets_per_gt * 0.6))):
                    noise = rng.normal(0, 0.12, 4) * [box[2], box[3], box[2], box[3]]
                    det = [box[0] + noise[0], box[1] + noise[1], max(1.0, box[2] + noise[2]), max(1.0, box[3] + noise[3])]
                    dcat = cat if rng.random() < 0.85 else int(rng.integers(1, n_cats + 1))
                    dets.append({"image_id": img_id, "category_id": dcat, "bbox": [float(x) for x in det],
                                 "score": float(np.round(rng.random(), 3))})
            for _ in range(int(rng.poisson(0.7))):
                dets.append({"image_id": img_id, "category_id": int(rng.integers(1, n_cats + 1)),
                             "bbox": [float(x) for x in np.r_[rng.uniform(0, 500, 2), rng.uniform(4, 150, 2)]],
                             "score": float(np.round(rng.random(), 3))})
    gt = {"videos": videos, "images": images, "annotations": anns, "categories": cats}
    return gt, dets


def cocoeval_stats(gt: dict, dets: list, per_cat=False):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = copy.deepcopy(gt)
        coco.createIndex()
        if not dets:
            return None
        res = coco.loadRes(copy.deepcopy(dets))
        ev = COCOeval(coco, res, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def ours(tmp_path, gt: dict, dets: list, motion=False):
    gt_path = tmp_path / "gt.json"
    gt_path.write_text(json.dumps(gt))
    box_gt = read_box_gt(gt_path)
    res = box_results(tmp_path / "r.json", dets, box_gt.image_to_video, box_gt.category_ids)
    return evaluate_vid(box_gt, res, motion=motion)


@pytest.mark.parametrize("seed", range(12))
def test_vid_matches_pycocotools_random(tmp_path, seed):
    gt, dets = make_vid_case(seed, crowd=0.15 if seed % 2 else 0.0, dets_per_gt=1.0 + seed % 3)
    ev = cocoeval_stats(gt, dets)
    result = ours(tmp_path, gt, dets)
    got = [result.overall[k] for k in STAT_NAMES]
    np.testing.assert_allclose(got, ev.stats, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.accumulation.precision, ev.eval["precision"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.accumulation.recall, ev.eval["recall"], rtol=0, atol=1e-12)


def test_vid_ties_and_many_detections_match_pycocotools(tmp_path):
    """Equal scores (stable order decides) and more than 100 detections in one image (maxDets cut)."""
    gt, dets = make_vid_case(99, n_videos=2, n_frames=2, dets_per_gt=1.0)
    img = gt["images"][-1]["id"]
    rng = np.random.default_rng(5)
    for _ in range(130):
        dets.append({"image_id": img, "category_id": 1, "bbox": [float(x) for x in rng.uniform(1, 300, 4)],
                     "score": 0.5})
    for d in dets[:20]:
        d["score"] = 0.25
    ev = cocoeval_stats(gt, dets)
    result = ours(tmp_path, gt, dets)
    np.testing.assert_allclose([result.overall[k] for k in STAT_NAMES], ev.stats, rtol=0, atol=1e-12)


def test_vid_category_without_predictions_and_without_gt(tmp_path):
    gt, dets = make_vid_case(3, n_cats=3)
    dets = [d for d in dets if d["category_id"] != 2]
    ev = cocoeval_stats(gt, dets)
    result = ours(tmp_path, gt, dets)
    np.testing.assert_allclose([result.overall[k] for k in STAT_NAMES], ev.stats, rtol=0, atol=1e-12)
    assert result.per_category["c2"]["AP"] == 0.0  # gt but no predictions
    assert result.per_category["c4"]["AP"] == -1.0  # no gt at all: undefined


def test_vid_hand_built_perfect_and_half():
    """One gt, two detections: the top-scored one is a false positive, so AP50 = precision 0.5 from recall 0."""
    from trackbench.metrics.ap.cocoeval import CocoParams, MatchGroup, evaluate_groups, summarize

    group = MatchGroup(
        dt_scores=np.array([0.9, 0.8]), dt_areas=np.array([100.0, 100.0]), gt_areas=np.array([100.0]),
        gt_crowd=np.array([False]), gt_ids=np.array([1]), ious=np.array([[0.1], [0.95]]),
    )
    s = summarize(evaluate_groups([[group]], CocoParams()))
    assert s["AP50"] == pytest.approx(0.5, abs=1e-12)
    assert s["AR100"] == 1.0 and s["AR1"] == 0.0


def test_motion_iou_buckets_hand_built(tmp_path):
    """A still box (IoU 1 with its neighbours: slow), a box moving 1/4 of its width per frame, a lone box (fast)."""
    images, anns = [], []
    for f in range(5):
        images.append({"id": f + 1, "video_id": 1, "frame_id": f})
        anns.append({"id": len(anns) + 1, "image_id": f + 1, "category_id": 1, "instance_id": 1,
                     "bbox": [10.0, 10.0, 40.0, 40.0], "area": 1600.0})
        anns.append({"id": len(anns) + 1, "image_id": f + 1, "category_id": 1, "instance_id": 2,
                     "bbox": [100.0 + 10.0 * f, 10.0, 40.0, 40.0], "area": 1600.0})
    anns.append({"id": len(anns) + 1, "image_id": 3, "category_id": 1, "instance_id": 3,
                 "bbox": [300.0, 300.0, 20.0, 20.0], "area": 400.0})
    gt = {"videos": [{"id": 1, "name": "v"}], "images": images, "annotations": anns,
          "categories": [{"id": 1, "name": "a"}]}
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt))
    box_gt = read_box_gt(path)
    m = motion_iou(box_gt)
    still = m[box_gt.instance == 1]
    assert np.all(still == 1.0)
    # instance 2, frame 0: neighbours shifted by 10, 20, 30, 40 px -> IoU 30/50, 20/60, 10/70, 0
    first = m[(box_gt.instance == 2) & (box_gt.frame == 0)][0]
    assert first == pytest.approx(np.mean([30 / 50, 20 / 60, 10 / 70, 0.0]))
    assert m[box_gt.instance == 3][0] == 0.0
    speeds = motion_speed(np.array([0.95, 0.9, 0.7, 0.69]))
    assert speeds.tolist() == ["slow", "medium", "medium", "fast"]
    dets = [{"image_id": a["image_id"], "category_id": 1, "bbox": a["bbox"], "score": 0.9} for a in anns
            if a["instance_id"] == 1]
    res = box_results(tmp_path / "r.json", dets, box_gt.image_to_video, box_gt.category_ids)
    out = evaluate_vid(box_gt, res)
    assert out.overall["AP50_slow"] == pytest.approx(1.0)
    assert out.overall["AP50_fast"] == 0.0
    assert out.overall["n_gt_slow"] == 5 and out.overall["n_gt_fast"] == 6


def test_bad_detection_records_name_the_record(tmp_path):
    gt, dets = make_vid_case(1)
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt))
    box_gt = read_box_gt(path)
    bad = [dict(d) for d in dets[:3]]
    bad[1]["image_id"] = 99999
    with pytest.raises(InputFileError, match=r"results\[1\].*image_id 99999"):
        box_results(tmp_path / "r.json", bad, box_gt.image_to_video, box_gt.category_ids)
    bad = [dict(d) for d in dets[:3]]
    del bad[2]["score"]
    with pytest.raises(InputFileError, match=r"results\[2\].*lacks 'score'"):
        box_results(tmp_path / "r.json", bad, box_gt.image_to_video, box_gt.category_ids)
    (tmp_path / "x.json").write_text("{\"a\": 1}")
    with pytest.raises(InputFileError, match="expected a JSON list"):
        read_results_json(tmp_path / "x.json")


def _vid_gt(tmp_path, boxes_by_frame, category=1):
    """One video; ``boxes_by_frame[f]`` lists (instance, [x, y, w, h])."""
    images, anns = [], []
    for f, boxes in enumerate(boxes_by_frame):
        images.append({"id": f + 1, "video_id": 1, "frame_id": f})
        for inst, box in boxes:
            anns.append({"id": len(anns) + 1, "image_id": f + 1, "category_id": category, "instance_id": inst,
                         "bbox": list(box), "area": box[2] * box[3]})
    gt = {"videos": [{"id": 1, "name": "v"}], "images": images, "annotations": anns,
          "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt))
    return read_box_gt(path)


def test_fgfa_small_objects_get_a_looser_threshold(tmp_path):
    """A 10x10 px gt (inclusive pixels) is found at IoU >= 100 / (20 * 20) = 0.25 under FGFA, 0.5 under COCO."""
    from trackbench.metrics.ap.vid_fgfa import fgfa_motion_map, gt_thresholds, overlaps_inclusive

    box_gt = _vid_gt(tmp_path, [[(1, [0.0, 0.0, 9.0, 9.0])]])
    assert gt_thresholds(np.array([[0.0, 0.0, 9.0, 9.0]]))[0] == pytest.approx(0.25)
    det = [0.0, 0.0, 9.0, 2.0]  # 10 x 3 inclusive pixels inside the gt: IoU 0.3
    assert overlaps_inclusive(np.array([[0.0, 0.0, 9.0, 2.0]]), np.array([[0.0, 0.0, 9.0, 9.0]]))[0, 0] == \
        pytest.approx(0.3)
    res = box_results(tmp_path / "r.json", [{"image_id": 1, "category_id": 1, "bbox": det, "score": 0.9}],
                      box_gt.image_to_video, box_gt.category_ids)
    fgfa = fgfa_motion_map(box_gt, res, motion_iou(box_gt))
    assert fgfa["all"]["mAP"] == pytest.approx(1.0)
    assert fgfa["all"]["per_class"][2] == -1.0  # no gt of class b: left out of the mean
    assert evaluate_vid(box_gt, res).overall["AP50"] == 0.0


def test_fgfa_unmatched_detection_weights(tmp_path):
    """Frames 0-2: a still object (slow) and one moving 20 px of 40 per frame (fast). In the fast range, an
    unmatched detection on the slow object is no false positive, one far from both counts 1/2 (half of the
    image's gts are ignored), a detection on the fast object is a true positive."""
    from trackbench.metrics.ap.vid_fgfa import fgfa_motion_map

    frames = [[(1, [0.0, 0.0, 40.0, 40.0]), (2, [100.0 + 20.0 * f, 100.0, 40.0, 40.0])] for f in range(3)]
    box_gt = _vid_gt(tmp_path, frames)
    m = motion_iou(box_gt)
    assert np.all(m[box_gt.instance == 1] == 1.0) and np.all(m[box_gt.instance == 2] < 0.7)
    dets = [{"image_id": 2, "category_id": 1, "bbox": [100.0 + 20.0, 100.0, 40.0, 40.0], "score": 0.5},
            {"image_id": 2, "category_id": 1, "bbox": [0.0, 0.0, 40.0, 40.0], "score": 0.9},
            {"image_id": 2, "category_id": 1, "bbox": [400.0, 400.0, 40.0, 40.0], "score": 0.8}]
    res = box_results(tmp_path / "r.json", dets, box_gt.image_to_video, box_gt.category_ids)
    fast = fgfa_motion_map(box_gt, res, m)["fast"]["per_class"][1]
    # fast gts: 3; by score: slow-object hit (ignored: tp 0, fp 0), far box (fp 1/2), fast-object hit (tp 1)
    # precision 0, 0, 1 / 1.5 at recalls 0, 0, 1/3 -> AP = 1/3 * 2/3
    assert fast == pytest.approx((1 / 3) * (2 / 3))
    slow = fgfa_motion_map(box_gt, res, m)["slow"]["per_class"][1]
    assert slow == pytest.approx(1 / 3)  # slow gts: 3, one found first (precision 1 at recall 1/3)


def test_vid_on_mmtracking_cocovid_fixture_matches_pycocotools(tmp_path, realdata):
    """MMTracking's CocoVID test file (its format, synthetic boxes): gt-derived detections, some shifted."""
    gt = json.loads((realdata / "mmtracking_tests/tests/data/demo_cocovid_data/ann.json").read_text())
    dets = []
    for k, a in enumerate(gt["annotations"]):
        x, y, w, h = a["bbox"]
        shift = (k % 3) * 0.3 * w
        dets.append({"image_id": a["image_id"], "category_id": a["category_id"], "bbox": [x + shift, y, w, h],
                     "score": 0.9 - 0.05 * k})
    ev = cocoeval_stats(gt, dets)
    result = ours(tmp_path, gt, dets, motion=True)
    np.testing.assert_allclose([result.overall[k] for k in STAT_NAMES], ev.stats, rtol=0, atol=1e-12)
    assert 0 < result.overall["AP50"] < 1
