"""Compiled kernels (C, built by setup.py at install): the inner loops that numpy cannot vectorize, each replaying
the official tool's arithmetic. ``mot_match``: pair search and per-frame assignment of the MOT metrics;
``textparse``: the exact number parser for result files; ``sot_ope``: the OPE/LaSOT scoring rules;
``sort_step``, ``bytetrack_step``, ``ocsort_step``: the association trackers' frame steps; ``nms``, ``roi_align``:
the detectors' CPU non-maximum suppression and RoIAlign. The headers (``lsa.h``, ``box_iou.h``, ``buffer_args.h``,
``kalman_blocks.h``, ``sort_common.h``) are shared by inclusion."""

from __future__ import annotations

import importlib

KERNELS = ("mot_match", "textparse", "sot_ope", "sort_step", "bytetrack_step", "ocsort_step", "nms", "roi_align")


def __getattr__(name: str):
    """Import a kernel on first use, with an error that says how to build it when it is missing."""
    if name in KERNELS:
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ImportError as exc:
            raise ImportError(f"trackbench's compiled kernel {name!r} is not built; reinstall from the source folder "
                              f"with `pip install -e .` (needs a C compiler)") from exc
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
