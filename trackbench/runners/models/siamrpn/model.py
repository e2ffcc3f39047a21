"""SiamRPN++ (Li et al., "SiamRPN++: Evolution of Siamese Visual Tracking with Very Deep Networks", CVPR 2019)
as MMTracking configures it (configs/sot/siamese_rpn/siamese_rpn_r50_20e_*.py).

Network: ResNet-50 with MMTracking's ``SOTResNet`` padding (``sot_padding=True``), strides (1, 2, 1, 1) and
dilations (1, 1, 2, 4) so stages 2-4 keep stride 8, out_indices (1, 2, 3) → 512/1024/2048 channels; three
adjust layers to 256 channels; three depthwise-correlation RPN heads with 5 anchors (ratios 0.33, 0.5, 1, 2,
3; scale 8; stride 8) summed with learned softmax weights. The template is the 127 px exemplar crop whose
15x15 features are centre-cropped to 7x7; the search crop is 255 px → a 25x25 score map.

Test-time parameters (scale/ratio penalty ``penalty_k``, cosine ``window_influence``, box learning rate
``lr``) differ per benchmark and are taken from each benchmark's MMTracking config (``TEST_PARAMS``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from trackbench.errors import unknown_name
from trackbench.runners.models.common.resnet import ResNet
from trackbench.runners.models.siamrpn.anchors import base_anchors_xyxy
from trackbench.runners.models.siamrpn.head import AdjustLayers, MultiLevelRpnHead


@dataclass(frozen=True)
class SiamRpnTestParams:
    """Test-time post-processing of one benchmark config: ``test_mode`` is "OPE" or "VOT"."""

    penalty_k: float
    window_influence: float
    lr: float
    test_mode: str = "OPE"


#: ``model.test_cfg.rpn`` of MMTracking's configs/sot/siamese_rpn/siamese_rpn_r50_20e_<benchmark>.py
TEST_PARAMS: dict[str, SiamRpnTestParams] = {
    "lasot": SiamRpnTestParams(penalty_k=0.05, window_influence=0.42, lr=0.38),
    "trackingnet": SiamRpnTestParams(penalty_k=0.05, window_influence=0.42, lr=0.38),
    "uav123": SiamRpnTestParams(penalty_k=0.1, window_influence=0.1, lr=0.5),
    "otb100": SiamRpnTestParams(penalty_k=0.4, window_influence=0.5, lr=0.4),
    "vot2018": SiamRpnTestParams(penalty_k=0.04, window_influence=0.44, lr=0.33, test_mode="VOT"),
}


def test_params_for(benchmark: str) -> SiamRpnTestParams:
    key = benchmark.lower()
    if key not in TEST_PARAMS:
        raise unknown_name("SiamRPN++ benchmark (test-time parameters)", benchmark, TEST_PARAMS)
    return TEST_PARAMS[key]


@dataclass(frozen=True)
class SiamRpnConfig:
    """Architecture and crop geometry; the defaults are MMTracking's R50 model (only tests shrink the widths)."""

    depth: int = 50
    base_channels: int = 64
    adjust_channels: int = 256
    anchor_stride: int = 8
    anchor_ratios: tuple[float, ...] = (0.33, 0.5, 1.0, 2.0, 3.0)
    anchor_scales: tuple[float, ...] = (8.0,)
    weighted_sum: bool = True
    exemplar_size: int = 127
    search_size: int = 255
    context_amount: float = 0.5
    center_size: int = 7

    @property
    def num_anchors(self) -> int:
        return len(self.anchor_ratios) * len(self.anchor_scales)


class SiamRpnPlusPlus(nn.Module):
    """The network: ``template_features`` once per initialization, ``forward`` per search crop."""

    def __init__(self, config: SiamRpnConfig = SiamRpnConfig()) -> None:
        super().__init__()
        self.config = config
        self.backbone = ResNet(
            depth=config.depth,
            base_channels=config.base_channels,
            strides=(1, 2, 1, 1),
            dilations=(1, 1, 2, 4),
            out_indices=(1, 2, 3),
            frozen_stages=4,
            norm_eval=True,
            sot_padding=True,
        )
        self.adjust = AdjustLayers(self.backbone.out_channels, config.adjust_channels)
        self.rpn = MultiLevelRpnHead(
            config.adjust_channels, len(self.backbone.out_channels), config.num_anchors, config.weighted_sum
        )
        self.register_buffer(
            "base_anchors",
            base_anchors_xyxy(config.anchor_stride, config.anchor_ratios, config.anchor_scales),
            persistent=False,
        )
        self.eval()

    def template_features(self, z_crop: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Exemplar crop (N, 3, 127, 127) → per-level features centre-cropped to ``center_size``."""
        feats = self.adjust(self.backbone(z_crop))
        size = self.config.center_size
        out = []
        for f in feats:
            left = (f.shape[3] - size) // 2
            out.append(f[:, :, left : left + size, left : left + size])
        return tuple(out)

    def search_features(self, x_crop: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.adjust(self.backbone(x_crop))

    def forward(
        self, template_feats: tuple[torch.Tensor, ...], x_crop: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Search crop (N, 3, 255, 255) → ``cls_score`` (N, 2A, 25, 25), ``bbox_pred`` (N, 4A, 25, 25)."""
        return self.rpn(template_feats, self.search_features(x_crop))
