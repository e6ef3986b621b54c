"""Converts published StyleGAN2 (rosinality port `.pt`) and e4e / pSp checkpoints into a Delta
Studio model pack: generator.onnx (W+ -> image), mapping.onnx (z -> W+), encoder.onnx
(image -> W+, latent average added), manifest.json with shapes, ranges and sha256, and
torch reference outputs for the onnxruntime-web parity check (parity.ts), which it then runs.

  OMP_NUM_THREADS=2 /usr/bin/python3 -m training.convert.convert \
      --stylegan2 stylegan2-ffhq-config-f.pt --e4e e4e_ffhq_encode.pt --size 1024 \
      --id ffhq-e4e --name "StyleGAN2 FFHQ + e4e" --out models/converted/ffhq-e4e

The e4e/pSp checkpoint carries its own decoder; --stylegan2 may be left out to use it.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import torch

from . import encoders, stylegan2

OPSET = 17
ENCODER_INPUT = 256  # e4e and pSp both see the face resized to 256 px
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ConvertError(Exception):
    """A checkpoint that cannot be converted; the message says which file and what is wrong."""


def load_checkpoint(path, what):
    if not os.path.isfile(path):
        raise ConvertError(f"{what} checkpoint not found: {path}")
    try:
        return torch.load(path, map_location="cpu")
    except Exception as e:  # a truncated download or a non-PyTorch file
        raise ConvertError(f"{what} checkpoint {path} cannot be read by torch.load: {e}") from e


def strip_prefix(sd, prefix):
    return {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}


def load_generator(ckpt, path):
    if not isinstance(ckpt, dict) or "g_ema" not in ckpt:
        raise ConvertError(f"{path}: expected a StyleGAN2 port checkpoint with a 'g_ema' state dict; "
                           f"found keys {sorted(ckpt)[:8] if isinstance(ckpt, dict) else type(ckpt).__name__}")
    try:
        g = stylegan2.generator_from_state_dict(ckpt["g_ema"])
    except (ValueError, RuntimeError, KeyError) as e:
        raise ConvertError(f"{path}: g_ema does not match the StyleGAN2 architecture: {e}") from e
    latent_avg = ckpt.get("latent_avg")
    return g.eval(), latent_avg


def load_encoder(ckpt, path, default_type):
    if not isinstance(ckpt, dict) or "state_dict" not in ckpt:
        raise ConvertError(f"{path}: expected an e4e/pSp checkpoint with 'state_dict' (encoder.*, decoder.*)")
    opts = ckpt.get("opts") or {}
    if not isinstance(opts, dict):
        opts = vars(opts)  # some checkpoints pickle the argparse Namespace itself
    enc_type = opts.get("encoder_type", default_type)
    enc_sd = strip_prefix(ckpt["state_dict"], "encoder.")
    if not enc_sd:
        raise ConvertError(f"{path}: state_dict has no encoder.* keys")
    try:
        enc = encoders.encoder_from_state_dict(enc_sd, enc_type)
    except (ValueError, RuntimeError, KeyError) as e:
        raise ConvertError(f"{path}: encoder ({enc_type}) does not match the IR-SE-50 architecture: {e}") from e
    if enc.input_layer[0].in_channels != 3:
        raise ConvertError(f"{path}: encoder takes {enc.input_layer[0].in_channels}-channel input (e.g. a sketch or segmentation pSp); packs encode RGB photos")
    dec_sd = strip_prefix(ckpt["state_dict"], "decoder.")
    latent_avg = ckpt.get("latent_avg")
    if latent_avg is None and opts.get("start_from_latent_avg", True):
        raise ConvertError(f"{path}: opts.start_from_latent_avg is set but the checkpoint has no latent_avg")
    return enc.eval(), enc_type, opts, dec_sd, latent_avg


class GeneratorExport(torch.nn.Module):
    def __init__(self, g):
        super().__init__()
        self.g = g

    def forward(self, w):
        # the manifest promises [-1,1]; the port's own image savers clamp the same way
        return self.g.synthesis(w).clamp(-1.0, 1.0)


class MappingExport(torch.nn.Module):
    def __init__(self, g):
        super().__init__()
        self.g = g

    def forward(self, z):
        return self.g.mapping(z)


class EncoderExport(torch.nn.Module):
    def __init__(self, enc, latent_avg):
        super().__init__()
        self.enc = enc
        self.register_buffer("latent_avg", latent_avg)

    def forward(self, image):
        return self.enc(image) + self.latent_avg


def export(module, args, path, input_names, output_names, dynamic):
    torch.onnx.export(module, args, path, opset_version=OPSET, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic, do_constant_folding=True)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def entry(out, file, inputs, outputs, doc):
    path = os.path.join(out, file)
    return {"file": file, "sha256": sha256_file(path), "bytes": os.path.getsize(path), "inputs": inputs,
            "outputs": outputs, "doc": doc}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stylegan2", help="rosinality-port checkpoint with g_ema (and latent_avg)")
    enc_group = ap.add_mutually_exclusive_group(required=True)
    enc_group.add_argument("--e4e", help="encoder4editing checkpoint (Encoder4Editing)")
    enc_group.add_argument("--psp", help="pixel2style2pixel checkpoint (GradualStyleEncoder)")
    ap.add_argument("--size", type=int, required=True, help="generator output size the checkpoints must have (256, 1024, ...)")
    ap.add_argument("--out", required=True, help="pack folder to write (e.g. models/converted/<id>)")
    ap.add_argument("--id", help="pack id (default: the --out folder name)")
    ap.add_argument("--name", help="pack display name")
    ap.add_argument("--license", default="see the checkpoints' licenses (StyleGAN2: NVIDIA Source Code License-NC; e4e/pSp: MIT)")
    ap.add_argument("--source", help="where the checkpoints came from (default: their file names)")
    ap.add_argument("--no-parity", action="store_true", help="skip the onnxruntime-web parity run (npx tsx training/convert/parity.ts)")
    args = ap.parse_args(argv)

    t0 = time.time()
    out = args.out
    pack_id = args.id or os.path.basename(os.path.normpath(out))
    enc_path = args.e4e or args.psp
    enc_ckpt = load_checkpoint(enc_path, "e4e" if args.e4e else "pSp")
    enc, enc_type, opts, dec_sd, enc_latent_avg = load_encoder(enc_ckpt, enc_path, "Encoder4Editing" if args.e4e else "GradualStyleEncoder")
    del enc_ckpt
    if args.stylegan2:
        g, g_latent_avg = load_generator(load_checkpoint(args.stylegan2, "StyleGAN2"), args.stylegan2)
        g_source = os.path.basename(args.stylegan2)
    else:
        if not dec_sd:
            raise ConvertError(f"{enc_path} has no decoder.* weights; pass --stylegan2")
        g, g_latent_avg = load_generator({"g_ema": dec_sd, "latent_avg": enc_latent_avg}, f"{enc_path} (decoder)")
        g_source = f"{os.path.basename(enc_path)} (decoder)"
    if g.size != args.size:
        raise ConvertError(f"--size {args.size} but the generator checkpoint is {g.size} px")
    if enc.style_count != g.n_latent:
        raise ConvertError(f"{enc_path}: encoder has {enc.style_count} styles but the {g.size}-px generator takes {g.n_latent} W+ layers")
    L, D = g.n_latent, g.style_dim

    latent_avg = enc_latent_avg if enc_latent_avg is not None else g_latent_avg
    if opts.get("start_from_latent_avg", True):
        latent_avg = latent_avg.reshape(-1, D)
        if latent_avg.shape[0] not in (1, L):
            raise ConvertError(f"latent_avg has {latent_avg.shape[0]} rows; expected 1 or {L}")
        latent_avg = latent_avg.expand(L, D).contiguous().float()
    else:
        latent_avg = torch.zeros(L, D)

    os.makedirs(out, exist_ok=True)
    ref = os.path.join(out, "reference")
    if os.path.isdir(ref):
        shutil.rmtree(ref)
    os.makedirs(ref)

    g.freeze_for_export()
    gen_x, map_x, enc_x = GeneratorExport(g).eval(), MappingExport(g).eval(), EncoderExport(enc, latent_avg).eval()
    gen_rng = torch.Generator().manual_seed(1234)
    z = torch.randn(2, D, generator=gen_rng)
    timings = {}
    with torch.no_grad():
        w = map_x(z)
        # truncated toward the average like a typical edit session, so images are not saturated
        w_ref = latent_avg + 0.7 * (w - latent_avg)
        t = time.time()
        img = gen_x(w_ref)
        timings["torchGenerateMs"] = (time.time() - t) * 1000 / w_ref.shape[0]
        grouped = g.synthesis(w_ref, grouped=True).clamp(-1, 1)
        fused_vs_per_sample = float((grouped - img).abs().max())
        enc_in = torch.nn.functional.interpolate(img[:1], size=(ENCODER_INPUT, ENCODER_INPUT), mode="area") if g.size != ENCODER_INPUT else img[:1]
        t = time.time()
        w_enc = enc_x(enc_in)
        timings["torchInvertMs"] = (time.time() - t) * 1000

    for name, arr in {"mapping.z": z, "mapping.w": w, "generator.w": w_ref, "generator.image": img,
                      "encoder.image": enc_in, "encoder.w": w_enc}.items():
        np.save(os.path.join(ref, f"{name}.npy"), arr.numpy().astype(np.float32))

    export(gen_x, (w_ref,), os.path.join(out, "generator.onnx"), ["w"], ["image"], {"w": {0: "batch"}, "image": {0: "batch"}})
    export(map_x, (z,), os.path.join(out, "mapping.onnx"), ["z"], ["w"], {"z": {0: "batch"}, "w": {0: "batch"}})
    export(enc_x, (enc_in,), os.path.join(out, "encoder.onnx"), ["image"], ["w"], {"image": {0: "batch"}, "w": {0: "batch"}})

    S = g.size
    kind = "e4e" if enc_type == "Encoder4Editing" else "pSp"
    manifest = {
        "format": "delta-studio/model-pack",
        "version": 1,
        "id": pack_id,
        "name": args.name or f"StyleGAN2 {S}px + {kind}",
        "license": args.license,
        "source": args.source or f"converted by training/convert/convert.py from {g_source} and {os.path.basename(enc_path)}",
        "description": f"StyleGAN2 generator ({S} px, W+ {L}x{D}, fixed noise buffers) with a {kind} encoder ({enc_type}, IR-SE-50).",
        "latent": {"layers": L, "dim": D},
        "image": {"size": S, "channels": 3, "range": [-1, 1], "layout": "NCHW"},
        "zDim": D,
        "models": {
            "generator": entry(out, "generator.onnx", [{"name": "w", "shape": ["batch", L, D]}],
                               [{"name": "image", "shape": ["batch", 3, S, S], "range": [-1, 1]}],
                               "StyleGAN2 synthesis: W+ -> RGB, stored noise buffers (deterministic), clamped to [-1,1]"),
            "mapping": entry(out, "mapping.onnx", [{"name": "z", "shape": ["batch", D]}],
                             [{"name": "w", "shape": ["batch", L, D]}],
                             "StyleGAN2 mapping network: z ~ N(0,I) -> w, broadcast to every W+ layer (no truncation)"),
            "encoder": entry(out, "encoder.onnx", [{"name": "image", "shape": ["batch", 3, ENCODER_INPUT, ENCODER_INPUT], "range": [-1, 1]}],
                             [{"name": "w", "shape": ["batch", L, D]}],
                             f"{kind} inversion: aligned face resized to {ENCODER_INPUT} px in [-1,1] -> W+ with the latent average added"),
        },
        "meta": {
            "converter": "training/convert/convert.py",
            "encoderType": enc_type,
            "encoderInputSize": ENCODER_INPUT,
            "opset": OPSET,
            "latentAvg": "added inside encoder.onnx",
            "torchFusedVsPerSampleMaxAbs": fused_vs_per_sample,
            "torchTimings": {k: round(v, 1) for k, v in timings.items()},
            "parity": "pending: run npx tsx training/convert/parity.ts " + out,
        },
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(f"exported pack {pack_id} ({S}px, W+ {L}x{D}, {kind}) to {out} in {time.time() - t0:.1f}s; "
          f"torch fused-vs-per-sample max abs {fused_vs_per_sample:.2e}")
    for name, e in manifest["models"].items():
        print(f"  {name:9s} {e['file']:15s} {e['bytes'] / 1e6:8.1f} MB  sha256 {e['sha256'][:16]}…")

    if not args.no_parity:
        cmd = ["npx", "tsx", os.path.join(REPO_ROOT, "training", "convert", "parity.ts"), os.path.abspath(out)]
        rc = subprocess.call(cmd, cwd=REPO_ROOT)
        if rc != 0:
            raise ConvertError(f"parity check failed (exit {rc}): {' '.join(cmd)}")
    return manifest


if __name__ == "__main__":
    try:
        main()
    except ConvertError as e:
        print(f"convert.py: error: {e}", file=sys.stderr)
        sys.exit(2)
