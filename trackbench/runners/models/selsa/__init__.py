"""SELSA (Wu et al., "Sequence Level Semantics Aggregation for Video Object Detection", ICCV 2019) as MMTracking
0.14's ``SELSA``."""
