"""Metrics: pure functions over per-frame ids and similarities, each with an explicit rule for combining."""
