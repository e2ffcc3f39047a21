"""Pure-PyTorch models that load MMTracking's published checkpoints unchanged: ResNet-50 (``resnet``), Faster
R-CNN R50-FPN (``faster_rcnn`` with ``fpn``, ``rpn``, ``roi_head``, ``anchors``, ``bbox_coder``), QDTrack's
embedding head (``qdtrack_head``), DeepSORT's ReID (``reid``), SiamRPN++ (``siamrpn*``); ``ops`` (NMS,
RoIAlign), ``preprocess`` (test-time resize/normalise/pad) and ``checkpoint`` (key maps, strict loading)."""
