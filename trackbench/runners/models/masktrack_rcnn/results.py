"""One video's tracked masks as the YouTube-VIS results records MMTracking 0.14 writes
(``YouTubeVISDataset.format_results`` after ``encode_mask_results``), which ``trackbench eval --task vis`` reads.

Per track id, in the order ids first appear: ``{"video_id", "score": mean of its per-frame detection scores
(float32, as numpy averages them), "category_id": its most frequent label (ties: the smaller) + 1,
"segmentations": one compressed RLE {"size": [h, w], "counts"} per frame of the video, None where absent}``.
A frame where two detections carry the same id (MMTracking's duplicate-id case) adds both scores and labels and
keeps the later mask, as MMTracking does.
"""

from __future__ import annotations

import json

import numpy as np

from trackbench.runners.models.common.mask_head import PastedMask


def encode_rle(mask: PastedMask) -> dict:
    """pycocotools' compressed RLE of the full-size binary mask (``counts`` as text, as MMTracking dumps it)."""
    from pycocotools import mask as mask_utils

    full = np.asfortranarray(mask.full()[:, :, None].astype(np.uint8))
    rle = mask_utils.encode(full)[0]
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"].decode()}


class VideoInstances:
    """Collects one video's tracked instances frame by frame (``collect_data`` of ``format_results``)."""

    def __init__(self, video_id: int, n_frames: int) -> None:
        self.video_id = video_id
        self.n_frames = n_frames
        self.instances: dict[int, dict] = {}

    def add_frame(self, frame_index: int, ids, labels, scores, masks: list[PastedMask]) -> None:
        """``scores`` float32 detection scores; ``labels`` 0-based classes; all aligned with ``ids``."""
        for track_id, label, score, mask in zip(ids, labels, scores, masks, strict=True):
            entry = self.instances.setdefault(int(track_id), {"labels": [], "scores": [], "segmentations": {}})
            entry["labels"].append(int(label))
            entry["scores"].append(np.float32(score))
            entry["segmentations"][frame_index] = encode_rle(mask)

    def records(self) -> list[dict]:
        out = []
        for entry in self.instances.values():
            out.append({
                "video_id": self.video_id,
                "score": np.array(entry["scores"], dtype=np.float32).mean().item(),
                "category_id": int(np.bincount(np.array(entry["labels"])).argmax()) + 1,
                "segmentations": [entry["segmentations"].get(f) for f in range(self.n_frames)],
            })
        return out


def records_text(records: list[dict]) -> str:
    """The records as ``json.dump`` (mmcv.dump) writes them inside the results list, joined by ", "."""
    return ", ".join(json.dumps(r) for r in records)
