"""``eval --bootstrap N --seed S --ci L``: per-sequence bootstrap intervals beside the scores of every task that has
them (MOT, KITTI, BDD100K, CocoVID, SOT), in the JSON (``"bootstrap": {FIELD: {"low", "high", "std"}}`` beside each
``combined``), the tables (``61.9 ±1.3``) and the result records (which always keep the sufficient statistics, so
intervals and paired tests can be recomputed later)."""

from __future__ import annotations

from trackbench.metrics.stats.bootstrap import bootstrap_intervals
from trackbench.metrics.stats.records import SUFFICIENT_KEY
from trackbench.metrics.stats.resample import check_level
from trackbench.metrics.stats.sufficient import SequenceStats

BOOTSTRAP_KEY = "bootstrap"
# TrackEval's keys of the two class averages (KITTI / BDD100K JSON, CocoVID's "classes")
CLASS_AVERAGE, DETECTION_AVERAGE = "cls_comb_cls_av", "cls_comb_det_av"
COCOVID_ROWS = {"class-averaged": CLASS_AVERAGE, "detection-averaged": DETECTION_AVERAGE}  # table row -> key


def wanted(options) -> bool:
    """Whether intervals were asked for (and the level is valid)."""
    if not getattr(options, "bootstrap", None):
        return False
    check_level(options.ci)
    return True


def intervals(stats: SequenceStats, options) -> dict[str, dict[str, float]]:
    return bootstrap_intervals(stats, options.bootstrap, options.seed, options.ci)


def mot_tracker_stats(result) -> SequenceStats:
    """Statistics of one ``evaluate_mot`` result (its per-sequence family dicts)."""
    from trackbench.metrics.mot.evaluate import flat_fields
    from trackbench.metrics.stats.mot_stats import mot_stats

    return mot_stats({s: flat_fields(f) for s, f in result.sequences.items()},
                     [f for f in result.combined if f != "Count"])


def _class_tables(result) -> dict[str, dict[str, dict]]:
    from trackbench.metrics.mot.evaluate import flat_fields

    return {c: {s: flat_fields(f) for s, f in v["sequences"].items()} for c, v in result.classes.items()}


def multiclass_stats(result, benchmark) -> dict[str, SequenceStats]:
    """Statistics of one KITTI / BDD100K result: each class's, and each class combination's the result holds
    (the class average over all classes; the detection average and the super-categories)."""
    from trackbench.metrics.stats.class_stats import mot_class_stats
    from trackbench.metrics.stats.mot_stats import mot_stats

    classes = _class_tables(result)
    out = {c: mot_stats(seqs) for c, seqs in classes.items()}
    for key in result.class_combinations:
        if key == CLASS_AVERAGE:
            out[key] = mot_class_stats(classes, "class_averaged")
        elif key == DETECTION_AVERAGE:
            out[key] = mot_class_stats(classes, "detection_averaged")
        else:
            members = benchmark.super_categories[key]
            out[key] = mot_class_stats({c: v for c, v in classes.items() if c in members}, "detection_averaged")
    return out


def attach_multiclass(payload: dict, bands: dict) -> dict:
    """``payload`` (``multiclass_json``) with each class's and combination's intervals beside its ``combined``."""
    for name, by in (bands or {}).items():
        if name in payload["trackers"]:
            for key, band in by.items():
                payload["trackers"][name]["classes"][key][BOOTSTRAP_KEY] = band
    return payload


def cocovid_stats(result) -> dict[str, SequenceStats]:
    """Statistics of one CocoVID result: each class's and, with several classes, both class averages (the class
    average leaves out classes without any box, TrackEval's ignore_empty_classes, as eval does here)."""
    from trackbench.metrics.stats.class_stats import mot_class_stats
    from trackbench.metrics.stats.mot_stats import mot_stats

    classes = _class_tables(result)
    out = {c: mot_stats(seqs) for c, seqs in classes.items()}
    if len(classes) > 1:
        out[CLASS_AVERAGE] = mot_class_stats(classes, "class_averaged_nonempty")
        out[DETECTION_AVERAGE] = mot_class_stats(classes, "detection_averaged")
    return out


def attach_cocovid(tracker: dict, band: dict) -> None:
    """Intervals beside each ``combined`` of a CocoVID tracker's JSON: per class and class average under
    ``classes``, and the two averages under ``bootstrap`` as ``combined`` names them."""
    for key, intervals_of_key in band.items():
        tracker["classes"][key][BOOTSTRAP_KEY] = intervals_of_key
    if CLASS_AVERAGE in band:
        tracker[BOOTSTRAP_KEY] = {"class_averaged": band[CLASS_AVERAGE], "detection_averaged": band[DETECTION_AVERAGE]}


def with_half_widths(rows: list[list[str]], fields: list[str], band: dict, skip: int = 1) -> list[list[str]]:
    """The rows with `` ±x`` after each cell of the last row (the combined one) whose field has an interval;
    ``skip``: leading label cells."""
    if not band or not rows:
        return rows
    from trackbench.metrics.mot.report import INTEGER_FIELDS

    last = rows[-1][:skip] + [cell + (half_width(f, band[f], f not in INTEGER_FIELDS) if f in band else "")
                              for f, cell in zip(fields, rows[-1][skip:])]
    return rows[:-1] + [last]


def half_width(field: str, interval: dict, percent: bool) -> str:
    """`` ±x``: half the interval's width, in the cell's units (percent for ratios, as TrackEval's summary)."""
    h = (interval["high"] - interval["low"]) / 2
    return f" ±{100 * h:.1f}" if percent else f" ±{h:.{0 if h >= 10 else 1}f}"


def note(options) -> str:
    return (f"±: half the {options.ci:g}% percentile interval of {options.bootstrap} per-sequence bootstrap "
            f"resamples (seed {options.seed})")


def record_extras(record, stats: SequenceStats | None, tracker_intervals: dict | None) -> None:
    """Keep the sufficient statistics (and the intervals, when computed) in a results-store record."""
    if stats is not None:
        record.metrics[SUFFICIENT_KEY] = stats.to_json()
    if tracker_intervals:
        record.metrics[BOOTSTRAP_KEY] = tracker_intervals
