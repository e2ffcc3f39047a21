"""Runs one of MMTracking 0.14's video object detectors (the official code, unmodified) on image files with a given
checkpoint and records every stage. Run with the oracle environment's Python (tools/oracles/build_env.sh
mmtrack014); never in CI, never imports trackbench:

    ENV/bin/python tools/oracles/mmtrack014_vid.py --configs MMTRACK_CONFIGS --method dff --checkpoint W.pth \
        --frames-dir .../OTB100/Basketball/img --frames 12 --short-side 128 --out official.npz

``--configs`` is MMTracking 0.14's ``configs/`` folder. The published R50 config of the method
(configs/vid/<method>/..._r50_dc5_...imagenetvid.py) is built with ``init_cfg=None`` everywhere (no downloads),
the checkpoint loaded strictly, and its test pipeline (``LoadImageFromFile`` of the frame file, ``Resize`` keep
ratio at ``(long, short)``, ``Normalize``, ``Pad`` 16) run on each frame as the ImageNet VID test set does, with
``img_info.frame_id`` the frame's 0-based place; ``model(return_loss=False, rescale=True)`` is the official test
call. Stages are captured by wrapping the official modules' own methods (observation only): the flow of
FlowNetSimple and the features handed to the RPN (``extract_feats``) on ``--record-frames``, and every frame's
detections (``det_bboxes``: one (K, 5) array per class).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import cv2
import numpy as np
import torch

CONFIGS = {"dff": "vid/dff/dff_faster_rcnn_r50_dc5_1x_imagenetvid.py"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", required=True)
    ap.add_argument("--method", choices=sorted(CONFIGS), required=True)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--frames-dir", required=True)
    ap.add_argument("--frames", type=int, default=12)
    ap.add_argument("--short-side", type=int, default=128)
    ap.add_argument("--long-side", type=int, default=1000)
    ap.add_argument("--record-frames", default="1,11", help="frames whose flow and features are kept")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)

    import mmcv
    import mmdet
    import mmtrack
    from mmcv import Config
    from mmcv.parallel import collate
    from mmdet.datasets.pipelines import Compose
    import mmtrack.datasets  # noqa: F401 (registers VideoCollect, ...)
    from mmtrack.models import build_model

    config = CONFIGS[args.method]
    cfg = Config.fromfile(os.path.join(args.configs, config))
    for step in cfg.data.test.pipeline:
        if step.type == "MultiScaleFlipAug":
            step.img_scale = (args.long_side, args.short_side)
    cfg.model.detector.init_cfg = None
    if "motion" in cfg.model:
        cfg.model.motion.init_cfg = None
    model = build_model(cfg.model)
    state = torch.load(args.checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    model.load_state_dict(state, strict=True)
    model.cfg = cfg
    model.eval()

    keep = {int(i) for i in args.record_frames.split(",") if i}
    rec: dict[str, np.ndarray] = {}
    current = [0]
    if hasattr(model, "motion"):
        original_motion = model.motion.forward

        def motion(*a, **kw):
            out = original_motion(*a, **kw)
            if current[0] in keep:
                rec[f"f{current[0]}/flow"] = out.numpy().copy()
            return out

        model.motion.forward = motion
    original_feats = model.extract_feats

    def extract_feats(*a, **kw):
        out = original_feats(*a, **kw)
        if current[0] in keep:
            rec[f"f{current[0]}/feats"] = out[0].numpy().copy()
        return out

    model.extract_feats = extract_feats

    names = sorted(f for f in os.listdir(args.frames_dir) if f.endswith(".jpg"))[: args.frames]
    pipeline = Compose(cfg.data.test.pipeline)
    meta = []
    for frame_id, name in enumerate(names):
        current[0] = frame_id
        path = os.path.join(args.frames_dir, name)
        data = dict(img_info=dict(filename=path, frame_id=frame_id), img_prefix=None)
        data = collate([pipeline(data)], samples_per_gpu=1)
        data["img_metas"] = data["img_metas"][0].data
        with torch.no_grad():
            result = model(return_loss=False, rescale=True, **data)
        per_class = result["det_bboxes"]
        dets = np.concatenate([np.concatenate([np.asarray(b, np.float64).reshape(-1, 5),
                                               np.full((len(b), 1), c, np.float64)], 1)
                               for c, b in enumerate(per_class)])
        rec[f"f{frame_id}/dets"] = dets
        with open(path, "rb") as fh:
            meta.append(dict(file=name, md5=hashlib.md5(fh.read()).hexdigest(),
                             img_shape=list(data["img_metas"][0][0]["img_shape"])))
        print(frame_id, name, "dets", len(dets), flush=True)

    versions = dict(torch=torch.__version__, mmcv=mmcv.__version__, mmdet=mmdet.__version__,
                    mmtrack=mmtrack.__version__, opencv=cv2.__version__, numpy=np.__version__,
                    python=sys.version.split()[0])
    info = dict(model=args.method, config=config, scale=[args.long_side, args.short_side], frames=meta,
                versions=versions, command=" ".join([sys.executable] + sys.argv))
    rec["info"] = np.array(json.dumps(info))
    np.savez_compressed(args.out, **rec)


if __name__ == "__main__":
    main()
