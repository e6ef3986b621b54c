"""Shared plumbing for the trainers: device, seeds, data sets, checkpoints, timing log."""
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
# face-framed FaceWorld renders (`bash training/make_data.sh`) and the runs trained on them; both git-ignored
DATA = HERE / 'data'
RUNS = HERE / 'runs'


def device():
    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def seed_all(seed: int):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def to_tensor_images(u8: np.ndarray) -> torch.Tensor:
    """uint8 [N, S, S, 3] -> float32 [N, 3, S, S] in [-1, 1] (the pack's image contract)."""
    # contiguous NCHW: a channels-last view sends every conv down a much slower CPU path
    x = torch.from_numpy(np.ascontiguousarray(u8)).permute(0, 3, 1, 2).contiguous().float()
    return x / 127.5 - 1


class ImageSet:
    """A FaceWorld data set folder (images.npy, attributes.npy, identity.npy, meta.json), kept
    in memory as uint8; batches are converted on the fly."""

    def __init__(self, folder: Path):
        folder = Path(folder)
        if not (folder / 'images.npy').exists():
            raise FileNotFoundError(f'{folder}/images.npy missing: generate it with '
                                    f'`npm run faceworld -- dataset ... --out {folder}`')
        self.images = np.load(folder / 'images.npy')
        if self.images.ndim != 4 or self.images.shape[-1] != 3:
            raise ValueError(f'{folder}/images.npy: expected [N,S,S,3], got {self.images.shape}')
        self.attributes = np.load(folder / 'attributes.npy').astype(np.float32)
        ident = folder / 'identity.npy'
        self.identity = (np.load(ident).astype(np.float32) if ident.exists()
                         else np.zeros((len(self.images), 0), np.float32))
        meta = folder / 'meta.json'
        self.meta = json.loads(meta.read_text()) if meta.exists() else {}
        # optional: coverage of the expression features per pixel (`npm run faceworld -- masks`)
        masks = folder / 'masks.npy'
        self.masks = np.load(masks) if masks.exists() else None
        if self.masks is not None and self.masks.shape != self.images.shape[:3]:
            raise ValueError(f'{masks}: shape {self.masks.shape} does not match images {self.images.shape[:3]}')

    def __len__(self):
        return len(self.images)

    @property
    def attribute_names(self):
        """Attribute names in column order (meta.json lists them as names or as {name, …} objects)."""
        names = self.meta.get('attributes', [str(i) for i in range(self.attributes.shape[1])])
        return [n['name'] if isinstance(n, dict) else n for n in names]

    def mask_batch(self, idx, dev):
        """[B, 1, S, S] feature coverage in 0..1, or None when the data set has no masks.npy."""
        if self.masks is None:
            return None
        return torch.from_numpy(self.masks[idx]).to(dev, torch.float32)[:, None] / 255.0

    def batch(self, idx, dev):
        return (to_tensor_images(self.images[idx]).to(dev),
                torch.from_numpy(self.attributes[idx]).to(dev),
                torch.from_numpy(self.identity[idx]).to(dev))


class Checkpoint:
    """Saves {step, state dicts, RNG} every N steps to runs/<name>/ckpt.pt; `resume` restores."""

    def __init__(self, name: str, runs: Path = RUNS):
        self.dir = Path(runs) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / 'ckpt.pt'

    def save(self, step: int, objects: dict, extra: dict | None = None):
        state = {k: v.state_dict() for k, v in objects.items()}
        state['_step'] = step
        state['_rng'] = torch.get_rng_state()
        state['_np_rng'] = np.random.get_state()
        state['_extra'] = extra or {}
        tmp = self.path.with_suffix('.tmp')
        torch.save(state, tmp)
        os.replace(tmp, self.path)  # never leave a half-written checkpoint behind

    def load(self, objects: dict):
        """Returns (step, extra); step 0 when there is nothing to resume."""
        if not self.path.exists():
            return 0, {}
        state = torch.load(self.path, map_location='cpu')
        for k, v in objects.items():
            v.load_state_dict(state[k])
        torch.set_rng_state(state['_rng'])
        np.random.set_state(state['_np_rng'])
        return state['_step'], state.get('_extra', {})


class Timer:
    """Wall time of a training run, accumulated across resumes in runs/<name>/time.json."""

    def __init__(self, name: str, runs: Path = RUNS):
        self.file = Path(runs) / name / 'time.json'
        self.file.parent.mkdir(parents=True, exist_ok=True)
        self.before = json.loads(self.file.read_text())['seconds'] if self.file.exists() else 0.0
        self.start = time.time()

    def seconds(self):
        return self.before + time.time() - self.start

    def write(self, **info):
        self.file.write_text(json.dumps({'seconds': round(self.seconds(), 1), **info}))


def log(name, step, **vals):
    parts = ' '.join(f'{k}={v:.4f}' if isinstance(v, float) else f'{k}={v}' for k, v in vals.items())
    print(f'[{name}] step {step} {parts}', flush=True)


def cosine_lr(base, progress, floor):
    """Cosine decay from `base` at progress 0 to `floor` × base at progress 1 (clamped)."""
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))
