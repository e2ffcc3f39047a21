"""tests/golden/official/PROVENANCE.json in issue 18's layout: one ``"fixtures"`` object, an entry per official
fixture that says how it was made, and every fixture file on disk named by an entry."""

from __future__ import annotations

import json

import pytest
from official_fixtures import OFFICIAL, PROVENANCE, all_provenance

pytestmark = pytest.mark.official_golden

ISSUE_18 = ("qdtrack", "faster_rcnn_reid", "siamrpn", "sort", "deepsort", "bytetrack", "ocsort", "strongsort")


def test_one_fixtures_object_with_the_issues_entries():
    data = json.loads(PROVENANCE.read_text())
    assert list(data) == ["fixtures"]
    entries = all_provenance()
    assert set(ISSUE_18) <= set(entries), sorted(set(ISSUE_18) - set(entries))
    for name, entry in entries.items():
        assert isinstance(entry, dict) and entry, name
        assert "command" in json.dumps(entry), f"{name}: no command recorded"


def test_every_fixture_file_is_named_by_an_entry():
    text = json.dumps(all_provenance())
    files = [p for p in OFFICIAL.iterdir() if p.is_file() and p.name != "PROVENANCE.json"]
    folders = [p for p in OFFICIAL.iterdir() if p.is_dir()]
    unnamed = [p.name for p in files + folders if p.name not in text]
    assert not unnamed, f"not named in {PROVENANCE.name}: {unnamed}"
