"""Shared model parts in pure torch: ResNet, FPN, RPN, RoI head, Faster R-CNN, anchors, box coder, detection
ops, test-time preprocessing and strict checkpoint loading."""
