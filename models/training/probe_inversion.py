"""Where does the autoencoder lose the expression features? Probes on a trained pack's G and E
(runs/ae/final.pt), written down in TRAINING.md ("Round 4 experiments"):

  python3 models/training/probe_inversion.py optimise            # W+ optimised per image through G
  python3 models/training/probe_inversion.py encoder --minutes 5 # E fine-tuned alone, G frozen
  python3 models/training/probe_inversion.py pyramid --minutes 7 # E + pSp-style 16x16/8x8 heads, G frozen
  python3 models/training/probe_inversion.py transfer --attribute mouthOpen --steps 100
                                                                 # linear difference of refined vs encoder inversions
  python3 models/training/probe_inversion.py recon --compare ae ae5 [--grid out.png]
                                                                 # runs side by side: held-out PSNR, feature regions
  python3 models/training/probe_inversion.py scratch --decoder plain --minutes 4
                                                                 # G + E from scratch, style G vs a plain conv decoder
  python3 models/training/probe_inversion.py crops --src data/photo-train-128 --out data/photo-train-crop
                                                                 # face-centred crops of 128-px renders, at 64 px

Nothing is saved: each prints held-out PSNR before and after.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, RUNS, ImageSet  # noqa: E402
from train import evaluate_psnr, feature_weight, image_loss, load_ae, psnr  # noqa: E402


class PyramidEncoder(nn.Module):
    """E plus heads on its 16x16 and 8x8 feature maps whose W+ offsets start at zero, so the
    probe starts exactly at E's inversion."""

    def __init__(self, E, cfg):
        super().__init__()
        self.E, self.cfg = E, cfg
        c, n = cfg.e_channels, cfg.layers * cfg.dim
        self.h16 = nn.Sequential(nn.Conv2d(c[2], 32, 3, padding=1), nn.LeakyReLU(0.2), nn.AdaptiveAvgPool2d(8),
                                 nn.Flatten(), nn.Linear(32 * 64, 256), nn.LeakyReLU(0.2), nn.Linear(256, n))
        self.h8 = nn.Sequential(nn.Conv2d(c[3], 48, 3, padding=1), nn.LeakyReLU(0.2),
                                nn.Flatten(), nn.Linear(48 * 64, 256), nn.LeakyReLU(0.2), nn.Linear(256, n))
        for h in (self.h16, self.h8):
            nn.init.zeros_(h[-1].weight)
            nn.init.zeros_(h[-1].bias)

    def forward(self, x):
        b = self.E.backbone
        f, feats = b.stem(x), []
        for blk in b.blocks:
            f = blk(f)
            feats.append(f)
        h = b.head(f)
        extra = (self.h16(feats[1]) + self.h8(feats[2])).view(-1, self.cfg.layers, self.cfg.dim)
        off = self.E.to_offsets(h).view(-1, self.cfg.layers, self.cfg.dim) + extra
        w = self.E.to_w(h)
        return w[:, None, :] + off, w, off


def feature_psnr(r, x, m):
    """PSNR of `r` against `x` over the pixels where the mask `m` [B, 1, S, S] is 1 (images in [-1, 1])."""
    return (10 * torch.log10(4 / ((((r - x) ** 2) * m).sum() / (m.sum() * 3)))).item()


def optimise(G, E, test, a):
    x, _, _ = test.batch(np.arange(a.faces), 'cpu')
    masks = test.mask_batch(np.arange(a.faces), 'cpu')
    m = (masks > 0.1).float()
    with torch.no_grad():
        w0 = E(x)[0]
        r0 = G(w0)
    print(f'encoder: {psnr(r0, x):.2f} dB, feature regions {feature_psnr(r0, x, m):.2f} dB', flush=True)
    for p in G.parameters():
        p.requires_grad_(False)
    w = w0.clone().requires_grad_(True)
    opt = torch.optim.Adam([w], lr=0.02)
    for i in range(a.steps):
        r = G(w)
        loss = (r - x).abs().mean() + 4 * ((r - x).abs() * masks).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        r = G(w)
    print(f'after {a.steps} steps of W+ optimisation: {psnr(r, x):.2f} dB, feature regions {feature_psnr(r, x, m):.2f} dB')


def transfer(G, E, a):
    """Would refined inversions make better edit pairs? The linear difference (last − first frame,
    averaged over the cgi sweeps of `--attribute`) applied to the first frame of each photo sweep,
    with encoder and with refined (`--steps` Adam steps, lr 0.05) inversions of both: error of the
    edit against the photo sweep's last frame, relative to no edit (1 = no better)."""
    from common import to_tensor_images
    for q in G.parameters():
        q.requires_grad_(False)

    def invert(u8):
        x = to_tensor_images(u8.reshape(-1, *u8.shape[-3:]))
        with torch.no_grad():
            w0 = E(x)[0]
        w = w0.clone().requires_grad_(True)
        opt = torch.optim.Adam([w], lr=0.05)
        for _ in range(a.steps):
            loss = image_loss(G(w), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return x, w0, w.detach()
    cgi = np.load(Path(a.data).parent / 'sequences' / a.attribute / 'images.npy')
    photo = np.load(Path(a.data).parent / 'photo-sequences' / a.attribute / 'images.npy')
    _, wc0, wc = invert(cgi)
    xp, wp0, wp = invert(photo)
    K, n = photo.shape[:2]
    gt = xp.view(K, n, *xp.shape[1:])[:, -1]
    for name, wcs, wps in (('encoder', wc0, wp0), (f'refined {a.steps}', wc, wp)):
        wcs, wps = wcs.view(cgi.shape[0], n, *wcs.shape[1:]), wps.view(K, n, *wps.shape[1:])
        d = (wcs[:, -1] - wcs[:, 0]).mean(0)
        with torch.no_grad():
            src, ed = G(wps[:, 0]), G(wps[:, 0] + d)
        ratio = ((ed - gt) ** 2).mean().item() / ((src - gt) ** 2).mean().item()
        print(f'{a.attribute}, {name} inversions: edit error / no-edit error = {ratio:.3f}', flush=True)


def load_run(runs, name):
    """G and E of any ae-style run: the newer of final.pt and its checkpoint (a run started from a
    copy of another run's folder and stopped early has an older final.pt than its checkpoint)."""
    from fwmodels import Config, Encoder, Generator
    files = [f for f in (Path(runs) / name / 'final.pt', Path(runs) / name / 'ckpt.pt') if f.exists()]
    if not files:
        raise FileNotFoundError(f'{Path(runs) / name}: no final.pt or ckpt.pt')
    st = torch.load(max(files, key=lambda f: f.stat().st_mtime), map_location='cpu')
    cfg = Config.from_dict(st['config'] if 'config' in st else st['_extra']['config'])
    G, E = Generator(cfg), Encoder(cfg)
    G.load_state_dict(st['G']), E.load_state_dict(st['E'])
    return G.eval(), E.eval()


def recon(test, a):
    """Held-out PSNR of G(E(x)) over the whole image and over the expression features (mask > 0.1);
    beside it the PSNR of G fed E's shared w alone (what the per-layer offsets add) and, once, of
    the source itself brought down to 8 / 16 / 32 px and back up (how much detail a PSNR means)."""
    import torch.nn.functional as F
    idx = np.arange(min(a.faces, len(test)))
    x, _, _ = test.batch(idx, 'cpu')
    m = (test.mask_batch(idx, 'cpu') > 0.1).float()
    for s in (8, 16, 32):
        b = F.interpolate(F.interpolate(x, size=s, mode='area'), size=x.shape[-1], mode='bilinear', align_corners=False)
        print(f'source at {s} px, upsampled: {psnr(b, x):.2f} dB, feature regions {feature_psnr(b, x, m):.2f} dB')
    rows = [x[:12]]
    for name in a.compare:
        G, E = load_run(a.runs, name)
        with torch.no_grad():
            wplus, w, off = E(x)
            r = G(wplus)
            rs = G(w[:, None, :].expand_as(wplus))
        feat = feature_psnr(r, x, m)
        print(f'{name}: held-out PSNR {psnr(r, x):.2f} dB, feature regions {feat:.2f} dB; shared w alone '
              f'{psnr(rs, x):.2f} dB; offsets rms {off.pow(2).mean().sqrt():.3f} vs shared w std '
              f'{w.std(0).mean():.3f} ({len(idx)} faces)')
        rows.append(r[:12])
    if a.grid:
        save_grid(rows, a.grid)


def save_grid(rows, path):
    """Rows of images [-1, 1] side by side into one PNG: sources, then one row per run."""
    from PIL import Image
    g = torch.cat([torch.cat(list(t), 2) for t in rows], 1)
    img = ((g.permute(1, 2, 0).numpy() + 1) * 127.5).clip(0, 255).astype(np.uint8)
    Image.fromarray(img).save(path)
    print(f'wrote {path}: sources, then one row per run')


class PlainDecoder(nn.Module):
    """The control for `scratch`: W+ flattened -> linear -> 4x4 map -> conv/upsample blocks with G's
    channel widths, no style modulation. If this learned features faster than the style-based G,
    the architecture would be what holds them back."""

    def __init__(self, cfg):
        super().__init__()
        ch = [cfg.g_channels[r] for r in (4, 8, 16, 32, 64)]
        self.c0 = ch[0]
        self.fc = nn.Linear(cfg.layers * cfg.dim, ch[0] * 16)
        blocks = []
        for cin, cout in zip(ch[:-1], ch[1:]):
            blocks += [nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False),
                       nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.2),
                       nn.Conv2d(cout, cout, 3, padding=1), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*blocks, nn.Conv2d(ch[-1], 3, 1))

    def forward(self, w):
        return torch.tanh(self.net(self.fc(w.flatten(1)).view(-1, self.c0, 4, 4)))


def face_crops(src, out, crop):
    """Face-centred crops: each image of the set `src` (with masks.npy) cut to a `crop`-px square
    around the centroid of its eyes, brows and mouth (the masks), kept inside the frame, and
    area-resampled to 64 px with its mask; attributes, identity and meta are copied. A probe of
    framing: the features twice as large and always near the centre, as in an aligned face set."""
    import json
    import shutil
    import torch.nn.functional as F
    data = ImageSet(src)
    if data.masks is None:
        raise FileNotFoundError(f'{src}/masks.npy missing: `npm run faceworld -- masks --data {src}`')
    n, size = len(data), data.images.shape[1]
    if not 8 <= crop <= size:
        raise ValueError(f'--crop {crop}: must lie in 8..{size} (the images are {size} px)')
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    images, masks = np.empty((n, 64, 64, 3), np.uint8), np.empty((n, 64, 64), np.uint8)
    for s in range(0, n, 256):
        img = torch.from_numpy(data.images[s:s + 256]).permute(0, 3, 1, 2).float()
        msk = torch.from_numpy(data.masks[s:s + 256]).float()[:, None]
        for i in range(img.shape[0]):
            m = data.masks[s + i].astype(np.float32)
            total = m.sum()
            cx, cy = ((xs * m).sum() / total, (ys * m).sum() / total) if total > 0 else (size / 2, size / 2)
            x0 = int(round(min(max(cx - crop / 2, 0), size - crop)))
            y0 = int(round(min(max(cy - crop / 2, 0), size - crop)))
            box = (slice(None), slice(None), slice(y0, y0 + crop), slice(x0, x0 + crop))
            images[s + i] = F.interpolate(img[i:i + 1][box], size=64, mode='area')[0].permute(1, 2, 0).round().clamp(0, 255).byte().numpy()
            masks[s + i] = F.interpolate(msk[i:i + 1][box], size=64, mode='area')[0, 0].round().clamp(0, 255).byte().numpy()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / 'images.npy', images)
    np.save(out / 'masks.npy', masks)
    for f in ('attributes.npy', 'identity.npy', 'meta.json', 'params.jsonl'):
        if (Path(src) / f).exists():
            shutil.copy(Path(src) / f, out / f)
    (out / 'crop.json').write_text(json.dumps({'source': str(src), 'crop_px': crop, 'size': 64}))
    print(f'wrote {n} face-centred {crop}-px crops of {src} at 64 px to {out}')


def scratch(data, test, a):
    """G and E trained from scratch on the reconstruction loss alone (feature weight 4, batch 16,
    lr 1e-3) for `--minutes`; held-out PSNR (256 faces) and feature-region PSNR every 2 minutes."""
    from fwmodels import Config, Encoder, Generator
    cfg = Config(attrs=data.attributes.shape[1], ident=data.identity.shape[1])
    G = Generator(cfg) if a.decoder == 'style' else PlainDecoder(cfg)
    E = Encoder(cfg)
    opt = torch.optim.Adam(list(G.parameters()) + list(E.parameters()), lr=1e-3, betas=(0.9, 0.99))
    import torch.nn.functional as F
    idx = np.arange(min(256, len(test)))
    xt, _, _ = test.batch(idx, 'cpu')
    m = (test.mask_batch(idx, 'cpu') > 0.1).float()
    for s in (8, 16):
        b = F.interpolate(F.interpolate(xt, size=s, mode='area'), size=64, mode='bilinear', align_corners=False)
        print(f'{Path(a.test).name} at {s} px, upsampled: {psnr(b, xt):.2f} dB, feature regions {feature_psnr(b, xt, m):.2f} dB')
    rng, t, step, next_report = np.random.default_rng(0), time.time(), 0, 0.0
    while True:
        el = time.time() - t
        if el >= next_report:
            G.eval(), E.eval()
            with torch.no_grad():
                r = G(E(xt)[0])
            G.train(), E.train()
            feat = feature_psnr(r, xt, m)
            print(f'{a.decoder} decoder, {el / 60:.1f} min, {step} steps: held-out {psnr(r, xt):.2f} dB, '
                  f'feature regions {feat:.2f} dB', flush=True)
            next_report += 120
            if el >= 60 * a.minutes:
                if a.grid:
                    save_grid([xt[:12], r[:12]], a.grid)
                return
        b = rng.integers(0, len(data), 16)
        x, _, _ = data.batch(b, 'cpu')
        loss = image_loss(G(E(x)[0]), x, feature_weight(data.mask_batch(b, 'cpu'), 4))
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1


def finetune(G, net, data, test, a):
    print(f'start: held-out {evaluate_psnr(G, net, test, "cpu", n=512):.2f} dB', flush=True)
    for p in G.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(net.parameters(), lr=5e-4, betas=(0.9, 0.99))
    rng, t, step = np.random.default_rng(5), time.time(), 0
    while time.time() - t < 60 * a.minutes:
        idx = rng.integers(0, len(data), 16)
        x, _, _ = data.batch(idx, 'cpu')
        wplus, _, off = net(x)
        loss = image_loss(G(wplus), x, feature_weight(data.mask_batch(idx, 'cpu'), 4)) + 0.1 * off.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
    print(f'after {step} steps ({a.minutes} min): held-out {evaluate_psnr(G, net, test, "cpu", n=512):.2f} dB')


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('probe', choices=['optimise', 'encoder', 'pyramid', 'recon', 'transfer', 'scratch', 'crops'])
    p.add_argument('--src', default='', help='crops: a 128-px data set with masks.npy')
    p.add_argument('--out', default='', help='crops: where to write the cropped set')
    p.add_argument('--crop', type=int, default=80, help='crops: square side in source pixels')
    p.add_argument('--decoder', choices=['style', 'plain'], default='style', help='scratch: which generator')
    p.add_argument('--attribute', default='mouthOpen', help='transfer: which sweeps')
    p.add_argument('--compare', nargs='+', default=['ae'], help='recon: run folders to compare')
    p.add_argument('--grid', default='', help='recon / scratch: write sources and reconstructions to this PNG')
    p.add_argument('--runs', default=str(RUNS))
    p.add_argument('--data', default=str(DATA / 'photo-train'))
    p.add_argument('--test', default=str(DATA / 'photo-test'))
    p.add_argument('--faces', type=int, default=8, help='optimise / recon: held-out faces')
    p.add_argument('--steps', type=int, default=600, help='optimise / transfer: Adam steps')
    p.add_argument('--minutes', type=float, default=5, help='encoder / pyramid / scratch: wall-time budget')
    a = p.parse_args()
    torch.manual_seed(0)
    if a.probe == 'crops':
        face_crops(a.src, a.out, a.crop)
        return
    test = ImageSet(a.test)
    if a.probe == 'recon':
        recon(test, a)
        return
    if a.probe == 'scratch':
        scratch(ImageSet(a.data), test, a)
        return
    cfg, G, E, _ = load_ae(a.runs, 'cpu')
    if a.probe == 'optimise':
        optimise(G, E, test, a)
        return
    if a.probe == 'transfer':
        transfer(G, E, a)
        return
    G.train(), E.train()
    finetune(G, E if a.probe == 'encoder' else PyramidEncoder(E, cfg), ImageSet(a.data), test, a)


if __name__ == '__main__':
    main()
