"""Small CocoVID files for the SOT runner tests, written the way the SOT converters write them."""

from __future__ import annotations

import json
from pathlib import Path


def write_cocovid(path: Path, name: str, frames: list[str], width: int, height: int, boxes, polygons=None) -> Path:
    """A one-sequence CocoVID file as the SOT converters write it (bbox = polygon bounds, vot_polygon kept)."""
    images, annotations = [], []
    for i, file_name in enumerate(frames):
        images.append({"id": i + 1, "video_id": 1, "file_name": file_name, "width": width, "height": height,
                       "frame_id": i})
        ann = {"id": i + 1, "image_id": i + 1, "video_id": 1, "category_id": 1, "instance_id": 0,
               "bbox": [float(v) for v in boxes[i]], "area": float(boxes[i][2] * boxes[i][3]), "iscrowd": 0}
        if polygons is not None:
            ann["vot_polygon"] = [float(v) for v in polygons[i]]
        annotations.append(ann)
    data = {"videos": [{"id": 1, "name": name, "width": width, "height": height}], "images": images,
            "annotations": annotations, "categories": [{"id": 1, "name": "object"}]}
    path.write_text(json.dumps(data))
    return path
