"""Tracktor (Bergmann et al., "Tracking without Bells and Whistles", ICCV 2019) as MMTracking 0.14 runs it: the
shared Faster R-CNN regresses last frame's boxes to the current frame, DeepSORT's ReID model re-identifies lost
tracks, and ECC camera-motion compensation moves the boxes first (``tracker``: the association step, ``frames``:
the per-frame model calls, ``run``: one video for the launcher)."""
