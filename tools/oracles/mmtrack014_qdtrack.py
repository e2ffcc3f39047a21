"""Runs MMTracking 0.14's QDTrack (the official code, unmodified) on video frames with a given checkpoint and
records the output tracks per frame: the check of whether MMTracking 0.14 agrees with MMDetection 3.3 (whose QDTrack
made tests/golden/official/qdtrack_mmdet33.npz) on the same seeded weights and frames. Oracle environment only
(tools/oracles/build_env.sh mmtrack014); never in CI, never imports trackbench:

    ENV/bin/python tools/oracles/mmtrack014_qdtrack.py --configs MMTRACK_CONFIGS --checkpoint Q.pth \\
        --video demo.mp4 --frames 8 --scale 320 --out official.npz

The published config configs/mot/qdtrack/qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py with its test scale
set to ``--scale``; frames through ``mmtrack.apis.inference_mot`` as decoded uint8 BGR arrays.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import cv2
import numpy as np
import torch

CONFIG = "mot/qdtrack/qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", required=True)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--video", required=True)
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--scale", type=int, default=320)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)

    import mmcv
    import mmdet
    import mmtrack
    from mmcv import Config
    from mmtrack.apis import inference_mot
    from mmtrack.models import build_model

    cfg = Config.fromfile(os.path.join(args.configs, CONFIG))
    for step in cfg.data.test.pipeline:
        if step.type == "MultiScaleFlipAug":
            step.img_scale = (args.scale, args.scale)
    cfg.model.detector.init_cfg = None
    cfg.model.detector.backbone.init_cfg = None
    model = build_model(cfg.model)
    state = torch.load(args.checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    model.load_state_dict(state, strict=True)
    model.cfg = cfg
    model.eval()
    cap = cv2.VideoCapture(args.video)
    out = {}
    for frame_id in range(args.frames):
        ok, img = cap.read()
        if not ok:
            break
        result = inference_mot(model, img, frame_id)
        out[f"f{frame_id}/tracks"] = np.asarray(result["track_bboxes"][0], dtype=np.float64).reshape(-1, 6)
        print(frame_id, "tracks", len(out[f"f{frame_id}/tracks"]), flush=True)
    versions = dict(torch=torch.__version__, mmcv=mmcv.__version__, mmdet=mmdet.__version__,
                    mmtrack=mmtrack.__version__, opencv=cv2.__version__, python=sys.version.split()[0])
    out["info"] = np.array(json.dumps(dict(model="qdtrack", config=CONFIG, scale=args.scale, versions=versions,
                                           command=" ".join([sys.executable] + sys.argv))))
    np.savez_compressed(args.out, **out)


if __name__ == "__main__":
    main()
