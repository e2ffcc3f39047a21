"""Multi-scale deformable attention (Zhu et al., Deformable DETR, ICLR 2021) in pure torch.

The CUDA kernel of the reference samples each level's value map at ``loc * (W, H) - 0.5`` (pixel centres at
integers) bilinearly, reading zero outside the map, and sums the samples weighted by the softmaxed attention
weights. ``grid_sample`` with ``align_corners=False`` and ``padding_mode="zeros"`` at grid ``2 * loc - 1`` computes
exactly that per level (a corner outside the map contributes zero, a point further than one pixel outside reads
zero), so one call per level replaces the compiled kernel on every device.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def ms_deform_attn_core(value: torch.Tensor, spatial_shapes: list[tuple[int, int]], locations: torch.Tensor,
                        weights: torch.Tensor) -> torch.Tensor:
    """``value`` (N, S, M, D) over the flattened levels, ``locations`` (N, Lq, M, L, P, 2) in [0, 1] (x, y),
    ``weights`` (N, Lq, M, L, P) → (N, Lq, M * D)."""
    n, _, m, d = value.shape
    _, lq, _, levels, points, _ = locations.shape
    per_level = value.split([h * w for h, w in spatial_shapes], dim=1)
    grids = 2 * locations - 1
    samples = []
    for level, (h, w) in enumerate(spatial_shapes):
        # (N, H*W, M, D) -> (N*M, D, H, W); grid (N, Lq, M, P, 2) -> (N*M, Lq, P, 2)
        value_l = per_level[level].flatten(2).transpose(1, 2).reshape(n * m, d, h, w)
        grid_l = grids[:, :, :, level].transpose(1, 2).flatten(0, 1)
        samples.append(F.grid_sample(value_l, grid_l, mode="bilinear", padding_mode="zeros", align_corners=False))
    weights = weights.transpose(1, 2).reshape(n * m, 1, lq, levels * points)
    out = (torch.stack(samples, dim=-2).flatten(-2) * weights).sum(-1).view(n, m * d, lq)
    return out.transpose(1, 2).contiguous()


class MSDeformAttn(nn.Module):
    """The attention module with the reference's parameter names (``sampling_offsets``, ``attention_weights``,
    ``value_proj``, ``output_proj``); reference points are (x, y) or boxes (cx, cy, w, h) per level."""

    def __init__(self, d_model: int = 256, n_levels: int = 4, n_heads: int = 8, n_points: int = 4) -> None:
        super().__init__()
        self.d_model, self.n_levels, self.n_heads, self.n_points = d_model, n_levels, n_heads, n_points
        self.sampling_offsets = nn.Linear(d_model, n_heads * n_levels * n_points * 2)
        self.attention_weights = nn.Linear(d_model, n_heads * n_levels * n_points)
        self.value_proj = nn.Linear(d_model, d_model)
        self.output_proj = nn.Linear(d_model, d_model)

    def locations_and_weights(self, query: torch.Tensor, reference_points: torch.Tensor,
                              spatial_shapes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Sampling locations (N, Lq, M, L, P, 2) and softmaxed weights (N, Lq, M, L, P) for ``query``."""
        n, lq, _ = query.shape
        m, levels, points = self.n_heads, self.n_levels, self.n_points
        offsets = self.sampling_offsets(query).view(n, lq, m, levels, points, 2)
        weights = self.attention_weights(query).view(n, lq, m, levels * points)
        weights = F.softmax(weights, -1).view(n, lq, m, levels, points)
        if reference_points.shape[-1] == 2:
            normalizer = spatial_shapes[None, None, None, :, None, (1, 0)]
            locations = reference_points[:, :, None, :, None, :] + offsets / normalizer
        elif reference_points.shape[-1] == 4:
            locations = (reference_points[:, :, None, :, None, :2]
                         + offsets / points * reference_points[:, :, None, :, None, 2:] * 0.5)
        else:
            raise ValueError(f"reference points end in 2 or 4 values, not {reference_points.shape[-1]}")
        return locations, weights

    def forward(self, query: torch.Tensor, reference_points: torch.Tensor, input_flatten: torch.Tensor,
                spatial_shapes: torch.Tensor, padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        n, s, _ = input_flatten.shape
        value = self.value_proj(input_flatten)
        if padding_mask is not None:
            value = value.masked_fill(padding_mask[..., None], 0.0)
        value = value.view(n, s, self.n_heads, self.d_model // self.n_heads)
        locations, weights = self.locations_and_weights(query, reference_points, spatial_shapes)
        shapes = [(int(h), int(w)) for h, w in spatial_shapes.tolist()]
        return self.output_proj(ms_deform_attn_core(value, shapes, locations, weights))
