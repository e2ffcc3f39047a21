"""The pure-torch multi-scale deformable attention against a direct per-point implementation of the CUDA
kernel's definition (ms_deform_im2col_bilinear: h = y * H - 0.5, w = x * W - 0.5, a point counts only when
-1 < h < H and -1 < w < W, each of the four corners reads zero outside the map), in float64."""

from __future__ import annotations

import math

import numpy as np
import torch

from trackbench.runners.models.memotr.deform_attn import MSDeformAttn, ms_deform_attn_core


def kernel_bilinear(value: np.ndarray, h: float, w: float) -> np.ndarray:
    """One head's (H, W, D) map at pixel coordinates (h, w), as the CUDA kernel computes it."""
    height, width, depth = value.shape
    if not (h > -1 and w > -1 and h < height and w < width):
        return np.zeros(depth)
    h_low, w_low = math.floor(h), math.floor(w)
    h_high, w_high = h_low + 1, w_low + 1
    lh, lw = h - h_low, w - w_low
    hh, hw = 1 - lh, 1 - lw
    zero = np.zeros(depth)
    v1 = value[h_low, w_low] if h_low >= 0 and w_low >= 0 else zero
    v2 = value[h_low, w_high] if h_low >= 0 and w_high <= width - 1 else zero
    v3 = value[h_high, w_low] if h_high <= height - 1 and w_low >= 0 else zero
    v4 = value[h_high, w_high] if h_high <= height - 1 and w_high <= width - 1 else zero
    return hh * hw * v1 + hh * lw * v2 + lh * hw * v3 + lh * lw * v4


def per_point(value, shapes, locations, weights) -> np.ndarray:
    n, _, m, d = value.shape
    _, lq, _, levels, points, _ = locations.shape
    starts = np.cumsum([0] + [h * w for h, w in shapes])
    out = np.zeros((n, lq, m, d))
    for b in range(n):
        for q in range(lq):
            for head in range(m):
                for lvl, (h, w) in enumerate(shapes):
                    fmap = value[b, starts[lvl]:starts[lvl + 1], head].reshape(h, w, d)
                    for p in range(points):
                        x, y = locations[b, q, head, lvl, p]
                        out[b, q, head] += weights[b, q, head, lvl, p] * kernel_bilinear(fmap, y * h - 0.5,
                                                                                         x * w - 0.5)
    return out.reshape(n, lq, m * d)


def random_case(seed: int, n=2, lq=5, m=2, d=3, points=3, shapes=((5, 7), (3, 4), (2, 2), (1, 3))):
    rng = np.random.default_rng(seed)
    value = rng.normal(size=(n, sum(h * w for h, w in shapes), m, d))
    locations = rng.uniform(-0.4, 1.4, size=(n, lq, m, len(shapes), points, 2))
    weights = rng.uniform(size=(n, lq, m, len(shapes), points))
    return value, list(shapes), locations, weights


def core(value, shapes, locations, weights) -> np.ndarray:
    return ms_deform_attn_core(torch.from_numpy(value), shapes, torch.from_numpy(locations),
                               torch.from_numpy(weights)).numpy()


def test_core_equals_the_kernel_definition_at_random_points():
    for seed in range(3):
        case = random_case(seed)
        np.testing.assert_allclose(core(*case), per_point(*case), rtol=0, atol=1e-12)


def test_core_at_the_edges_of_the_map():
    """Points exactly one pixel outside (weight zero), on the border pixel centres, half a pixel outside, and
    far away: every corner rule of the kernel is met."""
    shapes = [(4, 5)]
    value, _, _, _ = random_case(7, n=1, lq=1, m=1, d=2, points=1, shapes=shapes)
    h, w = shapes[0]
    xs = [-0.5 / w, 0.0, 0.5 / w, 0.25 / w, 1.0, 1 - 0.5 / w, (w + 0.5) / w, 3.0, -2.0, 0.5]
    ys = [-0.5 / h, 0.0, 0.5 / h, 1 - 0.5 / h, 1.0, (h + 0.5) / h, 0.37, -1.0, 2.0, 0.5]
    locs = np.array([[x, y] for x in xs for y in ys]).reshape(1, -1, 1, 1, 1, 2)
    weights = np.ones(locs.shape[:-1])
    value = np.asarray(value)
    np.testing.assert_allclose(core(value, shapes, locs, weights), per_point(value, shapes, locs, weights),
                               rtol=0, atol=1e-12)
    # one pixel or more outside reads exactly zero
    outside = np.array([[-0.5 / w - 1e-9, 0.5], [0.5, (h + 0.5) / h + 1e-9]]).reshape(1, 2, 1, 1, 1, 2)
    assert not core(value, shapes, outside, np.ones(outside.shape[:-1])).any()


def test_module_offsets_weights_and_padding():
    """The module's sampling locations (2-d points: offset / (W, H); boxes: offset / P * wh / 2), softmax over
    levels x points, and the padding mask zeroing values, against the per-point sum."""
    torch.manual_seed(0)
    attn = MSDeformAttn(d_model=16, n_levels=2, n_heads=2, n_points=3).double()
    for p in attn.parameters():
        torch.nn.init.normal_(p, std=0.3)
    shapes = [(4, 6), (2, 3)]
    spatial = torch.as_tensor(shapes)
    src = torch.randn(1, 30, 16, dtype=torch.float64)
    query = torch.randn(1, 4, 16, dtype=torch.float64)
    mask = torch.zeros(1, 30, dtype=torch.bool)
    mask[0, 20:24] = True
    for ref in (torch.rand(1, 4, 2, 2, dtype=torch.float64), torch.rand(1, 4, 2, 4, dtype=torch.float64)):
        out = attn(query, ref, src, spatial, mask)
        value = attn.value_proj(src).masked_fill(mask[..., None], 0).view(1, 30, 2, 8)
        off = attn.sampling_offsets(query).view(1, 4, 2, 2, 3, 2)
        w = torch.softmax(attn.attention_weights(query).view(1, 4, 2, 6), -1).view(1, 4, 2, 2, 3)
        if ref.shape[-1] == 2:
            loc = ref[:, :, None, :, None] + off / torch.tensor([[6.0, 4.0], [3.0, 2.0]])[None, None, None, :, None]
        else:
            loc = ref[:, :, None, :, None, :2] + off / 3 * ref[:, :, None, :, None, 2:] * 0.5
        expect = attn.output_proj(torch.from_numpy(per_point(value.detach().numpy(), shapes,
                                                             loc.detach().numpy(), w.detach().numpy())))
        np.testing.assert_allclose(out.detach().numpy(), expect.detach().numpy(), rtol=0, atol=1e-10)
