"""How much faster two processes can be than one on this machine, whatever the code: the ceiling for every
``--workers 2`` target.

A fixed pure-Python CPU loop (no I/O, no memory traffic to speak of) runs in one process, then in two processes at
once; the ceiling is the throughput ratio ``2 * t_one / t_two`` (2.0 on two free physical cores). On virtual
machines whose two vCPUs share a physical core, or with other tenants, it is well below 2.

    python benchmarks/machine.py
"""

from __future__ import annotations

import subprocess
import sys
import time

LOOP = "s = 0\nfor i in range(6_000_000):\n    s += i\n"


def _run(n: int) -> float:
    """Wall seconds for ``n`` copies of the loop started together."""
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", LOOP]) for _ in range(n)]
    for p in procs:
        p.wait()
    return time.perf_counter() - start


def two_process_ceiling(repeats: int = 3) -> tuple[float, float, float]:
    """(best single seconds, best pair seconds, ceiling = 2 * single / pair), interleaved ``repeats`` times."""
    one, two = [], []
    for _ in range(repeats):
        one.append(_run(1))
        two.append(_run(2))
    return min(one), min(two), 2 * min(one) / min(two)


if __name__ == "__main__":
    single, pair, ceiling = two_process_ceiling()
    print(f"one process {single:.2f} s, two at once {pair:.2f} s: two processes do at most {ceiling:.2f}x the work "
          f"of one on this machine")
