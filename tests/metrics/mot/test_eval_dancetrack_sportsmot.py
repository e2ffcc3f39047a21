"""DanceTrack and SportsMOT: TrackEval's ``MotChallenge2DBox`` with BENCHMARK DanceTrack / SportsMOT (what their
official scripts run), their own seqmaps, track ids from 0; the CLI finds ``<root>/<split>/<seq>``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mot_helpers import assert_same, gt_row, run_trackeval, tr_row, write_layout
from test_eval_parity import random_sequence
from trackbench.cli.app import main
from trackbench.metrics.mot.benchmarks.motchallenge import get_rules
from trackbench.metrics.mot.evaluate import FAMILIES, evaluate_mot, flat_fields


def zero_based(rows: np.ndarray) -> np.ndarray:
    """Ids shifted so the smallest is 0 (SportsMOT's gt starts there)."""
    rows = rows.copy()
    if len(rows):
        rows[:, 1] -= rows[:, 1].min()
    return rows


@pytest.mark.parametrize("benchmark", ["DanceTrack", "SportsMOT"])
@pytest.mark.parametrize("seed", range(2))
def test_parity_with_ids_from_zero_and_a_seqmap(tmp_path, oracle_numpy, benchmark, seed):
    rng = np.random.default_rng(seed + 40)
    seqs = {}
    for k in range(3):
        length = int(rng.integers(1, 25))
        gt, tr = random_sequence(rng, length, crowd=int(rng.integers(1, 9)))
        gt[:, 7] = 1  # these datasets label every box a pedestrian
        seqs[f"{benchmark.lower()}{k:04d}"] = (length, zero_based(gt), zero_based(tr))
    root = write_layout(tmp_path, seqs)
    chosen = sorted(seqs)[:2]
    seqmap = tmp_path / "val_seqmap.txt"
    seqmap.write_text("name\n" + "".join(f"{s}\n" for s in chosen))
    res = evaluate_mot(get_rules(benchmark), root / "gt", [root / "trackers" / "trk"], list(FAMILIES),
                       seqmap=seqmap)[0]
    mine = {seq: flat_fields(f) for seq, f in res.sequences.items()}
    mine["combined"] = flat_fields(res.combined)
    assert_same(mine, run_trackeval(str(root / "gt"), str(root / "trackers"), "trk", benchmark, chosen))


def test_cli_split_folder_and_seqmap(tmp_path, capsys):
    box = (10.0, 10.0, 40.0, 80.0)
    write_layout(tmp_path / "dancetrack", {"dancetrack0001": (2, np.array([gt_row(1, 0, *box), gt_row(2, 0, *box)]),
                                                              np.array([tr_row(1, 0, *box), tr_row(2, 3, *box)]))})
    (tmp_path / "dancetrack" / "gt").rename(tmp_path / "dancetrack" / "val")
    (tmp_path / "val_seqmap.txt").write_text("name\ndancetrack0001\n")
    code = main(["eval", "--benchmark", "DanceTrack", "--gt", str(tmp_path / "dancetrack"), "--split", "val",
                 "--seqmap", str(tmp_path / "val_seqmap.txt"), "--results", str(tmp_path / "dancetrack/trackers/trk"),
                 "--format", "json"])
    assert code == 0
    combined = json.loads(capsys.readouterr().out)["trackers"]["trk"]["combined"]
    assert combined["IDSW"] == 1 and combined["CLR_TP"] == 2
