#!/usr/bin/env bash
# Builds the MeMOTR / HNCD-MOTR oracle environment OUTSIDE the repository (never in CI; the fixtures it makes are
# committed, the environment is not):
#
#   tools/oracles/build_memotr_env.sh [ENV_DIR] [MEMOTR_SRC] [HNCD_SRC]
#
# ENV_DIR (default ~/oracle-envs/memotr) gets a venv with torch 2.13.0 (CPU, as trackbench) and torchvision
# 0.28.0 installed without its dependencies (only torchvision.models.resnet50, IntermediateLayerGetter and
# transforms.functional are used, none of its compiled ops). The authors' code goes to ENV_DIR/src/memotr and
# ENV_DIR/src/hncd: from MEMOTR_SRC / HNCD_SRC (git repositories) when given, else cloned from GitHub, checked out
# at the commits below. Then: tools/oracles/memotr_fixtures.py (see its docstring).
set -euo pipefail
env_dir=${1:-$HOME/oracle-envs/memotr}
memotr_src=${2:-https://github.com/MCG-NJU/MeMOTR}
hncd_src=${3:-https://github.com/zhyzetton/HNCD-MOTR}
MEMOTR_COMMIT=7de13f4afee57f8d5fcf47567d890af401815174
HNCD_COMMIT=5c9aca796a919b2f4b57e378e27f8a97eb0384ff

python3 -m venv "$env_dir"
# shellcheck disable=SC1091
. "$env_dir/bin/activate"
pip install -q torch==2.13.0 "numpy<2.5" opencv-python-headless==5.0.0.93 pyyaml tqdm pillow matplotlib
pip install -q --no-deps torchvision==0.28.0
mkdir -p "$env_dir/src"
for pair in "memotr $memotr_src $MEMOTR_COMMIT" "hncd $hncd_src $HNCD_COMMIT"; do
  set -- $pair
  rm -rf "$env_dir/src/$1"
  if [ -d "$2" ]; then
    mkdir -p "$env_dir/src/$1" && git --git-dir="$2" archive "$3" models structures utils configs data log \
      submit_engine.py | tar -x -C "$env_dir/src/$1"
  else
    git clone -q "$2" "$env_dir/src/$1" && git -C "$env_dir/src/$1" checkout -q "$3"
  fi
done
python -c 'import torch; print("torch", torch.__version__)'
