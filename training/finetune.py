"""Fine-tunes the bundled pack's G, E and M with pixel + perceptual + identity losses, for hours,
resumably, on a CPU or a GPU. From the repository root:

  # start (or continue: --resume) a run; on a shared CPU with one OpenMP thread
  OMP_NUM_THREADS=1 python3 -m training.finetune train --resume --max-minutes 600
  # the same on a GPU: larger batch, checkpoints where you say
  python3 -m training.finetune train --resume --device cuda --batch 64 --face-batch 64 --runs /path/to/ckpts
  # copy the run's latest checkpoint into a file small enough to commit (fp16 optimiser state)
  python3 -m training.finetune snapshot
  # the run's G, E, M where export.py reads them (then: python3 -m training.export ...)
  python3 -m training.finetune to-ae
  # measure the step time at 64 and 128 px
  OMP_NUM_THREADS=1 python3 -m training.finetune speed

Where a run starts: its own checkpoint (`<runs>/<name>/ckpt.pt`, with --resume), else the
committed snapshot (`--init`, training/checkpoints/finetune.pt), else the bundled pack's ONNX
files (`--onnx`, models/faceworld): G, E and M are rebuilt from their initializers (same
architecture as `fwmodels`; checked by re-exporting and comparing every initializer). The
latent discriminator is not in the pack: it starts fresh and M waits `--dz-warmup` steps.

Losses (per batch of face-framed photo renders): the autoencoder's feature-weighted L1 pyramid
(`train.image_loss`), the shared-w and offset terms as in `train.py ae`, plus
`--w-perc` × the face-recognition net's LPIPS-style distance and `--w-id` × (1 − descriptor cosine)
(`facenet.py`, face-api's pretrained weights) on the first `--face-batch` images. Constant LR after a linear
warm-up (`--warmup` steps), so a run can continue across sessions without a schedule to honour. Checkpoints every
`--ckpt-minutes` (atomic); a JSON line per evaluation in `<runs>/<name>/log.jsonl`.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .common import DATA, RUNS, Checkpoint, ImageSet, Timer, seed_all
from .facenet import FaceLosses
from .fwmodels import (Config, Encoder, Generator, LatentDiscriminator, Mapping, ModConv, count_params, parse_channels,
                       widen_generator)
from .train import feature_weight, image_loss, psnr

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / 'models' / 'faceworld'
SNAPSHOT = Path(__file__).resolve().parent / 'checkpoints' / 'finetune.pt'
MODULES = ('G', 'E', 'M', 'Dz')
OPTIMS = ('opt_ge', 'opt_m', 'opt_d')


# --------------------------------------------------------------------------------------------
# The bundled pack's G, E, M from its ONNX initializers

def _initializers(path: Path) -> dict:
    import onnx
    from onnx import numpy_helper
    return {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in onnx.load(str(path)).graph.initializer}


def from_onnx(pack: Path = PACK):
    """(cfg, G, E, M) with the weights of the pack's generator.onnx, encoder.onnx, mapping.onnx.
    The export folded each modulated conv's `weight × scale` into one Conv initializer and its
    bias into the Add after it; they come back in the order of G's convs."""
    manifest = json.loads((pack / 'manifest.json').read_text())
    cfg = Config.from_dict(manifest['meta']['config'])
    G, E, M = Generator(cfg), Encoder(cfg), Mapping(cfg)
    gi = _initializers(pack / 'generator.onnx')
    sd = {k: v for k, v in gi.items() if not k.startswith('onnx::')}
    convs = [v for k, v in gi.items() if k.startswith('onnx::Conv_')]
    adds = [v for k, v in gi.items() if k.startswith('onnx::Add_')]
    mods = [*G.convs, G.to_rgb]
    if len(convs) != len(mods) or len(adds) != len(mods):
        raise ValueError(f'{pack}/generator.onnx: {len(convs)} folded convs and {len(adds)} biases, G has {len(mods)} convs')
    for i, (m, w, b) in enumerate(zip(mods, convs, adds)):
        name = f'convs.{i}' if i < len(G.convs) else 'to_rgb'
        sd[f'{name}.weight'] = w / m.scale
        sd[f'{name}.bias'] = b.flatten()
    G.load_state_dict(sd)
    ei = _initializers(pack / 'encoder.onnx')
    E.load_state_dict({k[2:]: v for k, v in ei.items() if k.startswith('e.')})
    M.load_state_dict(_initializers(pack / 'mapping.onnx'))
    return cfg, G, E, M


def check_from_onnx(pack: Path = PACK) -> dict:
    """Re-exports the rebuilt G, E, M and returns each file's max abs initializer difference
    against the pack's (the graphs are the same, so equal initializers mean equal functions)."""
    import tempfile

    from .export import EncoderWPlus
    cfg, G, E, M = from_onnx(pack)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        S, Z = cfg.size, cfg.z_dim
        for name, model, inputs, outs in (('generator', G, (torch.randn(2, cfg.layers, cfg.dim),), ['image']),
                                          ('encoder', EncoderWPlus(E), (torch.rand(2, 3, S, S) * 2 - 1,), ['w']),
                                          ('mapping', M, (torch.randn(2, Z),), ['w'])):
            path = Path(tmp) / f'{name}.onnx'
            model.eval()
            torch.onnx.export(model, inputs, str(path), input_names=['x'], output_names=outs,
                              dynamic_axes={'x': {0: 'batch'}, outs[0]: {0: 'batch'}}, opset_version=17, do_constant_folding=True)
            a, b = list(_initializers(path).values()), list(_initializers(pack / f'{name}.onnx').values())
            if [t.shape for t in a] != [t.shape for t in b]:
                raise ValueError(f'{name}: the re-exported initializers differ in shape from the pack\'s')
            out[name] = max(float((x - y).abs().max()) for x, y in zip(a, b))
    return out


# --------------------------------------------------------------------------------------------

def device(name: str) -> torch.device:
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if name == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda: this PyTorch sees no CUDA device')
    return torch.device(name)


def config_of(st: dict) -> dict | None:
    """The model sizes a loaded checkpoint (`_extra`) or snapshot was saved with (None: the pack's)."""
    return st.get('config') or st.get('_extra', {}).get('config')


def saved_config(path: Path) -> dict | None:
    return config_of(torch.load(path, map_location='cpu'))


def ge_optimiser(G, E, lr):
    return torch.optim.Adam(list(G.parameters()) + list(E.parameters()), lr=lr, betas=(0.9, 0.99))


def build(a, dev):
    """Models and optimisers, where they came from ('checkpoint' (resume), 'snapshot' or 'onnx')
    and the step the G+E optimiser started at (its LR warm-up counts from there)."""
    ck = Checkpoint(a.name, a.runs)
    cfg, G, E, M = from_onnx(Path(a.onnx))
    resume = a.resume and ck.path.exists()
    start = ck.path if resume else Path(a.init) if a.init and Path(a.init).exists() else None
    saved = saved_config(start) if start else None
    if saved and saved['g_channels'] != cfg.to_dict()['g_channels']:  # a widened run: G has its own sizes
        cfg = Config.from_dict(saved)
        G = Generator(cfg)
    Dz = LatentDiscriminator(cfg)
    for m in (G, E, M, Dz):
        m.to(dev).train()
    objs = dict(G=G, E=E, M=M, Dz=Dz, opt_ge=ge_optimiser(G, E, a.lr),
                opt_m=torch.optim.Adam(M.parameters(), lr=a.lr_latent, betas=(0.5, 0.9)),
                opt_d=torch.optim.Adam(Dz.parameters(), lr=a.lr_latent, betas=(0.5, 0.9)))
    step, origin, seconds, warm_from = 0, 'onnx', 0.0, 0
    if resume:
        step, extra = ck.load(objs)
        origin, warm_from = 'checkpoint', extra.get('warm_from', 0)
    elif start is not None:
        step, seconds, warm_from = load_snapshot(start, objs, dev)
        origin = 'snapshot'
        t = Timer(a.name, a.runs)
        if t.before == 0:
            t.before = seconds
            t.start = time.time()
            t.write(steps=step, origin='snapshot')
    want = parse_channels(a.g_channels)
    if any(c > cfg.g_channels[r] for r, c in want.items()):
        # more capacity where the measurement says detail is lost: G grows without changing what it
        # computes, and its optimiser starts fresh (with the warm-up) because the shapes changed
        objs['G'], cfg = widen_generator(objs['G'], cfg, want)
        objs['G'].to(dev).train()
        objs['opt_ge'] = ge_optimiser(objs['G'], E, a.lr)
        warm_from = step
        print(f'[finetune] widened G to {cfg.g_channels} at step {step}', flush=True)
    for k in OPTIMS:  # the LR given now wins over the one saved
        for g in objs[k].param_groups:
            g['lr'] = a.lr if k == 'opt_ge' else a.lr_latent
    return cfg, objs, ck, step, origin, warm_from


def save_snapshot(ckpt: Path, out: Path, seconds: float):
    """The run's checkpoint as a committable file: weights in fp32, Adam moments in fp16, the
    step, the accumulated seconds and the RNG states."""
    st = torch.load(ckpt, map_location='cpu')
    snap = {'format': 'delta-studio/finetune-snapshot', 'version': 1, 'step': st['_step'], 'seconds': seconds,
            'rng': st['_rng'], 'np_rng': st['_np_rng'], **st.get('_extra', {})}
    for k in MODULES:
        snap[k] = st[k]
    for k in OPTIMS:
        o = st[k]
        snap[k] = {'param_groups': o['param_groups'],
                   'state': {i: {n: (v.half() if torch.is_tensor(v) and v.dim() > 0 else v) for n, v in s.items()}
                             for i, s in o['state'].items()}}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix('.tmp')
    torch.save(snap, tmp)
    tmp.replace(out)
    return out.stat().st_size


def load_snapshot(path: Path, objs: dict, dev):
    snap = torch.load(path, map_location='cpu')
    if snap.get('format') != 'delta-studio/finetune-snapshot':
        raise ValueError(f'{path}: not a fine-tune snapshot (made by `python3 -m training.finetune snapshot`)')
    for k in MODULES:
        objs[k].load_state_dict(snap[k])
    for k in OPTIMS:
        o = snap[k]
        objs[k].load_state_dict({'param_groups': o['param_groups'],
                                 'state': {i: {n: (v.float() if torch.is_tensor(v) and v.dim() > 0 else v) for n, v in s.items()}
                                           for i, s in o['state'].items()}})
    torch.set_rng_state(snap['rng'])
    np.random.set_state(snap['np_rng'])
    print(f'[finetune] started from snapshot {path} (step {snap["step"]}, {snap["seconds"] / 3600:.2f} h trained before)', flush=True)
    return snap['step'], float(snap['seconds']), snap.get('warm_from', 0)


@torch.no_grad()
def evaluate(G, E, test, losses, dev, n=128):
    G.eval(), E.eval()
    idx = np.arange(min(n, len(test)))
    res = {'psnr': 0.0, 'feature_psnr': 0.0, 'perceptual': 0.0, 'identity_cos': 0.0}
    for s in range(0, len(idx), 32):
        b = idx[s:s + 32]
        x, _, _ = test.batch(b, dev)
        rec = G(E(x)[0])
        perc, ident = losses(rec, x)
        res['psnr'] += psnr(rec, x) * len(b)
        m = test.mask_batch(b, dev)
        if m is not None:
            wide = F.max_pool2d(m, 3, stride=1, padding=1)
            se = ((rec - x) ** 2 * wide).sum(dim=(1, 2, 3)) / (3 * wide.sum(dim=(1, 2, 3))).clamp_min(1e-6)
            res['feature_psnr'] += float((10 * torch.log10(4.0 / se.clamp_min(1e-10))).sum())
        res['perceptual'] += float(perc.sum())
        res['identity_cos'] += float((1 - ident).sum())
    G.train(), E.train()
    return {k: round(v / len(idx), 4) for k, v in res.items()}


def train(a):
    torch.set_num_threads(max(1, torch.get_num_threads()))
    seed_all(a.seed)
    dev = device(a.device)
    data = ImageSet(a.data)
    test = ImageSet(a.test) if a.test and Path(a.test, 'images.npy').exists() else None
    cfg, objs, ck, step, origin, warm_from = build(a, dev)
    G, E, M, Dz = (objs[k] for k in MODULES)
    opt_ge, opt_m, opt_d = (objs[k] for k in OPTIMS)
    losses = FaceLosses().to(dev)
    timer = Timer(a.name, a.runs)
    run_dir = Path(a.runs) / a.name
    logf = run_dir / 'log.jsonl'
    print(f'[finetune] G {count_params(G) / 1e6:.2f}M E {count_params(E) / 1e6:.2f}M; from {origin} at step {step}, '
          f'{timer.seconds() / 3600:.2f} h before; {len(data)} images, batch {a.batch} (face losses on {a.face_batch}), '
          f'device {dev}, torch threads {torch.get_num_threads()}', flush=True)
    rng = np.random.default_rng(a.seed * 1000003 + step)
    session_start = time.time()
    last_ckpt = last_eval = time.time()

    def checkpoint():
        ck.save(step, objs, {'config': cfg.to_dict(), 'warm_from': warm_from})
        timer.write(steps=step, batch=a.batch, origin=origin)

    def log_eval():
        if test is None:
            return
        r = {'step': step, 'hours': round(timer.seconds() / 3600, 3), **evaluate(G, E, test, losses, dev, a.eval_faces)}
        with open(logf, 'a') as f:
            f.write(json.dumps(r) + '\n')
        print(f'[finetune] eval {json.dumps(r)}', flush=True)

    if step == 0 and test is not None:
        log_eval()  # the starting point
    while step < a.steps:
        if a.max_minutes and time.time() - session_start > 60 * a.max_minutes:
            print(f'[finetune] --max-minutes {a.max_minutes} reached at step {step}', flush=True)
            break
        # a fresh Adam moves every weight by about the LR on its first steps, whatever its
        # gradient: ramp the LR up so the converged pack is not shaken (--warmup steps from the start)
        for g in opt_ge.param_groups:
            g['lr'] = a.lr * min(1.0, (step + 1 - warm_from) / max(1, a.warmup))
        idx = rng.integers(0, len(data), a.batch)
        x, _, _ = data.batch(idx, dev)
        wt = feature_weight(data.mask_batch(idx, dev), a.feature_weight)
        flip = torch.as_tensor(rng.random(a.batch) < 0.5, device=dev)[:, None, None, None]
        x = torch.where(flip, x.flip(3), x)
        wt = None if wt is None else torch.where(flip, wt.flip(3), wt)
        wplus, w, off = E(x)
        rec = G(wplus + a.latent_noise * torch.randn_like(wplus))
        loss_rec = image_loss(rec, x, wt)
        q = max(1, a.batch // 8)
        rec_w = G(w[:q, None, :].expand(-1, cfg.layers, -1))
        loss_shared = image_loss(rec_w, x[:q], None if wt is None else wt[:q])
        loss_off = off.pow(2).mean()
        loss_prior = F.softplus(-Dz(w)).mean() if step >= a.dz_warmup else torch.zeros((), device=dev)
        k = min(a.face_batch, a.batch)
        perc, ident = losses(rec[:k], x[:k]) if k > 0 else (torch.zeros(1, device=dev), torch.zeros(1, device=dev))
        loss = (loss_rec + a.w_shared * loss_shared + a.w_off * loss_off + a.w_prior * loss_prior
                + a.w_perc * perc.mean() + a.w_id * ident.mean())
        opt_ge.zero_grad(set_to_none=True)
        loss.backward()
        opt_ge.step()

        # latent GAN as in train.py ae; M waits until the fresh discriminator has learnt something
        wr = w.detach().requires_grad_(True)
        wf = M(torch.randn(a.batch, cfg.z_dim, device=dev))[:, 0]
        dr = Dz(wr)
        r1 = torch.autograd.grad(dr.sum(), wr, create_graph=True)[0].pow(2).sum(1).mean()
        loss_d = F.softplus(-dr).mean() + F.softplus(Dz(wf.detach())).mean() + 0.5 * r1
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        if step >= a.dz_warmup:
            loss_m = F.softplus(-Dz(wf)).mean()
            opt_m.zero_grad(set_to_none=True)
            loss_m.backward()
            opt_m.step()

        step += 1
        if step % a.log_every == 0:
            print(f'[finetune] step {step} rec={loss_rec.item():.4f} perc={perc.mean().item():.4f} '
                  f'id={ident.mean().item():.4f} psnr={psnr(rec.detach(), x):.2f} d={loss_d.item():.3f} '
                  f'h={timer.seconds() / 3600:.3f}', flush=True)
        now = time.time()
        if now - last_ckpt > 60 * a.ckpt_minutes:
            checkpoint()
            last_ckpt = now
        if now - last_eval > 60 * a.eval_minutes:
            log_eval()
            last_eval = time.time()
    checkpoint()
    log_eval()


def snapshot(a):
    ckpt = Path(a.runs) / a.name / 'ckpt.pt'
    if not ckpt.exists():
        raise SystemExit(f'{ckpt} missing: start the run first (`python3 -m training.finetune train`)')
    t = Path(a.runs) / a.name / 'time.json'
    seconds = json.loads(t.read_text())['seconds'] if t.exists() else 0.0
    size = save_snapshot(ckpt, Path(a.out), seconds)
    step = torch.load(a.out, map_location='cpu')['step']
    print(f'[finetune] wrote {a.out}: step {step}, {seconds / 3600:.2f} h, {size / 2**20:.1f} MiB')
    if size > 25 * 2**20:
        raise SystemExit(f'{a.out} is {size / 2**20:.1f} MiB, over the 25 MiB a committed file may have')


def to_ae(a):
    """The run's latest G, E, M as `<runs>/ae/final.pt`, where the rest of the recipe (Δ-encoder,
    helpers' fine-tune, export, parity) reads the autoencoder."""
    ckpt = Path(a.runs) / a.name / 'ckpt.pt'
    src = torch.load(ckpt, map_location='cpu') if ckpt.exists() else None
    if src is None:
        snap = Path(a.init)
        if not snap.exists():
            raise SystemExit(f'neither {ckpt} nor {snap} exists')
        src = torch.load(snap, map_location='cpu')
    step = src.get('_step', src.get('step'))
    cfg = config_of(src)
    cfg = cfg or json.loads((Path(a.onnx) / 'manifest.json').read_text())['meta']['config']
    out = Path(a.runs) / 'ae' / 'final.pt'
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({'config': cfg, 'G': src['G'], 'E': src['E'], 'M': src['M'], 'finetune_step': step}, out)
    print(f'[finetune] wrote {out} (fine-tune step {step}); next: python3 -m training.export --runs {a.runs} --out <pack folder> --id <pack id>')


def load_models(source: str, onnx: Path):
    """(cfg, G, E) of the pack (source 'pack') or of a checkpoint or snapshot file, in eval mode."""
    cfg, G, E, _ = from_onnx(onnx)
    if source != 'pack':
        st = torch.load(source, map_location='cpu')
        saved = config_of(st)
        if saved:
            cfg = Config.from_dict(saved)
            G = Generator(cfg)
        G.load_state_dict(st['G']), E.load_state_dict(st['E'])
    return cfg, G.eval(), E.eval()


def ceiling(a):
    """What G can draw at best: W+ optimised per face (Adam on the mean absolute error, from E's
    answer) against what E gives. If the optimised faces are still blurred, G's capacity limits
    the detail, not the encoder or the loss."""
    torch.set_num_threads(max(1, torch.get_num_threads()))
    torch.manual_seed(a.seed)
    cfg, G, E = load_models(a.source, Path(a.onnx))
    for p in G.parameters():
        p.requires_grad_(False)
    test, losses = ImageSet(a.test), FaceLosses()
    x, _, _ = test.batch(np.arange(a.faces), 'cpu')
    with torch.no_grad():
        w0 = E(x)[0]
    w = w0.clone().requires_grad_(True)
    opt = torch.optim.Adam([w], lr=a.lr)
    res = {'source': a.source, 'g_channels': {str(k): v for k, v in cfg.g_channels.items()}, 'faces': a.faces}

    def measure(key, wp):
        with torch.no_grad():
            rec = G(wp)
            perc, ident = losses(rec, x)
            res[key] = {'psnr': round(psnr(rec, x), 3), 'perceptual': round(float(perc.mean()), 4),
                        'identity_cos': round(float((1 - ident).mean()), 4),
                        'w_drift': round(float((wp - w0).norm(dim=-1).mean()), 3)}

    measure('encoder', w0)
    for step in range(1, a.steps + 1):
        loss = (G(w) - x).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    measure(f'optimised_{a.steps}', w.detach())
    print(json.dumps(res))


@torch.no_grad()
def compare(a):
    """Picture: held-out faces, the pack's reconstructions G(E(x)) and the run's, one row each."""
    from PIL import Image
    rows = []
    x, _, _ = ImageSet(a.test).batch(np.arange(0, a.faces * a.every, a.every), 'cpu')
    rows.append(x)
    for source in ('pack', a.source):
        _, G, E = load_models(source, Path(a.onnx))
        rows.append(G(E(x)[0]))
    S, gap = x.shape[-1], 2
    sheet = np.full((len(rows) * (S + gap) - gap, a.faces * (S + gap) - gap, 3), 255, np.uint8)
    for r, imgs in enumerate(rows):
        u8 = ((imgs.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
        for c, img in enumerate(u8):
            sheet[r * (S + gap):r * (S + gap) + S, c * (S + gap):c * (S + gap) + S] = img
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sheet).resize((sheet.shape[1] * a.zoom, sheet.shape[0] * a.zoom), Image.NEAREST).save(a.out)
    print(f'wrote {a.out}: rows = held-out faces, the pack\'s reconstructions, {a.source}\'s')


def speed(a):
    """Seconds per training step (G + E forward and backward, face losses on --face-batch) at
    64 px (the pack's G and E) and at 128 px (G grown by one upsampling stage of 8 channels, E by
    a stride-2 stem), on random images: the 64-vs-128 decision."""
    torch.set_num_threads(max(1, torch.get_num_threads()))
    cfg, G, E, _ = from_onnx(Path(a.onnx))
    losses = FaceLosses()

    class G128(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.g = G
            self.up = ModConv(cfg.g_channels[64], 8, cfg.dim, up=True)
            self.conv = ModConv(8, 8, cfg.dim)
            self.rgb = ModConv(8, 3, cfg.dim, k=1, demod=False, act=False)

        def forward(self, w):
            x = self.g.input(w)
            for i, conv in enumerate(self.g.convs):
                x = conv(x, w[:, i])
            x = self.conv(self.up(x, w[:, -1]), w[:, -1])
            return torch.tanh(self.rgb(x, w[:, -1]))

    class E128(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.down = torch.nn.Conv2d(3, 3, 3, stride=2, padding=1)
            self.e = E

        def forward(self, x):
            return self.e(self.down(x))

    res = {}
    for size, g, e in ((64, G, E), (128, G128(), E128())):
        opt = torch.optim.Adam(list(g.parameters()) + list(e.parameters()), lr=1e-5)
        times = {}
        for face in (0, a.face_batch):
            ts = []
            for _ in range(a.repeats + 1):
                x = torch.rand(a.batch, 3, size, size) * 2 - 1
                t = time.time()
                wplus = e(x)[0]
                rec = g(wplus)
                loss = image_loss(rec, x)
                if face:
                    p, i = losses(rec[:face], x[:face])
                    loss = loss + p.mean() + i.mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                ts.append(time.time() - t)
            times['face' if face else 'pixel'] = round(float(np.median(ts[1:])), 3)
        res[size] = times
        print(f'[finetune] {size} px, batch {a.batch}: {times["pixel"]:.3f} s/step pixel losses only, '
              f'{times["face"]:.3f} s/step with face losses on {a.face_batch}', flush=True)
    print(json.dumps({'batch': a.batch, 'faceBatch': a.face_batch, 'threads': torch.get_num_threads(), 'secondsPerStep': res}))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)

    def common(s):
        s.add_argument('--runs', default=str(RUNS), help='checkpoint folder (the run is <runs>/<name>)')
        s.add_argument('--name', default='finetune')
        s.add_argument('--onnx', default=str(PACK), help='pack whose G, E, M a fresh run starts from')

    s = sub.add_parser('train', help='run (or continue) the fine-tune')
    common(s)
    s.add_argument('--init', default=str(SNAPSHOT), help='committed snapshot a run without its own checkpoint starts from')
    s.add_argument('--resume', action='store_true', help='continue from <runs>/<name>/ckpt.pt when it exists')
    s.add_argument('--data', default=str(DATA / 'photo-train'))
    s.add_argument('--test', default=str(DATA / 'photo-test'))
    s.add_argument('--device', default='auto', choices=['auto', 'cpu', 'cuda'])
    s.add_argument('--steps', type=int, default=10_000_000, help='stop at this step (total, across resumes)')
    s.add_argument('--max-minutes', type=float, default=0, help='stop this session after so many minutes (0: no limit)')
    s.add_argument('--batch', type=int, default=16)
    s.add_argument('--face-batch', type=int, default=8, help='images of each batch the face losses see (they cost most)')
    s.add_argument('--lr', type=float, default=1e-4, help="constant; round 8's cosine ended at 1e-4")
    s.add_argument('--lr-latent', type=float, default=5e-4)
    s.add_argument('--warmup', type=int, default=1000, help='steps of linear LR ramp at the start of a run (not after a resume)')
    s.add_argument('--g-channels', default='32:48,64:32', help="widen G where it loses detail, e.g. '32:48,64:32' (resolution:channels); "
                   'the wider G computes what the narrow one did, then learns')
    s.add_argument('--w-perc', type=float, default=0.3, help='weight of the perceptual distance (about 1.2 per image at the start, 2.4 between different faces)')
    s.add_argument('--w-id', type=float, default=1.0, help='weight of 1 - descriptor cosine (about 0.05 at the start)')
    s.add_argument('--feature-weight', type=float, default=4.0)
    s.add_argument('--latent-noise', type=float, default=0.05)
    s.add_argument('--w-shared', type=float, default=0.5)
    s.add_argument('--w-off', type=float, default=0.1)
    s.add_argument('--w-prior', type=float, default=0.01)
    s.add_argument('--dz-warmup', type=int, default=300, help='steps the fresh latent discriminator trains before M and the prior term')
    s.add_argument('--seed', type=int, default=1)
    s.add_argument('--log-every', type=int, default=50)
    s.add_argument('--ckpt-minutes', type=float, default=5)
    s.add_argument('--eval-minutes', type=float, default=30)
    s.add_argument('--eval-faces', type=int, default=128)
    s.set_defaults(fn=train)

    s = sub.add_parser('snapshot', help="copy the run's checkpoint into a committable file")
    common(s)
    s.add_argument('--out', default=str(SNAPSHOT))
    s.set_defaults(fn=snapshot)

    s = sub.add_parser('to-ae', help="write the run's G, E, M as <runs>/ae/final.pt for the export")
    common(s)
    s.add_argument('--init', default=str(SNAPSHOT), help='used when the run has no checkpoint')
    s.set_defaults(fn=to_ae)

    s = sub.add_parser('speed', help='seconds per step at 64 and 128 px')
    common(s)
    s.add_argument('--batch', type=int, default=16)
    s.add_argument('--face-batch', type=int, default=8)
    s.add_argument('--repeats', type=int, default=5)
    s.set_defaults(fn=speed)

    s = sub.add_parser('ceiling', help="what G draws at best: W+ optimised per held-out face vs the encoder's W+")
    common(s)
    s.add_argument('--source', default='pack', help="'pack' or a checkpoint/snapshot file")
    s.add_argument('--test', default=str(DATA / 'photo-test'))
    s.add_argument('--faces', type=int, default=32)
    s.add_argument('--steps', type=int, default=400)
    s.add_argument('--lr', type=float, default=0.01)
    s.add_argument('--seed', type=int, default=1)
    s.set_defaults(fn=ceiling)

    s = sub.add_parser('compare', help="picture: held-out faces, the pack's reconstructions and the run's")
    common(s)
    s.add_argument('--source', default=str(RUNS / 'finetune' / 'ckpt.pt'), help='checkpoint or snapshot file')
    s.add_argument('--test', default=str(DATA / 'photo-test'))
    s.add_argument('--faces', type=int, default=8)
    s.add_argument('--every', type=int, default=6, help='take every n-th held-out face')
    s.add_argument('--zoom', type=int, default=3)
    s.add_argument('--out', default=str(ROOT / 'docs' / 'results' / 'finetune-compare.png'))
    s.set_defaults(fn=compare)

    s = sub.add_parser('check-onnx', help='rebuild G, E, M from the pack and compare re-exported initializers')
    common(s)
    s.set_defaults(fn=lambda a: print(json.dumps(check_from_onnx(Path(a.onnx)))))

    a = p.parse_args(argv)
    a.fn(a)


if __name__ == '__main__':
    main()
