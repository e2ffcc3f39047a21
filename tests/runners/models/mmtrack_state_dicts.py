"""State dicts with exactly the key names and shapes of MMTracking's published checkpoints, written from
MMTracking's / mmdet 2.x's module definitions (not from our models), filled with seeded random values.

``widths`` shrink channel counts for fast tests; ``MMTRACK_FULL`` are the published sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch


@dataclass(frozen=True)
class Widths:
    base: int = 64  # ResNet stem / first stage width
    fpn: int = 256
    fc: int = 1024
    embed_conv: int = 256
    embed_fc: int = 1024
    embed: int = 256
    num_classes: int = 1
    reid_fc: int = 1024
    reid_out: int = 128
    reid_ids: int = 380


MMTRACK_FULL = Widths()
TINY = Widths(base=8, fpn=32, fc=32, embed_conv=32, embed_fc=32, embed=16, reid_fc=32, reid_out=16, reid_ids=5)


def _bn(name: str, c: int) -> list[tuple[str, tuple[int, ...]]]:
    return [(f"{name}.{p}", (c,)) for p in ("weight", "bias", "running_mean", "running_var")] + [
        (f"{name}.num_batches_tracked", ())
    ]


def resnet50_shapes(prefix: str, base: int, stages: tuple[int, ...] = (3, 4, 6, 3), groups: int = 1,
                    base_width: int = 4) -> list[tuple[str, tuple[int, ...]]]:
    """mmdet/mmcls ResNet(depth=50; 101 with ``stages`` (3, 4, 23, 3)): conv1/bn1 stem,
    layerN.i.{conv1,bn1,conv2,bn2,conv3,bn3,downsample.0/1}; with ``groups`` > 1 mmdet's ResNeXt, whose blocks
    are ``floor(planes * base_width / base_channels) * groups`` wide with a grouped conv2."""
    import math

    out = [(f"{prefix}conv1.weight", (base, 3, 7, 7)), *_bn(f"{prefix}bn1", base)]
    inplanes = base
    for stage, blocks in enumerate(stages):
        planes = base * 2**stage
        width = planes if groups == 1 else math.floor(planes * (base_width / base)) * groups
        for b in range(blocks):
            p = f"{prefix}layer{stage + 1}.{b}."
            cin = inplanes if b == 0 else planes * 4
            out += [(p + "conv1.weight", (width, cin, 1, 1)), *_bn(p + "bn1", width)]
            out += [(p + "conv2.weight", (width, width // groups, 3, 3)), *_bn(p + "bn2", width)]
            out += [(p + "conv3.weight", (planes * 4, width, 1, 1)), *_bn(p + "bn3", planes * 4)]
            if b == 0:
                out += [(p + "downsample.0.weight", (planes * 4, inplanes, 1, 1)), *_bn(p + "downsample.1", planes * 4)]
        inplanes = planes * 4
    return out


def faster_rcnn_shapes(prefix: str, w: Widths, stages: tuple[int, ...] = (3, 4, 6, 3),
                       groups: int = 1) -> list[tuple[str, tuple[int, ...]]]:
    """mmdet FasterRCNN: ResNet-50 + FPN(4 inputs, ConvModule .conv) + RPNHead + Shared2FCBBoxHead."""
    out = resnet50_shapes(prefix + "backbone.", w.base, stages, groups)
    for i, cin in enumerate(w.base * 4 * 2**k for k in range(4)):
        out += [(f"{prefix}neck.lateral_convs.{i}.conv.weight", (w.fpn, cin, 1, 1)),
                (f"{prefix}neck.lateral_convs.{i}.conv.bias", (w.fpn,))]
    for i in range(4):
        out += [(f"{prefix}neck.fpn_convs.{i}.conv.weight", (w.fpn, w.fpn, 3, 3)),
                (f"{prefix}neck.fpn_convs.{i}.conv.bias", (w.fpn,))]
    out += [(f"{prefix}rpn_head.rpn_conv.weight", (w.fpn, w.fpn, 3, 3)), (f"{prefix}rpn_head.rpn_conv.bias", (w.fpn,)),
            (f"{prefix}rpn_head.rpn_cls.weight", (3, w.fpn, 1, 1)), (f"{prefix}rpn_head.rpn_cls.bias", (3,)),
            (f"{prefix}rpn_head.rpn_reg.weight", (12, w.fpn, 1, 1)), (f"{prefix}rpn_head.rpn_reg.bias", (12,))]
    h = f"{prefix}roi_head.bbox_head."
    out += [(h + "shared_fcs.0.weight", (w.fc, w.fpn * 49)), (h + "shared_fcs.0.bias", (w.fc,)),
            (h + "shared_fcs.1.weight", (w.fc, w.fc)), (h + "shared_fcs.1.bias", (w.fc,)),
            (h + "fc_cls.weight", (w.num_classes + 1, w.fc)), (h + "fc_cls.bias", (w.num_classes + 1,)),
            (h + "fc_reg.weight", (4 * w.num_classes, w.fc)), (h + "fc_reg.bias", (4 * w.num_classes,))]
    return out


def qdtrack_shapes(w: Widths) -> list[tuple[str, tuple[int, ...]]]:
    """mmtrack QDTrack: detector.* + track_head.embed_head (4 ConvModule(GN) convs, 1 fc, fc_embed)."""
    out = faster_rcnn_shapes("detector.", w)
    h = "track_head.embed_head."
    for i in range(4):
        out += [(f"{h}convs.{i}.conv.weight", (w.embed_conv, w.fpn if i == 0 else w.embed_conv, 3, 3)),
                (f"{h}convs.{i}.gn.weight", (w.embed_conv,)), (f"{h}convs.{i}.gn.bias", (w.embed_conv,))]
    out += [(h + "fcs.0.weight", (w.embed_fc, w.embed_conv * 49)), (h + "fcs.0.bias", (w.embed_fc,)),
            (h + "fc_embed.weight", (w.embed, w.embed_fc)), (h + "fc_embed.bias", (w.embed,))]
    return out


def masktrack_shapes(w: Widths, stages: tuple[int, ...] = (3, 4, 6, 3),
                     groups: int = 1) -> list[tuple[str, tuple[int, ...]]]:
    """mmtrack MaskTrackRCNN: detector.* (mmdet MaskRCNN: the Faster R-CNN parts + FCNMaskHead with 4 ConvModule
    convs, a ConvTranspose2d ``upsample`` and ``conv_logits``) + track_head.embed_head (RoIEmbedHead, 2 fcs)."""
    out = faster_rcnn_shapes("detector.", w, stages, groups)
    h = "detector.roi_head.mask_head."
    for i in range(4):
        out += [(f"{h}convs.{i}.conv.weight", (w.fpn, w.fpn, 3, 3)), (f"{h}convs.{i}.conv.bias", (w.fpn,))]
    out += [(h + "upsample.weight", (w.fpn, w.fpn, 2, 2)), (h + "upsample.bias", (w.fpn,)),
            (h + "conv_logits.weight", (w.num_classes, w.fpn, 1, 1)), (h + "conv_logits.bias", (w.num_classes,))]
    e = "track_head.embed_head."
    out += [(e + "fcs.0.weight", (w.embed_fc, w.fpn * 49)), (e + "fcs.0.bias", (w.embed_fc,)),
            (e + "fcs.1.weight", (w.embed_fc, w.embed_fc)), (e + "fcs.1.bias", (w.embed_fc,))]
    return out


def reid_shapes(w: Widths) -> list[tuple[str, tuple[int, ...]]]:
    """mmtrack BaseReID: backbone + head.fcs.0 (FcModule fc + BN1d 'bn') + fc_out + training-only bn/classifier."""
    out = resnet50_shapes("backbone.", w.base)
    out += [("head.fcs.0.fc.weight", (w.reid_fc, w.base * 32)), ("head.fcs.0.fc.bias", (w.reid_fc,)),
            *_bn("head.fcs.0.bn", w.reid_fc),
            ("head.fc_out.weight", (w.reid_out, w.reid_fc)), ("head.fc_out.bias", (w.reid_out,)),
            *_bn("head.bn", w.reid_out),
            ("head.classifier.weight", (w.reid_ids, w.reid_out)), ("head.classifier.bias", (w.reid_ids,))]
    return out


def random_state(shapes: list[tuple[str, tuple[int, ...]]], seed: int = 0) -> dict[str, torch.Tensor]:
    """Seeded values: small weights, positive running variances, integer step counters."""
    g = torch.Generator().manual_seed(seed)
    state = {}
    for name, shape in shapes:
        if name.endswith("num_batches_tracked"):
            state[name] = torch.tensor(7, dtype=torch.long)
        elif name.endswith("running_var"):
            state[name] = torch.rand(shape, generator=g) + 0.5
        else:
            state[name] = torch.randn(shape, generator=g) * 0.05
    return state


@pytest.fixture(scope="module", autouse=False)
def one_torch_thread():
    """Run a module's model tests on one intra-op thread: on the shared 2-core test machine, OpenMP threads
    competing with other processes make the tiny models an order of magnitude slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
