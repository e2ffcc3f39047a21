"""Differential parity for the VOT protocols: region overlaps, accuracy, robustness and EAO against vot-toolkit
0.9.0 (called on in-memory trajectories), and A/R against got10k's ExperimentVOT.report on files; real "bag"
polygons (VOT2016-2018) and real LaSOT boxes, seeded tracker outputs turned into reset-based trajectories."""

from __future__ import annotations

import numpy as np
import pytest

from trackbench.formats.sot_groundtruth import SotGroundTruth, load_sot_groundtruth
from trackbench.formats.sot_txt import read_sot_regions
from trackbench.metrics.sot.evaluate import evaluate_vot
from trackbench.metrics.sot.protocols import PROTOCOLS
from trackbench.metrics.sot.results import TrackerResults
from trackbench.metrics.sot.synthetic import perturb_boxes_xywh, vot_trajectory_from_boxes
from trackbench.metrics.vot.overlap import polygon_iou, vot_raster_overlap

BAG_SIZE = (480, 360)  # the bag frames are 480 x 360


def _vot_region(a):
    from vot.region import Polygon, Rectangle, Special

    a = np.asarray(a, dtype=float)
    if len(a) == 1:
        return Special(int(a[0]))
    if len(a) == 4:
        return Rectangle(*a)
    return Polygon([(a[i], a[i + 1]) for i in range(0, len(a), 2)])


def _bbox(poly):
    xs, ys = poly[0::2], poly[1::2]
    return np.array([xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()])


@pytest.fixture(scope="module")
def sequences(realdata):
    """bag (real polygons, real image size) and three real LaSOT sequences cut to 300 frames."""
    from trackbench.formats.imagesize import image_size

    bag_dir = realdata / "vot" / "VOT2018_subset" / "bag"
    regions = read_sot_regions(bag_dir / "groundtruth.txt")
    assert image_size(bag_dir / "00000001.jpg") == BAG_SIZE
    n = len(regions)
    rng = np.random.default_rng(3)
    tags = {"occlusion": rng.random(n) < 0.2, "camera_motion": rng.random(n) < 0.3}
    seqs = [SotGroundTruth("bag", np.array([_bbox(r) for r in regions]), np.zeros(n, bool),
                           regions=tuple(regions), tags=tags, image_size=BAG_SIZE)]
    lasot = load_sot_groundtruth(realdata / "lasot" / "toolkit" / "annos")
    for g in (lasot[3], lasot[50], lasot[120]):
        boxes = g.boxes[:300]
        keep = np.all(boxes[:, 2:] > 0, axis=1)
        boxes = boxes[keep]
        seqs.append(SotGroundTruth(g.name, boxes, np.zeros(len(boxes), bool), image_size=(1280, 720)))
    return seqs


def _trajectories(seqs, seed, reps):
    runs = {}
    for s, g in enumerate(seqs):
        runs[g.name] = [vot_trajectory_from_boxes(g.boxes, perturb_boxes_xywh(g.boxes, seed + 31 * s + r,
                                                                              drift=0.06, lost_rate=0.01))
                        for r in range(reps)]
    return runs


def test_raster_overlap_equals_vot_toolkit_randomized():
    from vot.region import calculate_overlaps

    rng = np.random.default_rng(0)
    for _ in range(400):
        kind = rng.integers(0, 3)
        c = rng.uniform(-20, 120, 2)
        if kind == 0:
            pred = np.array([float(rng.integers(0, 3))])
        elif kind == 1:
            pred = np.r_[c, rng.uniform(-3, 60, 2)]
        else:
            ang = rng.uniform(0, np.pi)
            rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
            pred = ((np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * rng.uniform(0.3, 50, 2)) @ rot.T + c).ravel()
            pred = pred + rng.normal(0, 3, 8) * (rng.random() < 0.5)
        ang = rng.uniform(0, np.pi)
        rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
        gt = ((np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * rng.uniform(0.3, 50, 2)) @ rot.T
              + rng.uniform(-20, 120, 2)).ravel()
        if rng.random() < 0.3:
            gt = np.r_[rng.uniform(-20, 120, 2), rng.uniform(0, 60, 2)]
        if rng.random() < 0.3:  # half-pixel coordinates exercise the float32 rounding
            gt = np.round(gt * 2) / 2
        bounds = (100, 90) if rng.random() < 0.8 else None
        ref = calculate_overlaps([_vot_region(pred)], [_vot_region(gt)], bounds)[0]
        assert vot_raster_overlap(pred, gt, bounds) == ref, (pred, gt, bounds)


def test_raster_overlap_edge_cases():
    from vot.region import calculate_overlaps

    cases = [
        ([1.0], [10, 10, 20, 20]),  # special frame: 0
        ([5, 5, 0, 0], [5, 5, 0, 0]),  # two empty regions: 1 by definition
        ([0, 0, 1, 30], [0, 0, 1, 30]),  # a one-pixel-wide window: 0
        ([470, 350, 50, 50], [440, 330, 60, 60]),  # crosses the image border
        ([500, 380, 10, 10], [490, 370, 30, 30]),  # outside the image
        ([10.5, 10.5, 20.5, 20.5], [10, 10, 20, 20]),  # half to even
    ]
    for pred, gt in cases:
        ref = calculate_overlaps([_vot_region(pred)], [_vot_region(gt)], BAG_SIZE)[0]
        assert vot_raster_overlap(np.array(pred, float), np.array(gt, float), BAG_SIZE) == ref, (pred, gt)


def test_polygon_iou_equals_got10k_poly_iou(sequences, oracle_numpy):
    from got10k.utils.metrics import poly_iou

    rng = np.random.default_rng(5)
    bag = sequences[0]
    for i, region in enumerate(bag.regions):
        box = bag.boxes[i] + rng.normal(0, 15, 4) * [1, 1, 0.5, 0.5]
        box[2:] = np.abs(box[2:]) + 1
        if i % 17 == 0:
            box[:2] += [450, 0]  # mostly outside the image
        ref = poly_iou(np.array(box), region, BAG_SIZE)[0]
        assert polygon_iou(box, region, BAG_SIZE) == pytest.approx(ref, abs=1e-12)
        ref_poly = poly_iou(np.asarray(region) + 3.0, region, None)[0]
        assert polygon_iou(np.asarray(region) + 3.0, region) == pytest.approx(ref_poly, abs=1e-12)


class _Traj:
    def __init__(self, regions):
        self._regions = regions

    def regions(self):
        return self._regions


class _Seq:
    def __init__(self, gt: SotGroundTruth):
        self._gt = [_vot_region(r) for r in gt.vot_regions()]
        self.size = gt.image_size

    def groundtruth(self):
        return self._gt

    def __len__(self):
        return len(self._gt)


class _Experiment:
    def __init__(self, trajectories):
        self.trajectories = trajectories

    def gather(self, tracker, sequence):
        return self.trajectories[id(sequence)]


def test_accuracy_robustness_eao_equal_vot_toolkit(sequences):
    from vot.analysis.supervised import AccuracyRobustness, AverageAccuracyRobustness, EAOCurve

    runs = _trajectories(sequences, 500, reps=3)
    vot_seqs = [_Seq(g) for g in sequences]
    experiment = _Experiment({id(vs): [_Traj([_vot_region(r) for r in rep]) for rep in runs[g.name]]
                              for vs, g in zip(vot_seqs, sequences)})
    ar = AccuracyRobustness()
    per_seq = [ar.subcompute(experiment, None, vs, []) for vs in vot_seqs]
    average = AverageAccuracyRobustness().aggregate(None, vot_seqs, per_seq)
    curve = EAOCurve().subcompute(experiment, None, vot_seqs, [])[0]

    protocol = PROTOCOLS["vot2018"]
    results = TrackerResults("t", runs, {g.name: [g.name] for g in sequences})
    for low, high in ((100, 356), (1, 3), (20, 60)):
        ours = evaluate_vot(protocol, "official", sequences, results, eao_interval=(low, high))
        assert ours["overall"]["eao"] == pytest.approx(float(np.mean(curve[low:high + 1])), abs=1e-6)
    np.testing.assert_allclose(ours["overall"]["eao_curve"], curve, atol=1e-6)
    assert ours["overall"]["accuracy"] == pytest.approx(average[0], abs=1e-12)
    assert ours["overall"]["robustness"] == pytest.approx(average[1], abs=1e-12)
    assert ours["overall"]["ar_robustness"] == pytest.approx(average[2][0], abs=1e-12)
    for g, ref in zip(sequences, per_seq):
        assert ours["sequences"][g.name]["accuracy"] == pytest.approx(ref[0], abs=1e-12)
        assert ours["sequences"][g.name]["failures"] == pytest.approx(ref[1], abs=1e-12)
    assert ours["overall"]["robustness"] > 0  # the seeded runs do fail
    assert set(ours["attributes"]) == {"camera_motion", "occlusion", "empty"}


def test_accuracy_robustness_equal_got10k_experiment_vot(tmp_path, sequences, oracle_numpy, monkeypatch):
    """got10k ExperimentVOT.report on files: bag with its real image and per-frame tag files, 15 repetitions."""
    from got10k.experiments import ExperimentVOT

    import got10k.experiments.vot as got10k_vot

    monkeypatch.setattr(np, "NaN", np.nan, raising=False)  # ExperimentVOT still spells it np.NaN
    # ExperimentVOT builds np.array([poly_iou(...) (a 1-element array) or NaN]); NumPy < 1.24 made that ragged
    # list an object array whose items became floats on assignment, NumPy 2 refuses it: hand it the float
    original = got10k_vot.poly_iou
    monkeypatch.setattr(got10k_vot, "poly_iou", lambda a, b, bound=None: float(original(a, b, bound)[0]))

    bag = sequences[0]
    runs = _trajectories([bag], 900, reps=15)
    seq_dir = tmp_path / "results" / "trk" / "baseline" / "bag"
    seq_dir.mkdir(parents=True)
    for r, rows in enumerate(runs["bag"]):
        lines = ["%d" % row[0] if len(row) == 1 else ",".join("%.4f" % v for v in row) for row in rows]
        (seq_dir / f"bag_{r + 1:03d}.txt").write_text("\n".join(lines))
    # read back what got10k reads (4 decimals)
    from trackbench.formats.sot_txt import read_vot_trajectory

    runs = {"bag": [read_vot_trajectory(seq_dir / f"bag_{r + 1:03d}.txt") for r in range(15)]}
    img = str(tmp_path / "first.jpg")
    from PIL import Image

    Image.new("RGB", BAG_SIZE).save(img)
    meta = {k: v.astype(float) for k, v in bag.tags.items()}

    class _Dataset:
        seq_names = ["bag"]

        def __iter__(self):
            yield [img] * len(bag), np.array([np.asarray(r) for r in bag.regions]), meta

    exp = object.__new__(ExperimentVOT)
    exp.dataset = _Dataset()
    exp.result_dir = str(tmp_path / "results")
    exp.report_dir = str(tmp_path / "reports")
    exp.repetitions, exp.burnin = 15, 10
    exp.tags = ["camera_motion", "illum_change", "occlusion", "size_change", "motion_change", "empty"]
    ref = exp.report(["trk"])["trk"]
    ours = evaluate_vot(PROTOCOLS["vot2018"], "got10k", [bag], TrackerResults("trk", runs, {"bag": ["bag"]}))
    assert ours["overall"]["accuracy"] == pytest.approx(ref["accuracy"], abs=1e-12)
    assert ours["overall"]["robustness"] == pytest.approx(ref["robustness"], abs=1e-12)
    assert ref["robustness"] > 0


def test_regression_vot_regions_are_rounded_in_float32():
    """vot-toolkit stores regions as float32: 61.49999951 becomes 61.5 and rounds (half to even) to 62, not 61.
    Rounding the float64 value gave a different polygon raster (found by the randomized parity test)."""
    from vot.region import calculate_overlaps

    pred = np.array([67.46810107, -36.29904227, 134.01964756, 36.02080598, 61.49999951, 102.75621605,
                     -5.05154699, 30.4363678])
    gt = np.array([73.99565546, 82.94920021, 32.37026578, 100.38755707, 19.79477153, 70.36982931, 61.4201612,
                   52.93147245])
    ref = calculate_overlaps([_vot_region(pred)], [_vot_region(gt)], (100, 90))[0]
    assert vot_raster_overlap(pred, gt, (100, 90)) == ref


def test_regression_polygon_nodes_truncate_relative_to_the_window(realdata):
    """vot-toolkit computes a polygon node as ``(x_i - window_left) + offset`` in float64 and truncates it, so the
    raster of the same polygon can differ by a pixel between windows. Rasterizing the ground truth once on its own
    window (the shortcut used for many repetitions) gave 0.316 instead of vot-toolkit's 0.31580 on bag frame 81."""
    from vot.region import calculate_overlaps

    from trackbench.metrics.vot.overlap import vot_raster_overlaps_many

    gt = read_sot_regions(realdata / "vot" / "VOT2018_subset" / "bag" / "groundtruth.txt")[80]
    pred = np.array([104.5, 80.93, 97.02, 94.45])
    ref = calculate_overlaps([_vot_region(pred)], [_vot_region(gt)], BAG_SIZE)[0]
    assert ref == pytest.approx(0.3158048780487805, abs=1e-15)
    assert vot_raster_overlaps_many([[pred]], [gt], BAG_SIZE)[0][0] == ref
    assert vot_raster_overlap(pred, gt, BAG_SIZE) == ref


def test_many_repetitions_shortcut_equals_single_overlaps():
    from trackbench.metrics.vot.overlap import vot_raster_overlaps_many

    rng = np.random.default_rng(8)
    for _ in range(60):
        ang = rng.uniform(0, np.pi)
        rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
        gt = ((np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * rng.uniform(0.3, 50, 2)) @ rot.T
              + rng.uniform(-20, 120, 2)).ravel()
        if rng.random() < 0.3:
            gt = np.r_[rng.uniform(-20, 120, 2), rng.uniform(-2, 60, 2)]
        runs = [[np.r_[rng.uniform(-30, 130, 2), rng.uniform(-3, 70, 2)]] for _ in range(4)]
        runs.append([np.array([2.0])])
        fast = vot_raster_overlaps_many(runs, [gt], (100, 90))
        for run, value in zip(runs, fast):
            assert value[0] == vot_raster_overlap(run[0], gt, (100, 90))
