"""Temporal RoI Align (Gong et al., "Temporal ROI Align for Video Object Recognition", AAAI 2021) on SELSA, as
MMTracking 0.14's ``TemporalRoIAlign`` extractor in a ``SELSA`` model."""
