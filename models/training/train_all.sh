#!/usr/bin/env bash
# Reproduces the FaceWorld demo pack from scratch: data sets, the three trainings, export, parity.
# CPU by default (one thread each: on a shared 2-core machine two OpenMP threads stall each
# other); CUDA is used when torch sees a GPU. Re-running resumes from the checkpoints.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
PY=${PY:-/usr/bin/python3}
T=models/training
bash $T/make_data.sh
$PY $T/train.py ae --resume
# round 2: a warm restart of the cosine (LR 1e-3 down to 1e-4) continues the autoencoder to the
# committed pack's 3 536 steps (that run stopped on a 51.6-min wall-time budget; see TRAINING.md)
$PY $T/train.py ae --resume --restart-lr --lr 1e-3 --steps 3536
# both need only the autoencoder: run them side by side
$PY $T/train.py delta --resume --steps 2000 &
delta=$!
$PY $T/train.py aux --resume --steps 1600
wait $delta
$PY $T/export.py
npx tsx $T/parity.ts
