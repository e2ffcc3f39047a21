"""The familiar OPE success and precision plots (one PNG each, every tracker, score in the legend, sorted by it),
drawn like the got10k toolkit's ``plot_curves`` on matplotlib's Agg canvas (no pyplot state) and written atomically."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from trackbench.atomic import write_bytes_atomic

_STYLES = ["-", "--", "-.", ":"]


def _plot(curves: dict[str, tuple[np.ndarray, np.ndarray, float]], title: str, xlabel: str, ylabel: str,
          xlim: tuple[float, float], path: Path, score_format: str) -> Path:
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(6.4, 4.8))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    order = sorted(curves, key=lambda n: -curves[n][2])
    for i, name in enumerate(order):
        x, y, score = curves[name]
        ax.plot(x, y, _STYLES[(i // 10) % len(_STYLES)], label=f"{name}: [{score_format.format(score)}]")
    ax.set(xlabel=xlabel, ylabel=ylabel, xlim=xlim, ylim=(0, 1), title=title)
    ax.grid(True)
    legend = ax.legend(loc="center left", bbox_to_anchor=(1, 0.5), fontsize=7.5)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, bbox_extra_artists=(legend,), bbox_inches="tight")
    write_bytes_atomic(path, buffer.getvalue())
    return path


def write_ope_plots(overall_by_tracker: dict[str, dict], out_dir: Path, protocol: str) -> list[Path]:
    """``overall_by_tracker[name]`` is an OPE ``overall`` record (curves and thresholds); returns the files."""
    out_dir = Path(out_dir)
    succ, prec = {}, {}
    for name, o in overall_by_tracker.items():
        th = o["thresholds"]
        succ[name] = (np.asarray(th["overlap"]), np.asarray(o["success_curve"]), o["success_auc"])
        prec[name] = (np.asarray(th["center"]), np.asarray(o["precision_curve"]), o["precision"])
    files = [
        _plot(succ, f"Success plots of OPE on {protocol}", "Overlap threshold", "Success rate", (0, 1),
              out_dir / "success_plot.png", "{:.3f}"),
        _plot(prec, f"Precision plots of OPE on {protocol}", "Location error threshold", "Precision", (0, 50),
              out_dir / "precision_plot.png", "{:.3f}"),
    ]
    if all("norm_precision_curve" in o for o in overall_by_tracker.values()):
        norm = {n: (np.asarray(o["thresholds"]["norm_center"]), np.asarray(o["norm_precision_curve"]),
                    o["norm_precision"]) for n, o in overall_by_tracker.items()}
        files.append(_plot(norm, f"Normalized precision plots of OPE on {protocol}",
                           "Normalized location error threshold", "Precision", (0, 0.5),
                           out_dir / "norm_precision_plot.png", "{:.3f}"))
    return files


def write_got10k_plot(overall_by_tracker: dict[str, dict], out_dir: Path) -> list[Path]:
    curves = {n: (np.asarray(o["thresholds"]["overlap"]), np.asarray(o["success_curve"]), o["AO"])
              for n, o in overall_by_tracker.items()}
    return [_plot(curves, "Success plots on GOT-10k", "Overlap threshold", "Success rate", (0, 1),
                  Path(out_dir) / "success_plot.png", "{:.3f}")]


def write_eao_plot(overall_by_tracker: dict[str, dict], out_dir: Path) -> list[Path]:
    curves = {}
    for n, o in overall_by_tracker.items():
        if "eao_curve" in o:
            y = np.asarray(o["eao_curve"])
            curves[n] = (np.arange(len(y)), y, o["eao"])
    if not curves:
        return []
    longest = max(len(c[0]) for c in curves.values())
    return [_plot(curves, "Expected average overlap curve", "Sequence length", "EAO", (0, max(1, longest - 1)),
                  Path(out_dir) / "eao_curve.png", "{:.4f}")]
