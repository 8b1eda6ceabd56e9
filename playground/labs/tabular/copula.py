"""The Gaussian copula synthesizer: the yardstick a GAN must beat.

Definition (Sklar's theorem; the Gaussian copula of e.g. Patki et al. 2016, "The Synthetic Data Vault"):
  a joint distribution = its marginals F_j tied together by a copula. With a Gaussian copula,
  u_j = F_j(x_j) is uniform, z_j = Φ⁻¹(u_j) is standard normal, and z ~ N(0, Σ).
Fitting: F_j is the empirical CDF of column j (numbers: mid-ranks/(N+1); categories: each category owns an
interval of [0, 1] as long as its frequency, and a value is drawn uniformly inside its interval);
Σ = the correlation matrix of the normal scores z. A numeric column's missing values are a separate
two-category column (present/missing) in the copula.
Sampling: z ~ N(0, Σ) (Cholesky), u = Φ(z), x_j = F_j⁻¹(u_j) (the empirical quantile, interpolated, for
numbers; the category whose interval holds u for categories). Nothing is trained: fitting takes
milliseconds, so the lab's training loop has nothing to do for this synthesizer.
"""

from __future__ import annotations

import numpy as np
import torch

from .data import Table


class GaussianCopula:
    def __init__(self, table: Table, seed: int = 0, device="cpu"):
        rng = np.random.default_rng(seed)
        self.template = table
        self.device = torch.device(device)
        self.parts: list[tuple] = []  # (column name, kind, data) in the order of Σ's rows
        scores = []
        n = len(table)
        for c in table.columns:
            if c.kind == "numeric":
                miss = np.isnan(c.values)
                v = c.values[~miss]
                self.parts.append((c.name, "numeric", np.sort(v)))
                # mid-ranks of the present values; missing rows get the median score (0)
                u = np.full(n, 0.5)
                if len(v):
                    ranks = np.argsort(np.argsort(v, kind="stable"), kind="stable") + 1.0
                    u[~miss] = ranks / (len(v) + 1)
                scores.append(u)
                if miss.any():
                    freq = np.array([(~miss).mean(), miss.mean()])
                    self.parts.append((c.name, "missing", freq))
                    scores.append(_interval_draw(miss.astype(np.int64), freq, rng))
            else:
                freq = np.bincount(c.values, minlength=len(c.categories)) / max(n, 1)
                self.parts.append((c.name, "categorical", freq))
                scores.append(_interval_draw(c.values, freq, rng))
        u = np.clip(np.stack(scores, 1), 1e-6, 1 - 1e-6)  # (N, J)
        z = torch.special.ndtri(torch.from_numpy(u)).numpy()
        corr = np.corrcoef(z, rowvar=False) if n > 1 else np.eye(z.shape[1])
        corr = np.nan_to_num(np.atleast_2d(corr))  # constant columns: no correlation
        np.fill_diagonal(corr, 1.0)
        self.corr = corr
        chol = None
        for jitter in (0.0, 1e-6, 1e-4, 1e-2, 1e-1):
            try:
                chol = np.linalg.cholesky(corr + jitter * np.eye(len(corr)))
                break
            except np.linalg.LinAlgError:
                continue
        self.chol = torch.tensor(chol if chol is not None else np.eye(len(corr)), dtype=torch.float64,
                                 device=self.device)

    def sample(self, n: int, gen: torch.Generator) -> Table:
        eps = torch.randn(n, self.chol.shape[0], generator=gen, device=gen.device, dtype=torch.float64)
        u = torch.special.ndtr(eps @ self.chol.T.to(gen.device)).cpu().numpy()  # (n, J)
        vals: dict[str, np.ndarray] = {}
        for j, (name, kind, data) in enumerate(self.parts):
            if kind == "numeric":
                if len(data) == 0:
                    vals[name] = np.full(n, np.nan)
                    continue
                # inverse empirical CDF: mid-rank positions (k / (N+1)) interpolated
                pos = np.arange(1, len(data) + 1) / (len(data) + 1)
                vals[name] = np.interp(u[:, j], pos, data)
            elif kind == "missing":
                vals[name] = np.where(_category_of(u[:, j], data) == 1, np.nan, vals[name])
            else:
                vals[name] = _category_of(u[:, j], data)
        for c in self.template.columns:
            if c.kind == "numeric" and c.integer:
                vals[c.name] = np.round(vals[c.name])
        return self.template.like(vals)


def _interval_draw(codes: np.ndarray, freq: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each category owns [cum_k, cum_k + freq_k); a value of category k becomes a uniform draw in it."""
    lo = np.concatenate([[0.0], np.cumsum(freq)[:-1]])
    return lo[codes] + rng.random(len(codes)) * freq[codes]


def _category_of(u: np.ndarray, freq: np.ndarray) -> np.ndarray:
    edges = np.cumsum(freq)[:-1]
    return np.searchsorted(edges, u, side="right").astype(np.int64)
