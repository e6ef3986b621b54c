#!/usr/bin/env bash
# One command for a GPU lent for a short time: the fine-tune (training/finetune.py) on CUDA from
# the committed snapshot (training/checkpoints/finetune.pt), a larger batch, checkpoints every
# 2 minutes into the folder you name, then a snapshot of the result there.
#   bash training/gpu.sh <checkpoint folder> [minutes, default 10] [batch, default 64]
# Needs PyTorch with CUDA, onnx and Node (npm ci); renders the photo data first if it is missing
# (tools/faceworld.ts, one worker per core: about a minute on 16 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: bash training/gpu.sh <checkpoint folder> [minutes] [batch]}
MIN=${2:-10}
BATCH=${3:-64}
PY=${PY:-python3}
DEVICE=${DEVICE:-cuda}   # DEVICE=cpu tries the command on a machine without a GPU
PARTS=photo bash training/make_data.sh
$PY -m training.finetune train --resume --device "$DEVICE" --batch "$BATCH" --face-batch "$BATCH" --runs "$OUT" \
  --max-minutes "$MIN" --ckpt-minutes 2 --eval-minutes 5 --log-every 100
$PY -m training.finetune snapshot --runs "$OUT" --out "$OUT/finetune.pt"
echo "copy $OUT/finetune.pt to training/checkpoints/finetune.pt and commit it to continue from there"
