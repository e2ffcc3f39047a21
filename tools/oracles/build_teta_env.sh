#!/usr/bin/env bash
# Builds the oracle environment for TETA on BDD100K OUTSIDE the repository: the official SysCV/tet `teta` package
# (not on PyPI) installed from a checkout of github.com/SysCV/tet, plus numpy and scipy. Never part of CI: the
# fixtures it makes (tests/golden/official/teta_bdd100k) are committed, the environment is not.
#
#   tools/oracles/build_teta_env.sh TET_REPO_GIT_DIR [ENV_DIR]
#
# TET_REPO_GIT_DIR is a git directory of SysCV/tet (a bare clone is fine); the tree at TET_COMMIT (default
# a62a9c0affec3a97f2cd0263141c53bcfb9c79f7) is exported and its teta/ folder installed with --no-deps (its setup.py
# lists script_utils from GitHub, which teta's code never imports). ENV_DIR defaults to ~/oracle-envs/teta.
set -euo pipefail
repo=${1:?usage: build_teta_env.sh TET_REPO_GIT_DIR [ENV_DIR]}
env_dir=${2:-$HOME/oracle-envs/teta}
commit=${TET_COMMIT:-a62a9c0affec3a97f2cd0263141c53bcfb9c79f7}
python3 -m venv "$env_dir"
"$env_dir/bin/pip" install -q "numpy<2.5" scipy
src="$env_dir/src/tet-$commit"
rm -rf "$src" && mkdir -p "$src"
git --git-dir="$repo" archive "$commit" teta | tar -x -C "$src"
"$env_dir/bin/pip" install -q --no-deps "$src/teta"
"$env_dir/bin/python" -c "import teta, teta.metrics, teta.datasets; print('teta from', teta.__file__)"
echo "$commit" > "$env_dir/TET_COMMIT"
