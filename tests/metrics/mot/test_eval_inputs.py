"""Bad MOT input gives one clear error naming the file, the line and the problem (no traceback, nothing scored)."""

from __future__ import annotations

import numpy as np
import pytest

from mot_helpers import gt_row, tr_row, write_layout
from trackbench.cli.app import main
from trackbench.errors import InputFileError, TrackbenchError
from trackbench.metrics.mot.benchmarks.motchallenge import get_rules, load_mot_sequence


def layout(tmp_path, gt, tr, length=3):
    write_layout(tmp_path, {"S": (length, np.array(gt, float), np.array(tr, float))})
    return tmp_path / "gt/S/gt/gt.txt", tmp_path / "trackers/trk/S.txt"


def load(gt_path, tr_path, length=3, benchmark="MOT17"):
    return load_mot_sequence(get_rules(benchmark), "S", length, gt_path, tr_path)


GOOD_GT = [gt_row(1, 1, 0, 0, 10, 20), gt_row(2, 1, 0, 0, 10, 20)]
GOOD_TR = [tr_row(1, 1, 0, 0, 10, 20), tr_row(2, 1, 0, 0, 10, 20)]


def test_prediction_class_above_one(tmp_path):
    gt_path, tr_path = layout(tmp_path, GOOD_GT, GOOD_TR)
    tr_path.write_text("1,1,0,0,10,20,1,1,-1,-1\n2,1,0,0,10,20,1,3,-1,-1\n")
    with pytest.raises(InputFileError) as err:
        load(gt_path, tr_path)
    assert err.value.line == 2 and "class 3" in str(err.value) and str(tr_path) in str(err.value)


def test_gt_class_out_of_range(tmp_path):
    gt_path, tr_path = layout(tmp_path, [gt_row(1, 1, 0, 0, 10, 20), gt_row(2, 2, 0, 0, 10, 20, cls=14)], GOOD_TR)
    with pytest.raises(InputFileError, match=r"gt\.txt:2: class 14 is not a MOTChallenge class"):
        load(gt_path, tr_path)


def test_frame_beyond_seq_length(tmp_path):
    gt_path, tr_path = layout(tmp_path, GOOD_GT, GOOD_TR + [tr_row(4, 1, 0, 0, 10, 20)])
    with pytest.raises(InputFileError, match=r"S\.txt:3: frame 4 is outside 1\.\.3"):
        load(gt_path, tr_path)


def test_same_id_twice_in_a_frame(tmp_path):
    gt_path, tr_path = layout(tmp_path, GOOD_GT, GOOD_TR + [tr_row(2, 1, 5, 5, 10, 20)])
    with pytest.raises(InputFileError, match=r"S\.txt:3: tracker id 1 appears twice in frame 2 \(also on line 2\)"):
        load(gt_path, tr_path)


def test_unparsable_row(tmp_path):
    gt_path, tr_path = layout(tmp_path, GOOD_GT, GOOD_TR)
    tr_path.write_text("1,1,0,0,10,20,1,-1,-1,-1\n2,1,zero,0,10,20,1,-1,-1,-1\n")
    with pytest.raises(InputFileError, match=r"S\.txt:2: not a number 'zero'"):
        load(gt_path, tr_path)


def test_short_row(tmp_path):
    gt_path, tr_path = layout(tmp_path, GOOD_GT, GOOD_TR)
    tr_path.write_text("1,1,0,0,10\n")
    with pytest.raises(InputFileError, match=r"S\.txt:1: expected at least 6 values, got 5"):
        load(gt_path, tr_path)


def test_cli_reports_one_line_and_exit_code_2(tmp_path, capsys):
    gt_path, tr_path = layout(tmp_path, GOOD_GT, GOOD_TR)
    tr_path.write_text("1,1,0,0,10,20,1,-1,-1,-1\n9,1,0,0,10,20,1,-1,-1,-1\n")
    code = main(["eval", "--benchmark", "MOT17", "--gt", str(tmp_path / "gt"), "--results",
                 str(tmp_path / "trackers/trk")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "S.txt:2: frame 9 is outside 1..3" in err and "Traceback" not in err


def test_missing_result_file_and_unknown_names(tmp_path):
    layout(tmp_path, GOOD_GT, GOOD_TR)
    (tmp_path / "trackers/trk/S.txt").unlink()
    from trackbench.metrics.mot.evaluate import evaluate_mot

    with pytest.raises(TrackbenchError, match="no result file for sequence S"):
        evaluate_mot(get_rules("MOT17"), tmp_path / "gt", [tmp_path / "trackers/trk"], ["HOTA"])
    with pytest.raises(TrackbenchError, match="unknown benchmark 'MOT99'; valid: DANCETRACK, MOT15, MOT16, MOT17, MOT20, SPORTSMOT"):
        get_rules("MOT99")
    from trackbench.metrics.mot.evaluate import families_for

    with pytest.raises(TrackbenchError, match="unknown metric 'HOTTA'"):
        families_for(["HOTTA"])
    assert families_for(["mota", "IDF1"]) == ["CLEAR", "Identity", "Count"]
