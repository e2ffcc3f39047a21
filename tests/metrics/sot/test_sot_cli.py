"""``trackbench eval --task sot`` end to end: layouts, output formats, plots, and one-line errors for bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trackbench.cli.app import main
from trackbench.formats.sot_txt import read_flags, read_sot_boxes, read_vot_trajectory
from trackbench.metrics.sot.synthetic import perturb_boxes_xywh, vot_trajectory_from_boxes
from trackbench.errors import InputFileError


def _write(path, rows, sep=","):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(sep.join(f"{v:g}" for v in r) + "\n" for r in rows))


@pytest.fixture()
def lasot_layout(tmp_path):
    """Two sequences in the LaSOTBenchmark layout (class/seq/groundtruth.txt + full_occlusion/out_of_view)."""
    rng = np.random.default_rng(0)
    gts = {}
    for name in ("cat-1", "cat-2"):
        n = 60
        base = np.cumsum(rng.normal(0, 2, (n, 2)), axis=0) + 100
        gt = np.round(np.c_[base, np.full((n, 2), 30.0)])
        occ = np.zeros(n, int)
        occ[20:25] = 1
        d = tmp_path / "gt" / "cat" / name
        _write(d / "groundtruth.txt", gt)
        (d / "full_occlusion.txt").write_text(",".join(map(str, occ)) + "\n")
        (d / "out_of_view.txt").write_text(",".join("0" for _ in range(n)) + "\n")
        gts[name] = gt
    for t, sep in (("alpha", ","), ("beta", "\t")):
        for i, (name, gt) in enumerate(gts.items()):
            _write(tmp_path / "res" / t / f"{name}.txt", perturb_boxes_xywh(gt, 10 * i + len(t)), sep)
    return tmp_path, gts


def _run(capsys, *args):
    code = main(["eval", "--task", "sot", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_output_has_sequences_overall_and_curves(lasot_layout, capsys):
    root, gts = lasot_layout
    code, out, err = _run(capsys, "--protocol", "lasot", "--gt", root / "gt", "--results", root / "res" / "alpha",
                          root / "res" / "beta", "--format", "json")
    assert code == 0, err
    record = json.loads(out)
    assert record["protocol"] == "lasot" and record["convention"] == "official"
    assert set(record["trackers"]) == {"alpha", "beta"}
    alpha = record["trackers"]["alpha"]
    assert set(alpha["sequences"]) == set(gts)
    for key in ("success_auc", "precision", "norm_precision", "success_rate", "success_curve", "precision_curve"):
        assert key in alpha["overall"]
    assert len(alpha["overall"]["success_curve"]) == 21 and len(alpha["overall"]["precision_curve"]) == 51
    # the occluded frames (absent) are failures: even the perfect frame-0 cannot lift success above 55/60
    assert alpha["sequences"]["cat-1"]["success_curve"][0] <= 55 / 60 + 1e-12


def test_table_csv_markdown_and_plots(lasot_layout, capsys, tmp_path):
    root, _ = lasot_layout
    out_dir = tmp_path / "out"
    for fmt in ("table", "csv", "markdown"):
        plots = ["--plots"] if fmt == "table" else []
        code, out, err = _run(capsys, "--protocol", "lasot", "--convention", "pytracking", "--gt", root / "gt",
                              "--results", root / "res" / "alpha", "--format", fmt, "--out", out_dir, *plots)
        assert code == 0, err
        assert "alpha" in out
    assert out.startswith("| Tracker | Success AUC")
    for name in ("success_plot.png", "precision_plot.png", "norm_precision_plot.png"):
        assert (out_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((out_dir / "sot_results.json").read_text())
    assert saved["convention"] == "pytracking"
    assert (out_dir / "sot_summary.csv").read_text().startswith("Tracker,Success AUC")


def test_missing_sequence_is_an_error_unless_allowed(lasot_layout, capsys):
    root, _ = lasot_layout
    (root / "res" / "alpha" / "cat-2.txt").unlink()
    code, _, err = _run(capsys, "--protocol", "lasot", "--gt", root / "gt", "--results", root / "res" / "alpha")
    assert code == 2 and "no results for 1 of 2 sequences (cat-2)" in err and "--allow-missing" in err
    code, out, err = _run(capsys, "--protocol", "lasot", "--gt", root / "gt", "--results", root / "res" / "alpha",
                          "--allow-missing", "--format", "json")
    assert code == 0 and "cat-2" in err
    assert json.loads(out)["missing"] == {"alpha": ["cat-2"]}


def test_row_count_and_nan_errors_name_file_and_line(lasot_layout, capsys):
    root, gts = lasot_layout
    bad = root / "res" / "alpha" / "cat-1.txt"
    lines = bad.read_text().splitlines()
    bad.write_text("\n".join(lines[:-3]) + "\n")
    code, _, err = _run(capsys, "--protocol", "lasot", "--gt", root / "gt", "--results", root / "res" / "alpha")
    assert code == 2 and f"{bad}:58" in err and "57 result rows for 60 frames" in err
    lines[7] = "nan,1,2,3"
    bad.write_text("\n".join(lines) + "\n")
    code, _, err = _run(capsys, "--protocol", "otb", "--gt", root / "gt", "--results", root / "res" / "alpha")
    assert code == 2 and f"{bad}:8" in err and "not finite" in err
    assert "Traceback" not in err


def test_sequences_option_scores_a_subset(lasot_layout, capsys):
    root, _ = lasot_layout
    code, out, err = _run(capsys, "--protocol", "lasot", "--gt", root / "gt", "--results", root / "res" / "alpha",
                          "--sequences", "cat-2", "--format", "json")
    assert code == 0, err
    assert list(json.loads(out)["trackers"]["alpha"]["sequences"]) == ["cat-2"]
    code, _, err = _run(capsys, "--protocol", "lasot", "--gt", root / "gt", "--results", root / "res" / "alpha",
                        "--sequences", "dog-9")
    assert code == 2 and "dog-9" in err


def test_unknown_protocol_and_convention(lasot_layout, capsys):
    root, _ = lasot_layout
    code, _, err = _run(capsys, "--protocol", "lasott", "--gt", root / "gt", "--results", root / "res" / "alpha")
    assert code == 2 and "unknown SOT protocol 'lasott'" in err and "vot2018" in err
    code, _, err = _run(capsys, "--protocol", "otb", "--convention", "matlab", "--gt", root / "gt",
                        "--results", root / "res" / "alpha")
    assert code == 2 and "mmtracking" in err and "pytracking" in err


def test_cocovid_ground_truth_and_results_json_match_text_files(lasot_layout, capsys, tmp_path):
    root, gts = lasot_layout
    videos, images, anns, results = [], [], [], []
    for vid, (name, gt) in enumerate(sorted(gts.items()), start=1):
        videos.append({"id": vid, "name": name, "width": 640, "height": 480, "attributes": ["Deformation"]})
        pred = read_sot_boxes(root / "res" / "alpha" / f"{name}.txt")
        for f, box in enumerate(gt):
            img_id = vid * 1000 + f
            absent = 20 <= f < 25
            images.append({"id": img_id, "video_id": vid, "frame_id": f, "file_name": f"{name}/{f:08d}.jpg",
                           "width": 640, "height": 480, "absent": absent})
            anns.append({"id": img_id, "image_id": img_id, "video_id": vid, "category_id": 1, "instance_id": vid,
                         "bbox": box.tolist(), "area": float(box[2] * box[3]), "iscrowd": 0})
            results.append({"image_id": img_id, "bbox": pred[f].tolist(), "score": 1.0})
    gt_json = tmp_path / "gt.json"
    gt_json.write_text(json.dumps({"videos": videos, "images": images, "annotations": anns,
                                   "categories": [{"id": 1, "name": "cat"}]}))
    res_json = tmp_path / "alpha.json"
    res_json.write_text(json.dumps(results))
    code, out_txt, err = _run(capsys, "--protocol", "lasot", "--gt", root / "gt", "--results", root / "res" / "alpha",
                              "--format", "json")
    assert code == 0, err
    code, out_json, err = _run(capsys, "--protocol", "lasot", "--gt", gt_json, "--results", res_json,
                               "--name", "alpha", "--format", "json")
    assert code == 0, err
    a, b = json.loads(out_txt)["trackers"]["alpha"], json.loads(out_json)["trackers"]["alpha"]
    assert a["overall"]["success_auc"] == b["overall"]["success_auc"]
    assert a["overall"]["norm_precision"] == b["overall"]["norm_precision"]
    assert b["attributes"]["Deformation"]["sequences"] == 2


def test_vot_layout_with_codes(tmp_path, capsys):
    rng = np.random.default_rng(2)
    n = 80
    gt = np.c_[np.cumsum(rng.normal(0, 3, (n, 2)), axis=0) + 200, np.full((n, 2), 40.0)]
    polys = np.c_[gt[:, 0], gt[:, 1], gt[:, 0] + 40, gt[:, 1], gt[:, 0] + 40, gt[:, 1] + 40, gt[:, 0], gt[:, 1] + 40]
    seq = tmp_path / "vot" / "ball"
    _write(seq / "groundtruth.txt", polys)
    (seq / "occlusion.tag").write_text("\n".join("1" if 10 <= i < 20 else "0" for i in range(n)))
    from PIL import Image

    (seq / "color").mkdir()
    Image.new("RGB", (640, 480)).save(seq / "color" / "00000001.jpg")
    for r in range(3):
        traj = vot_trajectory_from_boxes(gt, perturb_boxes_xywh(gt, r, drift=0.08, lost_rate=0.03))
        path = tmp_path / "res" / "trk" / "baseline" / "ball" / f"ball_{r + 1:03d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join("%d" % v[0] if len(v) == 1 else ",".join("%.4f" % x for x in v) for v in traj))
    assert [len(r) for r in read_vot_trajectory(path)][0] == 1
    code, out, err = _run(capsys, "--protocol", "vot2018", "--gt", tmp_path / "vot", "--results",
                          tmp_path / "res" / "trk", "--format", "json")
    assert code == 0, err
    o = json.loads(out)["trackers"]["trk"]
    assert o["sequences"]["ball"]["repetitions"] == 3
    # 80 frames: no fragment reaches the VOT2018 interval (100..356), so there is no EAO, as in vot-toolkit
    assert o["overall"]["eao"] is None and o["overall"]["eao_interval"] == [100, 356]
    assert 0 < o["overall"]["accuracy"] <= 1 and o["overall"]["robustness"] > 0
    assert "occlusion" in o["attributes"]
    code, out, err = _run(capsys, "--protocol", "vot2018", "--convention", "got10k", "--gt", tmp_path / "vot",
                          "--results", tmp_path / "res" / "trk", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "Tracker,Accuracy,Robustness,Sequences"
    # the same sequence as CocoVID (polygon on the annotation, tags on the image) scores the same
    images, anns = [], []
    for f in range(n):
        images.append({"id": f + 1, "video_id": 1, "frame_id": f, "file_name": f"ball/{f:08d}.jpg", "width": 640,
                       "height": 480, "vot_tags": ["occlusion"] if 10 <= f < 20 else []})
        anns.append({"id": f + 1, "image_id": f + 1, "video_id": 1, "category_id": 1, "instance_id": 1,
                     "bbox": gt[f].tolist(), "vot_polygon": polys[f].tolist(), "area": 1600.0, "iscrowd": 0})
    coco = tmp_path / "vot.json"
    coco.write_text(json.dumps({"videos": [{"id": 1, "name": "ball", "width": 640, "height": 480}],
                                "images": images, "annotations": anns, "categories": [{"id": 1, "name": "ball"}]}))
    code, out2, err = _run(capsys, "--protocol", "vot2018", "--gt", coco, "--results", tmp_path / "res" / "trk",
                           "--format", "json")
    assert code == 0, err
    assert json.loads(out2)["trackers"]["trk"]["overall"] == o["overall"]


def test_unpublished_test_split_is_refused(tmp_path, capsys):
    images = [{"id": f + 1, "video_id": 1, "frame_id": f, "file_name": f"{f}.jpg", "unknown": f > 0}
              for f in range(5)]
    anns = [{"id": 1, "image_id": 1, "video_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5]}]
    gt = tmp_path / "test.json"
    gt.write_text(json.dumps({"videos": [{"id": 1, "name": "s", "width": 10, "height": 10}], "images": images,
                              "annotations": anns, "categories": [{"id": 1, "name": "x"}]}))
    _write(tmp_path / "res" / "s.txt", [[1, 1, 5, 5]] * 5)
    code, _, err = _run(capsys, "--protocol", "got10k", "--gt", gt, "--results", tmp_path / "res")
    assert code == 2 and "not published" in err


def test_got10k_layout_with_repetitions(tmp_path, capsys):
    rng = np.random.default_rng(4)
    for name in ("GOT-10k_Val_000001", "GOT-10k_Val_000002"):
        n = 50
        gt = np.c_[np.cumsum(rng.normal(0, 3, (n, 2)), axis=0) + 100, np.full((n, 2), 50.0)]
        d = tmp_path / "val" / name
        _write(d / "groundtruth.txt", gt)
        (d / "absence.label").write_text("\n".join("0" for _ in range(n)))
        (d / "cover.label").write_text("\n".join("0" if i == 7 else "8" for i in range(n)))
        (d / "meta_info.ini").write_text("[METAINFO]\nresolution: (1280, 720)\n")
        (tmp_path / "val" / "list.txt").open("a").write(name + "\n")
        for r in range(3):
            _write(tmp_path / "res" / "trk" / name / f"{name}_{r + 1:03d}.txt", perturb_boxes_xywh(gt, r))
    code, out, err = _run(capsys, "--protocol", "got10k", "--gt", tmp_path / "val", "--results",
                          tmp_path / "res" / "trk", "--format", "json")
    assert code == 0, err
    o = json.loads(out)["trackers"]["trk"]
    assert o["overall"]["frames"] == 2 * 3 * 48  # frame 0 and the cover-0 frame left out, 3 repetitions
    assert 0 < o["overall"]["AO"] <= 1 and len(o["overall"]["success_curve"]) == 101


def test_readers_accept_delimiters_and_reject_bad_lines(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("1,2,3,4\n5\t6\t7\t8\n9 10 11 12\n13, 14, 15, 16\n")
    np.testing.assert_array_equal(read_sot_boxes(p), np.arange(1, 17).reshape(4, 4))
    p.write_text("1,2,3,4\n1,2,3\n")
    with pytest.raises(InputFileError, match=r"a.txt:2: expected 4 numbers"):
        read_sot_boxes(p)
    p.write_text("1,2,3,4\n\n1,2,3,4\n")
    with pytest.raises(InputFileError, match=r"a.txt:2: empty line"):
        read_sot_boxes(p)
    p.write_text("1\n10,20,30,40\n2\n0\n0\n1\n1,2,3,4,5,6,7,8\n")
    rows = read_vot_trajectory(p)
    assert [len(r) for r in rows] == [1, 4, 1, 1, 1, 1, 8]
    p.write_text("1\n3\n")
    with pytest.raises(InputFileError, match=r"a.txt:2: a one-number line must be a code"):
        read_vot_trajectory(p)
    p.write_text("0\n1\n")
    np.testing.assert_array_equal(read_flags(p, length=4), [0, 1, 0, 0])


def test_otb_layout_with_several_targets_is_named_like_got10k(tmp_path):
    from trackbench.formats.sot_groundtruth import load_sot_groundtruth

    _write(tmp_path / "Jogging" / "groundtruth_rect.1.txt", [[1, 2, 3, 4]] * 3, "\t")
    _write(tmp_path / "Jogging" / "groundtruth_rect.2.txt", [[5, 6, 7, 8]] * 3)
    (tmp_path / "Human4").mkdir()
    (tmp_path / "Human4" / "groundtruth_rect.1.txt").write_text("")  # empty in OTB; got10k skips it
    _write(tmp_path / "Human4" / "groundtruth_rect.2.txt", [[1, 1, 2, 2]] * 2)
    gts = load_sot_groundtruth(tmp_path)
    assert [g.name for g in gts] == ["Human4", "Jogging.1", "Jogging.2"]
    assert gts[2].boxes[0].tolist() == [5, 6, 7, 8]


def test_corner_boxes_warn_once_and_box_format_xyxy_reads_them_sot(lasot_layout, capsys):
    root, gts = lasot_layout
    for name in gts:
        rows = np.loadtxt(root / "res" / "alpha" / f"{name}.txt", delimiter=",")
        rows[:, 2:] += rows[:, :2]
        _write(root / "res" / "corners" / f"{name}.txt", rows)
    code, out, err = _run(capsys, "--protocol", "lasot", "--gt", root / "gt", "--results", root / "res" / "corners",
                          "--format", "json")
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning")]
    assert len(warnings) == 1 and "--box-format xyxy" in warnings[0] and "cat-1" in warnings[0]
    code, out, err = _run(capsys, "--protocol", "lasot", "--gt", root / "gt", "--results", root / "res" / "corners",
                          "--box-format", "xyxy", "--format", "json")
    assert code == 0 and "warning" not in err
    as_corners = json.loads(out)["trackers"]["corners"]["overall"]
    code, out, err = _run(capsys, "--protocol", "lasot", "--gt", root / "gt", "--results", root / "res" / "alpha",
                          "--format", "json")
    assert "warning" not in err  # real x, y, w, h results: no warning
    original = json.loads(out)["trackers"]["alpha"]["overall"]
    for key in ("success_auc", "precision", "norm_precision"):
        assert as_corners[key] == pytest.approx(original[key], abs=1e-12), key
    code, _, err = _run(capsys, "--protocol", "vot2018", "--gt", root / "gt", "--results", root / "res" / "corners",
                        "--box-format", "xyxy")
    assert code == 2 and "VOT trajectories" in err


def test_sot_subset_is_named_in_output_and_record(lasot_layout, capsys, tmp_path):
    root, gts = lasot_layout
    code, out, err = _run(capsys, "--protocol", "lasot", "--gt", root / "gt", "--results", root / "res" / "alpha",
                          "--sequences", "cat-1", "--out", tmp_path / "store")
    assert code == 0, err
    assert "scored 1 of the 2 sequences; not scored: 1 not in --sequences (cat-2)" in err
    record = json.loads(next((tmp_path / "store").glob("*.record.json")).read_text())
    assert record["coverage"]["scored"] == ["cat-1"] and record["coverage"]["not_scored"] == {
        "cat-2": "not in --sequences"}
