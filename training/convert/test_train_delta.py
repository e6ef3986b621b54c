"""Smoke test of train_delta.py on a COPY of the fixture pack (< 60 s on 2 busy cores):
  /usr/bin/python3 -m training.convert.test_train_delta
Prints `N passed, M failed` and exits non-zero on any failure.
"""
import contextlib
import hashlib
import io
import json
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import onnx
import torch

from . import train_delta
from .smoke_runner import run_tests

ROOT = Path(__file__).resolve().parents[2]

TESTS = []
TMP = Path(tempfile.mkdtemp(prefix='train-delta-'))
PACK = TMP / 'models' / 'fixture'
WORK = TMP / 'work'
ORIGINAL = json.loads((ROOT / 'models' / 'fixture' / 'manifest.json').read_text())
TINY = ['--attributes', 'smile,yaw', '--sequences', '6', '--steps', '3', '--delta-dim', '6', '--hidden', '64',
        '--batch', '32', '--log-every', '100', '--ckpt-every', '100', '--work', str(WORK)]


def test(fn):
    TESTS.append(fn)
    return fn


def run_main(argv):
    """train_delta.main with its log captured (returned with the manifest it wrote)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        m = train_delta.main(argv)
    sys.stderr.write(buf.getvalue())
    return m, buf.getvalue()


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@test
def trains_a_fixture_copy_and_adds_the_delta_encoder_to_its_manifest():
    shutil.copytree(ROOT / 'models' / 'fixture', PACK)
    (TMP / 'models' / 'index.json').write_text(json.dumps({'packs': ['fixture']}))
    old_sha = ORIGINAL['models']['delta_encoder']['sha256']
    m, out = run_main(['--pack', str(PACK), '--iters', '300', *TINY])
    disk = json.loads((PACK / 'manifest.json').read_text())
    assert disk == m, 'manifest on disk differs from the one reported'
    # the new models replace the fixture's, are listed with their true sha256/bytes and the right shapes
    for name, ins, outs in (('delta_encoder', [['batch', 4, 16], ['batch', 4, 16]], [['batch', 6]]),
                            ('delta_decoder', [['batch', 4, 16], ['batch', 6]], [['batch', 4, 16]])):
        e = disk['models'][name]
        f = PACK / e['file']
        assert e['sha256'] == sha(f) and e['bytes'] == f.stat().st_size, name
        assert [i['shape'] for i in e['inputs']] == ins and [o['shape'] for o in e['outputs']] == outs, e
        onnx.checker.check_model(onnx.load(str(f)))
        assert onnx.load(str(f)).opset_import[0].version == 17
    assert disk['models']['delta_encoder']['sha256'] != old_sha, 'the fixture delta encoder was not replaced'
    assert [i['name'] for i in disk['models']['delta_encoder']['inputs']] == ['w_from', 'w_to']
    assert [i['name'] for i in disk['models']['delta_decoder']['inputs']] == ['w', 'delta']
    assert disk['deltaDim'] == 6
    # everything else in the manifest is unchanged
    for k, v in ORIGINAL.items():
        if k in ('models', 'deltaDim', 'meta'):
            continue
        assert disk[k] == v, k
    for k in ('generator', 'mapping', 'encoder'):
        assert disk['models'][k] == ORIGINAL['models'][k], k
    assert {k: v for k, v in disk['meta'].items() if k != 'delta_training'} == ORIGINAL['meta']
    t = disk['meta']['delta_training']
    assert t['attributes'] == ['smile', 'yaw'] and t['sequences'] == 6 and t['steps'] == 3 and t['device'].startswith('cpu')
    assert t['renderSize'] == 32 and t['iterations'] == 300
    assert t['seconds']['total'] > 0 and t['seconds']['train'] > 0
    for name in ('delta_encoder', 'delta_decoder'):
        assert t['parity'][name]['maxRel'] <= 1e-3, t['parity']
    # the DGE fit is better than no edit on every attribute (1 = no better)
    assert all(f['within'] < 0.5 and f['transfer'] < 0.5 for f in t['fit'].values()), t['fit']
    # 2 of the 6 identities were held out (the default fifth, at least 2) and measured; 4 training
    # identities of a random encoder overfit, but transfer still beats the plain latent difference
    assert t['heldOutSequences'] == 2 and set(t['fitHeldOut']) == {'smile', 'yaw'}, t
    assert all(math.isfinite(f['transfer']) and f['transfer'] < f['linearTransfer'] for f in t['fitHeldOut'].values()), t['fitHeldOut']
    assert 'wall time' in out


@test
def resume_continues_from_the_checkpoint_without_rendering_or_inverting_again():
    seq = WORK / 'sequences' / 'smile'
    before = {f: (seq / f).stat().st_mtime_ns for f in ('images.npy', 'latents.npy')}
    m, out = run_main(['--pack', str(PACK), '--iters', '340', '--resume', *TINY])
    assert 'resuming at iteration 300' in out, out
    assert 'rendered' not in out and 'inverted' not in out, out
    assert {f: (seq / f).stat().st_mtime_ns for f in before} == before
    assert m['meta']['delta_training']['iterations'] == 340
    # a resume with other settings is refused, naming the setting
    try:
        run_main(['--pack', str(PACK), '--iters', '400', '--resume', *TINY[:-2], '--work', str(WORK), '--hidden', '32'])
    except train_delta.DeltaTrainError as e:
        assert 'hidden' in str(e), e
    else:
        raise AssertionError('resume with another --hidden was accepted')


@test
def the_trained_pack_runs_in_the_editor_nodes_and_alpha_zero_is_no_edit():
    """random face + synthetic smile pairs -> Encode Delta (dge) -> Scale α -> Add -> Generate, through `npm run graph`."""
    def node(i, t, params):
        return {'id': i, 'type': t, 'params': params, 'position': [0, 0]}

    def conn(a, so, b, si):
        return {'id': f'{a}.{so}->{b}.{si}', 'from': {'node': a, 'socket': so}, 'to': {'node': b, 'socket': si}}

    pk = {'pack': 'fixture'}
    nodes = [node('face', 'random-face', {**pk, 'seed': 5}), node('pairs', 'synthetic-pair', {**pk, 'attribute': 'smile', 'count': 2}),
             node('enc', 'encode-delta', {**pk, 'method': 'dge'}), node('s0', 'scale', {'alpha': 0}), node('s2', 'scale', {'alpha': 2}),
             node('add0', 'add', pk), node('add2', 'add', pk), node('gen', 'generate', pk), node('gen0', 'generate', pk),
             node('gen2', 'generate', pk)]
    conns = [conn('pairs', 'pairs', 'enc', 'pairs'), conn('enc', 'delta', 's0', 'delta'), conn('enc', 'delta', 's2', 'delta'),
             conn('face', 'latent', 'add0', 'latent'), conn('s0', 'delta', 'add0', 'deltas'),
             conn('face', 'latent', 'add2', 'latent'), conn('s2', 'delta', 'add2', 'deltas'),
             conn('face', 'latent', 'gen', 'latent'), conn('add0', 'latent', 'gen0', 'latent'), conn('add2', 'latent', 'gen2', 'latent')]
    graph = {'format': 'delta-studio/graph', 'version': 1, 'name': 'trained delta', 'packs': [], 'assets': {},
             'nodes': nodes, 'connections': conns}
    path = TMP / 'graph.dge.json'
    path.write_text(json.dumps(graph))
    out = TMP / 'png'
    proc = subprocess.run(['npx', 'tsx', 'tools/run-graph.ts', str(path), '--out', str(out), '--models', str(TMP / 'models'), '--quiet'],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout
    png = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {'gen-image.png', 'gen0-image.png', 'gen2-image.png'} <= set(png), sorted(png)
    assert png['gen0-image.png'] == png['gen-image.png'], 'α = 0 changed the face'
    assert png['gen2-image.png'] != png['gen-image.png'], 'α = 2 left the face unchanged'


@test
def the_network_stays_small_for_an_18x512_latent_and_zero_code_is_no_edit():
    torch.manual_seed(0)
    enc, dec = train_delta.build_models(18, 512, 16, 256, 16, 32)
    mb = train_delta.count_params(enc, dec) * 4 / 1e6
    assert mb < 6, f'{mb:.1f} MB'
    w = torch.randn(3, 18, 512)
    d = enc(w, w + 0.1 * torch.randn_like(w))
    assert d.shape == (3, 16)
    assert dec(w, torch.zeros_like(d)).abs().max() == 0
    assert dec(w, d).shape == (3, 18, 512) and dec(w, d).abs().max() > 0


@test
def bad_input_is_refused_by_name():
    def expect(argv, fragment):
        try:
            train_delta.main(argv)
        except train_delta.DeltaTrainError as e:
            assert fragment in str(e), f'error {e!s} does not mention {fragment!r}'
            return
        raise AssertionError(f'no error for {argv}')

    expect(['--pack', str(TMP / 'nowhere')], 'no manifest.json')
    expect(['--pack', str(PACK), '--attributes', 'smile,grin'], "'grin'")
    expect(['--pack', str(PACK), '--sequences', '1'], '--sequences')
    renamed = TMP / 'other-name'
    renamed.mkdir()
    shutil.copy(PACK / 'manifest.json', renamed / 'manifest.json')
    expect(['--pack', str(renamed)], 'named after the pack id "fixture"')
    noenc = TMP / 'x' / 'fixture'
    noenc.mkdir(parents=True)
    m = json.loads((PACK / 'manifest.json').read_text())
    del m['models']['encoder']
    (noenc / 'manifest.json').write_text(json.dumps(m))
    expect(['--pack', str(noenc)], 'no encoder model')
    # the inversion tool names a missing sequence set
    proc = subprocess.run(['npx', 'tsx', 'tools/invert-sequences.ts', '--pack', str(PACK), '--in', str(TMP / 'none')],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode != 0 and 'no images.npy' in proc.stdout, proc.stdout


def main():
    return run_tests(TESTS, 1, cleanup=[TMP])


if __name__ == '__main__':
    sys.exit(main())
