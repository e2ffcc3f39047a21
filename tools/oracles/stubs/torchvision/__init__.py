"""Stand-in for torchvision in the mmdet33 oracle environment only: mmpretrain (DeepSORT's ReID backbone)
imports torchvision.ops.boxes for a visual-grounding metric the oracle never runs, and no torchvision loads
with the CPU torch here. Nothing the oracle computes comes from this package."""
