"""Single-object tracking (SOT): the tracker interface, reference trackers, frame reading and the
evaluation protocols (one-pass evaluation and VOT's supervised re-initialization protocol)."""
