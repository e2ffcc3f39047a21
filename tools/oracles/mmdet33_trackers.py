"""Runs MMDetection 3.3's association trackers (SORT, DeepSORT, ByteTrack, OC-SORT, StrongSORT; the official code,
built from the ``tracker`` dict of mmdet's own MOT17 configs) on given detections. Oracle environment only
(build_env.sh mmdet33), never in CI, never imports trackbench:

    ENV/bin/python tools/oracles/mmdet33_trackers.py IN.npz OUT.npz sort bytetrack ocsort deepsort strongsort

IN.npz: per video ``<video>/frames`` (N,) 0-based frame index, ``<video>/boxes`` (N, 4) x1y1x2y2,
``<video>/scores`` (N,), optional ``<video>/embeds`` (N, D) and ``<video>/length``. The ReID trackers' crops go to
a stand-in ReID that returns the given embeddings of the detections the tracker kept (in its order), and
StrongSORT runs without camera-motion compensation (``model.with_cmc`` False) and without AFLink. OUT.npz:
``<tracker>/<video>`` rows (frame, id, x1, y1, x2, y2, score) of every frame's ``pred_track_instances``.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

CONFIGS = {
    "sort": "sort/sort_faster-rcnn_r50_fpn_8xb2-4e_mot17halftrain_test-mot17halfval.py",
    "deepsort": "deepsort/deepsort_faster-rcnn_r50_fpn_8xb2-4e_mot17halftrain_test-mot17halfval.py",
    "bytetrack": "bytetrack/bytetrack_yolox_x_8xb4-80e_crowdhuman-mot17halftrain_test-mot17halfval.py",
    "ocsort": "ocsort/ocsort_yolox_x_8xb4-amp-80e_crowdhuman-mot17halftrain_test-mot17halfval.py",
    "strongsort": "strongsort/strongsort_yolox_x_8xb4-80e_crowdhuman-mot17halftrain_test-mot17halfval.py",
}


class StandInReID:
    """``model.reid(crops, mode='tensor')``: the given embeddings of the kept detections, in order."""

    def __init__(self, dim: int):
        self.current = torch.zeros((0, dim))
        self.head = type("Head", (), {"out_channels": dim})()

    def __call__(self, crops, mode="tensor"):
        assert len(crops) == len(self.current), (len(crops), len(self.current))
        return self.current


def main() -> None:
    src, dst, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    import mmdet
    from mmengine.config import Config
    from mmengine.structures import InstanceData
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample
    from mmdet.utils import register_all_modules

    register_all_modules()
    data = np.load(src)
    videos = sorted({k.split("/")[0] for k in data.files})
    out = {}
    for name in names:
        cfg = Config.fromfile(os.path.join(os.path.dirname(mmdet.__file__), ".mim", "configs", CONFIGS[name]))
        for video in videos:
            if name in ("deepsort", "strongsort") and f"{video}/embeds" not in data.files:
                continue  # the ReID trackers run where the input has embeddings
            tracker = MODELS.build(cfg.model.tracker)
            frames, boxes = data[f"{video}/frames"], data[f"{video}/boxes"].astype(np.float32)
            scores = data[f"{video}/scores"].astype(np.float32)
            embeds = data[f"{video}/embeds"].astype(np.float32) if f"{video}/embeds" in data.files else None
            length = int(data[f"{video}/length"]) if f"{video}/length" in data.files else int(frames.max()) + 1
            reid = StandInReID(embeds.shape[1] if embeds is not None else 1)
            model = type("Model", (), {"reid": reid, "with_cmc": False})()
            img = torch.zeros((1, 3, 1080, 1920))
            rows = []
            for f in range(length):
                sel = frames == f
                sample = DetDataSample(metainfo=dict(frame_id=f, img_shape=(1080, 1920), ori_shape=(1080, 1920),
                                                     scale_factor=(1.0, 1.0)))
                inst = InstanceData()
                inst.bboxes = torch.from_numpy(boxes[sel])
                inst.scores = torch.from_numpy(scores[sel])
                inst.labels = torch.zeros(int(sel.sum()), dtype=torch.long)
                sample.pred_instances = inst
                if embeds is not None:
                    thr = cfg.model.tracker.get("obj_score_thr", 0.0)
                    reid.current = torch.from_numpy(embeds[sel][scores[sel] > thr])
                kwargs = dict(model=model, img=img, feats=None, data_sample=sample,
                              data_preprocessor=dict(mean=[0, 0, 0], std=[1, 1, 1], rgb_to_bgr=False), rescale=False)
                res = tracker.track(**kwargs) if name in ("sort", "deepsort", "strongsort") else \
                    tracker.track(data_sample=sample)
                ids = res.instances_id.numpy()
                rows.append(np.column_stack([np.full(len(ids), f), ids, res.bboxes.numpy(), res.scores.numpy()]))
            out[f"{name}/{video}"] = np.concatenate(rows) if rows else np.zeros((0, 7))
            print(name, video, len(out[f"{name}/{video}"]), flush=True)
    import mmcv

    out["info"] = np.array(json.dumps(dict(versions=dict(mmdet=mmdet.__version__, mmcv=mmcv.__version__,
                                                         torch=torch.__version__),
                                           configs={n: CONFIGS[n] for n in names},
                                           command=" ".join([sys.executable] + sys.argv))))
    np.savez_compressed(dst, **out)


if __name__ == "__main__":
    main()
