"""Writes StyleGAN2, e4e and pSp checkpoints with fixed-seed random weights IN THE PUBLISHED
CHECKPOINT LAYOUT, so the converter can be proven here where the real weights cannot be
downloaded:
  stylegan2.pt  {'g_ema': state_dict, 'latent_avg': [512]}            (the port's convert_weight.py)
  e4e.pt        {'state_dict': {'encoder.*', 'decoder.*'}, 'latent_avg': [L,512], 'opts': {...}}
  psp.pt        same layout, opts.encoder_type = 'GradualStyleEncoder'

  /usr/bin/python3 -m training.convert.make_random_checkpoints --size 256 --out models/converted/random-ckpt
`--tiny` shrinks every width (test configurations only: the keys stay, the shapes are small).
"""
import argparse
import os
import time

import torch

from . import encoders, stylegan2

TINY_STYLE_DIM = 32
TINY_ENCODER_WIDTHS = (16, 16, 32, TINY_STYLE_DIM)  # >= 16: the SE blocks divide by 16


def tiny_channels(size):
    # 32 channels at 4..16 px, then 16: keeps every key of the port at a few thousand weights per layer
    return {2 ** i: (32 if i <= 4 else 16) for i in range(2, int.bit_length(size))}


def trained_like_(module, gen):
    """Random weights leave noise strengths at 0, biases at 0 and BatchNorm at identity; make
    them non-trivial so every path (noise injection, biases, BN statistics) is exercised."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("noise.weight"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith("bias"):
                p.add_(0.1 * torch.randn(p.shape, generator=gen))
            elif "to_rgb" in name and name.endswith("conv.weight"):
                # random RGB heads sum to a saturated image; smaller ones keep most pixels inside (-1,1)
                p.mul_(0.25)
        for name, b in module.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.1 * torch.randn(b.shape, generator=gen))
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand(b.shape, generator=gen))


def build_generator(size, tiny, seed):
    torch.manual_seed(seed)
    if tiny:
        g = stylegan2.Generator(size, TINY_STYLE_DIM, 2, channels=tiny_channels(size))
    else:
        g = stylegan2.Generator(size, 512, 8, channel_multiplier=2)
    trained_like_(g, torch.Generator().manual_seed(seed + 1))
    return g.eval()


def build_encoder(kind, n_latent, tiny, seed):
    torch.manual_seed(seed)
    cls = encoders.ENCODER_TYPES[kind]
    if tiny:
        enc = cls(n_latent, widths=TINY_ENCODER_WIDTHS, style_dim=TINY_STYLE_DIM)
    else:
        enc = cls(n_latent)
    trained_like_(enc, torch.Generator().manual_seed(seed + 1))
    return enc.eval()


def encoder_checkpoint(enc, g, latent_avg, kind, size):
    state = {f"encoder.{k}": v for k, v in enc.state_dict().items()}
    state.update({f"decoder.{k}": v for k, v in g.state_dict().items()})
    opts = {"encoder_type": kind, "start_from_latent_avg": True, "input_nc": 3,
            # e4e names it stylegan_size, pSp output_size; both are written as the originals do
            "stylegan_size": size, "output_size": size, "note": "random weights (training/convert/make_random_checkpoints.py)"}
    return {"state_dict": state, "latent_avg": latent_avg.unsqueeze(0).repeat(g.n_latent, 1), "opts": opts}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, required=True, help="generator output size: 256, 1024 (or 64/128 with --tiny)")
    ap.add_argument("--out", required=True, help="folder for stylegan2.pt, e4e.pt, psp.pt")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tiny", action="store_true", help="small widths for fast tests (same keys)")
    ap.add_argument("--encoders", default="e4e,psp", help="comma list of e4e, psp (or empty)")
    args = ap.parse_args(argv)
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    g = build_generator(args.size, args.tiny, args.seed)
    with torch.no_grad():
        # the port's convert_weight.py stores the mean w of the mapping network as latent_avg
        latent_avg = g.style(torch.randn(4096, g.style_dim, generator=torch.Generator().manual_seed(args.seed + 2))).mean(0)
    torch.save({"g_ema": g.state_dict(), "latent_avg": latent_avg}, os.path.join(args.out, "stylegan2.pt"))
    kinds = {"e4e": "Encoder4Editing", "psp": "GradualStyleEncoder"}
    for i, name in enumerate(n for n in args.encoders.split(",") if n):
        if name not in kinds:
            ap.error(f"--encoders: unknown encoder {name!r} (use e4e, psp)")
        enc = build_encoder(kinds[name], g.n_latent, args.tiny, args.seed + 10 + i)
        torch.save(encoder_checkpoint(enc, g, latent_avg, kinds[name], args.size), os.path.join(args.out, f"{name}.pt"))
        del enc
    print(f"wrote random-weight checkpoints (size {args.size}{', tiny' if args.tiny else ''}) to {args.out} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
