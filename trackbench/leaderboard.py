"""Leaderboards from the results store: model-zoo style markdown (or one self-contained HTML page), sorted by the
first metric with the best value in bold, published numbers and deltas beside reproduced ones, per-sequence
detail tables and plots (HOTA against alpha, SOT success/precision curves) as PNG files linked from the page."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trackbench.atomic import write_text_atomic
from trackbench.baselines import FIELD_TO_PUBLISHED, Baseline, published_for
from trackbench.errors import TrackbenchError
from trackbench.results_store import ResultRecord, file_part

# Leaderboard column -> record field (TrackEval's names); anything else is looked up as given.
COLUMN_FIELDS = {"FP": "CLR_FP", "FN": "CLR_FN", "IDSW": "IDSW", "IDSw": "IDSW", "TP": "CLR_TP", "Rcll": "CLR_Re",
                 "Prcn": "CLR_Pr", "success": "success_auc", "AUC": "success_auc", "Precision": "precision",
                 "Norm.Prec": "norm_precision", "SR50": "SR0.5", "SR75": "SR0.75", "EAO": "eao",
                 "mAP50": "AP50", "mAP": "AP"}
LOWER_IS_BETTER = frozenset({"FP", "FN", "IDSW", "IDSw", "Frag", "ML", "robustness", "CLR_FP", "CLR_FN"})
NOT_PERCENT = frozenset({"EAO", "eao", "accuracy", "robustness", "FP_per_frame"})
COUNT_FIELDS = frozenset({"CLR_FP", "CLR_FN", "IDSW", "CLR_TP", "MT", "ML", "PT", "Frag", "IDTP", "IDFN", "IDFP",
                          "Dets", "GT_Dets", "IDs", "GT_IDs", "sequences", "CLR_Frames"})


# Default columns per task, in order; a table keeps those its records carry (SOT: OPE, GOT-10k or VOT fields).
DEFAULT_METRICS = {"mot": ["HOTA", "MOTA", "IDF1", "FP", "FN", "IDSW"],
                   "sot": ["AUC", "Precision", "Norm.Prec", "AO", "SR50", "SR75", "EAO", "accuracy", "robustness"],
                   "vid": ["mAP50"], "vis": ["AP", "AP50", "AP75"], "tao": ["TrackAP", "TETA"],
                   "teta": ["TETA", "LocA", "AssocA", "ClsA"]}


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Board:
    """One (benchmark, split, task): its records (ranked once the table is built) and its columns."""

    benchmark: str
    split: str
    task: str
    records: list[ResultRecord]
    columns: list[str]


@dataclass
class Leaderboard:
    title: str
    tables: list[Table]
    notes: list[str] = field(default_factory=list)
    records: list[ResultRecord] = field(default_factory=list)
    boards: list[Board] = field(default_factory=list)
    plots: list[Path] = field(default_factory=list)


def _field_key(fields: dict, column: str) -> str | None:
    key = COLUMN_FIELDS.get(column, column)
    if key in fields:
        return key
    lowered = {k.lower(): k for k in fields}
    return lowered.get(column.lower()) or lowered.get(key.lower())


def metric_value(fields: dict, column: str) -> float | None:
    """The number shown for ``column``: percent with the paper's scale, counts as they are, None if absent."""
    key = _field_key(fields, column)
    if key is None:
        return None
    value = fields[key]
    if isinstance(value, list):
        if not value or not all(isinstance(v, (int, float)) for v in value):
            return None
        value = float(np.mean(value))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int) or key in COUNT_FIELDS:
        return float(value)
    if column in NOT_PERCENT or key in NOT_PERCENT:
        return float(value)
    return 100.0 * float(value)


def format_value(column: str, value: float | None) -> str:
    if value is None:
        return "-"
    if float(value).is_integer() and (column in LOWER_IS_BETTER | {"MT", "ML", "TP", "IDTP"}
                                      or COLUMN_FIELDS.get(column, column) in COUNT_FIELDS):
        return f"{int(value)}"
    if column in NOT_PERCENT:
        return f"{value:.3f}"
    return f"{value:.1f}"


def _delta(column: str, ours: float, published: float) -> str:
    d = ours - published
    if column in NOT_PERCENT:
        return f"{d:+.3f}"
    if float(published).is_integer() and float(ours).is_integer() and column in LOWER_IS_BETTER:
        return f"{int(d):+d}"
    return f"{d:+.1f}"


def _has(records: list[ResultRecord], column: str) -> bool:
    return any(metric_value(r.metrics.get("combined", {}), column) is not None for r in records)


def check_metric_names(metrics: list[str], records: list[ResultRecord]) -> None:
    """Every ``--metrics`` name must be a column some record can show, as ``eval`` checks its ``--metrics``."""
    for name in metrics:
        if not _has(records, name):
            valid = set()
            for r in records:
                valid.update(c for c in DEFAULT_METRICS.get(r.task, []) if _has([r], c))
                valid.update(k for k, v in r.metrics.get("combined", {}).items() if metric_value({k: v}, k) is not None)
            raise TrackbenchError(f"unknown metric {name!r} for these records; valid: {', '.join(sorted(valid))}")


def group_records(records: list[ResultRecord]) -> list[tuple[tuple[str, str, str], list[ResultRecord]]]:
    """Records by (task, benchmark, split), benchmark and split case-insensitive; groups in that order."""
    groups: dict[tuple[str, str, str], list[ResultRecord]] = {}
    for r in records:
        groups.setdefault((r.task, r.benchmark.lower(), r.split.lower()), []).append(r)
    return sorted(groups.items())


def _columns_for(group: list[ResultRecord], metrics: list[str] | None) -> list[str]:
    if metrics:
        chosen = [m for m in metrics if _has(group, m)]
        if chosen:
            return chosen
    defaults = DEFAULT_METRICS.get(group[0].task, ["HOTA"])
    return [c for c in defaults if _has(group, c)] or defaults


def _coverage_cell(record: ResultRecord) -> str:
    subset = record.scored_subset()
    if subset is None:
        scored = record.coverage.get("scored")
        return str(len(scored)) if scored else "-"
    return f"{subset[0]} of {subset[1]}"


def _coverage_note(record: ResultRecord) -> str | None:
    subset = record.scored_subset()
    if subset is None:
        return None
    reasons: dict[str, list[str]] = {}
    for seq, why in sorted(record.coverage["not_scored"].items()):
        reasons.setdefault(why, []).append(seq)
    parts = [f"{len(seqs)} {why} ({', '.join(seqs[:6])}{', ...' if len(seqs) > 6 else ''})"
             for why, seqs in reasons.items()]
    return (f"{record.name}: {record.benchmark} {record.split} scored on {subset[0]} of {subset[1]} sequences; "
            f"not scored: {'; '.join(parts)}")


@dataclass(frozen=True)
class CiSettings:
    """``leaderboard --ci``: resamples, seed and level of the intervals and significance marks."""

    bootstrap: int = 1000
    seed: int = 0
    level: float = 95.0


def _ci_cells(ranked: list[ResultRecord], column: str, ci: CiSettings):
    """The interval and vs-above columns for records ranked by ``column`` (from their sufficient statistics)."""
    from trackbench.metrics.stats.ranking import significance_cells
    from trackbench.metrics.stats.records import record_stats

    stats = [record_stats(r.metrics, r.task, r.benchmark, r.results_path or r.name) for r in ranked]
    field = COLUMN_FIELDS.get(column, column)
    scale = 1.0 if column in NOT_PERCENT or field in NOT_PERCENT or field in COUNT_FIELDS else 100.0
    return significance_cells(stats, field, column, scale, ci.bootstrap, ci.seed, ci.level)


def _ranked_table(board: Board, baselines, show_published: bool, notes: list[str], ci: CiSettings | None = None,
                  reports: dict[str, str] | None = None) -> Table:
    columns = board.columns
    first = columns[0]
    chosen = board.records
    values = [[metric_value(r.metrics.get("combined", {}), c) for c in columns] for r in chosen]
    order = sorted(range(len(chosen)), key=lambda i: (values[i][0] is None,
                                                      (values[i][0] or 0) * (1 if first in LOWER_IS_BETTER else -1),
                                                      chosen[i].name))
    best = {}
    for j, c in enumerate(columns):
        present = [v[j] for v in values if v[j] is not None]
        if present:
            best[c] = min(present) if c in LOWER_IS_BETTER else max(present)
    partial = any(r.scored_subset() is not None for r in chosen)
    header = ["Method"] + columns + (["Sequences"] if partial else []) + ["Config"]
    rows = []
    for i in order:
        record = chosen[i]
        pub = published_for(baselines or {}, record.method, record.benchmark, record.split) if show_published else None
        link = (reports or {}).get(record.name)
        cells = [f"[{record.name}]({link})" if link else record.name]
        for j, c in enumerate(columns):
            v = values[i][j]
            text = format_value(c, v)
            if v is not None and best.get(c) == v and len(chosen) > 1:
                text = f"**{text}**"
            if pub is not None:
                pv = pub.metrics.get(FIELD_TO_PUBLISHED.get(c, c))
                if pv is not None and v is not None:
                    text += f" ({format_value(c, float(pv))}, {_delta(c, v, float(pv))})"
            cells.append(text)
        if partial:
            cells.append(_coverage_cell(record))
        cells.append((record.config_hash or "-")[:8])
        rows.append(cells)
        if show_published and pub is not None:
            notes.append(f"{record.name}: published {record.benchmark} {record.split} numbers from {pub.source}")
        note = _coverage_note(record)
        if note:
            notes.append(note)
    board.records = [chosen[i] for i in order]
    if ci is not None:
        head, extra, note = _ci_cells(board.records, first, ci)
        header = header[:-1] + head + header[-1:]
        rows = [r[:-1] + c + r[-1:] for r, c in zip(rows, extra)]
        notes.append(f"{board.benchmark} {board.split}: {note}")
    return Table(f"Leaderboard: {board.benchmark} {board.split}".strip(), header, rows)


def build_leaderboard(
    records: list[ResultRecord],
    metrics: list[str] | None = None,
    benchmark: str | None = None,
    split: str | None = None,
    baselines: dict[str, Baseline] | None = None,
    show_published: bool = False,
    per_sequence: bool = False,
    ci: CiSettings | None = None,
    reports: dict[str, str] | None = None,
) -> Leaderboard:
    """One ranked table per (benchmark, split, task), each with its task's columns (or the ``metrics`` it
    carries), then the per-sequence tables. A name in ``metrics`` that no record can show is an error. ``ci``:
    each row's interval on the sorting metric and its paired test against the row above; ``reports``: record
    name -> link of its per-identity error report (the Method cell links to it)."""
    chosen = [r for r in records if (benchmark is None or r.benchmark.lower() == benchmark.lower())
              and (split is None or r.split.lower() == split.lower())]
    if not chosen:
        raise TrackbenchError(f"no result records for benchmark={benchmark or 'any'} split={split or 'any'}")
    if metrics:
        check_metric_names(metrics, chosen)
    notes: list[str] = []
    boards, tables = [], []
    for _, group in group_records(chosen):
        board = Board(group[0].benchmark, group[0].split, group[0].task, group, _columns_for(group, metrics))
        tables.append(_ranked_table(board, baselines, show_published, notes, ci, reports))
        boards.append(board)
    if show_published:
        notes.insert(0, "Cells read: ours (published, ours - published).")
    if per_sequence:
        for board in boards:
            tables += _sequence_tables(board, len(boards) > 1)
    title = " / ".join(f"{b.benchmark} {b.split}" for b in boards)
    return Leaderboard(title, tables, notes=notes, records=[r for b in boards for r in b.records], boards=boards)


def _sequence_tables(board: Board, several: bool) -> list[Table]:
    tables = []
    for record in board.records:
        seqs = record.metrics.get("sequences", {})
        if not seqs:
            continue
        columns = board.columns
        combined = record.metrics.get("combined", {})
        rows = [[seq] + [format_value(c, metric_value(f, c)) for c in columns] for seq, f in sorted(seqs.items())]
        rows.append(["COMBINED"] + [format_value(c, metric_value(combined, c)) for c in columns])
        where = f" ({board.benchmark} {board.split})" if several else ""
        tables.append(Table(f"{record.name} per sequence{where}", ["Sequence"] + columns, rows))
    return tables


def write_plots(records: list[ResultRecord], folder: Path, stem: str, title: str = "") -> list[Path]:
    """HOTA against alpha for MOT records; success and precision curves for SOT records that carry them
    (``success_curve``/``precision_curve`` in their combined fields). ``records`` are those of one benchmark."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    written = []
    mot = [r for r in records if isinstance(r.metrics.get("combined", {}).get("HOTA"), list)]
    if mot:
        fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
        alphas = np.arange(0.05, 0.99, 0.05)
        for r in mot:
            hota = np.asarray(r.metrics["combined"]["HOTA"])
            ax.plot(alphas, hota, label=f"{r.name} ({100 * hota.mean():.1f})")
        ax.set_xlabel("alpha (localization threshold)")
        ax.set_ylabel("HOTA")
        ax.set_title(f"HOTA against alpha{': ' + title if title else ''}")
        ax.axis([0, 1, 0, 1])
        ax.legend(loc="lower left")
        written.append(_save(fig, folder / f"{stem}_hota_alpha.png"))
        plt.close(fig)
    for curve, label in (("success_curve", "success"), ("precision_curve", "precision")):
        sot = [r for r in records if isinstance(r.metrics.get("combined", {}).get(curve), list)]
        if not sot:
            continue
        fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
        for r in sot:
            y = np.asarray(r.metrics["combined"][curve], dtype=float)
            x = np.linspace(0, 1, len(y)) if label == "success" else np.arange(len(y))
            score = r.metrics["combined"].get("success_auc" if label == "success" else label)
            tag = f" [{100 * float(score):.1f}]" if isinstance(score, (int, float)) else ""
            ax.plot(x, y, label=f"{r.name}{tag}")
        ax.set_xlabel("overlap threshold" if label == "success" else "location error threshold (px)")
        ax.set_ylabel(f"{label} rate")
        ax.set_title(f"{label} plots of OPE{': ' + title if title else ''}")
        ax.legend(loc="lower left" if label == "success" else "lower right")
        written.append(_save(fig, folder / f"{stem}_{label}.png"))
        plt.close(fig)
    return written


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.tight_layout()
    fig.savefig(tmp)
    tmp.replace(path)
    return path


def to_markdown(board: Leaderboard) -> str:
    out = []
    for table in board.tables:
        out.append(f"## {table.title}\n")
        out.append("| " + " | ".join(table.header) + " |")
        out.append("|" + "|".join(":---" if i == 0 else "---:" for i in range(len(table.header))) + "|")
        out += ["| " + " | ".join(row) + " |" for row in table.rows]
        out.append("")
    if board.notes:
        out += [f"- {n}" for n in board.notes] + [""]
    for plot in board.plots:
        out.append(f"![{plot.stem}]({plot.name})\n")
    return "\n".join(out)


def _md_cell_to_html(text: str) -> str:
    link = re.fullmatch(r"\[(.+)\]\((.+)\)", text)
    if link:
        return f"<a href='{html.escape(link.group(2))}'>{html.escape(link.group(1))}</a>"
    escaped = html.escape(text)
    if escaped.startswith("**") and "**" in escaped[2:]:
        end = escaped.index("**", 2)
        escaped = f"<b>{escaped[2:end]}</b>{escaped[end + 2:]}"
    return escaped


def to_html(board: Leaderboard) -> str:
    """One self-contained page: the same tables, plots embedded as data URIs."""
    parts = ["<!doctype html><html><head><meta charset='utf-8'>",
             f"<title>{html.escape(board.title)}</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child"
             "{text-align:left}</style></head><body>"]
    for table in board.tables:
        parts.append(f"<h2>{html.escape(table.title)}</h2><table><tr>")
        parts += [f"<th>{html.escape(h)}</th>" for h in table.header]
        parts.append("</tr>")
        for row in table.rows:
            parts.append("<tr>" + "".join(f"<td>{_md_cell_to_html(c)}</td>" for c in row) + "</tr>")
        parts.append("</table>")
    if board.notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in board.notes) + "</ul>")
    for plot in board.plots:
        data = base64.b64encode(plot.read_bytes()).decode()
        parts.append(f"<img alt='{html.escape(plot.stem)}' src='data:image/png;base64,{data}'>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_leaderboard(board: Leaderboard, out: Path, fmt: str = "markdown", plots: bool = True) -> list[Path]:
    """Write the page (and its PNG plots beside it); returns every file written."""
    out = Path(out)
    written = []
    if plots:
        board.plots = []
        for b in board.boards:
            stem = out.stem if len(board.boards) == 1 else (
                f"{out.stem}_{file_part(b.benchmark)}_{file_part(b.split)}")
            board.plots += write_plots(b.records, out.parent, stem, f"{b.benchmark} {b.split}")
        written += board.plots
    text = to_html(board) if fmt == "html" else to_markdown(board)
    write_text_atomic(out, text)
    return [out] + written
