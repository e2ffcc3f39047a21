"""GOT-10k average overlap (AO) and success rates (SR) as ``got10k.experiments.ExperimentGOT10k.report`` computes
them on the validation split (got10k toolkit 0.1.3).

Frame 0 is left out, both boxes are clipped to the image (``rect_iou(bound=resolution)``), only frames with a
visible target (``cover > 0``) count, the IoUs of all repetitions of a sequence are pooled, and the overall AO/SR
pool the frames of every sequence (frame-weighted, not an average of sequence scores), as the toolkit does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trackbench.metrics.sot.box_overlap import iou_xywh_batch

SUCCESS_THRESHOLDS = np.linspace(0, 1, 101)


@dataclass(frozen=True)
class Got10kScores:
    ao: float
    sr50: float
    sr75: float
    success_curve: np.ndarray
    frames: int

    def as_dict(self, curves: bool = True) -> dict:
        out = {"AO": self.ao, "SR0.5": self.sr50, "SR0.75": self.sr75, "frames": self.frames}
        if curves:
            out["success_curve"] = self.success_curve.tolist()
        return out


def got10k_sequence_ious(repetitions: list[np.ndarray], gt: np.ndarray, visible: np.ndarray,
                         resolution: tuple[float, float]) -> np.ndarray:
    """Pooled IoUs of all repetitions of one sequence (frames 1.., visible ones only)."""
    gt = np.asarray(gt, dtype=np.float64)
    visible = np.asarray(visible, dtype=bool)[1:]
    pooled = []
    for boxes in repetitions:
        boxes = np.asarray(boxes, dtype=np.float64)
        if boxes.shape != gt.shape:
            raise ValueError(f"result shape {boxes.shape} does not match the ground truth {gt.shape}")
        ious = iou_xywh_batch(boxes[1:], gt[1:], bound=resolution)
        pooled.append(ious[visible])
    return np.concatenate(pooled) if pooled else np.zeros(0)


def got10k_scores(ious: np.ndarray) -> Got10kScores:
    """AO = mean IoU, SR_t = fraction of IoUs above t, success curve over 101 thresholds (``_evaluate``)."""
    ious = np.asarray(ious, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        if len(ious) == 0:
            return Got10kScores(float("nan"), float("nan"), float("nan"), np.full(101, np.nan), 0)
        ao = float(np.mean(ious))
        sr50 = float(np.mean(ious > 0.5))
        sr75 = float(np.mean(ious > 0.75))
        curve = np.mean(np.greater(ious[:, None], SUCCESS_THRESHOLDS[None, :]), axis=0)
    return Got10kScores(ao, sr50, sr75, curve, int(len(ious)))
