"""Runs MMTracking 0.14's SiamRPN++ (the official code) one-pass on a sequence's first frames and records each
frame's box and score. Oracle environment only (build_env.sh mmtrack014), never in CI,
never imports trackbench:

    ENV/bin/python tools/oracles/mmtrack014_siamrpn.py --checkpoint W.pth --frames-dir .../Basketball/img \
        --gt .../Basketball/groundtruth_rect.txt --count 6 --config otb100 --out official.npz

The model comes from ``mmtrack.apis.init_model`` with the config shipped in mmtrack's package (the backbone's
pretrained ``init_cfg`` removed: every weight from the checkpoint); each frame goes through
``mmtrack.apis.inference_sot`` (the test pipeline on the float32 frame, as ``LoadImageFromFile(to_float32=True)``
gives it), initialised with the first gt box as x1, y1, x2, y2 (x + w, y + h, as MMTracking's SOT datasets).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import cv2
import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--frames-dir", required=True)
    ap.add_argument("--gt", required=True)
    ap.add_argument("--count", type=int, default=6)
    ap.add_argument("--config", default="otb100")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)

    import mmcv
    import mmdet
    import mmtrack
    from mmtrack.apis import inference_sot, init_model

    config = f"sot/siamese_rpn/siamese_rpn_r50_20e_{args.config}.py"
    cfg = mmcv.Config.fromfile(os.path.join(os.path.dirname(mmtrack.__file__), ".mim", "configs", config))
    cfg.model.backbone.pop("init_cfg", None)
    model = init_model(cfg, args.checkpoint, device="cpu")
    ckpt_keys = set(torch.load(args.checkpoint, map_location="cpu", weights_only=True)["state_dict"])
    if ckpt_keys != set(model.state_dict()):
        sys.exit(f"checkpoint/model keys differ: {sorted(ckpt_keys ^ set(model.state_dict()))[:10]}")
    layout = {k: list(v.shape) for k, v in model.state_dict().items()}
    gt = np.loadtxt(args.gt, delimiter=",", ndmin=2)
    x, y, w, h = gt[0]
    init = [x, y, x + w, y + h]
    paths = sorted(Path(args.frames_dir).glob("*.jpg"))[: args.count]
    rows, md5 = [], []
    for frame_id, path in enumerate(paths):
        img = cv2.imread(str(path))
        md5.append(hashlib.md5(img.tobytes()).hexdigest())
        result = inference_sot(model, img, init, frame_id=frame_id)
        rows.append(np.asarray(result["track_bboxes"], np.float64))
        print(frame_id, np.round(rows[-1], 3), flush=True)
    versions = dict(torch=torch.__version__, mmcv=mmcv.__version__, mmdet=mmdet.__version__,
                    mmtrack=mmtrack.__version__, opencv=cv2.__version__, python=sys.version.split()[0])
    info = dict(model="siamrpn", config=config, frames=[{"file": p.name, "md5": m} for p, m in zip(paths, md5)],
                init_xyxy=init, versions=versions, layouts={"siamrpn": layout},
                command=" ".join([sys.executable] + sys.argv))
    np.savez_compressed(args.out, boxes=np.stack(rows), info=np.array(json.dumps(info)))


if __name__ == "__main__":
    main()
