"""The FaceWorld demo pack's networks, top to bottom as in the pack:
generator G (W+ -> image), mapping M (z -> w), inversion encoder E (image -> W+),
latent discriminator (for the adversarial-autoencoder regulariser), attribute estimator and
domain classifier; the Δ-encoder is in delta.py. Everything is sized for 64x64 images and for
onnxruntime-web in a browser; all ops export to ONNX opset 17 with a dynamic batch."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Config:
    """Sizes shared by every model; the export writes them into the manifest."""

    def __init__(self, size=64, layers=10, dim=64, z_dim=32, delta_dim=16, attrs=13, ident=8,
                 g_channels=None, e_channels=None, delta_hidden=512, width_mult=1.0):
        assert size == 64, 'the demo pack is 64 px (4 upsampling stages from a 4x4 constant)'
        self.size, self.layers, self.dim, self.z_dim = size, layers, dim, z_dim
        self.delta_dim, self.attrs, self.ident = delta_dim, attrs, ident
        m = width_mult
        self.g_channels = g_channels or {r: max(8, int(c * m)) for r, c in
                                         {4: 128, 8: 96, 16: 64, 32: 32, 64: 16}.items()}
        self.e_channels = e_channels or [max(8, int(c * m)) for c in (24, 32, 64, 96, 128)]
        self.delta_hidden = max(16, int(delta_hidden * m))

    def to_dict(self):
        return dict(size=self.size, layers=self.layers, dim=self.dim, z_dim=self.z_dim,
                    delta_dim=self.delta_dim, attrs=self.attrs, ident=self.ident,
                    g_channels={str(k): v for k, v in self.g_channels.items()},
                    e_channels=self.e_channels, delta_hidden=self.delta_hidden)

    @staticmethod
    def from_dict(d):
        c = Config(size=d['size'], layers=d['layers'], dim=d['dim'], z_dim=d['z_dim'],
                   delta_dim=d['delta_dim'], attrs=d['attrs'], ident=d['ident'],
                   g_channels={int(k): v for k, v in d['g_channels'].items()},
                   e_channels=d['e_channels'], delta_hidden=d['delta_hidden'])
        return c


# --------------------------------------------------------------------------------------------
# Generator: learned 4x4 constant, one modulated conv per W+ layer, bilinear upsampling to 64.

class ModConv(nn.Module):
    """StyleGAN2 modulated conv in its non-grouped form (scale input, conv, demodulate output),
    which exports to plain ONNX Conv/Mul ops with a dynamic batch."""

    def __init__(self, cin, cout, dim, k=3, demod=True, up=False, act=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.scale = 1 / math.sqrt(cin * k * k)
        self.affine = nn.Linear(dim, cin)
        nn.init.ones_(self.affine.bias)
        self.bias = nn.Parameter(torch.zeros(cout))
        self.demod, self.up, self.act, self.pad = demod, up, act, k // 2

    def forward(self, x, w):
        return self.forward_cached(x, w)[0]

    def forward_cached(self, x, w):
        """The output and what the written-out backward pass needs (GeneratorGrad)."""
        s = self.affine(w)  # [B, cin] style
        xin = F.interpolate(x, scale_factor=2.0, mode='bilinear', align_corners=False) if self.up else x
        weight = self.weight * self.scale
        h = F.conv2d(xin * s[:, :, None, None], weight, padding=self.pad)
        d = None
        if self.demod:
            # sum over (cin, k, k) of (W * s)^2, as a matmul so it stays cheap
            wsq = weight.pow(2).sum(dim=(2, 3))  # [cout, cin]
            d = torch.rsqrt(s.pow(2) @ wsq.t() + 1e-8)
            y = h * d[:, :, None, None] + self.bias[None, :, None, None]
        else:
            y = h + self.bias[None, :, None, None]
        out = F.leaky_relu(y, 0.2) * math.sqrt(2) if self.act else y
        return out, (xin, s, h, d, y)


class Generator(nn.Module):
    """W+ [B, L, D] -> image [B, 3, 64, 64] in [-1, 1]. Layer l of W+ styles conv l; the last
    layer styles the RGB projection."""

    def __init__(self, cfg: Config):
        super().__init__()
        ch = cfg.g_channels
        self.const = nn.Parameter(torch.randn(1, ch[4], 4, 4))
        convs = [ModConv(ch[4], ch[4], cfg.dim)]
        for r in (8, 16, 32, 64):
            convs.append(ModConv(ch[r // 2], ch[r], cfg.dim, up=True))
            convs.append(ModConv(ch[r], ch[r], cfg.dim))
        self.convs = nn.ModuleList(convs)
        self.to_rgb = ModConv(ch[64], 3, cfg.dim, k=1, demod=False, act=False)
        assert len(self.convs) + 1 == cfg.layers, f'W+ needs {len(self.convs) + 1} layers'

    def input(self, w):
        return self.const.expand(w.shape[0], -1, -1, -1)

    def forward(self, w):
        x = self.input(w)
        for i, conv in enumerate(self.convs):
            x = conv(x, w[:, i])
        return torch.tanh(self.to_rgb(x, w[:, -1]))


@torch.no_grad()
def widen_generator(G: Generator, cfg: Config, channels: dict) -> tuple[Generator, Config]:
    """A generator with more channels at the resolutions in `channels` ({32: 48, 64: 32}) that
    computes exactly what G computes (net2net-style): each old filter keeps its weights (rescaled
    for the new fan-in), the new input channels of every conv start at zero weight, the new
    output channels start random with zero bias. Demodulation normalises over inputs, so the
    zero columns leave the old outputs unchanged; the new channels then learn from the gradient."""
    new = {r: max(c, channels.get(r, c)) for r, c in cfg.g_channels.items()}
    wcfg = Config.from_dict({**cfg.to_dict(), 'g_channels': {str(k): v for k, v in new.items()}})
    W = Generator(wcfg)
    W.const[:, :cfg.g_channels[4]] = G.const
    W.const[:, cfg.g_channels[4]:] = 0
    for old, wide in zip([*G.convs, G.to_rgb], [*W.convs, W.to_rgb]):
        co, ci = old.weight.shape[:2]
        wide.weight[co:] *= 0.5
        wide.weight[:co, :ci] = old.weight * (old.scale / wide.scale)
        wide.weight[:co, ci:] = 0
        wide.affine.weight[:ci] = old.affine.weight
        wide.affine.bias[:ci] = old.affine.bias
        wide.bias.zero_()
        wide.bias[:co] = old.bias
    return W, wcfg


def parse_channels(text: str) -> dict:
    """'32:48,64:32' -> {32: 48, 64: 32} (resolution: channels)."""
    out = {}
    for part in filter(None, text.split(',')):
        r, c = part.split(':')
        out[int(r)] = int(c)
    return out


class Mapping(nn.Module):
    """z [B, Z] -> w [B, L, D]: one w broadcast to every layer, like StyleGAN's W."""

    def __init__(self, cfg: Config, hidden=256):
        super().__init__()
        self.layers = cfg.layers
        self.net = nn.Sequential(nn.Linear(cfg.z_dim, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, cfg.dim))

    def forward(self, z):
        w = self.net(z)
        return w[:, None, :].expand(-1, self.layers, -1)


class LatentDiscriminator(nn.Module):
    """Tells the encoder's w (the faces seen) from the mapping network's w (the prior)."""

    def __init__(self, cfg: Config, hidden=256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(cfg.dim, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                                 nn.Linear(hidden, 1))

    def forward(self, w):
        return self.net(w)


# --------------------------------------------------------------------------------------------
# Image -> vector backbone shared in shape (not weights) by E, the attribute estimator and the
# domain classifier.

def conv_block(cin, cout, stride, norm=False):
    # without norm the module indices stay those of the trained encoder's checkpoints
    bn = (lambda c: [nn.BatchNorm2d(c)]) if norm else (lambda c: [])
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), *bn(cout), nn.LeakyReLU(0.2),
                         nn.Conv2d(cout, cout, 3, padding=1), *bn(cout), nn.LeakyReLU(0.2))


class Backbone(nn.Module):
    """64 -> 32 -> 16 -> 8 -> 4, then a linear layer on the flattened 4x4 map. The regressors use
    batch norm (without it they did not start learning within our step budget); E does not, so
    that an inversion never depends on the batch statistics it was trained with."""

    def __init__(self, channels, out, norm=False):
        super().__init__()
        c = channels
        self.stem = nn.Sequential(nn.Conv2d(3, c[0], 3, padding=1), nn.LeakyReLU(0.2))
        self.blocks = nn.Sequential(*[conv_block(c[i], c[i + 1], 2, norm) for i in range(4)])
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c[4] * 16, out), nn.LeakyReLU(0.2))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


class Encoder(nn.Module):
    """e4e-style inversion: image -> a shared w plus small per-layer offsets -> W+ [B, L, D].
    Returns (w_plus, w_shared, offsets) in training; the export wrapper keeps only w_plus."""

    def __init__(self, cfg: Config, hidden=256):
        super().__init__()
        self.layers, self.dim = cfg.layers, cfg.dim
        self.backbone = Backbone(cfg.e_channels, hidden)
        self.to_w = nn.Linear(hidden, cfg.dim)
        self.to_offsets = nn.Linear(hidden, cfg.layers * cfg.dim)
        nn.init.zeros_(self.to_offsets.weight)
        nn.init.zeros_(self.to_offsets.bias)

    def forward(self, x):
        h = self.backbone(x)
        w = self.to_w(h)
        off = self.to_offsets(h).view(-1, self.layers, self.dim)
        return w[:, None, :] + off, w, off


# --------------------------------------------------------------------------------------------
# Helpers that score the benchmark: attribute estimator and domain classifier.

class AttributeEstimator(nn.Module):
    """image -> (attributes [B, A], identity [B, I]) in renderer units: the network predicts
    standardised values and the stored mean/std bring them back."""

    def __init__(self, cfg: Config, hidden=256):
        super().__init__()
        self.backbone = Backbone(cfg.e_channels, hidden, norm=True)
        self.out = nn.Linear(hidden, cfg.attrs + cfg.ident)
        self.attrs = cfg.attrs
        self.register_buffer('mean', torch.zeros(cfg.attrs + cfg.ident))
        self.register_buffer('std', torch.ones(cfg.attrs + cfg.ident))

    def forward_std(self, x):
        return self.out(self.backbone(x))

    def forward(self, x):
        y = self.forward_std(x) * self.std + self.mean
        return y[:, :self.attrs], y[:, self.attrs:]


class DomainClassifier(nn.Module):
    """image -> logit [B, 1], > 0 means the image looks like a cgi render."""

    def __init__(self, cfg: Config, hidden=64):
        super().__init__()
        self.backbone = Backbone([16, 24, 32, 48, 64], hidden, norm=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(self.backbone(x))


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


# --------------------------------------------------------------------------------------------
# Gradient of the reconstruction loss through G, for per-image W+ refinement in the browser.
# onnxruntime-web runs inference only, so the backward pass is written out with forward ops
# (Conv, ConvTranspose, MatMul, Mul) that export to ONNX; G's weights are constants, so only the
# gradient with respect to W+ is needed. Checked against torch autograd by the smoke test.

def _upsample_matrix(n: int) -> torch.Tensor:
    """U [2n, n] with F.interpolate(x, scale 2, bilinear, align_corners=False) == U x Uᵀ per
    channel (the interpolation is separable), so its adjoint is Uᵀ g U."""
    eye = torch.eye(n)[None, None]
    return F.interpolate(eye, scale_factor=(2.0, 1.0), mode='bilinear', align_corners=False)[0, 0]


class GeneratorGrad(nn.Module):
    """(W+ [B, L, D], target [B, 3, S, S]) -> (image G(W+), loss [B], dloss/dW+ [B, L, D]) with
    loss = mean |G(W+) − target| per image."""

    def __init__(self, G: Generator):
        super().__init__()
        self.G = G
        for i, conv in enumerate(G.convs):
            if conv.up:
                n = G.const.shape[-1] * 2 ** ((i + 1) // 2 - 1)
                self.register_buffer(f'up{i}', _upsample_matrix(n))

    def _bwd(self, i, conv: ModConv, cache, g):
        xin, s, h, d, y = cache
        weight = conv.weight * conv.scale
        if conv.act:
            g = g * math.sqrt(2) * torch.where(y > 0, torch.ones_like(y), torch.full_like(y, 0.2))
        if conv.demod:
            g_d = (g * h).sum(dim=(2, 3))  # [B, cout]
            g = g * d[:, :, None, None]
            wsq = weight.pow(2).sum(dim=(2, 3))
            g_q = g_d * (-0.5) * d.pow(3)
            g_s = 2 * s * (g_q @ wsq)
        else:
            g_s = torch.zeros_like(s)
        # the input gradient of a stride-1 conv is a conv with the kernel flipped and its in/out
        # channels swapped, same padding for G's odd kernels (k - 1 - k // 2 == k // 2); a plain
        # Conv runs faster in onnxruntime-web than ConvTranspose
        g_xs = F.conv2d(g, weight.flip(2, 3).transpose(0, 1), padding=conv.pad)
        g_s = g_s + (g_xs * xin).sum(dim=(2, 3))
        g_x = g_xs * s[:, :, None, None]
        if conv.up:
            u = getattr(self, f'up{i}')
            g_x = u.t() @ g_x @ u
        return g_x, g_s @ conv.affine.weight

    def forward(self, w, target):
        G = self.G
        x = G.input(w)
        caches = []
        for i, conv in enumerate(G.convs):
            x, c = conv.forward_cached(x, w[:, i])
            caches.append(c)
        pre, c_rgb = G.to_rgb.forward_cached(x, w[:, -1])
        img = torch.tanh(pre)
        diff = img - target
        loss = diff.abs().mean(dim=(1, 2, 3))
        n = diff[0].numel()
        g = torch.sign(diff) / n * (1 - img.pow(2))
        g, g_last = self._bwd(-1, G.to_rgb, c_rgb, g)
        grads = [g_last]
        for i in reversed(range(len(G.convs))):
            g, g_w = self._bwd(i, G.convs[i], caches[i], g)
            grads.append(g_w)
        grad = torch.stack(grads[::-1], dim=1)  # layers 0 .. L-1
        return img, loss, grad
