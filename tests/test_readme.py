"""README stays true (issue 16, item 13): exactly two set-up commands, each installing into a virtual environment
it makes; and its example, run as written, writes only under an ignored folder and reproduces the committed
``leaderboards/mot15_tud.md`` line for line (the tracker's name included)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from trackbench.cli.app import main

REPO = Path(__file__).resolve().parents[1]


def _readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def _ignored() -> set[str]:
    lines = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    return {line.strip().strip("/") for line in lines if line.strip() and not line.startswith("#")}


def test_readme_has_two_setup_commands_in_a_virtual_environment():
    setup = _readme().split("## Set up", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)\n```", setup, re.S)
    assert len(blocks) == 2 and "trackbench demo" in blocks[0] and "python -m pytest" in blocks[1]
    for block in blocks:
        assert "\n" not in block and block.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install ")
    assert ".venv" in _ignored()


def test_readme_example_reproduces_the_committed_leaderboard(realdata, tmp_path, monkeypatch):
    example = _readme().split("Example on the real files", 1)[1].split("\n\n", 1)[0]
    commands = [shlex.split(c) for c in re.findall(r"`(trackbench [^`]+)`", example)]
    assert [c[1] for c in commands] == ["eval", "leaderboard"]
    # run from a checkout's place: ../shared/realdata beside it
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "realdata").symlink_to(realdata)
    monkeypatch.chdir(checkout)
    for command in commands:
        out = command[command.index("--out") + 1]
        assert Path(out).parts[0] in _ignored(), f"{out} is not under an ignored folder"
        assert main(command[1:]) == 0
    written = checkout / commands[-1][commands[-1].index("--out") + 1]
    assert written.read_text(encoding="utf-8") == (REPO / "leaderboards" / "mot15_tud.md").read_text(encoding="utf-8")
    assert {p.relative_to(checkout).parts[0] for p in checkout.rglob("*")} <= _ignored()


def test_ci_runs_readmes_test_command_verbatim():
    setup = _readme().split("## Set up", 1)[1].split("\n## ", 1)[0]
    test_command = re.findall(r"```bash\n(.*?)\n```", setup, re.S)[1]
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines
