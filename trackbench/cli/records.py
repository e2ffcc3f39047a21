"""Writing result records into a store from a command, and saying what happened (a replaced record is named)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from trackbench.results_store import ResultRecord, write_record


def store_records(out: Path, records: list[ResultRecord], err: Console) -> None:
    for record in records:
        stored = write_record(out, record)
        name, benchmark, split, task = record.key()
        if stored.replaced:
            err.print(f"replaced the record of {name!r} on {benchmark} {split} ({task}) in {stored.path}")
        else:
            err.print(f"wrote the record of {name!r} on {benchmark} {split} ({task}) to {stored.path}")
