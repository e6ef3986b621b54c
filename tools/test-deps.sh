#!/usr/bin/env sh
# What `npm test` needs besides Node, installed from Debian when missing (npm runs this before
# `npm test`; .ci/run runs it on a fresh machine): Chromium for the end-to-end tests, PyTorch and
# ONNX for the training smoke tests, a real portrait photo (python-matplotlib-data) for the
# face-alignment tests, and Redis for the queue tests. Installing needs root (or sudo).
set -eu
need=""
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need="$need chromium"
/usr/bin/python3 -c 'import torch, onnx' 2>/dev/null || need="$need python3-torch python3-onnx"
[ -f /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg ] || need="$need python-matplotlib-data"
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
[ -z "$need" ] && exit 0
echo "npm test needs these Debian packages:$need — installing them" >&2
if [ "$(id -u)" = 0 ]; then sudo=""
elif command -v sudo >/dev/null 2>&1; then sudo="sudo"
else
  echo "not root and no sudo: run  apt-get install -y$need  as root, then npm test again" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq $need >/dev/null
