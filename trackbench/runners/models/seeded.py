"""Deterministic weights in the official checkpoint layouts, generated from a seed: the same tensors for the
official code (run once, offline, by tools/oracles/) and for ours (regenerated in every test run), so the
fidelity fixtures in tests/golden/official/ need no stored weights.

Each tensor is drawn from a generator seeded by ``(seed, key name)`` alone, so a value does not depend on which
other keys exist or in which order they come. Defaults keep activations in range: He-normal conv/linear weights,
norm scales 1 ± 0.1, biases ± 0.01, positive running variances around 1. Each model's recipe then overrides a
few key patterns so the comparison exercises every stage: damped residual branches (``bn3`` scales 0.2), small
box regression, a classifier whose person logit fires on a part of the proposals (a negative person bias, so a
RoI with no features — a box outside the image — stays under the score threshold instead of tying with its
like), and embedding FCs that make QDTrack associate.
"""

from __future__ import annotations

import fnmatch
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from trackbench.errors import unknown_name


@dataclass(frozen=True)
class Rule:
    """Keys matching ``pattern`` (fnmatch) get ``mean + gain * default_std * N(0, 1)`` (``mean`` replaces the
    default mean when given), then ``offsets`` ``(flat index, value)`` added to single entries."""

    pattern: str
    gain: float = 1.0
    mean: float | None = None
    offsets: tuple[tuple[int, float], ...] = ()


def _default(key: str, shape: Sequence[int]) -> tuple[float, float]:
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "running_mean":
        return 0.0, 0.1
    if len(shape) >= 2:  # conv / linear weight: He-normal on the fan-in
        return 0.0, math.sqrt(2.0 / math.prod(shape[1:]))
    if leaf == "weight":  # a 1-D weight is a norm layer's scale
        return 1.0, 0.1
    return 0.0, 0.01


def seeded_tensor(key: str, shape: Sequence[int], seed: int, rules: Iterable[Rule] = ()) -> torch.Tensor:
    """One checkpoint entry: float32, or an int64 zero for a BatchNorm step counter."""
    if key.endswith("num_batches_tracked"):
        return torch.tensor(0, dtype=torch.long)
    generator = torch.Generator().manual_seed((seed << 32) + zlib.crc32(f"{seed}/{key}".encode()))
    noise = torch.randn(tuple(shape), generator=generator, dtype=torch.float32).double()
    if key.endswith("running_var"):
        return torch.exp(0.2 * noise).float()
    mean, std = _default(key, shape)
    rule = next((r for r in rules if fnmatch.fnmatchcase(key, r.pattern)), None)
    if rule is not None:
        mean = mean if rule.mean is None else rule.mean
        std *= rule.gain
    value = mean + std * noise
    if rule is not None:
        for index, offset in rule.offsets:
            value.view(-1)[index] += offset
    return value.float()


def seeded_state(shapes: Mapping[str, Sequence[int]], seed: int, rules: Iterable[Rule] = ()) -> dict[str, torch.Tensor]:
    """``{key: tensor}`` for every key of a layout, in sorted key order."""
    rules = tuple(rules)
    return {key: seeded_tensor(key, shapes[key], seed, rules) for key in sorted(shapes)}


_RESIDUAL = Rule("*.bn3.weight", mean=0.2, gain=0.2)
_SMALL_BOXES = (Rule("*.rpn_cls.weight", gain=0.1), Rule("*.rpn_reg.weight", gain=0.05),
                Rule("*.fc_reg.weight", gain=0.05))

RECIPES: dict[str, tuple[Rule, ...]] = {
    # caffe-style input (BGR minus mean, unit std: values up to ±128) → the stem scaled down by 64
    "qdtrack": (Rule("detector.backbone.conv1.weight", gain=1 / 64), _RESIDUAL, *_SMALL_BOXES,
                Rule("*.fc_cls.weight", gain=1.0), Rule("*.fc_cls.bias", offsets=((0, -3.0),)),
                Rule("*.fc_embed.weight", gain=3.0)),
    # ImageNet-normalised input; about 10 detections over DeepSORT's 0.5 score per demo frame at scale 320
    "faster_rcnn": (_RESIDUAL, *_SMALL_BOXES, Rule("*.fc_cls.weight", gain=0.15),
                    Rule("*.fc_cls.bias", offsets=((0, -3.6),))),
    "reid": (_RESIDUAL,),
    # raw 0-255 BGR input; the depth-wise cross-correlation multiplies template and search magnitudes. Box deltas
    # of about 0.4 anchor widths keep the box on the target for a few frames (at gain 0.01, about 2: every update
    # on VOT bag jumped off the target, so the VOT fixture saw no tracked frame at all)
    "siamrpn": (Rule("backbone.conv1.weight", gain=1 / 128), _RESIDUAL,
                Rule("head.reg_heads.*.head_convs.1.conv.weight", gain=0.002),
                Rule("head.cls_heads.*.head_convs.1.conv.weight", gain=0.005)),
    # MaskTrack R-CNN, 40 classes: a background logit that leaves 10-20 detections over the 0.01 score threshold
    # per OTB Basketball frame at scale (320, 180), "person" competing with the class the shared features favour,
    # and embedding FCs whose dot products stay in the softmax's range (the tracker both matches and drops)
    "masktrack_rcnn": (_RESIDUAL, *_SMALL_BOXES, Rule("*.fc_cls.weight", gain=0.05),
                       Rule("*.fc_cls.bias", offsets=((0, 1.7), (40, 8.5))),
                       Rule("track_head.embed_head.fcs.1.weight", gain=0.01)),
    # DFF R50-DC5, ImageNet-normalised input: scores that stay under 1 (no ties) over a few classes; FlowNet's
    # defaults give flows of about 12 px (0.8 feature cells at stride 16), up to 60 px, at short side 128
    "dff": (_RESIDUAL, *_SMALL_BOXES, Rule("*.fc_cls.weight", gain=0.3), Rule("*.fc_cls.bias", offsets=((30, 2.0),))),
    # FGFA: DFF's detector and flow; the embedding conv at its default (cosine weights vary over the window)
    "fgfa": (_RESIDUAL, *_SMALL_BOXES, Rule("*.fc_cls.weight", gain=0.3), Rule("*.fc_cls.bias", offsets=((30, 2.0),))),
    # SELSA: the same detector; attention weights at their defaults
    "selsa": (_RESIDUAL, *_SMALL_BOXES, Rule("*.fc_cls.weight", gain=0.3), Rule("*.fc_cls.bias", offsets=((30, 2.0),))),
    "temporal_roi_align": (_RESIDUAL, *_SMALL_BOXES, Rule("*.fc_cls.weight", gain=0.3),
                           Rule("*.fc_cls.bias", offsets=((30, 2.0),))),
}

# (seed, recipe) of each checkpoint the fixtures were made with
SEEDS: dict[str, int] = {"qdtrack": 0, "faster_rcnn": 1, "reid": 2, "siamrpn": 3, "dff": 4, "fgfa": 5, "selsa": 6,
                         "temporal_roi_align": 7, "masktrack_rcnn": 20}


def _vid_layout(method: str):
    """(model class, export function) of a video object detector, imported when asked for."""
    import importlib

    model = importlib.import_module(f"trackbench.runners.models.{method}.model")
    checkpoint = importlib.import_module(f"trackbench.runners.models.{method}.checkpoint")
    class_name = "".join(part.capitalize() for part in method.split("_")) + "Model"
    return getattr(model, class_name), getattr(checkpoint, f"export_{method}_state")


VID_LAYOUTS = {m: (lambda m=m: _vid_layout(m)) for m in ("dff", "fgfa", "selsa", "temporal_roi_align")}


def official_layout(name: str) -> dict[str, tuple[int, ...]]:
    """Key → shape of the official checkpoint (MMTracking 0.14; MMDetection 3.3 uses the same names for these
    models) at the published sizes: our model's keys through the inverse key map, plus the training-only keys
    our loader sets aside (the ReID's ``head.bn`` and 380-identity ``head.classifier``)."""
    from trackbench.runners.models.common.checkpoint import export_state_dict
    from trackbench.runners.models.common.faster_rcnn import FasterRCNN
    from trackbench.runners.models.qdtrack.head import QDTrackModel
    from trackbench.runners.models.reid.model import ReIDModel

    builders = {"qdtrack": QDTrackModel, "faster_rcnn": FasterRCNN, "reid": ReIDModel}
    if name == "siamrpn":
        from trackbench.runners.models.siamrpn.checkpoint import to_mmtracking_state_dict
        from trackbench.runners.models.siamrpn.model import SiamRpnPlusPlus

        with torch.device("meta"):
            model = SiamRpnPlusPlus()
        return {k: tuple(v.shape) for k, v in to_mmtracking_state_dict(model).items()}
    if name == "masktrack_rcnn":
        from trackbench.runners.models.masktrack_rcnn.model import KEY_MAP, MaskTrackRCNNModel

        with torch.device("meta"):
            model = MaskTrackRCNNModel()
        return {k: tuple(v.shape) for k, v in export_state_dict(model, KEY_MAP).items()}
    if name in VID_LAYOUTS:
        build, export = VID_LAYOUTS[name]()
        with torch.device("meta"):
            model = build()
        return {k: tuple(v.shape) for k, v in export(model).items()}
    if name not in builders:
        raise unknown_name("seeded weight layout", name, {**builders, "siamrpn": None, "masktrack_rcnn": None,
                                                          **VID_LAYOUTS})
    with torch.device("meta"):  # shapes only: no memory, no initialisation time
        model = builders[name]()
    shapes = {k: tuple(v.shape) for k, v in export_state_dict(model, name).items()}
    if name == "reid":
        out = shapes["head.fc_out.weight"][0]
        shapes.update({f"head.bn.{p}": (out,) for p in ("weight", "bias", "running_mean", "running_var")})
        shapes.update({"head.bn.num_batches_tracked": (), "head.classifier.weight": (380, out),
                       "head.classifier.bias": (380,)})
    return shapes


def seeded_checkpoint(name: str, seed: int | None = None) -> dict:
    """``{"state_dict": ..., "meta": ...}`` as MMTracking saves a checkpoint, for ``RECIPES[name]``."""
    if name not in RECIPES:
        raise unknown_name("seeded weight recipe", name, RECIPES)
    seed = SEEDS[name] if seed is None else seed
    state = seeded_state(official_layout(name), seed, RECIPES[name])
    return {"state_dict": state, "meta": {"trackbench_seeded": {"recipe": name, "seed": seed}}}


def save_seeded_checkpoint(path: str | Path, name: str, seed: int | None = None) -> Path:
    """Write :func:`seeded_checkpoint` to ``path`` (through a temporary file, then renamed)."""
    from trackbench.atomic import atomic_open

    path = Path(path)
    with atomic_open(path, "wb", encoding=None) as fh:
        torch.save(seeded_checkpoint(name, seed), fh)
    return path
