"""FlowNetSimple (Dosovitskiy et al., "FlowNet", ICCV 2015) and feature warping by flow, as MMTracking 0.14's
``mmtrack/models/motion/flownet_simple.py`` and ``mmtrack/core/motion/flow.py`` (``flow_warp_feats``): the
motion module of DFF and FGFA.

The pair of normalised, padded frames (current first, reference second) is turned back into pixels, divided by
255 minus FlowNet's own means, zeroed outside the image, halved (bilinear); six strided conv groups (LeakyReLU
0.1), a refinement decoder from conv6 back to conv2 (deconvs, per-level flow predictions upsampled by 4×4
deconvs, cropped to the finer map), a final flow at the conv2 level, upsampled bilinearly by ``4 /
img_scale_factor`` and multiplied by the same factor and by ``flow_scale_factor`` (5). Module names follow
MMTracking's (``conv1.0.conv``, ``deconv5.conv``, ``predict_flow6.conv``, ``upsample_flow5.conv``,
``predict_flow.conv``) so ``motion.*`` weights load unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

CONV_INPLANES = (6, 64, 128, 256, 512, 512)
CONV_KERNELS = (7, 5, 5, 3, 3, 3)
CONV_COUNTS = (1, 1, 2, 2, 2, 2)
DECONV_INPLANES = (386, 770, 1026, 1024)
FLOW_MEAN = (0.411, 0.432, 0.450)
FLOW_STD = (255.0, 255.0, 255.0)


class ConvLayer(nn.Module):
    """mmcv ``ConvModule`` without norm: ``conv`` (a conv or a transposed conv), then LeakyReLU(0.1) or nothing."""

    def __init__(self, conv: nn.Module, leaky: bool) -> None:
        super().__init__()
        self.conv = conv
        self.leaky = leaky

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        return F.leaky_relu(x, 0.1) if self.leaky else x


def _conv(cin: int, cout: int, k: int, stride: int, bias: bool, leaky: bool) -> ConvLayer:
    return ConvLayer(nn.Conv2d(cin, cout, k, stride=stride, padding=(k - 1) // 2, bias=bias), leaky)


def _deconv(cin: int, cout: int, leaky: bool) -> ConvLayer:
    return ConvLayer(nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1, bias=False), leaky)


def crop_like(x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return x[:, :, : target.shape[2], : target.shape[3]]


class FlowNetSimple(nn.Module):
    def __init__(self, img_scale_factor: float = 0.5, flow_scale_factor: float = 5.0,
                 out_indices: Sequence[int] = (2, 3, 4, 5, 6)) -> None:
        super().__init__()
        self.img_scale_factor = img_scale_factor
        self.flow_scale_factor = flow_scale_factor
        self.out_indices = tuple(out_indices)
        for i, (cin, k, n) in enumerate(zip(CONV_INPLANES, CONV_KERNELS, CONV_COUNTS, strict=True)):
            cout = 2 * cin if i == len(CONV_INPLANES) - 1 else CONV_INPLANES[i + 1]
            layers = [_conv(cin, cout, k, 2, True, True)]
            layers += [_conv(cout, cout, 3 if i == 2 else k, 1, True, True) for _ in range(1, n)]
            self.add_module(f"conv{i + 1}", nn.ModuleList(layers))
        planes = DECONV_INPLANES[-1] // 2
        for i in range(len(DECONV_INPLANES) - 1, -1, -1):
            cin = DECONV_INPLANES[i]
            self.add_module(f"deconv{i + 2}", _deconv(cin, planes, True))
            self.add_module(f"predict_flow{i + 3}", _conv(cin, 2, 3, 1, False, False))
            self.add_module(f"upsample_flow{i + 2}", _deconv(2, 2, False))
            planes //= 2
        self.predict_flow = _conv(planes * 6 + 2, 2, 3, 1, False, False)

    def prepare(self, pair: torch.Tensor, img_shape: tuple[int, int], mean: Sequence[float],
                std: Sequence[float]) -> torch.Tensor:
        """(N, 6, H, W) normalised frames (``mean``/``std`` of the detector's input) → FlowNet's input."""
        m = pair.new_tensor(tuple(mean) * 2)[None, :, None, None]
        s = pair.new_tensor(tuple(std) * 2)[None, :, None, None]
        fm = pair.new_tensor(FLOW_MEAN * 2)[None, :, None, None]
        fs = pair.new_tensor(FLOW_STD * 2)[None, :, None, None]
        x = (pair * s + m) / fs - fm
        x[:, :, img_shape[0]:, :] = 0.0
        x[:, :, :, img_shape[1]:] = 0.0
        return F.interpolate(x, scale_factor=self.img_scale_factor, mode="bilinear", align_corners=False)

    def forward(self, pair: torch.Tensor, img_shape: tuple[int, int], mean: Sequence[float],
                std: Sequence[float]) -> torch.Tensor:
        """Flow (N, 2, H, W) that carries the second frame of ``pair`` onto the first (at input resolution)."""
        x = self.prepare(pair, img_shape, mean, std)
        outs = []
        for i in range(1, len(CONV_INPLANES) + 1):
            for layer in getattr(self, f"conv{i}"):
                x = layer(x)
            if i in self.out_indices:
                outs.append(x)
        concat = outs[-1]
        for i in range(len(outs) - 1, 0, -1):  # deconv5/predict_flow6/upsample_flow5 first
            flow = getattr(self, f"predict_flow{i + 2}")(concat)
            up = crop_like(getattr(self, f"upsample_flow{i + 1}")(flow), outs[i - 1])
            deconv = crop_like(getattr(self, f"deconv{i + 1}")(concat), outs[i - 1])
            concat = torch.cat((outs[i - 1], deconv, up), dim=1)
        flow = self.predict_flow(concat)
        factor = 4 / self.img_scale_factor
        flow = F.interpolate(flow, scale_factor=factor, mode="bilinear", align_corners=False)
        return flow * factor * self.flow_scale_factor


def flow_warp_feats(x: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Warp features (N, C, H, W) by a flow at image resolution: the flow resized (bilinear) and scaled to the
    feature map, added to the pixel grid, normalised by W and H (MMTracking's convention) and sampled with
    ``grid_sample(padding_mode="border", align_corners=True)``."""
    scale = float(x.shape[-1]) / flow.shape[-1]
    flow = F.interpolate(flow, scale_factor=scale, mode="bilinear", align_corners=False) * scale
    h, w = x.shape[-2:]
    hh, ww = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    grid = torch.cat((ww.to(flow)[None, None], hh.to(flow)[None, None]), dim=1) + flow
    grid = torch.stack((grid[:, 0] / w * 2 - 1, grid[:, 1] / h * 2 - 1), dim=-1)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=True)
