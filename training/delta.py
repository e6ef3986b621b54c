"""The Δ-encoder (DGE): Enc(a_i, a_j) -> δ [B, C]; residual decoder dw = Dec(w, δ) with
Dec(w, 0) = 0, the edit w + α·dw. One module for both trainers: the demo pack's
(`python3 -m training.train delta`, dense layers sized by its Config) and any pack's
(`python3 -m training.convert.train_delta`, per-layer projections so an 18 x 512 W+ stays small).
Both train with the same loss terms (`dge_losses`) and report the same fit (`delta_fit`)."""
import math

import torch
import torch.nn as nn

# --------------------------------------------------------------------------------------------
# The demo pack's Δ-encoder (dense, sized by Config; trained by `training.train delta`).

class DeltaEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        n, h = cfg.layers * cfg.dim, cfg.delta_hidden
        # sees the anchor and the change, so it can read the change relative to the face
        self.net = nn.Sequential(nn.Linear(2 * n, h), nn.LeakyReLU(0.2), nn.Dropout(0.1),
                                 nn.Linear(h, h), nn.LeakyReLU(0.2),
                                 nn.Linear(h, cfg.delta_dim))

    def forward(self, w_from, w_to):
        a = w_from.flatten(1)
        return self.net(torch.cat([a, w_to.flatten(1) - a], dim=1))


class DeltaDecoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layers, self.dim = cfg.layers, cfg.dim
        n, h = cfg.layers * cfg.dim, cfg.delta_hidden
        self.net = nn.Sequential(nn.Linear(n + cfg.delta_dim, h), nn.LeakyReLU(0.2),
                                 nn.Linear(h, h), nn.LeakyReLU(0.2),
                                 nn.Linear(h, n))

    def forward(self, w, delta):
        dw = self.net(torch.cat([w.flatten(1), delta], dim=1))
        # Dec(w, 0) is subtracted so that a zero code (alpha = 0) is exactly no edit
        dw0 = self.net(torch.cat([w.flatten(1), torch.zeros_like(delta)], dim=1))
        return (dw - dw0).view(-1, self.layers, self.dim)


# --------------------------------------------------------------------------------------------
# The Δ-encoder for any pack (`training.convert.train_delta`), sized to any W+ of L x D: per-layer projections keep it small for 18x512
# (the 2018 Delta-encoder's 8192-wide dense layers would be hundreds of MB at that size).

class LayerLinear(nn.Module):
    """[B, L, din] -> [B, L, dout] with its own weights per W+ layer (batched MatMul in ONNX)."""

    def __init__(self, layers, din, dout, bias=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(layers, din, dout) / math.sqrt(din))
        self.bias = nn.Parameter(torch.zeros(layers, dout)) if bias else None

    def forward(self, x):
        y = torch.matmul(x.transpose(0, 1), self.weight).transpose(0, 1)
        return y + self.bias if self.bias is not None else y


def mlp(din, hidden, dout):
    return nn.Sequential(nn.Linear(din, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                         nn.Linear(hidden, dout))


class LatentStats(nn.Module):
    """Per-(layer, dim) mean and std of the training latents, stored in the ONNX as constants, so
    the networks see standardised inputs whatever the pack's latent scale."""

    def __init__(self, layers, dim):
        super().__init__()
        self.register_buffer('mean', torch.zeros(layers, dim))
        self.register_buffer('std', torch.ones(layers, dim))

    def fit(self, w):  # w [N, L, D]
        self.mean.copy_(w.mean(0))
        std = w.std(0)
        self.std.copy_(std.clamp_min(1e-3 * float(std.mean()) + 1e-8))


class LayeredDeltaEncoder(nn.Module):
    """(w_from, w_to) [B, L, D] -> δ [B, C]: reads the change relative to the face it starts from."""

    def __init__(self, layers, dim, code, hidden=256, proj=16):
        super().__init__()
        self.stats = LatentStats(layers, dim)
        self.proj_anchor = LayerLinear(layers, dim, proj)
        self.proj_change = LayerLinear(layers, dim, proj)
        self.net = mlp(2 * layers * proj, hidden, code)

    def forward(self, w_from, w_to):
        a = (w_from - self.stats.mean) / self.stats.std
        d = (w_to - w_from) / self.stats.std
        h = torch.cat([self.proj_anchor(a), self.proj_change(d)], dim=2).flatten(1)
        return self.net(h)


class LayeredDeltaDecoder(nn.Module):
    """(w, δ) -> dw [B, L, D], applied as w + dw; Dec(w, 0) = 0 exactly, so α = 0 is no edit."""

    def __init__(self, layers, dim, code, hidden=256, proj=16, rank=32):
        super().__init__()
        self.layers, self.dim, self.rank = layers, dim, rank
        self.stats = LatentStats(layers, dim)
        self.proj = LayerLinear(layers, dim, proj)
        self.net = mlp(layers * proj + code, hidden, layers * rank)
        # each layer's change lives in its own rank-r basis of the D dims (no bias: zero in, zero out)
        self.expand = LayerLinear(layers, rank, dim, bias=False)

    def forward(self, w, delta):
        a = self.proj((w - self.stats.mean) / self.stats.std).flatten(1)
        h = self.net(torch.cat([a, delta], dim=1)) - self.net(torch.cat([a, torch.zeros_like(delta)], dim=1))
        return self.expand(h.view(-1, self.layers, self.rank)) * self.stats.std


def build_models(layers, dim, code, hidden, proj, rank):
    proj, rank = min(proj, dim), min(rank, dim)
    return LayeredDeltaEncoder(layers, dim, code, hidden, proj), LayeredDeltaDecoder(layers, dim, code, hidden, proj, rank)


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


def draw_pairs(rng, K, n, batch):
    """One batch of DGE training pairs from K sequences of n steps: identities A (ia) and another B
    (ib, swept through the same schedule) and steps i, j, k, as index tensors (both trainers draw
    them in this order from a numpy Generator, so a run replays exactly)."""
    ia = rng.integers(0, K, batch)
    ib = (ia + rng.integers(1, max(2, K), batch)) % K
    i, j, k = (rng.integers(0, n, batch) for _ in range(3))
    return tuple(torch.as_tensor(v) for v in (ia, ib, i, j, k))


def dge_losses(enc, dec, ai, aj, ak, bi, bj, n_a, n_b, change):
    """The Δ-encoder's training terms (DGE): within-sequence reconstruction and cross-sequence
    transfer, each in units of the attribute's mean squared change (`change`) so attributes whose
    inversions barely move count as much as pose and light, plus additivity (i->j then j->k equals
    i->k, so α-scaling and sums behave). n_a, n_b: one noise draw per sequence; it moves the
    anchor, not the change."""
    d = enc(ai + n_a, aj + n_a)
    loss_a = (aj - (ai + dec(ai + n_a, d))).pow(2).mean() / change
    loss_b = (bj - (bi + dec(bi + n_b, d))).pow(2).mean() / change
    q = max(1, len(ai) // 4)
    d_jk, d_ik = enc(aj[:q] + n_a[:q], ak[:q] + n_a[:q]), enc(ai[:q] + n_a[:q], ak[:q] + n_a[:q])
    loss_add = (d[:q] + d_jk - d_ik).pow(2).mean()
    return loss_a, loss_b, loss_add


def step_change(v):
    """Mean squared change between two different steps of the sequences v [K, n, ...]: the unit
    of the DGE losses (1 = no better than no edit)."""
    return (v[:, None] - v[:, :, None]).pow(2).mean().item() * v.shape[1] / (v.shape[1] - 1)
