"""Contact sheet of the trained pack: held-out photo renders, their reconstructions G(E(x)),
and random faces G(M(z)), one row each (for TRAINING.md / docs/results).

  python3 -m training.samples [--out docs/results/faceworld-samples.png] [--n 10]
"""
import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .common import DATA, RUNS, ImageSet
from .train import load_ae

ROOT = Path(__file__).resolve().parents[1]


def to_u8(x: torch.Tensor) -> np.ndarray:
    return ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


@torch.no_grad()
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--runs', default=str(RUNS))
    p.add_argument('--test', default=str(DATA / 'photo-test'))
    p.add_argument('--out', default=str(ROOT / 'docs' / 'results' / 'faceworld-samples.png'))
    p.add_argument('--n', type=int, default=10)
    a = p.parse_args(argv)
    torch.manual_seed(0)
    cfg, G, E, M = load_ae(Path(a.runs), torch.device('cpu'))
    x, _, _ = ImageSet(Path(a.test)).batch(np.arange(a.n), 'cpu')
    rows = [to_u8(x), to_u8(G(E(x)[0])), to_u8(G(M(torch.randn(a.n, cfg.z_dim))))]
    S, gap = cfg.size, 2
    sheet = np.full((3 * (S + gap), a.n * (S + gap), 3), 255, np.uint8)
    for r, imgs in enumerate(rows):
        for c, img in enumerate(imgs):
            sheet[r * (S + gap):r * (S + gap) + S, c * (S + gap):c * (S + gap) + S] = img
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sheet).resize((sheet.shape[1] * 2, sheet.shape[0] * 2), Image.NEAREST).save(a.out)
    print(f'wrote {a.out}: rows = held-out renders, reconstructions G(E(x)), random faces G(M(z))')


if __name__ == '__main__':
    main()
