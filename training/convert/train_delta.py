"""Trains a DGE Δ-encoder for ANY model pack and adds it to the pack.

  OMP_NUM_THREADS=2 /usr/bin/python3 -m training.convert.train_delta --pack models/<pack> \\
      [--attributes smile,yaw,...] [--sequences 20 --steps 8] [--iters 2000] [--delta-dim 16] \\
      [--device cpu|cuda] [--seed 1] [--resume] [--work DIR]

1. renders cgi FaceWorld sequences (one attribute swept, everything else fixed) at the pack's
   encoder input size (`tools/faceworld.ts sequences`, at most 512 px; larger inputs are resized);
2. inverts them with the pack's OWN encoder in onnxruntime-web under Node
   (`tools/invert-sequences.ts`), so no PyTorch code for the encoder's architecture is needed;
3. trains the Δ-encoder and its residual decoder with the DGE loss (within-sequence
   reconstruction + transfer onto another identity + noise on the inputs), checkpointing to
   <work>/ckpt.pt (`--resume` continues), CUDA when present;
4. exports delta_encoder.onnx / delta_decoder.onnx (opset 17, dynamic batch), checks torch vs
   onnxruntime-web through the app's pack runtime (`training/convert/check_delta.ts`), and only then
   copies them into the pack and adds their entries, `deltaDim` and `meta.delta_training`.

The work folder (default .cache/delta-training/<pack-id>, git-ignored) keeps renders, latents and
the checkpoint, so a rerun with the same settings skips what is done.
"""
import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ..common import cosine_lr

# one Δ-encoder module for both trainers: networks, pair sampling, loss terms and fit measure
from ..delta import build_models, delta_fit, dge_losses, draw_pairs, step_change

ROOT = Path(__file__).resolve().parents[2]  # the repository
ALL_ATTRIBUTES = ['yaw', 'pitch', 'roll', 'smile', 'mouthOpen', 'eyeClosedLeft', 'eyeClosedRight', 'browRaise',
                  'frown', 'squint', 'lightAzimuth', 'lightElevation', 'lightIntensity']
MAX_RENDER = 512  # FaceWorld's sequences command renders up to 512 px


class DeltaTrainError(Exception):
    """A bad pack, bad option or failed step, with a message that names it."""


def count_params(*models):
    return sum(p.numel() for m in models for p in m.parameters())


# --------------------------------------------------------------------------------------------

def log(msg):
    print(f'[train_delta] {msg}', flush=True)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def run_tool(args, what):
    """Runs a Node tool from the repo root (npx tsx ...), streaming its output (long inversions show
    progress); a failure raises with the end of that output."""
    proc = subprocess.Popen(['npx', 'tsx', *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line.rstrip())
        print(f'    {line.rstrip()}', flush=True)
    if proc.wait() != 0:
        raise DeltaTrainError(f'{what} failed (exit {proc.returncode}):\n' + '\n'.join(lines[-40:]))
    return '\n'.join(lines)


def read_manifest(pack: Path) -> dict:
    f = pack / 'manifest.json'
    if not f.is_file():
        raise DeltaTrainError(f'--pack {pack}: no manifest.json in that folder (a pack folder holds manifest.json + ONNX files)')
    try:
        m = json.loads(f.read_text())
    except json.JSONDecodeError as e:
        raise DeltaTrainError(f'--pack {pack}: manifest.json is not valid JSON ({e})')
    for key in ('id', 'latent', 'models'):
        if key not in m:
            raise DeltaTrainError(f'--pack {pack}: manifest.json has no "{key}"')
    if 'encoder' not in m['models']:
        raise DeltaTrainError(f'--pack {pack}: manifest.json lists no encoder model (models.encoder), which the inversion needs')
    if pack.resolve().name != m['id']:
        raise DeltaTrainError(f'--pack {pack}: the folder must be named after the pack id "{m["id"]}"')
    return m


def encoder_size(m: dict) -> int:
    shape = m['models']['encoder']['inputs'][0]['shape']
    s = shape[2] if len(shape) == 4 and isinstance(shape[2], int) else m['image']['size']
    return int(s)


def parse_attributes(text: str):
    names = [t.strip() for t in text.split(',') if t.strip()]
    if not names:
        raise DeltaTrainError('--attributes: give at least one attribute name')
    bad = [n for n in names if n not in ALL_ATTRIBUTES]
    if bad:
        raise DeltaTrainError(f'--attributes: unknown attribute {", ".join(repr(b) for b in bad)} '
                              f'(FaceWorld has: {", ".join(ALL_ATTRIBUTES)})')
    if len(set(names)) != len(names):
        raise DeltaTrainError('--attributes: an attribute is named twice')
    return names


# --------------------------------------------------------------------------------------------
# Steps 1 and 2: sequences and their inversions (kept in the work folder, reused when unchanged)

def render_sequences(a, names, size, work: Path):
    seconds = 0.0
    for name in names:
        d = work / 'sequences' / name
        # the seed follows the attribute, not its place in --attributes: adding one re-renders nothing else
        want = {'count': a.sequences, 'steps': a.steps, 'size': size, 'seed': a.seed * 1000 + ALL_ATTRIBUTES.index(name), 'style': 'cgi'}
        meta = d / 'meta.json'
        if meta.exists() and (d / 'images.npy').exists():
            have = json.loads(meta.read_text())
            if all(have.get(k) == v for k, v in want.items()):
                continue
        shutil.rmtree(d, ignore_errors=True)
        t0 = time.time()
        run_tool(['tools/faceworld.ts', 'sequences', '--style', 'cgi', '--attribute', name, '--steps', str(a.steps),
                  '--count', str(a.sequences), '--size', str(size), '--seed', str(want['seed']),
                  '--workers', str(a.render_workers), '--out', str(d)], f'rendering {name} sequences')
        seconds += time.time() - t0
        log(f'rendered {a.sequences} x {a.steps} cgi frames of {name} at {size} px ({time.time() - t0:.1f} s)')
    return seconds


def invert_sequences(a, names, pack: Path, manifest: dict, work: Path):
    enc_sha = manifest['models']['encoder']['sha256']
    todo = []
    for name in names:
        d = work / 'sequences' / name
        tag = d / 'latents.json'
        if tag.exists() and (d / 'latents.npy').exists():
            t = json.loads(tag.read_text())
            if t.get('encoder_sha256') == enc_sha and t.get('images_mtime') == (d / 'images.npy').stat().st_mtime:
                continue
        todo.append(d)
    seconds = 0.0
    if todo:
        t0 = time.time()
        args = ['tools/invert-sequences.ts', '--pack', str(pack), '--batch', str(a.invert_batch), '--threads', str(a.threads)]
        for d in todo:
            args += ['--in', str(d)]
        run_tool(args, 'inverting the sequences with the pack encoder')
        seconds = time.time() - t0
        for d in todo:
            (d / 'latents.json').write_text(json.dumps({'encoder_sha256': enc_sha,
                                                        'images_mtime': (d / 'images.npy').stat().st_mtime}))
        frames = len(todo) * a.sequences * a.steps
        log(f'inverted {frames} frames with the pack encoder in {seconds:.1f} s ({frames / seconds:.2f} frames/s)')
    L, D = manifest['latent']['layers'], manifest['latent']['dim']
    lat = {}
    for name in names:
        x = np.load(work / 'sequences' / name / 'latents.npy')
        if x.shape != (a.sequences, a.steps, L, D):
            raise DeltaTrainError(f'{name} latents have shape {x.shape}, expected {(a.sequences, a.steps, L, D)}')
        if not np.isfinite(x).all():
            raise DeltaTrainError(f'{name} latents hold NaN or infinite values: the pack encoder is broken')
        lat[name] = torch.from_numpy(x.astype(np.float32))
    return lat, seconds


# --------------------------------------------------------------------------------------------
# Step 3: the DGE loss

def K_train(lat):
    return int(next(iter(lat.values())).shape[0])


def train(a, lat, manifest, dev, work: Path):
    L, D = manifest['latent']['layers'], manifest['latent']['dim']
    names = sorted(lat)
    torch.manual_seed(a.seed)
    enc, dec = build_models(L, D, a.delta_dim, a.hidden, a.proj, a.rank)
    every = torch.cat([v.flatten(0, 1) for v in lat.values()])
    enc.stats.fit(every), dec.stats.fit(every)
    scale = float(every.std(0).mean())
    enc, dec = enc.to(dev), dec.to(dev)
    lat = {k: v.to(dev) for k, v in lat.items()}
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=a.lr)
    ckpt = work / 'ckpt.pt'
    config = dict(layers=L, dim=D, code=a.delta_dim, hidden=a.hidden, proj=min(a.proj, D), rank=min(a.rank, D),
                  attributes=names, sequences=K_train(lat), steps=a.steps, encoder_sha256=manifest['models']['encoder']['sha256'])
    step, seconds_before, history = 0, 0.0, []
    if a.resume and ckpt.exists():
        st = torch.load(ckpt, map_location='cpu')
        if st['config'] != config:
            changed = [k for k in config if st['config'].get(k) != config[k]]
            raise DeltaTrainError(f'--resume: {ckpt} was trained with other settings ({", ".join(changed)}); '
                                  'drop --resume to start over')
        enc.load_state_dict(st['enc']), dec.load_state_dict(st['dec']), opt.load_state_dict(st['opt'])
        step, seconds_before, history = st['step'], st['seconds'], st.get('history', [])
        log(f'resuming at iteration {step} ({seconds_before:.1f} s trained before)')
    elif a.resume:
        log(f'--resume: no checkpoint at {ckpt}, starting from scratch')
    log(f'Δ-encoder for W+ {L}x{D}: code {a.delta_dim}, hidden {a.hidden}, {count_params(enc, dec) / 1e6:.2f} M params, '
        f'{len(names)} attributes x {K_train(lat)} training sequences x {a.steps} steps, device {dev}')
    # each attribute's loss in units of its mean squared change: 1 = no better than no edit
    change = {t: max(step_change(v), 1e-12) for t, v in lat.items()}
    noise = a.noise * scale
    t0 = time.time()

    def save():
        torch.save({'step': step, 'enc': enc.state_dict(), 'dec': dec.state_dict(), 'opt': opt.state_dict(),
                    'config': config, 'seconds': seconds_before + time.time() - t0, 'history': history}, ckpt)

    enc.train(), dec.train()
    while step < a.iters:
        rng = np.random.default_rng(a.seed * 100003 + step)  # per-iteration stream: a resumed run draws what it would have
        for g in opt.param_groups:
            g['lr'] = cosine_lr(a.lr, step / a.iters, 0.1)
        t = names[rng.integers(len(names))]
        Lt = lat[t]
        K, n = Lt.shape[:2]
        ia, ib, i, j, k = draw_pairs(rng, K, n, a.batch)  # B: another identity, same schedule
        ai, aj, ak, bi, bj = Lt[ia, i], Lt[ia, j], Lt[ia, k], Lt[ib, i], Lt[ib, j]
        # one noise draw per sequence (a + n_a, b + n_b): it moves the anchor, not the change
        g = torch.Generator(device='cpu').manual_seed(int(rng.integers(1 << 31)))
        n_a = (noise * torch.randn(ai.shape, generator=g)).to(dev)
        n_b = (noise * torch.randn(bi.shape, generator=g)).to(dev)
        loss_a, loss_b, loss_add = dge_losses(enc, dec, ai, aj, ak, bi, bj, n_a, n_b, change[t])
        loss = loss_a + loss_b + a.w_additive * loss_add
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % a.log_every == 0 or step == a.iters:
            history.append({'iter': step, 'within': round(loss_a.item(), 4), 'transfer': round(loss_b.item(), 4)})
            log(f'iter {step}/{a.iters} [{t}] within {loss_a.item():.3f} transfer {loss_b.item():.3f} '
                f'additive {loss_add.item():.4f} ({seconds_before + time.time() - t0:.1f} s)')
        if step % a.ckpt_every == 0 or step == a.iters:
            save()
    seconds = seconds_before + time.time() - t0
    if not ckpt.exists():
        save()
    enc.eval(), dec.eval()
    return enc.cpu(), dec.cpu(), seconds, history


def fit_report(enc, dec, lat):
    """The Δ-encoder's fit per attribute (the demo pack trainer's `delta_fit`), logged and rounded.
    On held-out sequences it says how the code carries over to faces it never saw."""
    out = {}
    for name, f in delta_fit(enc, dec, lat).items():
        out[name] = {k: round(v, 4) for k, v in f.items()}
        log(f'  {name:15s} within {f["within"]:.3f}  transfer {f["transfer"]:.3f}  '
            f'(linear difference transfer {f["linearTransfer"]:.3f})')
    return out


# --------------------------------------------------------------------------------------------
# Step 4: export, parity through the app's runtime, then into the pack

def export(enc, dec, lat, manifest, work: Path):
    L, D, C = manifest['latent']['layers'], manifest['latent']['dim'], enc.net[-1].out_features
    files, ref = work / 'export', work / 'reference'
    files.mkdir(parents=True, exist_ok=True), ref.mkdir(parents=True, exist_ok=True)
    v = next(iter(lat.values()))
    w_from, w_to = v[:2, 0].contiguous(), v[:2, -1].contiguous()  # two real inverted sequences, first and last step
    with torch.no_grad():
        delta = enc(w_from, w_to)
        dw = dec(w_from, delta * 1.5)
    jobs = [('delta_encoder', enc, {'w_from': w_from, 'w_to': w_to}, 'delta', delta,
             'DGE Δ-encoder: (w_from, w_to) -> δ, the change as a low-dimensional code (trained by training/convert/train_delta.py)'),
            ('delta_decoder', dec, {'w': w_from, 'delta': delta * 1.5}, 'dw', dw,
             'DGE residual decoder: (w, δ) -> dw; the edit is w + dw, and δ = 0 gives dw = 0')]
    shapes = {'w_from': ['batch', L, D], 'w_to': ['batch', L, D], 'w': ['batch', L, D], 'delta': ['batch', C], 'dw': ['batch', L, D]}
    entries = {}
    for name, model, inputs, output, result, doc in jobs:
        path = files / f'{name}.onnx'
        dyn = {k: {0: 'batch'} for k in [*inputs, output]}
        torch.onnx.export(model, tuple(inputs.values()), str(path), input_names=list(inputs), output_names=[output],
                          dynamic_axes=dyn, opset_version=17, do_constant_folding=True)
        for k, t in [*inputs.items(), (output, result)]:
            np.save(ref / f'{name}.{k}.npy', t.numpy().astype(np.float32))
        entries[name] = {'file': path.name, 'sha256': sha256_file(path), 'bytes': path.stat().st_size,
                         'inputs': [{'name': k, 'shape': shapes[k]} for k in inputs],
                         'outputs': [{'name': output, 'shape': shapes[output]}], 'doc': doc}
    return entries, files, ref


def check_parity(candidate: Path, files: Path, ref: Path, tolerance: float):
    out = run_tool(['training/convert/check_delta.ts', '--manifest', str(candidate), '--files', str(files), '--ref', str(ref),
                    '--tolerance', str(tolerance)], 'torch vs onnxruntime-web parity of the Δ-encoder')
    line = [ln for ln in out.splitlines() if ln.startswith('{')]
    if not line:
        raise DeltaTrainError(f'parity check printed no figures:\n{out}')
    return json.loads(line[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--pack', required=True, help='pack folder (named after its id) with manifest.json and an encoder')
    p.add_argument('--attributes', default=','.join(ALL_ATTRIBUTES), help='comma-separated FaceWorld attributes (default: all 13)')
    p.add_argument('--sequences', type=int, default=20, help='identities (sequences) per attribute')
    p.add_argument('--steps', type=int, default=8, help='renders per sequence')
    p.add_argument('--iters', type=int, default=2000, help='training iterations (in total, across resumes)')
    p.add_argument('--holdout', type=int, default=-1,
                   help='sequences per attribute kept out of training to measure the fit on unseen identities '
                        '(default: a fifth, at least 2, when there are 6 or more)')
    p.add_argument('--delta-dim', type=int, default=16, help='size C of the code δ')
    p.add_argument('--hidden', type=int, default=256, help='width of the dense layers')
    p.add_argument('--proj', type=int, default=16, help='per-layer projection of W+ into the dense layers')
    p.add_argument('--rank', type=int, default=32, help="rank of each layer's decoded change")
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--noise', type=float, default=0.3,
                   help='input noise, in units of the latent std (0.3 beat 0.05 and 0.15 on held-out demo-pack identities)')
    p.add_argument('--w-additive', type=float, default=0.1)
    p.add_argument('--device', choices=['auto', 'cpu', 'cuda'], default='auto')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--resume', action='store_true', help='continue from <work>/ckpt.pt')
    p.add_argument('--work', help='work folder (default: .cache/delta-training/<pack-id>, git-ignored)')
    p.add_argument('--invert-batch', type=int, default=4, help='frames per encoder call')
    p.add_argument('--threads', type=int, default=1, help='onnxruntime-web wasm threads for the inversion')
    p.add_argument('--render-workers', type=int, default=1)
    p.add_argument('--torch-threads', type=int, default=1,
                   help='CPU threads for training (1 is fastest on a shared machine; 2 threads contend there)')
    p.add_argument('--tolerance', type=float, default=1e-3, help='max relative torch/onnx difference')
    p.add_argument('--log-every', type=int, default=100)
    p.add_argument('--ckpt-every', type=int, default=250)
    a = p.parse_args(argv)
    for k in ('sequences', 'iters', 'torch_threads', 'delta_dim', 'hidden', 'proj', 'rank', 'batch', 'invert_batch', 'threads', 'render_workers'):
        if getattr(a, k) < 1:
            raise DeltaTrainError(f'--{k.replace("_", "-")}: expected a positive integer, got {getattr(a, k)}')
    if a.sequences < 2:
        raise DeltaTrainError('--sequences: the transfer loss needs at least 2 identities per attribute')
    if a.steps < 2:
        raise DeltaTrainError('--steps: a sequence needs at least 2 steps')
    names = parse_attributes(a.attributes)
    pack = Path(a.pack)
    manifest = read_manifest(pack)
    if a.device == 'cuda' and not torch.cuda.is_available():
        raise DeltaTrainError('--device cuda: this PyTorch sees no CUDA device')
    dev = torch.device('cuda' if a.device == 'cuda' or (a.device == 'auto' and torch.cuda.is_available()) else 'cpu')
    torch.set_num_threads(a.torch_threads)
    work = Path(a.work) if a.work else ROOT / '.cache' / 'delta-training' / manifest['id']
    work.mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    size = min(encoder_size(manifest), MAX_RENDER)
    log(f'pack "{manifest["id"]}" (W+ {manifest["latent"]["layers"]}x{manifest["latent"]["dim"]}, encoder input '
        f'{encoder_size(manifest)} px), work folder {work}')

    t_render = render_sequences(a, names, size, work)
    lat, t_invert = invert_sequences(a, names, pack, manifest, work)
    holdout = a.holdout if a.holdout >= 0 else (max(2, a.sequences // 5) if a.sequences >= 6 else 0)
    if a.sequences - holdout < 2 or holdout == 1:
        raise DeltaTrainError(f'--holdout {holdout}: keep at least 2 of the {a.sequences} sequences for training, '
                              'and hold out 0 or at least 2 (the transfer needs two identities)')
    train_lat = {k: v[:a.sequences - holdout] for k, v in lat.items()}
    enc, dec, t_train, history = train(a, train_lat, manifest, dev, work)
    log(f'trained {a.iters} iterations in {t_train:.1f} s on {dev}; fit on the training sequences:')
    fit = fit_report(enc, dec, train_lat)
    fit_held_out = None
    if holdout:
        log(f'fit on {holdout} held-out sequences per attribute (identities never trained on):')
        fit_held_out = fit_report(enc, dec, {k: v[a.sequences - holdout:] for k, v in lat.items()})

    t0 = time.time()
    entries, files, ref = export(enc, dec, lat, manifest, work)
    candidate = json.loads((pack / 'manifest.json').read_text())  # reread: export must keep every other field as it is
    candidate['models'].update(entries)
    candidate['deltaDim'] = a.delta_dim
    meta = candidate.setdefault('meta', {})
    meta['delta_training'] = {
        'tool': 'training/convert/train_delta.py',
        'attributes': names, 'sequences': a.sequences, 'steps': a.steps, 'renderSize': size, 'style': 'cgi',
        'iterations': a.iters, 'batch': a.batch, 'seed': a.seed,
        'network': {'deltaDim': a.delta_dim, 'hidden': a.hidden, 'proj': min(a.proj, manifest['latent']['dim']),
                    'rank': min(a.rank, manifest['latent']['dim']), 'params': count_params(enc, dec)},
        'device': f'{dev.type}' + (f' ({torch.cuda.get_device_name(0)})' if dev.type == 'cuda' else f' ({os.cpu_count()} cores)'),
        'machine': f'{platform.machine()} {platform.system()}, torch {torch.__version__}',
        'seconds': {'render': round(t_render, 1), 'invert': round(t_invert, 1), 'train': round(t_train, 1)},
        'heldOutSequences': holdout, 'fit': fit, 'fitHeldOut': fit_held_out, 'history': history[-20:],
    }
    cand_path = work / 'export' / 'manifest.json'
    cand_path.write_text(json.dumps(candidate, indent=2) + '\n')
    parity = check_parity(cand_path, files, ref, a.tolerance)
    meta['delta_training']['parity'] = parity
    meta['delta_training']['seconds']['export'] = round(time.time() - t0, 1)
    meta['delta_training']['seconds']['total'] = round(time.time() - t_start, 1)
    for e in entries.values():
        shutil.copyfile(files / e['file'], pack / e['file'])
    (pack / 'manifest.json').write_text(json.dumps(candidate, indent=2) + '\n')
    size_mb = sum(e['bytes'] for e in entries.values()) / 1e6
    log(f'parity: encoder max abs {parity["delta_encoder"]["maxAbs"]:.2e}, decoder max abs {parity["delta_decoder"]["maxAbs"]:.2e}')
    log(f'wrote {", ".join(e["file"] for e in entries.values())} ({size_mb:.2f} MB) and manifest.json into {pack}')
    log(f'wall time {time.time() - t_start:.1f} s (render {t_render:.1f}, invert {t_invert:.1f}, train {t_train:.1f}, '
        f'export+parity {time.time() - t0:.1f})')
    return candidate


if __name__ == '__main__':
    try:
        main()
    except DeltaTrainError as e:
        print(f'train_delta: {e}', file=sys.stderr)
        sys.exit(2)
