"""The benchmark's independent attribute judge (bench:edits, issue 15): an attribute estimator
trained apart from the pack, so that no edit (and no aim solve, which uses the pack's estimator)
was tuned on the reader that scores it. Same architecture and training code as the pack's
estimator (train.py aux --renders-only), but another seed and its own data (other identity
seeds: photo renders from seed 3 000 000, cgi from 3 600 000, test from 3 500 000). Only the
estimator is exported; it lives outside every pack, in tools/bench/judge/, with its sha256.

  F=training/data-judge
  npx tsx tools/faceworld.ts dataset --style photo --count 6000 --size 64 --seed 3000000 --test-fraction 0 --framing face --out $F/photo-train
  npx tsx tools/faceworld.ts dataset --style photo --count 400 --size 64 --seed 3500000 --test-fraction 0 --framing face --out $F/photo-test
  npx tsx tools/faceworld.ts dataset --style cgi --count 300 --size 64 --seed 3600000 --test-fraction 0 --framing face --out $F/cgi-train
  OMP_NUM_THREADS=1 /usr/bin/python3 -m training.judge --data $F --seed 7 --steps 4000 --max-minutes 25
"""
import argparse
import hashlib
import json
import shlex
import sys
from pathlib import Path

import torch

from training import train
from training.common import ImageSet
from training.fwmodels import AttributeEstimator, Config

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default=str(HERE / 'data-judge'))
    p.add_argument('--runs', default=str(HERE / 'runs-judge'))
    p.add_argument('--seed', type=int, default=7)
    p.add_argument('--steps', type=int, default=4000)
    p.add_argument('--max-minutes', type=float, default=25)
    p.add_argument('--out', default=str(ROOT / 'tools' / 'bench' / 'judge'))
    p.add_argument('--skip-train', action='store_true', help='export the existing run only')
    a = p.parse_args()
    data = Path(a.data)
    if not a.skip_train:
        train.main(['aux', '--name', 'judge', '--runs', a.runs, '--renders-only', '--seed', str(a.seed),
                    '--data', str(data / 'photo-train'), '--cgi', str(data / 'cgi-train'), '--test', str(data / 'photo-test'),
                    '--steps', str(a.steps), '--max-minutes', str(a.max_minutes)])
    ck = torch.load(Path(a.runs) / 'judge' / 'final.pt', map_location='cpu')
    est = AttributeEstimator(Config.from_dict(ck['config']))
    est.load_state_dict(ck['est'])
    est.eval()
    test = ImageSet(data / 'photo-test')
    with torch.no_grad():
        x, at, _ = test.batch(torch.arange(len(test)).numpy(), 'cpu')
        mae = (est(x)[0] - at).abs().mean(0).tolist()
    names = [n['name'] if isinstance(n, dict) else n for n in test.meta['attributes']]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    onnx = out / 'attributes-judge.onnx'
    with torch.no_grad():
        torch.onnx.export(est, (torch.zeros(2, 3, 64, 64),), str(onnx), input_names=['image'], output_names=['attributes', 'identity'],
                          dynamic_axes={'image': {0: 'batch'}, 'attributes': {0: 'batch'}, 'identity': {0: 'batch'}},
                          opset_version=17, do_constant_folding=True)
    sha = hashlib.sha256(onnx.read_bytes()).hexdigest()
    info = {
        'file': onnx.name, 'sha256': sha, 'bytes': onnx.stat().st_size,
        'attributes_names': names,
        'seed': a.seed, 'data': {'photo-train': 'seed 3000000, 6000 photo renders, face framing', 'cgi-train': 'seed 3600000, 300',
                                 'photo-test': 'seed 3500000, 400'},
        'command': 'OMP_NUM_THREADS=1 /usr/bin/python3 -m training.judge ' + ' '.join(shlex.quote(x) for x in sys.argv[1:]),
        'held_out_mae': dict(zip(names, [round(v, 4) for v in mae])),
        'training': json.loads((Path(a.runs) / 'judge' / 'time.json').read_text()) if (Path(a.runs) / 'judge' / 'time.json').exists() else None,
    }
    (out / 'judge.json').write_text(json.dumps(info, indent=1) + '\n')
    print(f'wrote {onnx} ({info["bytes"]} bytes, sha256 {sha}); held-out MAE ' + ', '.join(f'{n}={v:.3f}' for n, v in info['held_out_mae'].items()))


if __name__ == '__main__':
    main()
