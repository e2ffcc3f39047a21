"""CocoVID: trackbench's one internal format (videos, images, annotations, categories), as MMTracking reads it."""

from trackbench.cocovid.schema import AnnotationRecord, Category, FrameRecord, Skip, VideoRecord

__all__ = ["AnnotationRecord", "Category", "FrameRecord", "Skip", "VideoRecord"]
