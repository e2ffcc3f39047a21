"""Runs MMDetection 3.3's QDTrack, or DeepSORT's Faster R-CNN + ReID (the official code, unmodified), on video
frames and records every stage. Called by make_fixtures.py with the oracle environment's Python
(tools/oracles/build_env.sh mmdet33); never in CI, never imports trackbench:

    ENV/bin/python tools/oracles/mmdet33_mot.py --model qdtrack --checkpoint W.pth --video demo.mp4 \
        --frames 8 --scale 320 --out official.npz
    ENV/bin/python tools/oracles/mmdet33_mot.py --model deepsort --detector D.pth --reid R.pth ...

The model is built by ``mmdet.apis.init_track_model`` from the config shipped in mmdet's package and its test
pipeline (``build_test_pipeline``: Resize keep_ratio + PackTrackInputs) is fed the decoded uint8 BGR frame, as
``LoadImageFromFile`` gives it in the published evaluation (``inference_mot`` would first cast to float32,
which changes the bilinear resize). Stages are captured by wrapping the official modules' own methods.
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

CONFIGS = {
    "qdtrack": "qdtrack/qdtrack_faster-rcnn_r50_fpn_8xb2-4e_mot17halftrain_test-mot17halfval.py",
    "deepsort": "deepsort/deepsort_faster-rcnn_r50_fpn_8xb2-4e_mot17halftrain_test-mot17halfval.py",
}
SAMPLES_PER_LEVEL = 64


def decode(video: str, count: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(video)
    frames = []
    while len(frames) < count:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(img)
    return frames


def sample_indices(numel: int, level: int) -> np.ndarray:
    return np.sort(np.random.default_rng(1000 + level).choice(numel, SAMPLES_PER_LEVEL, replace=False))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(CONFIGS), default="qdtrack")
    ap.add_argument("--checkpoint", help="QDTrack checkpoint")
    ap.add_argument("--detector", help="DeepSORT detector checkpoint")
    ap.add_argument("--reid", help="DeepSORT ReID checkpoint")
    ap.add_argument("--video", required=True)
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--scale", type=int, default=1088)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)

    import mmcv
    import mmdet
    import mmengine
    from mmengine.config import Config
    from mmengine.dataset import default_collate
    from mmdet.apis import init_track_model
    from mmdet.apis.inference import build_test_pipeline
    from mmdet.utils import register_all_modules

    register_all_modules()
    CONFIG = CONFIGS[args.model]
    cfg_path = os.path.join(os.path.dirname(mmdet.__file__), ".mim", "configs", CONFIG)
    cfg = Config.fromfile(cfg_path)
    # the published test pipeline with the Resize scale set (the smallest scale keeps the CI check fast)
    for t in cfg.test_dataloader.dataset.pipeline[0]["transforms"]:
        if t["type"] == "Resize":
            t["scale"] = (args.scale, args.scale)
    # no pretrained downloads: every weight comes from the checkpoint
    cfg.model.detector.pop("init_cfg", None)
    cfg.model.detector.backbone.pop("init_cfg", None)
    if args.model == "deepsort":
        cfg.model.reid.pop("init_cfg", None)
        model = init_track_model(cfg, detector=args.detector, reid=args.reid, device="cpu")
        parts = [(args.detector, model.detector), (args.reid, model.reid)]
    else:
        model = init_track_model(cfg, args.checkpoint, device="cpu")
        parts = [(args.checkpoint, model)]
    for path, module in parts:  # mmengine loads non-strictly: insist on the exact layout
        ckpt_keys = set(torch.load(path, map_location="cpu", weights_only=True)["state_dict"])
        model_keys = set(module.state_dict())
        if ckpt_keys != model_keys:
            sys.exit(f"{path}: checkpoint/model keys differ: {sorted(ckpt_keys ^ model_keys)[:10]}")

    rec: dict[str, list] = {k: [] for k in ("neck", "backbone", "rpn", "dets", "embeds", "tracks")}
    # the frame index at which each embedding batch was made (DeepSORT may embed none on a frame)
    embed_frame: list[int] = []
    det = model.detector

    def wrap(obj, name, key, convert):
        original = getattr(obj, name)

        def wrapped(*a, **kw):
            out = original(*a, **kw)
            rec[key].append(convert(out))
            return out

        setattr(obj, name, wrapped)

    def feat_record(feats):
        out = {}
        for lvl, x in enumerate(feats):
            flat = x.detach().reshape(-1).double()
            idx = sample_indices(flat.numel(), lvl)
            out[lvl] = dict(shape=list(x.shape), mean=float(flat.mean()), std=float(flat.std()),
                            absmax=float(flat.abs().max()), idx=idx, val=flat[idx].float().numpy())
        return out

    wrap(det.backbone, "forward", "backbone", feat_record)
    wrap(det.neck, "forward", "neck", feat_record)
    wrap(det.rpn_head, "predict", "rpn",
         lambda r: np.concatenate([r[0].bboxes.numpy(), r[0].scores.numpy()[:, None]], 1))
    wrap(det.roi_head, "predict", "dets",
         lambda r: dict(boxes=np.concatenate([r[0].bboxes.numpy(), r[0].scores.numpy()[:, None]], 1),
                        labels=r[0].labels.numpy()))
    if args.model == "qdtrack":
        wrap(model.track_head, "predict", "embeds", lambda e: e.detach().numpy().copy())
    else:
        wrap(model.reid, "forward", "embeds", lambda e: e.detach().numpy().copy())

    layouts = {name: {k: list(v.shape) for k, v in module.state_dict().items()}
                for name, module in (("qdtrack", model),) if args.model == "qdtrack"}
    if args.model == "deepsort":
        layouts = {"faster_rcnn": {k: list(v.shape) for k, v in model.detector.state_dict().items()},
                   "reid": {k: list(v.shape) for k, v in model.reid.state_dict().items()}}
    pipeline = build_test_pipeline(cfg)
    frames = decode(args.video, args.frames)
    meta = []
    for frame_id, img in enumerate(frames):
        data = dict(img=[img], frame_id=[frame_id], ori_shape=[img.shape[:2]], img_id=[frame_id + 1],
                    ori_video_length=[len(frames)])
        data = pipeline(data)
        with torch.no_grad():
            result = model.test_step(default_collate([data]))[0]
        embed_frame.extend([frame_id] * (len(rec["embeds"]) - len(embed_frame)))
        sample = result.video_data_samples[0]
        t = sample.pred_track_instances
        rec["tracks"].append(np.concatenate([t.instances_id.numpy()[:, None].astype(np.float64),
                                             t.bboxes.numpy().astype(np.float64),
                                             t.scores.numpy()[:, None].astype(np.float64)], 1))
        meta.append(dict(md5=hashlib.md5(img.tobytes()).hexdigest(), img_shape=list(sample.img_shape),
                         scale_factor=list(sample.scale_factor), pad_shape=list(sample.metainfo.get("pad_shape", ()))))
        print(frame_id, "dets", len(rec["dets"][-1]["boxes"]), "tracks", len(t), flush=True)

    out: dict[str, np.ndarray] = {}
    for i in range(len(frames)):
        for stage in ("backbone", "neck"):
            for lvl, r in rec[stage][i].items():
                p = f"f{i}/{stage}{lvl}/"
                out[p + "idx"] = r["idx"]
                out[p + "val"] = r["val"]
                out[p + "stats"] = np.array([r["mean"], r["std"], r["absmax"]])
                out[p + "shape"] = np.array(r["shape"])
        out[f"f{i}/rpn"] = rec["rpn"][i]
        out[f"f{i}/dets"] = rec["dets"][i]["boxes"]
        out[f"f{i}/labels"] = rec["dets"][i]["labels"]
        batches = [e for e, f in zip(rec["embeds"], embed_frame) if f == i]
        out[f"f{i}/embeds"] = np.concatenate(batches) if batches else np.zeros((0, 0), np.float32)
        out[f"f{i}/tracks"] = rec["tracks"][i]
    versions = dict(torch=torch.__version__, mmcv=mmcv.__version__, mmdet=mmdet.__version__,
                    mmengine=mmengine.__version__, opencv=cv2.__version__, numpy=np.__version__,
                    python=sys.version.split()[0])
    if args.model == "deepsort":
        import mmpretrain

        versions["mmpretrain"] = mmpretrain.__version__
    info = dict(model=args.model, config=CONFIG, layouts=layouts, scale=args.scale, frames=meta, versions=versions,
                command=" ".join([sys.executable] + sys.argv))
    out["info"] = np.array(json.dumps(info))
    np.savez_compressed(args.out, **out)


if __name__ == "__main__":
    main()
