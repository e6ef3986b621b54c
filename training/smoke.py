"""Smoke test of the training code (run by `npm run test:train`): a few steps of every model at
tiny width on small synthetic data sets, resume from a checkpoint, ONNX export of every model,
checked with onnx.checker and against the manifest. Finishes in well under two minutes on CPU.

  python3 -m training.smoke
"""
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
import torch

from . import export, facenet, finetune, fwmodels, train
from .delta import DeltaDecoder, DeltaEncoder, delta_fit
from .fwmodels import GeneratorGrad

torch.set_num_threads(2)


def blob_images(rng, n, size=64, grey=False):
    """Smooth coloured ellipses on a background: enough structure for losses to move."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    imgs = np.empty((n, size, size, 3), np.uint8)
    params = rng.uniform(0, 1, (n, 4)).astype(np.float32)
    for k in range(n):
        cx, cy, r, c = params[k]
        inside = ((xx - 0.3 - 0.4 * cx) ** 2 + (yy - 0.3 - 0.4 * cy) ** 2) < (0.1 + 0.2 * r) ** 2
        col = np.array([c, c, c] if grey else [c, 1 - c, 0.5]) * 255
        imgs[k] = np.where(inside[..., None], col, 40 if grey else 200)
    return imgs, params


def write_set(folder: Path, rng, n, grey=False):
    folder.mkdir(parents=True, exist_ok=True)
    imgs, p = blob_images(rng, n, grey=grey)
    np.save(folder / 'images.npy', imgs)
    attrs = np.concatenate([p, rng.uniform(-1, 1, (n, 9)).astype(np.float32)], 1)  # A = 13
    np.save(folder / 'attributes.npy', attrs)
    np.save(folder / 'identity.npy', rng.uniform(0, 1, (n, 5)).astype(np.float32))
    if not grey:  # feature masks (the photo sets have them): the blob itself
        np.save(folder / 'masks.npy', np.where((imgs != (200, 200, 200)).any(-1), 255, 0).astype(np.uint8))
    (folder / 'meta.json').write_text(json.dumps({'attributes': [f'a{i}' for i in range(13)],
                                                  'identity': [f'i{i}' for i in range(5)]}))


def write_sequences(folder: Path, rng, attrs=('smile', 'yaw'), K=3, n=4):
    for name in attrs:
        d = folder / name
        d.mkdir(parents=True, exist_ok=True)
        imgs, _ = blob_images(rng, K * n, grey=True)
        np.save(d / 'images.npy', imgs.reshape(K, n, 64, 64, 3))
        np.save(d / 'attributes.npy', rng.uniform(0, 1, (K, n, 13)).astype(np.float32))
        (d / 'meta.json').write_text(json.dumps({'attribute': name}))


def main():
    import shutil
    results = []
    # SMOKE_KEEP=<dir> keeps the tiny pack (e.g. to try parity.ts on it)
    keep = os.environ.get('SMOKE_KEEP')
    tmp = Path(keep) if keep else Path(tempfile.mkdtemp(prefix='dge-smoke-'))
    rng = np.random.default_rng(0)
    data, runs, out = tmp / 'data', tmp / 'runs', tmp / 'pack'
    write_set(data / 'photo-train', rng, 48)
    write_set(data / 'photo-test', rng, 16)
    write_set(data / 'cgi-train', rng, 32, grey=True)
    write_sequences(data / 'sequences', rng)
    write_sequences(data / 'photo-sequences', rng, K=2)
    small = ['--runs', str(runs), '--log-every', '2', '--ckpt-every', '2', '--batch', '8']

    def check(name, fn):
        t = time.time()
        try:
            fn()
            results.append((name, True))
            print(f'PASS {name} ({time.time() - t:.1f}s)', flush=True)
        except Exception:  # report every failure, then carry on with the other models
            traceback.print_exc()
            results.append((name, False))
            print(f'FAIL {name}', flush=True)

    def ae():
        train.main(['ae', *small, '--steps', '3', '--width', '0.25', '--prior-start', '0',
                    '--data', str(data / 'photo-train'), '--test', str(data / 'photo-test')])
        assert (runs / 'ae' / 'final.pt').exists()

    def feature_weighting():
        x = torch.rand(2, 3, 64, 64) * 2 - 1
        r = torch.rand(2, 3, 64, 64) * 2 - 1
        assert torch.allclose(train.image_loss(r, x, torch.ones(2, 1, 64, 64)), train.image_loss(r, x))
        m = torch.zeros(2, 1, 64, 64)
        m[:, :, 20:30, 20:30] = 1
        wt = train.feature_weight(m, 4.0)
        assert torch.allclose(wt.mean(dim=(2, 3)), torch.ones(2, 1)), 'weights must average 1 per image'
        assert (wt[:, :, 25, 25] > 3 * wt[:, :, 0, 0]).all()
        assert train.feature_weight(m, 0) is None and train.feature_weight(None, 4.0) is None
        off = x.clone()
        off[:, :, 22:28, 22:28] += 0.5  # an error only on the features costs more when weighted
        assert train.image_loss(off, x, wt) > 2 * train.image_loss(off, x)

    def ae_resume():
        before = torch.load(runs / 'ae' / 'ckpt.pt')['_step']
        train.main(['ae', *small, '--steps', '5', '--width', '0.25', '--resume', '--restart-lr',
                    '--data', str(data / 'photo-train'), '--test', str(data / 'photo-test')])
        after = torch.load(runs / 'ae' / 'ckpt.pt')['_step']
        assert (before, after) == (3, 5), f'resume went {before} -> {after}, expected 3 -> 5'

    def facenet_parity():
        r = facenet.parity(tmp / 'facenet-ref')
        assert r['descriptorMaxAbs'] < 1e-4 and r['stemMaxAbs'] < 1e-4, r

    def facenet_losses():
        losses = facenet.FaceLosses()
        x = torch.from_numpy(blob_images(np.random.default_rng(3), 2)[0]).permute(0, 3, 1, 2).float() / 127.5 - 1
        perc, ident = losses(x, x)
        assert perc.abs().max() < 1e-6 and ident.abs().max() < 1e-5, (perc, ident)
        y = x.flip(3).clone().requires_grad_(True)
        perc, ident = losses(y, x)
        assert (perc > 0).all() and (ident >= 0).all()
        (perc.sum() + ident.sum()).backward()
        assert y.grad.abs().max() > 0, 'no gradient reaches the image'

    def finetune_onnx():
        diffs = finetune.check_from_onnx()
        assert all(v < 1e-6 for v in diffs.values()), diffs

    def finetune_widen():
        # a wider G computes what the narrow one did, and the written-out gradient still holds for it
        cfg, G, _, _ = finetune.from_onnx()
        W, wcfg = fwmodels.widen_generator(G, cfg, fwmodels.parse_channels('32:48,64:32'))
        w = torch.randn(3, cfg.layers, cfg.dim)
        with torch.no_grad():
            assert (W(w) - G(w)).abs().max() < 1e-5
        assert wcfg.g_channels[64] == 32 and wcfg.g_channels[16] == cfg.g_channels[16]
        t = torch.rand(3, 3, 64, 64) * 2 - 1
        _, _, grad = GeneratorGrad(W)(w, t)
        wr = w.clone().requires_grad_(True)
        (W(wr) - t).abs().mean(dim=(1, 2, 3)).sum().backward()
        assert (grad - wr.grad).abs().max() < 1e-4

    def finetune_run():
        sets = ['--runs', str(runs), '--data', str(data / 'photo-train'), '--test', str(data / 'photo-test'),
                '--batch', '4', '--face-batch', '2', '--eval-faces', '4', '--log-every', '1', '--dz-warmup', '1', '--warmup', '1',
                '--init', str(tmp / 'none.pt')]
        finetune.main(['train', *sets, '--steps', '2'])
        assert torch.load(runs / 'finetune' / 'ckpt.pt')['_step'] == 2
        finetune.main(['train', *sets, '--steps', '3', '--resume'])
        assert torch.load(runs / 'finetune' / 'ckpt.pt')['_step'] == 3
        assert len((runs / 'finetune' / 'log.jsonl').read_text().splitlines()) == 3  # start, end of run 1, end of run 2
        snap = tmp / 'snap.pt'
        finetune.main(['snapshot', '--runs', str(runs), '--out', str(snap)])
        st = torch.load(snap)
        assert st['step'] == 3 and st['opt_ge']['state'][0]['exp_avg'].dtype == torch.float16
        # a fresh runs folder (a later session) continues from the committed snapshot
        sets2 = [a if a != str(runs) else str(tmp / 'runs2') for a in sets[:-1]] + [str(snap)]
        finetune.main(['train', *sets2, '--steps', '4', '--resume'])
        st2 = torch.load(tmp / 'runs2' / 'finetune' / 'ckpt.pt')
        assert st2['_step'] == 4, st2['_step']
        assert not torch.equal(st2['G']['const'], st['G']['const']), 'the step from the snapshot changed nothing'
        # and hands its G, E, M to the export's recipe
        finetune.main(['to-ae', '--runs', str(tmp / 'runs2')])
        _, G, _, _ = train.load_ae(tmp / 'runs2', 'cpu')
        assert torch.equal(G.const, st2['G']['const'])

    def generator_grad():
        # the written-out backward pass equals autograd's gradient of mean |G(W+) - target|
        _, G, _, _ = train.load_ae(runs, 'cpu')
        w = torch.randn(3, 10, 64)
        t = torch.rand(3, 3, 64, 64) * 2 - 1
        with torch.no_grad():
            img, loss, grad = GeneratorGrad(G)(w, t)
        w.requires_grad_(True)
        r = G(w)
        (r - t).abs().mean(dim=(1, 2, 3)).sum().backward()
        assert torch.allclose(img, r.detach(), atol=1e-6)
        err = (grad - w.grad).abs().max().item()
        assert err < 1e-6 * max(1.0, w.grad.abs().max().item() * 1e3), f'gradient differs from autograd by {err}'
        assert w.grad.abs().max().item() > 0

    def delta():
        train.main(['delta', *small, '--steps', '4', '--hidden', '32', '--data', str(data / 'sequences'),
                    '--validate', str(data / 'photo-sequences')])
        st = torch.load(runs / 'delta' / 'final.pt')
        assert st['attributes_trained'] == ['smile', 'yaw'], st['attributes_trained']
        # the cross-domain report: codes of one set applied to the other's sequences
        _, _, E, _ = train.load_ae(runs, 'cpu')
        cfg = train.Config.from_dict(st['config'])
        enc, dec = DeltaEncoder(cfg), DeltaDecoder(cfg)
        enc.load_state_dict(st['enc']), dec.load_state_dict(st['dec'])
        enc.eval(), dec.eval()
        with torch.no_grad():
            lat = train.invert_sequences(E, train.load_sequences(data / 'sequences'), 'cpu')
            onto = train.invert_sequences(E, train.load_sequences(data / 'photo-sequences'), 'cpu')
            fit = delta_fit(enc, dec, lat, onto)
        assert sorted(fit) == ['smile', 'yaw'] and all(
            set(f) == {'within', 'transfer', 'linearTransfer', 'gain', 'transferMean', 'gainMean'} for f in fit.values())

    def aux():
        sets = ['--data', str(data / 'photo-train'), '--cgi', str(data / 'cgi-train'), '--test', str(data / 'photo-test')]
        # as the pack is trained: renders only first, then fine-tuned with G's faces from those weights
        train.main(['aux', *small, '--steps', '3', '--name', 'aux-renders', '--renders-only', *sets])
        first = torch.load(runs / 'aux-renders' / 'final.pt')
        train.main(['aux', *small, '--steps', '2', '--init', str(runs / 'aux-renders' / 'final.pt'), *sets])
        st = torch.load(runs / 'aux' / 'final.pt')
        moved = [k for k in st['est'] if st['est'][k].dtype.is_floating_point and not torch.equal(st['est'][k], first['est'][k])]
        assert moved, 'fine-tuning from --init changed no estimator weight'

    def onnx_export():
        import onnx
        export.main(['--runs', str(runs), '--out', str(out), '--meta-from', str(data / 'photo-train' / 'meta.json'),
                     '--id', 'smoke'])
        for f in sorted(out.glob('*.onnx')):
            m = onnx.load(str(f))
            onnx.checker.check_model(m)
            assert m.opset_import[0].version == 17, f'{f.name}: opset {m.opset_import[0].version}'
            batch = m.graph.input[0].type.tensor_type.shape.dim[0].dim_param
            assert batch == 'batch', f'{f.name}: batch dimension is not dynamic'

    def manifest():
        man = json.loads((out / 'manifest.json').read_text())
        assert man['format'] == 'delta-studio/model-pack' and man['version'] == 1
        want = {'generator', 'generator_grad', 'mapping', 'encoder', 'delta_encoder', 'delta_decoder', 'attributes', 'domain'}
        assert set(man['models']) == want, sorted(man['models'])
        for name, entry in man['models'].items():
            assert export.sha256(out / entry['file']) == entry['sha256'], f'{name}: sha256 mismatch'
        assert man['latent'] == {'layers': 10, 'dim': 64} and man['deltaDim'] == 16
        assert man['meta']['attributes_names'][0] == 'a0'
        refs = sorted(p.stem for p in (runs / 'parity').glob('*.json'))
        assert refs == sorted(want), refs
        assert 'framing' not in man['image'], man['image']  # whole-frame data: the app's default

    def framed_export():
        # a data set made with `faceworld dataset --framing face` says so in its meta.json; the
        # manifest passes it on so the app frames synthetic pairs and sample faces the same way
        meta = json.loads((data / 'photo-train' / 'meta.json').read_text())
        framed = data / 'framed-meta.json'
        framed.write_text(json.dumps({**meta, 'framing': 'face'}))
        out2 = out.parent / 'pack-framed'
        export.main(['--runs', str(runs), '--out', str(out2), '--meta-from', str(framed), '--id', 'smoke-framed'])
        assert json.loads((out2 / 'manifest.json').read_text())['image']['framing'] == 'face'

    check('ae: G + E + mapping train', ae)
    check('ae: resume from checkpoint', ae_resume)
    check("facenet: PyTorch port == face-api's JavaScript forward pass", facenet_parity)
    check('facenet: perceptual and identity losses', facenet_losses)
    check("finetune: G, E, M rebuilt from the pack's ONNX", finetune_onnx)
    check('finetune: a widened G keeps its output and its written-out gradient', finetune_widen)
    check('finetune: train, resume, snapshot, start from the snapshot', finetune_run)
    check('ae: feature-weighted loss', feature_weighting)
    check('generator_grad: written-out backward == autograd', generator_grad)
    check('delta: Δ-encoder train', delta)
    check('aux: attribute estimator + domain classifier train', aux)
    check('export: ONNX opset 17, dynamic batch', onnx_export)
    check('export: manifest and parity references', manifest)
    check('export: the data set\'s framing reaches the manifest', framed_export)
    passed = sum(ok for _, ok in results)
    print(f'{passed} passed, {len(results) - passed} failed')
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if passed == len(results) else 1)


if __name__ == '__main__':
    main()
