"""The pure-torch modulated deformable convolution against a direct, loop-by-loop DCNv2 written from the
definition (Zhu et al. 2019, eq. 3; the kernel's bilinear rule: zero outside (-1, size), missing neighbours zero)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from trackbench.runners.models.dmtrack.dcn import ModulatedDeformConvPack, modulated_deform_conv2d


def _bilinear(img: np.ndarray, y: float, x: float) -> float:
    h, w = img.shape
    if not (-1 < y < h and -1 < x < w):
        return 0.0
    y0, x0 = math.floor(y), math.floor(x)
    total = 0.0
    for yy, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
        for xx, wx in ((x0, 1 - (x - x0)), (x0 + 1, x - x0)):
            if 0 <= yy < h and 0 <= xx < w:
                total += wy * wx * img[yy, xx]
    return total


def _direct(x, offset, mask, weight, bias, stride, pad, dil) -> np.ndarray:
    n, c, _, _ = x.shape
    c_out, _, kh, kw = weight.shape
    ho, wo = offset.shape[2:]
    out = np.zeros((n, c_out, ho, wo))
    for b in range(n):
        for i in range(ho):
            for j in range(wo):
                for ky in range(kh):
                    for kx in range(kw):
                        k = ky * kw + kx
                        y = i * stride - pad + ky * dil + offset[b, 2 * k, i, j]
                        xx = j * stride - pad + kx * dil + offset[b, 2 * k + 1, i, j]
                        for ch in range(c):
                            v = _bilinear(x[b, ch], y, xx) * mask[b, k, i, j]
                            out[b, :, i, j] += weight[:, ch, ky, kx] * v
        out[b] += bias[:, None, None]
    return out


@pytest.mark.parametrize("stride,pad,dil,size", [(1, 1, 1, (5, 6)), (2, 1, 1, (7, 5)), (1, 2, 2, (6, 6)), (1, 1, 1, (1, 4))])
def test_modulated_deform_conv_matches_direct_definition(stride, pad, dil, size):
    g = torch.Generator().manual_seed(stride * 10 + dil)
    h, w = size
    x = torch.randn(2, 3, h, w, generator=g, dtype=torch.float64)
    weight = torch.randn(4, 3, 3, 3, generator=g, dtype=torch.float64)
    bias = torch.randn(4, generator=g, dtype=torch.float64)
    ho = (h + 2 * pad - dil * 2 - 1) // stride + 1
    wo = (w + 2 * pad - dil * 2 - 1) // stride + 1
    # offsets up to ±3 px send taps past the borders; integer offsets hit the floor() edge cases
    offset = torch.randn(2, 18, ho, wo, generator=g, dtype=torch.float64) * 1.5
    offset[0, :4] = torch.round(offset[0, :4])
    mask = torch.rand(2, 9, ho, wo, generator=g, dtype=torch.float64)
    ours = modulated_deform_conv2d(x, offset, mask, weight, bias, stride, pad, dil)
    ref = _direct(x.numpy(), offset.numpy(), mask.numpy(), weight.numpy(), bias.numpy(), stride, pad, dil)
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-10, atol=1e-10)


def test_zero_offsets_and_unit_masks_are_an_ordinary_convolution():
    g = torch.Generator().manual_seed(0)
    layer = ModulatedDeformConvPack(5, 6).double()
    with torch.no_grad():
        layer.weight.copy_(torch.randn(6, 5, 3, 3, generator=g))
        layer.bias.copy_(torch.randn(6, generator=g))
        layer.conv_offset.weight.zero_()
        layer.conv_offset.bias.zero_()
        layer.conv_offset.bias[18:] = 50.0  # sigmoid -> 1
    x = torch.randn(1, 5, 8, 7, generator=g, dtype=torch.float64)
    expected = torch.nn.functional.conv2d(x, layer.weight, layer.bias, padding=1)
    np.testing.assert_allclose(layer(x).detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_offset_channels_are_read_as_concatenated_thirds():
    """conv_offset's output is split o1 | o2 | mask; offsets are cat(o1, o2) read as (dy, dx) per tap: a bias
    of +1 on channel 1 (dx of tap 0, in o1) shifts tap 0 one pixel right."""
    layer = ModulatedDeformConvPack(1, 1).double()
    with torch.no_grad():
        layer.weight.zero_()
        layer.weight[0, 0, 0, 0] = 1.0
        layer.bias.zero_()
        layer.conv_offset.weight.zero_()
        layer.conv_offset.bias.zero_()
        layer.conv_offset.bias[18:] = 50.0
        layer.conv_offset.bias[1] = 1.0
    x = torch.arange(20, dtype=torch.float64).reshape(1, 1, 4, 5)
    out = layer(x).detach()
    # tap 0 reads (i - 1, j - 1 + 1) = (i - 1, j)
    assert out[0, 0, 1, 2].item() == pytest.approx(x[0, 0, 0, 2].item())
    assert out[0, 0, 2, 4].item() == pytest.approx(x[0, 0, 1, 4].item())
