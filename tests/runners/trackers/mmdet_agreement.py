"""Our association trackers against MMDetection 3.3's on the same detections, shared by the offline script
(tools/oracles/tracker_fidelity.py, which runs the oracle and writes the fixtures) and the official_golden test
(test_official_mmdet_trackers.py, which checks the table in docs/FIDELITY.md against the stored official tracks).

Inputs: the real MOT15 det files (SORT's own Faster R-CNN detections) of two TUD videos and detections made from the
real MOT17-09 gt with seeded noise (with per-identity embeddings for the ReID trackers). MMDetection's trackers
follow MMTracking's re-implementations, ours the authors' code, so the comparison is an agreement measure:
MMDetection's output is scored as the ground truth of ours with py-motmetrics (IoU >= 0.5).
Needs py-motmetrics with NumPy 2 aliases restored (tests/conftest.py ``restore_numpy_aliases``).
"""

from __future__ import annotations

import configparser
import hashlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

MOT17_NOISY = ("MOT17-09",)
NOISY_FRAMES = 250  # the first frames of it
# SORT's det files of the two TUD sequences (more videos add hours of the official Python trackers on a shared
# 2-core machine, not coverage)
MOT15 = ("TUD-Campus", "TUD-Stadtmitte")
EMBED_DIM = 32
TRACKERS = ("sort", "bytetrack", "ocsort", "deepsort", "strongsort")
REID_TRACKERS = ("deepsort", "strongsort")  # need embeddings: the MOT17 noisy detections only


def mot15_inputs(realdata: Path) -> dict[str, np.ndarray]:
    out = {}
    for name in MOT15:
        seq = realdata / "mot" / "MOT15" / "train" / name
        det = np.loadtxt(seq / "det" / "det.txt", delimiter=",", ndmin=2)
        if not len(det):
            continue
        v = f"MOT15-{seq.name}"
        out[f"{v}/frames"] = det[:, 0].astype(np.int64) - 1
        out[f"{v}/boxes"] = np.column_stack([det[:, 2], det[:, 3], det[:, 2] + det[:, 4], det[:, 3] + det[:, 5]])
        out[f"{v}/scores"] = det[:, 6]
        out[f"{v}/length"] = np.array(int(det[:, 0].max()))
    return out


def mot17_noisy_inputs(realdata: Path, seed: int = 0) -> dict[str, np.ndarray]:
    """gt pedestrians (class 1, considered, visibility > 0.2), 10% dropped, boxes jittered by 4% of their size,
    scores uniform in [0.35, 1), 3% false positives; embeddings: one random unit vector per identity plus noise
    (false positives get their own)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name in MOT17_NOISY:
        seq = realdata / "mot" / "MOT17" / "train" / f"{name}-FRCNN"
        gt = np.loadtxt(seq / "gt" / "gt.txt", delimiter=",", ndmin=2)
        ini = configparser.ConfigParser()
        ini.read(seq / "seqinfo.ini")
        length = min(int(ini["Sequence"]["seqLength"]), NOISY_FRAMES)
        gt = gt[(gt[:, 7] == 1) & (gt[:, 6] == 1) & (gt[:, 8] > 0.2) & (gt[:, 0] <= length)]
        gt = gt[rng.random(len(gt)) > 0.1]
        fp = gt[rng.random(len(gt)) < 0.03].copy()
        fp[:, 2] += rng.normal(0, 80, len(fp))
        fp[:, 1] = -1 - np.arange(len(fp))
        rows = np.concatenate([gt, fp])
        rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
        w, h = rows[:, 4], rows[:, 5]
        x = rows[:, 2] + rng.normal(0, 0.04, len(rows)) * w
        y = rows[:, 3] + rng.normal(0, 0.04, len(rows)) * h
        w = w * np.exp(rng.normal(0, 0.04, len(rows)))
        h = h * np.exp(rng.normal(0, 0.04, len(rows)))
        ids = rows[:, 1].astype(np.int64)
        base = {i: v / np.linalg.norm(v) for i, v in ((i, rng.normal(size=EMBED_DIM)) for i in np.unique(ids))}
        emb = np.stack([base[i] for i in ids]) + rng.normal(0, 0.15, (len(ids), EMBED_DIM))
        v = f"{name}-noisy"
        out[f"{v}/frames"] = rows[:, 0].astype(np.int64) - 1
        out[f"{v}/boxes"] = np.column_stack([x, y, x + w, y + h])
        out[f"{v}/scores"] = rng.uniform(0.35, 1.0, len(rows))
        out[f"{v}/embeds"] = (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(np.float32)
        out[f"{v}/length"] = np.array(length)
    return out


def all_inputs(realdata: Path) -> dict[str, np.ndarray]:
    return {**mot15_inputs(realdata), **mot17_noisy_inputs(realdata)}


def inputs_digest(inputs: Mapping[str, np.ndarray]) -> str:
    """sha256 over the keys, dtypes, shapes and bytes: the fixture records the detections the oracle was given."""
    h = hashlib.sha256()
    for key in sorted(inputs):
        a = np.ascontiguousarray(inputs[key])
        h.update(f"{key}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def videos_of(inputs: Mapping[str, np.ndarray]) -> list[str]:
    return sorted({k.split("/")[0] for k in inputs})


def ours(name: str, inputs: Mapping[str, np.ndarray], video: str) -> np.ndarray:
    """Our tracker with its default (the authors') settings → rows (frame, id, x1, y1, x2, y2, score)."""
    from trackbench.runners.trackers.bytetrack import ByteTrackConfig, ByteTrackTracker
    from trackbench.runners.trackers.deepsort import DeepSortConfig, DeepSortTracker
    from trackbench.runners.trackers.ocsort import OcSortConfig, OcSortTracker
    from trackbench.runners.trackers.sort import SortConfig, SortTracker
    from trackbench.runners.trackers.strongsort import StrongSortConfig, StrongSortTracker

    classes = {"sort": (SortTracker, SortConfig), "deepsort": (DeepSortTracker, DeepSortConfig),
               "bytetrack": (ByteTrackTracker, ByteTrackConfig), "ocsort": (OcSortTracker, OcSortConfig),
               "strongsort": (StrongSortTracker, StrongSortConfig)}
    tracker_class, config_class = classes[name]
    tracker = tracker_class(config_class())
    frames, boxes, scores = inputs[f"{video}/frames"], inputs[f"{video}/boxes"], inputs[f"{video}/scores"]
    embeds = inputs.get(f"{video}/embeds")
    rows = []
    for f in range(int(inputs[f"{video}/length"])):
        sel = frames == f
        res = tracker.update(boxes[sel], scores[sel], None, embeds[sel] if embeds is not None else None)
        if len(res):
            rows.append(np.column_stack([np.full(len(res), f), res.ids, res.boxes_xyxy, res.scores]))
    return np.concatenate(rows) if rows else np.zeros((0, 7))


def agreement(ours_rows: np.ndarray, theirs: np.ndarray) -> dict[str, float]:
    """py-motmetrics with MMDetection's rows as the ground truth of ours (IoU >= 0.5)."""
    import motmetrics as mm

    acc = mm.MOTAccumulator(auto_id=False)
    for f in np.union1d(ours_rows[:, 0], theirs[:, 0]):
        a, b = theirs[theirs[:, 0] == f], ours_rows[ours_rows[:, 0] == f]
        to_xywh = lambda r: np.column_stack([r[:, 2], r[:, 3], r[:, 4] - r[:, 2], r[:, 5] - r[:, 3]])  # noqa: E731
        dist = mm.distances.iou_matrix(to_xywh(a), to_xywh(b), max_iou=0.5)
        acc.update(a[:, 1].astype(int).tolist(), b[:, 1].astype(int).tolist(), dist, frameid=int(f))
    summary = mm.metrics.create().compute(acc, metrics=["mota", "idf1", "num_switches", "num_false_positives",
                                                        "num_misses", "num_objects"])
    return {k: float(summary[k].iloc[0]) for k in summary.columns}


TABLE_HEADER = ("| tracker | detections | MOTA | IDF1 | ID switches | boxes only ours / only MMDetection's |\n"
                "|---|---|---|---|---|---|")


def table_rows(names, inputs: Mapping[str, np.ndarray], official: Mapping[str, np.ndarray]) -> list[str]:
    """The rows of docs/FIDELITY.md's table: per tracker and detection group, MOTA (over the group's summed
    counts), IDF1 (weighted by gt boxes), ID switches and the boxes only one side reports. ``official`` maps
    ``<tracker>/<video>`` to MMDetection's rows."""
    videos = videos_of(inputs)
    groups = (("MOT15 det files", [v for v in videos if v.startswith("MOT15")]),
              ("MOT17 gt + noise", [v for v in videos if v.endswith("noisy")]))
    lines = []
    for name in names:
        for group, members in groups:
            if name in REID_TRACKERS and group.startswith("MOT15"):
                continue  # no embeddings for the det files
            totals = {"num_objects": 0.0, "num_misses": 0.0, "num_false_positives": 0.0, "num_switches": 0.0}
            idf1 = []
            for video in members:
                a = agreement(ours(name, inputs, video), official[f"{name}/{video}"])
                for k in totals:
                    totals[k] += a[k]
                idf1.append((a["idf1"], a["num_objects"]))
            mota = 1 - (totals["num_misses"] + totals["num_false_positives"] + totals["num_switches"]) / totals[
                "num_objects"]
            w_idf1 = sum(i * n for i, n in idf1) / sum(n for _, n in idf1)
            count = f"{len(members)} video{'' if len(members) == 1 else 's'}"
            lines.append(f"| {name} | {group} ({count}) | {100 * mota:.1f} | {100 * w_idf1:.1f} | "
                         f"{int(totals['num_switches'])} | {int(totals['num_false_positives'])} / "
                         f"{int(totals['num_misses'])} |")
    return lines


def fixture_arrays(official: Mapping[str, np.ndarray], name: str) -> dict[str, np.ndarray]:
    """One tracker's official rows per video, stored without loss: MMDetection's boxes and scores are float32
    tensors, frames and ids integers."""
    out = {}
    for key, rows in official.items():
        tracker, video = key.split("/", 1)
        if tracker != name:
            continue
        packed = {"frame_id": rows[:, :2].astype(np.int32), "boxes": rows[:, 2:6].astype(np.float32),
                  "scores": rows[:, 6].astype(np.float32)}
        if not np.array_equal(unpack_rows(packed), rows):
            raise ValueError(f"{key}: rows do not survive int32/float32 storage")
        out.update({f"{video}/{k}": v for k, v in packed.items()})
    return out


def unpack_rows(packed: Mapping[str, np.ndarray]) -> np.ndarray:
    return np.column_stack([packed["frame_id"].astype(np.float64), packed["boxes"].astype(np.float64),
                            packed["scores"].astype(np.float64)])


def read_fixture(path: Path, name: str) -> tuple[dict, dict[str, np.ndarray]]:
    """(info, ``{"<tracker>/<video>": rows}``) of one stored tracker fixture."""
    import json

    with np.load(path) as z:
        info = json.loads(str(z["info"]))
        videos = sorted({k.split("/")[0] for k in z.files if k != "info"})
        rows = {f"{name}/{v}": unpack_rows({k: z[f"{v}/{k}"] for k in ("frame_id", "boxes", "scores")})
                for v in videos}
    return info, rows
