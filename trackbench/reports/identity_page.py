"""The per-identity error report of one tracker as one self-contained HTML page (inline CSS and SVG, no scripts,
no external files): summary counts, then per sequence a timeline strip for every gt identity (which tracker id
covered it, where it was missed, where the id switched), worst first, and the frames with the most false positives.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from trackbench.atomic import write_text_atomic
from trackbench.metrics.mot.timelines import IdentityTimeline, SequenceErrors

STRIP_WIDTH = 720
STRIP_HEIGHT = 14
SUMMARY_COUNTS = ("IDSW", "Frag", "FP", "FN")
_STYLE = """body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:0.5em 0 2em}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:right;font-size:13px;vertical-align:middle;
white-space:nowrap}
th{background:#f4f4f4}td.l,th.l{text-align:left}dl.summary{display:flex;gap:2em}dl.summary dt{font-size:12px;
color:#666}dl.summary dd{margin:0;font-size:22px;font-weight:bold}svg{display:block}.legend span{display:inline-block;
padding:0 6px;margin-right:8px}.missed{background:#c8c8c8}.switch{color:#d00}"""


def tracker_color(tracker_id: int) -> str:
    """A stable colour per tracker id (golden-angle hues), so one id keeps its colour along a strip."""
    return f"hsl({(int(tracker_id) * 137.508) % 360:.1f},65%,48%)"


def runs(timeline: IdentityTimeline) -> list[tuple[int, int, int]]:
    """(first frame, last frame, tracker id or -1) of each stretch of consecutive frames with one tracker id."""
    f, t = timeline.frames, timeline.tracker_ids
    if len(f) == 0:
        return []
    cut = np.flatnonzero((np.diff(f) != 1) | (np.diff(t) != 0)) + 1
    starts = np.r_[0, cut]
    ends = np.r_[cut, len(f)] - 1
    return [(int(f[s]), int(f[e]), int(t[s])) for s, e in zip(starts, ends)]


def strip_svg(timeline: IdentityTimeline, num_frames: int) -> str:
    scale = STRIP_WIDTH / max(num_frames, 1)
    parts = [f"<svg width='{STRIP_WIDTH}' height='{STRIP_HEIGHT}' viewBox='0 0 {STRIP_WIDTH} {STRIP_HEIGHT}'>"
             f"<rect width='{STRIP_WIDTH}' height='{STRIP_HEIGHT}' fill='#f7f7f7'/>"]
    for first, last, tid in runs(timeline):
        x, w = (first - 1) * scale, max((last - first + 1) * scale, 0.5)
        fill = "#c8c8c8" if tid < 0 else tracker_color(tid)
        what = "missed" if tid < 0 else f"tracker {tid}"
        span = f"frame {first}" if first == last else f"frames {first}-{last}"
        parts.append(f"<rect x='{x:.2f}' width='{w:.2f}' height='{STRIP_HEIGHT}' fill='{fill}'>"
                     f"<title>{span}: {what}</title></rect>")
    for frame in timeline.switch_frames.tolist():
        x = (frame - 1) * scale
        parts.append(f"<line x1='{x:.2f}' x2='{x:.2f}' y1='0' y2='{STRIP_HEIGHT}' stroke='#d00' stroke-width='2'>"
                     f"<title>id switch at frame {frame}</title></line>")
    parts.append("</svg>")
    return "".join(parts)


def _identity_row(seq: SequenceErrors, t: IdentityTimeline) -> str:
    ids = sorted({int(i) for i in t.tracker_ids.tolist() if i >= 0})
    shown = ", ".join(map(str, ids[:8])) + (" ..." if len(ids) > 8 else "")
    switches = ", ".join(map(str, t.switch_frames.tolist()[:10])) + (" ..." if t.switches > 10 else "")
    first, last = (int(t.frames[0]), int(t.frames[-1])) if len(t.frames) else (0, 0)
    return (f"<tr><td class='l'>{t.gt_id}</td><td>{first}-{last}</td><td>{len(t.frames)}</td><td>{t.missed}</td>"
            f"<td>{t.switches}</td><td>{t.fragments}</td><td>{t.assoc:.3f}</td><td class='l'>{shown}</td>"
            f"<td class='l switch'>{switches}</td><td>{strip_svg(t, seq.num_frames)}</td></tr>")


def _totals(sequences: list[SequenceErrors]) -> dict[str, int]:
    return {k: sum(s.counts[k] for s in sequences) for k in SUMMARY_COUNTS + ("TP",)}


def identity_page(tracker: str, benchmark: str, sequences: list[SequenceErrors], top_fp: int = 20) -> str:
    totals = _totals(sequences)
    esc = html.escape
    out = ["<!doctype html><html><head><meta charset='utf-8'>",
           f"<title>{esc(tracker)}: per-identity errors on {esc(benchmark)}</title><style>{_STYLE}</style>",
           "</head><body>", f"<h1>{esc(tracker)} <small>on {esc(benchmark)}</small></h1>",
           "<p>CLEAR matching (IoU &ge; 0.5, matches continued from the previous frame first), as eval counts "
           "IDSW, Frag, FP and FN. Identities are sorted worst first: most switches, then most fragments, then the "
           "lowest <i>assoc</i> (the mean over the identity's matched frames of TPA / (TPA + FNA + FPA) of the "
           "matched tracker id: HOTA's association score, on these matches).</p><dl class='summary'>"]
    for key in SUMMARY_COUNTS + ("TP",):
        out.append(f"<div><dt>{key}</dt><dd id='count-{key}'>{totals[key]}</dd></div>")
    out.append("</dl><p class='legend'><span class='missed'>missed</span><span style='color:#fff;background:"
               f"{tracker_color(1)}'>one colour per tracker id</span><span class='switch'>| id switch</span></p>")
    out.append(_sequence_table(sequences))
    out.append(_fp_table(sequences, top_fp))
    for seq in sequences:
        c = seq.counts
        out.append(f"<h2 id='seq-{esc(seq.name)}'>{esc(seq.name)}</h2><p>{len(seq.identities)} identities, "
                   f"{seq.num_frames} frames; IDSW {c['IDSW']}, Frag {c['Frag']}, FP {c['FP']}, FN {c['FN']}; "
                   "worst first.</p>")
        out.append("<table><tr><th class='l'>gt id</th><th>frames</th><th>annotated</th><th>missed</th>"
                   "<th>switches</th><th>fragments</th><th>assoc</th><th class='l'>tracker ids</th>"
                   "<th class='l'>switch frames</th><th class='l'>timeline (frame 1 to "
                   f"{seq.num_frames})</th></tr>")
        out += [_identity_row(seq, t) for t in seq.identities]
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def _sequence_table(sequences: list[SequenceErrors]) -> str:
    rows = "".join(f"<tr><td class='l'><a href='#seq-{html.escape(s.name)}'>{html.escape(s.name)}</a></td>"
                   f"<td>{len(s.identities)}</td>" + "".join(f"<td>{s.counts[k]}</td>" for k in SUMMARY_COUNTS)
                   + "</tr>" for s in sequences)
    head = "".join(f"<th>{k}</th>" for k in SUMMARY_COUNTS)
    return (f"<h2>Sequences</h2><table id='sequences'><tr><th class='l'>sequence</th><th>identities</th>{head}</tr>"
            f"{rows}</table>")


def _fp_table(sequences: list[SequenceErrors], top: int) -> str:
    rows = [(int(n), s.name, f + 1) for s in sequences for f, n in enumerate(s.fp_per_frame.tolist()) if n > 0]
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    body = "".join(f"<tr><td class='l'>{html.escape(name)}</td><td>{frame}</td><td>{n}</td></tr>"
                   for n, name, frame in rows[:top])
    return (f"<h2>Frames with the most false positives</h2><table id='fp-frames'><tr><th class='l'>sequence</th>"
            f"<th>frame</th><th>FP</th></tr>{body}</table>")


def write_identity_page(path: Path, tracker: str, benchmark: str, sequences: list[SequenceErrors]) -> Path:
    write_text_atomic(path, identity_page(tracker, benchmark, sequences))
    return Path(path)
