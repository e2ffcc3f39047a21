"""The interface every single-object tracker implements, so the OPE and VOT protocols can run any of them.

A tracker is initialized on one frame with the target's box and then asked for the box on each following
frame, exactly the online protocol of OTB/LaSOT/GOT-10k (one-pass evaluation) and of the VOT toolkit's
``OnlineTrackerRuntime`` (``initialize`` / ``update``). Boxes are float ``[x, y, w, h]`` in pixels with
(x, y) the top-left corner; frames are ``H x W x 3`` uint8 arrays in BGR order (what OpenCV reads and what
MMTracking's ``LoadImageFromFile`` feeds SiamRPN++).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

import numpy as np

from trackbench.errors import TrackbenchError


@dataclass(frozen=True)
class SotPrediction:
    """One frame's answer: the box ``[x, y, w, h]`` (float64) and the tracker's confidence (NaN if none)."""

    box_xywh: np.ndarray
    score: float = float("nan")


def as_box_xywh(box, what: str = "box") -> np.ndarray:
    """Validate a box given as 4 finite numbers with positive width and height; return float64 ``(4,)``."""
    arr = np.asarray(box, dtype=np.float64).reshape(-1)
    if arr.shape != (4,) or not np.all(np.isfinite(arr)):
        raise TrackbenchError(f"{what} must be 4 finite numbers [x, y, w, h]; got {list(np.asarray(box).ravel())}")
    if arr[2] <= 0 or arr[3] <= 0:
        raise TrackbenchError(f"{what} must have positive width and height; got {arr.tolist()}")
    return arr


class SotTracker(abc.ABC):
    """Base class of single-object trackers: ``initialize`` once, then ``update`` frame by frame.

    ``initialize`` may be called again at any time (the VOT protocol re-initializes after each failure);
    it must forget everything about the previous run.
    """

    #: registry name of the method (e.g. ``"siamrpn"``, ``"ncc"``)
    name: str = "sot"

    @abc.abstractmethod
    def initialize(self, frame: np.ndarray, box_xywh: np.ndarray) -> None:
        """Start tracking the target in ``box_xywh`` on ``frame``."""

    @abc.abstractmethod
    def update(self, frame: np.ndarray) -> SotPrediction:
        """Return the target's box on the next frame."""
