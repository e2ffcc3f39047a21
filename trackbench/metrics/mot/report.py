"""Turning MOT results into rows: TrackEval's summary (percent, 5 significant digits), its detailed CSV, and the
JSON layout ``{"trackers": {NAME: {"sequences": {SEQ: {FIELD: value}}, "combined": {FIELD: value}}}}``."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from trackbench.atomic import atomic_open, write_json_atomic
from trackbench.metrics.mot.hota import ALPHAS
from trackbench.metrics.mot.evaluate import TrackerResult, flat_fields
from trackbench.metrics.tao.teta import FIELDS as TETA_FIELDS

# TrackEval's summary_fields per family, and its order for the summary file.
SUMMARY_FIELDS = {
    "HOTA": ("HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr", "LocA", "OWTA", "HOTA(0)", "LocA(0)",
             "HOTALocA(0)"),
    "CLEAR": ("MOTA", "MOTP", "MODA", "CLR_Re", "CLR_Pr", "MTR", "PTR", "MLR", "sMOTA", "CLR_TP", "CLR_FN",
              "CLR_FP", "IDSW", "MT", "PT", "ML", "Frag"),
    "Identity": ("IDF1", "IDR", "IDP", "IDTP", "IDFN", "IDFP"),
    "Count": ("Dets", "GT_Dets", "IDs", "GT_IDs"),
    "TETA": TETA_FIELDS,  # scored alone (BDD100K --metrics TETA): its LocA is not HOTA's
}
SUMMARY_ORDER = ("HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr", "LocA", "OWTA", "HOTA(0)", "LocA(0)",
                 "HOTALocA(0)", "MOTA", "MOTP", "MODA", "CLR_Re", "CLR_Pr", "MTR", "PTR", "MLR", "CLR_TP", "CLR_FN",
                 "CLR_FP", "IDSW", "MT", "PT", "ML", "Frag", "sMOTA", "IDF1", "IDR", "IDP", "IDTP", "IDFN", "IDFP",
                 "Dets", "GT_Dets", "IDs", "GT_IDs")
INTEGER_FIELDS = frozenset({"CLR_TP", "CLR_FN", "CLR_FP", "IDSW", "MT", "PT", "ML", "Frag", "IDTP", "IDFN", "IDFP",
                            "Dets", "GT_Dets", "IDs", "GT_IDs", "CLR_Frames"})
# TrackEval's detailed CSV columns per family
_ALPHA_LABELS = [int(100 * x) for x in ALPHAS]
DETAILED_FIELDS = {
    "HOTA": ["HOTA(0)", "LocA(0)", "HOTALocA(0)"]
    + [f"{f}___{a}" for f in ("HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr", "LocA", "OWTA", "HOTA_TP",
                              "HOTA_FN", "HOTA_FP") for a in _ALPHA_LABELS + ["AUC"]],
    "CLEAR": ["MOTA", "MOTP", "MODA", "CLR_Re", "CLR_Pr", "MTR", "PTR", "MLR", "sMOTA", "CLR_F1", "FP_per_frame",
              "MOTAL", "MOTP_sum", "CLR_TP", "CLR_FN", "CLR_FP", "IDSW", "MT", "PT", "ML", "Frag", "CLR_Frames"],
    "Identity": ["IDF1", "IDR", "IDP", "IDTP", "IDFN", "IDFP"],
    "Count": ["Dets", "GT_Dets", "IDs", "GT_IDs"],
    "TETA": list(TETA_FIELDS),  # means over alpha
}


def summary_value(field: str, value) -> str:
    """TrackEval's summary cell: percent with 5 significant digits (mean over alphas), integers as is."""
    if field in INTEGER_FIELDS:
        return f"{int(value):d}"
    return "{0:1.5g}".format(100 * float(np.mean(value)))


# What a paper reports, in the default table (fits 100 columns); ``--metrics all`` shows every summary field.
HEADLINE_FIELDS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW", "CLR_FP", "CLR_FN")


def display_value(field: str, value) -> str:
    """A table cell: percent with two decimals (the mean over alphas), integers as they are."""
    if field in INTEGER_FIELDS:
        return f"{int(value):d}"
    return f"{100 * float(np.mean(value)):.2f}"


def summary_fields(families: list[str], wanted: list[str] | None = None, everything: bool = True) -> list[str]:
    """Columns to show: the named fields if any were named (``all``: every one), else every family's TrackEval
    summary fields when ``everything``, else the headline fields among them."""
    fields = [f for fam in families for f in SUMMARY_FIELDS[fam]]
    if wanted and not any(w.lower() == "all" for w in wanted):
        named = [f for w in wanted for f in fields if f.lower() == w.lower()]
        if named:
            return list(dict.fromkeys(named))
        return fields
    if everything or wanted:
        return fields
    return [f for f in HEADLINE_FIELDS if f in fields]


def summary_rows(result: TrackerResult, fields: list[str], cell=summary_value) -> list[list[str]]:
    """[seq, values...] per sequence (sorted) and a final COMBINED row; ``cell(field, value)`` writes a value
    (TrackEval's summary format by default, :func:`display_value` for tables)."""
    rows = []
    for seq, by_family in list(result.sequences.items()) + [("COMBINED", result.combined)]:
        flat = {k: v for fam in by_family.values() for k, v in fam.items()}
        rows.append([seq] + [cell(f, flat[f]) for f in fields])
    return rows


def result_json(results: list[TrackerResult]) -> dict:
    return {
        "trackers": {
            r.name: {
                "sequences": {seq: flat_fields(fams) for seq, fams in r.sequences.items()},
                "combined": flat_fields(r.combined),
                "empty_results": list(r.empty_results),
                "corner_boxes": list(r.corner_boxes),
            }
            for r in results
        }
    }


def _detailed_cells(by_family: dict) -> list:
    cells = []
    for fam, fields in DETAILED_FIELDS.items():
        if fam not in by_family:
            continue
        res = by_family[fam]
        if fam == "HOTA":
            cells += [res[f] for f in fields[:3]]
            for f in ("HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr", "LocA", "OWTA", "HOTA_TP",
                      "HOTA_FN", "HOTA_FP"):
                cells += list(res[f]) + [np.mean(res[f])]
        else:
            cells += [res[f] for f in fields]
    return cells


def write_trackeval_files(result: TrackerResult, folder: Path, cls: str = "pedestrian") -> list[Path]:
    """``<cls>_summary.txt`` and ``<cls>_detailed.csv`` as TrackEval writes them, plus ``results.json``."""
    families = list(result.combined)
    summary = {}
    for fam in families:
        for f in SUMMARY_FIELDS[fam]:
            summary[f] = summary_value(f, result.combined[fam][f])
    ordered = list(TETA_FIELDS) if families == ["TETA"] else [f for f in SUMMARY_ORDER if f in summary]
    summary_path = folder / f"{cls}_summary.txt"
    with atomic_open(summary_path, "w") as handle:
        writer = csv.writer(handle, delimiter=" ", lineterminator="\r\n")
        writer.writerow(ordered)
        writer.writerow([summary[f] for f in ordered])
    header = ["seq"] + [f for fam, fields in DETAILED_FIELDS.items() if fam in result.combined for f in fields]
    detailed_path = folder / f"{cls}_detailed.csv"
    with atomic_open(detailed_path, "w") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        for seq in sorted(result.sequences):
            writer.writerow([seq] + _detailed_cells(result.sequences[seq]))
        writer.writerow(["COMBINED"] + _detailed_cells(result.combined))
    json_path = folder / "results.json"
    write_json_atomic(json_path, result_json([result]), indent=1)
    return [summary_path, detailed_path, json_path]


def plot_alpha_curves(result: TrackerResult, path: Path) -> Path:
    """HOTA, DetA, AssA and LocA against alpha (TrackEval's HOTA plot), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    res = result.combined["HOTA"]
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=120)
    for name, style in zip(("HOTA", "DetA", "AssA", "LocA"), ("r", "b", "g", "m")):
        ax.plot(ALPHAS, res[name], style, label=f"{name} ({100 * np.mean(res[name]):.2f})")
    ax.set_xlabel("alpha (localization threshold)")
    ax.set_ylabel("score")
    ax.set_title(f"{result.name}")
    ax.axis([0, 1, 0, 1])
    ax.legend(loc="lower left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)
    return path
