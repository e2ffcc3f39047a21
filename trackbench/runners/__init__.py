"""Runners: methods that produce tracking results over whole benchmarks.

``registry.METHODS`` lists the methods; ``launch.launch`` runs one over a dataset on N torch.distributed ranks;
``trackers/`` holds the association-only trackers (numpy) that replay detections from ``detections.py``.
"""
