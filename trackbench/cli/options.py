"""Option aliases shared by command groups, so the same flag means the same thing everywhere."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="How to print the results.")]
OutDirOpt = Annotated[Optional[Path], typer.Option("--out", help="Folder to write result files into.")]
WorkersOpt = Annotated[int, typer.Option("--workers", min=1, help="Worker processes (CPU).")]
