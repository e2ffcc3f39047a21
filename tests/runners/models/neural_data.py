"""A tiny CocoVID set with real JPEG frames and random-weight checkpoints under MMTracking's key names, for
the end-to-end tests of the neural methods."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import cv2
import numpy as np
import torch

from mmtrack_state_dicts import TINY, faster_rcnn_shapes, masktrack_shapes, qdtrack_shapes, random_state, reid_shapes

VIDEOS = ("cam-a", "cam-b")
N_FRAMES = 3


def make_tiny_set(root: Path) -> dict[str, Path]:
    """Two 3-frame videos (96×64 noise with a moving bright block) and tiny QDTrack / detector / ReID weights."""
    rng = np.random.default_rng(0)
    videos, images = [], []
    for v, name in enumerate(VIDEOS):
        videos.append({"id": v + 1, "name": name, "width": 96, "height": 64, "fps": 10})
        (root / "imgs" / name).mkdir(parents=True, exist_ok=True)
        for f in range(N_FRAMES):
            frame = rng.integers(0, 120, (64, 96, 3), dtype=np.uint8)
            frame[20:50, 10 + 8 * f : 30 + 8 * f] = 230
            file_name = f"{name}/{f:06d}.jpg"
            cv2.imwrite(str(root / "imgs" / file_name), frame)
            images.append({"id": len(images) + 1, "video_id": v + 1, "file_name": file_name, "width": 96,
                           "height": 64, "frame_id": f})
    ann = root / "ann.json"
    ann.write_text(json.dumps({"videos": videos, "images": images, "annotations": [],
                               "categories": [{"id": 1, "name": "pedestrian"}]}))
    paths = {"ann": ann, "imgs": root / "imgs", "qdtrack": root / "qdtrack.pth", "det": root / "det.pth",
             "reid": root / "reid.pth"}
    torch.save({"meta": {}, "state_dict": random_state(qdtrack_shapes(TINY), 0)}, paths["qdtrack"])
    torch.save({"meta": {}, "state_dict": random_state(faster_rcnn_shapes("", TINY), 1)}, paths["det"])
    torch.save({"meta": {}, "state_dict": random_state(reid_shapes(TINY), 2)}, paths["reid"])
    return paths


VIS_CLASSES = 2


def make_tiny_vis_set(root: Path) -> dict[str, Path]:
    """The same frames as a YouTube-VIS CocoVID file (two categories, a polygon mask of the bright block per
    frame as ground truth) and tiny MaskTrack R-CNN weights in MMTracking's layout."""
    paths = make_tiny_set(root)
    data = json.loads(paths["ann"].read_text())
    data["categories"] = [{"id": 1, "name": "person"}, {"id": 2, "name": "giant_panda"}]
    for image in data["images"]:
        x0 = 10 + 8 * image["frame_id"]
        data["annotations"].append({
            "id": image["id"], "image_id": image["id"], "video_id": image["video_id"], "category_id": 1,
            "instance_id": image["video_id"], "bbox": [x0, 20, 20, 30], "area": 600, "iscrowd": 0,
            "segmentation": [[x0, 20, x0 + 20, 20, x0 + 20, 50, x0, 50]]})
    paths["vis_ann"] = root / "vis_ann.json"
    paths["vis_ann"].write_text(json.dumps(data))
    paths["masktrack"] = root / "masktrack.pth"
    widths = dataclasses.replace(TINY, num_classes=VIS_CLASSES)
    torch.save({"meta": {}, "state_dict": random_state(masktrack_shapes(widths), 3)}, paths["masktrack"])
    return paths
