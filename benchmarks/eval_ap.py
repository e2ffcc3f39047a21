"""AP evaluation speed: trackbench vs TrackEval's TrackMAP (the oracle), timed in the same run on the same files.

Two synthetic sets, sizes by flag:

* YouTube-VIS valid size: 300 videos x 30 frames, 720x1280 masks (rectangles made RLE directly), ~2 gt tracks and
  10 predicted tracks per video over 40 classes. Ours: ``trackbench eval --task vis`` path (load gt and results,
  ytvoseval AP and TrackMAP); oracle: TrackEval ``datasets.YouTubeVIS`` + ``metrics.TrackMAP``.
* TAO val size: 988 videos x 37 annotated frames, ~3.5 gt tracks and 12 predicted tracks per video, 30 classes
  by default (TAO val has ~300 classes with gt: TrackEval would then need about 20 minutes). Ours:
  ``--task tao``; oracle: TrackEval ``datasets.TAO`` + ``metrics.TrackMAP``.

Both sides include reading the JSON files and are single-threaded; each side runs ``--repeats`` times and its
fastest run counts (TrackEval on the TAO set runs once). The script prints CPU and wall times, the
ratio of CPU times (target >= 5x; CPU time because the machine may be shared) and whether the numbers agree
(max abs difference of every TrackMAP field, averaged over the IoU thresholds as TrackEval summarizes).

    python benchmarks/eval_ap.py --quick          # small sizes, about half a minute
    python benchmarks/eval_ap.py                  # full sizes, a few minutes (most of it TrackEval)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

import numpy as np

TARGET_RATIO = 5.0


def _restore_numpy_aliases() -> None:  # TrackEval still uses np.float & co. (oracle only)
    for name, value in {"float": float, "int": int, "bool": bool, "object": object, "str": str}.items():
        if name not in np.__dict__:
            setattr(np, name, value)


def box_rle_counts(h: int, w: int, x0: int, y0: int, x1: int, y1: int) -> list[int]:
    """Uncompressed column-major RLE of the box [x0, x1) x [y0, y1) in an h x w frame."""
    n_cols = x1 - x0
    counts = np.empty(2 * n_cols + 1, dtype=np.int64)
    counts[0] = x0 * h + y0
    counts[1:-1:2] = y1 - y0
    counts[2:-1:2] = h - (y1 - y0)
    counts[-1] = h - y1 + (w - x1) * h
    return counts.tolist()


def make_vis_set(rng, n_videos, n_frames, n_classes, h, w, dt_per_video):
    from pycocotools import mask as mask_utils

    def rle(box, compressed=True):
        x0, y0, x1, y1 = box
        x0, x1 = int(np.clip(x0, 0, w - 1)), int(np.clip(x1, 1, w))
        y0, y1 = int(np.clip(y0, 0, h - 1)), int(np.clip(y1, 1, h))
        x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
        un = {"size": [h, w], "counts": box_rle_counts(h, w, x0, y0, x1, y1)}
        if not compressed:
            return un, (x1 - x0) * (y1 - y0)
        r = mask_utils.frPyObjects(un, h, w)
        return {"size": [h, w], "counts": r["counts"].decode("ascii")}, (x1 - x0) * (y1 - y0)

    cats = [{"id": c + 1, "name": f"class{c + 1}"} for c in range(n_classes)]
    videos, images, anns, yt_videos, yt_anns, results = [], [], [], [], [], []
    img_id = ann_id = 0
    for v in range(n_videos):
        name = f"{v:08x}"
        videos.append({"id": v + 1, "name": name, "width": w, "height": h})
        files = [f"{name}/{f:05d}.jpg" for f in range(n_frames)]
        yt_videos.append({"id": v + 1, "width": w, "height": h, "length": n_frames, "file_names": files})
        ids = []
        for f in range(n_frames):
            img_id += 1
            ids.append(img_id)
            images.append({"id": img_id, "video_id": v + 1, "frame_id": f, "file_name": files[f], "width": w,
                           "height": h})
        for o in range(int(rng.integers(1, 4))):
            cat = int(rng.integers(1, n_classes + 1))
            bw, bh = rng.uniform(30, w / 2), rng.uniform(30, h / 2)
            x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            vel = rng.normal(0, 4, 2)
            start = int(rng.integers(0, n_frames // 2))
            end = int(rng.integers(start + 1, n_frames + 1))
            yt = {"id": len(yt_anns) + 1, "video_id": v + 1, "category_id": cat, "iscrowd": 0, "height": h,
                  "width": w, "length": 1, "segmentations": [None] * n_frames, "areas": [None] * n_frames,
                  "bboxes": [None] * n_frames}
            boxes = {}
            for f in range(start, end):
                box = (x + vel[0] * f, y + vel[1] * f, x + vel[0] * f + bw, y + vel[1] * f + bh)
                boxes[f] = box
                seg, area = rle(box)
                un, _ = rle(box, compressed=False)
                ann_id += 1
                anns.append({"id": ann_id, "image_id": ids[f], "video_id": v + 1, "category_id": cat,
                             "instance_id": o + 1, "bbox": [box[0], box[1], bw, bh], "area": float(area),
                             "iscrowd": 0, "segmentation": seg})
                yt["segmentations"][f] = un
                yt["areas"][f] = float(area)
            yt_anns.append(yt)
            for _ in range(int(rng.integers(1, 4))):
                d = rng.normal(0, 0.1, 4) * [bw, bh, bw, bh]
                segs = [rle((b[0] + d[0], b[1] + d[1], b[2] + d[2], b[3] + d[3]))[0] if f in boxes else None
                        for f, b in ((f, boxes.get(f, (0, 0, 1, 1))) for f in range(n_frames))]
                results.append({"video_id": v + 1, "category_id": cat if rng.random() < 0.8 else
                                int(rng.integers(1, n_classes + 1)), "score": float(rng.random()),
                                "segmentations": segs})
        while sum(1 for r in results if r["video_id"] == v + 1) < dt_per_video:
            bw, bh = rng.uniform(30, w / 3), rng.uniform(30, h / 3)
            x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            segs = [rle((x, y, x + bw, y + bh))[0] if rng.random() < 0.7 else None for _ in range(n_frames)]
            results.append({"video_id": v + 1, "category_id": int(rng.integers(1, n_classes + 1)),
                            "score": float(rng.random()), "segmentations": segs})
    cocovid = {"videos": videos, "images": images, "annotations": anns, "categories": cats}
    ytvis = {"videos": yt_videos, "annotations": yt_anns, "categories": cats}
    return cocovid, ytvis, results


def make_tao_set(rng, n_videos, n_frames, n_classes, tracks_per_video, dt_per_video):
    cats = [{"id": c + 1, "name": f"class{c + 1}"} for c in range(n_classes)]
    videos, images, anns, tracks, dets = [], [], [], [], []
    img_id = ann_id = track_id = 0
    for v in range(n_videos):
        videos.append({"id": v + 1, "name": f"val/src/{v:06d}", "width": 1280, "height": 720,
                       "neg_category_ids": [int(c) for c in rng.choice(n_classes, 3, replace=False) + 1],
                       "not_exhaustive_category_ids": [int(c) for c in rng.choice(n_classes, 1) + 1]})
        ids = []
        for f in range(n_frames):
            img_id += 1
            ids.append(img_id)
            images.append({"id": img_id, "video_id": v + 1, "frame_id": f, "frame_index": 30 * f,
                           "file_name": f"{v}/{f}.jpg", "width": 1280, "height": 720})
        n_tracks = int(rng.poisson(tracks_per_video)) + 1
        tid = 0
        for _ in range(n_tracks):
            track_id += 1
            cat = int(rng.integers(1, n_classes + 1))
            tracks.append({"id": track_id, "category_id": cat, "video_id": v + 1})
            bw, bh = rng.uniform(10, 400), rng.uniform(10, 300)
            x, y, vel = rng.uniform(0, 800), rng.uniform(0, 400), rng.normal(0, 8, 2)
            start = int(rng.integers(0, n_frames))
            end = int(rng.integers(start + 1, n_frames + 1))
            boxes = []
            for f in range(start, end):
                box = [float(x + vel[0] * f), float(y + vel[1] * f), float(bw), float(bh)]
                ann_id += 1
                anns.append({"id": ann_id, "image_id": ids[f], "video_id": v + 1, "category_id": cat,
                             "track_id": track_id, "bbox": box, "area": box[2] * box[3], "iscrowd": 0})
                boxes.append((ids[f], box))
            for _ in range(int(rng.integers(1, 3))):
                tid += 1
                pcat = cat if rng.random() < 0.7 else int(rng.integers(1, n_classes + 1))
                base = rng.random()
                for image, box in boxes:
                    n = rng.normal(0, 0.08, 4) * [box[2], box[3], box[2], box[3]]
                    dets.append({"image_id": image, "category_id": pcat, "track_id": tid,
                                 "bbox": [box[0] + n[0], box[1] + n[1], max(1.0, box[2] + n[2]),
                                          max(1.0, box[3] + n[3])],
                                 "score": float(np.clip(base + rng.normal(0, 0.05), 0.01, 1.0))})
        while tid < dt_per_video:
            tid += 1
            pcat = int(rng.integers(1, n_classes + 1))
            bw, bh, x, y = rng.uniform(10, 300), rng.uniform(10, 300), rng.uniform(0, 900), rng.uniform(0, 400)
            start = int(rng.integers(0, n_frames))
            for f in range(start, int(rng.integers(start + 1, n_frames + 1))):
                dets.append({"image_id": ids[f], "category_id": pcat, "track_id": tid,
                             "bbox": [float(x), float(y), float(bw), float(bh)], "score": float(rng.random())})
    gt = {"videos": videos, "images": images, "annotations": anns, "tracks": tracks, "categories": cats,
          "info": {}, "licenses": []}
    return gt, dets


def run_trackeval(dataset_cls, ds_cfg: dict, metric_cfg: dict, name: str):
    import trackeval

    eval_cfg = {"USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False, "TIME_PROGRESS": False,
                "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False, "PLOT_CURVES": False, "LOG_ON_ERROR": None}
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator = trackeval.Evaluator(eval_cfg)
        dataset = dataset_cls(ds_cfg)
        metric = trackeval.metrics.TrackMAP(metric_cfg)
        out, _ = evaluator.evaluate([dataset], [metric])
    key = next(iter(out))
    return out[key][name]["COMBINED_SEQ"]["cls_comb_cls_av"]["TrackMAP"]


class Timer:
    """CPU seconds of this process (the ratio uses them: the machine may be shared) and wall seconds."""

    def __enter__(self):
        self.cpu0, self.wall0 = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.cpu = time.process_time() - self.cpu0
        self.wall = time.perf_counter() - self.wall0

    def __str__(self):
        return f"{self.cpu:7.2f} s CPU ({self.wall:6.2f} s wall)"


def best_of(repeats: int, fn):
    """Run ``fn`` ``repeats`` times; the result and the Timer of the run with the least CPU time (the first run
    of a process pays for page faults and lazy imports, which is noise here, for both sides)."""
    best, result = None, None
    for _ in range(repeats):
        with Timer() as t:
            result = fn()
        if best is None or t.cpu < best.cpu:
            best = t
    return result, best


def compare(ours: dict, theirs: dict) -> float:
    return max(abs(ours[k] - float(np.mean(theirs[k]))) for k in ours if k in theirs)


def bench_vis(args, root: Path) -> None:
    from trackbench.metrics.ap.tasks import load_gt, score_results

    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    cocovid, ytvis, results = make_vis_set(rng, args.vis_videos, args.vis_frames, 40, args.vis_height,
                                           args.vis_width, args.vis_dt)
    split = "valid"
    gt_dir = root / "vis_gt" / f"youtube_vis_{split}"
    tr_dir = root / "vis_tr" / f"youtube_vis_{split}" / "bench" / "data"
    gt_dir.mkdir(parents=True)
    tr_dir.mkdir(parents=True)
    (root / "vis_cocovid.json").write_text(json.dumps(cocovid))
    (gt_dir / "gt.json").write_text(json.dumps(ytvis))
    (tr_dir / "results.json").write_text(json.dumps(results))
    n_masks = sum(1 for r in results for s in r["segmentations"] if s) + len(cocovid["annotations"])
    print(f"VIS set: {args.vis_videos} videos x {args.vis_frames} frames, {args.vis_height}x{args.vis_width}, "
          f"{len(results)} predicted tracks, {n_masks} masks (made in {time.perf_counter() - t0:.1f} s)")
    def ours_run(metrics):
        return lambda: score_results("vis", load_gt("vis", root / "vis_cocovid.json"), tr_dir / "results.json",
                                     metrics)

    only_trackmap, t_map = best_of(args.repeats, ours_run({"TrackMAP"}))
    ours, t_ours = best_of(args.repeats, ours_run({"YTVIS", "TrackMAP"}))
    assert only_trackmap["overall"]["TrackMAP_AP_all"] == ours["overall"]["TrackMAP_AP_all"]
    theirs, t_theirs = best_of(args.repeats, lambda: run_trackeval(
        __import__("trackeval").datasets.YouTubeVIS,
        {"GT_FOLDER": str(root / "vis_gt") + "/", "TRACKERS_FOLDER": str(root / "vis_tr") + "/",
         "SPLIT_TO_EVAL": split, "TRACKERS_TO_EVAL": ["bench"], "PRINT_CONFIG": False,
         "OUTPUT_FOLDER": str(root / "vis_out")},
        {"PRINT_CONFIG": False, "USE_TIME_RANGES": False}, "bench"))
    mine = {k[len("TrackMAP_"):]: v for k, v in ours["overall"].items() if k.startswith("TrackMAP_")}
    diff = compare(mine, theirs)
    o = ours["overall"]
    print(f"  ours, TrackMAP only:            {t_map}   TrackMAP AP_all {o['TrackMAP_AP_all']:.4f}")
    print(f"  ours, ytvoseval AP + TrackMAP:  {t_ours}   AP {o['AP']:.4f}  AP50 {o['AP50']:.4f}")
    print(f"  TrackEval TrackMAP:             {t_theirs}   AP_all {np.mean(theirs['AP_all']):.4f}")
    print(f"  ratio (CPU, same work: TrackMAP) {t_theirs.cpu / t_map.cpu:.1f}x, with ytvoseval too "
          f"{t_theirs.cpu / t_ours.cpu:.1f}x (target >= {TARGET_RATIO:.0f}x)   numbers agree: "
          f"{'yes' if diff < 1e-12 else 'NO'} (max |diff| {diff:.2e})")


def bench_tao(args, root: Path) -> None:
    from trackbench.metrics.ap.tasks import load_gt, score_results

    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    gt, dets = make_tao_set(rng, args.tao_videos, args.tao_frames, args.tao_classes, args.tao_tracks, args.tao_dt)
    (root / "tao_gt").mkdir()
    (root / "tao_tr" / "bench" / "data").mkdir(parents=True)
    (root / "tao_gt" / "gt.json").write_text(json.dumps(gt))
    (root / "tao_tr" / "bench" / "data" / "results.json").write_text(json.dumps(dets))
    print(f"TAO set: {args.tao_videos} videos x {args.tao_frames} frames, {args.tao_classes} classes, "
          f"{len(gt['annotations'])} gt boxes in {len(gt['tracks'])} tracks, {len(dets)} predicted boxes "
          f"(made in {time.perf_counter() - t0:.1f} s)")
    results = root / "tao_tr" / "bench" / "data" / "results.json"
    ours, t_ours = best_of(args.repeats, lambda: score_results(
        "tao", load_gt("tao", root / "tao_gt" / "gt.json"), results, {"TrackMAP"}))
    theirs, t_theirs = best_of(1, lambda: run_trackeval(
        __import__("trackeval").datasets.TAO,
        {"GT_FOLDER": str(root / "tao_gt"), "TRACKERS_FOLDER": str(root / "tao_tr"), "TRACKERS_TO_EVAL": ["bench"],
         "PRINT_CONFIG": False, "OUTPUT_FOLDER": str(root / "tao_o")},
        {"PRINT_CONFIG": False}, "bench"))
    mine = {k: v for k, v in ours["overall"].items() if k.startswith(("AP_", "AR_"))}
    diff = compare(mine, theirs)
    print(f"  ours:               {t_ours}   AP_all {ours['overall']['AP_all']:.4f}  "
          f"AP50 {ours['overall']['AP50_all']:.4f}")
    print(f"  TrackEval TrackMAP: {t_theirs}   AP_all {np.mean(theirs['AP_all']):.4f}")
    teta, t_teta = best_of(1, lambda: score_results("tao", load_gt("tao", root / "tao_gt" / "gt.json"), results,
                                                    {"TETA"}))
    print(f"  ours, TETA (no TETA oracle installed here): {t_teta}   "
          f"TETA {teta['overall']['TETA']:.4f}")
    print(f"  ratio (CPU) {t_theirs.cpu / t_ours.cpu:.1f}x (target >= {TARGET_RATIO:.0f}x)   numbers agree: "
          f"{'yes' if diff < 1e-12 else 'NO'} (max |diff| {diff:.2e})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (about 30 s)")
    parser.add_argument("--only", choices=["vis", "tao"], help="run one of the two")
    parser.add_argument("--repeats", type=int, default=2,
                        help="runs per side, the least CPU time counts (TrackEval on TAO: always 1, it is slow)")
    parser.add_argument("--vis-videos", type=int, default=300)
    parser.add_argument("--vis-frames", type=int, default=30)
    parser.add_argument("--vis-height", type=int, default=720)
    parser.add_argument("--vis-width", type=int, default=1280)
    parser.add_argument("--vis-dt", type=int, default=10, help="predicted tracks per video")
    parser.add_argument("--tao-videos", type=int, default=988)
    parser.add_argument("--tao-frames", type=int, default=37)
    parser.add_argument("--tao-classes", type=int, default=30,
                        help="classes with gt (TAO val has ~300; TrackEval's time grows with videos x classes)")
    parser.add_argument("--tao-tracks", type=float, default=3.5, help="mean gt tracks per video")
    parser.add_argument("--tao-dt", type=int, default=12, help="predicted tracks per video")
    args = parser.parse_args()
    if args.quick:
        args.vis_videos, args.vis_frames, args.tao_videos, args.tao_classes = 40, 15, 120, 30
    _restore_numpy_aliases()
    import trackeval  # noqa: F401  (imports outside the timed parts, both sides)

    import trackbench.metrics.tao.track_ap  # noqa: F401
    import trackbench.metrics.ap.vis  # noqa: F401
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.only in (None, "vis"):
            bench_vis(args, root)
        if args.only in (None, "tao"):
            bench_tao(args, root)


if __name__ == "__main__":
    main()
