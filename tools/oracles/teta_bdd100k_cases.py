"""Writes the BDD100K TETA parity cases (run in trackbench's own environment; the official numbers come from
tools/oracles/teta_bdd100k_official.py in the oracle environment):

- ``generated``: seeded driving videos from :mod:`trackbench.synthetic.driving`, made harder for TETA: a share of
  the predicted tracks get another category (an evaluated class or a distractor), gt crowd flags are written as
  Scalabel's ``crowd`` (a few keep TrackEval's ``Crowd``), and unmatched predictions are added inside crowd and
  distractor boxes (some more than half inside, some exactly half);
- ``edge``: small hand-made videos: a class only in the predictions, a video without predictions, a video without
  gt boxes, frames without gt, a prediction exactly half inside a crowd region.

    python tools/oracles/teta_bdd100k_cases.py --out tests/golden/official/teta_bdd100k
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from trackbench.synthetic.driving import BDD_CATEGORIES, bdd_video
from trackbench.synthetic.mot import SequenceSpec


def _harden(gt: list[dict], tr: list[dict], rng: np.random.Generator) -> None:
    relabel = {}
    for frame in tr:
        for label in frame["labels"]:
            if label["id"] not in relabel:
                relabel[label["id"]] = BDD_CATEGORIES[rng.integers(len(BDD_CATEGORIES))] if rng.random() < 0.25 \
                    else None
            if relabel[label["id"]]:
                label["category"] = relabel[label["id"]]
    extra = 10_000
    for frame, out in zip(gt, tr):
        for label in frame["labels"]:
            crowd = label["attributes"].pop("Crowd")
            label["attributes"]["Crowd" if rng.random() < 0.2 else "crowd"] = crowd
            if crowd or label["category"] in BDD_CATEGORIES[8:]:
                b = label["box2d"]
                w, h = b["x2"] - b["x1"], b["y2"] - b["y1"]
                if rng.random() < 0.6:
                    shift = float(rng.choice([0.0, 0.25, 0.5])) * (w + 1)  # inclusive widths: 0.5 is exactly half
                    extra += 1
                    out["labels"].append({"id": str(extra), "category": BDD_CATEGORIES[rng.integers(8)],
                                          "score": 0.5, "box2d": {"x1": b["x1"] + shift, "y1": b["y1"],
                                                                  "x2": b["x2"] + shift, "y2": b["y2"]}})


def write_generated(root: Path, videos: int = 3, frames: int = 24, tracks: int = 14, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)
    for i in range(videos):
        spec = SequenceSpec(f"gen{i:02d}-synthetic", frames, tracks, width=1280, height=720, fps=5)
        gt, tr = bdd_video(spec, seed + i)
        for frames_ in (gt, tr):
            for f in frames_:
                f["frameIndex"] = f.pop("index")
        _harden(gt, tr, rng)
        _dump(root / "gt" / f"{spec.name}.json", gt)
        _dump(root / "results" / f"{spec.name}.json", tr)


def _box(x1, y1, x2, y2):
    return {"x1": x1, "y1": y1, "x2": x2, "y2": y2}


def _label(i, category, box, crowd=None):
    label = {"id": i, "category": category, "box2d": _box(*box)}
    if crowd is not None:
        label["attributes"] = {"crowd": crowd}
    return label


def _frames(name, labels_per_frame):
    return [{"name": f"{name}-{t + 1:07d}.jpg", "videoName": name, "frameIndex": t, "labels": labels}
            for t, labels in enumerate(labels_per_frame)]


def write_edge(root: Path) -> None:
    car, ped = (100, 100, 199, 179), (400, 200, 439, 299)
    crowd = (600, 300, 699, 399)
    half = (650, 300, 749, 399)  # inclusive widths 100: exactly half inside the crowd box
    more = (640, 300, 739, 399)
    videos = {
        "e1-classes": (
            [[_label("1", "car", car), _label("2", "pedestrian", ped), _label("3", "car", crowd, True)],
             [_label("1", "car", car)], [], [_label("2", "pedestrian", ped)]],
            [[_label("11", "car", car), _label("12", "bus", ped), _label("13", "truck", half),
              _label("14", "bus", more)],
             [_label("11", "truck", car), _label("15", "train", (900, 100, 960, 160))], [_label("15", "train", car)],
             [_label("12", "pedestrian", ped)]]),
        "e2-no-predictions": ([[_label("1", "rider", ped)], [_label("1", "rider", ped)]], [[], []]),
        "e3-no-gt": ([[], [_label("9", "trailer", car)]],
                     [[_label("4", "motorcycle", car)], [_label("4", "bicycle", car), _label("5", "car", ped)]]),
    }
    for name, (gt, tr) in videos.items():
        _dump(root / "gt" / f"{name}.json", _frames(name, gt))
        _dump(root / "results" / f"{name}.json", _frames(name, tr))


def _dump(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write_generated(args.out / "generated")
    write_edge(args.out / "edge")


if __name__ == "__main__":
    main()
