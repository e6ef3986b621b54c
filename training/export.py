"""Exports the trained FaceWorld models to ONNX (opset 17, dynamic batch), writes the pack
manifest (models/faceworld/manifest.json) and the torch reference outputs that parity.ts
compares onnxruntime-web against.

  python3 -m training.export [--runs training/runs] [--out models/faceworld]
"""
import argparse
import hashlib
import json
import platform
from pathlib import Path

import torch
import torch.nn as nn

from .common import DATA, RUNS
from .delta import DeltaDecoder, DeltaEncoder
from .fwmodels import AttributeEstimator, Config, DomainClassifier, Encoder, Generator, GeneratorGrad, Mapping

ROOT = Path(__file__).resolve().parents[1]


class EncoderWPlus(nn.Module):
    """The pack's encoder returns only W+ (the shared w and offsets are training detail)."""

    def __init__(self, e):
        super().__init__()
        self.e = e

    def forward(self, image):
        return self.e(image)[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_one(model, name, inputs: dict, outputs: list, out_dir: Path, ref_dir: Path, doc: str,
               ranges: dict, shapes: dict):
    """Exports `model` to out_dir/<name>.onnx and saves a reference run (batch 2) for parity."""
    model.eval()
    path = out_dir / f'{name}.onnx'
    args = tuple(inputs.values())
    dyn = {k: {0: 'batch'} for k in list(inputs) + outputs}
    with torch.no_grad():
        torch.onnx.export(model, args, str(path), input_names=list(inputs), output_names=outputs,
                          dynamic_axes=dyn, opset_version=17, do_constant_folding=True)
        res = model(*args)
    res = res if isinstance(res, tuple) else (res,)
    ref = {'model': name,
           'inputs': {k: {'dims': list(v.shape), 'data': v.flatten().tolist()} for k, v in inputs.items()},
           'outputs': {k: {'dims': list(v.shape), 'data': v.flatten().tolist()} for k, v in zip(outputs, res)}}
    (ref_dir / f'{name}.json').write_text(json.dumps(ref))
    io = lambda names: [{'name': n, 'shape': shapes[n], **({'range': ranges[n]} if n in ranges else {})}  # noqa: E731
                        for n in names]
    return {'file': path.name, 'sha256': sha256(path), 'bytes': path.stat().st_size,
            'inputs': io(list(inputs)), 'outputs': io(outputs), 'doc': doc}


def read_time(runs: Path, name: str):
    f = runs / name / 'time.json'
    return json.loads(f.read_text()) if f.exists() else None


def carry_aux(prev: dict, out: Path, models: dict, meta: dict):
    """--keep-aux: the estimator and domain classifier of the pack being replaced stay, byte for byte
    (their sha256 checked), with the figures they were trained and checked with; `meta.carried`
    says so, and parity.ts keeps their parity figures (there are no torch references to re-check)."""
    pm, pmeta = prev.get('models', {}), prev.get('meta', {})
    for k in ('attributes', 'domain'):
        if k not in pm or not (out / pm[k]['file']).exists() or sha256(out / pm[k]['file']) != pm[k]['sha256']:
            raise SystemExit(f'--keep-aux: {out} has no intact {k} model to keep (train aux first)')
        models[k] = pm[k]
        meta.setdefault('parity', {})[k] = pmeta.get('parity', {}).get(k)
    meta['carried'] = {k: 'kept from the previous pack (trained on its generator\'s faces), not retrained'
                       for k in ('attributes', 'domain')}
    if 'training_aux' in pmeta:
        meta['training_aux'] = pmeta['training_aux']
        meta['training_seconds']['aux'] = pmeta['training_aux']['seconds']


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--runs', default=str(RUNS))
    p.add_argument('--out', default=str(ROOT / 'models' / 'faceworld'))
    p.add_argument('--meta-from', default=str(DATA / 'photo-train' / 'meta.json'),
                   help='data set meta.json that names the attributes and identity params')
    p.add_argument('--id', default='faceworld')
    p.add_argument('--keep-aux', action='store_true',
                   help='without runs/aux/final.pt, keep the out pack\'s attribute estimator and domain classifier '
                        '(files, manifest entries, training figures and parity) instead of dropping them')
    a = p.parse_args(argv)
    runs, out = Path(a.runs), Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    old = out / 'manifest.json'
    prev = json.loads(old.read_text()) if old.exists() else {}
    ref_dir = runs / 'parity'
    ref_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)

    ae = torch.load(runs / 'ae' / 'final.pt', map_location='cpu')
    cfg = Config.from_dict(ae['config'])
    G, E, M = Generator(cfg), Encoder(cfg), Mapping(cfg)
    G.load_state_dict(ae['G']), E.load_state_dict(ae['E']), M.load_state_dict(ae['M'])
    L, D, S, Z = cfg.layers, cfg.dim, cfg.size, cfg.z_dim
    img = lambda n: torch.rand(n, 3, S, S) * 2 - 1  # noqa: E731
    shapes = {'w': ['batch', L, D], 'image': ['batch', 3, S, S], 'z': ['batch', Z],
              'w_from': ['batch', L, D], 'w_to': ['batch', L, D], 'dw': ['batch', L, D],
              'logit': ['batch', 1], 'target': ['batch', 3, S, S], 'loss': ['batch'], 'grad': ['batch', L, D]}
    ranges = {'image': [-1, 1], 'target': [-1, 1]}
    with torch.no_grad():
        w_sample = M(torch.randn(2, Z))
    models = {
        'generator': export_one(G, 'generator', {'w': w_sample}, ['image'], out, ref_dir,
                                'W+ -> image; a style-based generator trained here on photo-style FaceWorld renders',
                                ranges, shapes),
        'generator_grad': export_one(GeneratorGrad(G), 'generator_grad', {'w': w_sample, 'target': img(2)},
                                     ['image', 'loss', 'grad'], out, ref_dir,
                                     '(W+, target image) -> (G(W+), mean |G(W+) - target| per image, its gradient '
                                     'with respect to W+): per-image refinement of an inversion (GAN Inversion '
                                     '"refine steps"); the backward pass written out as forward ops', ranges, shapes),
        'mapping': export_one(M, 'mapping', {'z': torch.randn(2, Z)}, ['w'], out, ref_dir,
                              'z ~ N(0, I) -> w broadcast to W+; random faces', ranges, shapes),
        'encoder': export_one(EncoderWPlus(E), 'encoder', {'image': img(2)}, ['w'], out, ref_dir,
                              'image -> W+ (e4e-style: shared w plus small per-layer offsets)', ranges, shapes),
    }
    meta = {'config': cfg.to_dict(), 'machine': f'{platform.machine()} {platform.system()}, torch {torch.__version__}',
            'training_seconds': {}}
    data_meta = Path(a.meta_from)
    framing = 'frame'
    if data_meta.exists():
        dm = json.loads(data_meta.read_text())
        # how the training faces were framed (`faceworld dataset --framing`): the app frames the
        # synthetic pairs and sample faces the same way (manifest image.framing)
        framing = dm.get('framing', 'frame')
        for key in ('attributes', 'identity'):
            if key in dm:
                meta[f'{key}_names'] = [n['name'] if isinstance(n, dict) else n for n in dm[key]]
    # G, E and M from the fine-tune (`finetune.py to-ae`) carry its step: its wall time counts too
    finetuned = ae.get('finetune_step') is not None
    for name in ('ae', 'finetune', 'delta', 'aux') if finetuned else ('ae', 'delta', 'aux'):
        t = read_time(runs, name)
        if t:
            meta['training_seconds'][name] = t['seconds']
            meta[f'training_{name}'] = t
    if finetuned:
        # the fine-tune's last held-out evaluation at or before the exported step: what the pack
        # reaches on its own data (the editor's out-of-domain check compares a photo against it)
        evals = runs / 'finetune' / 'log.jsonl'
        rows = [json.loads(r) for r in evals.read_text().splitlines() if r.strip()] if evals.exists() else []
        rows = [r for r in rows if r['step'] <= ae['finetune_step']]
        meta['finetune_step'] = ae['finetune_step']
        if rows:
            meta['inversion_psnr'] = round(rows[-1]['psnr'], 2)
            meta['finetune_eval'] = rows[-1]

    manifest = {'format': 'delta-studio/model-pack', 'version': 1, 'id': a.id,
                'name': 'FaceWorld demo (64 px)', 'license': 'MIT',
                'source': 'trained in this repository: training (see TRAINING.md)',
                'description': 'Style-based generator, e4e-style inversion encoder, mapping network and '
                               'Δ-encoder trained on procedurally rendered FaceWorld faces; attribute estimator '
                               'and cgi/photo domain classifier for measuring edits.',
                'latent': {'layers': L, 'dim': D},
                'image': {'size': S, 'channels': 3, 'range': [-1, 1], 'layout': 'NCHW',
                          **({'framing': framing} if framing != 'frame' else {})},
                'zDim': Z, 'models': models, 'meta': meta}

    if (runs / 'delta' / 'final.pt').exists():
        st = torch.load(runs / 'delta' / 'final.pt', map_location='cpu')
        dcfg = Config.from_dict(st['config'])
        enc, dec = DeltaEncoder(dcfg), DeltaDecoder(dcfg)
        enc.load_state_dict(st['enc']), dec.load_state_dict(st['dec'])
        C = dcfg.delta_dim
        shapes['delta'] = ['batch', C]
        with torch.no_grad():
            w2 = E(img(2))[0]
        models['delta_encoder'] = export_one(enc, 'delta_encoder', {'w_from': w2, 'w_to': w2 + 0.1 * torch.randn_like(w2)},
                                             ['delta'], out, ref_dir, 'DGE: (a_i, a_j) -> δ, the change as a low-dimensional code',
                                             ranges, shapes)
        models['delta_decoder'] = export_one(dec, 'delta_decoder', {'w': w2, 'delta': torch.randn(2, C)}, ['dw'], out,
                                             ref_dir, 'DGE residual decoder: (w, δ) -> dw; the edit is w + dw',
                                             ranges, shapes)
        manifest['deltaDim'] = C
        meta['delta_attributes_trained'] = st.get('attributes_trained')
        meta['delta_sequences_per_attribute'] = st.get('sequences_per_attribute')

    if (runs / 'aux' / 'final.pt').exists():
        st = torch.load(runs / 'aux' / 'final.pt', map_location='cpu')
        acfg = Config.from_dict(st['config'])
        est, dom = AttributeEstimator(acfg), DomainClassifier(acfg)
        est.load_state_dict(st['est']), dom.load_state_dict(st['dom'])
        shapes['attributes'] = ['batch', acfg.attrs]
        shapes['identity'] = ['batch', acfg.ident]
        models['attributes'] = export_one(est, 'attributes', {'image': img(2)}, ['attributes', 'identity'], out, ref_dir,
                                          'image -> FaceWorld attributes and identity parameters, renderer units '
                                          '(names in meta.attributes_names / meta.identity_names)', ranges, shapes)
        models['domain'] = export_one(dom, 'domain', {'image': img(2)}, ['logit'], out, ref_dir,
                                      'image -> logit, > 0 means it looks like a cgi render', ranges, shapes)

    elif a.keep_aux:
        carry_aux(prev, out, models, meta)
    if prev:  # keep the parity figures of a previous check only if the files did not change
        same = all(prev.get('models', {}).get(k, {}).get('sha256') == v['sha256'] for k, v in models.items())
        if same and 'parity' in prev.get('meta', {}):
            meta['parity'] = prev['meta']['parity']
    total = sum(m['bytes'] for m in models.values())
    meta['pack_bytes'] = total
    old.write_text(json.dumps(manifest, indent=2) + '\n')
    print(f'wrote {old}: {len(models)} models, {total / 1e6:.2f} MB; references in {ref_dir}')
    if total > 25e6:
        raise SystemExit(f'pack is {total / 1e6:.1f} MB, over the 25 MB limit')


if __name__ == '__main__':
    main()
