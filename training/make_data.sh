#!/usr/bin/env bash
# Renders the FaceWorld training data into training/data (git-ignored) with the data set
# tool (tools/faceworld.ts), every image cut around the face (src/synth/framing.ts).
# Seeds are disjoint from the benchmark's (700000+, 800000+, 900000+).
# Sizes can be overridden: PHOTO=12000 TEST=500 CGI=2000 SEQ=20 STEPS=8 bash training/make_data.sh
# DATA=<folder> writes elsewhere; FRAMING=frame renders the whole head (rounds 1-3, docs/history.md);
# PARTS=photo stops after the photo sets and their masks (all the fine-tune needs: training/gpu.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
D=${DATA:-training/data}
FRAMING=${FRAMING:-face}
PARTS=${PARTS:-all}
PHOTO=${PHOTO:-12000}; TEST=${TEST:-500}; CGI=${CGI:-2000}; SEQ=${SEQ:-20}; STEPS=${STEPS:-8}
fw() { npx tsx tools/faceworld.ts "$@"; }
[ -f $D/photo-train/images.npy ] || fw dataset --style photo --count "$PHOTO" --size 64 --seed 1 --test-fraction 0 --framing "$FRAMING" --out $D/photo-train
[ -f $D/photo-test/images.npy ] || fw dataset --style photo --count "$TEST" --size 64 --seed 500000 --test-fraction 0 --framing "$FRAMING" --out $D/photo-test
# expression-feature masks for the autoencoder's weighted loss (train.py ae --feature-weight)
[ -f $D/photo-train/masks.npy ] || fw masks --data $D/photo-train
[ -f $D/photo-test/masks.npy ] || fw masks --data $D/photo-test
[ "$PARTS" = photo ] && exit 0
[ -f $D/cgi-train/images.npy ] || fw dataset --style cgi --count "$CGI" --size 64 --seed 600000 --test-fraction 0 --framing "$FRAMING" --out $D/cgi-train
# one sweep set per attribute, over its whole range: the Δ-encoder's few synthetic sequences
npx tsx -e "import { ATTRIBUTES } from './src/synth/params'; for (const a of ATTRIBUTES) console.log(a.name, a.min, a.max)" |
while read -r name lo hi; do
  [ -f "$D/sequences/$name/images.npy" ] || fw sequences --style cgi --attribute "$name" --from "$lo" --to "$hi" \
    --steps "$STEPS" --count "$SEQ" --size 64 --seed 300000 --framing "$FRAMING" --out "$D/sequences/$name" < /dev/null
done
# the same sweeps in photo style, other identities: validation only (train.py delta reports how
# codes from the cgi sequences transfer onto them); never trained on
npx tsx -e "import { ATTRIBUTES } from './src/synth/params'; for (const a of ATTRIBUTES) console.log(a.name, a.min, a.max)" |
while read -r name lo hi; do
  [ -f "$D/photo-sequences/$name/images.npy" ] || fw sequences --style photo --attribute "$name" --from "$lo" --to "$hi" \
    --steps "$STEPS" --count "$SEQ" --size 64 --seed 400000 --framing "$FRAMING" --out "$D/photo-sequences/$name" < /dev/null
done
