"""Runners: methods that produce tracking results over whole benchmarks.

``registry.METHODS`` lists the methods (configs in ``config`` / ``neural_config``); ``launcher/`` runs one over a
dataset on N ranks (``launcher.launch.launch``); ``trackers/`` holds the association-only trackers (numpy),
``models/`` the neural models (pure torch, one package per method, shared parts in ``models/common/``) and
``sot/`` the single-object protocols.
"""
