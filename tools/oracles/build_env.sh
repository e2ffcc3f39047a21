#!/usr/bin/env bash
# Builds an oracle environment with the official implementations, OUTSIDE the repository.
# Never part of CI: the fixtures it makes are committed, the environment is not.
#
#   tools/oracles/build_env.sh mmdet33    [ENV_DIR]   MMDetection 3.3 (QDTrack, SORT, DeepSORT, ByteTrack, OC-SORT,
#                                                     StrongSORT) on the prebuilt mmcv 2.2.0 wheel (minutes)
#   tools/oracles/build_env.sh dmtrack    [ENV_DIR]   the prebuilt mmcv 2.2.0 (CPU ops: modulated deform conv, RoIAlign,
#                                                     nms) + mmengine for DMTrack's model modules, which
#                                                     tools/oracles/dmtrack_fixtures.py loads from its repository
#   tools/oracles/build_env.sh mmtrack014 [ENV_DIR]   MMTracking 0.14 on mmdet 2.28.2 and mmcv-full 1.7.2 built from
#                                                     source with its CPU ops (one to two CPU hours on 2 cores)
#   tools/oracles/build_env.sh mmtrack014-ext22 [ENV_DIR]  the same Python packages, mmcv-full 1.7.2 installed
#                                                     without compiling its ops, which come from the prebuilt mmcv
#                                                     2.2.0 wheel's _ext (same C++ CPU kernels for RoIAlign and
#                                                     nms; minutes). For when the compile cannot finish in time;
#                                                     fixtures made with it say so in their provenance.
#
# ENV_DIR defaults to ~/oracle-envs/<name>. Both use torch 2.13.0 (CPU), the same torch as trackbench.
set -euo pipefail
name=${1:?usage: build_env.sh mmdet33|dmtrack|mmtrack014|mmtrack014-ext22 [ENV_DIR]}
env_dir=${2:-$HOME/oracle-envs/$name}
here=$(cd "$(dirname "$0")" && pwd)
wheels=${ORACLE_WHEELS:-$here/../../../shared/oracle-wheels}

python3 -m venv "$env_dir"
# shellcheck disable=SC1091
. "$env_dir/bin/activate"
pip install -q torch==2.13.0 ninja "numpy<2.5" wheel opencv-python-headless==5.0.0.93
# torch 2.13 declares setuptools>=77, but mmcv's setup.py and mmengine import pkg_resources (gone in setuptools 70+):
# installed afterwards on purpose; pip warns about torch's declared requirement, which torch does not need to run.
pip install -q "setuptools<70"

case "$name" in
  mmdet33)
    pip install -q "$wheels"/mmcv-2.2.0-cp311-cp311-linux_x86_64.whl
    pip install -q --no-deps mmdet==3.3.0 mmengine==0.10.7
    pip install -q addict yapf rich termcolor scipy shapely terminaltables pycocotools matplotlib six tqdm lap
    # DeepSORT's ReID backbone is mmpretrain's ResNet; the SORT-family trackers import motmetrics.
    # (mmpretrain imports torchvision for a metric: make_fixtures.py puts tools/oracles/stubs on PYTHONPATH.)
    pip install -q --no-deps mmpretrain==1.2.0
    pip install -q importlib_metadata einops modelindex motmetrics==1.4.0 "pandas<3"
    # mmdet 3.3.0 asserts mmcv<2.2.0; 2.2.0 runs the tracking models (checked on the demo frames).
    init=$(python -c 'import importlib.util as u; print(u.find_spec("mmdet").origin)')
    sed -i "s/mmcv_maximum_version = '2.2.0'/mmcv_maximum_version = '2.2.1'/" "$init"
    python -c 'from mmcv.ops import RoIAlign, nms; import mmdet; print("mmdet", mmdet.__version__)'
    ;;
  dmtrack)
    pip install -q "$wheels"/mmcv-2.2.0-cp311-cp311-linux_x86_64.whl
    pip install -q --no-deps mmengine==0.10.7
    pip install -q addict yapf rich termcolor six pycocotools
    python -c 'from mmcv.ops import ModulatedDeformConv2dPack, RoIAlign, nms; print("mmcv ops ok")'
    ;;
  mmtrack014|mmtrack014-ext22)
    # mmcv-full 1.7.2's setup.py imports pkg_resources (setuptools<70) and needs torch at build time.
    if [ "$name" = mmtrack014 ]; then
      MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=${MAX_JOBS:-2} \
        nice -n 19 pip install --no-build-isolation mmcv-full==1.7.2
    else
      # the same Python code as mmcv-full 1.7.2, published as "mmcv" when built without ops
      MMCV_WITH_OPS=0 pip install --no-build-isolation mmcv==1.7.2
      site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
      python -m zipfile -e "$wheels"/mmcv-2.2.0-cp311-cp311-linux_x86_64.whl /tmp/mmcv22-wheel
      cp /tmp/mmcv22-wheel/mmcv/_ext.cpython-311-x86_64-linux-gnu.so "$site/mmcv/"
      rm -rf /tmp/mmcv22-wheel
    fi
    pip install -q --no-deps mmdet==2.28.2 mmtrack==0.14.0 mmcls==0.25.0
    # mmcv 1.x's runner imports torchvision (model-zoo URLs only); its compiled ops do not load with this CPU
    # torch, so the environment imports it through tools/oracles/torchvision_shim.py at start-up (sitecustomize)
    pip install -q --no-deps torchvision==0.28.0
    site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    cp "$here/torchvision_shim.py" "$site/"
    printf 'import torchvision_shim\ntorchvision_shim.import_torchvision()\n' > "$site/sitecustomize.py"
    pip install -q addict yapf packaging scipy pycocotools terminaltables matplotlib six tqdm lap motmetrics \
      "pandas<3" seaborn dotty_dict attributee==0.1.9
    # SiamRPN++'s VOT test mode (and MMTracking's VOT evaluation) imports vot-toolkit's regions and overlap: the
    # toolkit and what its import needs, without its opencv-python requirement (it would replace the headless cv2)
    pip install -q --no-deps vot-toolkit==0.9.0 numba==0.68.1 llvmlite==0.50.0 lazy-object-proxy==1.13.0 \
      colorama==0.4.6 phx-class-registry==5.1.1 cachetools==8.0.1 bidict==0.24.1
    python -c 'from mmcv.ops import RoIAlign, nms; import mmtrack, mmdet; print("mmtrack", mmtrack.__version__)'
    python -c 'from mmtrack.core.evaluation import eval_sot_vot as e; assert e.vot is not None; print("vot-toolkit", e.vot.__version__)'
    ;;
  *) echo "unknown oracle environment: $name" >&2; exit 2 ;;
esac
python -c 'import torch; print("torch", torch.__version__)'
