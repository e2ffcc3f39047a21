"""YouTube-VIS video AP: hand-built video IoU, ytvoseval parity (pycocotools COCOeval driven with ytvoseval's video
IoU, written here from ytvoseval.computeIoU), and TrackEval's TrackMAP on its YouTubeVIS dataset."""

from __future__ import annotations

import contextlib
import copy
import io
import json

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from trackbench.errors import InputFileError
from trackbench.metrics.ap.results import mask_track_results, read_results_json
from trackbench.metrics.ap.vis import (
    compute_video_ious,
    evaluate_vis,
    evaluate_vis_trackmap,
    read_mask_track_gt,
)

STAT_NAMES = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
H, W = 300, 400


def rle(mask: np.ndarray) -> dict:
    r = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(r["size"][0]), int(r["size"][1])], "counts": r["counts"].decode("ascii")}


def uncompressed(mask: np.ndarray) -> dict:
    flat = mask.astype(np.uint8).flatten(order="F")
    change = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.r_[0, change, len(flat)]
    runs = np.diff(bounds).tolist()
    if flat[0] == 1:
        runs = [0] + runs
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": runs}


def box_mask(x, y, w, h, jitter=None):
    m = np.zeros((H, W), dtype=np.uint8)
    x0, y0 = int(np.clip(x, 0, W - 1)), int(np.clip(y, 0, H - 1))
    m[y0: int(np.clip(y + h, y0 + 1, H)), x0: int(np.clip(x + w, x0 + 1, W))] = 1
    if jitter is not None:
        m ^= (jitter.random((H, W)) < 0.03).astype(np.uint8) & m
    return m


def make_vis_case(seed: int, n_videos=4, n_frames=5, n_cats=3, crowd=0.0, big=False):
    """CocoVID gt with RLE masks per frame (tracks that start late, end early, last one frame), predictions."""
    rng = np.random.default_rng(seed)
    cats = [{"id": c + 1, "name": f"k{c + 1}"} for c in range(n_cats + 1)]  # the last has no gt
    videos, images, anns, results = [], [], [], []
    img_id = ann_id = 0
    scale = 5 if big else 1
    for v in range(n_videos):
        name = f"vid{(7 * v) % n_videos:03d}"
        videos.append({"id": v + 1, "name": name, "width": W, "height": H})
        ids = []
        for f in range(n_frames):
            img_id += 1
            ids.append(img_id)
            images.append({"id": img_id, "video_id": v + 1, "frame_id": f, "file_name": f"{name}/{f:05d}.jpg",
                           "width": W, "height": H})
        n_obj = 0 if v == 1 else int(rng.integers(1, 4))  # video 1: empty
        for o in range(n_obj):
            cat = int(rng.integers(1, n_cats + 1))
            start = int(rng.integers(0, n_frames))
            length = 1 if rng.random() < 0.25 else int(rng.integers(1, n_frames - start + 1))
            w, h = rng.uniform(8, 60) * (scale if rng.random() < 0.5 else 1), rng.uniform(8, 50) * scale
            x, y = rng.uniform(0, W - min(w, W - 10)), rng.uniform(0, H - min(h, H - 10))
            vx, vy = rng.normal(0, 3, 2)
            is_crowd = int(rng.random() < crowd)
            masks = {}
            for f in range(start, start + length):
                m = box_mask(x + vx * f, y + vy * f, w, h, rng)
                masks[f] = m
                ann_id += 1
                anns.append({"id": ann_id, "image_id": ids[f], "video_id": v + 1, "category_id": cat,
                             "instance_id": o + 1, "bbox": [0.0, 0.0, 1.0, 1.0], "area": float(m.sum()),
                             "iscrowd": is_crowd, "segmentation": rle(m)})
            for _ in range(int(rng.integers(0, 3))):  # predictions following the object, shifted
                dx, dy = rng.normal(0, 0.15, 2) * [w, h]
                segs = [None] * n_frames
                for f in range(n_frames):
                    if f in masks and rng.random() < 0.9:
                        segs[f] = rle(box_mask(x + vx * f + dx, y + vy * f + dy, w * rng.uniform(0.8, 1.2), h))
                    elif rng.random() < 0.1:
                        segs[f] = rle(np.zeros((H, W), np.uint8))  # an empty mask: truthy, area 0
                pcat = cat if rng.random() < 0.8 else int(rng.integers(1, n_cats + 1))
                results.append({"video_id": v + 1, "category_id": pcat, "score": float(rng.random()),
                                "segmentations": segs})
        for _ in range(int(rng.integers(0, 3))):  # false positives
            segs = [rle(box_mask(*rng.uniform(0, 200, 4))) if rng.random() < 0.6 else None for _ in range(n_frames)]
            results.append({"video_id": v + 1, "category_id": int(rng.integers(1, n_cats + 2)),
                            "score": float(rng.random()), "segmentations": segs})
    gt = {"videos": videos, "images": images, "annotations": anns, "categories": cats}
    return gt, results


# --- oracle 1: pycocotools COCOeval with ytvoseval's video IoU and average areas ------------------------------


def ytvoseval_oracle(gt: dict, results: list):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    n_frames = {v["id"]: 0 for v in gt["videos"]}
    frame_of = {}
    for im in gt["images"]:
        frame_of[im["id"]] = im["frame_id"]
        n_frames[im["video_id"]] += 1
    tracks = {}
    for a in gt["annotations"]:
        key = (a["video_id"], a["instance_id"])
        if key not in tracks:
            tracks[key] = {"id": len(tracks) + 1, "image_id": a["video_id"], "category_id": a["category_id"],
                           "iscrowd": a["iscrowd"], "segmentations": [None] * n_frames[a["video_id"]],
                           "areas": [None] * n_frames[a["video_id"]], "bbox": [0, 0, 1, 1]}
        tracks[key]["segmentations"][frame_of[a["image_id"]]] = a["segmentation"]
        tracks[key]["areas"][frame_of[a["image_id"]]] = a["area"]
    for t in tracks.values():
        kept = [x for x in t["areas"] if x]
        t["area"] = float(np.mean(kept)) if kept else 0
    dts = []
    for i, r in enumerate(results):
        areas = [float(mask_utils.area(s)) if s else None for s in r["segmentations"]]
        kept = [x for x in areas if x]
        dts.append({"id": i + 1, "image_id": r["video_id"], "category_id": r["category_id"], "score": r["score"],
                    "segmentations": r["segmentations"], "area": float(np.mean(kept)) if kept else 0,
                    "iscrowd": 0, "bbox": [0, 0, 1, 1]})
    images = [{"id": v["id"]} for v in gt["videos"]]

    class VideoEval(COCOeval):
        def computeIoU(self, vid, cat):
            g, d = self._gts[vid, cat], self._dts[vid, cat]
            if len(g) == 0 and len(d) == 0:
                return []
            inds = np.argsort([-x["score"] for x in d], kind="mergesort")
            d = [d[i] for i in inds][: self.params.maxDets[-1]]
            ious = np.zeros([len(d), len(g)])
            for i, j in np.ndindex(ious.shape):
                inter = union = 0.0
                for ds, gs in zip(d[i]["segmentations"], g[j]["segmentations"]):
                    if ds and gs:
                        inter += mask_utils.area(mask_utils.merge([ds, gs], True))
                        union += mask_utils.area(mask_utils.merge([ds, gs], False))
                    elif not ds and gs:
                        union += mask_utils.area(gs)
                    elif ds and not gs:
                        union += mask_utils.area(ds)
                ious[i, j] = inter / union if union > 0 else 0.0
            return ious

    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt, coco_dt = COCO(), COCO()
        coco_gt.dataset = {"images": images, "annotations": list(tracks.values()), "categories": gt["categories"]}
        coco_dt.dataset = {"images": images, "annotations": dts, "categories": gt["categories"]}
        coco_gt.createIndex()
        coco_dt.createIndex()
        ev = VideoEval(coco_gt, coco_dt, "bbox")
        ev.params.areaRng = [[0**2, 1e5**2], [0**2, 128**2], [128**2, 256**2], [256**2, 1e5**2]]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


# --- oracle 2: TrackEval's TrackMAP on its YouTubeVIS layout ----------------------------------------------------


def trackeval_vis(tmp_path, gt: dict, results: list, name="trk"):
    import trackeval

    split = "val_sub"
    gt_dir = tmp_path / "te_gt" / f"youtube_vis_{split}"
    tr_dir = tmp_path / "te_tr" / f"youtube_vis_{split}" / name / "data"
    gt_dir.mkdir(parents=True, exist_ok=True)
    tr_dir.mkdir(parents=True, exist_ok=True)
    vids = {v["id"]: v for v in gt["videos"]}
    frames = {v["id"]: [] for v in gt["videos"]}
    for im in sorted(gt["images"], key=lambda i: i["frame_id"]):
        frames[im["video_id"]].append(im)
    index = {im["id"]: f for fr in frames.values() for f, im in enumerate(fr)}
    tracks = {}
    for a in gt["annotations"]:
        key = (a["video_id"], a["instance_id"])
        n = len(frames[a["video_id"]])
        if key not in tracks:
            tracks[key] = {"id": len(tracks) + 1, "video_id": a["video_id"], "category_id": a["category_id"],
                           "iscrowd": a["iscrowd"], "height": H, "width": W, "length": 1,
                           "segmentations": [None] * n, "areas": [None] * n, "bboxes": [None] * n}
        m = mask_utils.decode(a["segmentation"])
        tracks[key]["segmentations"][index[a["image_id"]]] = uncompressed(m)
        tracks[key]["areas"][index[a["image_id"]]] = a["area"]
    yt = {"videos": [{"id": i, "width": W, "height": H, "length": len(frames[i]),
                      "file_names": [im["file_name"] for im in frames[i]]} for i in vids],
          "annotations": list(tracks.values()), "categories": gt["categories"]}
    (gt_dir / "gt.json").write_text(json.dumps(yt))
    (tr_dir / "res.json").write_text(json.dumps(results))
    eval_cfg = {"USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False, "TIME_PROGRESS": False,
                "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False, "PLOT_CURVES": False, "LOG_ON_ERROR": None}
    ds_cfg = {"GT_FOLDER": str(tmp_path / "te_gt") + "/", "TRACKERS_FOLDER": str(tmp_path / "te_tr") + "/",
              "SPLIT_TO_EVAL": split, "TRACKERS_TO_EVAL": [name], "PRINT_CONFIG": False,
              "OUTPUT_FOLDER": str(tmp_path / "te_out")}
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator = trackeval.Evaluator(eval_cfg)
        dataset = trackeval.datasets.YouTubeVIS(ds_cfg)
        metric = trackeval.metrics.TrackMAP({"PRINT_CONFIG": False, "USE_TIME_RANGES": False})
        out, _ = evaluator.evaluate([dataset], [metric])
    return out["YouTubeVIS"][name]["COMBINED_SEQ"]["cls_comb_cls_av"]["TrackMAP"]


def ours(tmp_path, gt: dict, results: list):
    path = tmp_path / "gt_ours.json"
    path.write_text(json.dumps(gt))
    mgt = read_mask_track_gt(path)
    res = mask_track_results(tmp_path / "r.json", copy.deepcopy(results), mgt.videos, mgt.category_ids)
    return mgt, res


@pytest.mark.parametrize("seed", range(8))
def test_vis_matches_ytvoseval_random(tmp_path, seed):
    gt, results = make_vis_case(seed, crowd=0.2 if seed % 2 else 0.0, big=seed % 3 == 0)
    ev = ytvoseval_oracle(copy.deepcopy(gt), copy.deepcopy(results))
    mgt, res = ours(tmp_path, gt, results)
    out = evaluate_vis(mgt, res)
    np.testing.assert_allclose([out.overall[k] for k in STAT_NAMES], ev.stats, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.accumulation.precision, ev.eval["precision"], rtol=0, atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", range(5))
def test_vis_trackmap_matches_trackeval(tmp_path, oracle_numpy, seed):
    gt, results = make_vis_case(seed + 20, crowd=0.2 if seed % 2 else 0.0, big=seed % 2 == 0)
    theirs = trackeval_vis(tmp_path, copy.deepcopy(gt), copy.deepcopy(results))
    mgt, res = ours(tmp_path, gt, results)
    mine = evaluate_vis_trackmap(mgt, res)
    for field in ("AP_all", "AR_all", "AP_area_s", "AP_area_m", "AP_area_l", "AR_area_s", "AR_area_m", "AR_area_l"):
        assert mine[field] == pytest.approx(float(np.mean(theirs[field])), abs=1e-12), field


@pytest.mark.oracle
def test_vis_ap_equals_trackmap_where_definitions_coincide(tmp_path, oracle_numpy):
    """No crowd, < 100 predictions per video and class, and the first prediction (TrackEval's track id 0) matching
    nothing: ytvoseval's AP / AR100 equal TrackMAP's AP_all / AR_all."""
    gt, results = make_vis_case(41, n_videos=5, crowd=0.0)
    first_video = min(gt["videos"], key=lambda v: v["name"])["id"]
    n = len([im for im in gt["images"] if im["video_id"] == first_video])
    results.insert(0, {"video_id": first_video, "category_id": 1, "score": 0.01, "segmentations": [None] * n})
    theirs = trackeval_vis(tmp_path, copy.deepcopy(gt), copy.deepcopy(results))
    mgt, res = ours(tmp_path, gt, results)
    coco = evaluate_vis(mgt, res).overall
    assert coco["AP"] == pytest.approx(float(np.mean(theirs["AP_all"])), abs=1e-12)
    assert coco["AR100"] == pytest.approx(float(np.mean(theirs["AR_all"])), abs=1e-12)


def test_video_iou_hand_built(tmp_path):
    """gt present on frames 0-1 (10 px each), prediction on frames 1-2 (10 px each, 5 px overlap on frame 1):
    IoU = 5 / (10 + 15 + 10) = 1/7."""
    def m(x0, x1):
        a = np.zeros((H, W), np.uint8)
        a[0, x0:x1] = 1
        return a

    gt = {"videos": [{"id": 1, "name": "v", "width": W, "height": H}],
          "images": [{"id": i + 1, "video_id": 1, "frame_id": i} for i in range(3)],
          "annotations": [{"id": i + 1, "image_id": i + 1, "video_id": 1, "category_id": 1, "instance_id": 1,
                           "bbox": [0, 0, 1, 1], "area": 10.0, "segmentation": rle(m(0, 10))} for i in range(2)],
          "categories": [{"id": 1, "name": "a"}]}
    results = [{"video_id": 1, "category_id": 1, "score": 0.9,
                "segmentations": [None, rle(m(5, 15)), rle(m(20, 30))]}]
    mgt, res = ours(tmp_path, gt, results)
    vi = compute_video_ious(mgt, res)
    assert vi.ious[1][0, 0] == pytest.approx(5 / 35)
    out = evaluate_vis(mgt, res).overall
    assert out["AP50"] == 0.0 and out["AR100"] == 0.0  # 1/7 < 0.5
    results[0]["segmentations"] = [rle(m(0, 10)), rle(m(0, 10)), None]
    mgt, res = ours(tmp_path, gt, results)
    assert evaluate_vis(mgt, res).overall["AP"] == pytest.approx(1.0)


def test_vis_results_validation_names_the_record(tmp_path):
    gt, results = make_vis_case(3)
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt))
    mgt = read_mask_track_gt(path)
    bad = copy.deepcopy(results)
    bad[1]["segmentations"] = bad[1]["segmentations"][:-1]
    with pytest.raises(InputFileError, match=r"results\[1\]: segmentations must list 5 entries"):
        mask_track_results(tmp_path / "r.json", bad, mgt.videos, mgt.category_ids)
    bad = copy.deepcopy(results)
    k = next(i for i, r in enumerate(bad) if any(s for s in r["segmentations"]))
    f = next(i for i, s in enumerate(bad[k]["segmentations"]) if s)
    bad[k]["segmentations"][f]["counts"] = bad[k]["segmentations"][f]["counts"][:-1] + "~"
    with pytest.raises(InputFileError, match=rf"results\[{k}\]: segmentations\[{f}\] is not a valid compressed RLE"):
        mask_track_results(tmp_path / "r.json", bad, mgt.videos, mgt.category_ids)
    bad = copy.deepcopy(results)
    bad[0]["video_id"] = 77
    with pytest.raises(InputFileError, match=r"results\[0\]: video_id 77"):
        mask_track_results(tmp_path / "r.json", bad, mgt.videos, mgt.category_ids)
    bad = copy.deepcopy(results)
    del bad[2]["score"]
    with pytest.raises(InputFileError, match=r"results\[2\]: lacks 'score'"):
        mask_track_results(tmp_path / "r.json", bad, mgt.videos, mgt.category_ids)


def test_vis_gt_with_a_damaged_mask_names_the_annotation(tmp_path):
    gt, _ = make_vis_case(5)
    gt["annotations"][2]["segmentation"]["counts"] += "3"
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(gt))
    with pytest.raises(InputFileError, match=r"annotations\[2\] \(id 3\): 'segmentation' is not a valid RLE"):
        read_mask_track_gt(path)


def test_vis_on_mmtracking_fixture(tmp_path, realdata):
    """MMTracking's YouTube-VIS test file (CocoVID with RLE masks, synthetic content): its own masks score AP 1;
    one track's second frame dropped matches the ytvoseval oracle."""
    gt = json.loads((realdata / "mmtracking_tests/tests/data/demo_vis_data/ann.json").read_text())
    frame = {im["id"]: im["frame_id"] for im in gt["images"]}
    n = len(gt["images"])
    tracks = {}
    for a in gt["annotations"]:
        key = (a["video_id"], a["instance_id"], a["category_id"])
        tracks.setdefault(key, [None] * n)[frame[a["image_id"]]] = a["segmentation"]
    results = [{"video_id": v, "category_id": c, "score": 0.9, "segmentations": s} for (v, _, c), s in tracks.items()]
    mgt, res = ours(tmp_path, gt, results)
    assert evaluate_vis(mgt, res).overall["AP"] == pytest.approx(1.0)
    results[0]["segmentations"][-1] = None
    ev = ytvoseval_oracle(copy.deepcopy(gt), copy.deepcopy(results))
    mgt, res = ours(tmp_path, gt, results)
    np.testing.assert_allclose([evaluate_vis(mgt, res).overall[k] for k in STAT_NAMES], ev.stats, rtol=0, atol=1e-12)
