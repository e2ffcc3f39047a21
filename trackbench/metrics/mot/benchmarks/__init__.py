"""Benchmark rules applied before the MOT metrics: which gt is kept, which predictions are removed, which
classes are scored (MOTChallenge, plain CocoVID)."""
