"""Per-attribute breakdowns.

* OPE (OTB's 11 and LaSOT's 14 video-level attributes): the curves of the sequences carrying an attribute are
  averaged, as the OTB and LaSOT toolkits' attribute plots do.
* VOT per-frame tags (camera_motion, illum_change, occlusion, size_change, motion_change and ``empty`` for
  untagged frames): per tag, the mean of the repetition-averaged frame overlaps (after the vot-toolkit accuracy
  mask) and the summed repetition-averaged failures on frames carrying the tag, as got10k ``ExperimentVOT``
  computes its per-tag figures.
"""

from __future__ import annotations

import warnings

import numpy as np

from trackbench.metrics.sot.ope import OpeCurves
from trackbench.metrics.vot.accuracy_robustness import vottoolkit_accuracy_mask
from trackbench.metrics.vot.trajectory import FAILURE


def ope_by_attribute(per_seq: dict[str, OpeCurves], attributes: dict[str, tuple[str, ...]]) -> dict:
    """``{attribute: (mean curves over its sequences, number of sequences)}``, attributes sorted by name."""
    names = sorted({a for attrs in attributes.values() for a in attrs})
    out = {}
    for name in names:
        seqs = [s for s, attrs in attributes.items() if name in attrs and s in per_seq]
        if not seqs:
            continue
        mean = OpeCurves(*(np.mean([getattr(per_seq[s], f) for s in seqs], axis=0)
                           for f in ("success", "precision", "norm_precision")))
        out[name] = (mean, len(seqs))
    return out


def vot_by_tag(tag_data: list[tuple[list[np.ndarray], list[np.ndarray], dict[str, np.ndarray]]],
               burnin: int = 10) -> dict:
    """``tag_data``: per sequence (overlaps per repetition, codes per repetition, {tag: per-frame flags})."""
    if not tag_data or not any(tags for _, _, tags in tag_data):
        return {}
    names = sorted({t for _, _, tags in tag_data for t in tags}) + ["empty"]
    frame_ov, frame_fail, masks = [], [], {n: [] for n in names}
    for overlaps, codes, tags in tag_data:
        ov = np.stack([np.where(vottoolkit_accuracy_mask(c, burnin), o, np.nan) for o, c in zip(overlaps, codes)])
        fails = np.stack([(c == FAILURE).astype(float) for c in codes])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            frame_ov.append(np.nanmean(ov, axis=0))
        frame_fail.append(fails.mean(axis=0))
        n = ov.shape[1]
        tagged = np.zeros(n, dtype=bool)
        for name in names[:-1]:
            flags = np.asarray(tags.get(name, np.zeros(n, bool)), dtype=bool)
            masks[name].append(flags)
            tagged |= flags
        masks["empty"].append(~tagged)
    ov_all = np.concatenate(frame_ov)
    fail_all = np.concatenate(frame_fail)
    out = {}
    for name in names:
        m = np.concatenate(masks[name])
        if not m.any():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            acc = np.nanmean(ov_all[m])
        out[name] = {"accuracy": 0.0 if np.isnan(acc) else float(acc), "failures": float(fail_all[m].sum()),
                     "frames": int(m.sum())}
    return out
