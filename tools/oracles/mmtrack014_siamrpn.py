"""Runs MMTracking 0.14's SiamRPN++ (the official code) on a sequence's first frames and records each frame's
box and score. Oracle environment only (build_env.sh mmtrack014), never in CI, never imports trackbench.

One pass (OTB100 config)::

    ENV/bin/python tools/oracles/mmtrack014_siamrpn.py --checkpoint W.pth --frames-dir .../Basketball/img \
        --gt .../Basketball/groundtruth_rect.txt --count 6 --config otb100 --out official.npz

The model comes from ``mmtrack.apis.init_model`` with the config shipped in mmtrack's package (the backbone's
pretrained ``init_cfg`` removed: every weight from the checkpoint); each frame goes through
``mmtrack.apis.inference_sot`` (the test pipeline on the float32 frame, as ``LoadImageFromFile(to_float32=True)``
gives it), initialised with the first gt box as x1, y1, x2, y2 (x + w, y + h, as MMTracking's SOT datasets).

VOT re-initialisation protocol (VOT2018 config, ``test_cfg.test_mode='VOT'``)::

    ENV/bin/python tools/oracles/mmtrack014_siamrpn.py --checkpoint W.pth --frames-dir .../VOT2018/bag \
        --gt .../VOT2018/bag/groundtruth.txt --count 40 --config vot2018 --out official.npz

runs MMTracking's own VOT test loop: its ``VOTDataset`` (the config's test pipeline, one ``vot2018_infos.txt``
line for the sequence's first ``--count`` frames), ``build_dataloader`` and ``single_gpu_test`` on the model in
``MMDataParallel`` (CPU), so ``SiamRPN.simple_test_vot`` gets the 8-number polygon, ``frame_id`` and
``img_shape`` of every frame exactly as in ``tools/test.py``. Each row holds the frame's result as MMTracking
returns it: ``[code, -1]`` (1 initialised, 0 skipped after a failure), ``[2, score]`` (failure) or
``[x1, y1, x2, y2, score]``; the fixture stores them as (code, x1, y1, x2, y2, score) with code -1 on tracked
frames and NaN where absent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import torch


PATCHES = {"vot2018": ["torch.utils.data.Sampler.__init__ accepts (and ignores) the data_source argument that "
                        "mmtrack 0.14's SOTVideoSampler passes (torch 2.13 removed it; older torch ignored it too)"]}


def one_pass(model, paths: list[Path], gt_path: str) -> tuple[list[np.ndarray], list[float]]:
    """Frame by frame through ``inference_sot``, initialised with the first gt box."""
    from mmtrack.apis import inference_sot

    gt = np.loadtxt(gt_path, delimiter=",", ndmin=2)
    x, y, w, h = gt[0]
    init = [x, y, x + w, y + h]
    rows = []
    for frame_id, path in enumerate(paths):
        result = inference_sot(model, cv2.imread(str(path)), init, frame_id=frame_id)
        rows.append(np.asarray(result["track_bboxes"], np.float64))
        print(frame_id, np.round(rows[-1], 3), flush=True)
    return rows, init


def vot_rows(results: list[np.ndarray]) -> np.ndarray:
    """MMTracking's per-frame results as (code, x1, y1, x2, y2, score): code -1 where the frame holds a box; a
    failure keeps the score of the box that failed (MMTracking returns ``[2, score]``), init and skipped have none
    (``[1 or 0, -1]``)."""
    out = np.full((len(results), 6), np.nan)
    for i, r in enumerate(results):
        r = np.asarray(r, np.float64)
        if len(r) == 2:
            out[i, 0] = r[0]
            if r[0] == 2:
                out[i, 5] = r[1]
        else:
            out[i, 0], out[i, 1:] = -1, r
    return out


def vot_protocol(cfg, model, frames_dir: Path, gt_path: str, count: int) -> tuple[np.ndarray, list]:
    """MMTracking's VOT test loop on the first ``count`` frames of one sequence (see the module docstring)."""
    from mmcv.parallel import MMDataParallel
    from mmtrack.apis import single_gpu_test
    from mmtrack.datasets import build_dataloader, build_dataset
    from torch.utils.data import Sampler

    # mmtrack's SOTVideoSampler calls Sampler.__init__(dataset); torch 2.13's Sampler no longer takes the argument
    # (PATCHES): give it back, doing nothing, as torch's own did
    if "__init__" not in Sampler.__dict__:
        Sampler.__init__ = lambda self, data_source=None: None

    with tempfile.TemporaryDirectory() as tmp:
        # VOTDataset reads "video_path,ann_path,start_frame_id,end_frame_id" under img_prefix (first line: a comment)
        root = Path(tmp)
        (root / "seq").symlink_to(frames_dir.resolve())
        (root / "gt.txt").symlink_to(Path(gt_path).resolve())
        (root / "infos.txt").write_text(f"video_path,ann_path,start_frame_id,end_frame_id\nseq,gt.txt,1,{count}\n")
        test = cfg.data.test
        test.ann_file, test.img_prefix = str(root / "infos.txt"), str(root)
        dataset = build_dataset(test)
        loader = build_dataloader(dataset, samples_per_gpu=1, workers_per_gpu=0, dist=False, shuffle=False)
        results = single_gpu_test(MMDataParallel(model), loader)["track_bboxes"]
        polygon0 = dataset.get_ann_infos_from_video(0)["bboxes"][0].tolist()
    assert len(results) == count, (len(results), count)
    rows = vot_rows(results)
    for i, r in enumerate(rows):
        print(i, np.round(r, 3), flush=True)
    return rows, polygon0


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
    from mmtrack.apis import init_model

    config = f"sot/siamese_rpn/siamese_rpn_r50_20e_{args.config}.py"
    cfg = mmcv.Config.fromfile(os.path.join(os.path.dirname(mmtrack.__file__), ".mim", "configs", config))
    cfg.model.backbone.pop("init_cfg", None)
    model = init_model(cfg, args.checkpoint, device="cpu")
    ckpt_keys = set(torch.load(args.checkpoint, map_location="cpu", weights_only=True)["state_dict"])
    if ckpt_keys != set(model.state_dict()):
        sys.exit(f"checkpoint/model keys differ: {sorted(ckpt_keys ^ set(model.state_dict()))[:10]}")
    layout = {k: list(v.shape) for k, v in model.state_dict().items()}
    paths = sorted(Path(args.frames_dir).glob("*.jpg"))[: args.count]
    md5 = [hashlib.md5(cv2.imread(str(p)).tobytes()).hexdigest() for p in paths]
    versions = dict(torch=torch.__version__, mmcv=mmcv.__version__, mmdet=mmdet.__version__,
                    mmtrack=mmtrack.__version__, opencv=cv2.__version__, python=sys.version.split()[0])
    info = dict(model="siamrpn", config=config, frames=[{"file": p.name, "md5": m} for p, m in zip(paths, md5)],
                versions=versions, layouts={"siamrpn": layout}, command=" ".join([sys.executable] + sys.argv))
    test_mode = cfg.model.test_cfg.get("test_mode", "OPE")
    info["test_mode"] = test_mode
    info["patches"] = PATCHES.get(args.config, [])
    if test_mode == "VOT":
        import vot

        versions["vot-toolkit"] = vot.__version__
        rows, info["init_polygon"] = vot_protocol(cfg, model, Path(args.frames_dir), args.gt, len(paths))
        np.savez_compressed(args.out, rows=rows, info=np.array(json.dumps(info)))
    else:
        rows, info["init_xyxy"] = one_pass(model, paths, args.gt)
        np.savez_compressed(args.out, boxes=np.stack(rows), info=np.array(json.dumps(info)))


if __name__ == "__main__":
    main()
