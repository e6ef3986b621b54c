"""StyleGAN2 generator in the layout of the widely used PyTorch port (rosinality/stylegan2-pytorch).

Re-implemented here so that its state-dict keys and shapes are exactly those of the published
`.pt` checkpoints (`g_ema`), and so that every op exports to ONNX: upfirdn2d is written with
pad/reshape/conv ops (no CUDA extension) and the modulated convolution uses the per-sample
"non-fused" form (scale the input, share the weight, demodulate the output), which is
mathematically the fused grouped convolution but keeps the batch dimension dynamic.
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

SQRT2 = math.sqrt(2.0)


def make_kernel(k):
    k = torch.tensor(k, dtype=torch.float32)
    if k.ndim == 1:
        k = k[None, :] * k[:, None]
    return k / k.sum()


def upfirdn2d(x, kernel, up=1, down=1, pad=(0, 0)):
    """Upsample by zero insertion, pad (negative = crop), FIR-filter, downsample; same result as
    the port's upfirdn2d_native for square kernels and equal x/y factors."""
    pad0, pad1 = pad
    b, c, h, w = x.shape
    if up > 1:
        # each pixel followed by (up-1) zeros along both axes
        x = x.reshape(b, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(b, c, h * up, w * up)
    x = F.pad(x, [max(pad0, 0), max(pad1, 0), max(pad0, 0), max(pad1, 0)])
    if pad0 < 0 or pad1 < 0:
        x = x[:, :, max(-pad0, 0): x.shape[2] - max(-pad1, 0), max(-pad0, 0): x.shape[3] - max(-pad1, 0)]
    kh, kw = kernel.shape
    hh, ww = x.shape[2], x.shape[3]
    # one filter for every channel: fold channels into the batch, convolve, unfold
    x = x.reshape(-1, 1, hh, ww)
    x = F.conv2d(x, torch.flip(kernel, [0, 1]).view(1, 1, kh, kw))
    x = x.reshape(b, c, hh - kh + 1, ww - kw + 1)
    if down > 1:
        x = x[:, :, ::down, ::down]
    return x


def fused_leaky_relu(x, bias, negative_slope=0.2, scale=SQRT2):
    shape = [1, bias.shape[0]] + [1] * (x.ndim - 2)
    return F.leaky_relu(x + bias.view(*shape), negative_slope) * scale


class FusedLeakyReLU(nn.Module):
    def __init__(self, channel, negative_slope=0.2, scale=SQRT2):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channel))
        self.negative_slope = negative_slope
        self.scale = scale

    def forward(self, x):
        return fused_leaky_relu(x, self.bias, self.negative_slope, self.scale)


class PixelNorm(nn.Module):
    def forward(self, x):
        return x * torch.rsqrt(torch.mean(x ** 2, dim=1, keepdim=True) + 1e-8)


class Upsample(nn.Module):
    def __init__(self, kernel, factor=2):
        super().__init__()
        self.factor = factor
        kernel = make_kernel(kernel) * (factor ** 2)
        self.register_buffer("kernel", kernel)
        p = kernel.shape[0] - factor
        self.pad = ((p + 1) // 2 + factor - 1, p // 2)

    def forward(self, x):
        return upfirdn2d(x, self.kernel, up=self.factor, pad=self.pad)


class Downsample(nn.Module):
    def __init__(self, kernel, factor=2):
        super().__init__()
        self.factor = factor
        kernel = make_kernel(kernel)
        self.register_buffer("kernel", kernel)
        p = kernel.shape[0] - factor
        self.pad = ((p + 1) // 2, p // 2)

    def forward(self, x):
        return upfirdn2d(x, self.kernel, down=self.factor, pad=self.pad)


class Blur(nn.Module):
    def __init__(self, kernel, pad, upsample_factor=1):
        super().__init__()
        kernel = make_kernel(kernel)
        if upsample_factor > 1:
            kernel = kernel * (upsample_factor ** 2)
        self.register_buffer("kernel", kernel)
        self.pad = pad

    def forward(self, x):
        return upfirdn2d(x, self.kernel, pad=self.pad)


class EqualConv2d(nn.Module):
    def __init__(self, in_channel, out_channel, kernel_size, stride=1, padding=0, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channel, in_channel, kernel_size, kernel_size))
        self.scale = 1 / math.sqrt(in_channel * kernel_size ** 2)
        self.stride = stride
        self.padding = padding
        self.bias = nn.Parameter(torch.zeros(out_channel)) if bias else None

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, bias=self.bias, stride=self.stride, padding=self.padding)


class EqualLinear(nn.Module):
    def __init__(self, in_dim, out_dim, bias=True, bias_init=0, lr_mul=1, activation=None):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim).div_(lr_mul))
        self.bias = nn.Parameter(torch.zeros(out_dim).fill_(bias_init)) if bias else None
        self.activation = activation
        self.scale = (1 / math.sqrt(in_dim)) * lr_mul
        self.lr_mul = lr_mul

    def forward(self, x):
        if self.activation:
            out = F.linear(x, self.weight * self.scale)
            return fused_leaky_relu(out, self.bias * self.lr_mul)
        bias = self.bias * self.lr_mul if self.bias is not None else None
        return F.linear(x, self.weight * self.scale, bias=bias)


class ModulatedConv2d(nn.Module):
    def __init__(self, in_channel, out_channel, kernel_size, style_dim, demodulate=True,
                 upsample=False, downsample=False, blur_kernel=(1, 3, 3, 1)):
        super().__init__()
        self.kernel_size = kernel_size
        self.in_channel = in_channel
        self.out_channel = out_channel
        self.upsample = upsample
        self.downsample = downsample
        if upsample:
            factor = 2
            p = (len(blur_kernel) - factor) - (kernel_size - 1)
            self.blur = Blur(blur_kernel, pad=((p + 1) // 2 + factor - 1, p // 2 + 1), upsample_factor=factor)
        if downsample:
            factor = 2
            p = (len(blur_kernel) - factor) + (kernel_size - 1)
            self.blur = Blur(blur_kernel, pad=((p + 1) // 2, p // 2))
        self.scale = 1 / math.sqrt(in_channel * kernel_size ** 2)
        self.padding = kernel_size // 2
        self.weight = nn.Parameter(torch.randn(1, out_channel, in_channel, kernel_size, kernel_size))
        self.modulation = EqualLinear(style_dim, in_channel, bias_init=1)
        self.demodulate = demodulate
        self.register_buffer("wsq", None, persistent=False)  # set by freeze_for_export

    def freeze_for_export(self):
        """Precomputes sum_kk (scale*W)^2 as a non-persistent buffer (not in the state dict): the
        ONNX exporter cannot fold ReduceSum, and would otherwise store a squared copy of W."""
        with torch.no_grad():
            self.register_buffer("wsq", (self.scale * self.weight.squeeze(0)).square().sum((2, 3)), persistent=False)

    def forward(self, x, style):
        """Per-sample form: conv(x * s, W) * d equals conv(x, W * s * d) for every sample."""
        batch = x.shape[0]
        weight = self.scale * self.weight.squeeze(0)  # [out, in, k, k]
        s = self.modulation(style)  # [batch, in]
        if self.demodulate:
            # sum over (in,k,k) of (W*s)^2 = s^2 @ sum_kk(W^2): no [batch,out,in,k,k] tensor, and
            # the exported graph stores a small [out,in] constant instead of a second weight copy
            wsq = self.wsq if self.wsq is not None else weight.square().sum((2, 3))  # [out, in]
            dcoefs = (s.square() @ wsq.t() + 1e-8).rsqrt()  # [batch, out]
        x = x * s.view(batch, self.in_channel, 1, 1)
        if self.upsample:
            out = F.conv_transpose2d(x, weight.transpose(0, 1), padding=0, stride=2)
            out = self.blur(out)
        elif self.downsample:
            out = F.conv2d(self.blur(x), weight, padding=0, stride=2)
        else:
            out = F.conv2d(x, weight, padding=self.padding)
        if self.demodulate:
            out = out * dcoefs.view(batch, self.out_channel, 1, 1)
        return out

    def forward_grouped(self, x, style):
        """The port's fused form (grouped conv, one group per sample): the reference the
        per-sample form is tested against; not exported (groups would fix the batch size)."""
        batch, in_channel, height, width = x.shape
        s = self.modulation(style).view(batch, 1, in_channel, 1, 1)
        weight = self.scale * self.weight * s
        if self.demodulate:
            demod = torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + 1e-8)
            weight = weight * demod.view(batch, self.out_channel, 1, 1, 1)
        weight = weight.view(batch * self.out_channel, in_channel, self.kernel_size, self.kernel_size)
        if self.upsample:
            x = x.reshape(1, batch * in_channel, height, width)
            weight = weight.view(batch, self.out_channel, in_channel, self.kernel_size, self.kernel_size)
            weight = weight.transpose(1, 2).reshape(batch * in_channel, self.out_channel, self.kernel_size, self.kernel_size)
            out = F.conv_transpose2d(x, weight, padding=0, stride=2, groups=batch)
            out = out.view(batch, self.out_channel, out.shape[2], out.shape[3])
            return self.blur(out)
        if self.downsample:
            x = self.blur(x)
            x = x.reshape(1, batch * in_channel, x.shape[2], x.shape[3])
            out = F.conv2d(x, weight, padding=0, stride=2, groups=batch)
        else:
            x = x.reshape(1, batch * in_channel, height, width)
            out = F.conv2d(x, weight, padding=self.padding, groups=batch)
        return out.view(batch, self.out_channel, out.shape[2], out.shape[3])


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, image, noise=None):
        if noise is None:
            noise = image.new_empty(image.shape[0], 1, image.shape[2], image.shape[3]).normal_()
        return image + self.weight * noise


class ConstantInput(nn.Module):
    def __init__(self, channel, size=4):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channel, size, size))

    def forward(self, latent):
        # expand (not repeat) keeps the batch dimension symbolic in the ONNX graph
        return self.input.expand(latent.shape[0], -1, -1, -1)


class StyledConv(nn.Module):
    def __init__(self, in_channel, out_channel, kernel_size, style_dim, upsample=False,
                 blur_kernel=(1, 3, 3, 1), demodulate=True):
        super().__init__()
        self.conv = ModulatedConv2d(in_channel, out_channel, kernel_size, style_dim,
                                    upsample=upsample, blur_kernel=blur_kernel, demodulate=demodulate)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_channel)

    def forward(self, x, style, noise=None, grouped=False):
        out = self.conv.forward_grouped(x, style) if grouped else self.conv(x, style)
        return self.activate(self.noise(out, noise=noise))


class ToRGB(nn.Module):
    def __init__(self, in_channel, style_dim, upsample=True, blur_kernel=(1, 3, 3, 1)):
        super().__init__()
        if upsample:
            self.upsample = Upsample(blur_kernel)
        self.conv = ModulatedConv2d(in_channel, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))

    def forward(self, x, style, skip=None, grouped=False):
        out = self.conv.forward_grouped(x, style) if grouped else self.conv(x, style)
        out = out + self.bias
        if skip is not None:
            out = out + self.upsample(skip)
        return out


def default_channels(channel_multiplier=2):
    cm = channel_multiplier
    return {4: 512, 8: 512, 16: 512, 32: 512, 64: 256 * cm, 128: 128 * cm, 256: 64 * cm,
            512: 32 * cm, 1024: 16 * cm}


class Generator(nn.Module):
    """`channels` overrides the per-resolution widths (tiny test configurations only); left
    out, the widths are the port's, so the keys and shapes are the published ones."""

    def __init__(self, size, style_dim, n_mlp, channel_multiplier=2, blur_kernel=(1, 3, 3, 1),
                 lr_mlp=0.01, channels=None):
        super().__init__()
        self.size = size
        self.style_dim = style_dim
        layers = [PixelNorm()]
        for _ in range(n_mlp):
            layers.append(EqualLinear(style_dim, style_dim, lr_mul=lr_mlp, activation="fused_lrelu"))
        self.style = nn.Sequential(*layers)
        self.channels = channels or default_channels(channel_multiplier)

        self.input = ConstantInput(self.channels[4])
        self.conv1 = StyledConv(self.channels[4], self.channels[4], 3, style_dim, blur_kernel=blur_kernel)
        self.to_rgb1 = ToRGB(self.channels[4], style_dim, upsample=False)

        self.log_size = int(math.log(size, 2))
        if 2 ** self.log_size != size or size < 8:
            raise ValueError(f"size must be a power of two >= 8, got {size}")
        self.num_layers = (self.log_size - 2) * 2 + 1

        self.convs = nn.ModuleList()
        self.upsamples = nn.ModuleList()  # empty in the port too; kept so the module tree matches
        self.to_rgbs = nn.ModuleList()
        self.noises = nn.Module()
        for layer_idx in range(self.num_layers):
            res = (layer_idx + 5) // 2
            self.noises.register_buffer(f"noise_{layer_idx}", torch.randn(1, 1, 2 ** res, 2 ** res))

        in_channel = self.channels[4]
        for i in range(3, self.log_size + 1):
            out_channel = self.channels[2 ** i]
            self.convs.append(StyledConv(in_channel, out_channel, 3, style_dim, upsample=True, blur_kernel=blur_kernel))
            self.convs.append(StyledConv(out_channel, out_channel, 3, style_dim, blur_kernel=blur_kernel))
            self.to_rgbs.append(ToRGB(out_channel, style_dim))
            in_channel = out_channel
        self.n_latent = self.log_size * 2 - 2

    def synthesis(self, latent, grouped=False):
        """W+ [batch, n_latent, style_dim] -> image [batch, 3, size, size], with the stored
        noise buffers (the port's randomize_noise=False), so the output is deterministic."""
        noise = [getattr(self.noises, f"noise_{i}") for i in range(self.num_layers)]
        out = self.input(latent)
        out = self.conv1(out, latent[:, 0], noise=noise[0], grouped=grouped)
        skip = self.to_rgb1(out, latent[:, 1], grouped=grouped)
        i = 1
        for conv1, conv2, noise1, noise2, to_rgb in zip(
            self.convs[::2], self.convs[1::2], noise[1::2], noise[2::2], self.to_rgbs
        ):
            out = conv1(out, latent[:, i], noise=noise1, grouped=grouped)
            out = conv2(out, latent[:, i + 1], noise=noise2, grouped=grouped)
            skip = to_rgb(out, latent[:, i + 2], skip, grouped=grouped)
            i += 2
        return skip

    def freeze_for_export(self):
        """Call after loading weights, before torch.onnx.export (see ModulatedConv2d.freeze_for_export)."""
        for m in self.modules():
            if isinstance(m, ModulatedConv2d):
                m.freeze_for_export()
        return self

    def mapping(self, z):
        """z [batch, style_dim] -> W+ [batch, n_latent, style_dim] (one w broadcast to every layer)."""
        w = self.style(z)
        return w.unsqueeze(1).expand(-1, self.n_latent, -1)


def config_from_state_dict(sd):
    """Reads size, style_dim, n_mlp and channel widths off a g_ema state dict."""
    n_mlp = sum(1 for k in sd if k.startswith("style.") and k.endswith(".weight"))
    if "style.1.weight" not in sd or "input.input" not in sd:
        raise ValueError("not a StyleGAN2 generator state dict: style.1.weight / input.input missing")
    style_dim = sd["style.1.weight"].shape[1]
    n_rgbs = sum(1 for k in sd if k.startswith("to_rgbs.") and k.endswith(".conv.weight"))
    log_size = n_rgbs + 2
    channels = {4: sd["input.input"].shape[1]}
    for i in range(3, log_size + 1):
        channels[2 ** i] = sd[f"convs.{2 * (i - 3)}.conv.weight"].shape[1]
    return {"size": 2 ** log_size, "style_dim": style_dim, "n_mlp": n_mlp, "channels": channels}


def generator_from_state_dict(sd):
    cfg = config_from_state_dict(sd)
    g = Generator(cfg["size"], cfg["style_dim"], cfg["n_mlp"], channels=cfg["channels"])
    g.load_state_dict(sd, strict=True)
    return g
