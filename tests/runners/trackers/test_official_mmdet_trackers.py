"""SORT, ByteTrack, OC-SORT, DeepSORT and StrongSORT against MMDetection 3.3's (tests/golden/official/trackers/,
PROVENANCE.json "sort" ... "strongsort"): ours run on the detections the official trackers were given, scored
against the stored official tracks, must give the table of docs/FIDELITY.md ("Association trackers vs
MMDetection 3.3") row by row, so that table cannot drift from the code. The two differ on purpose (ours follow
the authors', MMDetection MMTracking's re-implementations; FIDELITY.md lists where), hence an agreement table,
not equality."""

from __future__ import annotations

from pathlib import Path

import pytest
from mmdet_agreement import TABLE_HEADER, TRACKERS, all_inputs, inputs_digest, read_fixture, table_rows
from official_fixtures import OFFICIAL, provenance

pytestmark = pytest.mark.official_golden

FIDELITY = Path(__file__).resolve().parents[3] / "docs" / "FIDELITY.md"
SECTION = "## Association trackers vs MMDetection 3.3"


def documented_rows() -> list[str]:
    """The table rows under SECTION in docs/FIDELITY.md (header and separator checked, then left out)."""
    text = FIDELITY.read_text(encoding="utf-8")
    assert SECTION in text, f"{FIDELITY}: no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    assert "\n".join(lines[:2]) == TABLE_HEADER, lines[:2]
    return lines[2:]


@pytest.fixture(scope="module")
def inputs(realdata, oracle_numpy):
    return all_inputs(realdata)


def test_the_table_has_a_row_per_tracker_and_nothing_else():
    assert sorted({row.split("|")[1].strip() for row in documented_rows()}) == sorted(TRACKERS)


@pytest.mark.parametrize("name", TRACKERS)
def test_agreement_with_mmdetection_is_the_documented_row(name, inputs):
    info, official = read_fixture(OFFICIAL / "trackers" / f"{name}_mmdet33.npz", name)
    # the detections rebuilt from ../shared/realdata are the ones MMDetection's tracker was given
    assert info["inputs_sha256"] == provenance(name)["inputs_sha256"] == inputs_digest(inputs)
    assert all(len(rows) for rows in official.values())
    documented = [row for row in documented_rows() if row.startswith(f"| {name} |")]
    assert table_rows([name], inputs, official) == documented
