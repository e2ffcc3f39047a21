"""BoT-SORT (Aharon et al., "BoT-SORT: Robust Associations Multi-Pedestrian Tracking", 2022), following
NirAharon/BoT-SORT's ``BoTSORT`` tracker: the BYTE loop of bytetrack.py with an ``xywh`` Kalman state (noise
proportional to width and height), camera-motion compensation of the predicted tracks by a 2x3 warp per frame,
and — with embeddings — an EMA appearance feature per track whose halved cosine distance replaces the fused
IoU cost where it is lower, below ``appearance_thresh`` and within ``proximity_thresh`` IoU distance.

Defaults are the reference's: high 0.6, low 0.1, new track 0.7, match 0.8, buffer 30, proximity 0.5,
appearance 0.25, EMA 0.9. The reference's default camera motion is sparse optical flow (or precomputed files
for MOT17); here ``cmc="ecc"`` (OpenCV ECC, cmc.py) when the frames are available, off by default.

Versus the ``trackers`` package's ``BoTSORTTracker``: lost tracks are those missed for more than one frame, every
stage (also the low-score one) uses Hungarian with a similarity floor instead of ``lapjv`` with a cost limit,
unconfirmed tracks are predicted too, there is no duplicate removal and no ``+1`` pixel IoU, and no ReID;
about 18% of the associations differ on MOT17-09 with noisy detections, so it is not used as an oracle.
"""

from __future__ import annotations

from dataclasses import dataclass

from trackbench.runners.trackers.byte_family import ByteFamilyTracker, _Options


@dataclass(frozen=True)
class BotSortConfig:
    track_high_thresh: float = 0.6
    track_low_thresh: float = 0.1
    new_track_thresh: float = 0.7
    match_thresh: float = 0.8
    track_buffer: int = 30
    proximity_thresh: float = 0.5
    appearance_thresh: float = 0.25
    with_reid: bool = False
    ema_alpha: float = 0.9
    mot20: bool = False
    cmc: str = "none"  # "none" or "ecc" (needs frames)
    min_box_area: float = 0.0
    max_aspect_ratio: float = 0.0


class BotSortTracker(ByteFamilyTracker):
    def __init__(self, config: BotSortConfig = BotSortConfig(), frame_rate: float = 30.0):
        self.config = config
        super().__init__(
            _Options(high=config.track_high_thresh, low=config.track_low_thresh, new_track=config.new_track_thresh,
                     match=config.match_thresh, second=0.5, unconfirmed=0.7, track_buffer=config.track_buffer,
                     fuse=not config.mot20, layout="xywh", with_reid=config.with_reid,
                     proximity_thresh=config.proximity_thresh, appearance_thresh=config.appearance_thresh,
                     ema_alpha=config.ema_alpha, min_box_area=config.min_box_area,
                     max_aspect_ratio=config.max_aspect_ratio),
            frame_rate,
        )
