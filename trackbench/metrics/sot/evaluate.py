"""Score one tracker's results on a set of sequences under a named protocol (``sot_protocols``).

Returns plain dicts: ``{"sequences": {seq: {...}}, "overall": {...}, "attributes": {...}}`` with the protocol's
fields and curves, ready for JSON. OPE sequence and overall scores follow the tools: overall curves are the mean of
the sequence curves, AUC is the mean of the success curve, precision the value at 20 px.
"""

from __future__ import annotations

import numpy as np

from trackbench.errors import InputFileError, TrackbenchError
from trackbench.formats.sot_groundtruth import SotGroundTruth, require_image_size
from trackbench.metrics.sot.attributes import ope_by_attribute, vot_by_tag
from trackbench.metrics.sot.got10k import got10k_scores, got10k_sequence_ious
from trackbench.metrics.sot.ope import OpeCurves, ope_curves_batch
from trackbench.metrics.sot.ope_rules import InvalidResults
from trackbench.metrics.sot.protocols import GroundTruthStack, OpeConvention, SotProtocol
from trackbench.metrics.sot.results import TrackerResults
from trackbench.metrics.vot.accuracy_robustness import (
    SequenceAR,
    got10k_vot_ar,
    got10k_vot_sequence,
    mmtracking_ar,
    vottoolkit_average_ar,
    vottoolkit_sequence_ar,
)
from trackbench.metrics.vot.eao import eao_curve, eao_fragments, eao_score
from trackbench.metrics.vot.overlap import polygon_iou, vot_raster_overlaps_many
from trackbench.metrics.vot.trajectory import Trajectory


def ope_scores(curves: OpeCurves, convention: OpeConvention) -> dict:
    out = {
        "success_auc": float(np.mean(curves.success)),
        "precision": float(curves.precision[20]),
        "success_rate": float(curves.success[10]),
    }
    if convention.norm_precision == "at20":
        out["norm_precision"] = float(curves.norm_precision[20])
    elif convention.norm_precision == "auc":
        out["norm_precision"] = float(np.mean(curves.norm_precision))
    return out


def _row_means(curves: np.ndarray) -> list[float]:
    """``[float(np.mean(row)) for row in curves]`` in one call: a mean along the contiguous last axis sums each
    row with the same pairwise summation as the mean of that row alone (a test checks the bits)."""
    return np.mean(np.ascontiguousarray(curves), axis=1).tolist()


def _sequence_entries(batch: OpeCurves, convention: OpeConvention, frames: list[int], curves: bool) -> list[dict]:
    """``ope_scores`` + frame count + curves of every sequence of a batch, with one numpy call per field
    instead of several per sequence."""
    auc = _row_means(batch.success)
    precision = batch.precision[:, 20].tolist()
    rate = batch.success[:, 10].tolist()
    norm = None
    if convention.norm_precision == "at20":
        norm = batch.norm_precision[:, 20].tolist()
    elif convention.norm_precision == "auc":
        norm = _row_means(batch.norm_precision)
    if curves:
        success_curves, precision_curves = batch.success.tolist(), batch.precision.tolist()
        norm_curves = batch.norm_precision.tolist() if convention.norm_precision is not None else None
    entries = []
    for i, n in enumerate(frames):
        entry = {"success_auc": auc[i], "precision": precision[i], "success_rate": rate[i]}
        if norm is not None:
            entry["norm_precision"] = norm[i]
        entry["frames"] = n
        if curves:
            entry["success_curve"] = success_curves[i]
            entry["precision_curve"] = precision_curves[i]
            if norm_curves is not None:
                entry["norm_precision_curve"] = norm_curves[i]
        entries.append(entry)
    return entries


def _curve_dict(curves: OpeCurves, convention: OpeConvention) -> dict:
    out = {"success_curve": curves.success.tolist(), "precision_curve": curves.precision.tolist()}
    if convention.norm_precision is not None:
        out["norm_precision_curve"] = curves.norm_precision.tolist()
    return out


def evaluate_ope(protocol: SotProtocol, convention: OpeConvention, gts: list[SotGroundTruth],
                 results: TrackerResults, curves: bool = True, stack: GroundTruthStack | None = None) -> dict:
    """``stack``: the ground truth concatenated once (:class:`GroundTruthStack` of ``gts``) when several trackers
    are scored against it."""
    scored = [g for g in gts if g.name in results.runs]
    if not scored:
        raise TrackbenchError(f"tracker {results.name!r}: nothing to score")
    for g in scored:
        if len(results.runs[g.name]) != 1:
            raise TrackbenchError(f"{results.files[g.name][0]}: protocol {protocol.name} scores one result per "
                                  f"sequence, found {len(results.runs[g.name])} repetitions of {g.name!r}")
    preds = [results.runs[g.name][0] for g in scored]
    stacked = results.stacked if results.stacked_names == tuple(g.name for g in scored) else None
    try:
        if convention.curves_batch is not None:
            batch = convention.curves_batch(preds, scored, stack=stack, stacked_pred=stacked)
        else:
            errors = convention.frame_errors(preds, scored, stack=stack, stacked_pred=stacked)
            batch = ope_curves_batch(errors, convention.thresholds, len(scored))
    except InvalidResults as exc:
        name = scored[exc.sequence_index].name
        raise TrackbenchError(f"{results.files.get(name, [name])[0]}: {exc}") from exc
    entries = _sequence_entries(batch, convention, [len(g) for g in scored], curves)
    sequences: dict[str, dict] = {g.name: e for g, e in zip(scored, entries)}
    mean = OpeCurves(batch.success.mean(axis=0), batch.precision.mean(axis=0), batch.norm_precision.mean(axis=0))
    overall = ope_scores(mean, convention)
    overall["sequences"] = len(sequences)
    overall.update(_curve_dict(mean, convention))
    overall["thresholds"] = {"overlap": convention.thresholds.overlap.tolist(),
                             "center": convention.thresholds.center.tolist(),
                             "norm_center": convention.thresholds.norm_center.tolist()}
    attrs = {g.name: g.attributes for g in scored}
    by_attr = {}
    if any(attrs.values()):
        per_seq = {g.name: OpeCurves(batch.success[i], batch.precision[i], batch.norm_precision[i])
                   for i, g in enumerate(scored)}
        by_attr = {name: {**ope_scores(c, convention), "sequences": n}
                   for name, (c, n) in ope_by_attribute(per_seq, attrs).items()}
    return {"sequences": sequences, "overall": overall, "attributes": by_attr}


def evaluate_got10k(gts: list[SotGroundTruth], results: TrackerResults, curves: bool = True) -> dict:
    sequences, pooled = {}, []
    for gt in gts:
        if gt.name not in results.runs:
            continue
        size = require_image_size(gt, "got10k")
        ious = got10k_sequence_ious(results.runs[gt.name], gt.boxes, gt.visible, size)
        pooled.append(ious)
        s = got10k_scores(ious)
        sequences[gt.name] = {**s.as_dict(curves), "repetitions": len(results.runs[gt.name])}
    if not pooled:
        raise TrackbenchError(f"tracker {results.name!r}: nothing to score")
    overall = got10k_scores(np.concatenate(pooled)).as_dict(True)
    overall["sequences"] = len(sequences)
    overall["thresholds"] = {"overlap": np.linspace(0, 1, 101).tolist()}
    return {"sequences": sequences, "overall": overall, "attributes": {}}


def _vot_overlaps(gt: SotGroundTruth, trajs: list[Trajectory], convention: str) -> list[np.ndarray]:
    """Per repetition, per frame overlaps: exact polygon IoU (NaN on special frames) for the got10k convention,
    vot-toolkit raster overlaps otherwise."""
    regions = gt.vot_regions()
    for frame, region in enumerate(regions):
        if not np.all(np.isfinite(region)):
            raise TrackbenchError(f"sequence {gt.name!r} ({gt.source}): frame {frame} has no ground-truth region; "
                                  "VOT protocols need one on every frame")
    if convention == "got10k":
        size = require_image_size(gt, "vot (got10k convention)")
        return [np.array([polygon_iou(p, g, size) if len(p) > 1 else np.nan for p, g in zip(t.regions, regions)])
                for t in trajs]
    size = require_image_size(gt, "vot")
    return vot_raster_overlaps_many([list(t.regions) for t in trajs], list(regions), size)


def evaluate_vot(protocol: SotProtocol, convention: str, gts: list[SotGroundTruth], results: TrackerResults,
                 eao_interval: tuple[int, int] | None = None) -> dict:
    """A/R (+ EAO except for got10k) of reset-based trajectories. Per sequence: repetition-averaged accuracy and
    failures (got10k convention: mean of the repetition-averaged frame IoUs and the summed repetition-averaged
    failures); ``eao_interval`` overrides the protocol's (MMTracking's tests use [1, 3])."""
    settings = protocol.vot
    low, high = eao_interval or (settings.eao_low, settings.eao_high)
    sequences: dict[str, dict] = {}
    seq_ar: list[SequenceAR] = []
    got_seqs = []
    frags, oks = [], []
    mm_ov, mm_codes = [], []
    tag_data = []
    for gt in gts:
        if gt.name not in results.runs:
            continue
        trajs = [Trajectory.from_rows(r) for r in results.runs[gt.name]]
        codes = [t.codes() for t in trajs]
        for path, c in zip(results.files.get(gt.name, []), codes):
            if len(c) and c[0] != 1:
                raise InputFileError(path, "expected the initialization code 1 (a VOT trajectory starts with it)", 1)
        overlaps = _vot_overlaps(gt, trajs, convention)
        if convention == "got10k":
            seq = got10k_vot_sequence(overlaps, codes, gt.tags, settings.burnin)
            got_seqs.append(seq)
            sequences[gt.name] = {"accuracy": float(np.nanmean(seq.frame_ious)) if np.isfinite(seq.frame_ious).any()
                                  else 0.0, "failures": float(np.sum(seq.frame_failures)),
                                  "repetitions": len(trajs), "frames": len(gt)}
            continue
        ar = vottoolkit_sequence_ar(overlaps, codes, len(gt), settings.burnin)
        seq_ar.append(ar)
        sequences[gt.name] = {"accuracy": ar.accuracy, "failures": ar.failures, "repetitions": len(trajs),
                              "frames": len(gt)}
        for ov, c in zip(overlaps, codes):
            f, o = eao_fragments(ov, c)
            frags.extend(f)
            oks.extend(o)
        if convention == "mmtracking":
            mm_ov.append(overlaps[0])
            mm_codes.append(codes[0])
        tag_data.append((overlaps, codes, gt.tags))
    if not sequences:
        raise TrackbenchError(f"tracker {results.name!r}: nothing to score")
    if convention == "got10k":
        overall = got10k_vot_ar(got_seqs)
        overall["sequences"] = len(sequences)
        return {"sequences": sequences, "overall": overall, "attributes": {}}
    curve = eao_curve(frags, oks)
    if convention == "mmtracking":
        overall = mmtracking_ar(mm_ov, mm_codes, settings.burnin)
    else:
        overall = vottoolkit_average_ar(seq_ar, settings.sensitivity)
    overall["eao"] = eao_score(curve, low, high)
    overall["eao_interval"] = [low, high]
    overall["eao_curve"] = curve.tolist()
    overall["sequences"] = len(sequences)
    return {"sequences": sequences, "overall": overall, "attributes": vot_by_tag(tag_data, settings.burnin)}


def evaluate_tracker(protocol: SotProtocol, convention_name: str | None, gts: list[SotGroundTruth],
                     results: TrackerResults, curves: bool = True, stack: GroundTruthStack | None = None) -> dict:
    """``stack``: a :class:`GroundTruthStack` of ``gts`` shared by the trackers of one evaluation (OPE)."""
    convention = protocol.convention(convention_name)
    if protocol.kind == "ope":
        return evaluate_ope(protocol, convention, gts, results, curves, stack)
    if protocol.kind == "got10k":
        return evaluate_got10k(gts, results, curves)
    return evaluate_vot(protocol, convention, gts, results)
