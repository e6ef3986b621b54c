"""The e4e (Encoder4Editing) and pSp (GradualStyleEncoder) encoders with the IR-SE-50 backbone,
in the layout of the published encoder4editing / pixel2style2pixel checkpoints
(`state_dict` keys `encoder.*`), re-implemented so they load with strict=True and export to ONNX.

`widths` and `style_dim` exist only for tiny test configurations; their defaults give the
published shapes (backbone 64/128/256/512 channels, 512-d styles).
"""
from collections import namedtuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .stylegan2 import EqualLinear

Bottleneck = namedtuple("Bottleneck", ["in_channel", "depth", "stride"])

# units per stage of IR-50; the encoders tap the body after modules 6, 20 and 23
IR50_UNITS = (3, 4, 14, 3)


def get_blocks(widths=(64, 128, 256, 512), units=IR50_UNITS):
    blocks = []
    in_channel = widths[0]
    for depth, n in zip(widths, units):
        blocks.append([Bottleneck(in_channel, depth, 2)] + [Bottleneck(depth, depth, 1) for _ in range(n - 1)])
        in_channel = depth
    return blocks


class SEModule(nn.Module):
    def __init__(self, channels, reduction):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels // reduction, kernel_size=1, padding=0, bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(channels // reduction, channels, kernel_size=1, padding=0, bias=False)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        s = self.sigmoid(self.fc2(self.relu(self.fc1(self.avg_pool(x)))))
        return x * s


class BottleneckIRSE(nn.Module):
    def __init__(self, in_channel, depth, stride):
        super().__init__()
        if in_channel == depth:
            self.shortcut_layer = nn.MaxPool2d(1, stride)
        else:
            self.shortcut_layer = nn.Sequential(
                nn.Conv2d(in_channel, depth, (1, 1), stride, bias=False), nn.BatchNorm2d(depth))
        self.res_layer = nn.Sequential(
            nn.BatchNorm2d(in_channel),
            nn.Conv2d(in_channel, depth, (3, 3), (1, 1), 1, bias=False),
            nn.PReLU(depth),
            nn.Conv2d(depth, depth, (3, 3), stride, 1, bias=False),
            nn.BatchNorm2d(depth),
            SEModule(depth, 16),
        )

    def forward(self, x):
        return self.res_layer(x) + self.shortcut_layer(x)


class GradualStyleBlock(nn.Module):
    def __init__(self, in_c, out_c, spatial):
        super().__init__()
        self.out_c = out_c
        num_pools = int(np.log2(spatial))
        modules = [nn.Conv2d(in_c, out_c, kernel_size=3, stride=2, padding=1), nn.LeakyReLU()]
        for _ in range(num_pools - 1):
            modules += [nn.Conv2d(out_c, out_c, kernel_size=3, stride=2, padding=1), nn.LeakyReLU()]
        self.convs = nn.Sequential(*modules)
        self.linear = EqualLinear(out_c, out_c, lr_mul=1)

    def forward(self, x):
        return self.linear(self.convs(x).reshape(-1, self.out_c))


def upsample_add(x, y):
    return F.interpolate(x, size=(y.shape[2], y.shape[3]), mode="bilinear", align_corners=True) + y


class _StyleEncoderBase(nn.Module):
    coarse_ind = 3
    middle_ind = 7

    def __init__(self, style_count, input_nc=3, widths=(64, 128, 256, 512), style_dim=512):
        super().__init__()
        self.input_layer = nn.Sequential(
            nn.Conv2d(input_nc, widths[0], (3, 3), 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.PReLU(widths[0]))
        modules = [BottleneckIRSE(b.in_channel, b.depth, b.stride) for block in get_blocks(widths) for b in block]
        self.body = nn.Sequential(*modules)
        self.style_count = style_count
        self.styles = nn.ModuleList()
        for i in range(style_count):
            spatial = 16 if i < self.coarse_ind else 32 if i < self.middle_ind else 64
            self.styles.append(GradualStyleBlock(widths[3], style_dim, spatial))
        self.latlayer1 = nn.Conv2d(widths[2], widths[3], kernel_size=1, stride=1, padding=0)
        self.latlayer2 = nn.Conv2d(widths[1], widths[3], kernel_size=1, stride=1, padding=0)

    def features(self, x):
        """Backbone taps: c1 (64x64), c2 (32x32), c3 (16x16) for a 256-px input."""
        x = self.input_layer(x)
        c1 = c2 = c3 = None
        for i, layer in enumerate(self.body):
            x = layer(x)
            if i == 6:
                c1 = x
            elif i == 20:
                c2 = x
            elif i == 23:
                c3 = x
        return c1, c2, c3


class GradualStyleEncoder(_StyleEncoderBase):
    """pSp: one style block per W+ layer, coarse/middle/fine from an FPN over the backbone."""

    def forward(self, x):
        c1, c2, c3 = self.features(x)
        latents = [self.styles[j](c3) for j in range(self.coarse_ind)]
        p2 = upsample_add(c3, self.latlayer1(c2))
        latents += [self.styles[j](p2) for j in range(self.coarse_ind, self.middle_ind)]
        p1 = upsample_add(p2, self.latlayer2(c1))
        latents += [self.styles[j](p1) for j in range(self.middle_ind, self.style_count)]
        return torch.stack(latents, dim=1)


class Encoder4Editing(_StyleEncoderBase):
    """e4e at its Inference stage: one base w from the coarsest block, plus a delta per layer."""

    def forward(self, x):
        c1, c2, c3 = self.features(x)
        w0 = self.styles[0](c3)
        features = c3
        deltas = [torch.zeros_like(w0)]
        for i in range(1, self.style_count):
            if i == self.coarse_ind:
                p2 = upsample_add(c3, self.latlayer1(c2))
                features = p2
            elif i == self.middle_ind:
                p1 = upsample_add(p2, self.latlayer2(c1))
                features = p1
            deltas.append(self.styles[i](features))
        # same values as the original's in-place `w[:, i] += delta_i`, written without in-place ops for export
        return w0.unsqueeze(1) + torch.stack(deltas, dim=1)


ENCODER_TYPES = {"Encoder4Editing": Encoder4Editing, "GradualStyleEncoder": GradualStyleEncoder}


def config_from_state_dict(sd):
    """Reads style count, input channels and widths off an `encoder.*` state dict (prefix removed)."""
    if "input_layer.0.weight" not in sd or "styles.0.linear.weight" not in sd:
        raise ValueError("not an e4e/pSp encoder state dict: input_layer.0.weight / styles.0.linear.weight missing")
    style_count = sum(1 for k in sd if k.startswith("styles.") and k.endswith(".linear.weight"))
    widths = (sd["input_layer.0.weight"].shape[0], sd["latlayer2.weight"].shape[1],
              sd["latlayer1.weight"].shape[1], sd["latlayer1.weight"].shape[0])
    return {"style_count": style_count, "input_nc": sd["input_layer.0.weight"].shape[1], "widths": widths,
            "style_dim": sd["styles.0.linear.weight"].shape[0]}


def encoder_from_state_dict(sd, encoder_type):
    if encoder_type not in ENCODER_TYPES:
        raise ValueError(f"unknown encoder_type {encoder_type!r}; expected one of {sorted(ENCODER_TYPES)}")
    cfg = config_from_state_dict(sd)
    enc = ENCODER_TYPES[encoder_type](**cfg)
    enc.load_state_dict(sd, strict=True)
    return enc
