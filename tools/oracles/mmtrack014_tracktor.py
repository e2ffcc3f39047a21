"""Runs MMTracking 0.14's Tracktor (the official code, unmodified) on video frames with given detector and ReID
checkpoints and records every stage. Run with the oracle environment's Python (tools/oracles/build_env.sh
mmtrack014); never in CI, never imports trackbench:

    ENV/bin/python tools/oracles/mmtrack014_tracktor.py --configs MMTRACK_CONFIGS --detector D.pth --reid R.pth \
        --video demo.mp4 --frames 5 --scale 320 --out official.npz

``--configs`` is MMTracking 0.14's ``configs/`` folder (``git archive v0.14.0 configs`` of open-mmlab/mmtracking);
the published config configs/mot/tracktor/tracktor_faster-rcnn_r50_fpn_4e_mot17-private-half.py is used with
its test pipeline's scale set to ``--scale``. Frames go through ``mmtrack.apis.inference_mot`` as decoded uint8
BGR arrays (``LoadImageFromWebcam``, no float cast). Stages are captured by wrapping the official modules' own
methods (observation only): the detections handed to the tracker, the ECC warp, the regressed track boxes and
ids, and the output tracks.
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

CONFIG = "mot/tracktor/tracktor_faster-rcnn_r50_fpn_4e_mot17-private-half.py"


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
    args = ap.parse_args()
    torch.set_num_threads(1)

    import mmcv
    import mmdet
    import mmtrack
    from mmcv import Config
    from mmtrack.apis import inference_mot
    from mmtrack.models import build_model

    cfg = Config.fromfile(os.path.join(args.configs, CONFIG))
    cfg.data.test.pipeline[1].img_scale = (args.scale, args.scale)
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
    meta = []
    for frame_id, img in enumerate(frames):
        result = inference_mot(model, img, frame_id)
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
    versions = dict(torch=torch.__version__, mmcv=mmcv.__version__, mmdet=mmdet.__version__,
                    mmtrack=mmtrack.__version__, opencv=cv2.__version__, numpy=np.__version__,
                    python=sys.version.split()[0])
    info = dict(model="tracktor", config=CONFIG, scale=args.scale, frames=meta, versions=versions,
                command=" ".join([sys.executable] + sys.argv))
    out["info"] = np.array(json.dumps(info))
    np.savez_compressed(args.out, **out)


if __name__ == "__main__":
    main()
