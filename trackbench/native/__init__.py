"""Compiled kernels (C, built by setup.py): the inner loops that numpy cannot vectorize."""
