"""Runs that cannot work are refused before anything starts (issue 16, items 12 and 13): no output folder is
made, the error is one line saying what to pass instead (exit 2), never a run whose videos all fail."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from trackbench.cli.app import main
from trackbench.runners.launcher.detections import VideoDetections, save_cache


@pytest.fixture(scope="module")
def mot_split(realdata, tmp_path_factory):
    """Two real MOT15 sequences with their public detections."""
    root = tmp_path_factory.mktemp("mot") / "train"
    for seq in ("TUD-Campus", "TUD-Stadtmitte"):
        src = realdata / "mot" / "MOT15" / "train" / seq
        (root / seq / "det").mkdir(parents=True)
        shutil.copy(src / "det" / "det.txt", root / seq / "det" / "det.txt")
        shutil.copy(src / "seqinfo.ini", root / seq / "seqinfo.ini")
    return root


def _refused(args: list[str], out, capsys) -> str:
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert not out.exists() and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def test_deepsort_without_embeddings_is_refused_before_the_run(mot_split, tmp_path, capsys):
    err = _refused(["run", "deepsort", "--dataset", str(mot_split)], tmp_path / "run", capsys)
    assert "needs appearance embeddings" in err and "--detections CACHE_DIR" in err
    cache = tmp_path / "cache"  # a cache of boxes without embeddings
    for seq in ("TUD-Campus", "TUD-Stadtmitte"):
        save_cache(cache, seq, VideoDetections.build([1, 2], np.array([[0, 0, 10, 20], [1, 1, 11, 21]]), [0.9, 0.8]))
    err = _refused(["run", "strongsort", "--dataset", str(mot_split), "--detections", str(cache)],
                   tmp_path / "run", capsys)
    assert "TUD-Campus.npz" in err and "needs appearance embeddings" in err
    err = _refused(["run", "botsort", "--set", "with_reid=true", "--dataset", str(mot_split)], tmp_path / "run",
                   capsys)
    assert "needs appearance embeddings" in err


def test_sort_on_a_split_without_det_txt_is_refused_before_the_run(realdata, mot_split, tmp_path, capsys):
    err = _refused(["run", "sort", "--dataset", str(realdata / "mot" / "MOT17" / "train"),
                    "--sequences", "MOT17-02-FRCNN", "MOT17-04-FRCNN"], tmp_path / "run", capsys)
    assert "det/det.txt" in err and "MOT17-02-FRCNN, MOT17-04-FRCNN" in err and "--detections CACHE_DIR" in err
    partial = tmp_path / "partial"
    shutil.copytree(mot_split, partial)
    shutil.rmtree(partial / "TUD-Campus" / "det")
    err = _refused(["run", "sort", "--dataset", str(partial)], tmp_path / "run", capsys)
    assert "for TUD-Campus;" in err and "--sequences" in err
    err = _refused(["run", "sort", "--dataset", str(mot_split), "--detections", str(tmp_path / "empty_cache")],
                   tmp_path / "run", capsys)
    assert "detection cache folder" in err
    (tmp_path / "empty_cache").mkdir()
    err = _refused(["run", "sort", "--dataset", str(mot_split), "--detections", str(tmp_path / "empty_cache")],
                   tmp_path / "run", capsys)
    assert "no cached detections" in err and "TUD-Campus, TUD-Stadtmitte" in err


def test_ncc_on_a_sot_folder_gives_a_sot_error(realdata, tmp_path, capsys):
    err = _refused(["run", "ncc", "--dataset", str(realdata / "otb" / "OTB100")], tmp_path / "run", capsys)
    assert "single-object tracker" in err and "trackbench convert" in err and "MOTChallenge" not in err
