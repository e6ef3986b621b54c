"""Trains the FaceWorld demo pack. One command per model, from the repository root:

  python3 -m training.train ae     # G + E + mapping M (adversarial-autoencoder prior)
  python3 -m training.train delta  # the Δ-encoder on inverted cgi sequences (needs ae)
  python3 -m training.train aux    # attribute estimator + domain classifier (needs ae)

Data from training/data (face-framed renders, `bash training/make_data.sh`), runs in
training/runs; each resumes from runs/<model>/ckpt.pt with --resume; CPU by default, CUDA when
present.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .common import DATA, RUNS, Checkpoint, ImageSet, Timer, cosine_lr, device, log, seed_all, to_tensor_images
from .delta import DeltaDecoder, DeltaEncoder, delta_fit, dge_losses, draw_pairs, step_change
from .fwmodels import AttributeEstimator, Config, DomainClassifier, Encoder, Generator, LatentDiscriminator, Mapping, count_params


def image_loss(rec, x, weight=None):
    """L1 at 64, 32 and 16 px plus an L1 on image gradients (keeps edges from blurring). With a
    per-pixel weight [B, 1, S, S] (mean 1 per image) every term is weighted by it, pooled to
    each scale."""
    def l1(a, b, wt):
        d = (a - b).abs()
        return d.mean() if wt is None else (d * wt).mean()
    loss = l1(rec, x, weight)
    r, t, wt = rec, x, weight
    for _ in range(2):
        r, t = F.avg_pool2d(r, 2), F.avg_pool2d(t, 2)
        wt = None if wt is None else F.avg_pool2d(wt, 2)
        loss = loss + l1(r, t, wt)
    gx = lambda a: a[..., :, 1:] - a[..., :, :-1]  # noqa: E731
    gy = lambda a: a[..., 1:, :] - a[..., :-1, :]  # noqa: E731
    wx = None if weight is None else weight[..., :, 1:]
    wy = None if weight is None else weight[..., 1:, :]
    return loss + l1(gx(rec), gx(x), wx) + l1(gy(rec), gy(x), wy)


def feature_weight(mask, strength):
    """Loss weight from the expression-feature coverage: 1 + strength × (coverage widened by a
    pixel), normalised to mean 1 per image so the loss scale (and the LR) stays comparable."""
    if mask is None or strength <= 0:
        return None
    wide = F.max_pool2d(mask, 3, stride=1, padding=1)
    w = 1 + strength * wide
    return w / w.mean(dim=(2, 3), keepdim=True)


def psnr(a, b):
    mse = ((a - b) ** 2).mean(dim=(1, 2, 3)).clamp_min(1e-10)
    return (10 * torch.log10(4.0 / mse)).mean().item()  # images span [-1, 1]: peak-to-peak 2


def config_for(data: ImageSet, **kw) -> Config:
    return Config(attrs=data.attributes.shape[1], ident=data.identity.shape[1], **kw)


# --------------------------------------------------------------------------------------------

def train_ae(a):
    """G and E jointly as an autoencoder on photo renders; M learns E's distribution of shared
    w through a latent discriminator (adversarial autoencoder), so M(z) gives plausible faces."""
    seed_all(a.seed)
    dev = device()
    data = ImageSet(a.data)
    test = ImageSet(a.test) if a.test and Path(a.test, 'images.npy').exists() else None
    cfg = config_for(data, width_mult=a.width)
    G, E, M, Dz = Generator(cfg).to(dev), Encoder(cfg).to(dev), Mapping(cfg).to(dev), LatentDiscriminator(cfg).to(dev)
    print(f'G {count_params(G)/1e6:.2f}M  E {count_params(E)/1e6:.2f}M  M {count_params(M)/1e6:.2f}M params, '
          f'{len(data)} train images, device {dev}', flush=True)
    opt_ge = torch.optim.Adam(list(G.parameters()) + list(E.parameters()), lr=a.lr, betas=(0.9, 0.99))
    opt_m = torch.optim.Adam(M.parameters(), lr=a.lr_latent, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(Dz.parameters(), lr=a.lr_latent, betas=(0.5, 0.9))
    ck = Checkpoint(a.name, a.runs)
    objs = dict(G=G, E=E, M=M, Dz=Dz, opt_ge=opt_ge, opt_m=opt_m, opt_d=opt_d)
    step, _ = ck.load(objs) if a.resume else (0, {})
    timer = Timer(a.name, a.runs) if a.resume else _fresh_timer(a)
    rng = np.random.default_rng(a.seed + step)
    start_step, start_sec = (step, timer.seconds()) if a.restart_lr else (0, 0.0)

    def schedule_progress(s):
        p = (s - start_step) / max(1, a.steps - start_step)
        if a.max_minutes:
            p = max(p, (timer.seconds() - start_sec) / max(1.0, 60 * a.max_minutes - start_sec))
        return min(1.0, p)

    while step < a.steps:
        if a.max_minutes and timer.seconds() > 60 * a.max_minutes:
            print(f'[{a.name}] stopping at step {step}: --max-minutes {a.max_minutes} reached', flush=True)
            ck.save(step, objs, {'config': cfg.to_dict()})
            timer.write(steps=step, batch=a.batch, images=step * a.batch)
            break
        # cosine decay of the autoencoder's learning rate over the run; with --restart-lr a
        # resumed run starts a fresh cosine at --lr from the resume step (warm restart), and
        # with --max-minutes the decay also follows the wall-time budget so a time stop ends low
        for g in opt_ge.param_groups:
            g['lr'] = cosine_lr(a.lr, schedule_progress(step), 0.1)
        idx = rng.integers(0, len(data), a.batch)
        x, _, _ = data.batch(idx, dev)
        # eyes, brows and mouth are a few % of the pixels: weight them up (--feature-weight)
        wt = feature_weight(data.mask_batch(idx, dev), a.feature_weight)
        if a.flip:
            flip = torch.rand(x.shape[0], 1, 1, 1, device=dev) < 0.5
            x = torch.where(flip, x.flip(3), x)
            wt = None if wt is None else torch.where(flip, wt.flip(3), wt)
        wplus, w, off = E(x)
        # latent noise keeps the neighbourhood of each inversion decodable (editability)
        rec = G(wplus + a.latent_noise * torch.randn_like(wplus))
        loss_rec = image_loss(rec, x, wt)
        # the shared w alone must already decode to the face: that is what M(z) feeds G
        q = max(1, a.batch // 8)
        rec_w = G(w[:q, None, :].expand(-1, cfg.layers, -1))
        loss_shared = image_loss(rec_w, x[:q], None if wt is None else wt[:q])
        loss_off = off.pow(2).mean()
        # pull E's shared w towards the region M covers, lightly (AAE encoder-side term)
        loss_prior = F.softplus(-Dz(w)).mean() if step > a.prior_start else torch.zeros((), device=dev)
        loss = loss_rec + a.w_shared * loss_shared + a.w_off * loss_off + a.w_prior * loss_prior
        opt_ge.zero_grad(set_to_none=True)
        loss.backward()
        opt_ge.step()

        # latent GAN: Dz tells E's w (real) from M(z) (fake); M learns to fool it
        for _ in range(a.latent_steps):
            wr = w.detach()
            wf = M(torch.randn(a.batch, cfg.z_dim, device=dev))[:, 0]
            wr.requires_grad_(True)
            dr = Dz(wr)
            r1 = torch.autograd.grad(dr.sum(), wr, create_graph=True)[0].pow(2).sum(1).mean()
            loss_d = F.softplus(-dr).mean() + F.softplus(Dz(wf.detach())).mean() + 0.5 * r1
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            loss_m = F.softplus(-Dz(wf)).mean()
            opt_m.zero_grad(set_to_none=True)
            loss_m.backward()
            opt_m.step()

        step += 1
        if step % a.log_every == 0 or step == a.steps:
            extra = {}
            if test is not None:
                extra['test_psnr'] = evaluate_psnr(G, E, test, dev, n=128)
            log(a.name, step, rec=loss_rec.item(), shared=loss_shared.item(), off=loss_off.item(),
                d=loss_d.item(), m=loss_m.item(), psnr=psnr(rec.detach(), x), lr=opt_ge.param_groups[0]['lr'],
                sec=round(timer.seconds()), **extra)
        if step % a.ckpt_every == 0 or step == a.steps:
            ck.save(step, objs, {'config': cfg.to_dict()})
            timer.write(steps=step, batch=a.batch, images=step * a.batch)
    _save_final(a, dict(G=G, E=E, M=M), cfg)
    if test is not None:
        p = evaluate_psnr(G, E, test, dev, n=len(test))
        print(f'[{a.name}] final held-out reconstruction PSNR {p:.2f} dB', flush=True)
        timer.write(steps=step, batch=a.batch, images=step * a.batch, test_psnr=round(p, 2))


@torch.no_grad()
def evaluate_psnr(G, E, test, dev, n=256):
    G.eval(), E.eval()
    vals = []
    for s in range(0, min(n, len(test)), 64):
        x, _, _ = test.batch(np.arange(s, min(s + 64, n, len(test))), dev)
        vals.append(psnr(G(E(x)[0]), x) * x.shape[0])
    G.train(), E.train()
    return sum(vals) / min(n, len(test))


def _fresh_timer(a):
    t = Timer(a.name, a.runs)
    t.before = 0.0
    return t


def _save_final(a, models: dict, cfg: Config, extra: dict | None = None):
    out = Path(a.runs) / a.name / 'final.pt'
    torch.save({'config': cfg.to_dict(), **{k: m.state_dict() for k, m in models.items()}, **(extra or {})}, out)
    print(f'[{a.name}] wrote {out}', flush=True)


def load_ae(runs: Path, dev):
    state = torch.load(Path(runs) / 'ae' / 'final.pt', map_location='cpu')
    cfg = Config.from_dict(state['config'])
    G, E, M = Generator(cfg), Encoder(cfg), Mapping(cfg)
    for k, m in (('G', G), ('E', E), ('M', M)):
        m.load_state_dict(state[k])
        m.to(dev).eval()
    return cfg, G, E, M


# --------------------------------------------------------------------------------------------

def load_sequences(folder: Path):
    """Every sub-folder of `folder` holding a sequences set: {attribute: (images, attributes)}."""
    seqs = {}
    for d in sorted(Path(folder).iterdir()):
        if (d / 'images.npy').exists():
            meta = json.loads((d / 'meta.json').read_text()) if (d / 'meta.json').exists() else {}
            name = meta.get('attribute', d.name)
            if isinstance(name, list):
                name = '+'.join(name)
            seqs[str(name)] = np.load(d / 'images.npy')
    if not seqs:
        raise FileNotFoundError(f'no sequence sets (images.npy [K,n,S,S,3]) under {folder}')
    return seqs


@torch.no_grad()
def invert_sequences(E, seqs, dev, limit=None):
    """images [K, n, S, S, 3] per attribute -> latents [K, n, L, D] (the a_i of the DGE method: inverted synthetic sequences)."""
    out = {}
    for name, imgs in seqs.items():
        K, n = imgs.shape[:2]
        K = min(K, limit) if limit else K
        flat = imgs[:K].reshape(K * n, *imgs.shape[2:])
        ws = [E(to_tensor_images(flat[s:s + 128]).to(dev))[0] for s in range(0, len(flat), 128)]
        out[name] = torch.cat(ws).view(K, n, *ws[0].shape[1:])
    return out


def train_delta(a):
    """DGE: δ = Enc(a_i, a_j); loss = ‖a_j − (a_i + Dec(a_i, δ))‖² + ‖b_j − (b_i + Dec(b_i, δ))‖²
    with B another identity swept through the same schedule; noise on the inputs."""
    seed_all(a.seed)
    dev = device()
    cfg, G, E, _ = load_ae(a.runs, dev)
    cfg.delta_dim, cfg.delta_hidden = a.delta_dim, a.hidden
    lat = invert_sequences(E, load_sequences(a.data), dev, limit=a.sequences)
    names = sorted(lat)
    print(f'Δ-encoder on {len(names)} attributes x {lat[names[0]].shape[0]} sequences x '
          f'{lat[names[0]].shape[1]} steps: {names}', flush=True)
    scale = torch.cat([v.flatten(0, 1) for v in lat.values()]).std(0).mean().item()
    enc, dec = DeltaEncoder(cfg).to(dev), DeltaDecoder(cfg).to(dev)
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=a.lr)
    ck = Checkpoint(a.name, a.runs)
    objs = dict(enc=enc, dec=dec, opt=opt)
    step, _ = ck.load(objs) if a.resume else (0, {})
    timer = Timer(a.name, a.runs) if a.resume else _fresh_timer(a)
    rng = np.random.default_rng(a.seed + step)
    noise = a.noise * scale
    change = {t: step_change(v) for t, v in lat.items()}  # the loss unit
    while step < a.steps:
        # cosine decay: with a constant LR the last steps' per-attribute normalised loss (tiny
        # changes for eyes) left the final weights at a noisy point, worse than no edit
        for g in opt.param_groups:
            g['lr'] = cosine_lr(a.lr, step / a.steps, 0.05)
        t = names[rng.integers(len(names))]
        L = lat[t]
        K, n = L.shape[:2]
        ia, ib, i, j, k = draw_pairs(rng, K, n, a.batch)  # B: another identity, same schedule
        ai, aj, ak, bi, bj = L[ia, i], L[ia, j], L[ia, k], L[ib, i], L[ib, j]
        # one noise draw per sequence (a + n_a, b + n_b): it moves the anchor, not the change
        n_a, n_b = noise * torch.randn_like(ai), noise * torch.randn_like(bi)
        loss_a, loss_b, loss_add = dge_losses(enc, dec, ai, aj, ak, bi, bj, n_a, n_b, change[t])
        loss = a.w_within * loss_a + a.w_transfer * loss_b + a.w_additive * loss_add
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % a.log_every == 0 or step == a.steps:
            # losses are relative to the attribute's mean change: 1 = no better than no edit
            log(a.name, step, attribute=t, within=loss_a.item(), transfer=loss_b.item(),
                additive=loss_add.item(), sec=round(timer.seconds()))
        if step % a.ckpt_every == 0 or step == a.steps:
            ck.save(step, objs)
            timer.write(steps=step, batch=a.batch, sequences_per_attribute=int(lat[names[0]].shape[0]),
                        steps_per_sequence=int(lat[names[0]].shape[1]), attributes=names)
    _save_final(a, dict(enc=enc, dec=dec), cfg, {'attributes_trained': names,
                                                 'sequences_per_attribute': int(lat[names[0]].shape[0])})
    report_delta(enc, dec, lat)
    if a.validate and Path(a.validate).is_dir() and any(Path(a.validate).glob('*/images.npy')):
        # labelled photo sweeps of other identities: read, never trained on
        with torch.no_grad():
            report_delta(enc, dec, lat, invert_sequences(E, load_sequences(a.validate), dev),
                         label=f'cgi codes onto photo sequences ({a.validate})', G=G)


def report_delta(enc, dec, lat, onto=None, label=None, G=None):
    """Prints the fit of the trained Δ-encoder per attribute (see common.delta_fit)."""
    enc.eval(), dec.eval()
    fits = delta_fit(enc, dec, lat, onto, G)
    if label:
        print(f'  {label}:', flush=True)
    img = lambda f: (f'  image: transfer {f["imageTransfer"]:.3f} gain {f["imageGain"]:.2f} '  # noqa: E731
                     f'linear {f["linearImageTransfer"]:.3f}'
                     if 'imageTransfer' in f else '')
    for name, f in fits.items():
        print(f'  {name:15s} within {f["within"]:.3f}  transfer {f["transfer"]:.3f}  gain {f["gain"]:.2f}  '
              f'K-mean code: transfer {f["transferMean"]:.3f} gain {f["gainMean"]:.2f}  '
              f'(linear difference transfer {f["linearTransfer"]:.3f}; 1 = no better than no edit){img(f)}', flush=True)
    if fits:
        mean = {k: sum(f[k] for f in fits.values()) / len(fits) for k in next(iter(fits.values()))}
        print(f'  {"mean":15s} within {mean["within"]:.3f}  transfer {mean["transfer"]:.3f}  gain {mean["gain"]:.2f}  '
              f'K-mean code: transfer {mean["transferMean"]:.3f} gain {mean["gainMean"]:.2f}  '
              f'(linear difference transfer {mean["linearTransfer"]:.3f}){img(mean)}', flush=True)
    enc.train(), dec.train()
    return fits


# --------------------------------------------------------------------------------------------

EXPRESSIONS = ('smile', 'mouthOpen', 'eyeClosedLeft', 'eyeClosedRight', 'browRaise', 'frown', 'squint')


def train_aux(a):
    """Attribute estimator on photo renders and domain classifier on cgi vs photo renders. When
    the autoencoder is trained (runs/ae/final.pt), G's reconstructions and random faces join
    the photo side, so both read generated faces too (the smoke test also runs it without)."""
    seed_all(a.seed)
    dev = device()
    photo, cgi = ImageSet(a.data), ImageSet(a.cgi)
    have_ae = (Path(a.runs) / 'ae' / 'final.pt').exists() and not a.renders_only
    if have_ae:
        cfg, G, E, M = load_ae(a.runs, dev)
        cfg.attrs, cfg.ident = photo.attributes.shape[1], photo.identity.shape[1]
    else:
        cfg, G, E, M = config_for(photo), None, None, None
    why = '--renders-only' if a.renders_only else f'autoencoder {"found" if have_ae else "not trained yet"}'
    print(f'[{a.name}] {"with" if have_ae else "without"} generated faces ({why})', flush=True)
    init = torch.load(a.init, map_location='cpu') if a.init else None
    # the helpers keep the sizes they were trained with, whatever G's width
    ecfg = Config.from_dict(init['config']) if init is not None else cfg
    est, dom = AttributeEstimator(ecfg).to(dev), DomainClassifier(ecfg).to(dev)
    y = np.concatenate([photo.attributes, photo.identity], 1)
    est.mean.copy_(torch.from_numpy(y.mean(0)))
    est.std.copy_(torch.from_numpy(y.std(0) + 1e-3))
    if init is not None:
        # fine-tune: start from another run's weights (e.g. a renders-only run, then with G's faces)
        est.load_state_dict(init['est']), dom.load_state_dict(init['dom'])
        print(f'[{a.name}] initialised from {a.init}', flush=True)
    # expressions are a few pixels at 64 px and learnt last: weight their outputs (--expression-weight)
    names = photo.attribute_names
    out_weight = torch.ones(ecfg.attrs + ecfg.ident, device=dev)
    for k, n in enumerate(names):
        if n in EXPRESSIONS:
            out_weight[k] = a.expression_weight
    opt = torch.optim.Adam(list(est.parameters()) + list(dom.parameters()), lr=a.lr)
    ck = Checkpoint(a.name, a.runs)
    objs = dict(est=est, dom=dom, opt=opt)
    step, _ = ck.load(objs) if a.resume else (0, {})
    timer = Timer(a.name, a.runs) if a.resume else _fresh_timer(a)
    rng = np.random.default_rng(a.seed + step)
    start_sec = timer.seconds()
    while step < a.steps:
        if a.max_minutes and timer.seconds() - start_sec > 60 * a.max_minutes:
            print(f'[{a.name}] stopping at step {step}: --max-minutes {a.max_minutes} reached', flush=True)
            ck.save(step, objs)
            timer.write(steps=step, batch=a.batch, with_generated=have_ae)
            break
        p = step / a.steps
        if a.max_minutes:  # the LR decays over whichever budget runs out first
            p = max(p, (timer.seconds() - start_sec) / (60 * a.max_minutes))
        for g in opt.param_groups:
            g['lr'] = cosine_lr(a.lr, p, 0.1)
        x, at, idn = photo.batch(rng.integers(0, len(photo), a.batch), dev)
        target = (torch.cat([at, idn], 1) - est.mean) / est.std
        xe, te, extra = x, target, []
        if G is not None:
            h = a.batch // 2
            with torch.no_grad():
                rec = G(E(x[:h])[0])
                extra = [rec, G(M(torch.randn(h // 2, cfg.z_dim, device=dev)))]
            xe, te = torch.cat([x, rec]), torch.cat([target, target[:h]])
        loss_est = (F.smooth_l1_loss(est.forward_std(xe), te, beta=0.1, reduction='none') * out_weight).mean()
        xc, _, _ = cgi.batch(rng.integers(0, len(cgi), a.batch // 2), dev)
        xd = torch.cat([xc, x[:a.batch // 2], *extra])
        yd = torch.cat([torch.ones(len(xc)), torch.zeros(len(xd) - len(xc))]).to(dev)[:, None]
        loss_dom = F.binary_cross_entropy_with_logits(dom(xd), yd)
        loss = loss_est + loss_dom
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % a.log_every == 0 or step == a.steps:
            log(a.name, step, est=loss_est.item(), dom=loss_dom.item(), sec=round(timer.seconds()))
        if step % a.ckpt_every == 0 or step == a.steps:
            ck.save(step, objs)
            timer.write(steps=step, batch=a.batch, with_generated=have_ae)
    _save_final(a, dict(est=est, dom=dom), ecfg)
    if a.test and Path(a.test, 'images.npy').exists():
        report_aux(est, dom, ImageSet(a.test), G, E, dev)


@torch.no_grad()
def report_aux(est, dom, test, G, E, dev):
    est.eval(), dom.eval()
    x, at, _ = test.batch(np.arange(min(500, len(test))), dev)
    pa, _ = est(x)
    mae = (pa - at).abs().mean(0)
    names = test.attribute_names
    chance = (at - at.median(0).values).abs().mean(0)  # MAE of always answering the median
    print('attribute MAE on held-out photos (chance level in brackets): ' +
          ', '.join(f'{n}={v:.3f} ({c:.3f})' for n, v, c in zip(names, mae.tolist(), chance.tolist())))
    print(f'domain: photo judged cgi {(dom(x) > 0).float().mean().item():.3f}', flush=True)
    if G is not None:
        rec = G(E(x)[0])
        pr, _ = est(rec)
        print(f'domain: reconstruction judged cgi {(dom(rec) > 0).float().mean().item():.3f}; attribute MAE '
              f'read off reconstructions: ' + ', '.join(f'{n}={v:.3f}' for n, v in zip(names, (pr - at).abs().mean(0).tolist())),
              flush=True)


# --------------------------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)

    def common(s, name, steps, batch, lr):
        s.add_argument('--name', default=name, help='run folder under --runs')
        s.add_argument('--runs', default=str(RUNS))
        s.add_argument('--steps', type=int, default=steps)
        s.add_argument('--batch', type=int, default=batch)
        s.add_argument('--lr', type=float, default=lr)
        s.add_argument('--seed', type=int, default=1)
        s.add_argument('--resume', action='store_true', help='continue from runs/<name>/ckpt.pt')
        s.add_argument('--log-every', type=int, default=100)
        s.add_argument('--ckpt-every', type=int, default=500)

    s = sub.add_parser('ae', help='generator + inversion encoder + mapping network')
    common(s, 'ae', 25378, 16, 1e-3)
    s.add_argument('--data', default=str(DATA / 'photo-train'))
    s.add_argument('--test', default=str(DATA / 'photo-test'))
    s.add_argument('--width', type=float, default=1.0, help='channel multiplier (smoke test: small)')
    s.add_argument('--lr-latent', type=float, default=5e-4)
    s.add_argument('--max-minutes', type=float, default=0,
                   help='wall-time budget (accumulated over resumes; 0: none); the LR decays over it too')
    s.add_argument('--restart-lr', action='store_true',
                   help='on --resume: a fresh cosine from --lr at the resume step (warm restart)')
    s.add_argument('--feature-weight', type=float, default=4.0,
                   help='extra loss weight on the expression features (eyes, brows, mouth) where the data '
                        'set has masks.npy; 0: plain L1')
    s.add_argument('--latent-steps', type=int, default=1)
    s.add_argument('--latent-noise', type=float, default=0.05)
    s.add_argument('--w-shared', type=float, default=0.5)
    s.add_argument('--w-off', type=float, default=0.1)
    s.add_argument('--w-prior', type=float, default=0.01)
    s.add_argument('--prior-start', type=int, default=500)
    s.add_argument('--no-flip', dest='flip', action='store_false',
                   help='turn off mirror augmentation (harmless here: the autoencoder sees no labels)')
    s.set_defaults(fn=train_ae)

    s = sub.add_parser('delta', help='the Δ-encoder (DGE) on inverted cgi sequences')
    common(s, 'delta', 2000, 64, 1e-3)
    s.add_argument('--data', default=str(DATA / 'sequences'))
    s.add_argument('--sequences', type=int, default=None, help='use only the first K sequences per attribute')
    s.add_argument('--validate', default=str(DATA / 'photo-sequences'),
                   help='photo sweeps of other identities: after training, report how the cgi codes transfer onto them')
    s.add_argument('--delta-dim', type=int, default=16)
    s.add_argument('--hidden', type=int, default=256)
    s.add_argument('--noise', type=float, default=0.05, help='input noise, in units of the latent std')
    s.add_argument('--w-within', type=float, default=1.0)
    s.add_argument('--w-transfer', type=float, default=1.0)
    s.add_argument('--w-additive', type=float, default=0.1)
    s.set_defaults(fn=train_delta)

    s = sub.add_parser('aux', help='attribute estimator + domain classifier')
    common(s, 'aux', 800, 48, 1e-3)
    s.add_argument('--data', default=str(DATA / 'photo-train'))
    s.add_argument('--cgi', default=str(DATA / 'cgi-train'))
    s.add_argument('--renders-only', action='store_true',
                   help="train on renders only, even when the autoencoder exists (then fine-tune with --init)")
    s.add_argument('--init', default='', help="start from this run's final.pt (est + dom weights)")
    s.add_argument('--expression-weight', type=float, default=4.0, help='loss weight of the expression outputs')
    s.add_argument('--max-minutes', type=float, default=0, help='wall-time budget of this run (0: none)')
    s.add_argument('--test', default=str(DATA / 'photo-test'))
    s.set_defaults(fn=train_aux)

    a = p.parse_args(argv)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    a.fn(a)


if __name__ == '__main__':
    main()
