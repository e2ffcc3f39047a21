"""Real LaSOT test ground truth (a subsample of the 280 sequences, with the official absent flags) and seeded
tracker outputs: the got10k convention against got10k's OPE report, the official LaSOT-toolkit rule against a
frame-by-frame transcription of calc_seq_err_robust.m / eval_tracker.m written as plain loops, and MMTracking's
published SOT fixture numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trackbench.formats.sot_groundtruth import SotGroundTruth, load_sot_groundtruth
from trackbench.formats.sot_txt import read_sot_boxes, read_sot_regions, read_vot_trajectory
from trackbench.metrics.sot.evaluate import evaluate_ope, evaluate_vot
from trackbench.metrics.sot.protocols import PROTOCOLS
from trackbench.metrics.sot.results import TrackerResults
from trackbench.metrics.sot.synthetic import perturb_boxes_xywh



def _got10k_ope_report(tmp_path, experiment_cls, names, annos, boxes):
    """got10k's OPE ``report()`` on result files in tmp, over an in-memory dataset (plots off)."""

    class _Dataset:
        seq_names = list(names)

        def __len__(self):
            return len(names)

        def __iter__(self):
            return iter([([], a.copy()) for a in annos])

    exp = object.__new__(experiment_cls)
    exp.dataset = _Dataset()
    exp.result_dir, exp.report_dir = str(tmp_path / "results"), str(tmp_path / "reports")
    exp.nbins_iou, exp.nbins_ce = 21, 51
    exp.plot_curves = lambda tracker_names: None
    (tmp_path / "results" / "t").mkdir(parents=True)
    for name, b in zip(names, boxes):
        np.savetxt(tmp_path / "results" / "t" / f"{name}.txt", b, fmt="%.17g", delimiter=",")
    return exp.report(["t"])


@pytest.fixture(scope="module")
def lasot(realdata):
    gts = load_sot_groundtruth(realdata / "lasot" / "toolkit" / "annos")
    assert len(gts) == 280 and sum(len(g) for g in gts) == 685360
    with_absent = [g for g in gts if g.absent.any()]
    picked = with_absent[:8] + gts[::40]
    return sorted({g.name: g for g in picked}.values(), key=lambda g: g.name)


def _tracker(gts, seed, **kw):
    return {g.name: [perturb_boxes_xywh(g.boxes, seed + i, **kw)] for i, g in enumerate(gts)}


def _matlab_reference(pred, anno, absent):
    """calc_seq_err_robust.m + eval_tracker.m, one frame at a time (MATLAB semantics, 0-based here)."""
    pred = [list(r) for r in pred]
    n = len(anno)
    for i in range(1, n):
        r = pred[i]
        bad = any(math.isnan(v) for v in r) or r[2] <= 0 or r[3] <= 0
        if bad and not any(math.isnan(v) for v in anno[i]):
            pred[i] = list(pred[i - 1])
    pred[0] = list(anno[0])
    cov, err, nerr = [], [], []
    for i in range(n):
        if absent[i]:
            continue
        a, p = anno[i], pred[i]
        valid = all(v > 0 for v in a)
        if valid:
            iw = max(0.0, min(p[0] + p[2] - 1, a[0] + a[2] - 1) - max(p[0], a[0]) + 1)
            ih = max(0.0, min(p[1] + p[3] - 1, a[1] + a[3] - 1) - max(p[1], a[1]) + 1)
            inter = iw * ih
            cov.append(inter / (p[2] * p[3] + a[2] * a[3] - inter))
            cx, cy = p[0] + (p[2] - 1) / 2, p[1] + (p[3] - 1) / 2
            gx, gy = a[0] + (a[2] - 1) / 2, a[1] + (a[3] - 1) / 2
            err.append(math.sqrt((cx - gx) ** 2 + (cy - gy) ** 2))
            nerr.append(math.sqrt((cx / a[2] - gx / a[2]) ** 2 + (cy / a[3] - gy / a[3]) ** 2))
        else:
            cov.append(-1.0)
            err.append(-1.0)
            nerr.append(-1.0)
    length = n + np.finfo(float).eps
    thr_o = [k * 0.05 if k <= 10 else 1 - (20 - k) * 0.05 for k in range(21)]
    succ = [sum(c > t for c in cov) / length for t in thr_o]
    prec = [sum(e <= t for e in err) / length for t in range(51)]
    nprec = [sum(e <= t / 100 for e in nerr) / length for t in range(51)]
    return succ, prec, nprec


def test_official_lasot_rule_equals_toolkit_transcription(lasot):
    runs = _tracker(lasot, 40, drift=0.04, zero_size_rate=0.01)
    for g in lasot[:3]:  # NaN results are repeated from the previous frame by the toolkit
        runs[g.name][0][5:9] = np.nan
    proto = PROTOCOLS["lasot"]
    ours = evaluate_ope(proto, proto.convention(None), lasot, TrackerResults("t", runs))
    succ_all, prec_all, nprec_all = [], [], []
    for g in lasot:
        boxes = np.where(np.isnan(g.boxes), 0.0, g.boxes)
        s, p, n = _matlab_reference(runs[g.name][0], boxes.tolist(), g.absent)
        np.testing.assert_allclose(ours["sequences"][g.name]["success_curve"], s, atol=1e-12)
        np.testing.assert_allclose(ours["sequences"][g.name]["precision_curve"], p, atol=1e-12)
        np.testing.assert_allclose(ours["sequences"][g.name]["norm_precision_curve"], n, atol=1e-12)
        succ_all.append(s)
        prec_all.append(p)
        nprec_all.append(n)
    assert ours["overall"]["success_auc"] == pytest.approx(np.mean(np.mean(succ_all, axis=0)), abs=1e-12)
    assert ours["overall"]["precision"] == pytest.approx(np.mean(prec_all, axis=0)[20], abs=1e-12)
    assert ours["overall"]["norm_precision"] == pytest.approx(np.mean(nprec_all, axis=0)[20], abs=1e-12)
    # absent frames count as failures: a perfect tracker stays below 1 on sequences with absent frames
    perfect = evaluate_ope(proto, proto.convention(None), lasot,
                           TrackerResults("p", {g.name: [np.where(np.isnan(g.boxes), 0, g.boxes)] for g in lasot}))
    g = next(g for g in lasot if g.absent.any())
    assert perfect["sequences"][g.name]["success_auc"] < 1.0


def test_got10k_convention_equals_got10k_report(tmp_path, lasot, oracle_numpy):
    from got10k.experiments import ExperimentUAV123

    runs = _tracker(lasot, 70)
    names = [g.name for g in lasot]
    perf = _got10k_ope_report(tmp_path, ExperimentUAV123, names, [g.boxes for g in lasot], [runs[n][0] for n in names])
    proto = PROTOCOLS["lasot"]
    ours = evaluate_ope(proto, proto.convention("got10k"), lasot, TrackerResults("t", runs))
    assert ours["overall"]["success_auc"] == pytest.approx(perf["t"]["overall"]["success_score"], abs=1e-12)
    assert ours["overall"]["precision"] == pytest.approx(perf["t"]["overall"]["precision_score"], abs=1e-12)


def test_per_attribute_breakdown(lasot):
    proto = PROTOCOLS["lasot"]
    ours = evaluate_ope(proto, proto.convention(None), lasot, TrackerResults("t", _tracker(lasot, 90)))
    attrs = ours["attributes"]
    assert attrs and all(name in {a for g in lasot for a in g.attributes} for name in attrs)
    name = sorted(attrs)[0]
    seqs = [g.name for g in lasot if name in g.attributes]
    expected = np.mean([np.mean(ours["sequences"][s]["success_curve"]) for s in seqs])
    assert attrs[name]["success_auc"] == pytest.approx(expected) and attrs[name]["sequences"] == len(seqs)


FIXTURE = "mmtracking_tests/tests/data/demo_sot_data/trackingnet/TRAIN_0"


def _corners_to_xywh(rows):
    return [r if len(r) == 1 else np.r_[r[:2], r[2:] - r[:2]] for r in rows]


def test_mmtracking_ope_fixture_numbers(realdata):
    """MMTracking tests/test_core/test_evaluation/test_eval_sot.py: success 67.5238, precision 50.0, norm
    precision 70.0 from trackingnet/TRAIN_0/video-{1,2}/{track_results,gt_for_eval}.txt (results are corners)."""
    root = realdata / FIXTURE
    gts, runs = [], {}
    for video in ("video-1", "video-2"):
        gt = read_sot_boxes(root / video / "gt_for_eval.txt")
        gts.append(SotGroundTruth(video, gt, np.zeros(len(gt), bool)))
        runs[video] = [np.array(_corners_to_xywh(read_sot_boxes(root / video / "track_results.txt")))]
    proto = PROTOCOLS["trackingnet"]
    o = evaluate_ope(proto, proto.convention("mmtracking"), gts, TrackerResults("t", runs))["overall"]
    assert round(o["success_auc"] * 100, 4) == 67.5238
    assert o["precision"] * 100 == pytest.approx(50.0, abs=1e-9)
    assert o["norm_precision"] * 100 == pytest.approx(70.0, abs=1e-9)


def test_mmtracking_vot_fixture_numbers(realdata):
    """Same test, VOT part: EAO 0.6661, accuracy 0.5826, robustness 6.0 with interval [1, 3] on a 512 x 256 image,
    from vot2018_track_results.txt (codes and corner boxes) and vot2018_gt_for_eval.txt (polygons)."""
    root = realdata / FIXTURE
    gts, runs = [], {}
    for video in ("video-1", "video-2"):
        regions = read_sot_regions(root / video / "vot2018_gt_for_eval.txt")
        gts.append(SotGroundTruth(video, np.zeros((len(regions), 4)), np.zeros(len(regions), bool),
                                  regions=tuple(regions), image_size=(512, 256)))
        runs[video] = [_corners_to_xywh(read_vot_trajectory(root / video / "vot2018_track_results.txt"))]
    o = evaluate_vot(PROTOCOLS["vot2018"], "mmtracking", gts, TrackerResults("t", runs), eao_interval=(1, 3))
    assert abs(o["overall"]["eao"] - 0.6661) < 0.0001
    assert round(o["overall"]["accuracy"], 4) == 0.5826
    assert round(o["overall"]["robustness"], 4) == 6.0
