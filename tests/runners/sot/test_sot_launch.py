"""``trackbench run`` with the SOT methods: ``--protocol ope|vot``, ``--repetitions``, ``--checkpoint``,
``--img-root``, ``--eval``, on the real OTB Basketball and VOT bag frames."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from trackbench.cli.app import main
from trackbench.runners.models.siamrpn.model import TEST_PARAMS, SiamRpnConfig, SiamRpnPlusPlus
from trackbench.runners.models.siamrpn.checkpoint import to_mmtracking_state_dict
from trackbench.runners.registry import METHODS
from trackbench.runners.sot.methods import SIAMRPN_BENCHMARKS

from sot_data import write_cocovid


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def datasets(realdata, tmp_path_factory):
    """CocoVID files whose file_name is relative to --img-root: Basketball (60 frames) and bag (all 196)."""
    folder = tmp_path_factory.mktemp("sot_ann")
    gt = np.loadtxt(realdata / "otb" / "OTB100" / "Basketball" / "groundtruth_rect.txt", delimiter=",")[:60]
    otb = write_cocovid(folder / "otb.json", "Basketball", [f"Basketball/img/{i:04d}.jpg" for i in range(1, 61)],
                        576, 432, gt)
    polygons = np.loadtxt(realdata / "vot" / "VOT2018_subset" / "bag" / "groundtruth.txt", delimiter=",")
    xs, ys = polygons[:, 0::2], polygons[:, 1::2]
    boxes = np.stack([xs.min(1), ys.min(1), xs.max(1) - xs.min(1), ys.max(1) - ys.min(1)], axis=1)
    vot = write_cocovid(folder / "vot.json", "bag", [f"bag/{i:08d}.jpg" for i in range(1, len(boxes) + 1)], 480,
                        360, boxes, polygons)
    short = write_cocovid(folder / "vot3.json", "bag", [f"bag/{i:08d}.jpg" for i in range(1, 4)], 480, 360,
                          boxes[:3], polygons[:3])
    return {"otb": otb, "otb_root": realdata / "otb" / "OTB100", "vot": vot, "vot3": short,
            "vot_root": realdata / "vot" / "VOT2018_subset"}


def test_sot_methods_are_registered():
    assert METHODS["ncc"].task == METHODS["siamrpn"].task == "sot"
    assert METHODS["siamrpn"].needs_checkpoint and not METHODS["siamrpn"].needs_detections
    assert not METHODS["ncc"].needs_checkpoint
    assert tuple(sorted(TEST_PARAMS)) == SIAMRPN_BENCHMARKS


def test_run_ncc_ope_then_eval(datasets, tmp_path, capsys, oracle_numpy):
    out = tmp_path / "ncc_ope"
    code = main(["run", "ncc", "--dataset", str(datasets["otb"]), "--img-root", str(datasets["otb_root"]),
                 "--out", str(out), "--protocol", "ope", "--eval", "--benchmark", "otb"])
    assert code == 0
    boxes = np.loadtxt(out / "Basketball.txt", delimiter=",")
    assert boxes.shape == (60, 4)
    assert len((out / "Basketball_time.txt").read_text().splitlines()) == 60
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["method"] == "ncc" and manifest["config"]["protocol"] == "ope"
    assert manifest["counts"]["ok"] == 1
    assert not (out / "results.json").exists()  # SOT runs keep their own files only
    printed = capsys.readouterr().out
    assert "ncc_ope" in printed  # the SOT table names the tracker after the results folder


def test_run_ncc_vot_with_repetitions(datasets, tmp_path, capsys, oracle_numpy):
    out = tmp_path / "ncc_vot"
    assert main(["run", "ncc", "--dataset", str(datasets["vot"]), "--img-root", str(datasets["vot_root"]),
                 "--out", str(out), "--protocol", "vot", "--repetitions", "4", "--eval"]) == 0
    assert "EAO" in capsys.readouterr().out  # scored with the VOT2018 protocol
    folder = out / "baseline" / "bag"
    assert sorted(p.name for p in folder.glob("*.txt")) == ["bag_001.txt", "bag_002.txt", "bag_003.txt"]
    assert (folder / "bag_001_time.value").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["repetitions"] == 4
    notes = manifest["videos"]["bag"]["notes"]
    assert notes["protocol"] == "vot" and notes["repetitions"] == 3
    # a second run in the same folder continues it (nothing left to do)
    assert main(["run", "ncc", "--dataset", str(datasets["vot"]), "--img-root", str(datasets["vot_root"]),
                 "--out", str(out), "--protocol", "vot", "--repetitions", "4", "--resume"]) == 0


def test_bad_sot_options_are_one_line_errors(datasets, tmp_path, capsys):
    base = ["--dataset", str(datasets["vot3"]), "--img-root", str(datasets["vot_root"])]
    assert main(["run", "ncc", *base, "--out", str(tmp_path / "a"), "--protocol", "eao"]) == 2
    assert "unknown SOT protocol 'eao'; valid: ope, vot" in capsys.readouterr().err
    assert main(["run", "siamrpn", *base, "--out", str(tmp_path / "b")]) == 2
    assert "needs --checkpoint" in capsys.readouterr().err
    assert main(["run", "sort", *base, "--out", str(tmp_path / "c"), "--protocol", "vot"]) == 2
    assert "--protocol and --repetitions apply to single-object trackers" in capsys.readouterr().err
    assert main(["run", "siamrpn", *base, "--out", str(tmp_path / "d"), "--set", "benchmark=got10k"]) == 2
    assert "unknown SiamRPN++ benchmark 'got10k'" in capsys.readouterr().err


def test_run_siamrpn_with_an_mmtracking_checkpoint(datasets, tmp_path, capsys):
    """Full-size SiamRPN++ (random weights saved under MMTracking's names) through the launcher: VOT protocol on
    3 real frames. A checkpoint of the wrong size fails the video with the strict loader's key list."""
    torch.manual_seed(0)
    ckpt = tmp_path / "siamrpn_r50.pth"
    torch.save({"meta": {"epoch": 20}, "state_dict": to_mmtracking_state_dict(SiamRpnPlusPlus())}, ckpt)
    out = tmp_path / "siamrpn"
    base = ["--dataset", str(datasets["vot3"]), "--img-root", str(datasets["vot_root"])]
    assert main(["run", "siamrpn", *base, "--out", str(out), "--checkpoint", str(ckpt), "--protocol", "vot",
                 "--repetitions", "1"]) == 0
    lines = (out / "baseline" / "bag" / "bag_001.txt").read_text().splitlines()
    assert len(lines) == 3 and lines[0] == "1"
    small = tmp_path / "small.pth"
    torch.save({"state_dict": to_mmtracking_state_dict(SiamRpnPlusPlus(SiamRpnConfig(base_channels=8,
                                                                                     adjust_channels=16)))}, small)
    capsys.readouterr()
    assert main(["run", "siamrpn", *base, "--out", str(tmp_path / "bad"), "--checkpoint", str(small)]) == 1
    err = capsys.readouterr().err
    assert "SiamRPN++ checkpoint does not match the model" in err and "shape mismatches" in err
