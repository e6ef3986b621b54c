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
# both need only the autoencoder: run them side by side
$PY $T/train.py delta --resume &
delta=$!
$PY $T/train.py aux --resume
wait $delta
$PY $T/export.py
npx tsx $T/parity.ts
