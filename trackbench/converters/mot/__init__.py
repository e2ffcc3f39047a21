"""Converters of multi-object tracking datasets (MOTChallenge layouts, CrowdHuman, TAO)."""
