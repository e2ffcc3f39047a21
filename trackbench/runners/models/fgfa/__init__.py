"""FGFA (Zhu et al., "Flow-Guided Feature Aggregation for Video Object Detection", ICCV 2017) as MMTracking
0.14's ``FGFA``."""
