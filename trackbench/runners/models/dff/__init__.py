"""DFF (Zhu et al., "Deep Feature Flow for Video Recognition", CVPR 2017) as MMTracking 0.14's ``DFF``."""
