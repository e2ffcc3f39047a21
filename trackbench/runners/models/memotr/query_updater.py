"""MeMOTR's query updater (inference path): each active track whose score passes ``update_thresh`` gets a new
anchor (its box), a new query from its current and last output embeddings (confidence-weighted short memory)
attending over its long-term memory, and an EMA step of that memory (rate ``long_memory_lambda``); tracks at
or below the threshold keep query, anchor, memory and last output unchanged.
"""

from __future__ import annotations

import torch
from torch import nn

from trackbench.runners.models.memotr.transformer import MLP, inverse_sigmoid, pos_to_pos_embed


class FFN(nn.Module):
    def __init__(self, d_model: int, d_ffn: int) -> None:
        super().__init__()
        self.linear1 = nn.Linear(d_model, d_ffn)
        self.linear2 = nn.Linear(d_ffn, d_model)
        self.norm = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x + self.linear2(torch.relu(self.linear1(x))))


class ConfidenceWeight(nn.Module):
    """``confidence_weight_net``: a 2-layer MLP then a sigmoid (index 0 and 1 as in the authors' Sequential)."""

    def __init__(self, hidden_dim: int) -> None:
        super().__init__()
        self.add_module("0", MLP(hidden_dim, hidden_dim, hidden_dim, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return getattr(self, "0")(x).sigmoid()


class QueryUpdater(nn.Module):
    def __init__(self, hidden_dim: int = 256, ffn_dim: int = 2048, update_thresh: float = 0.5,
                 long_memory_lambda: float = 0.01) -> None:
        super().__init__()
        self.hidden_dim = hidden_dim
        self.update_thresh = update_thresh
        self.long_memory_lambda = long_memory_lambda
        self.confidence_weight_net = ConfidenceWeight(hidden_dim)
        self.short_memory_fusion = MLP(2 * hidden_dim, 2 * hidden_dim, hidden_dim, 2)
        self.memory_attn = nn.MultiheadAttention(hidden_dim, 8, batch_first=True)
        self.memory_norm = nn.LayerNorm(hidden_dim)
        self.memory_ffn = FFN(hidden_dim, ffn_dim)
        self.query_feat_norm = nn.LayerNorm(hidden_dim)
        self.query_feat_ffn = FFN(hidden_dim, ffn_dim)
        self.query_pos_head = MLP(2 * hidden_dim, hidden_dim, hidden_dim, 2)

    def forward(self, tracks) -> None:
        """Update ``tracks`` (a :class:`~trackbench.runners.models.memotr.tracker.Tracks`) in place."""
        if len(tracks) == 0:
            return
        is_pos = tracks.scores.max(dim=1).values > self.update_thresh
        tracks.anchors[is_pos] = inverse_sigmoid(tracks.boxes[is_pos].clone())
        query_pos = self.query_pos_head(pos_to_pos_embed(tracks.anchors.sigmoid(), self.hidden_dim // 2))
        output = tracks.output_embed
        long_memory = tracks.long_memory
        short_memory = self.short_memory_fusion(
            torch.cat((self.confidence_weight_net(output) * output, tracks.last_output), dim=-1))
        q = short_memory + query_pos
        k = long_memory + query_pos
        tgt = output + self.memory_attn(q[None], k[None], output[None])[0][0]
        tgt = self.memory_ffn(self.memory_norm(tgt))
        query_feat = self.query_feat_ffn(self.query_feat_norm(long_memory + tgt))
        ema = (1 - self.long_memory_lambda) * long_memory + self.long_memory_lambda * output
        keep = ~is_pos.reshape(-1, 1)
        pos = is_pos.reshape(-1, 1)
        tracks.long_memory = long_memory * keep + ema * pos
        tracks.last_output = tracks.last_output * keep + output * pos
        tracks.queries[is_pos] = query_feat[is_pos]
