"""The CTGAN / TVAE row representation (Xu et al. 2019, section 4.2), NumPy only.

Numeric column c, mode-specific normalisation:
  fit a variational (Dirichlet-process) Gaussian mixture to c, keeping the modes with weight > 0.005:
  modes k = 1..K with means η_k and standard deviations φ_k;
  for a value x, the probability of each mode ρ_k ∝ w_k N(x; η_k, φ_k); draw a mode k ~ ρ and write
      α = (x - η_k) / (4 φ_k)           one scalar ("value" span, tanh output)
      β = one-hot(k)                     K values ("mode" span, softmax output)
  missing values: imputed with the mean before this, plus a one-hot [present, missing] ("missing" span).
Or (``numeric="quantile"``, not in the paper) α = Φ⁻¹(F̂(x)) / 4 through the training values' empirical CDF,
decoded by their quantile function (``QuantileNormalizer``; one mode).
Categorical column: one-hot over its categories (the missing value is a category of its own).
Constant columns are left out of the representation and put back on decoding.

``decode`` takes the argmax of every softmax span, so it accepts one-hots, probabilities or logits:
decode(encode(table)) gives the table back.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .data import Table

MAX_MODES = 10
MIN_WEIGHT = 0.005
FIT_ROWS = 2000  # the mixture is fitted on at most this many values


@dataclass
class Span:
    start: int
    width: int
    kind: str  # "tanh" | "softmax"
    column: str
    role: str  # "value" | "mode" | "missing" | "category"

    @property
    def sl(self) -> slice:
        return slice(self.start, self.start + self.width)


class ModeNormalizer:
    """One numeric column's Gaussian mixture (fitted with scikit-learn's BayesianGaussianMixture)."""

    def __init__(self, values: np.ndarray, seed: int = 0, max_modes: int = MAX_MODES):
        from sklearn.mixture import BayesianGaussianMixture  # lazily: only this lab pays for it

        rng = np.random.default_rng(seed)
        v = values[~np.isnan(values)]
        self.lo, self.hi = float(v.min()), float(v.max())  # decoded values stay in the real range
        if len(v) > FIT_ROWS:
            v = rng.choice(v, FIT_ROWS, replace=False)
        k = int(min(max_modes, len(np.unique(v))))
        if k <= 1:
            self.means, self.stds, self.weights = np.array([v.mean()]), np.array([max(v.std(), 1e-6)]), np.ones(1)
            return
        vgm = BayesianGaussianMixture(n_components=k, weight_concentration_prior_type="dirichlet_process",
                                      weight_concentration_prior=1e-3, max_iter=100, n_init=1, random_state=seed)
        with warnings.catch_warnings():  # a mixture that stops at max_iter is still a good normaliser
            warnings.simplefilter("ignore")
            vgm.fit(v.reshape(-1, 1))
        keep = vgm.weights_ > MIN_WEIGHT
        self.means = vgm.means_.reshape(-1)[keep]
        self.stds = np.sqrt(vgm.covariances_.reshape(-1))[keep].clip(1e-6)
        self.weights = vgm.weights_[keep] / vgm.weights_[keep].sum()

    @property
    def n_modes(self) -> int:
        return len(self.means)

    def encode(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """x (N,) -> α (N,), mode (N,) with the mode drawn from ρ."""
        z = (x[:, None] - self.means) / self.stds  # (N, K)
        logp = np.log(self.weights) - np.log(self.stds) - 0.5 * z ** 2
        p = np.exp(logp - logp.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        u = rng.random(len(x))[:, None]
        mode = np.minimum((p.cumsum(1) < u).sum(1), self.n_modes - 1)  # inverse-CDF draw per row
        alpha = (x - self.means[mode]) / (4 * self.stds[mode])
        return alpha, mode

    def decode(self, alpha: np.ndarray, mode: np.ndarray) -> np.ndarray:
        return alpha * 4 * self.stds[mode] + self.means[mode]


class QuantileNormalizer:
    """A numeric column through its empirical distribution (not in the paper): α = Φ⁻¹(F̂(x)) / 4, with F̂
    the training values' CDF (ties spread uniformly over their share), decoded by the empirical quantile
    function (linear between sorted training values). The generator then models Gaussian-shaped scores,
    and every decoded marginal follows the training rows' own, bumps included. One mode (a constant span)."""

    def __init__(self, values: np.ndarray):
        v = np.sort(values[~np.isnan(values)])
        self.sorted = v
        self.lo, self.hi = float(v[0]), float(v[-1])
        self.means, self.stds, self.weights = np.array([v.mean()]), np.array([max(v.std(), 1e-6)]), np.ones(1)

    n_modes = 1

    def encode(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        from scipy.special import ndtri  # scikit-learn's dependency; lazily like it

        v, n = self.sorted, len(self.sorted)
        below = np.searchsorted(v, x, "left")  # values < x
        ties = np.searchsorted(v, x, "right") - below
        pos = below + rng.random(len(x)) * np.maximum(ties - 1, 0)  # a uniform position among x's copies
        new = ties == 0  # a value not among the training ones: its place between two of them
        lo = np.clip(below - 1, 0, n - 1)
        hi = np.clip(below, 0, n - 1)
        gap = np.where(v[hi] > v[lo], v[hi] - v[lo], 1.0)
        pos = np.where(new, lo + np.clip((x - v[lo]) / gap, 0, 1) * (hi > lo), pos)
        alpha = ndtri((pos + 0.5) / n) / 4  # decode inverts this exactly
        return alpha, np.zeros(len(x), np.int64)

    def decode(self, alpha: np.ndarray, mode: np.ndarray) -> np.ndarray:
        from scipy.special import ndtr

        n = len(self.sorted)
        return np.interp(ndtr(4 * alpha) * n - 0.5, np.arange(n), self.sorted)


class TableEncoder:
    """Table <-> (N, dim) float32 matrix, with the spans that the models' output layers follow."""

    def __init__(self, table: Table, seed: int = 0, max_modes: int = MAX_MODES, numeric: str = "modes"):
        self.template = table
        self.spans: list[Span] = []
        self.normalizers: dict[str, ModeNormalizer | QuantileNormalizer] = {}
        self.fill: dict[str, float] = {}
        self.constants: dict[str, float | int] = {}
        pos = 0

        def add(width, kind, col, role):
            nonlocal pos
            self.spans.append(Span(pos, width, kind, col, role))
            pos += width

        for c in table.columns:
            if c.constant:
                self.constants[c.name] = c.values[0] if len(c.values) else 0
                continue
            if c.kind == "numeric":
                present = c.values[~np.isnan(c.values)]
                self.fill[c.name] = float(present.mean())
                norm = (QuantileNormalizer(c.values) if numeric == "quantile" else
                        ModeNormalizer(c.values, seed, max_modes))
                self.normalizers[c.name] = norm
                add(1, "tanh", c.name, "value")
                add(norm.n_modes, "softmax", c.name, "mode")
                if np.isnan(c.values).any():
                    add(2, "softmax", c.name, "missing")
            else:
                add(len(c.categories), "softmax", c.name, "category")
        self.dim = pos

    @property
    def discrete(self) -> list[Span]:
        """Spans of the categorical columns: the conditional vector's columns. Missing indicators are left
        out: conditioning on a rare 'missing' would replay the same few rows in a large share of batches."""
        return [s for s in self.spans if s.role == "category" and s.width > 1]

    def encode(self, table: Table, rng: np.random.Generator) -> np.ndarray:
        out = np.zeros((len(table), self.dim), np.float32)
        rows = np.arange(len(table))
        for s in self.spans:
            c = table.column(s.column)
            if s.role == "value":
                x = np.where(np.isnan(c.values), self.fill[c.name], c.values)
                alpha, mode = self.normalizers[c.name].encode(x, rng)
                out[:, s.start] = alpha
                self._mode = mode
            elif s.role == "mode":
                out[rows, s.start + self._mode] = 1.0
            elif s.role == "missing":
                out[rows, s.start + np.isnan(c.values).astype(np.int64)] = 1.0
            else:
                out[rows, s.start + c.values] = 1.0
        return out

    def decode(self, mat: np.ndarray) -> Table:
        """(N, dim) -> Table with the template's columns; softmax spans by argmax."""
        n = len(mat)
        vals: dict[str, np.ndarray] = {}
        alpha = {}
        for s in self.spans:
            block = mat[:, s.sl]
            if s.role == "value":
                alpha[s.column] = block[:, 0].astype(np.float64)
            elif s.role == "mode":
                norm = self.normalizers[s.column]
                x = norm.decode(alpha[s.column], block.argmax(1))
                vals[s.column] = np.clip(x, norm.lo, norm.hi)
            elif s.role == "missing":
                vals[s.column] = np.where(block.argmax(1) == 1, np.nan, vals[s.column])
            else:
                vals[s.column] = block.argmax(1).astype(np.int64)
        for name, v in self.constants.items():
            c = self.template.column(name)
            vals[name] = np.full(n, v, np.float64 if c.kind == "numeric" else np.int64)
        for c in self.template.columns:
            if c.kind == "numeric" and c.integer:
                vals[c.name] = np.round(vals[c.name])
        return self.template.like(vals)
