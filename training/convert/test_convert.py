"""Smoke test of the checkpoint converter at tiny configurations (< 90 s on 2 cores):
  OMP_NUM_THREADS=2 /usr/bin/python3 -m training.convert.test_convert
Prints `N passed, M failed` and exits non-zero on any failure.
"""
import contextlib
import json
import os
import subprocess
import sys
import tempfile

import torch

from . import convert, encoders, stylegan2
from . import make_random_checkpoints as mrc
from .smoke_runner import run_tests

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@contextlib.contextmanager
def no_init():
    """Builds full-size networks without spending time on random init: only shapes are checked."""
    names = ["kaiming_uniform_", "uniform_", "normal_", "zeros_", "ones_"]
    saved = {n: getattr(torch.nn.init, n) for n in names}
    try:
        for n in names:
            setattr(torch.nn.init, n, lambda t, *a, **k: t)
        yield
    finally:
        for n, f in saved.items():
            setattr(torch.nn.init, n, f)


@test
def upfirdn2d_keeps_a_constant_image_constant():
    x = torch.full((2, 3, 8, 8), 0.7)
    up = stylegan2.Upsample([1, 3, 3, 1])(x)
    assert up.shape == (2, 3, 16, 16), up.shape
    # zero insertion times a kernel summing to 4 keeps the mean; interior pixels see no border
    assert torch.allclose(up[:, :, 2:-2, 2:-2], torch.tensor(0.7), atol=1e-6), up[0, 0]
    blur = stylegan2.Blur([1, 3, 3, 1], pad=(1, 1), upsample_factor=2)
    down = stylegan2.Downsample([1, 3, 3, 1])(x)
    assert down.shape == (2, 3, 4, 4) and torch.allclose(down[:, :, 1:-1, 1:-1], torch.tensor(0.7), atol=1e-6)
    # an impulse through the blur reproduces the (symmetric) kernel itself
    imp = torch.zeros(1, 1, 7, 7)
    imp[0, 0, 3, 3] = 1
    out = stylegan2.upfirdn2d(imp, blur.kernel, pad=(1, 2))
    assert out.shape == (1, 1, 7, 7) and torch.allclose(out[0, 0, 1:5, 1:5], blur.kernel) and float(out.sum()) == 4.0, out


@test
def per_sample_modulated_conv_equals_the_ports_grouped_form():
    torch.manual_seed(0)
    for kw in ({}, {"upsample": True}, {"downsample": True}, {"demodulate": False}):
        conv = stylegan2.ModulatedConv2d(6, 5, 3, 16, **kw)
        x, s = torch.randn(3, 6, 8, 8), torch.randn(3, 16)
        a, b = conv(x, s), conv.forward_grouped(x, s)
        assert a.shape == b.shape and float((a - b).abs().max()) < 1e-5, (kw, float((a - b).abs().max()))
        keys = set(conv.state_dict())
        conv.freeze_for_export()  # the export-time constant must not change the checkpoint layout
        assert set(conv.state_dict()) == keys and float((conv(x, s) - b).abs().max()) < 1e-5


@test
def published_generator_layout_1024():
    with no_init():
        g = stylegan2.Generator(1024, 512, 8, channel_multiplier=2)
    sd = g.state_dict()
    assert g.n_latent == 18 and g.num_layers == 17
    want = {
        "style.8.weight": (512, 512), "input.input": (1, 512, 4, 4), "conv1.conv.weight": (1, 512, 512, 3, 3),
        "conv1.conv.modulation.bias": (512,), "conv1.noise.weight": (1,), "conv1.activate.bias": (512,),
        "to_rgb1.bias": (1, 3, 1, 1), "convs.0.conv.blur.kernel": (4, 4), "convs.14.conv.weight": (1, 32, 64, 3, 3),
        "convs.15.conv.weight": (1, 32, 32, 3, 3), "to_rgbs.7.conv.weight": (1, 3, 32, 1, 1),
        "to_rgbs.7.upsample.kernel": (4, 4), "noises.noise_16": (1, 1, 1024, 1024),
    }
    for k, shape in want.items():
        assert k in sd and tuple(sd[k].shape) == shape, (k, tuple(sd[k].shape) if k in sd else "missing")
    assert "style.9.weight" not in sd and "noises.noise_17" not in sd and len(g.convs) == 16 and len(g.to_rgbs) == 8
    cfg = stylegan2.config_from_state_dict(sd)
    assert cfg["size"] == 1024 and cfg["n_mlp"] == 8 and cfg["channels"][1024] == 32, cfg


@test
def published_e4e_layout_1024():
    with no_init():
        enc = encoders.Encoder4Editing(18)
    sd = enc.state_dict()
    assert len(enc.body) == 24 and len(enc.styles) == 18
    want = {
        "input_layer.0.weight": (64, 3, 3, 3), "input_layer.2.weight": (64,),
        "body.0.shortcut_layer.0.weight": None, "body.3.shortcut_layer.0.weight": (128, 64, 1, 1),
        "body.23.res_layer.5.fc1.weight": (32, 512, 1, 1), "body.23.res_layer.4.running_var": (512,),
        "styles.0.convs.6.weight": (512, 512, 3, 3), "styles.0.linear.weight": (512, 512),
        "styles.17.convs.10.weight": (512, 512, 3, 3), "latlayer1.weight": (512, 256, 1, 1),
        "latlayer2.weight": (512, 128, 1, 1),
    }
    for k, shape in want.items():
        if shape is None:  # in_channel == depth: a parameter-free max-pool shortcut
            assert k not in sd, k
        else:
            assert k in sd and tuple(sd[k].shape) == shape, (k, tuple(sd[k].shape) if k in sd else "missing")
    assert "styles.0.convs.8.weight" not in sd  # 16-px blocks have 4 convs
    assert encoders.config_from_state_dict(sd)["style_count"] == 18


CKPT_DIR = tempfile.mkdtemp(prefix="dge-convert-test-")


def tiny_pack(tmp, size, kind):
    """Tiny random checkpoints, written once per size for the whole run (tmp is unused: shared)."""
    ckpt = os.path.join(CKPT_DIR, f"ckpt{size}")
    if not os.path.isdir(ckpt):
        mrc.main(["--size", str(size), "--tiny", "--out", ckpt])
    return ckpt


@test
def tiny_e4e_converts_and_matches_onnxruntime_web():
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = tiny_pack(tmp, 64, "e4e")
        out = os.path.join(tmp, "tiny-e4e")
        m = convert.main(["--stylegan2", f"{ckpt}/stylegan2.pt", "--e4e", f"{ckpt}/e4e.pt", "--size", "64", "--out", out])
        assert m["latent"] == {"layers": 10, "dim": 32} and m["image"]["size"] == 64
        assert m["models"]["encoder"]["inputs"][0]["shape"] == ["batch", 3, 256, 256]
        saved = json.load(open(os.path.join(out, "manifest.json")))
        par = saved["meta"]["parity"]
        for model in ("generator", "mapping", "encoder"):
            assert par[model]["maxAbs"] < 1e-4, (model, par[model])
        assert saved["meta"]["torchFusedVsPerSampleMaxAbs"] < 1e-4
        # the encoder output carries the latent average: w minus latent_avg is the raw e4e output
        ck = torch.load(f"{ckpt}/e4e.pt")
        enc = encoders.encoder_from_state_dict(convert.strip_prefix(ck["state_dict"], "encoder."), "Encoder4Editing").eval()
        import numpy as np
        image = torch.from_numpy(np.load(os.path.join(out, "reference", "encoder.image.npy")))
        w = torch.from_numpy(np.load(os.path.join(out, "reference", "encoder.w.npy")))
        with torch.no_grad():
            raw = enc(image)
        assert float((w - raw - ck["latent_avg"]).abs().max()) < 1e-5


def run_graph_with_pack(models_dir, pack_id, out_dir):
    """Runs a graph on the converted pack with the editor's node code (`npm run graph`): random face
    -> generate, sample face -> invert -> generate. Returns the PNG file names written."""
    def node(i, t, params):
        return {"id": i, "type": t, "params": {"pack": pack_id, **params}, "position": [0, 0]}

    def conn(a, so, b, si):
        return {"id": f"{a}.{so}->{b}.{si}", "from": {"node": a, "socket": so}, "to": {"node": b, "socket": si}}

    graph = {"format": "delta-studio/graph", "version": 1, "name": "converted pack", "packs": [], "assets": {},
             "nodes": [node("random", "random-face", {"seed": 3}), node("gen1", "generate", {}),
                       node("load", "load-face", {"source": "sample:1"}), node("inv", "gan-inversion", {}), node("gen2", "generate", {})],
             "connections": [conn("random", "latent", "gen1", "latent"), conn("load", "image", "inv", "image"), conn("inv", "latent", "gen2", "latent")]}
    path = os.path.join(out_dir, "graph.dge.json")
    with open(path, "w") as f:
        json.dump(graph, f)
    rc = subprocess.call(["npx", "tsx", os.path.join(convert.REPO_ROOT, "tools", "run-graph.ts"), path, "--out", os.path.join(out_dir, "png"),
                          "--models", models_dir, "--quiet"], cwd=convert.REPO_ROOT, stdout=sys.stderr)
    assert rc == 0, f"npm run graph exited {rc}"
    return sorted(os.listdir(os.path.join(out_dir, "png")))


@test
def tiny_psp_converts_from_its_own_decoder():
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = tiny_pack(tmp, 64, "psp")
        out = os.path.join(tmp, "tiny-psp")
        m = convert.main(["--psp", f"{ckpt}/psp.pt", "--size", "64", "--out", out])
        assert m["meta"]["encoderType"] == "GradualStyleEncoder" and m["latent"]["layers"] == 10
        par = json.load(open(os.path.join(out, "manifest.json")))["meta"]["parity"]
        assert all(par[k]["maxAbs"] < 1e-4 for k in ("generator", "mapping", "encoder")), par
        # the pack runs unchanged through the editor's nodes (a 10x32 W+, a 64-px image, a 256-px encoder input)
        pngs = run_graph_with_pack(tmp, "tiny-psp", tmp)
        assert pngs == ["gen1-image.png", "gen2-image.png", "load-image.png"], pngs


def expect_error(argv, fragment):
    try:
        convert.main(argv)
    except convert.ConvertError as e:
        assert fragment in str(e), f"error {e!s} does not mention {fragment!r}"
        return
    raise AssertionError(f"no error for {argv}")


@test
def bad_checkpoints_are_refused_by_name():
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = tiny_pack(tmp, 64, "e4e")
        out = os.path.join(tmp, "x")
        expect_error(["--stylegan2", f"{ckpt}/stylegan2.pt", "--e4e", f"{ckpt}/e4e.pt", "--size", "256", "--out", out, "--no-parity"],
                     "--size 256 but the generator checkpoint is 64 px")
        expect_error(["--stylegan2", f"{ckpt}/e4e.pt", "--e4e", f"{ckpt}/e4e.pt", "--size", "64", "--out", out, "--no-parity"], "'g_ema'")
        expect_error(["--stylegan2", f"{ckpt}/missing.pt", "--e4e", f"{ckpt}/e4e.pt", "--size", "64", "--out", out, "--no-parity"], "not found")
        ck128 = tiny_pack(tmp, 128, "e4e")
        expect_error(["--stylegan2", f"{ck128}/stylegan2.pt", "--e4e", f"{ckpt}/e4e.pt", "--size", "128", "--out", out, "--no-parity"],
                     "encoder has 10 styles but the 128-px generator takes 12")
        broken = torch.load(f"{ckpt}/stylegan2.pt")
        del broken["g_ema"]["conv1.conv.weight"]
        torch.save(broken, os.path.join(tmp, "broken.pt"))
        expect_error(["--stylegan2", os.path.join(tmp, "broken.pt"), "--e4e", f"{ckpt}/e4e.pt", "--size", "64", "--out", out, "--no-parity"],
                     "conv1.conv.weight")


def main():
    return run_tests(TESTS, min(2, torch.get_num_threads()), cleanup=[CKPT_DIR])


if __name__ == "__main__":
    sys.exit(main())
