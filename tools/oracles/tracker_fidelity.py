"""Our association trackers against MMDetection 3.3's on the same detections: the real MOT15 det files (SORT's
own Faster R-CNN detections) and detections made from the real MOT17 gt with seeded noise (with per-identity
embeddings for the ReID trackers). Offline; prints the table of docs/FIDELITY.md and, with --fixtures, stores
MMDetection's tracks as tests/golden/official/trackers/<tracker>_mmdet33.npz with a PROVENANCE.json entry each
(tests/runners/trackers/test_official_mmdet_trackers.py checks the table against them in CI).

    python tools/oracles/tracker_fidelity.py [--oracle-env ~/oracle-envs/mmdet33] [--cache DIR] [--fixtures]

MMDetection's trackers are MMTracking's re-implementations, which differ from the authors' on purpose in places
(FIDELITY.md lists them); ours follow the authors'. So the comparison is an agreement measure, not equality:
MMDetection's output is scored as the ground truth of ours with py-motmetrics (IoU >= 0.5): MOTA, IDF1, identity
switches, and the boxes only one side reports. The inputs, the scoring and the table rows live in
tests/runners/trackers/mmdet_agreement.py, shared with the test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from fixture_provenance import update_provenance

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REALDATA = REPO.parent / "shared" / "realdata"
FIXTURES = REPO / "tests" / "golden" / "official" / "trackers"


def provenance_entry(name: str, info: dict, inputs_sha256: str, fixture: Path) -> dict:
    from mmdet_agreement import MOT15, MOT17_NOISY, NOISY_FRAMES, REID_TRACKERS

    detections = (f"MOT17 gt + noise: the first {NOISY_FRAMES} frames of {', '.join(MOT17_NOISY)} (mmdet_agreement."
                  "mot17_noisy_inputs, seed 0, with per-identity embeddings)")
    if name not in REID_TRACKERS:
        detections = f"MOT15 det files of {', '.join(MOT15)} (real, SORT's own detections); " + detections
    entry = {
        "official_package": f"mmdet {info['versions']['mmdet']}",
        "versions": info["versions"],
        "config": f"mmdet/.mim/configs/{info['configs'][name]} (its model.tracker dict, the tracker alone)",
        "detections": detections + " from ../shared/realdata",
        "inputs_sha256": inputs_sha256,
        "stages": "MMDetection's pred_track_instances per frame: (frame, id, x1, y1, x2, y2, score) per video",
        "command": info["command"],
        "made_by": "python tools/oracles/tracker_fidelity.py --fixtures (runs tools/oracles/mmdet33_trackers.py "
                   "in the oracle environment, build_env.sh mmdet33)",
        "file": f"trackers/{fixture.name}",
        "bytes": fixture.stat().st_size,
        "test": "tests/runners/trackers/test_official_mmdet_trackers.py: ours on the same detections, scored against "
                "these tracks, must give the docs/FIDELITY.md table row by row",
    }
    if name in REID_TRACKERS:
        entry["reid"] = ("a stand-in model.reid returns the given embeddings of the detections the tracker keeps"
                         + ("; model.with_cmc False (no camera-motion compensation), no AFLink"
                            if name == "strongsort" else ""))
    return entry


def write_fixtures(names, official: dict[str, np.ndarray], inputs: dict[str, np.ndarray]) -> None:
    from mmdet_agreement import fixture_arrays, inputs_digest

    info = json.loads(str(official["info"]))
    digest = inputs_digest(inputs)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    entries = {}
    for name in names:
        arrays = fixture_arrays({k: official[k] for k in official if k != "info"}, name)
        meta = dict(info, configs={name: info["configs"][name]}, inputs_sha256=digest)
        path = FIXTURES / f"{name}_mmdet33.npz"
        tmp = path.with_name(f".{path.stem}.tmp.npz")
        np.savez_compressed(tmp, info=np.array(json.dumps(meta)), **arrays)
        os.replace(tmp, path)
        entries[name] = provenance_entry(name, info, digest, path)
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    update_provenance(entries)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--oracle-env", type=Path, default=Path.home() / "oracle-envs" / "mmdet33")
    ap.add_argument("--cache", type=Path, default=Path("/work/notes/fidelity-cache"),
                    help="MMDetection's output is kept (and reused) here: mmdet33_trackers.npz")
    ap.add_argument("--trackers", nargs="+", default=["sort", "bytetrack", "ocsort", "deepsort", "strongsort"])
    ap.add_argument("--fixtures", action="store_true",
                    help="also store MMDetection's tracks under tests/golden/official/trackers/ + PROVENANCE.json")
    args = ap.parse_args()
    sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "runners" / "trackers")]
    from conftest import restore_numpy_aliases
    from mmdet_agreement import TABLE_HEADER, all_inputs, table_rows

    restore_numpy_aliases()
    inputs = all_inputs(REALDATA)
    src, dst = args.cache / "tracker_inputs.npz", args.cache / "mmdet33_trackers.npz"
    if not dst.is_file():
        np.savez_compressed(src, **inputs)
        cmd = ["nice", "-n", "10", str(args.oracle_env / "bin" / "python"), str(HERE / "mmdet33_trackers.py"),
               str(src), str(dst), *args.trackers]
        subprocess.run(cmd, check=True, env=dict(os.environ, PYTHONPATH=str(HERE / "stubs")))
    official = dict(np.load(dst))
    print(TABLE_HEADER)
    for line in table_rows(args.trackers, inputs, official):
        print(line)
    if args.fixtures:
        write_fixtures(args.trackers, official, inputs)


if __name__ == "__main__":
    main()
