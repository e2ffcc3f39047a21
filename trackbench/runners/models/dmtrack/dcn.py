"""Modulated deformable convolution (DCNv2, Zhu et al. CVPR 2019) in pure PyTorch, as the compiled
``ModulatedDeformConvPack`` of DMTrack's mmdetection fork (``mmdet/ops/dcn``; same arithmetic as mmcv's).

An ordinary convolution whose kernel taps are moved by learned offsets and weighted by learned masks: a plain
3×3 ``conv_offset`` predicts, per output position, ``3 * k*k`` channels split in thirds ``o1, o2, m``; the
offsets are ``cat(o1, o2)`` read as (dy, dx) pairs per tap, the masks ``sigmoid(m)``. Each tap samples the input
bilinearly at its shifted position (neighbours outside the map count as zero, a point outside
(-1, size) gives zero), times its mask; the samples form im2col columns multiplied by the weight.
"""

from __future__ import annotations

import torch
from torch import nn


def _bilinear_taps(x: torch.Tensor, ys: torch.Tensor, xs: torch.Tensor) -> torch.Tensor:
    """x (N, C, H, W); ys/xs (N, T) sample positions in pixels → (N, C, T), zero outside, as the DCN kernel's
    ``dmcn_im2col_bilinear`` (same products and sum order)."""
    n, c, h, w = x.shape
    inside = (ys > -1) & (xs > -1) & (ys < h) & (xs < w)
    y0f, x0f = torch.floor(ys), torch.floor(xs)
    ly, lx = ys - y0f, xs - x0f
    hy, hx = 1 - ly, 1 - lx
    y0, x0 = y0f.long(), x0f.long()
    y1, x1 = y0 + 1, x0 + 1
    flat = x.reshape(n, c, h * w)
    out = []
    for b in range(n):
        acc = None
        for yi, xi, weight in ((y0, x0, hy * hx), (y0, x1, hy * lx), (y1, x0, ly * hx), (y1, x1, ly * lx)):
            ok = inside[b] & (yi[b] >= 0) & (xi[b] >= 0) & (yi[b] <= h - 1) & (xi[b] <= w - 1)
            idx = yi[b].clamp(0, h - 1) * w + xi[b].clamp(0, w - 1)
            term = flat[b].index_select(1, idx) * (weight[b] * ok.to(x.dtype))[None]
            acc = term if acc is None else acc + term
        out.append(acc)
    return torch.stack(out)


def modulated_deform_conv2d(
    x: torch.Tensor,
    offset: torch.Tensor,
    mask: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    stride: int = 1,
    padding: int = 1,
    dilation: int = 1,
) -> torch.Tensor:
    """DCNv2 with one deformable group and one conv group. offset (N, 2K, Ho, Wo) as (dy, dx) per tap k
    (taps row-major over the kernel), mask (N, K, Ho, Wo), weight (Cout, C, kh, kw) → (N, Cout, Ho, Wo)."""
    n, c, _, _ = x.shape
    c_out, c_in, kh, kw = weight.shape
    if c_in != c:
        raise ValueError(f"deformable conv expects {c_in} input channels, got {c}")
    ho, wo = offset.shape[2], offset.shape[3]
    taps = kh * kw
    base_y = (torch.arange(ho, device=x.device, dtype=x.dtype) * stride - padding)[:, None].expand(ho, wo)
    base_x = (torch.arange(wo, device=x.device, dtype=x.dtype) * stride - padding)[None, :].expand(ho, wo)
    tap_y = (torch.arange(kh, device=x.device, dtype=x.dtype) * dilation).repeat_interleave(kw)
    tap_x = (torch.arange(kw, device=x.device, dtype=x.dtype) * dilation).repeat(kh)
    off = offset.reshape(n, taps, 2, ho, wo)
    ys = base_y[None, None] + tap_y[None, :, None, None] + off[:, :, 0]
    xs = base_x[None, None] + tap_x[None, :, None, None] + off[:, :, 1]
    cols = _bilinear_taps(x, ys.reshape(n, -1), xs.reshape(n, -1)).reshape(n, c, taps, ho * wo)
    cols = cols * mask.reshape(n, 1, taps, ho * wo)
    out = torch.matmul(weight.reshape(c_out, c * taps), cols.reshape(n, c * taps, ho * wo))
    if bias is not None:
        out = out + bias[None, :, None]
    return out.reshape(n, c_out, ho, wo)


class ModulatedDeformConvPack(nn.Module):
    """``weight``, ``bias`` and ``conv_offset`` under the fork's names (and mmcv's ``ModulatedDeformConv2dPack``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: int = 1, dilation: int = 1) -> None:
        super().__init__()
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.weight = nn.Parameter(torch.zeros(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.conv_offset = nn.Conv2d(in_channels, 3 * kernel_size * kernel_size, kernel_size, stride=stride,
                                     padding=padding, dilation=dilation, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        o1, o2, m = torch.chunk(self.conv_offset(x), 3, dim=1)
        offset = torch.cat((o1, o2), dim=1)
        return modulated_deform_conv2d(x, offset, torch.sigmoid(m), self.weight, self.bias, self.stride,
                                       self.padding, self.dilation)
