"""One entry point per AP task (vid, vis, tao): load the gt once, score any number of results files.

Each score is ``{"overall": {...}, "per_category": {name: {...}}}`` (plus ``"notes"``: counts of what a task's
rules dropped). All values are fractions in [0, 1]; -1 marks a number that is undefined (no gt in that range).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from trackbench.errors import TrackbenchError, unknown_name
from trackbench.metrics.ap.results import box_results, mask_track_results, read_results_json

# metric families per task: what --metrics may name, and what runs without it (vid's COCO AP always runs)
VALID_METRICS = {"vid": ("COCO", "motion"), "vis": ("YTVIS", "TrackMAP"), "tao": ("TrackMAP", "TETA")}
DEFAULT_METRICS = {"vid": ("COCO", "motion"), "vis": ("YTVIS",), "tao": ("TrackMAP", "TETA")}


def _score_vid(gt, path: Path, metrics: set[str]) -> dict[str, Any]:
    from trackbench.metrics.ap.vid import evaluate_vid

    records = read_results_json(path)
    dt = box_results(path, records, gt.image_to_video, gt.category_ids)
    res = evaluate_vid(gt, dt, motion="motion" in metrics)
    return {"overall": res.overall, "per_category": res.per_category}


def _score_vis(gt, path: Path, metrics: set[str]) -> dict[str, Any]:
    from trackbench.metrics.ap.vis import compute_video_ious, evaluate_vis, evaluate_vis_trackmap

    records = read_results_json(path)
    dt = mask_track_results(path, records, gt.videos, gt.category_ids)
    ious = compute_video_ious(gt, dt)
    overall, per_category = {}, {}
    if "YTVIS" in metrics:
        res = evaluate_vis(gt, dt, ious)
        overall, per_category = dict(res.overall), res.per_category
    if "TrackMAP" in metrics:
        overall.update({f"TrackMAP_{k}": v for k, v in evaluate_vis_trackmap(gt, dt, ious).items()})
    return {"overall": overall, "per_category": per_category}


def _score_tao(gt, path: Path, metrics: set[str]) -> dict[str, Any]:
    from trackbench.metrics.tao.track_ap import evaluate_tao, result_category_ids

    records = read_results_json(path)
    dt = box_results(path, records, gt.boxes.image_to_video, result_category_ids(gt), need_track=True)
    overall, per_category, notes = {}, {}, {}
    if "TrackMAP" in metrics:
        res = evaluate_tao(gt, dt, path)
        overall, notes = dict(res.overall), res.notes
        per_category = {k: dict(v) for k, v in res.per_category.items()}
    if "TETA" in metrics:
        from trackbench.metrics.tao.teta import evaluate_teta

        teta = evaluate_teta(gt, dt)
        overall.update(teta.overall)
        for name, values in teta.per_category.items():
            per_category.setdefault(name, {}).update(values)
    return {"overall": overall, "per_category": per_category, "notes": notes}


def _load_vid(path):
    from trackbench.metrics.ap.gt import read_box_gt

    return read_box_gt(path)


def _load_vis(path):
    from trackbench.metrics.ap.vis import read_mask_track_gt

    return read_mask_track_gt(path)


def _load_tao(path):
    from trackbench.metrics.tao.track_ap import read_tao_gt

    return read_tao_gt(path)


TASKS: dict[str, tuple[Callable, Callable]] = {
    "vid": (_load_vid, _score_vid),
    "vis": (_load_vis, _score_vis),
    "tao": (_load_tao, _score_tao),
}


def resolve_metrics(task: str, requested: list[str] | None) -> set[str]:
    """The families named (case-insensitive), or the task's defaults; an unknown name lists the valid ones."""
    if not requested:
        return set(DEFAULT_METRICS[task])
    chosen = set()
    for name in requested:
        valid = VALID_METRICS[task]
        match = next((v for v in valid if v.lower() == name.lower()), None)
        if match is None:
            raise unknown_name(f"metric for --task {task}", name, valid)
        chosen.add(match)
    return chosen


def load_gt(task: str, path: str | Path):
    if task not in TASKS:
        raise unknown_name("AP task", task, TASKS)
    path = Path(path)
    if not path.is_file():
        raise TrackbenchError(f"--gt {path}: expected a CocoVID JSON file")
    return TASKS[task][0](path)


def score_results(task: str, gt, results_path: str | Path, metrics: set[str]) -> dict[str, Any]:
    return TASKS[task][1](gt, Path(results_path), metrics)
