"""Fixtures for DMTrack made by the authors' own modules (tests/golden/official/dmtrack/), never run in CI.

Two steps, two environments:

  1. weights (trackbench's venv): the deterministic seeded checkpoint in the authors' layout
       python tools/oracles/dmtrack_fixtures.py weights /tmp/dmtrack_seeded.pth
  2. oracle (the oracle venv of tools/oracles/build_env.sh dmtrack: torch 2.13 CPU, mmcv 2.2.0 ops, mmengine)
       ~/oracle-envs/dmtrack/bin/python tools/oracles/dmtrack_fixtures.py oracle /tmp/dmtrack_seeded.pth \
           --dmtrack-git /work/.mirror/hqucv+dmtrack/repo --neuron-git /work/.mirror/huanglianghua+GlobalTrack/repo

Step 2 exports, at the recorded commits, the authors' model modules (modules/*.py of hqucv/dmtrack and the files of
its mmdetection fork listed in FORK_FILES) and neuron's test transforms (GlobalTrack's copy of the library: DMTrack's
own neuron submodule is not published), imports them under their own package names with the shims of SHIMS for
what cannot run here (compiled CUDA/C++ ops of the fork, the training-only parts), loads the checkpoint into the
authors' ``DMTrack`` and runs the authors' ``trackers/dmtrack.py`` steps (init: ``_process_query``; update:
``_process_gallary`` then the top-1) on real frames, recording every stage. Nothing fetched is copied into the repo.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
from fixture_provenance import update_provenance

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DMTRACK_COMMIT = "d27b56055392a496ce53d85f78178f754a6ea20b"
NEURON_COMMIT = "0c9bd96"  # huanglianghua/GlobalTrack, resolved to the full hash in the provenance
FORK = "_submodules/mmdetection/mmdet/"
FORK_FILES = ("models/backbones/dla.py", "models/necks/fpn.py", "models/dense_heads/rt_cond_fcos_head.py",
              "models/roi_heads/roi_extractors/single_level.py", "core/bbox/transforms.py",
              "core/post_processing/bbox_nms.py", "ops/nms/nms_wrapper.py", "core/utils/misc.py",
              "core/fp16/decorators.py", "core/fp16/utils.py")
DMTRACK_FILES = ("modules/__init__.py", "modules/cond_conv.py", "modules/cond_modulator.py",
                 "modules/cond_premodulator.py", "modules/dmtrack.py", "modules/template.py",
                 "configs/dmtrackGS_dla34_fpn.py", "trackers/dmtrack.py")
NEURON_FILES = ("_submodules/neuron/neuron/ops/transforms.py",
                "_submodules/neuron/neuron/data/transforms/pair_transforms/mmdet_transforms.py")
SHIMS = {
    "mmdet.ops.ModulatedDeformConvPack": "mmcv 2.2.0's ModulatedDeformConv2dPack (CPU kernel; the same conv_offset "
                                         "split, sigmoid mask and parameter names); deformable_groups -> deform_groups",
    "mmdet.ops.RoIAlign": "mmcv 2.2.0's RoIAlign(aligned=True, pool_mode='avg') for the fork's roi_align_ext.forward_v2 "
                          "(the detectron2 aligned formula); keeps the fork's .out_size attribute",
    "mmdet.ops.nms.nms_ext": "nms(dets, iou_thr) -> mmcv 2.2.0's CPU nms (offset 0, IoU > thr suppresses), under the "
                             "fork's own nms_wrapper.batched_nms",
    "mmdet.models.builder": "plain dict registries; build_* instantiate by 'type'; build_loss returns None (losses are "
                            "training-only)",
    "mmdet.models.detectors.single_stage.SingleStageDetector": "builds backbone/neck/head from the config as the fork "
                            "does (bbox_head gets train_cfg/test_cfg) and the fork's extract_feat (backbone, then neck); "
                            "no init_weights (the checkpoint is loaded after)",
    "DLA(pretrained=False)": "the config's default pretrained=True downloads ImageNet weights (and adds base.fc); the "
                             "checkpoint replaces them, so its backbone.base.fc.* keys are the only unexpected keys",
    "mmcv.cnn.{normal_init,xavier_init,bias_init_with_prob}": "mmengine.model's functions (moved there in mmcv 2)",
    "mmdet.core.{get_classes,tensor2imgs,build_assigner,build_sampler}": "not used at inference: raise if called",
    "tools.visdom_server.Visdom": "not used (use_visdom=False)",
    "neuron.config.registry": "register_module returns the class unchanged",
    "neuron.ops": "GlobalTrack's neuron/ops/transforms.py only (the functions BasicPairTransforms calls)",
}
SEQUENCES = {
    "otb_basketball": ("otb/OTB100/Basketball/img", "{:04d}.jpg", "otb/OTB100/Basketball/groundtruth_rect.txt"),
    "vot_bag": ("vot/VOT2018_subset/bag", "{:08d}.jpg", "vot/VOT2018_subset/bag/groundtruth.txt"),
}
SCALE = (320, 240)
SEARCH_FRAMES = 3
SAMPLE = 4096


def init_box_xywh(gt_file: Path) -> np.ndarray:
    """First ground-truth row: OTB x,y,w,h; VOT 8-number polygon -> its axis-aligned bounds (x, y, w, h)."""
    first = [float(v) for v in gt_file.read_text().splitlines()[0].replace("\t", ",").replace(" ", ",").split(",") if v]
    if len(first) == 4:
        return np.array(first)
    xs, ys = first[0::2], first[1::2]
    return np.array([min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)])


def sample_indices(size: int) -> np.ndarray:
    """Evenly spaced flat indices of a tensor (all of it when small); tests/.../test_official_golden.py uses the same."""
    return np.unique(np.linspace(0, size - 1, min(size, SAMPLE)).astype(np.int64))


def record(store: dict, key: str, tensor) -> None:
    arr = np.asarray(tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else tensor, dtype=np.float64)
    idx = sample_indices(arr.size)
    store[f"{key}/shape"] = np.asarray(arr.shape, dtype=np.int64)
    store[f"{key}/sum"] = np.asarray([arr.sum(), np.abs(arr).sum()])
    store[f"{key}/sample"] = arr.reshape(-1)[idx].astype(np.float32)


# ----------------------------------------------------------------------------------------------- step 1
def make_weights(path: Path) -> None:
    sys.path.insert(0, str(REPO))
    from trackbench.runners.models.dmtrack.seeded import save_dmtrack_seeded_checkpoint

    save_dmtrack_seeded_checkpoint(path)
    print("wrote", path)


# ----------------------------------------------------------------------------------------------- step 2
def export(git_dir: str, commit: str, paths, dest: Path) -> str:
    full = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", commit], check=True, capture_output=True,
                          text=True).stdout.strip()
    for p in paths:
        text = subprocess.run(["git", "--git-dir", git_dir, "show", f"{full}:{p}"], check=True,
                              capture_output=True).stdout
        out = dest / p
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(text)
    return full


def package(name: str, path: Path | None = None) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__path__ = [str(path)] if path else []
    sys.modules[name] = mod
    return mod


def load(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    parent, _, leaf = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], leaf, mod)
    return mod


def install_shims(src: Path) -> dict:
    import mmcv.cnn
    import mmcv.ops
    import mmengine.model
    import torch
    from torch import nn
    from torch.nn.modules.utils import _pair

    for fn in ("normal_init", "xavier_init", "bias_init_with_prob"):
        setattr(mmcv.cnn, fn, getattr(mmengine.model, fn))

    fork = src / FORK
    for pkg in ("mmdet", "mmdet.ops", "mmdet.ops.nms", "mmdet.core", "mmdet.core.bbox", "mmdet.core.fp16",
                "mmdet.core.utils", "mmdet.core.post_processing", "mmdet.models", "mmdet.models.backbones",
                "mmdet.models.necks", "mmdet.models.dense_heads", "mmdet.models.roi_heads",
                "mmdet.models.roi_heads.roi_extractors", "mmdet.models.detectors", "tools", "neuron", "neuron.config"):
        package(pkg)

    class ModulatedDeformConvPack(mmcv.ops.ModulatedDeformConv2dPack):
        def __init__(self, *args, deformable_groups=1, **kwargs):
            super().__init__(*args, deform_groups=deformable_groups, **kwargs)

    class RoIAlign(nn.Module):
        def __init__(self, out_size, spatial_scale, sample_num=0, use_torchvision=False, aligned=True):
            super().__init__()
            self.out_size = _pair(out_size)
            self.op = mmcv.ops.RoIAlign(self.out_size, spatial_scale, sample_num, "avg", aligned)

        def forward(self, features, rois):
            return self.op(features, rois)

    ops = sys.modules["mmdet.ops"]
    ops.ModulatedDeformConvPack, ops.RoIAlign = ModulatedDeformConvPack, RoIAlign
    nms_ext = types.ModuleType("mmdet.ops.nms.nms_ext")
    nms_ext.nms = lambda dets, iou_thr: mmcv.ops.nms(dets[:, :4].contiguous(), dets[:, 4].contiguous(), iou_thr)[1]
    sys.modules["mmdet.ops.nms.nms_ext"] = nms_ext
    sys.modules["mmdet.ops.nms"].nms_ext = nms_ext
    wrapper = load("mmdet.ops.nms.nms_wrapper", fork / "ops/nms/nms_wrapper.py")
    sys.modules["mmdet.ops.nms"].batched_nms = wrapper.batched_nms

    core = sys.modules["mmdet.core"]
    fp16_utils = load("mmdet.core.fp16.utils", fork / "core/fp16/utils.py")
    decorators = load("mmdet.core.fp16.decorators", fork / "core/fp16/decorators.py")
    transforms = load("mmdet.core.bbox.transforms", fork / "core/bbox/transforms.py")
    misc = load("mmdet.core.utils.misc", fork / "core/utils/misc.py")
    bbox_nms = load("mmdet.core.post_processing.bbox_nms", fork / "core/post_processing/bbox_nms.py")
    del fp16_utils

    def unused(name):
        def fail(*a, **k):
            raise NotImplementedError(f"{name} is training-only")
        return fail

    for name in ("auto_fp16", "force_fp32"):
        setattr(core, name, getattr(decorators, name))
    for name in ("bbox2roi", "bbox2result", "distance2bbox"):
        setattr(core, name, getattr(transforms, name))
    core.multi_apply, core.multiclass_nms = misc.multi_apply, bbox_nms.multiclass_nms
    for name in ("get_classes", "tensor2imgs", "build_assigner", "build_sampler"):
        setattr(core, name, unused(name))

    registries: dict[str, dict] = {}

    class Registry(dict):
        def register_module(self, *a, **k):
            def deco(cls):
                self[cls.__name__] = cls
                return cls
            return deco

    builder = types.ModuleType("mmdet.models.builder")
    for reg in ("BACKBONES", "NECKS", "HEADS", "DETECTORS", "ROI_EXTRACTORS", "LOSSES"):
        registries[reg] = Registry()
        setattr(builder, reg, registries[reg])

    def build(reg):
        def make(cfg):
            cfg = dict(cfg)
            return registries[reg][cfg.pop("type")](**cfg)
        return make

    builder.build_backbone, builder.build_neck = build("BACKBONES"), build("NECKS")
    builder.build_head, builder.build_detector = build("HEADS"), build("DETECTORS")
    builder.build_loss = lambda cfg: None
    sys.modules["mmdet.models.builder"] = builder
    sys.modules["mmdet.models"].builder = builder

    class SingleStageDetector(nn.Module):
        def __init__(self, backbone, neck=None, bbox_head=None, train_cfg=None, test_cfg=None, pretrained=None):
            super().__init__()
            self.fp16_enabled = False
            self.backbone = builder.build_backbone(backbone)
            self.neck = builder.build_neck(neck)
            bbox_head.update(train_cfg=train_cfg)
            bbox_head.update(test_cfg=test_cfg)
            self.bbox_head = builder.build_head(bbox_head)
            self.train_cfg, self.test_cfg = train_cfg, test_cfg

        def extract_feat(self, img):
            return self.neck(self.backbone(img))

    single_stage = types.ModuleType("mmdet.models.detectors.single_stage")
    single_stage.SingleStageDetector = SingleStageDetector
    sys.modules["mmdet.models.detectors.single_stage"] = single_stage
    visdom = types.ModuleType("tools.visdom_server")
    visdom.Visdom = unused("Visdom")
    sys.modules["tools.visdom_server"] = visdom

    load("mmdet.models.backbones.dla", fork / "models/backbones/dla.py")
    load("mmdet.models.necks.fpn", fork / "models/necks/fpn.py")
    load("mmdet.models.dense_heads.rt_cond_fcos_head", fork / "models/dense_heads/rt_cond_fcos_head.py")
    single_level = load("mmdet.models.roi_heads.roi_extractors.single_level",
                        fork / "models/roi_heads/roi_extractors/single_level.py")
    sys.modules["mmdet.models.roi_heads.roi_extractors"].SingleRoIExtractor = single_level.SingleRoIExtractor
    sys.modules["mmdet"].ops = ops

    package("modules", src / "modules")
    spec = importlib.util.spec_from_file_location("modules", src / "modules/__init__.py",
                                                  submodule_search_locations=[str(src / "modules")])
    modules = importlib.util.module_from_spec(spec)
    sys.modules["modules"] = modules
    spec.loader.exec_module(modules)

    neuron_ops = load("neuron.ops", src / "_submodules/neuron/neuron/ops/transforms.py")
    registry = types.ModuleType("neuron.config.registry")
    registry.register_module = lambda cls: cls
    sys.modules["neuron.config.registry"] = registry
    sys.modules["neuron.config"].registry = registry
    sys.modules["neuron"].ops = neuron_ops
    mmdet_transforms = load("neuron_mmdet_transforms",
                            src / "_submodules/neuron/neuron/data/transforms/pair_transforms/mmdet_transforms.py")
    del torch
    return {"registries": registries, "transforms": mmdet_transforms}


def build_model(src: Path, registries: dict, checkpoint: Path):
    import torch
    from mmengine.config import Config, ConfigDict

    cfg = Config.fromfile(str(src / "configs/dmtrackGS_dla34_fpn.py"))
    model_cfg = dict(cfg.model)
    model_cfg["backbone"] = dict(model_cfg["backbone"], pretrained=False)  # shim: no ImageNet download
    kind = model_cfg.pop("type")
    model_cfg["visdom_cfg"] = ConfigDict(model_cfg["visdom_cfg"])
    model = registries["DETECTORS"][kind](**model_cfg, train_cfg=None, test_cfg=ConfigDict(cfg.test_cfg))
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or any(not k.startswith("backbone.base.fc.") for k in result.unexpected_keys):
        raise SystemExit(f"checkpoint does not fit the authors' model: {result}")
    model.eval()
    return model, cfg, sorted(result.unexpected_keys)


def run_sequence(model, transforms_mod, cfg, frames, box_xywh, store: dict, prefix: str):
    """trackers/dmtrack.py's init/update, with hooks on every stage."""
    import cv2
    import torch

    transforms = transforms_mod.BasicPairTransforms(scale=SCALE, train=False)
    captured: dict = {}
    hooks = [model.backbone.register_forward_hook(lambda m, i, o: captured.__setitem__("backbone", o)),
             model.neck.register_forward_hook(lambda m, i, o: captured.__setitem__("fpn", o)),
             model.bbox_head.register_forward_hook(lambda m, i, o: captured.__setitem__("head", o)),
             model.controller.register_forward_hook(lambda m, i, o: captured.setdefault("template", []).append(i[0]))]
    results = []
    with torch.no_grad():
        for f, path in enumerate(frames):
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)[:, :, ::-1]  # neuron reads RGB
            img = np.ascontiguousarray(img)
            if f == 0:
                x, y, w, h = box_xywh.astype(np.float32)
                ltrb = np.array([x, y, x + w - 1, y + h - 1], dtype=np.float32)  # neuron's anno conversion
                img_meta = {"ori_shape": img.shape}
                bboxes = np.expand_dims(ltrb, axis=0)
                tensor, img_meta, bboxes = transforms._process_query(img, img_meta, bboxes)
                model._process_query(tensor.unsqueeze(0).contiguous(), [bboxes])
                record(store, f"{prefix}/init/input", tensor)
                store[f"{prefix}/init/box"] = bboxes.numpy().astype(np.float64)
                for lvl, t in enumerate(captured["backbone"]):
                    record(store, f"{prefix}/init/backbone{lvl}", t)
                for lvl, t in enumerate(captured["fpn"]):
                    record(store, f"{prefix}/init/fpn{lvl}", t)
                for lvl, t in enumerate(captured["template"]):
                    record(store, f"{prefix}/init/template{lvl}", t)
                for lvl, params in enumerate(model.cond_conv_params):
                    for name, p in zip(("cls1", "cls2", "reg1", "reg2"), params):
                        record(store, f"{prefix}/init/filter{lvl}_{name}", p)
                continue
            img_meta = {"ori_shape": img.shape}
            tensor, img_meta, _ = transforms._process_gallary(img, img_meta, None)
            dets = model._process_gallary(tensor.unsqueeze(0).contiguous(), [img_meta], rescale=True)
            best = dets[:, -1].argmax()
            results.append(np.concatenate([dets[best, :5].astype(np.float64), [len(dets)]]))
            if f == 1:
                record(store, f"{prefix}/search/input", tensor)
                for lvl, t in enumerate(captured["backbone"]):
                    record(store, f"{prefix}/search/backbone{lvl}", t)
                for lvl, t in enumerate(captured["fpn"]):
                    record(store, f"{prefix}/search/fpn{lvl}", t)
                for name, outs in zip(("cls", "reg", "ctr"), captured["head"]):
                    for lvl, t in enumerate(outs):
                        record(store, f"{prefix}/search/head_{name}{lvl}", t)
    for h in hooks:
        h.remove()
    store[f"{prefix}/tracked"] = np.stack(results)  # per search frame: x1, y1, x2, y2, score, class-1 detections
    store[f"{prefix}/init_box_xywh"] = np.asarray(box_xywh, dtype=np.float64)


def run_oracle(args) -> None:
    import cv2
    import mmcv
    import torch

    torch.set_num_threads(1)
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp)
        dmtrack_full = export(args.dmtrack_git, DMTRACK_COMMIT, DMTRACK_FILES + tuple(FORK + f for f in FORK_FILES), src)
        neuron_full = export(args.neuron_git, NEURON_COMMIT, NEURON_FILES, src)
        loaded = install_shims(src)
        model, cfg, set_aside = build_model(src, loaded["registries"], Path(args.checkpoint))
        store: dict = {}
        frames_used = {}
        for name, (folder, pattern, gt) in SEQUENCES.items():
            frames = [Path(args.realdata) / folder / pattern.format(i) for i in range(1, SEARCH_FRAMES + 2)]
            box = init_box_xywh(Path(args.realdata) / gt)
            run_sequence(model, loaded["transforms"], cfg, frames, box, store, name)
            frames_used[name] = [str(Path(folder) / p.name) for p in frames]
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "fixtures.npz", **store)
    provenance = {
        "method": "dmtrack",
        "official": {"repository": "github.com/hqucv/dmtrack", "commit": dmtrack_full,
                     "files": list(DMTRACK_FILES) + [FORK + f for f in FORK_FILES],
                     "neuron": {"repository": "github.com/huanglianghua/GlobalTrack", "commit": neuron_full,
                                "files": list(NEURON_FILES)}},
        "environment": {"python": sys.version.split()[0], "torch": torch.__version__, "mmcv": mmcv.__version__,
                        "opencv": cv2.__version__},
        "shims": SHIMS,
        "checkpoint_keys_set_aside_by_the_authors_model": set_aside,
        "weights": "trackbench.runners.models.dmtrack.seeded (seed DMTRACK_SEED, recipe DMTRACK_RECIPE)",
        "scale": list(SCALE),
        "frames": frames_used,
        "command": "python tools/oracles/dmtrack_fixtures.py weights W.pth && "
                   "~/oracle-envs/dmtrack/bin/python tools/oracles/dmtrack_fixtures.py oracle W.pth",
        "stages": "per sequence: init/{input, box, backbone0-2, fpn0-2, template0-2, filter<level>_<cls1|cls2|reg1|reg2>}"
                  ", search/{input, backbone0-2, fpn0-2, head_<cls|reg|ctr><level>} of the first search frame, "
                  "tracked (x1, y1, x2, y2, score, class-1 detections) per search frame; each tensor as shape, "
                  "(sum, abs sum) and at most 4096 evenly spaced entries",
    }
    index = update_provenance({"dmtrack": provenance}, out.parent / "PROVENANCE.json")
    print("wrote", out, "and", index)


def run_speed(args) -> None:
    """frames/s of the authors' update (transforms, _process_gallary, top-1) at the test scale, as
    benchmarks/dmtrack_speed.py times ours: init on frame 1, ``--warmup`` untimed updates, re-init, timed updates."""
    import time

    import cv2
    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp)
        export(args.dmtrack_git, DMTRACK_COMMIT, DMTRACK_FILES + tuple(FORK + f for f in FORK_FILES), src)
        export(args.neuron_git, NEURON_COMMIT, NEURON_FILES, src)
        loaded = install_shims(src)
        model, _, _ = build_model(src, loaded["registries"], Path(args.checkpoint))
    transforms = loaded["transforms"].BasicPairTransforms(scale=tuple(args.scale), train=False)
    folder = Path(args.realdata) / "vot/VOT2018_subset/bag"
    frames = [np.ascontiguousarray(cv2.imread(str(p))[:, :, ::-1]) for p in sorted(folder.glob("*.jpg"))[: args.frames + 1]]
    box = np.array([[292.0, 128.0, 292.0 + 146.0 - 1, 128.0 + 132.0 - 1]], dtype=np.float32)

    def init():
        img, _, bboxes = transforms._process_query(frames[0], {"ori_shape": frames[0].shape}, box.copy())
        model._process_query(img.unsqueeze(0).contiguous(), [bboxes])

    def update(frame):
        img, meta, _ = transforms._process_gallary(frame, {"ori_shape": frame.shape}, None)
        dets = model._process_gallary(img.unsqueeze(0).contiguous(), [meta], rescale=True)
        return dets[dets[:, -1].argmax(), :4]

    with torch.no_grad():
        init()
        for frame in frames[1 : 1 + args.warmup]:
            update(frame)
        init()
        start = time.perf_counter()
        for frame in frames[1:]:
            update(frame)
        fps = (len(frames) - 1) / (time.perf_counter() - start)
    print(f"authors' DMTrack (mmcv {__import__('mmcv').__version__} CPU ops), scale {tuple(args.scale)}, "
          f"{len(frames) - 1} timed frames, {torch.get_num_threads()} CPU threads: {fps:.3f} frames/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    w = sub.add_parser("weights")
    w.add_argument("path")
    o = sub.add_parser("oracle")
    o.add_argument("checkpoint")
    o.add_argument("--dmtrack-git", default="/work/.mirror/hqucv+dmtrack/repo")
    o.add_argument("--neuron-git", default="/work/.mirror/huanglianghua+GlobalTrack/repo")
    o.add_argument("--realdata", default=str(REPO.parent / "shared" / "realdata"))
    o.add_argument("--out", default=str(REPO / "tests/golden/official/dmtrack"))
    sp = sub.add_parser("speed", help="time the authors' update on the VOT bag frames (oracle environment)")
    sp.add_argument("checkpoint")
    sp.add_argument("--dmtrack-git", default="/work/.mirror/hqucv+dmtrack/repo")
    sp.add_argument("--neuron-git", default="/work/.mirror/huanglianghua+GlobalTrack/repo")
    sp.add_argument("--realdata", default=str(REPO.parent / "shared" / "realdata"))
    sp.add_argument("--frames", type=int, default=3)
    sp.add_argument("--warmup", type=int, default=1)
    sp.add_argument("--threads", type=int, default=1)
    sp.add_argument("--scale", type=int, nargs=2, default=(736, 512))
    args = parser.parse_args()
    if args.step == "weights":
        make_weights(Path(args.path))
    elif args.step == "speed":
        run_speed(args)
    else:
        run_oracle(args)


if __name__ == "__main__":
    main()
