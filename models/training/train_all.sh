#!/usr/bin/env bash
# Reproduces the FaceWorld demo pack from scratch: data sets, the three trainings, export, parity.
# CPU by default (OMP_NUM_THREADS=2); CUDA is used when torch sees a GPU. Re-running resumes.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
PY=${PY:-/usr/bin/python3}
D=models/training/data
bash models/training/make_data.sh
$PY models/training/train.py ae --resume
$PY models/training/train.py delta --resume
$PY models/training/train.py aux --resume
$PY models/training/export.py
npx tsx models/training/parity.ts
