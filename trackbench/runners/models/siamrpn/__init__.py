"""SiamRPN++ (Li et al., CVPR 2019) as MMTracking configures it: model, anchors, head, checkpoint map, tracker."""
