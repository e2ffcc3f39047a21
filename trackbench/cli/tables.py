"""Rendering a header and rows as CSV, a markdown table or a rich table: the one formatter every eval uses."""

from __future__ import annotations

import csv
import io

from rich.console import Console
from rich.table import Table


def rows_to_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


INTERVAL_MARK = " ±"  # how the eval tables append an interval's half-width to a cell


def rows_to_markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def text_table(header: list[str], rows: list[list[str]], title: str, bold_last: bool = False) -> Table:
    """A rich table: the first column left-aligned and never cut (sequence and tracker names), the numbers
    right-aligned; the last row bold if asked. Cells carrying an interval (``61.9 ±1.3``) show it on a row of its
    own below, so the columns stay as narrow as without intervals."""
    table = Table(title=title, title_justify="left")
    widest = max([len(header[0])] + [len(r[0]) for r in rows]) if header else 0
    for i, h in enumerate(header):
        if i == 0:
            table.add_column(h, justify="left", no_wrap=True, min_width=widest)
        else:
            table.add_column(h, justify="right")
    for i, row in enumerate(rows):
        style = "bold" if bold_last and i == len(rows) - 1 else None
        if not any(INTERVAL_MARK in cell for cell in row[1:]):
            table.add_row(*row, style=style)
            continue
        table.add_row(*(cell.split(INTERVAL_MARK)[0] for cell in row), style=style)
        table.add_row("±", *(("±" + cell.split(INTERVAL_MARK)[1]) if INTERVAL_MARK in cell else "" for cell in row[1:]))
    return table


def rows_to_text_table(header: list[str], rows: list[list[str]], title: str, width: int = 160,
                       bold_last: bool = False) -> str:
    """:func:`text_table` rendered to plain text."""
    table = text_table(header, rows, title, bold_last)
    console = Console(file=io.StringIO(), width=width, force_terminal=False)
    console.print(table)
    return console.file.getvalue()


def render_rows(header: list[str], rows: list[list[str]], fmt: str, title: str = "", width: int = 160) -> str:
    """``fmt`` is "csv", "markdown" or "table"."""
    if fmt == "csv":
        return rows_to_csv(header, rows)
    if fmt == "markdown":
        return rows_to_markdown(header, rows)
    return rows_to_text_table(header, rows, title, width)
