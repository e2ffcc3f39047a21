"""Leaderboards from the results store: model-zoo style markdown (or one self-contained HTML page), sorted by the
first metric with the best value in bold, published numbers and deltas beside reproduced ones, per-sequence
detail tables and plots (HOTA against alpha, SOT success/precision curves) as PNG files linked from the page."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trackbench.atomic import write_text_atomic
from trackbench.baselines import FIELD_TO_PUBLISHED, Baseline, published_for
from trackbench.errors import TrackbenchError
from trackbench.results_store import ResultRecord

# Leaderboard column -> record field (TrackEval's names); anything else is looked up as given.
COLUMN_FIELDS = {"FP": "CLR_FP", "FN": "CLR_FN", "IDSW": "IDSW", "IDSw": "IDSW", "TP": "CLR_TP", "Rcll": "CLR_Re",
                 "Prcn": "CLR_Pr", "success": "success_auc", "SR50": "SR0.5", "SR75": "SR0.75",
                 "mAP50": "AP50", "mAP": "AP"}
LOWER_IS_BETTER = frozenset({"FP", "FN", "IDSW", "IDSw", "Frag", "ML", "robustness", "CLR_FP", "CLR_FN"})
NOT_PERCENT = frozenset({"EAO", "accuracy", "robustness", "FP_per_frame"})
DEFAULT_METRICS = {"mot": ["HOTA", "MOTA", "IDF1", "FP", "FN", "IDSW"], "sot": ["success", "precision"],
                   "vid": ["mAP50"], "vis": ["AP", "AP50", "AP75"], "tao": ["TrackAP", "TETA"]}


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Leaderboard:
    title: str
    tables: list[Table]
    plots: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    records: list[ResultRecord] = field(default_factory=list)


def metric_value(fields: dict, column: str) -> float | None:
    """The number shown for ``column``: percent with the paper's scale, counts as they are, None if absent."""
    key = COLUMN_FIELDS.get(column, column)
    if key not in fields:
        lowered = {k.lower(): k for k in fields}
        key = lowered.get(column.lower(), key)
        if key not in fields:
            return None
    value = fields[key]
    if isinstance(value, list):
        value = float(np.mean(value))
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) or key in ("CLR_FP", "CLR_FN", "IDSW", "CLR_TP", "MT", "ML", "PT", "Frag", "IDTP",
                                         "IDFN", "IDFP", "Dets", "GT_Dets", "IDs", "GT_IDs"):
        return float(value)
    if column in NOT_PERCENT or key in NOT_PERCENT:
        return float(value)
    return 100.0 * float(value)


def format_value(column: str, value: float | None) -> str:
    if value is None:
        return "-"
    if float(value).is_integer() and column in LOWER_IS_BETTER | {"MT", "ML", "TP", "IDTP"}:
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


def build_leaderboard(
    records: list[ResultRecord],
    metrics: list[str] | None = None,
    benchmark: str | None = None,
    split: str | None = None,
    baselines: dict[str, Baseline] | None = None,
    show_published: bool = False,
    per_sequence: bool = False,
) -> Leaderboard:
    chosen = [r for r in records if (benchmark is None or r.benchmark.lower() == benchmark.lower())
              and (split is None or r.split.lower() == split.lower())]
    if not chosen:
        raise TrackbenchError(f"no result records for benchmark={benchmark or 'any'} split={split or 'any'}")
    tasks = sorted({r.task for r in chosen})
    columns = list(metrics or DEFAULT_METRICS.get(tasks[0], ["HOTA"]))
    first = columns[0]
    values = [[metric_value(r.metrics.get("combined", {}), c) for c in columns] for r in chosen]
    order = sorted(range(len(chosen)), key=lambda i: (values[i][0] is None,
                                                      (values[i][0] or 0) * (1 if first in LOWER_IS_BETTER else -1),
                                                      chosen[i].method))
    best = {}
    for j, c in enumerate(columns):
        present = [v[j] for v in values if v[j] is not None]
        if present:
            best[c] = min(present) if c in LOWER_IS_BETTER else max(present)
    header = ["Method", "Benchmark", "Split"] + columns + ["Config"]
    rows = []
    notes = []
    for i in order:
        record = chosen[i]
        pub = published_for(baselines or {}, record.method, record.benchmark, record.split) if show_published else None
        cells = [record.method, record.benchmark, record.split]
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
        cells.append((record.config_hash or "-")[:8])
        rows.append(cells)
        if show_published and pub is not None:
            notes.append(f"{record.method}: published {record.benchmark} {record.split} numbers from {pub.source}")
    title = f"{benchmark or '/'.join(sorted({r.benchmark for r in chosen}))} {split or ''}".strip()
    tables = [Table(f"Leaderboard: {title}", header, rows)]
    if show_published:
        notes.insert(0, "Cells read: ours (published, ours - published).")
    if per_sequence:
        for i in order:
            record = chosen[i]
            seqs = record.metrics.get("sequences", {})
            if not seqs:
                continue
            seq_rows = [[seq] + [format_value(c, metric_value(f, c)) for c in columns] for seq, f in sorted(seqs.items())]
            seq_rows.append(["COMBINED"] + [format_value(c, values[i][j]) for j, c in enumerate(columns)])
            tables.append(Table(f"{record.method} per sequence", ["Sequence"] + columns, seq_rows))
    return Leaderboard(title, tables, notes=notes, records=[chosen[i] for i in order])


def write_plots(records: list[ResultRecord], folder: Path, stem: str) -> list[Path]:
    """HOTA/DetA/AssA against alpha for MOT records; success and precision curves for SOT records that carry
    them (``success_curve``/``precision_curve`` in their combined fields)."""
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
            ax.plot(alphas, hota, label=f"{r.method} ({100 * hota.mean():.1f})")
        ax.set_xlabel("alpha (localization threshold)")
        ax.set_ylabel("HOTA")
        ax.set_title("HOTA against alpha")
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
            ax.plot(x, y, label=f"{r.method}{tag}")
        ax.set_xlabel("overlap threshold" if label == "success" else "location error threshold (px)")
        ax.set_ylabel(f"{label} rate")
        ax.set_title(f"{label} plots of OPE")
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
        board.plots = write_plots(board.records, out.parent, out.stem)
        written += board.plots
    text = to_html(board) if fmt == "html" else to_markdown(board)
    write_text_atomic(out, text)
    return [out] + written
