"""Uncertainty of benchmark scores: per-sequence (cluster) bootstrap intervals, paired comparisons of two trackers
and the Wilcoxon signed-rank test, as plain functions over per-sequence sufficient statistics."""
