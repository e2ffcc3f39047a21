"""The house rules of the package layout (issue 15), checked so the layout does not drift as models are added:
small modules, folders a newcomer can scan, and imports that follow the data flow."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "trackbench"
MAX_LINES = 500
MAX_MODULES_PER_FOLDER = 12  # "about 10": a family that grows past this gets subpackages
# (importer folder, folders it must not import): formats sit below converters and metrics, metrics below the
# runners and the CLI, and nothing below cli/ imports it.
FORBIDDEN_IMPORTS = [
    ("formats", ("trackbench.converters", "trackbench.metrics", "trackbench.runners", "trackbench.cli")),
    ("cocovid", ("trackbench.converters", "trackbench.runners", "trackbench.cli")),
    ("metrics", ("trackbench.converters", "trackbench.runners", "trackbench.cli")),
    ("converters", ("trackbench.runners", "trackbench.cli")),
    ("runners", ("trackbench.cli",)),
]


def _modules(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.py") if "__pycache__" not in p.parts]


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_over_500_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in _modules(PACKAGE)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_folders_stay_scannable():
    crowded = {}
    for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__")]:
        modules = [p for p in folder.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
        if len(modules) > MAX_MODULES_PER_FOLDER:
            crowded[str(folder.relative_to(PACKAGE.parent))] = len(modules)
    assert not crowded, f"folders with more than {MAX_MODULES_PER_FOLDER} modules: {crowded}"


def test_imports_follow_the_data_flow():
    wrong = []
    for folder, forbidden in FORBIDDEN_IMPORTS:
        for path in _modules(PACKAGE / folder):
            for name in _imported(path):
                if name.startswith(forbidden):
                    wrong.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    assert not wrong, "\n".join(wrong)
