"""MaskTrack R-CNN (Yang et al., "Video Instance Segmentation", ICCV 2019) as MMTracking 0.14 runs it: Mask R-CNN
detects and segments each frame, a track head embeds each detection's RoI features, and the tracker matches them
to the last 20 frames' tracks by embedding similarity, detection score, IoU and class (``model``: track head and
checkpoint, ``tracker``: the matching, ``results``: the YouTube-VIS results JSON)."""
