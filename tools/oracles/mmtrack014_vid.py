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
call. Methods with reference frames (FGFA, SELSA) go through the official ``ImageNetVIDDataset`` itself (its test
reference sampler and ``LoadMultiImagesFromFile`` pipeline) over a CocoVID file of the first ``--video-frames``
frames as one video, of which the first ``--frames`` are run, as ``single_gpu_test`` does. Stages are captured by wrapping the official modules' own methods (observation only): the flow of
FlowNetSimple (of a window of flows, the first, middle and last) and the features handed to the RPN (``extract_feats``) on ``--record-frames``, and every frame's
detections (``det_bboxes``: one (K, 5) array per class). The seconds spent in the test calls (pipeline and
model, the recording excluded when ``--record-frames`` is empty) are printed last as ``seconds N`` for
benchmarks/vid_speed.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time

import cv2
import numpy as np
import torch

CONFIGS = {"dff": "vid/dff/dff_faster_rcnn_r50_dc5_1x_imagenetvid.py",
           "fgfa": "vid/fgfa/fgfa_faster_rcnn_r50_dc5_1x_imagenetvid.py",
           "selsa": "vid/selsa/selsa_faster_rcnn_r50_dc5_1x_imagenetvid.py",
           "temporal_roi_align": "vid/temporal_roi_align/selsa_troialign_faster_rcnn_r50_dc5_7e_imagenetvid.py"}
VID_CLASSES = ("airplane", "antelope", "bear", "bicycle", "bird", "bus", "car", "cattle", "dog", "domestic_cat",
               "elephant", "fox", "giant_panda", "hamster", "horse", "lion", "lizard", "monkey", "motorcycle",
               "rabbit", "red_panda", "sheep", "snake", "squirrel", "tiger", "train", "turtle", "watercraft",
               "whale", "zebra")


def write_video_json(path: str, frames_dir: str, names: list[str]) -> None:
    """The frames as one ImageNet VID-style CocoVID video (no annotations: test mode needs none)."""
    h, w = cv2.imread(os.path.join(frames_dir, names[0])).shape[:2]
    images = [dict(id=i + 1, video_id=1, file_name=n, frame_id=i, width=w, height=h, is_vid_train_frame=False)
              for i, n in enumerate(names)]
    data = dict(videos=[dict(id=1, name="clip")], images=images, annotations=[],
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(VID_CLASSES)])
    with open(path, "w") as fh:
        json.dump(data, fh)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", required=True)
    ap.add_argument("--method", choices=sorted(CONFIGS), required=True)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--frames-dir", required=True)
    ap.add_argument("--frames", type=int, default=12)
    ap.add_argument("--short-side", type=int, default=128)
    ap.add_argument("--long-side", type=int, default=1000)
    ap.add_argument("--video-frames", type=int, default=0, help="length of the video (reference methods)")
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
        if step.type in ("MultiScaleFlipAug", "SeqResize"):
            step.img_scale = (args.long_side, args.short_side)
    cfg.model.detector.init_cfg = None
    for part in ("motion", "aggregator"):
        if part in cfg.model:
            cfg.model[part].init_cfg = None
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
            if current[0] in keep:  # a batch of flows (FGFA's window): its first, middle and last
                rec[f"f{current[0]}/flow"] = (out if len(out) == 1 else out[[0, len(out) // 2, -1]]).numpy().copy()
            return out

        model.motion.forward = motion
    original_feats = model.extract_feats

    def extract_feats(*a, **kw):
        out = original_feats(*a, **kw)
        if current[0] in keep:  # SELSA returns (x, img_metas, ref_x, ref_img_metas): its x
            first = out[0][0] if isinstance(out[0], (list, tuple)) else out[0]
            rec[f"f{current[0]}/feats"] = first.numpy().copy()
        return out

    model.extract_feats = extract_feats

    all_names = sorted(f for f in os.listdir(args.frames_dir) if f.endswith(".jpg"))
    names = all_names[: args.frames]
    dataset = None
    if cfg.data.test.get("ref_img_sampler") is not None:
        from mmtrack.datasets import build_dataset

        video_json = args.out + ".video.json"
        write_video_json(video_json, args.frames_dir, all_names[: max(args.video_frames, args.frames)])
        cfg.data.test.ann_file = video_json
        cfg.data.test.img_prefix = args.frames_dir
        dataset = build_dataset(cfg.data.test)
    pipeline = Compose(cfg.data.test.pipeline)
    meta = []
    seconds = 0.0
    for frame_id, name in enumerate(names):
        current[0] = frame_id
        path = os.path.join(args.frames_dir, name)
        start = time.perf_counter()
        if dataset is None:
            data = dict(img_info=dict(filename=path, frame_id=frame_id), img_prefix=None)
            data = pipeline(data)
        else:
            data = dataset[frame_id]
        data = collate([data], samples_per_gpu=1)
        for key in ("img_metas", "ref_img_metas"):
            if key in data:
                data[key] = data[key][0].data
        with torch.no_grad():
            result = model(return_loss=False, rescale=True, **data)
        seconds += time.perf_counter() - start
        per_class = result["det_bboxes"]
        dets = np.concatenate([np.concatenate([np.asarray(b, np.float64).reshape(-1, 5),
                                               np.full((len(b), 1), c, np.float64)], 1)
                               for c, b in enumerate(per_class)])
        rec[f"f{frame_id}/dets"] = dets
        with open(path, "rb") as fh:
            metas = data["img_metas"][0]
            meta.append(dict(file=name, md5=hashlib.md5(fh.read()).hexdigest(),
                             img_shape=list((metas[0] if isinstance(metas, list) else metas)["img_shape"])))
        print(frame_id, name, "dets", len(dets), flush=True)

    versions = dict(torch=torch.__version__, mmcv=mmcv.__version__, mmdet=mmdet.__version__,
                    mmtrack=mmtrack.__version__, opencv=cv2.__version__, numpy=np.__version__,
                    python=sys.version.split()[0])
    info = dict(model=args.method, config=config, scale=[args.long_side, args.short_side], frames=meta,
                video_frames=max(args.video_frames, args.frames),
                versions=versions, command=" ".join([sys.executable] + sys.argv))
    rec["info"] = np.array(json.dumps(info))
    np.savez_compressed(args.out, **rec)
    print("seconds", seconds, flush=True)


if __name__ == "__main__":
    main()
