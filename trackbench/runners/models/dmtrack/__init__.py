"""DMTrack-GlobalSearch (Zhang et al., CVPR 2021): DLA-34 + FPN, a template-conditioned FCOS head, top-1 over the frame."""
