"""Runs TrackEval 1.3.0 (the oracle) on a MOTChallenge layout in a fresh process and dumps every field as JSON.

Used by benchmarks/eval_mot.py and the parity tests; TrackEval is a test/benchmark dependency only.
Usage: python trackeval_runner.py GT_ROOT TRACKERS_ROOT TRACKER BENCHMARK OUT.json [SEQ ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def restore_numpy_aliases() -> None:
    for name, value in {"float": float, "int": int, "bool": bool}.items():
        if name not in np.__dict__:
            setattr(np, name, value)


def run_trackeval(gt_root: str, trackers_root: str, tracker: str, benchmark: str, seqs: list[str] | None):
    restore_numpy_aliases()
    import trackeval

    config = trackeval.Evaluator.get_default_eval_config()
    config.update(PRINT_RESULTS=False, PRINT_CONFIG=False, OUTPUT_SUMMARY=False, OUTPUT_DETAILED=False,
                  PLOT_CURVES=False, TIME_PROGRESS=False, DISPLAY_LESS_PROGRESS=True, BREAK_ON_ERROR=True)
    if not seqs:
        seqs = sorted(p.name for p in Path(gt_root).iterdir() if (p / "gt" / "gt.txt").is_file())
    dataset_config = trackeval.datasets.MotChallenge2DBox.get_default_dataset_config()
    dataset_config.update(GT_FOLDER=gt_root, TRACKERS_FOLDER=trackers_root, SKIP_SPLIT_FOL=True,
                          TRACKERS_TO_EVAL=[tracker], SEQ_INFO={s: None for s in seqs}, PRINT_CONFIG=False,
                          BENCHMARK=benchmark, TRACKER_SUB_FOLDER="")
    metrics = [trackeval.metrics.HOTA({"PRINT_CONFIG": False}), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
               trackeval.metrics.Identity({"PRINT_CONFIG": False})]
    out, messages = trackeval.Evaluator(config).evaluate([trackeval.datasets.MotChallenge2DBox(dataset_config)],
                                                         metrics)
    res = out["MotChallenge2DBox"][tracker]
    if res is None:
        raise RuntimeError(messages["MotChallenge2DBox"][tracker])
    flat = {}
    for seq, by_class in res.items():
        fields = {}
        for fam in ("HOTA", "CLEAR", "Identity", "Count"):
            for key, value in by_class["pedestrian"][fam].items():
                fields[key] = np.asarray(value).tolist()
        flat["combined" if seq == "COMBINED_SEQ" else seq] = fields
    return flat


def main() -> None:
    gt_root, trackers_root, tracker, benchmark, out = sys.argv[1:6]
    result = run_trackeval(gt_root, trackers_root, tracker, benchmark, sys.argv[6:] or None)
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
