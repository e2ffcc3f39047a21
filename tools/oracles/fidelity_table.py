"""The largest difference per stage between ours and a cached official run (make_fixtures.py's cache), over
every frame of it: the rows of docs/FIDELITY.md. Offline (the published 1088 scale takes minutes on CPU).

    python tools/oracles/fidelity_table.py /work/notes/fidelity-cache/mmdet33_qdtrack_1088_8.npz
    python tools/oracles/fidelity_table.py /work/notes/fidelity-cache/mmdet33_deepsort_1088_2.npz

Each stage is fed the official output of the stage before, as in the official_golden tests; the tracks are
compared both on the official detections and end to end.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "runners" / "models"))
sys.path.insert(0, str(REPO))

from official_golden import assert_same_tracks, matched_max_diff, sample_rel_diff  # noqa: E402

from trackbench.runners.models.common.checkpoint import (  # noqa: E402
    faster_rcnn_config_from_state,
    load_checkpoint,
    qdtrack_config_from_state,
    reid_config_from_state,
)
from trackbench.runners.models.common.faster_rcnn import FasterRCNN  # noqa: E402
from trackbench.runners.models.common.preprocess import (  # noqa: E402
    MOT17_CAFFE,
    MOT17_PYTORCH,
    preprocess_bgr,
    stack_frames,
)
from trackbench.runners.models.qdtrack.head import QDTrackModel  # noqa: E402
from trackbench.runners.models.reid.model import ReIDModel, embed_boxes  # noqa: E402
from trackbench.runners.models.seeded import seeded_checkpoint  # noqa: E402
from trackbench.runners.trackers.qdtrack import QuasiDenseTracker  # noqa: E402

DEMO = REPO.parent / "shared" / "realdata" / "demo" / "demo.mp4"


def frames(count: int) -> list[np.ndarray]:
    import cv2

    capture = cv2.VideoCapture(str(DEMO))
    return [capture.read()[1] for _ in range(count)]


def tracks(res) -> np.ndarray:
    return np.column_stack([res.ids - 1, res.boxes_xyxy]) if len(res) else np.zeros((0, 5))


def compare(path: Path) -> dict[str, float]:
    with np.load(path) as z:
        off = {k: z[k] for k in z.files}
    info = json.loads(str(off["info"]))
    qd = info.get("model", "qdtrack") == "qdtrack"
    if qd:
        state = seeded_checkpoint("qdtrack")["state_dict"]
        model = load_checkpoint(QDTrackModel(qdtrack_config_from_state(state)), "seeded", "qdtrack", state).eval()
        detector, pre = model.detector, MOT17_CAFFE
    else:
        state = seeded_checkpoint("faster_rcnn")["state_dict"]
        detector = load_checkpoint(FasterRCNN(faster_rcnn_config_from_state(state)), "seeded", "faster_rcnn",
                                   state).eval()
        rstate = seeded_checkpoint("reid")["state_dict"]
        reid = load_checkpoint(ReIDModel(reid_config_from_state(rstate)), "seeded", "reid", rstate).eval()
        pre = MOT17_PYTORCH
    pre = dataclasses.replace(pre, scale=(info["scale"], info["scale"]))
    worst = {"backbone (rel)": 0.0, "FPN (rel)": 0.0, "RPN boxes (px)": 0.0, "RPN scores": 0.0,
             "detection boxes (px)": 0.0, "detection scores": 0.0, "embeddings (rel)": 0.0}
    counts = {"detections": 0, "embeddings": 0}
    ours_e2e, ours_on_official, theirs = [], [], []
    tracker_e2e, tracker_off = QuasiDenseTracker(), QuasiDenseTracker()
    with torch.no_grad():
        for i, image in enumerate(frames(len(info["frames"]))):
            p = f"f{i}/"
            frame = preprocess_bgr(image, pre)
            batch = stack_frames([frame])
            backbone = detector.backbone(batch)
            feats = detector.neck(backbone)
            for stage, xs, label in (("backbone", backbone, "backbone (rel)"), ("neck", feats, "FPN (rel)")):
                for lvl, x in enumerate(xs):
                    key = f"{p}{stage}{lvl}"
                    worst[label] = max(worst[label], sample_rel_diff(x, off[key + "/idx"], off[key + "/val"]))
            props = detector.rpn_head.proposals(feats, [frame.img_shape])
            d = matched_max_diff(props[0].numpy(), off[p + "rpn"])
            worst["RPN boxes (px)"] = max(worst["RPN boxes (px)"], float(d[:4].max()))
            worst["RPN scores"] = max(worst["RPN scores"], float(d[4]))
            (dets, labels), = detector.roi_head.detect(feats, [torch.from_numpy(off[p + "rpn"])], [frame.img_shape],
                                                       [frame.scale_factor])
            d = matched_max_diff(dets.numpy(), off[p + "dets"])
            worst["detection boxes (px)"] = max(worst["detection boxes (px)"], float(d[:4].max()))
            worst["detection scores"] = max(worst["detection scores"], float(d[4]))
            counts["detections"] += len(dets)
            scale = torch.tensor(frame.scale_factor)
            official_dets = off[p + "dets"] if qd else off[p + "dets"][off[p + "dets"][:, 4] > 0.5]
            boxes = torch.from_numpy(official_dets[:, :4]) * scale
            emb = model.embed(feats, [boxes]).numpy() if qd else embed_boxes(reid, batch, boxes, frame.img_shape).numpy()
            ref = off[p + "embeds"]
            worst["embeddings (rel)"] = max(worst["embeddings (rel)"], float(np.abs(emb - ref).max() / np.abs(ref).max()))
            counts["embeddings"] += len(ref)
            if qd:
                od = off[p + "dets"]
                ours_on_official.append(tracks(tracker_off.update(od[:, :4], od[:, 4], off[p + "labels"], ref)))
                (d2, l2), = detector.roi_head.detect(feats, props, [frame.img_shape], [frame.scale_factor])
                e2 = model.embed(feats, [d2[:, :4] * scale]).numpy()
                ours_e2e.append(tracks(tracker_e2e.update(d2[:, :4].numpy(), d2[:, 4].numpy(), l2.numpy(), e2)))
                theirs.append(off[p + "tracks"][:, :5])
    if qd:
        worst["tracks on official inputs (px)"] = assert_same_tracks(ours_on_official, theirs, atol=0.0)
        worst["tracks end to end (px)"] = assert_same_tracks(ours_e2e, theirs)
        counts["track boxes"] = sum(len(t) for t in theirs)
    return {**worst, **{f"n {k}": v for k, v in counts.items()}, "frames": len(info["frames"]),
            "scale": info["scale"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("official", type=Path, nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(1)
    for path in args.official:
        print(path.name)
        for key, value in compare(path).items():
            print(f"  {key:32s} {value:.3g}" if isinstance(value, float) else f"  {key:32s} {value}")


if __name__ == "__main__":
    main()
