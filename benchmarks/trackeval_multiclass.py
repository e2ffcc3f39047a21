"""Runs TrackEval 1.3.0 (the oracle) on KITTI (``Kitti2DBox``) or BDD100K (``BDD100K``) data and returns, or dumps
as JSON, every field per class and sequence: ``{class: {seq or "combined": {field: value}}}``; TrackEval's class
combinations (cls_comb_cls_av, cls_comb_det_av, HUMAN, VEHICLE, BIKE) appear with only "combined".

Used by benchmarks/eval_multiclass.py and the parity tests; TrackEval is a test/benchmark dependency only.
Usage: python trackeval_multiclass.py KITTI|BDD100K GT_ROOT TRACKERS_ROOT TRACKER OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

COMBINED_KEYS = ("cls_comb_cls_av", "cls_comb_det_av", "all", "HUMAN", "VEHICLE", "BIKE")


def restore_numpy_aliases() -> None:
    for name, value in {"float": float, "int": int, "bool": bool}.items():
        if name not in np.__dict__:
            setattr(np, name, value)


def run_trackeval_multiclass(benchmark: str, gt_root: str, trackers_root: str, tracker: str,
                             split: str = "training", sub_folder: str = "") -> dict:
    restore_numpy_aliases()
    import trackeval

    config = trackeval.Evaluator.get_default_eval_config()
    config.update(PRINT_RESULTS=False, PRINT_CONFIG=False, OUTPUT_SUMMARY=False, OUTPUT_DETAILED=False,
                  PLOT_CURVES=False, TIME_PROGRESS=False, DISPLAY_LESS_PROGRESS=True, BREAK_ON_ERROR=True,
                  LOG_ON_ERROR=None)
    dataset_class = {"KITTI": trackeval.datasets.Kitti2DBox, "BDD100K": trackeval.datasets.BDD100K}[benchmark]
    dataset_config = dataset_class.get_default_dataset_config()
    dataset_config.update(GT_FOLDER=gt_root, TRACKERS_FOLDER=trackers_root, TRACKERS_TO_EVAL=[tracker],
                          PRINT_CONFIG=False, TRACKER_SUB_FOLDER=sub_folder, OUTPUT_FOLDER=trackers_root)
    if benchmark == "KITTI":
        dataset_config["SPLIT_TO_EVAL"] = split
    metrics = [trackeval.metrics.HOTA({"PRINT_CONFIG": False}), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
               trackeval.metrics.Identity({"PRINT_CONFIG": False})]
    dataset = dataset_class(dataset_config)
    out, messages = trackeval.Evaluator(config).evaluate([dataset], metrics)
    res = out[dataset.get_name()][tracker]
    if res is None:
        raise RuntimeError(messages[dataset.get_name()][tracker])
    flat: dict[str, dict] = {}
    for seq, by_class in res.items():
        for cls, by_family in by_class.items():
            if seq != "COMBINED_SEQ" and cls in COMBINED_KEYS:
                continue
            fields = {}
            for fam in ("HOTA", "CLEAR", "Identity", "Count"):
                for key, value in by_family[fam].items():
                    fields[key] = np.asarray(value).tolist()
            flat.setdefault(cls, {})["combined" if seq == "COMBINED_SEQ" else seq] = fields
    flat.pop("all", None)
    return flat


def main() -> None:
    benchmark, gt_root, trackers_root, tracker, out = sys.argv[1:6]
    result = run_trackeval_multiclass(benchmark, gt_root, trackers_root, tracker)
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
