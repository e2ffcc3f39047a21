"""Official TETA on BDD100K MOT for given Scalabel ``<video>.json`` folders, in the oracle environment
(tools/oracles/build_teta_env.sh): the SysCV/tet ``teta`` package's ``BDD`` dataset preprocessing,
``teta.eval.eval_sequence`` and ``TETA(exhaustive=True)`` with its class combinations, fed the way the Scalabel
evaluator feeds it (github.com/scalabel/scalabel@400c190ba3073d83adccc85c0f54eebf3499da3a,
``scalabel/eval/teta.py``: its ``BDD100K`` dataset subclass and ``combine_results``). Scalabel itself is not
installed (it pulls pydantic 1, pandas, pycocotools, trackeval); this script restates its in-memory conversion,
which is small:

- per video, frames sorted by ``frameIndex`` (``index`` when a file has only that: TrackEval's older layout); the
  result frames are paired with the gt frames by frame index (Scalabel pairs them by position, the same when both
  list the same frames);
- label ids: strings; when any is not all digits, every id of the video is replaced by its rank among the sorted
  distinct ids (``label_ids_to_int``), then ``astype(int)``;
- gt labels of ``other person`` / ``trailer`` / ``other vehicle``, or with a true ``attributes["crowd"]``, are
  ``gt_crowd_ignore_regions``; every box is ``[x1, y1, x2 - x1 + 1, y2 - y1 + 1]``; class ids are Scalabel's
  (pedestrian 1 ... bicycle 11);
- combination: per class ``combine_sequences`` over the videos in name order, ``AVERAGE`` =
  ``combine_classes_class_averaged(ignore_empty=True)``, ``OVERALL`` = ``combine_classes_det_averaged`` over the
  eight classes, super-categories (human, vehicle, bike) detection-averaged.

Writes JSON: every TETA field's mean over alpha (fractions, before Scalabel's x100) per class (combined and per
video: ``combine_sequences`` of that video alone), for AVERAGE (``cls_comb_cls_av``), OVERALL
(``cls_comb_det_av``) and HUMAN / VEHICLE / BIKE.

    ~/oracle-envs/teta/bin/python tools/oracles/teta_bdd100k_official.py --gt GT_DIR --results RES_DIR --out X.json
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from pathlib import Path

import numpy as np
import teta
from teta.datasets import BDD
from teta.eval import eval_sequence

CLASS_IDS = {"pedestrian": 1, "rider": 2, "other person": 3, "car": 4, "bus": 5, "truck": 6, "train": 7,
             "trailer": 8, "other vehicle": 9, "motorcycle": 10, "bicycle": 11}
CLASSES = ["pedestrian", "rider", "car", "bus", "truck", "train", "motorcycle", "bicycle"]
DISTRACTORS = ["other person", "trailer", "other vehicle"]
SUPER = {"HUMAN": ["pedestrian", "rider"], "VEHICLE": ["car", "truck", "bus", "train"],
         "BIKE": ["motorcycle", "bicycle"]}
FIELDS = ["TETA", "LocA", "AssocA", "ClsA", "LocRe", "LocPr", "AssocRe", "AssocPr", "ClsRe", "ClsPr"]


def frame_index(frame: dict):
    return frame["frameIndex"] if frame.get("frameIndex") is not None else frame.get("index", 0)


def ids_to_int(frames: list[dict]) -> None:
    ids = [str(label["id"]) for f in frames for label in f.get("labels") or []]
    for f in frames:
        for label in f.get("labels") or []:
            label["id"] = str(label["id"])
    if any(not i.isdigit() for i in ids):
        rank = {y: x + 1 for x, y in enumerate(sorted(set(ids)))}
        for f in frames:
            for label in f.get("labels") or []:
                label["id"] = str(rank[label["id"]])


def xywh(label: dict) -> list[float]:
    b = {k: float(v) for k, v in label["box2d"].items()}
    return [b["x1"], b["y1"], b["x2"] - b["x1"] + 1, b["y2"] - b["y1"] + 1]


class ScalabelBDD(BDD):
    """teta's BDD dataset with the raw data Scalabel's subclass gives it."""

    def __init__(self, gts: list[dict], results: list[dict]):  # noqa: D107 - like Scalabel, no super().__init__
        self.gts, self.results = gts, results
        self.class_list = list(CLASSES)
        self.cls_name2clsid = {k: v for k, v in CLASS_IDS.items() if k in self.class_list}
        self.clsid2cls_name = {v: k for k, v in CLASS_IDS.items() if k in self.class_list}

    def _load_raw_file(self, tracker, seq, is_gt):
        data = self.gts if is_gt else self.results
        ids_to_int(data)
        n = len(data)
        raw = {"ids": [None] * n, "classes": [None] * n, "dets": [None] * n}
        if is_gt:
            raw["gt_crowd_ignore_regions"] = [None] * n
        for t in range(n):
            labels = data[t].get("labels") or []
            keep, ignore = [], []
            for label in labels:
                attributes = label.get("attributes")
                crowd = attributes is not None and "crowd" in attributes and attributes["crowd"]
                (ignore if is_gt and (label["category"] in DISTRACTORS or crowd) else keep).append(label)
            if keep:
                raw["dets"][t] = np.atleast_2d([xywh(x) for x in keep]).astype(float)
                raw["ids"][t] = np.atleast_1d([x["id"] for x in keep]).astype(int)
                raw["classes"][t] = np.atleast_1d([CLASS_IDS[x["category"]] for x in keep]).astype(int)
            else:
                raw["dets"][t] = np.empty((0, 4)).astype(float)
                raw["ids"][t] = np.empty(0).astype(int)
                raw["classes"][t] = np.empty(0).astype(int)
            if is_gt:
                raw["gt_crowd_ignore_regions"][t] = (np.atleast_2d([xywh(x) for x in ignore]).astype(float)
                                                     if ignore else np.empty((0, 4)).astype(float))
        prefix = "gt_" if is_gt else "tk_"
        for k in ("ids", "classes", "dets"):
            raw[prefix + k] = raw.pop(k)
        raw["num_timesteps"] = n
        raw["seq"] = seq
        return raw


def load_video(gt_path: Path, res_path: Path) -> tuple[list[dict], list[dict]]:
    gts = sorted(json.loads(gt_path.read_text()), key=frame_index)
    res = json.loads(res_path.read_text()) if res_path.is_file() else []
    by_index = {frame_index(f): f for f in res}
    return gts, [by_index.get(frame_index(f), {"labels": []}) for f in gts]


def means(res: dict) -> dict:
    return {f: float(np.mean(res[f])) for f in FIELDS}


def evaluate(gt_dir: Path, res_dir: Path) -> dict:
    metric = teta.metrics.TETA(exhaustive=True)
    per_video = {}
    for gt_path in sorted(gt_dir.glob("*.json")):
        seq = gt_path.stem
        gts, res = load_video(gt_path, res_dir / gt_path.name)
        with contextlib.redirect_stdout(io.StringIO()):
            per_video[seq] = eval_sequence(seq, ScalabelBDD(gts, res), "tracker", list(CLASSES), [metric], ["TETA"])
    out = {"classes": {}}
    combined = {}
    for cls in CLASSES:
        curr = {seq: v[cls]["TETA"] for seq, v in per_video.items()}
        combined[cls] = metric.combine_sequences(curr)
        out["classes"][cls] = {
            "combined": means(combined[cls][50]),
            "sequences": {seq: means(metric.combine_sequences({seq: r})[50]) for seq, r in curr.items()},
        }
    average = metric.combine_classes_class_averaged({c: combined[c] for c in CLASSES}, ignore_empty=True)
    overall = metric.combine_classes_det_averaged({c: combined[c] for c in CLASSES})
    out["classes"]["cls_comb_cls_av"] = {"combined": means(average[50])}
    out["classes"]["cls_comb_det_av"] = {"combined": means(overall[50])}
    for name, members in SUPER.items():
        sub = metric.combine_classes_det_averaged({c: combined[c] for c in members})
        out["classes"][name] = {"combined": means(sub[50])}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gt", type=Path, required=True)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = evaluate(args.gt, args.results)
    args.out.write_text(json.dumps(result, indent=1, sort_keys=False) + "\n")


if __name__ == "__main__":
    main()
