"""Runs MMTracking 0.14's Tracktor (the official code, unmodified) on video frames with given detector and ReID
checkpoints and records every stage. Run with the oracle environment's Python (tools/oracles/build_env.sh
mmtrack014); never in CI, never imports trackbench:

    ENV/bin/python tools/oracles/mmtrack014_tracktor.py --configs MMTRACK_CONFIGS --detector D.pth --reid R.pth \
        --video demo.mp4 --frames 5 --scale 320 --out official.npz

``--configs`` is MMTracking 0.14's ``configs/`` folder (``git archive v0.14.0 configs`` of open-mmlab/mmtracking);
the published config configs/mot/tracktor/tracktor_faster-rcnn_r50_fpn_4e_mot17-private-half.py (or, with
``--public-boxes B.npz``, ...-public-half.py, whose test pipeline loads the benchmark's boxes with LoadDetections) is
used with its test pipeline's scale set to ``--scale``. Frames go through the steps of ``mmtrack.apis.inference_mot``
as decoded uint8 BGR arrays (``LoadImageFromWebcam``, no float cast); with public boxes the frame's ``detections``
(one (K, 5) array per class, as the dataset gives LoadDetections) join the input. Stages are captured by wrapping the official modules' own
methods (observation only): the detections handed to the tracker, the ECC warp, the regressed track boxes and
ids, and the output tracks.
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

CONFIGS = {"private": "mot/tracktor/tracktor_faster-rcnn_r50_fpn_4e_mot17-private-half.py",
           "public": "mot/tracktor/tracktor_faster-rcnn_r50_fpn_4e_mot17-public-half.py"}


def decode(video: str, count: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(video)
    frames = []
    while len(frames) < count:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(img)
    return frames


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", required=True)
    ap.add_argument("--detector", required=True)
    ap.add_argument("--reid", required=True)
    ap.add_argument("--video", required=True)
    ap.add_argument("--frames", type=int, default=5)
    ap.add_argument("--scale", type=int, default=320)
    ap.add_argument("--out", required=True)
    ap.add_argument("--public-boxes", help="npz with f{i} -> (K, 5) x1 y1 x2 y2 score per frame: public mode")
    args = ap.parse_args()
    torch.set_num_threads(1)

    import mmcv
    import mmdet
    import mmtrack
    from mmcv import Config
    from mmcv.parallel import collate
    from mmdet.datasets.pipelines import Compose
    import mmtrack.datasets  # noqa: F401 (registers LoadDetections, VideoCollect, ... as inference_mot does)
    from mmtrack.models import build_model

    mode = "public" if args.public_boxes else "private"
    CONFIG = CONFIGS[mode]
    public = np.load(args.public_boxes) if args.public_boxes else None
    cfg = Config.fromfile(os.path.join(args.configs, CONFIG))
    for step in cfg.data.test.pipeline:
        if step.type == "MultiScaleFlipAug":
            step.img_scale = (args.scale, args.scale)
    cfg.model.detector.init_cfg = None  # no pretrained downloads: every weight comes from the checkpoints
    cfg.model.reid.init_cfg = None
    model = build_model(cfg.model)
    for path, module in ((args.detector, model.detector), (args.reid, model.reid)):
        state = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
        module.load_state_dict(state, strict=True)
    model.cfg = cfg
    model.eval()

    rec: dict[str, list] = {"dets": [], "warp": [], "regressed": [], "tracks": []}
    tracker, cmc = model.tracker, model.cmc

    original_track = tracker.track

    def track(*a, **kw):
        rec["dets"].append(np.concatenate([kw["bboxes"].numpy(), kw["labels"].numpy()[:, None]], 1))
        rec["warp"].append(None)
        rec["regressed"].append(None)
        return original_track(*a, **kw)

    tracker.track = track
    original_warp = cmc.get_warp_matrix

    def get_warp_matrix(*a, **kw):
        out = original_warp(*a, **kw)
        rec["warp"][-1] = out.numpy().copy()
        return out

    cmc.get_warp_matrix = get_warp_matrix
    original_regress = tracker.regress_tracks

    def regress_tracks(*a, **kw):
        boxes, labels, ids = original_regress(*a, **kw)
        rec["regressed"][-1] = np.concatenate([ids.numpy()[:, None].astype(np.float64), boxes.numpy()], 1)
        return boxes, labels, ids

    tracker.regress_tracks = regress_tracks

    frames = decode(args.video, args.frames)
    meta, seconds = [], []
    cfg.data.test.pipeline[0].type = "LoadImageFromWebcam"  # as inference_mot does for arrays
    pipeline = Compose(cfg.data.test.pipeline)
    for frame_id, img in enumerate(frames):
        # mmtrack.apis.inference_mot's steps on CPU, with the frame's public boxes when given
        data = dict(img=img, img_info=dict(frame_id=frame_id), img_prefix=None)
        if public is not None:  # the fields CocoVideoDataset.pre_pipeline adds, then the frame's detections
            data.update(bbox_fields=[], mask_fields=[], seg_fields=[],
                        detections=[public[f"f{frame_id}"].astype(np.float32)])
        data = collate([pipeline(data)], samples_per_gpu=1)
        data["img_metas"] = data["img_metas"][0].data
        start = time.perf_counter()
        with torch.no_grad():
            result = model(return_loss=False, rescale=True, **data)
        seconds.append(time.perf_counter() - start)
        tracks = result["track_bboxes"][0]  # class 0: (id, x1, y1, x2, y2, score)
        rec["tracks"].append(np.asarray(tracks, dtype=np.float64).reshape(-1, 6))
        meta.append(dict(md5=hashlib.md5(img.tobytes()).hexdigest()))
        print(frame_id, "dets", len(rec["dets"][-1]), "tracks", len(tracks), flush=True)

    out: dict[str, np.ndarray] = {}
    for i in range(len(frames)):
        out[f"f{i}/dets"] = rec["dets"][i]
        out[f"f{i}/tracks"] = rec["tracks"][i]
        if rec["warp"][i] is not None:
            out[f"f{i}/warp"] = rec["warp"][i]
        if rec["regressed"][i] is not None:
            out[f"f{i}/regressed"] = rec["regressed"][i]
        if public is not None:
            out[f"f{i}/public"] = public[f"f{i}"]
    versions = dict(torch=torch.__version__, mmcv=mmcv.__version__, mmdet=mmdet.__version__,
                    mmtrack=mmtrack.__version__, opencv=cv2.__version__, numpy=np.__version__,
                    python=sys.version.split()[0])
    info = dict(model="tracktor", mode=mode, config=CONFIG, scale=args.scale, frames=meta, versions=versions,
                model_seconds=seconds, threads=torch.get_num_threads(),
                command=" ".join([sys.executable] + sys.argv))
    out["info"] = np.array(json.dumps(info))
    np.savez_compressed(args.out, **out)


if __name__ == "__main__":
    main()
