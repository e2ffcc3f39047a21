"""QDTrack (Pang et al., CVPR 2021): the quasi-dense embedding head on the shared Faster R-CNN."""
