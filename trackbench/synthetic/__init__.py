"""Deterministic generated data: MOT-style benchmarks and tracker outputs made by seeded perturbation."""
