"""DMTrack-GlobalSearch's settings, torch-free, as the authors' repository fixes them.

Sources (github.com/hqucv/dmtrack at d27b5605): ``configs/dmtrackGS_dla34_fpn.py`` (model, ``test_cfg``,
``data.test.scale``), ``tools/test_dmtrack.py`` (``BasicPairTransforms(scale=cfg.data.test['scale'],
train=False)``), ``trackers/dmtrack.py`` (top-1 detection of the second class per frame), and the
``BasicPairTransforms`` defaults of the ``neuron`` library the repository builds on (GlobalTrack's): RGB frames,
OpenCV bilinear keep-ratio rescale, ImageNet mean/std, zero padding to a multiple of 32.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DMTrackConfig:
    # preprocessing (neuron BasicPairTransforms, train=False)
    scale: tuple[int, int] = (736, 512)  # (long, short) bounds of the keep-ratio rescale
    mean: tuple[float, float, float] = (123.675, 116.28, 103.53)  # RGB
    std: tuple[float, float, float] = (58.395, 57.12, 57.375)
    pad_divisor: int = 32
    # model (model.* of the config)
    fpn_in_channels: tuple[int, int, int] = (128, 256, 512)  # DLA-34 DLAUp outputs at strides 8 / 16 / 32
    channels: int = 256  # FPN, template, head and generated-filter width
    mid_channels: int = 32  # modulator width (model.mid_channel = bbox_head.out_in_channels)
    num_classes: int = 2  # cls_out_channels; the tracker reads class index 1
    stacked_convs: int = 4
    gn_groups: int = 32
    strides: tuple[int, int, int] = (8, 16, 32)
    roi_size: int = 7  # template RoIAlign output (aligned, sample_num 2, finest_scale 56)
    roi_sampling: int = 2
    finest_scale: float = 56.0
    # test_cfg
    nms_pre: int = 1000
    score_thr: float = 0.0
    nms_iou: float = 0.5
    max_per_img: int = 100
    track_class: int = 1  # _process_gallary returns bbox_results[0][1]


DMTRACK_GS = DMTrackConfig()
