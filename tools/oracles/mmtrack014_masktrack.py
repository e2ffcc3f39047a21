"""Runs MMTracking 0.14's MaskTrack R-CNN (the official code, unmodified) over a few real frames with a given
checkpoint, the way ``tools/test.py --format-only`` does, and records every stage. Run with the oracle
environment's Python (tools/oracles/build_env.sh mmtrack014); never in CI, never imports trackbench:

    ENV/bin/python tools/oracles/mmtrack014_masktrack.py --checkpoint M.pth --img-root ROOT \
        --frames Basketball/img/0001.jpg Basketball/img/0002.jpg Basketball/img/0003.jpg --scale 320 180 \
        --out official.npz [--configs MMTRACK_CONFIGS]

``--configs`` is MMTracking 0.14's ``configs/`` folder (default: the one installed with the package,
``mmtrack/.mim/configs``); configs/vis/masktrack_rcnn/masktrack_rcnn_r50_fpn_12e_youtubevis2019.py is used with
its test pipeline's ``img_scale`` set to ``--scale`` and no pretrained initialisation (every weight comes from the
checkpoint, loaded strictly). The frames become one video of a YouTube-VIS 2019 CocoVID file written here (the
dataset's own 40 class names, ids 1..40; no annotations), read by ``YouTubeVISDataset`` through the config's
test pipeline and ``build_dataloader``, run by ``mmtrack.apis.single_gpu_test`` (``MMDataParallel`` on CPU) and
written by ``YouTubeVISDataset.format_results``. Stages are captured by wrapping the official modules' own
methods (observation only): RPN proposals, the detector's boxes and masks (MMTracking's ``results2outs`` order),
the track head's similarity logits, the tracker's match scores and assigned ids, and the tracker's output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time

import cv2
import numpy as np
import torch

CONFIG = "vis/masktrack_rcnn/masktrack_rcnn_r50_fpn_12e_youtubevis2019.py"


def mmcv_distribution() -> str:
    """"mmcv-full" when mmcv 1.x was built with its ops; "mmcv" when its ops come from elsewhere (build_env.sh
    mmtrack014-ext22 copies the prebuilt mmcv 2.2.0 CPU ops in)."""
    from importlib import metadata

    try:
        metadata.version("mmcv-full")
        return "mmcv-full"
    except metadata.PackageNotFoundError:
        return "mmcv"


def rle_texts(masks) -> list[str]:
    """Binary masks → pycocotools compressed RLE counts (the fixture stays small)."""
    from pycocotools import mask as mask_utils

    out = []
    for m in masks:
        rle = mask_utils.encode(np.asfortranarray(np.asarray(m, dtype=np.uint8)[:, :, None]))[0]
        out.append(rle["counts"].decode())
    return out


def write_cocovid(path: str, img_root: str, frames: list[str], classes) -> list[dict]:
    images, meta = [], []
    for i, name in enumerate(frames):
        img = cv2.imread(os.path.join(img_root, name), cv2.IMREAD_COLOR)
        if img is None:
            sys.exit(f"cannot read frame {os.path.join(img_root, name)}")
        h, w = img.shape[:2]
        images.append(dict(id=i + 1, video_id=1, file_name=name, height=h, width=w, frame_id=i))
        meta.append(dict(file=name, md5=hashlib.md5(img.tobytes()).hexdigest(), height=h, width=w))
    data = dict(videos=[dict(id=1, name="video", height=images[0]["height"], width=images[0]["width"])],
                images=images, annotations=[],
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(classes)])
    with open(path, "w") as fh:
        json.dump(data, fh)
    return meta


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--img-root", required=True)
    ap.add_argument("--frames", nargs="+", required=True)
    ap.add_argument("--scale", type=int, nargs=2, default=(320, 180))
    ap.add_argument("--configs", default=None)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from torchvision_shim import import_torchvision

    import_torchvision()  # mmcv 1.x's runner imports torchvision (tools/oracles/torchvision_shim.py)
    import torchvision

    import mmcv
    import mmdet
    import mmtrack
    from mmcv import Config
    from mmcv.parallel import MMDataParallel
    from mmtrack.apis import single_gpu_test
    from mmtrack.datasets import YouTubeVISDataset, build_dataloader, build_dataset
    from mmtrack.models import build_model

    configs = args.configs or os.path.join(os.path.dirname(mmtrack.__file__), ".mim", "configs")
    cfg = Config.fromfile(os.path.join(configs, CONFIG))
    cfg.model.detector.init_cfg = None
    work = tempfile.mkdtemp(prefix="masktrack_oracle_")
    ann = os.path.join(work, "frames_cocovid.json")
    frames_meta = write_cocovid(ann, args.img_root, args.frames, YouTubeVISDataset.CLASSES_2019_version)
    cfg.data.test.ann_file = ann
    cfg.data.test.img_prefix = args.img_root
    cfg.data.test.test_mode = True
    assert cfg.data.test.pipeline[1].type == "MultiScaleFlipAug"
    cfg.data.test.pipeline[1].img_scale = tuple(args.scale)
    dataset = build_dataset(cfg.data.test)
    loader = build_dataloader(dataset, samples_per_gpu=1, workers_per_gpu=0, dist=False, shuffle=False)

    model = build_model(cfg.model)
    state = torch.load(args.checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    model.load_state_dict(state, strict=True)
    model.eval()

    rec: dict[str, list] = {k: [] for k in ("proposals", "dets", "masks", "similarity", "match", "assigned",
                                            "tracks")}
    detector, tracker = model.detector, model.tracker

    def observe(owner, name, record):
        original = getattr(owner, name)

        def wrapped(*a, **kw):
            out = original(*a, **kw)
            record(out)
            return out

        setattr(owner, name, wrapped)

    def on_rpn(props):
        rec["proposals"].append(props[0].numpy().copy())
        for key in ("similarity", "match", "assigned"):  # absent on a first frame or one without detections
            rec[key].append(None)

    def on_det(results):
        bbox_results, segm_results = results[0]
        rows = [np.concatenate([b, np.full((len(b), 1), c, np.float32)], 1) for c, b in enumerate(bbox_results)]
        rec["dets"].append(np.concatenate(rows, 0))
        rec["masks"].append(rle_texts([m for per_class in segm_results for m in per_class]))

    def on_track(out):
        bboxes, labels, masks, ids = out
        rec["tracks"].append(np.concatenate([ids.numpy()[:, None].astype(np.float32), bboxes.numpy(),
                                             labels.numpy()[:, None].astype(np.float32)], 1))

    observe(detector.rpn_head, "simple_test_rpn", on_rpn)
    observe(detector.roi_head, "simple_test", on_det)
    observe(model.track_head, "simple_test", lambda s: rec["similarity"].__setitem__(-1, s.numpy().copy()))
    observe(tracker, "get_match_score", lambda s: rec["match"].__setitem__(-1, s.numpy().copy()))
    observe(tracker, "assign_ids", lambda r: rec["assigned"].__setitem__(-1, r[0].numpy().copy()))
    observe(tracker, "track", on_track)

    start = time.perf_counter()
    outputs = single_gpu_test(MMDataParallel(model), loader)
    seconds = time.perf_counter() - start  # decode, pipeline, model, tracker, mask encoding: the whole test loop
    print(f"single_gpu_test seconds: {seconds:.4f}", flush=True)
    dataset.format_results(outputs, resfile_path=work)
    with open(os.path.join(work, "results.json")) as fh:
        results_json = fh.read()

    out: dict[str, np.ndarray] = {}
    for i in range(len(args.frames)):
        out[f"f{i}/proposals"] = rec["proposals"][i]
        out[f"f{i}/dets"] = rec["dets"][i]
        out[f"f{i}/masks"] = np.array(json.dumps(rec["masks"][i]))
        out[f"f{i}/tracks"] = rec["tracks"][i]
        for key in ("similarity", "match", "assigned"):
            if rec[key][i] is not None:
                out[f"f{i}/{key}"] = rec[key][i]
        print(i, "proposals", len(rec["proposals"][i]), "dets", len(rec["dets"][i]), "tracks",
              len(rec["tracks"][i]), flush=True)
    with open(ann) as fh:
        out["cocovid"] = np.array(fh.read())
    out["results_json"] = np.array(results_json)
    versions = dict(torch=torch.__version__, mmcv=mmcv.__version__, mmdet=mmdet.__version__,
                    mmtrack=mmtrack.__version__, opencv=cv2.__version__, numpy=np.__version__,
                    python=sys.version.split()[0], mmcv_distribution=mmcv_distribution(),
                    torchvision=torchvision.__version__)
    info = dict(model="masktrack_rcnn", config=CONFIG, scale=list(args.scale), frames=frames_meta,
                versions=versions, command=" ".join([sys.executable] + sys.argv), test_seconds=round(seconds, 4))
    out["info"] = np.array(json.dumps(info))
    np.savez_compressed(args.out, **out)


if __name__ == "__main__":
    main()
