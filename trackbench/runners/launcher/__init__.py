"""The run launcher: the videos of a dataset over N ranks (processes or torch.distributed), resumable, with
per-video atomic result files."""
