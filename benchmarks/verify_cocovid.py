"""Speed and memory of ``trackbench verify`` on a MOT17-size CocoVID file (issue 16, item 13).

The issue's figures: 21 s and 741 MB for the 151 MB MOT17 train JSON, against 6.8 s for ``convert`` to write it.
The file here is that same one, written by ``trackbench convert mot17`` from the real MOT17 gt beside the
repository (``../shared/realdata``), or any file given with ``--file``. Three whole processes are timed, each
as a user runs it (interpreter start and imports included), best wall of ``--repeat`` runs, peak RSS of that
process (``wait4``):

* ``trackbench verify FILE`` (ours: one streaming pass);
* ``python -c 'json.load(...)'``: only parsing the file the way the previous verify did before checking it,
  the floor of any reader that holds the whole file (there is no official verifier to time);
* ``trackbench convert mot17`` writing the file, the issue's point of comparison;
* the verify before issue 16 (``json.load`` of the whole file, then the checks), taken from git at ``--before``
  and run on the same file, when the repository's history has it.

    python benchmarks/verify_cocovid.py [--file X.json] [--repeat 3] [--before COMMIT]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REALDATA_MOT17 = REPO.parent / "shared" / "realdata" / "mot" / "MOT17"
BEFORE = "3e8e2b3"  # main before issue 16: cocovid/verify.py read the file with json.load
RUN_BEFORE = ("import sys; sys.path.insert(0, sys.argv[1]); import verify_before; "
              "verify_before.verify_cocovid(sys.argv[2])")


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one process running ``cmd``."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # verify exits 1 on a file with errors
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-500:]}")
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024


def best(cmd: list[str], repeat: int) -> tuple[float, float]:
    runs = [timed(cmd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="CocoVID JSON to verify (default: MOT17 train, converted here)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", default=BEFORE, help="commit whose verify is timed beside ours")
    args = parser.parse_args()
    tool = [sys.executable, "-m", "trackbench"]
    work = Path(tempfile.mkdtemp(prefix="verify_bench_"))
    try:
        convert = None
        path = args.file
        if path is None:
            if not REALDATA_MOT17.is_dir():
                raise SystemExit(f"{REALDATA_MOT17} not found: pass --file")
            runs = [timed(tool + ["convert", "mot17", "--root", str(REALDATA_MOT17), "--out", str(work / f"c{i}"),
                                  "--split", "train"]) for i in range(args.repeat)]  # a fresh folder each time
            convert = (min(r[0] for r in runs), max(r[1] for r in runs))
            path = work / "c0" / "train_cocoformat.json"
        size_mb = path.stat().st_size / 2**20
        ours = best(tool + ["verify", str(path), "--format", "json"], args.repeat)
        load = best([sys.executable, "-c", f"import json; json.load(open({str(path)!r}, encoding='utf-8'))"],
                    args.repeat)
        print(f"file: {path} ({size_mb:.0f} MB)")
        print(f"trackbench verify (streaming):  {ours[0]:6.2f} s  {ours[1]:6.0f} MB peak RSS")
        print(f"json.load alone (whole file):   {load[0]:6.2f} s  {load[1]:6.0f} MB peak RSS")
        if convert is not None:
            print(f"trackbench convert (writes it): {convert[0]:6.2f} s  {convert[1]:6.0f} MB peak RSS")
        old = _before(args.before, work)
        if old is not None:
            before = best([sys.executable, "-c", RUN_BEFORE, str(old), str(path)], args.repeat)
            print(f"verify before ({args.before}):     {before[0]:6.2f} s  {before[1]:6.0f} MB peak RSS")
            print(f"verify / before: {ours[0] / before[0]:.2f}x the time, {ours[1] / before[1]:.2f}x the memory")
        print(f"verify / json.load: {ours[0] / load[0]:.2f}x the time, {ours[1] / load[1]:.2f}x the memory")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _before(commit: str, work: Path) -> Path | None:
    """A folder holding ``verify_before.py``, the verify module at ``commit`` (None without that history)."""
    try:
        text = subprocess.run(["git", "-C", str(REPO), "show", f"{commit}:trackbench/cocovid/verify.py"],
                              capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    (work / "before").mkdir()
    (work / "before" / "verify_before.py").write_text(text)
    return work / "before"


if __name__ == "__main__":
    main()
