"""CTGAN and TVAE, written from the paper: Xu, Skoularidou, Cuesta-Infante, Veeramachaneni, "Modeling Tabular
data using Conditional GAN", NeurIPS 2019 (sections 4.2-4.4 and appendix).

A row is the (D,) vector of ``encoders.TableEncoder``: for each numeric column a scalar α (tanh) and a
mode one-hot β, for each categorical column a one-hot d. Shapes: B batch, D row width, C conditional
vector width (all categories of the discrete columns), Q discrete columns, S softmax spans, W widest span.

CTGAN
  conditional vector + training-by-sampling (4.3): pick a discrete column i* uniformly, a category k* with
  probability ∝ log(1 + frequency), set cond = one-hot(i*, k*) (C,), and take a real row with that value;
  generator (appendix): h0 = z ⊕ cond; h1 = h0 ⊕ ReLU(BN(FC₂₅₆(h0))); h2 = h1 ⊕ ReLU(BN(FC₂₅₆(h1)));
      α̂ = tanh(FC(h2)), β̂ and d̂ = gumbel-softmax₀.₂(FC(h2));
  critic with PacGAN (pac = 10 rows judged together): (pac·(D + C)) -> 2 × [FC₂₅₆, LeakyReLU 0.2, dropout 0.5]
      -> score; WGAN-GP loss; the generator also minimises the cross-entropy between cond and its d̂_{i*}.
  options not in the paper (the ``penguins-ctgan`` preset uses them; see the README for what each bought):
  ``cond_on`` = rows: cond holds every discrete column at once, copied from a random real row, and the
      cross-entropy is summed over them (one column: ``cond_on`` = its name, or auto); ``alpha_scale``:
      the critic sees every α multiplied by this factor (on its scale of a few tenths, a species' shift in
      a measure otherwise weighs less than a flipped one-hot); ``lr_decay_steps``: cosine annealing of both
      learning rates (session); ``encoding`` = quantile (encoders.QuantileNormalizer);
  optional (``g_ema`` > 0; not in the paper): rows are sampled from an exponential moving average of the
  generator's weights (Yazıcı et al., ICLR 2019, "The Unusual Effectiveness of Averaging in GAN Training"),
  which smooths the GAN's step-to-step oscillation out of the samples; training is unchanged.
TVAE
  encoder: r -> 2 × [FC₁₂₈, ReLU] -> μ, log σ² (latent 128); decoder: z -> 2 × [FC₁₂₈, ReLU] ->
  α̂ ~ N(tanh(FC(h)), δ) with a learned δ per α, β̂ and d̂ = softmax(FC(h)); loss = -ELBO.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .encoders import Span


class SpanIndex:
    """Index tensors that let every span be activated at once (no Python loop over columns)."""

    def __init__(self, spans: list[Span], device):
        self.dim = sum(s.width for s in spans)
        tanh = [s.start for s in spans if s.kind == "tanh"]
        soft = [s for s in spans if s.kind == "softmax"]
        self.width = max((s.width for s in soft), default=1)
        pad = self.dim  # index of a -inf column appended to the logits
        rows = [list(range(s.start, s.start + s.width)) + [pad] * (self.width - s.width) for s in soft]
        self.tanh_idx = torch.tensor(tanh, dtype=torch.long, device=device)  # (T,)
        self.soft_idx = torch.tensor(rows, dtype=torch.long, device=device).reshape(len(soft), self.width)  # (S, W)
        valid = self.soft_idx.reshape(-1) != pad
        self.valid = valid.nonzero().squeeze(1)  # positions of real entries in the flattened (S·W)
        order = torch.cat([self.tanh_idx, self.soft_idx.reshape(-1)[self.valid]])
        self.inverse = torch.argsort(order)  # puts [tanh values, softmax values] back in column order
        self.span_of = {s.start: i for i, s in enumerate(soft)}  # span start -> row of soft_idx

    def logits(self, raw: torch.Tensor) -> torch.Tensor:  # (B, D) -> (B, S, W), padding = -inf
        pad = raw.new_full((raw.shape[0], 1), float("-inf"))
        return torch.cat([raw, pad], 1)[:, self.soft_idx]

    def assemble(self, tanh_vals: torch.Tensor, soft_vals: torch.Tensor) -> torch.Tensor:
        """(B, T) and (B, S, W) -> (B, D) in column order."""
        flat = soft_vals.reshape(soft_vals.shape[0], -1)[:, self.valid]
        return torch.cat([tanh_vals, flat], 1)[:, self.inverse]


def gumbel(shape, gen: torch.Generator, device) -> torch.Tensor:
    u = torch.rand(shape, generator=gen, device=device).clamp(1e-10, 1 - 1e-10)
    return -torch.log(-torch.log(u))


def activate(raw: torch.Tensor, ix: SpanIndex, gen: torch.Generator, tau: float = 0.2,
             hard: bool = False) -> torch.Tensor:
    """tanh on α, Gumbel-softmax(τ) on every one-hot span (hard: a one-hot sample, for generation)."""
    lg = ix.logits(raw)  # (B, S, W)
    y = lg + gumbel(lg.shape, gen, raw.device)
    soft = F.one_hot(y.argmax(-1), ix.width).to(raw.dtype) if hard else torch.softmax(y / tau, -1)
    return ix.assemble(torch.tanh(raw[:, ix.tanh_idx]), soft)


class CondSampler:
    """The conditional vector and training-by-sampling, on the device (no host sync)."""

    def __init__(self, x: torch.Tensor, spans: list[Span], ix: SpanIndex, only: int | None = None):
        dev = x.device
        self.only = only  # index into spans of the only column to condition on (None: all, the paper's way)
        self.q = len(spans)
        self.c = sum(s.width for s in spans)
        if self.q == 0:
            self.n = x.shape[0]
            return
        w = max(s.width for s in spans)
        counts = torch.zeros(self.q, w, device=dev)
        order, offsets, sizes = [], [], []
        pos = 0
        for i, s in enumerate(spans):
            cat = x[:, s.sl].argmax(1)  # (N,)
            counts[i, : s.width] = torch.bincount(cat, minlength=s.width).float()
            rows = torch.argsort(cat, stable=True)
            per = torch.bincount(cat, minlength=s.width)
            starts = torch.cumsum(per, 0) - per
            order.append(rows)
            offsets.append(starts + pos)
            sizes.append(per)
            pos += x.shape[0]
        self.order = torch.cat(order)  # (Q·N,) row ids grouped by (column, category)
        self.offsets = torch.cat(offsets)  # (C,)
        self.sizes = torch.cat(sizes)  # (C,)
        self.span_start = torch.tensor([0] + [s.width for s in spans[:-1]], device=dev).cumsum(0)  # (Q,)
        self.soft_row = torch.tensor([ix.span_of[s.start] for s in spans], device=dev)  # (Q,)
        self.p_train = torch.log1p(counts) * (counts > 0)
        self.p_train /= self.p_train.sum(1, keepdim=True).clamp_min(1e-12)  # (Q, W) ∝ log frequency
        self.p_data = counts / counts.sum(1, keepdim=True)  # (Q, W) empirical frequency
        self.n = x.shape[0]
        self.row_cats = torch.stack([x[:, s.sl].argmax(1) for s in spans], 1)  # (N, Q) for only == -1
        self.row_conds = torch.cat([x[:, s.sl] for s in spans], 1)  # (N, C)

    def sample(self, b: int, gen: torch.Generator, train: bool = True):
        """cond (B, C), column (B,), category (B,) and a real row id (B,) with that category
        (``only`` = -1: column and category (B, Q), every column conditioned on a real row's values)."""
        dev = gen.device
        if self.only == -1:  # every column at once: the categorical values of a random real row
            rows = torch.randint(self.n, (b,), generator=gen, device=dev)
            col = torch.arange(self.q, device=dev).expand(b, self.q)  # (B, Q)
            return self.row_conds[rows], col, self.row_cats[rows], rows
        if self.only is None:
            col = torch.randint(self.q, (b,), generator=gen, device=dev)
        else:  # one column only (``cond_on``): every row is conditioned on it
            col = torch.full((b,), self.only, dtype=torch.long, device=dev)
        p = (self.p_train if train else self.p_data)[col]  # (B, W)
        cat = torch.multinomial(p, 1, generator=gen).squeeze(1)  # (B,)
        g = self.span_start[col] + cat  # global category id
        cond = F.one_hot(g, self.c).float()
        pick = (torch.rand(b, generator=gen, device=dev) * self.sizes[g]).long()
        rows = self.order[self.offsets[g] + pick]
        return cond, col, cat, rows


class Residual(nn.Module):
    def __init__(self, d_in: int, d_out: int):
        super().__init__()
        self.fc, self.bn = nn.Linear(d_in, d_out), nn.BatchNorm1d(d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, d_in) -> (B, d_in + d_out)
        return torch.cat([F.relu(self.bn(self.fc(x))), x], 1)


class Generator(nn.Module):
    def __init__(self, z_dim: int, cond_dim: int, out_dim: int, width: int = 256, layers: int = 2):
        super().__init__()
        d = z_dim + cond_dim
        blocks = []
        for _ in range(layers):
            blocks.append(Residual(d, width))
            d += width
        self.body = nn.Sequential(*blocks)
        self.out = nn.Linear(d, out_dim)

    def forward(self, z_cond: torch.Tensor) -> torch.Tensor:  # (B, z + C) -> raw (B, D), before activation
        return self.out(self.body(z_cond))


class Critic(nn.Module):
    """Scores packs of ``pac`` rows (with their conditional vectors): (B/pac, pac·(D + C)) -> (B/pac,).
    Dropout draws its masks from ``self.gen`` (the session's generator) so runs repeat bit for bit."""

    def __init__(self, row_dim: int, pac: int, width: int = 256, layers: int = 2, dropout: float = 0.5):
        super().__init__()
        d, self.fcs = row_dim * pac, nn.ModuleList()
        for _ in range(layers):
            self.fcs.append(nn.Linear(d, width))
            d = width
        self.out = nn.Linear(d, 1)
        self.p = dropout
        self.gen: torch.Generator | None = None

    def forward(self, packed: torch.Tensor) -> torch.Tensor:
        h = packed
        for fc in self.fcs:
            h = F.leaky_relu(fc(h), 0.2)
            if self.training and self.p > 0:
                keep = torch.rand(h.shape, generator=self.gen, device=h.device) >= self.p
                h = h * keep / (1 - self.p)
        return self.out(h).squeeze(-1)


@torch.no_grad()
def ema_update(avg: nn.Module, model: nn.Module, decay: float) -> None:
    """avg ← decay·avg + (1 − decay)·model for every weight; buffers (BatchNorm's statistics) copied."""
    torch._foreach_lerp_(list(avg.parameters()), list(model.parameters()), 1.0 - decay)
    for a, b in zip(avg.buffers(), model.buffers()):
        a.copy_(b)


def pack(rows: torch.Tensor, pac: int) -> torch.Tensor:  # (B, d) -> (B/pac, pac·d)
    return rows.reshape(rows.shape[0] // pac, -1)


def cond_loss(raw: torch.Tensor, ix: SpanIndex, sampler: CondSampler, col: torch.Tensor,
              cat: torch.Tensor) -> torch.Tensor:
    """Cross-entropy between the asked category k* and the generator's logits of column i* (col and cat
    (B, Q): summed over the conditioned columns)."""
    lg = ix.logits(raw)  # (B, S, W)
    b = torch.arange(raw.shape[0], device=raw.device)
    if col.dim() == 2:
        rows = lg[b[:, None], sampler.soft_row[col]]  # (B, Q, W)
        return F.cross_entropy(rows.reshape(-1, rows.shape[-1]), cat.reshape(-1)) * col.shape[1]
    rows = lg[b, sampler.soft_row[col]]  # (B, W)
    return F.cross_entropy(rows, cat)


class Encoder(nn.Module):
    def __init__(self, d_in: int, latent: int = 128, width: int = 128, layers: int = 2):
        super().__init__()
        blocks, d = [], d_in
        for _ in range(layers):
            blocks += [nn.Linear(d, width), nn.ReLU()]
            d = width
        self.body = nn.Sequential(*blocks)
        self.mu, self.logvar = nn.Linear(d, latent), nn.Linear(d, latent)

    def forward(self, x: torch.Tensor):  # (B, D) -> μ, log σ² (B, L)
        h = self.body(x)
        return self.mu(h), self.logvar(h)


class Decoder(nn.Module):
    def __init__(self, latent: int, d_out: int, width: int = 128, layers: int = 2):
        super().__init__()
        blocks, d = [], latent
        for _ in range(layers):
            blocks += [nn.Linear(d, width), nn.ReLU()]
            d = width
        self.net = nn.Sequential(*blocks, nn.Linear(d, d_out))
        self.log_sigma = nn.Parameter(torch.full((d_out,), -2.0))  # δ of each α (only tanh columns use it)

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # (B, L) -> raw (B, D)
        return self.net(z)


def tvae_loss(x: torch.Tensor, raw: torch.Tensor, log_sigma: torch.Tensor, mu: torch.Tensor,
              logvar: torch.Tensor, ix: SpanIndex, beta: float = 1.0):
    """-ELBO per row: Gaussian NLL of each α, cross-entropy of each one-hot, β·KL(q(z|x) ‖ N(0, I))."""
    b = x.shape[0]
    ls = log_sigma[ix.tanh_idx].clamp(-5.0, 0.0)  # (T,)
    a_hat, a = torch.tanh(raw[:, ix.tanh_idx]), x[:, ix.tanh_idx]  # (B, T)
    nll_num = (((a - a_hat) ** 2) / (2 * torch.exp(2 * ls)) + ls).sum() / b
    lg = ix.logits(raw)  # (B, S, W)
    target = torch.cat([x, x.new_zeros(b, 1)], 1)[:, ix.soft_idx].argmax(-1)  # (B, S)
    nll_cat = F.cross_entropy(lg.reshape(-1, ix.width), target.reshape(-1), reduction="sum") / b
    kl = -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum() / b
    return nll_num + nll_cat + beta * kl, nll_num + nll_cat, kl
