"""Association-only multi-object trackers over per-frame detections (numpy; no file I/O, no drawing).

Each tracker is built from its frozen config dataclass and called once per frame, in order, with
``update(boxes_xyxy (N, 4), scores (N,), classes (N,), embeddings (N, D) | None, warp (2, 3) | None)``; it
returns a :class:`~trackbench.runners.trackers.common.base.TrackFrame`.
"""
