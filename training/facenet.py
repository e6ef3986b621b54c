"""face-api's face-recognition network in PyTorch, read straight from the npm package's weight
manifest and shard (`@vladmandic/face-api/model/face_recognition_model*`; nothing converted is
stored), and the two losses built on it:

- `perceptual_distance`: LPIPS-style — at four depths of the net (35², 17², 8², 4² maps of
  32/64/128/256 channels) each pixel's channel vector is unit-normalised, the squared difference
  is averaged over space and the depths are summed (equal weights, no learned layer);
- `identity_distance`: 1 − cosine of the 128-d descriptors.

The net is the dlib-style ResNet face-api ships (a ResNet-34-like of 29 conv layers, 150 × 150
RGB input, 128-d descriptor; faces further apart than 0.6 in descriptor distance are different
people). `npx tsx training/facenet-ref.ts` runs face-api's own forward pass for the parity check
(`python3 -m training.facenet --parity`, part of the smoke test).
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / 'node_modules' / '@vladmandic' / 'face-api' / 'model'
NAME = 'face_recognition_model'
SIZE = 150
MEAN_RGB = (122.782, 117.001, 104.298)
# residual stages as face-api runs them: (name, downsampling)
STAGES = [('conv32_1', False), ('conv32_2', False), ('conv32_3', False),
          ('conv64_down', True), ('conv64_1', False), ('conv64_2', False), ('conv64_3', False),
          ('conv128_down', True), ('conv128_1', False), ('conv128_2', False),
          ('conv256_down', True), ('conv256_1', False), ('conv256_2', False),
          ('conv256_down_out', True)]
# the maps the perceptual distance compares: the last block of each width
TAPS = ('conv32_3', 'conv64_3', 'conv128_2', 'conv256_2')


def read_weights(model_dir: Path = MODEL_DIR, name: str = NAME) -> dict:
    """{weight name: float32 array in tfjs layout} from a tfjs weights manifest and its shards,
    dequantised as tfjs does (uint8/uint16: q × scale + min)."""
    model_dir = Path(model_dir)
    manifest_path = model_dir / f'{name}-weights_manifest.json'
    if not manifest_path.exists():
        raise FileNotFoundError(f'{manifest_path} missing: run `npm install` (the weights ship in @vladmandic/face-api)')
    out = {}
    for group in json.loads(manifest_path.read_text()):
        buf = b''.join((model_dir / p).read_bytes() for p in group['paths'])
        off = 0
        for spec in group['weights']:
            n = int(np.prod(spec['shape'])) if spec['shape'] else 1
            q = spec.get('quantization')
            if q:
                dt = {'uint8': np.uint8, 'uint16': np.uint16}[q['dtype']]
                raw = np.frombuffer(buf, dt, n, off).astype(np.float32)
                val = raw * np.float32(q['scale']) + np.float32(q['min'])
                off += n * np.dtype(dt).itemsize
            else:
                assert spec['dtype'] == 'float32', spec
                val = np.frombuffer(buf, np.float32, n, off).copy()
                off += 4 * n
            out[spec['name']] = val.reshape(spec['shape'])
        if off != len(buf):
            raise ValueError(f'{manifest_path}: the manifest describes {off} bytes, the shards hold {len(buf)}')
    return out


class ConvScale(nn.Module):
    """tf.conv2d + bias, then the scale layer (× weights + biases), folded into one conv."""

    def __init__(self, wts: dict, prefix: str, stride: int, relu: bool):
        super().__init__()
        f = torch.from_numpy(wts[f'{prefix}/conv/filters']).permute(3, 2, 0, 1)  # HWIO -> OIHW
        b = torch.from_numpy(wts[f'{prefix}/conv/bias'])
        s, sb = torch.from_numpy(wts[f'{prefix}/scale/weights']), torch.from_numpy(wts[f'{prefix}/scale/biases'])
        self.register_buffer('weight', (f * s[:, None, None, None]).contiguous())
        self.register_buffer('bias', b * s + sb)
        self.stride, self.relu = stride, relu
        # stride 1 is tf 'same' (3x3: one pixel each side); stride 2 is 'valid'
        self.pad = f.shape[-1] // 2 if stride == 1 else 0

    def forward(self, x):
        y = F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.pad)
        return F.relu(y) if self.relu else y


class Residual(nn.Module):
    def __init__(self, wts, name, down):
        super().__init__()
        self.conv1 = ConvScale(wts, f'{name}/conv1', 2 if down else 1, True)
        self.conv2 = ConvScale(wts, f'{name}/conv2', 1, False)
        self.down = down

    def forward(self, x):
        out = self.conv2(self.conv1(x))
        if not self.down:
            return F.relu(out + x)
        pooled = F.avg_pool2d(x, 2, 2)
        if pooled.shape[-1] != out.shape[-1]:  # odd sizes: face-api pads the conv path at bottom/right
            out = F.pad(out, (0, pooled.shape[-1] - out.shape[-1], 0, pooled.shape[-2] - out.shape[-2]))
        if pooled.shape[1] != out.shape[1]:  # more channels: the shortcut gets zero channels
            pooled = F.pad(pooled, (0, 0, 0, 0, 0, out.shape[1] - pooled.shape[1]))
        return F.relu(pooled + out)


class FaceRecognitionNet(nn.Module):
    """Input [B, 3, 150, 150] RGB in 0..255 (face-api's tensor input); returns the 128-d
    descriptor, and with `taps=True` also the feature maps named in TAPS. Frozen (buffers only)."""

    def __init__(self, model_dir: Path = MODEL_DIR):
        super().__init__()
        w = read_weights(model_dir)
        self.stem = ConvScale(w, 'conv32_down', 2, True)
        self.blocks = nn.ModuleDict({n: Residual(w, n, d) for n, d in STAGES})
        self.register_buffer('fc', torch.from_numpy(w['fc']))
        self.register_buffer('mean', torch.tensor(MEAN_RGB).view(1, 3, 1, 1))

    def forward(self, x255, taps=False):
        x = (x255 - self.mean) / 255
        x = F.max_pool2d(self.stem(x), 3, 2)
        feats = {}
        for n, blk in self.blocks.items():
            x = blk(x)
            if n in TAPS:
                feats[n] = x
        pooled = x.mean(dim=(2, 3))
        feats['pooled'] = pooled  # [B, 256]: the Fréchet distance's feature space
        desc = pooled @ self.fc
        return (desc, feats) if taps else desc

    def stem_features(self, x255):
        """The first intermediate map (after the 7x7 conv and the max pool, [B, 32, 35, 35])."""
        return F.max_pool2d(self.stem((x255 - self.mean) / 255), 3, 2)


def to_net_input(img):
    """A generator image [B, 3, S, S] in [-1, 1] -> the net's input: 0..255, bilinearly resized to 150²."""
    x = (img.clamp(-1, 1) + 1) * 127.5
    return F.interpolate(x, size=(SIZE, SIZE), mode='bilinear', align_corners=False)


def _unit(f):
    return f / (f.pow(2).sum(dim=1, keepdim=True).sqrt() + 1e-10)


class FaceLosses(nn.Module):
    """Perceptual and identity distances of generator images (any size, [-1, 1]) against
    targets, per image, through the frozen face-recognition net; gradients flow to `img`."""

    def __init__(self, net: FaceRecognitionNet | None = None):
        super().__init__()
        self.net = net or FaceRecognitionNet()
        self.net.eval()

    def features(self, img):
        return self.net(to_net_input(img), taps=True)

    def forward(self, img, target, target_feats=None):
        """(perceptual [B], identity [B]); pass `target_feats` (from `features(target)` under
        no_grad) to reuse them."""
        d, f = self.features(img)
        if target_feats is None:
            with torch.no_grad():
                target_feats = self.features(target)
        dt, ft = target_feats
        perc = sum((_unit(f[k]) - _unit(ft[k])).pow(2).sum(dim=1).mean(dim=(1, 2)) for k in TAPS)
        ident = 1 - F.cosine_similarity(d, dt, dim=1)
        return perc, ident


def perceptual_distance(losses: FaceLosses, a, b):
    return losses(a, b)[0]


def identity_distance(losses: FaceLosses, a, b):
    return losses(a, b)[1]


# --------------------------------------------------------------------------------------------
# Parity against face-api's own forward pass (JavaScript, tfjs wasm backend, in Node)

def parity(work: Path | None = None, verbose=True) -> dict:
    """Runs training/facenet-ref.ts (face-api in Node) on its deterministic test images and
    this port on the same pixels; returns the max abs differences of the descriptors and of the
    first intermediate map, and the largest descriptor value for scale."""
    work = Path(work or tempfile.mkdtemp(prefix='facenet-parity-'))
    proc = subprocess.run(['npx', 'tsx', 'training/facenet-ref.ts', '--out', str(work)], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f'facenet-ref.ts failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}')
    meta = json.loads((work / 'meta.json').read_text())
    n = meta['count']
    imgs = np.fromfile(work / 'input.f32', np.float32).reshape(n, SIZE, SIZE, 3)
    ref_desc = np.fromfile(work / 'descriptor.f32', np.float32).reshape(n, 128)
    ref_stem = np.fromfile(work / 'stem.f32', np.float32).reshape(n, 35, 35, 32)
    net = FaceRecognitionNet()
    with torch.no_grad():
        x = torch.from_numpy(imgs).permute(0, 3, 1, 2).contiguous()
        desc = net(x).numpy()
        stem = net.stem_features(x).permute(0, 2, 3, 1).numpy()
    res = {'images': n, 'backend': meta['backend'],
           'descriptorMaxAbs': float(np.abs(desc - ref_desc).max()),
           'descriptorMaxValue': float(np.abs(ref_desc).max()),
           'stemMaxAbs': float(np.abs(stem - ref_stem).max()),
           'stemMaxValue': float(np.abs(ref_stem).max()),
           'descriptorCosineMin': float(min(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b) for a, b in zip(desc, ref_desc)))}
    if verbose:
        print(json.dumps(res))
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--parity', action='store_true', help="compare with face-api's JavaScript forward pass")
    p.add_argument('--tol', type=float, default=1e-3, help='max abs difference allowed (descriptor and stem map)')
    a = p.parse_args(argv)
    if a.parity:
        r = parity()
        if r['descriptorMaxAbs'] > a.tol or r['stemMaxAbs'] > a.tol:
            sys.exit(f'parity above --tol {a.tol}: {r}')


if __name__ == '__main__':
    main()
