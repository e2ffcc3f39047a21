"""The non-neural NCC tracker through both protocols on real sequences: VOT "bag" (196 frames, 8-number
polygons) and the first 120 frames of OTB "Basketball". Results are scored with trackbench's SOT metrics and
cross-checked against the official tools (got10k for OPE, vot-toolkit for the VOT failure decisions)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trackbench.cocovid.index import load_cocovid
from trackbench.metrics.sot.ope import OpeThresholds, got10k_frame_errors, ope_curves
from trackbench.metrics.vot.accuracy_robustness import vottoolkit_sequence_ar
from trackbench.metrics.vot.overlap import vot_raster_overlap
from trackbench.runners.sot.frames import load_sot_sequences
from trackbench.runners.sot.interface import SotTracker
from trackbench.runners.sot.ncc import NccTracker
from trackbench.runners.sot.protocols import CODE_FAILURE, CODE_INIT, CODE_SKIPPED, CODE_TRACKED
from trackbench.runners.sot.results import vot_trajectory_paths
from trackbench.runners.sot.runner import run_sot_dataset

from sot_data import write_cocovid

BASKETBALL_FRAMES = 120


@pytest.fixture(scope="module")
def bag(realdata, tmp_path_factory):
    root = realdata / "vot" / "VOT2018_subset"
    polygons = np.loadtxt(root / "bag" / "groundtruth.txt", delimiter=",")
    xs, ys = polygons[:, 0::2], polygons[:, 1::2]
    boxes = np.stack([xs.min(1), ys.min(1), xs.max(1) - xs.min(1), ys.max(1) - ys.min(1)], axis=1)
    frames = [f"bag/{i:08d}.jpg" for i in range(1, len(polygons) + 1)]
    ann = write_cocovid(tmp_path_factory.mktemp("bag") / "vot.json", "bag", frames, 480, 360, boxes, polygons)
    (seq,) = load_sot_sequences(load_cocovid(ann), root)
    return seq


@pytest.fixture(scope="module")
def basketball(realdata, tmp_path_factory):
    root = realdata / "otb" / "OTB100"
    gt = np.loadtxt(root / "Basketball" / "groundtruth_rect.txt", delimiter=",")[:BASKETBALL_FRAMES]
    frames = [f"Basketball/img/{i:04d}.jpg" for i in range(1, BASKETBALL_FRAMES + 1)]
    ann = write_cocovid(tmp_path_factory.mktemp("otb") / "otb.json", "Basketball", frames, 576, 432, gt)
    (seq,) = load_sot_sequences(load_cocovid(ann), root)
    return seq


def success_auc_ours(pred: np.ndarray, gt: np.ndarray) -> tuple[float, float]:
    errors = got10k_frame_errors(pred, gt, drop_nan_gt=False)
    curves = ope_curves(errors, OpeThresholds(np.linspace(0, 1, 21), np.arange(0, 51), np.linspace(0, 0.5, 51)))
    return float(np.mean(curves.success)), float(curves.precision[20])


def success_auc_got10k(pred: np.ndarray, gt: np.ndarray) -> tuple[float, float]:
    from got10k.utils.metrics import center_error, rect_iou

    pred = pred.copy()
    pred[0] = gt[0]
    ious = rect_iou(pred, gt)[:, None]
    errors = center_error(pred, gt)[:, None]
    success = np.mean(ious > np.linspace(0, 1, 21)[None, :], axis=0)
    precision = np.mean(errors <= np.arange(0, 51)[None, :], axis=0)
    return float(np.mean(success)), float(precision[20])


@pytest.mark.parametrize("which", ["bag", "basketball"])
def test_ope_with_ncc_on_real_frames(which, request, tmp_path, oracle_numpy):
    seq = request.getfixturevalue(which)
    summary = run_sot_dataset(NccTracker(), [seq], tmp_path, "ope")
    boxes_file = tmp_path / f"{seq.name}.txt"
    assert summary.frames == len(seq) and boxes_file in summary.files
    pred = np.loadtxt(boxes_file, delimiter=",")
    assert pred.shape == (len(seq), 4)
    times = np.loadtxt(tmp_path / f"{seq.name}_time.txt")
    assert times.shape == (len(seq),) and np.all(times >= 0)
    # OPE scores: ours equal the got10k toolkit's on the same file
    ours = success_auc_ours(pred, seq.boxes_xywh)
    assert ours == pytest.approx(success_auc_got10k(pred, seq.boxes_xywh), abs=1e-12)
    # a real tracker: clearly better than a box frozen at its first position, far from perfect
    frozen = np.repeat(seq.boxes_xywh[:1], len(seq), axis=0)
    assert ours[0] > success_auc_ours(frozen, seq.boxes_xywh)[0] + 0.05
    assert 0.2 < ours[0] < 0.9
    print(f"NCC OPE {seq.name}: success AUC {ours[0]:.4f}, precision@20px {ours[1]:.4f}, {summary.fps:.0f} fps")


class Recording(SotTracker):
    """Wraps a tracker and keeps every box it returned, in call order, for the oracle check."""

    name = "recording"

    def __init__(self, inner: SotTracker):
        self.inner = inner
        self.boxes: list[np.ndarray] = []

    def initialize(self, frame, box_xywh):
        self.inner.initialize(frame, box_xywh)

    def update(self, frame):
        prediction = self.inner.update(frame)
        self.boxes.append(prediction.box_xywh)
        return prediction


@pytest.mark.parametrize("which", ["bag", "basketball"])
def test_vot_protocol_with_ncc_on_real_frames(which, request, tmp_path, oracle_numpy):
    from vot.region import Polygon, Rectangle, Special, calculate_overlap
    from vot.region.io import read_trajectory

    seq = request.getfixturevalue(which)
    tracker = Recording(NccTracker())
    summary = run_sot_dataset(tracker, [seq], tmp_path, "vot", repetitions=15)
    # a deterministic tracker: the toolkit's early stop after three identical runs
    assert summary.repetitions_run == 3
    regions_file, _ = vot_trajectory_paths(tmp_path, seq.name, 1)
    regions = read_trajectory(str(regions_file))
    codes = np.array([r.code if isinstance(r, Special) else CODE_TRACKED for r in regions])
    assert len(codes) == len(seq) and codes[0] == CODE_INIT
    # replay: the update calls of run 1 cover exactly the tracked and failure frames, in order
    asked = np.flatnonzero((codes == CODE_TRACKED) | (codes == CODE_FAILURE))
    boxes = tracker.boxes[: len(asked)]
    bounds = (seq.width, seq.height)
    for frame, box in zip(asked, boxes):
        gt = seq.gt_region(frame)
        gt_region = Polygon(list(zip(gt[0::2], gt[1::2]))) if len(gt) == 8 else Rectangle(*gt)
        oracle = calculate_overlap(Rectangle(*box), gt_region, bounds)
        assert (codes[frame] == CODE_FAILURE) == (oracle <= 0), (frame, oracle)
        assert oracle == pytest.approx(vot_raster_overlap(box, gt, bounds), abs=1e-12)
    # every failure is followed by 4 skipped frames and a re-initialization on the 5th (or the end)
    for f in np.flatnonzero(codes == CODE_FAILURE):
        assert np.all(codes[f + 1 : min(f + 5, len(seq))] == CODE_SKIPPED)
        if f + 5 < len(seq):
            assert codes[f + 5] == CODE_INIT
    overlaps = np.array([vot_raster_overlap(box, seq.gt_region(f), bounds) for f, box in zip(asked, boxes)])
    per_frame = np.zeros(len(seq))
    per_frame[asked] = overlaps
    ar = vottoolkit_sequence_ar([per_frame], [codes], len(seq))
    assert ar.failures == int(np.count_nonzero(codes == CODE_FAILURE)) == summary.failures / 3
    assert 0.2 < ar.accuracy < 0.9
    print(f"NCC VOT {seq.name}: accuracy {ar.accuracy:.4f}, failures {ar.failures:.0f}, "
          f"inits at {np.flatnonzero(codes == CODE_INIT).tolist()}")


def _eval_options(gt: Path, results: Path, protocol: str):
    from trackbench.cli.eval.command import EvalOptions, Task
    from trackbench.cli.options import OutputFormat

    return EvalOptions(task=Task.sot, gt=gt, results=[results], benchmark=None, split=None, seqmap=None,
                       sequences=None, metrics=None, protocol=protocol, convention=None, workers=1, out=None,
                       format=OutputFormat.json, plots=False, allow_missing=False, tracker_names=["ncc"])


def test_runs_scored_by_the_sot_evaluation(bag, basketball, tmp_path, oracle_numpy):
    """The files the protocols write are what ``trackbench eval --task sot`` reads: OTB-style OPE on
    Basketball, VOT2018 (EAO, accuracy, robustness) on bag."""
    from trackbench.cli.eval.sot import compute

    otb_gt = write_cocovid(tmp_path / "otb.json", "Basketball", [str(p) for p in basketball.frame_paths], 576, 432,
                           basketball.boxes_xywh)
    run_sot_dataset(NccTracker(), [basketball], tmp_path / "ope", "ope")
    record = compute(_eval_options(otb_gt, tmp_path / "ope", "otb"))
    overall = record["trackers"]["ncc"]["overall"]
    pred = np.loadtxt(tmp_path / "ope" / "Basketball.txt", delimiter=",")
    auc, precision = success_auc_got10k(pred, basketball.boxes_xywh)
    assert overall["success_auc"] == pytest.approx(auc, abs=1e-12)
    assert overall["precision"] == pytest.approx(precision, abs=1e-12)

    vot_gt = write_cocovid(tmp_path / "vot.json", "bag", [str(p) for p in bag.frame_paths], 480, 360,
                           bag.boxes_xywh, bag.polygons)
    summary = run_sot_dataset(NccTracker(), [bag], tmp_path / "vot", "vot", repetitions=15)
    record = compute(_eval_options(vot_gt, tmp_path / "vot", "vot2018"))
    overall = record["trackers"]["ncc"]["overall"]
    assert record["trackers"]["ncc"]["sequences"]["bag"]["repetitions"] == summary.repetitions_run == 3
    assert overall["robustness"] == summary.failures / 3
    assert 0.0 < overall["eao"] <= 1.0 and 0.2 < overall["accuracy"] < 0.9
    print(f"NCC scored by trackbench eval: Basketball OTB success {auc:.4f}; bag VOT2018 EAO {overall['eao']:.4f}, "
          f"accuracy {overall['accuracy']:.4f}, robustness {overall['robustness']:.2f}")
