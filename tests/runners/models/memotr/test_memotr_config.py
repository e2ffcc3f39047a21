"""The runner's defaults are the values recorded from the authors' configs in baselines/memotr.toml / hncd.toml."""

from __future__ import annotations

from pathlib import Path

from trackbench.baselines import load_baseline
from trackbench.runners.models.memotr.config import MemotrModelConfig, MemotrTrackerConfig

BASELINES = Path(__file__).resolve().parents[4] / "baselines"


def test_defaults_equal_the_recorded_settings():
    tracker, model = MemotrTrackerConfig(), MemotrModelConfig()
    for name, queries in (("memotr", 300), ("hncd", 10)):
        h = load_baseline(BASELINES / f"{name}.toml").hyperparameters
        for key in ("det_score_thresh", "track_score_thresh", "result_score_thresh", "miss_tolerance", "min_area",
                    "short_side", "long_side"):
            assert getattr(tracker, key) == h[key], (name, key)
        assert (model.update_thresh, model.long_memory_lambda) == (h["update_thresh"], h["long_memory_lambda"])
        assert model.merge_det_track_layer == h["merge_det_track_layer"] and h["num_det_queries"] == queries
    h = load_baseline(BASELINES / "memotr.toml").hyperparameters
    assert (model.hidden_dim, model.ffn_dim, model.n_levels, model.n_heads, model.enc_points, model.dec_points,
            model.enc_layers, model.dec_layers, model.num_det_queries) == (
        h["hidden_dim"], h["ffn_dim"], h["num_feature_levels"], h["num_heads"], h["num_enc_points"],
        h["num_dec_points"], h["num_enc_layers"], h["num_dec_layers"], h["num_det_queries"])
