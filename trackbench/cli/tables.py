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


def rows_to_markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def text_table(header: list[str], rows: list[list[str]], title: str, bold_last: bool = False) -> Table:
    """A rich table: the first column left-aligned, the numbers right-aligned; the last row bold if asked."""
    table = Table(title=title, title_justify="left")
    for i, h in enumerate(header):
        table.add_column(h, justify="left" if i == 0 else "right")
    for i, row in enumerate(rows):
        table.add_row(*row, style="bold" if bold_last and i == len(rows) - 1 else None)
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
