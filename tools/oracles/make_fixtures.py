"""Writes tests/golden/official/: runs the official implementations (in the oracle environments that
build_env.sh makes, never in CI) on the seeded weights and real frames, and keeps what the official_golden tests
compare against, with PROVENANCE.json naming the package versions, config, frames and command.

    python tools/oracles/make_fixtures.py qdtrack faster_rcnn_reid [--oracle-env ~/oracle-envs/mmdet33]
        [--cache DIR] [--full]

Run with trackbench's own Python (it makes the weights with trackbench.runners.models.seeded and calls the
oracle environment's Python on tools/oracles/mmdet33_mot.py). The official outputs are cached in ``--cache`` (a
run on CPU takes minutes) and reused when present. ``--full`` also runs the published 1088 scale on all 8 demo
frames into the cache (for docs/FIDELITY.md; too slow for CI).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
from fixture_provenance import update_provenance

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OUT = REPO / "tests" / "golden" / "official"
DEMO = REPO.parent / "shared" / "realdata" / "demo" / "demo.mp4"
STUBS = HERE / "stubs"  # torchvision stand-in: mmpretrain imports it for metrics the oracle never runs

# fixture name -> (oracle model, frames, scale, frames whose model stages are kept)
PLANS = {
    "qdtrack": ("qdtrack", 8, 320, 2),
    "faster_rcnn_reid": ("deepsort", 2, 320, 2),
}


def run_oracle(env: Path, model: str, frames: int, scale: int, cache: Path) -> Path:
    """The official outputs for one plan, from the cache or by running the oracle (nice 10)."""
    from trackbench.runners.models.seeded import SEEDS, save_seeded_checkpoint

    out = cache / f"mmdet33_{model}_{scale}_{frames}.npz"
    if out.is_file():
        return out
    if model == "qdtrack":
        weights = ["--checkpoint", str(save_seeded_checkpoint(cache / f"qdtrack_seed{SEEDS['qdtrack']}.pth", "qdtrack"))]
    else:
        det = save_seeded_checkpoint(cache / f"faster_rcnn_seed{SEEDS['faster_rcnn']}.pth", "faster_rcnn")
        reid = save_seeded_checkpoint(cache / f"reid_seed{SEEDS['reid']}.pth", "reid")
        weights = ["--detector", str(det), "--reid", str(reid)]
    cmd = ["nice", "-n", "10", str(env / "bin" / "python"), str(HERE / "mmdet33_mot.py"), "--model", model,
           *weights, "--video", str(DEMO), "--frames", str(frames), "--scale", str(scale), "--out", str(out)]
    environ = dict(os.environ, PYTHONPATH=str(STUBS))
    print("$", shlex.join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=environ)
    return out


def keep(official: dict, frames: int, stage_frames: int) -> dict[str, np.ndarray]:
    """The fixture's arrays: every stage for the first ``stage_frames`` frames, detections / embeddings /
    tracks for all ``frames``."""
    out = {}
    for key, value in official.items():
        if key == "info":
            continue
        frame = int(key.split("/")[0][1:])
        per_frame = key.split("/")[1] in ("dets", "labels", "embeds", "tracks")
        if frame < frames and (per_frame or frame < stage_frames):
            out[key] = value
    return out


def provenance_entry(name: str, info: dict, fixture: Path, stage_frames: int) -> dict:
    return {
        "official_package": f"mmdet {info['versions']['mmdet']}",
        "versions": info["versions"],
        "config": f"mmdet/.mim/configs/{info['config']} (test pipeline Resize scale set to "
                  f"({info['scale']}, {info['scale']}); pretrained init_cfg removed: all weights from the "
                  "checkpoint)",
        "weights": "trackbench.runners.models.seeded.seeded_checkpoint("
                   + (repr("qdtrack") if name == "qdtrack" else "'faster_rcnn' and 'reid'") + ")",
        "frames": f"../shared/realdata/demo/demo.mp4, first {len(info['frames'])} frames decoded by OpenCV "
                  f"{info['versions']['opencv']} (md5 of each BGR frame in the fixture)",
        "stages": f"backbone, FPN, RPN proposals, detections: frames 0-{stage_frames - 1}; detections, "
                  f"embeddings, tracks: all {len(info['frames'])} frames",
        "command": info["command"],
        "made_by": "python tools/oracles/make_fixtures.py " + name,
        "file": fixture.name,
        **({"oracle_env_note": "mmpretrain (the ReID's backbone) imported with tools/oracles/stubs on PYTHONPATH: "
            "an empty torchvision for a metric module import; nothing the oracle computes comes from it"}
           if name == "faster_rcnn_reid" else {}),
        "bytes": fixture.stat().st_size,
    }


def write_fixture(name: str, env: Path, cache: Path) -> dict:
    model, frames, scale, stage_frames = PLANS[name]
    official_path = run_oracle(env, model, frames, scale, cache)
    with np.load(official_path) as z:
        official = {k: z[k] for k in z.files}
    info = json.loads(str(official["info"]))
    arrays = keep(official, frames, stage_frames)
    fixture = OUT / f"{name}_mmdet33.npz"
    meta = {k: info[k] for k in ("model", "config", "scale", "frames", "versions", "command")}
    meta["stage_frames"] = stage_frames
    np.savez_compressed(fixture, info=np.array(json.dumps(meta)), **arrays)
    layouts = []
    for part, layout in info["layouts"].items():  # the official key names and shapes, for the key-map tests
        layouts.append(OUT / f"layout_{part}_mmdet33.json")
        layouts[-1].write_text(json.dumps(layout, indent=0, sort_keys=True) + "\n")
    return {**provenance_entry(name, info, fixture, stage_frames), "layout_files": [p.name for p in layouts]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="+", choices=sorted(PLANS))
    ap.add_argument("--oracle-env", type=Path, default=Path.home() / "oracle-envs" / "mmdet33")
    ap.add_argument("--cache", type=Path, default=Path("/work/notes/fidelity-cache"))
    ap.add_argument("--full", action="store_true", help="also the 1088 scale, 8 frames, into the cache")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    args.cache.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    entries = {name: write_fixture(name, args.oracle_env, args.cache) for name in args.names}
    update_provenance(entries)
    if args.full:
        for name in args.names:
            run_oracle(args.oracle_env, PLANS[name][0], 8, 1088, args.cache)


if __name__ == "__main__":
    main()
