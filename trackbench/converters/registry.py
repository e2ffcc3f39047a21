"""Registry of converter families: name -> (module, attribute of its ConverterSpec). Imported lazily so one
family's optional needs never slow down or break another."""

from __future__ import annotations

import importlib

from trackbench.converters.base import ConverterSpec
from trackbench.errors import unknown_name

CONVERTERS: dict[str, tuple[str, str]] = {
    # part 1: multi-object, detection and segmentation families
    "mot15": ("trackbench.converters.mot.motchallenge", "MOT15"),
    "mot16": ("trackbench.converters.mot.motchallenge", "MOT16"),
    "mot17": ("trackbench.converters.mot.motchallenge", "MOT17"),
    "mot20": ("trackbench.converters.mot.motchallenge", "MOT20"),
    "crowdhuman": ("trackbench.converters.mot.crowdhuman", "CROWDHUMAN"),
    "imagenet-vid": ("trackbench.converters.ilsvrc", "IMAGENET_VID"),
    "imagenet-det": ("trackbench.converters.ilsvrc", "IMAGENET_DET"),
    "youtube-vis-2019": ("trackbench.converters.youtube_vis", "YOUTUBE_VIS_2019"),
    "youtube-vis-2021": ("trackbench.converters.youtube_vis", "YOUTUBE_VIS_2021"),
    "tao": ("trackbench.converters.mot.tao", "TAO"),
    "dancetrack": ("trackbench.converters.mot.dancetrack", "DANCETRACK"),
    "sportsmot": ("trackbench.converters.mot.sportsmot", "SPORTSMOT"),
    "kitti": ("trackbench.converters.mot.kitti", "KITTI"),
    "bdd100k": ("trackbench.converters.mot.bdd100k", "BDD100K"),
    # part 2: single-object families
    "lasot": ("trackbench.converters.sot.lasot", "LASOT"),
    "uav123": ("trackbench.converters.sot.uav123", "UAV123"),
    "uav20l": ("trackbench.converters.sot.uav123", "UAV20L"),
    "trackingnet": ("trackbench.converters.sot.trackingnet", "TRACKINGNET"),
    "otb100": ("trackbench.converters.sot.otb", "OTB100"),
    "got10k": ("trackbench.converters.sot.got10k", "GOT10K"),
    "vot": ("trackbench.converters.sot.vot", "VOT"),
}


def get_converter(name: str) -> ConverterSpec:
    """The spec of family ``name``; an unknown name lists every valid one."""
    key = name.lower()
    if key not in CONVERTERS:
        raise unknown_name("converter", name, CONVERTERS)
    module_name, attribute = CONVERTERS[key]
    return getattr(importlib.import_module(module_name), attribute)


def available_converters() -> dict[str, ConverterSpec]:
    """Every family whose module imports; used by ``trackbench convert --list``."""
    found = {}
    for name in CONVERTERS:
        try:
            found[name] = get_converter(name)
        except (ImportError, AttributeError):
            continue
    return found
