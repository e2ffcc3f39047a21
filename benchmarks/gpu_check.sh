#!/usr/bin/env bash
# One command for a machine with CUDA (issue 18): QDTrack with the seeded weights on the fixture frames, fp32
# against the official CPU fixtures and --amp (benchmarks/gpu_check.py), QDTrack speed and memory at the
# published 1088 scale, then `trackbench run qdtrack --gpus N` over a multi-video set against --gpus 1
# (benchmarks/qdtrack_speed.py --scaling); then the other neural runners' speed on the GPU with the same seeded
# weights or layouts: SiamRPN++, Tracktor, DMTrack and MeMOTR (fp32 and, where the script has it, --amp); last,
# `trackbench run --gpus 1 --eval` end to end (fp32 and --amp) for MaskTrack R-CNN and the four VID methods
# (benchmarks/gpu_runs.py, tiny data and weights: their CUDA paths, whose numbers the CPU golden tests prove).
#
#   bash benchmarks/gpu_check.sh          # CUDA machine: every GPU it has
#   bash benchmarks/gpu_check.sh --cpu    # the CPU part only (what CI runs): the fixture check, 2 frames
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}

if [[ "${1:-}" == "--cpu" ]] || ! "$python" -c 'import sys, torch; sys.exit(not torch.cuda.is_available())'; then
  [[ "${1:-}" == "--cpu" ]] || echo "no CUDA device: running the CPU part only"
  "$python" benchmarks/gpu_check.py --device cpu --frames 2
  exit 0
fi

gpus=$("$python" -c 'import torch; print(torch.cuda.device_count())')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$python" -c "from trackbench.runners.models.seeded import save_seeded_checkpoint as s; s('$tmp/qdtrack.pth', 'qdtrack')"

echo "== fidelity on the GPU (fixture frames, fp32 and amp)"
"$python" benchmarks/gpu_check.py --device cuda
echo "== QDTrack speed and memory at 1088 (seeded weights)"
"$python" benchmarks/qdtrack_speed.py --frames 40 --no-cpu --checkpoint "$tmp/qdtrack.pth"
echo "== trackbench run qdtrack --gpus $gpus vs --gpus 1 (amp)"
if (( gpus > 1 )); then
  "$python" benchmarks/qdtrack_speed.py --scaling "$gpus" --videos $((2 * gpus)) --frames 24 --amp-scaling \
    --checkpoint "$tmp/qdtrack.pth"
else
  echo "one GPU: no multi-GPU speed-up to measure"
fi

echo "== SiamRPN++ on the GPU (fp32 and amp)"
"$python" benchmarks/siamrpn_speed.py --no-cpu --amp
echo "== Tracktor on the GPU (seeded weights, scale 1088)"
"$python" benchmarks/tracktor_speed.py --device cuda --frames 20
echo "== DMTrack on the GPU"
"$python" benchmarks/dmtrack_speed.py --no-cpu
echo "== MeMOTR on the GPU (fp32 and amp, DanceTrack size)"
"$python" benchmarks/memotr_speed.py --device cuda --frames 20
"$python" benchmarks/memotr_speed.py --device cuda --frames 20 --amp
echo "== MaskTrack R-CNN, DFF, FGFA, SELSA, Temporal RoI Align: trackbench run --gpus 1 --eval (fp32 and amp)"
"$python" benchmarks/gpu_runs.py --device cuda
