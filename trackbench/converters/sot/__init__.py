"""Converters of single-object tracking datasets (OTB, UAV123, LaSOT, GOT-10k, TrackingNet, VOT)."""
