"""Per-stage fixtures of MeMOTR / HNCD-MOTR made by the authors' code, for tests/golden/official/memotr/.

Runs in the oracle environment of build_memotr_env.sh, never in CI:

    ~/oracle-envs/memotr/bin/python tools/oracles/memotr_fixtures.py --kind memotr \
        --src ~/oracle-envs/memotr/src/memotr --out tests/golden/official/memotr
    ~/oracle-envs/memotr/bin/python tools/oracles/memotr_fixtures.py --kind hncd \
        --src ~/oracle-envs/memotr/src/hncd --out tests/golden/official/memotr

What runs is the authors' ``submit_engine.Submitter.run`` (their frame loop, model, runtime tracker, query
updater, score/area filters and MOTChallenge writer) over the first frames of ``shared/realdata/demo/demo.mp4``
(decoded here, written as lossless PNG into a temporary ``img1/``), with deterministic weights in their layout
(memotr_weights.py) loaded by their strict ``load_state_dict``. torchvision 0.28.0 is imported with its fake-kernel registrations skipped (its compiled ops do not load with
this CPU torch; only resnet50, IntermediateLayerGetter and transforms.functional are used). Changes to their
code, all at run time:
  1. their PyTorch deformable-attention core (``ms_deform_attn_core_pytorch``) stands in for the compiled
     ``MultiScaleDeformableAttention`` module (the CUDA kernel; their CPU kernel is an error stub);
  2. ``torchvision.models.resnet50`` is called with ``weights=None`` (no download; every weight is replaced);
  3. ``log.logger`` (imports tensorboard; only their ``submit()`` uses it) is an empty module;
  4. HNCD-MOTR only: its ``data/__init__.py`` imports ``data/mot.py``, which that commit lacks, so ``data`` is
     made a bare package and ``data.seq_dataset`` imported directly; its module-level ``cv2.setLogLevel(0)``
     (log silencing, moved in OpenCV 5) is a no-op;
  5. the frame size of ``SeqDataset`` (800 / 1536) is set to SHORT / LONG to keep the fixtures small, its
     DataLoader runs in this process; MISS_TOLERANCE and TRACK_SCORE_THRESH (the Submitter's arguments) are
     set so that tracks miss and are dropped within the few frames.
Hooks record per frame: the backbone levels (a channel subset), the encoder memory, the decoder's last-layer
logits and boxes, and the memory state of every live track after the query update.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
import tempfile
import types
from pathlib import Path

import cv2
import numpy as np
import torch
from fixture_provenance import update_provenance

HERE = Path(__file__).resolve().parent
FRAMES, SHORT, LONG, SEED, MISS_TOLERANCE = 6, 96, 160, 0, 2
TRACK_SCORE_THRESH = 0.72  # above the config's 0.5 so that the seeded tracks miss, and some are dropped
CHANNEL_STEP = 32  # backbone channels kept in the fixture
MEMORY_STEP = 16  # encoder memory tokens kept
STATE_STEP = 8  # embedding dimensions kept for the track memory state
HNCD_ROOT = "/home/y23_zhanghaoyu/subject/datasets/"  # HNCD SeqDataset strips this prefix from det_db keys


def demo_frames(video: Path, n: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(video))
    frames = []
    while len(frames) < n:
        ok, frame = cap.read()
        if not ok:
            raise SystemExit(f"{video}: only {len(frames)} frames")
        frames.append(frame)
    return frames


def frames_digest(frames: list[np.ndarray]) -> str:
    h = hashlib.sha256()
    for f in frames:
        h.update(np.ascontiguousarray(f).tobytes())
    return h.hexdigest()


def import_torchvision() -> None:
    """torchvision 0.28's compiled ops do not load with the CPU torch 2.13 build, and its import then fails
    registering fake kernels for them: those registrations (for ops the oracle never calls) are skipped."""
    real = torch.library.register_fake
    torch.library.register_fake = lambda *args, **kwargs: (lambda fn: fn)
    try:
        import torchvision  # noqa: F401
    finally:
        torch.library.register_fake = real


def patch_authors_code() -> None:
    import_torchvision()
    stub = types.ModuleType("MultiScaleDeformableAttention")

    def forward(value, shapes, level_start, locations, weights, im2col_step):
        from models.ops.functions.ms_deform_attn_func import ms_deform_attn_core_pytorch
        return ms_deform_attn_core_pytorch(value, shapes, locations, weights)

    stub.ms_deform_attn_forward = forward
    sys.modules["MultiScaleDeformableAttention"] = stub
    logger = types.ModuleType("log.logger")
    logger.Logger = None
    sys.modules["log.logger"] = logger
    import torchvision
    import models.backbone as backbone
    backbone.resnet50 = lambda weights=None, norm_layer=None: torchvision.models.resnet50(weights=None,
                                                                                          norm_layer=norm_layer)


def load_weights_module():
    spec = importlib.util.spec_from_file_location("memotr_weights", HERE / "memotr_weights.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synthetic_proposals(n_frames: int, width: int, height: int) -> dict[str, list[str]]:
    """Detector boxes for HNCD-MOTR's det_db: a few seeded boxes per frame, drifting (left, top, w, h, score)."""
    rng = np.random.default_rng(SEED)
    base = rng.uniform([0, 0, 20, 40], [width * 0.7, height * 0.5, 80, 160], size=(5, 4))
    scores = rng.uniform(0.3, 0.95, size=5)
    out = {}
    for f in range(n_frames):
        rows = base + np.array([3.0 * f, 1.5 * f, 0, 0])
        out[f"{f:08d}"] = [f"{x:.2f},{y:.2f},{w:.2f},{h:.2f},{s:.4f}" for (x, y, w, h), s in
                           zip(rows[: 3 + f % 3], scores)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=("memotr", "hncd"), required=True)
    parser.add_argument("--src", type=Path, required=True, help="the authors' repository at the recorded commit")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--video", type=Path, default=HERE.parents[2] / "shared/realdata/demo/demo.mp4")
    parser.add_argument("--benchmark", type=int, default=0, metavar="N",
                        help="instead of fixtures: time Submitter.run over N frames at the real size (800 / 1536), "
                             "print {'frames', 'seconds', 'fps'} as JSON (benchmarks/memotr_speed.py)")
    args = parser.parse_args()
    if args.benchmark:
        global FRAMES, SHORT, LONG
        FRAMES, SHORT, LONG = args.benchmark, 800, 1536
    else:
        torch.set_num_threads(1)
    sys.path.insert(0, str(args.src.resolve()))
    patch_authors_code()
    if args.kind == "hncd":  # data/__init__.py imports data/mot.py, absent at that commit: skip the __init__
        package = types.ModuleType("data")
        package.__path__ = [str(args.src.resolve() / "data")]
        sys.modules["data"] = package
        if not hasattr(cv2, "setLogLevel"):  # its seq_dataset silences FFmpeg logs; OpenCV 5 moved the call
            cv2.setLogLevel = lambda level: None
    import yaml
    from models import build_model
    from structures.track_instances import TrackInstances
    import submit_engine

    config = yaml.safe_load((args.src / "configs/train_dancetrack.yaml").read_text())
    config.update(DEVICE="cpu", AVAILABLE_GPUS=None, USE_CHECKPOINT=False, VISUALIZE=False)
    model = build_model(config).eval()
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    model.load_state_dict(load_weights_module().seeded_state(shapes, SEED), strict=True)

    frames = demo_frames(args.video, FRAMES)
    height, width = frames[0].shape[:2]
    record: dict[str, list] = {k: [] for k in ("backbone", "memory", "logits", "boxes", "n_det", "ids",
                                               "ref_pts", "query_embed", "long_memory", "last_output",
                                               "disappear")}
    if args.benchmark:
        import time

        with tempfile.TemporaryDirectory() as tmp:
            seq = Path(tmp) / "split" / "demo"
            (seq / "img1").mkdir(parents=True)
            for k, frame in enumerate(frames):
                cv2.imwrite(str(seq / "img1" / f"{k + 1:08d}.png"), frame)
            submitter = submit_engine.Submitter(
                dataset_name="DanceTrack", split_dir=str(seq.parent), seq_name="demo",
                outputs_dir=str(Path(tmp) / "out"), model=model, det_score_thresh=0.5, track_score_thresh=0.5,
                result_score_thresh=0.5, miss_tolerance=30, use_dab=True)
            submitter.dataloader = torch.utils.data.DataLoader(submitter.dataset, batch_size=1, num_workers=0)
            start = time.perf_counter()
            with torch.no_grad():
                submitter.run()
            seconds = time.perf_counter() - start
        print(json.dumps({"frames": FRAMES, "seconds": seconds, "fps": FRAMES / seconds}))
        return
    model.backbone.register_forward_hook(lambda m, i, o: record["backbone"].append(
        [f.tensors[0, ::CHANNEL_STEP].numpy().copy() for f in o[0]]))
    model.transformer.encoder.register_forward_hook(lambda m, i, o: record["memory"].append(o[0].numpy().copy()))

    def on_output(m, i, o):
        record["logits"].append(o["pred_logits"][0].numpy().copy())
        record["boxes"].append(o["pred_bboxes"][0].numpy().copy())
        record["n_det"].append(len(o["det_query_embed"]))

    model.register_forward_hook(on_output)
    update = model.postprocess_single_frame

    def postprocess(*a, **kw):
        tracks = update(*a, **kw)
        t = tracks[0]
        record["ids"].append(t.ids.numpy().copy())
        record["ref_pts"].append(t.ref_pts.numpy().copy())
        record["query_embed"].append(t.query_embed[:, ::STATE_STEP].numpy().copy())
        record["long_memory"].append(t.long_memory[:, ::STATE_STEP].numpy().copy())
        record["last_output"].append(t.last_output[:, ::STATE_STEP].numpy().copy())
        record["disappear"].append(t.disappear_time.numpy().copy())
        return tracks

    model.postprocess_single_frame = postprocess
    proposals = None
    with tempfile.TemporaryDirectory() as tmp:
        seq = Path(tmp) / "split_long_enough_for_hncd_det_db_keys" / "demo"
        (seq / "img1").mkdir(parents=True)
        for k, frame in enumerate(frames):
            cv2.imwrite(str(seq / "img1" / f"{k + 1:08d}.png"), frame)
        extra = {}
        if args.kind == "hncd":  # det_db keys: the image path less the authors' 41-character data root
            proposals = synthetic_proposals(FRAMES, width, height)
            names = sorted(p.name for p in (seq / "img1").iterdir())
            extra["det_db"] = {str(seq / "img1" / n)[len(HNCD_ROOT):]: proposals[f"{k:08d}"]
                               for k, n in enumerate(names)}
            extra["save_embeddings_dir"] = None
        submitter = submit_engine.Submitter(
            dataset_name="DanceTrack", split_dir=str(seq.parent), seq_name="demo", outputs_dir=str(Path(tmp) / "out"),
            model=model, det_score_thresh=config["DET_SCORE_THRESH"], track_score_thresh=TRACK_SCORE_THRESH,
            result_score_thresh=config["RESULT_SCORE_THRESH"], miss_tolerance=MISS_TOLERANCE,
            use_dab=config["USE_DAB"], **extra)
        submitter.dataset.image_height, submitter.dataset.image_width = SHORT, LONG
        submitter.dataloader = torch.utils.data.DataLoader(submitter.dataset, batch_size=1, num_workers=0)
        with torch.no_grad():
            submitter.run()
        rows = (Path(tmp) / "out" / "tracker" / "demo.txt").read_text()
    args.out.mkdir(parents=True, exist_ok=True)
    arrays = {"frames_sha256": np.array(frames_digest(frames))}
    for f in range(FRAMES):
        for lvl, feat in enumerate(record["backbone"][f]):
            arrays[f"f{f}_backbone{lvl}"] = feat
        arrays[f"f{f}_memory"] = record["memory"][f][::MEMORY_STEP]
        for key in ("logits", "boxes", "ids", "ref_pts", "query_embed", "long_memory", "last_output", "disappear"):
            arrays[f"f{f}_{key}"] = record[key][f]
        arrays[f"f{f}_n_det"] = np.array(record["n_det"][f])
    np.savez_compressed(args.out / f"{args.kind}_stages.npz", **arrays)
    (args.out / f"{args.kind}_tracks.txt").write_text(rows)
    meta = {"kind": args.kind, "frames": FRAMES, "short_side": SHORT, "long_side": LONG, "seed": SEED,
            "miss_tolerance": MISS_TOLERANCE, "track_score_thresh": TRACK_SCORE_THRESH, "channel_step": CHANNEL_STEP, "memory_step": MEMORY_STEP, "state_step": STATE_STEP,
            "frame_size": [width, height], "torch": torch.__version__, "proposals": proposals}
    (args.out / f"{args.kind}_meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    # the "memotr" entry of PROVENANCE.json (written by hand: oracle commits, patches) records each file's sha256
    index = args.out.parent / "PROVENANCE.json"
    entry = json.loads(index.read_text())["fixtures"]["memotr"]
    for suffix in ("meta.json", "stages.npz", "tracks.txt"):
        name = f"{args.kind}_{suffix}"
        entry["files"][name] = hashlib.sha256((args.out / name).read_bytes()).hexdigest()
    update_provenance({"memotr": entry}, index)


if __name__ == "__main__":
    main()
