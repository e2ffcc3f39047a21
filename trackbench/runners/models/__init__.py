"""Pure-PyTorch models that load MMTracking's published checkpoints unchanged, one package per method:
``qdtrack/`` (QDTrack's embedding head), ``reid/`` (DeepSORT's ReID), ``siamrpn/`` (SiamRPN++: model, anchors,
head, checkpoint map, tracker), ``memotr/`` (MeMOTR and HNCD-MOTR, which load the authors' own checkpoints:
DAB-Deformable-DETR with pure-torch deformable attention, query updater, runtime tracker). ``common/`` holds what several methods share: ResNet-50, Faster R-CNN R50-FPN
(``faster_rcnn`` with ``fpn``, ``rpn``, ``roi_head``, ``anchors``, ``bbox_coder``), ``ops`` (NMS, RoIAlign),
``preprocess`` (test-time resize/normalise/pad) and ``checkpoint`` (key maps, strict loading). A new method
gets its own package here and reuses ``common/``."""
