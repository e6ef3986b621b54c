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

    def load(self, objects: dict, grow: bool = False, param_names: dict | None = None, optional=()):
        """Returns (step, extra); step 0 when there is nothing to resume. With `grow`, modules may
        have parameters the checkpoint lacks (a model grown by a new, zero-initialised part): those
        keep their initial values, and an optimiser whose parameters no longer match keeps the
        state of every parameter it still has when `param_names[opt]` names its parameters in
        order as (module key, module) pairs, else starts fresh. Keys in `optional` (parts added to
        a run that did not have them, e.g. a discriminator) start fresh when the checkpoint lacks them."""
        if not self.path.exists():
            return 0, {}
        state = torch.load(self.path, map_location='cpu')
        for k, v in objects.items():
            if k in optional and k not in state:
                print(f'[{self.dir.name}] {k}: not in the checkpoint, starts fresh', flush=True)
                continue
            if grow and isinstance(v, torch.nn.Module):
                res = v.load_state_dict(state[k], strict=False)
                if res.unexpected_keys:
                    raise ValueError(f'{self.path}: {k} has parameters this model lacks: {res.unexpected_keys}')
                if res.missing_keys:
                    print(f'[{self.dir.name}] {k} grown: new {res.missing_keys} keep their initial values', flush=True)
            elif grow and isinstance(v, torch.optim.Optimizer):
                try:
                    v.load_state_dict(state[k])
                except ValueError:
                    if param_names and k in param_names:
                        _remap_optimizer(v, state[k], param_names[k], state)
                        print(f'[{self.dir.name}] {k}: optimiser state kept for the old parameters, new ones start fresh', flush=True)
                    else:
                        print(f'[{self.dir.name}] {k}: fresh optimiser state (its model grew)', flush=True)
            else:
                v.load_state_dict(state[k])
        torch.set_rng_state(state['_rng'])
        np.random.set_state(state['_np_rng'])
        return state['_step'], state.get('_extra', {})


def _remap_optimizer(opt, old: dict, modules: list, state: dict):
    """Loads a one-group optimiser's saved state into `opt` whose parameters are those of
    `modules` ((key, module) pairs, in order) after some modules grew: the saved state is indexed
    by the old parameter order, which is the order of each module's saved state-dict keys (the
    modules have no buffers)."""
    old_names = [f'{key}.{n}' for key, _ in modules for n in state[key]]
    new_names = [f'{key}.{n}' for key, m in modules for n, _ in m.named_parameters()]
    where = {n: i for i, n in enumerate(old_names)}
    sd = opt.state_dict()
    assert len(sd['param_groups']) == 1 and len(old['param_groups']) == 1
    sd['state'] = {j: old['state'][where[n]] for j, n in enumerate(new_names) if n in where and where[n] in old['state']}
    sd['param_groups'][0] = {**old['param_groups'][0], 'params': sd['param_groups'][0]['params']}
    opt.load_state_dict(sd)


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


@torch.no_grad()
def delta_fit(enc, dec, lat, onto=None, G=None):
    """How well a Δ-encoder fits sequences of latents (`lat`: attribute -> [K, n, L, D]): per
    attribute, over all step pairs i < j and identity pairs A != B, the squared error of the
    within-sequence reconstruction, of the transfer of A's code onto B, and of transferring the
    plain latent difference instead, each relative to no edit (1 = no better than no edit).
    With `onto` (attribute -> [K2, n, L, D], the same schedule in another domain, e.g. photo
    renders of other identities) B is taken from there: the cross-domain transfer. With a
    generator `G` the transfer is also scored in image space, where W+ directions that do not
    change the picture do not count: the edit's change G(b_i + Dec) − G(b_i) against the
    sequence's G(b_j) − G(b_i), relative to no edit, and its gain."""
    out = {}
    for name, L in sorted(lat.items()):
        if onto is not None and name not in onto:
            continue
        T = L if onto is None else onto[name]
        K, n = L.shape[:2]
        assert T.shape[1] == n, f'{name}: {n} steps per sequence, but {T.shape[1]} in the transfer target'
        i, j = torch.triu_indices(n, n, 1)
        A = torch.arange(K).repeat_interleave(len(i))
        B = (A + 1) % K if onto is None else A % T.shape[0]
        ii, jj = i.repeat(K), j.repeat(K)
        ai, aj, bi, bj = L[A, ii], L[A, jj], T[B, ii], T[B, jj]
        d = enc(ai, aj)
        norm_a = (aj - ai).pow(2).sum().clamp_min(1e-20)
        norm_b = (bj - bi).pow(2).sum().clamp_min(1e-20)
        db = dec(bi, d)
        # the editor's use: the code averaged over all K sequences' pair (i, j), applied to B
        dm = d.view(K, len(i), -1).mean(0).repeat(K, 1)
        dbm = dec(bi, dm)
        out[name] = {
            'within': float((aj - ai - dec(ai, d)).pow(2).sum() / norm_a),
            'transfer': float((bj - bi - db).pow(2).sum() / norm_b),
            'linearTransfer': float((bj - bi - (aj - ai)).pow(2).sum() / norm_b),
            # size of the decoded change against the true one (1 = right size, < 1 undershoot)
            'gain': float((db * (bj - bi)).sum() / norm_b),
            'transferMean': float((bj - bi - dbm).pow(2).sum() / norm_b),
            'gainMean': float((dbm * (bj - bi)).sum() / norm_b),
        }
        if G is not None:
            se = se_lin = ch = dot = 0.0
            for s in range(0, len(bi), 256):  # batches: G at 64 px on a few thousand latents
                r = slice(s, s + 256)
                gi, gj = G(bi[r]), G(bj[r])
                true, got = gj - gi, G(bi[r] + db[r]) - gi
                se += float((got - true).pow(2).sum())
                se_lin += float((G(bi[r] + aj[r] - ai[r]) - gj).pow(2).sum())
                ch += float(true.pow(2).sum())
                dot += float((got * true).sum())
            out[name]['imageTransfer'] = se / max(ch, 1e-20)
            out[name]['imageGain'] = dot / max(ch, 1e-20)
            out[name]['linearImageTransfer'] = se_lin / max(ch, 1e-20)
    return out


def dge_losses(enc, dec, ai, aj, ak, bi, bj, n_a, n_b, change, more=None):
    """The Δ-encoder's training terms (DGE.md), shared by the demo trainer and train_delta.py:
    within-sequence reconstruction and cross-sequence transfer, each in units of the attribute's
    mean squared change (`change`) so attributes whose inversions barely move count as much as
    pose and light, plus additivity (i->j then j->k equals i->k, so α-scaling and sums behave).
    n_a, n_b: one noise draw per sequence; it moves the anchor, not the change. more: (sum of
    other sequences' codes for the same step, their count + 1): the decoded code is then the
    average of Enc(a_i, a_j) and those."""
    d1 = enc(ai + n_a, aj + n_a)
    d = d1 if more is None else (d1 + more[0]) / more[1]
    loss_a = (aj - (ai + dec(ai + n_a, d))).pow(2).mean() / change
    loss_b = (bj - (bi + dec(bi + n_b, d))).pow(2).mean() / change
    q = max(1, len(ai) // 4)
    d_jk, d_ik = enc(aj[:q] + n_a[:q], ak[:q] + n_a[:q]), enc(ai[:q] + n_a[:q], ak[:q] + n_a[:q])
    loss_add = (d1[:q] + d_jk - d_ik).pow(2).mean()
    return loss_a, loss_b, loss_add


def dge_image_loss(G, enc, dec, ai, aj, bi, g_aj, g_bj, n_a, n_b, change):
    """The DGE terms again, in image space through the frozen generator G: the within-sequence
    reconstruction ‖G(a_i + Dec(a_i, δ)) − G(a_j)‖² and the transfer ‖G(b_i + Dec(b_i, δ)) − G(b_j)‖²,
    in units of the attribute's mean squared image change (`change`). In W+ a noisy inversion
    makes the regression shrink every code towards no edit (a head turn decoded at 10-20 % of
    its size); the picture counts only the directions G draws. g_aj, g_bj: G(a_j), G(b_j)."""
    d = enc(ai + n_a, aj + n_a)
    both = torch.cat([ai + dec(ai + n_a, d), bi + dec(bi + n_b, d)])
    out = G(both)
    k = len(ai)
    return ((out[:k] - g_aj).pow(2).mean() + (out[k:] - g_bj).pow(2).mean()) / change


def cosine_lr(base, progress, floor):
    """Cosine decay from `base` at progress 0 to `floor` × base at progress 1 (clamped)."""
    return base * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))
