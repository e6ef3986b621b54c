"""The face-recognition net's half of `npm run bench:recon` (tools/bench/recon.ts): reads the
images the benchmark wrote and prints one JSON object.

  python3 -m training.recon_metrics --dir <folder with meta.json and *.f32>

- perceptual: LPIPS-style distance source vs reconstruction (`facenet.FaceLosses`), mean;
- identity: descriptor cosine source vs reconstruction, mean; and, because different FaceWorld
  faces already reach a high cosine with this net, the cosine of each source to the *other*
  sources' reconstructions and the share of sources whose own reconstruction is the closest
  (rank-1 identification);
- frechet: FID-like distance between the random faces G(M(z)) and held-out renders, both in the
  net's 256-d pooled feature space (before the descriptor's linear layer).
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch

from .facenet import FaceLosses, to_net_input


def load(folder: Path, name: str, meta: dict) -> torch.Tensor:
    n = meta['counts'][name]
    s = meta['size']
    return torch.from_numpy(np.fromfile(folder / f'{name}.f32', np.float32).reshape(n, 3, s, s))


@torch.no_grad()
def features(losses: FaceLosses, x: torch.Tensor, batch=50):
    descs, pooled = [], []
    for s in range(0, len(x), batch):
        d, f = losses.net(to_net_input(x[s:s + batch]), taps=True)
        descs.append(d)
        pooled.append(f['pooled'])
    return torch.cat(descs), torch.cat(pooled)


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """‖μa − μb‖² + tr(Σa + Σb − 2 (Σa^½ Σb Σa^½)^½), float64, via symmetric eigendecompositions."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    ma, mb = a.mean(0), b.mean(0)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ea, va = np.linalg.eigh(ca)
    sa = (va * np.sqrt(np.clip(ea, 0, None))) @ va.T
    em = np.linalg.eigvalsh(sa @ cb @ sa)
    return float(((ma - mb) ** 2).sum() + np.trace(ca) + np.trace(cb) - 2 * np.sqrt(np.clip(em, 0, None)).sum())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dir', required=True)
    a = p.parse_args(argv)
    folder = Path(a.dir)
    meta = json.loads((folder / 'meta.json').read_text())
    losses = FaceLosses()
    src, rec = load(folder, 'sources', meta), load(folder, 'recon', meta)
    with torch.no_grad():
        perc = torch.cat([losses(rec[s:s + 50], src[s:s + 50])[0] for s in range(0, len(src), 50)])
    ds, _ = features(losses, src)
    dr, _ = features(losses, rec)
    ds, dr = torch.nn.functional.normalize(ds, dim=1), torch.nn.functional.normalize(dr, dim=1)
    cos = ds @ dr.T  # [source, reconstruction]
    own = cos.diag()
    n = len(src)
    others = (cos.sum(1) - own) / max(1, n - 1)
    out = {'faces': n,
           'perceptual': float(perc.mean()),
           'identityCosine': float(own.mean()),
           'identityCosineToOtherFaces': float(others.mean()),
           'identityRank1': float((cos.argmax(1) == torch.arange(n)).float().mean())}
    if 'random' in meta['counts'] and 'renders' in meta['counts']:
        _, pr = features(losses, load(folder, 'random', meta))
        _, pt = features(losses, load(folder, 'renders', meta))
        out['frechet'] = frechet(pr.numpy(), pt.numpy())
        out['frechetRandom'] = len(pr)
        out['frechetRenders'] = len(pt)
        # the floor at this sample size: two halves of the held-out renders against each other
        h = len(pt) // 2
        out['frechetRendersHalfVsHalf'] = frechet(pt[:h].numpy(), pt[h:].numpy())
    print(json.dumps(out))


if __name__ == '__main__':
    main()
