"""Differential parity against the got10k toolkit 0.1.3 (the oracle): ExperimentOTB / ExperimentUAV123 (OPE) and
ExperimentGOT10k (AO/SR), driven through their real ``report()`` on files written to a tmp folder, with real OTB100
ground truth, seeded perturbations and edge cases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trackbench.formats.sot_groundtruth import SotGroundTruth, load_sot_groundtruth
from trackbench.metrics.sot.evaluate import evaluate_got10k, evaluate_ope
from trackbench.metrics.sot.protocols import PROTOCOLS
from trackbench.metrics.sot.results import TrackerResults, load_tracker_results
from trackbench.metrics.sot.synthetic import perturb_boxes_xywh


class _FakeDataset:
    """What the got10k experiments iterate over: (img_files, anno[, meta]) per sequence, and seq_names."""

    def __init__(self, names, annos, metas=None):
        self.seq_names = list(names)
        self.annos = annos
        self.metas = metas
        self.return_meta = False

    def __len__(self):
        return len(self.seq_names)

    def __getitem__(self, index):
        if isinstance(index, str):
            index = self.seq_names.index(index)
        anno = self.annos[index].copy()
        if self.metas is not None and self.return_meta:
            return [], anno, self.metas[index]
        return [], anno

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def _edge_cases(boxes: np.ndarray, rng) -> np.ndarray:
    out = boxes.copy()
    n = len(out)
    out[rng.integers(1, n, 3), 2] = 0.0  # zero width
    out[rng.integers(1, n, 2)] = [0, 0, 0, 0]  # empty box
    out[rng.integers(1, n, 2), :2] += 5000  # far away
    i = rng.integers(1, n)
    out[i] = boxes[i]  # an exact hit (IoU 1)
    return out


def _otb_report(tmp_path, experiment_cls, names, annos, trackers):
    from got10k.experiments import ExperimentOTB  # noqa: F401  (import after the numpy shim)

    exp = object.__new__(experiment_cls)
    exp.dataset = _FakeDataset(names, annos)
    exp.result_dir = str(tmp_path / "results")
    exp.report_dir = str(tmp_path / "reports")
    exp.nbins_iou, exp.nbins_ce = 21, 51
    exp.plot_curves = lambda tracker_names: None
    for tname, per_seq in trackers.items():
        d = tmp_path / "results" / tname
        d.mkdir(parents=True)
        for name, boxes in zip(names, per_seq):
            np.savetxt(d / f"{name}.txt", boxes, fmt="%.17g", delimiter=",")
    return exp.report(list(trackers))


@pytest.fixture(scope="module")
def otb(realdata):
    gts = load_sot_groundtruth(realdata / "otb" / "OTB100_pysot.json")
    return gts[::4]  # 25 of the 100 sequences keep the test fast


@pytest.mark.parametrize("protocol,klass", [("otb", "ExperimentOTB"), ("uav123", "ExperimentUAV123")])
def test_ope_equals_got10k_report(tmp_path, otb, oracle_numpy, protocol, klass):
    import got10k.experiments as ge

    rng = np.random.default_rng(7)
    names = [g.name for g in otb]
    annos = [g.boxes.copy() for g in otb]
    if protocol == "uav123":  # UAV123 marks frames without a box with NaN rows
        for a in annos:
            a[rng.integers(1, len(a), 5)] = np.nan
    trackers = {
        "drift": [perturb_boxes_xywh(a, 100 + i) for i, a in enumerate(annos)],
        "edges": [_edge_cases(perturb_boxes_xywh(a, 200 + i, drift=0.05), rng) for i, a in enumerate(annos)],
    }
    perf = _otb_report(tmp_path, getattr(ge, klass), names, annos, trackers)
    gts = [SotGroundTruth(n, a, np.zeros(len(a), bool)) for n, a in zip(names, annos)]
    proto = PROTOCOLS[protocol]
    for tname, per_seq in trackers.items():
        res = load_tracker_results(tmp_path / "results" / tname, tname, gts, False, False)
        ours = evaluate_ope(proto, proto.convention(None), gts, res)
        ref = perf[tname]
        for key, ref_key in (("success_auc", "success_score"), ("precision", "precision_score"),
                             ("success_rate", "success_rate")):
            assert ours["overall"][key] == pytest.approx(ref["overall"][ref_key], abs=1e-12), key
        np.testing.assert_allclose(ours["overall"]["success_curve"], ref["overall"]["success_curve"], atol=1e-12)
        np.testing.assert_allclose(ours["overall"]["precision_curve"], ref["overall"]["precision_curve"],
                                   atol=1e-12)
        for name in names:
            assert ours["sequences"][name]["success_auc"] == pytest.approx(
                ref["seq_wise"][name]["success_score"], abs=1e-12)
            assert ours["sequences"][name]["precision"] == pytest.approx(
                ref["seq_wise"][name]["precision_score"], abs=1e-12)


def test_got10k_ao_sr_equal_experiment_got10k(tmp_path, otb, oracle_numpy):
    """GOT-10k val rule on OTB boxes: frame 0 left out, clipping to the image, cover 0 frames dropped, three
    repetitions pooled."""
    from got10k.experiments import ExperimentGOT10k

    rng = np.random.default_rng(11)
    seqs = otb[:12]
    names = [g.name for g in seqs]
    annos = [g.boxes.copy() for g in seqs]
    metas, gts = [], []
    for name, a in zip(names, annos):
        cover = rng.integers(0, 9, len(a))
        cover[rng.random(len(a)) < 0.8] = 8
        width = int(np.nanmax(a[:, 0] + a[:, 2]) * 0.9)  # boxes cross the right/bottom image border
        height = int(np.nanmax(a[:, 1] + a[:, 3]) * 0.9)
        metas.append({"cover": cover, "resolution": f"({width}, {height})"})
        gts.append(SotGroundTruth(name, a, cover == 0, cover=cover, image_size=(width, height)))
    exp = object.__new__(ExperimentGOT10k)
    exp.subset = "val"
    exp.dataset = _FakeDataset(names, annos, metas)
    exp.result_dir = str(tmp_path / "results")
    exp.report_dir = str(tmp_path / "reports")
    exp.nbins_iou, exp.repetitions = 101, 3
    exp.plot_curves = lambda report_files, tracker_names: None
    runs = {}
    for s, (name, a) in enumerate(zip(names, annos)):
        d = tmp_path / "results" / "trk" / name
        d.mkdir(parents=True)
        reps = []
        for r in range(1 + s % 3):
            boxes = perturb_boxes_xywh(a, 1000 * s + r, drift=0.04)
            if r == 1:
                boxes = _edge_cases(boxes, rng)
            boxes[rng.integers(1, len(a), 4), :2] -= 40  # crosses the left/top border
            np.savetxt(d / f"{name}_{r + 1:03d}.txt", boxes, fmt="%.17g", delimiter=",")
            reps.append(boxes)
        runs[name] = reps
        # the toolkit's report needs a time file (it reads speeds from it)
        np.savetxt(d / f"{name}_time.txt", np.full((len(a), len(reps)), 0.01), fmt="%.4f", delimiter=",")
    ref = exp.report(["trk"])["trk"]
    res = load_tracker_results(tmp_path / "results" / "trk", "trk", gts, False, False)
    assert [len(res.runs[n]) for n in names] == [len(runs[n]) for n in names]
    ours = evaluate_got10k(gts, res)
    assert ours["overall"]["AO"] == pytest.approx(ref["overall"]["ao"], abs=1e-12)
    assert ours["overall"]["SR0.5"] == pytest.approx(ref["overall"]["sr"], abs=1e-12)
    np.testing.assert_allclose(ours["overall"]["success_curve"], ref["overall"]["succ_curve"], atol=1e-12)
    assert ours["overall"]["SR0.75"] == pytest.approx(ref["overall"]["succ_curve"][75], abs=1e-12)
    for name in names:
        assert ours["sequences"][name]["AO"] == pytest.approx(ref["seq_wise"][name]["ao"], abs=1e-12)
        assert ours["sequences"][name]["SR0.5"] == pytest.approx(ref["seq_wise"][name]["sr"], abs=1e-12)
    json.dumps(ours)  # plain JSON types only
