#!/usr/bin/env bash
# Installs the PyTorch reference of `npm run bench` from Debian (run as root): python3-torch, and
# OpenBLAS so that torch does not fall back to the slow reference BLAS (../shared/ENVIRONMENT.md).
# Only the benchmark needs it; npm test and CI do not.
set -euo pipefail
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "PyTorch is already installed: $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y python3-torch libopenblas0-pthread
/usr/bin/python3 -c 'import torch; print("PyTorch", torch.__version__)'
