"""StrongSORT (Du et al., "StrongSORT: Make DeepSORT Great Again", IEEE TMM 2023), following dyhBUPT/StrongSORT
with all of its DeepSORT upgrades on (the published "StrongSORT" row):

* NSA Kalman: the measurement noise std is scaled by ``1 - detection score`` (kalman.py, ``nsa=True``);
* EMA appearance: one feature per track, ``0.9 * old + 0.1 * new``, renormalised (gallery budget 1);
* MC: cost ``0.98 * gated appearance + 0.02 * Mahalanobis distance``;
* woC: one Hungarian matching over all confirmed tracks instead of the matching cascade;
* ECC camera motion compensation of the track boxes before the prediction, when frames are available (cmc.py);
* GSI: Gaussian-smoothed interpolation of the finished tracks as a post-process (gsi.py, interval 20, tau 10).

Other defaults from its opts.py: ``min_confidence=0.6``, ``max_cosine_distance=0.4 + 0.05`` (BoT features
plus MC), ``max_iou_distance=0.7``, ``max_age=30``, ``n_init=3``. AFLink (a learned offline linker) is not
included.
"""

from __future__ import annotations

from dataclasses import dataclass

from trackbench.runners.trackers.deepsort import DeepSortFamilyTracker, _Options


@dataclass(frozen=True)
class StrongSortConfig:
    min_confidence: float = 0.6
    min_height: float = 0.0
    max_cosine_distance: float = 0.45
    max_iou_distance: float = 0.7
    max_age: int = 30
    n_init: int = 3
    ema_alpha: float = 0.9
    mc_lambda: float = 0.98
    nsa: bool = True
    cascade: bool = False
    cmc: str = "ecc"  # "ecc" when frames are available, "none" to switch off
    gsi: bool = True
    gsi_interval: int = 20
    gsi_tau: float = 10.0


class StrongSortTracker(DeepSortFamilyTracker):
    def __init__(self, config: StrongSortConfig = StrongSortConfig()):
        self.config = config
        super().__init__(_Options(config.min_confidence, config.min_height, config.max_cosine_distance, 1,
                                  config.max_iou_distance, config.max_age, config.n_init, cascade=config.cascade,
                                  nsa=config.nsa, ema_alpha=config.ema_alpha, mc_lambda=config.mc_lambda))
