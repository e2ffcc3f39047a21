"""COCO-style AP for video tasks: ImageNet VID box AP (+ FGFA motion speeds) and YouTube-VIS video AP."""
