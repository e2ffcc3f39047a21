"""Per-identity error timelines (``metrics/mot/timelines.py``): they count exactly what CLEAR counts (IDSW, Frag, FP,
FN per sequence), their identities add up to the sequence, worst first, with the ids and frames of the files."""

from __future__ import annotations

import pytest

from trackbench.metrics.mot.benchmarks.motchallenge import get_rules
from trackbench.metrics.mot.evaluate import evaluate_mot
from trackbench.metrics.mot.timelines import tracker_errors
from trackbench.synthetic.mot import SequenceSpec, write_benchmark

SPECS = [SequenceSpec(f"MOT17-{i:02d}", 70 + 20 * i, 12, 640, 480) for i in range(3)]
COUNTS = {"IDSW": "IDSW", "Frag": "Frag", "FP": "CLR_FP", "FN": "CLR_FN"}


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    return write_benchmark(root, SPECS, seed=4, trackers={"trk": 3})


def _eval_counts(paths, benchmark="MOT17"):
    res = evaluate_mot(get_rules(benchmark), paths["gt"], [paths["trk"]], ["CLEAR"])[0]
    per_seq = {s: {k: int(f["CLEAR"][v]) for k, v in COUNTS.items()} for s, f in res.sequences.items()}
    return per_seq, {k: int(res.combined["CLEAR"][v]) for k, v in COUNTS.items()}


@pytest.mark.parametrize("benchmark", ["MOT17", "MOT15"])
def test_timelines_count_what_eval_counts(bench, benchmark):
    per_seq, _ = _eval_counts(bench, benchmark)
    errors = tracker_errors(get_rules(benchmark), bench["gt"], bench["trk"])
    assert sum(e.counts["IDSW"] for e in errors) > 0  # the generated tracker does switch ids
    for seq in errors:
        assert {k: seq.counts[k] for k in COUNTS} == per_seq[seq.name]
        # the identities' own numbers add up to the sequence's
        assert sum(t.switches for t in seq.identities) == seq.counts["IDSW"]
        assert sum(t.fragments for t in seq.identities) == seq.counts["Frag"]
        assert sum(t.missed for t in seq.identities) == seq.counts["FN"]
        assert int(seq.fp_per_frame.sum()) == seq.counts["FP"]
        keys = [(-t.switches, -t.fragments, t.assoc) for t in seq.identities]
        assert keys == sorted(keys)  # worst first


def test_switch_frames_and_tracker_ids_come_from_the_files(tmp_path):
    """One gt identity (id 7) followed by tracker id 3 on frames 1-4, missed on 5, then tracker id 9 on 6-8."""
    seq = tmp_path / "gt" / "MOT15-XX"
    (seq / "gt").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=MOT15-XX\nseqLength=8\n")
    (seq / "gt" / "gt.txt").write_text("".join(f"{f},7,10,10,20,40,1,-1,-1,-1\n" for f in range(1, 9)))
    trk = tmp_path / "trk"
    trk.mkdir()
    rows = [f"{f},3,10,10,20,40,1,-1,-1,-1\n" for f in range(1, 5)] + [f"{f},9,11,10,20,40,1,-1,-1,-1\n"
                                                                       for f in range(6, 9)]
    # a false positive on frame 5 makes it an evaluated frame (CLEAR skips frames without tracker boxes), so the
    # miss there breaks the track into two fragments
    (trk / "MOT15-XX.txt").write_text("".join(rows) + "5,4,300,300,20,40,1,-1,-1,-1\n")
    (errors,) = tracker_errors(get_rules("MOT15"), tmp_path / "gt", trk)
    (t,) = errors.identities
    assert t.gt_id == 7 and t.frames.tolist() == list(range(1, 9))
    assert t.tracker_ids.tolist() == [3, 3, 3, 3, -1, 9, 9, 9]
    assert t.switch_frames.tolist() == [6] and t.fragments == 1 and t.missed == 1
    assert errors.fp_per_frame.tolist() == [0, 0, 0, 0, 1, 0, 0, 0]
    assert errors.counts == {"IDSW": 1, "Frag": 1, "FP": 1, "FN": 1, "TP": 7}
