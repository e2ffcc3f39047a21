"""The deformable transformer of MeMOTR (DAB-Deformable-DETR): a 6-layer deformable encoder over the four
flattened levels and a 6-layer decoder whose queries carry anchor boxes (cx, cy, w, h). Track queries ride
along with the detection queries; the first ``merge_det_track_layer`` decoder layers see the detection queries
only (the track queries pass through unchanged, their anchors kept), the later ones see all.

Parameter names follow the authors' modules (``encoder.layers.i.self_attn``, ``decoder.layers.i.cross_attn``,
``norm1..3``, ``linear1/2``, ``decoder.query_scale``, ``decoder.ref_point_head``), so their checkpoints load
through an identity map here.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from trackbench.runners.models.memotr.deform_attn import MSDeformAttn


def inverse_sigmoid(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """log(x / (1 - x)) with x clamped to [0, 1] and both terms to at least ``eps`` (the reference's form)."""
    x = x.clamp(min=0, max=1)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


def pos_to_pos_embed(pos: torch.Tensor, num_pos_feats: int = 128, temperature: int = 10000) -> torch.Tensor:
    """(..., K) coordinates in [0, 1] → (..., K * num_pos_feats) sines/cosines, coordinate-major."""
    pos = pos * (2 * math.pi)
    dim_i = torch.arange(num_pos_feats, dtype=torch.float32, device=pos.device)
    dim_i = temperature ** (2 * torch.div(dim_i, 2, rounding_mode="trunc") / num_pos_feats)
    embed = pos[..., None] / dim_i
    embed = torch.stack((embed[..., 0::2].sin(), embed[..., 1::2].cos()), dim=-1)
    return torch.flatten(embed, start_dim=-3)


class MLP(nn.Module):
    """``num_layers`` linear layers with ReLU between them (``layers.i``)."""

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int, num_layers: int) -> None:
        super().__init__()
        dims = [input_dim] + [hidden_dim] * (num_layers - 1)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:] + [output_dim]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = torch.relu(layer(x)) if i < len(self.layers) - 1 else layer(x)
        return x


class EncoderLayer(nn.Module):
    def __init__(self, d_model: int, d_ffn: int, n_levels: int, n_heads: int, n_points: int) -> None:
        super().__init__()
        self.self_attn = MSDeformAttn(d_model, n_levels, n_heads, n_points)
        self.norm1 = nn.LayerNorm(d_model)
        self.linear1 = nn.Linear(d_model, d_ffn)
        self.linear2 = nn.Linear(d_ffn, d_model)
        self.norm2 = nn.LayerNorm(d_model)

    def forward(self, src, pos, reference_points, spatial_shapes, padding_mask):
        src = self.norm1(src + self.self_attn(src + pos, reference_points, src, spatial_shapes, padding_mask))
        return self.norm2(src + self.linear2(torch.relu(self.linear1(src))))


class DecoderLayer(nn.Module):
    def __init__(self, d_model: int, d_ffn: int, n_levels: int, n_heads: int, n_points: int) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, n_heads, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.cross_attn = MSDeformAttn(d_model, n_levels, n_heads, n_points)
        self.norm1 = nn.LayerNorm(d_model)
        self.linear1 = nn.Linear(d_model, d_ffn)
        self.linear2 = nn.Linear(d_ffn, d_model)
        self.norm3 = nn.LayerNorm(d_model)

    def forward(self, tgt, query_pos, reference_points, memory, spatial_shapes, memory_mask, query_mask):
        q = k = tgt + query_pos
        tgt = self.norm2(tgt + self.self_attn(q, k, tgt, key_padding_mask=query_mask)[0])
        tgt = self.norm1(tgt + self.cross_attn(tgt + query_pos, reference_points, memory, spatial_shapes,
                                               memory_mask))
        return self.norm3(tgt + self.linear2(torch.relu(self.linear1(tgt))))


class Encoder(nn.Module):
    def __init__(self, n_layers: int, **layer) -> None:
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(**layer) for _ in range(n_layers))

    @staticmethod
    def reference_points(spatial_shapes: list[tuple[int, int]], valid_ratios: torch.Tensor) -> torch.Tensor:
        """Pixel centres of every level, normalised by the valid extent, then scaled to each level."""
        refs = []
        for level, (h, w) in enumerate(spatial_shapes):
            ref_y, ref_x = torch.meshgrid(
                torch.linspace(0.5, h - 0.5, h, dtype=torch.float32, device=valid_ratios.device),
                torch.linspace(0.5, w - 0.5, w, dtype=torch.float32, device=valid_ratios.device), indexing="ij")
            ref_y = ref_y.reshape(-1)[None] / (valid_ratios[:, None, level, 1] * h)
            ref_x = ref_x.reshape(-1)[None] / (valid_ratios[:, None, level, 0] * w)
            refs.append(torch.stack((ref_x, ref_y), -1))
        return torch.cat(refs, 1)[:, :, None] * valid_ratios[:, None]

    def forward(self, src, pos, spatial_shapes, shapes_list, valid_ratios, padding_mask):
        refs = self.reference_points(shapes_list, valid_ratios)
        for layer in self.layers:
            src = layer(src, pos, refs, spatial_shapes, padding_mask)
        return src


class Decoder(nn.Module):
    """DAB decoder with iterative box refinement (``bbox_embed`` is the model's, shared with the heads)."""

    def __init__(self, n_layers: int, d_model: int, merge_det_track_layer: int, **layer) -> None:
        super().__init__()
        self.layers = nn.ModuleList(DecoderLayer(d_model=d_model, **layer) for _ in range(n_layers))
        self.query_scale = MLP(d_model, d_model, d_model, 2)
        self.ref_point_head = MLP(2 * d_model, d_model, d_model, 2)
        self.merge_det_track_layer = merge_det_track_layer
        self.d_model = d_model

    def forward(self, tgt, anchors, memory, spatial_shapes, valid_ratios, memory_mask, query_mask, n_det,
                bbox_embed, n_refined: int | None = None):
        """Returns per layer: outputs (L, B, Nq, C), refined anchors (L, B, Nq, 4), layer inputs (L, B, Nq, C).

        The first ``merge_det_track_layer`` layers update the first ``n_det`` queries and refine the anchors of
        the first ``n_refined`` (default ``n_det``). HNCD-MOTR refines only its learned queries there: its
        proposal queries pass those layers but keep their anchors (its decoder counts ``n_det_queries``)."""
        n_refined = n_det if n_refined is None else n_refined
        output, reference = tgt, anchors
        outputs, references, inputs = [], [], []
        ratios = torch.cat([valid_ratios, valid_ratios], -1)[:, None]
        for lid, layer in enumerate(self.layers):
            ref_input = reference[:, :, None] * ratios
            raw_pos = self.ref_point_head(pos_to_pos_embed(ref_input[:, :, 0, :], self.d_model // 2))
            query_pos = raw_pos if lid == 0 else self.query_scale(output) * raw_pos
            inputs.append(output)
            if lid >= self.merge_det_track_layer:
                output = layer(output, query_pos, ref_input, memory, spatial_shapes, memory_mask, query_mask)
            else:  # detection queries only; the track queries pass through
                det = layer(output[:, :n_det], query_pos[:, :n_det], ref_input[:, :n_det], memory,
                            spatial_shapes, memory_mask, query_mask[:, :n_det])
                output = torch.cat((det, output[:, n_det:]), dim=1)
            refined = (bbox_embed[lid](output) + inverse_sigmoid(reference)).sigmoid()
            if lid < self.merge_det_track_layer:
                reference = torch.cat((refined[:, :n_refined], reference[:, n_refined:]), dim=1)
            else:
                reference = refined
            outputs.append(output)
            references.append(reference)
        return torch.stack(outputs), torch.stack(references), torch.stack(inputs)


class DeformableTransformer(nn.Module):
    def __init__(self, d_model: int = 256, d_ffn: int = 2048, n_levels: int = 4, n_heads: int = 8,
                 enc_points: int = 4, dec_points: int = 4, enc_layers: int = 6, dec_layers: int = 6,
                 merge_det_track_layer: int = 1) -> None:
        super().__init__()
        self.encoder = Encoder(enc_layers, d_model=d_model, d_ffn=d_ffn, n_levels=n_levels, n_heads=n_heads,
                               n_points=enc_points)
        self.decoder = Decoder(dec_layers, d_model, merge_det_track_layer, d_ffn=d_ffn, n_levels=n_levels,
                               n_heads=n_heads, n_points=dec_points)
        self.level_embed = nn.Parameter(torch.zeros(n_levels, d_model))

    @staticmethod
    def valid_ratio(mask: torch.Tensor) -> torch.Tensor:
        _, h, w = mask.shape
        valid_h = torch.sum(~mask[:, :, 0], 1)
        valid_w = torch.sum(~mask[:, 0, :], 1)
        return torch.stack([valid_w.float() / w, valid_h.float() / h], -1)

    def flatten(self, srcs, masks, pos_embeds):
        """Levels → (B, S, C) sources, (B, S) masks, (B, S, C) position + level embeddings, shapes, ratios."""
        shapes = [tuple(s.shape[-2:]) for s in srcs]
        src = torch.cat([s.flatten(2).transpose(1, 2) for s in srcs], 1)
        mask = torch.cat([m.flatten(1) for m in masks], 1)
        pos = torch.cat([p.flatten(2).transpose(1, 2) + self.level_embed[lvl].view(1, 1, -1)
                         for lvl, p in enumerate(pos_embeds)], 1)
        spatial_shapes = torch.as_tensor(shapes, dtype=torch.long, device=src.device)
        valid_ratios = torch.stack([self.valid_ratio(m) for m in masks], 1)
        return src, mask, pos, spatial_shapes, shapes, valid_ratios

    def encode(self, srcs, masks, pos_embeds):
        src, mask, pos, spatial_shapes, shapes, valid_ratios = self.flatten(srcs, masks, pos_embeds)
        memory = self.encoder(src, pos, spatial_shapes, shapes, valid_ratios, mask)
        return memory, mask, spatial_shapes, valid_ratios
