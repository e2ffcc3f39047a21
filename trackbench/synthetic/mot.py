"""Seeded MOTChallenge-style data for tests, benchmarks and the demo.

``generate_gt`` makes pedestrians that walk, cross and get occluded, plus distractor-class and zero-marked boxes;
``perturb_tracker`` turns gt rows into a plausible tracker output (misses in bursts, jitter, id switches and swaps,
false positives, hits on distractor classes). Rows are MOTChallenge columns: frame, id, x, y, w, h, mark/conf,
class, visibility.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackbench.atomic import atomic_open, write_text_atomic


@dataclass(frozen=True)
class SequenceSpec:
    name: str
    frames: int
    tracks: int
    width: int = 1920
    height: int = 1080
    fps: int = 30


def generate_gt(spec: SequenceSpec, seed: int, mean_length: float = 0.5, distractor_rate: float = 0.08,
                zero_mark_rate: float = 0.02) -> np.ndarray:
    """Ground-truth rows (N, 9) sorted by frame then id; about ``tracks * mean_length * frames`` boxes."""
    rng = np.random.default_rng(seed)
    n = spec.tracks
    length = np.clip(rng.exponential(mean_length * spec.frames, n).astype(np.int64), 5, spec.frames)
    start = rng.integers(1, np.maximum(2, spec.frames - length + 2))
    h = rng.uniform(0.08, 0.35, n) * spec.height
    w = h * rng.uniform(0.35, 0.45, n)
    x0 = rng.uniform(-0.05, 0.95, n) * spec.width
    y0 = rng.uniform(0.3, 0.75, n) * spec.height - h / 2
    vx = rng.normal(0, 2.0, n)
    vy = rng.normal(0, 0.4, n)
    track = np.repeat(np.arange(n), length)
    step = np.arange(len(track)) - np.repeat(np.cumsum(length) - length, length)
    frame = start[track] + step
    keep = frame <= spec.frames
    track, step, frame = track[keep], step[keep], frame[keep]
    wobble = np.sin(step / 7.0 + track) * 1.5
    x = x0[track] + vx[track] * step + wobble
    y = y0[track] + vy[track] * step
    cls = np.ones(len(track), np.int64)
    distractor_track = rng.random(n) < distractor_rate
    cls[distractor_track[track]] = rng.choice([2, 7, 8, 12], size=int(distractor_track[track].sum()))
    mark = (rng.random(len(track)) >= zero_mark_rate).astype(np.float64)
    # occlusion episodes: visibility dips smoothly for a stretch of frames, per track
    phase = rng.uniform(0, 2 * np.pi, n)
    period = rng.uniform(40, 120, n)
    dip = np.maximum(0.0, np.sin(2 * np.pi * step / period[track] + phase[track]) - 0.6) / 0.4
    visibility = np.clip(0.95 - 0.9 * dip + rng.normal(0, 0.03, len(track)), 0, 1)
    rows = np.column_stack([frame, track + 1, np.round(x, 2), np.round(y, 2), np.round(w[track], 2),
                            np.round(h[track], 2), mark, cls, np.round(visibility, 3)])
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def perturb_tracker(gt: np.ndarray, seed: int, frames: int, width: int = 1920, height: int = 1080,
                    miss: float = 0.08, jitter: float = 0.04, switches: float = 0.004, fp_per_frame: float = 1.0,
                    distractor_hits: float = 0.5) -> np.ndarray:
    """Tracker rows (M, 10) made from ``gt`` rows: pedestrians mostly found, distractors sometimes hit."""
    rng = np.random.default_rng(seed)
    ped = (gt[:, 7] == 1) & (gt[:, 6] != 0)
    base = gt[ped | ((gt[:, 7] != 1) & (rng.random(len(gt)) < distractor_hits))]
    # misses in bursts: a row is dropped if its track is in a "lost" window
    ids = base[:, 1].astype(np.int64)
    frame = base[:, 0].astype(np.int64)
    burst = np.sin(frame / (5 + ids % 11) + ids) > (1 - 2 * miss)
    base = base[~burst & (rng.random(len(base)) >= miss / 4)]
    ids = base[:, 1].astype(np.int64)
    frame = base[:, 0].astype(np.int64)
    w, h = base[:, 4], base[:, 5]
    x = base[:, 2] + rng.normal(0, jitter, len(base)) * w
    y = base[:, 3] + rng.normal(0, jitter, len(base)) * h
    w = w * np.exp(rng.normal(0, jitter, len(base)))
    h = h * np.exp(rng.normal(0, jitter, len(base)))
    # id switches: after a random cut frame, a track continues under a fresh id
    uniq = np.unique(ids)
    cut = dict(zip(uniq.tolist(), rng.integers(1, frames + 1, len(uniq)).tolist()))
    switching = set(uniq[rng.random(len(uniq)) < switches * 50].tolist())
    cut_frame = np.array([cut[i] if i in switching else frames + 1 for i in ids.tolist()])
    out_ids = np.where(frame >= cut_frame, ids + 100000, ids)
    # false positives: short random tracks
    n_fp = int(fp_per_frame * frames)
    fp_frame = rng.integers(1, frames + 1, n_fp)
    fp_h = rng.uniform(0.05, 0.3, n_fp) * height
    fp = np.column_stack([fp_frame, 200000 + np.arange(n_fp), rng.uniform(0, width, n_fp),
                          rng.uniform(0, height * 0.8, n_fp), fp_h * 0.4, fp_h])
    conf = np.round(rng.uniform(0.3, 1.0, len(base) + n_fp), 4)
    rows = np.column_stack([
        np.r_[frame, fp[:, 0]], np.r_[out_ids, fp[:, 1]],
        np.round(np.r_[x, fp[:, 2]], 2), np.round(np.r_[y, fp[:, 3]], 2),
        np.round(np.r_[w, fp[:, 4]], 2), np.round(np.r_[h, fp[:, 5]], 2),
        conf, -np.ones(len(conf)), -np.ones(len(conf)), -np.ones(len(conf)),
    ])
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def write_rows(path: Path, rows: np.ndarray, columns: int) -> None:
    """Rows as MOTChallenge text (integers where a column is integral)."""
    fmt = ["%d", "%d", "%.2f", "%.2f", "%.2f", "%.2f", "%g", "%d", "%g", "%d"][:columns]
    with atomic_open(path) as handle:
        np.savetxt(handle, rows[:, :columns], fmt=fmt, delimiter=",")


def write_seqinfo(folder: Path, spec: SequenceSpec) -> None:
    write_text_atomic(
        folder / "seqinfo.ini",
        f"[Sequence]\nname={spec.name}\nimDir=img1\nframeRate={spec.fps}\nseqLength={spec.frames}\n"
        f"imWidth={spec.width}\nimHeight={spec.height}\nimExt=.jpg\n",
    )


def write_benchmark(root: Path, specs: list[SequenceSpec], seed: int, trackers: dict[str, int] | None = None,
                    **gt_options) -> dict[str, Path]:
    """Write ``root/gt/<seq>/{gt/gt.txt,seqinfo.ini}`` and ``root/trackers/<name>/<seq>.txt`` for each tracker
    seed. Returns the gt folder and each tracker folder."""
    paths = {"gt": root / "gt"}
    for i, spec in enumerate(specs):
        gt = generate_gt(spec, seed + i, **gt_options)
        seq_dir = root / "gt" / spec.name
        write_rows(seq_dir / "gt" / "gt.txt", gt, 9)
        write_seqinfo(seq_dir, spec)
        for name, tracker_seed in (trackers or {}).items():
            rows = perturb_tracker(gt, tracker_seed * 1000 + i, spec.frames, spec.width, spec.height)
            write_rows(root / "trackers" / name / f"{spec.name}.txt", rows, 10)
            paths[name] = root / "trackers" / name
    return paths


def detections_from_gt(gt: np.ndarray, seed: int, frames: int, width: int, height: int, miss: float = 0.06,
                       jitter: float = 0.05, fp_per_frame: float = 1.5) -> np.ndarray:
    """Public-detection rows (``frame, -1, x, y, w, h, score, -1, -1, -1``) of a detector that misses occluded
    people (more often at low visibility, and in bursts), jitters boxes and fires on background."""
    rng = np.random.default_rng(seed)
    ped = gt[(gt[:, 7] == 1) & (gt[:, 6] != 0)]
    vis = ped[:, 8]
    burst = np.sin(ped[:, 0] / (4 + ped[:, 1] % 7) + ped[:, 1]) > 0.97
    seen = (rng.random(len(ped)) >= miss + 0.8 * (1 - vis) ** 2) & ~burst
    ped, vis = ped[seen], vis[seen]
    size = np.repeat(ped[:, 4:6], 2, axis=1)
    boxes = ped[:, 2:6] + rng.normal(0, jitter, (len(ped), 4)) * size
    boxes[:, 2:] = np.maximum(boxes[:, 2:], 4.0)
    score = np.clip(0.5 + 0.45 * vis + rng.normal(0, 0.08, len(ped)), 0.05, 1.0)
    n_fp = rng.poisson(fp_per_frame, frames)
    fp_frame = np.repeat(np.arange(1, frames + 1), n_fp)
    fh = rng.uniform(0.08, 0.3, len(fp_frame)) * height
    fp = np.column_stack([rng.uniform(0, width, len(fp_frame)), rng.uniform(0, height * 0.7, len(fp_frame)),
                          fh * 0.4, fh])
    fp_score = rng.uniform(0.1, 0.6, len(fp_frame))
    frames_all = np.r_[ped[:, 0], fp_frame]
    rows = np.column_stack([frames_all, -np.ones(len(frames_all)), np.round(np.r_[boxes, fp], 2),
                            np.round(np.r_[score, fp_score], 4), -np.ones((len(frames_all), 3))])
    return rows[np.argsort(rows[:, 0], kind="stable")]
