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

One Gaussian copula cannot hold a relation that is not monotone: penguins' body measures are three bumps, one
per species, and the category intervals give the species an order the bumps do not follow (Pair Trends 0.85).
So ``GaussianCopula`` is a mixture: the rows are split by the categorical column that carries the strongest
associations (the largest mean Cramér's V / correlation ratio with the other columns, if ≥ MIN_SPLIT; chosen
from the data), one Gaussian copula is fitted per category (its own marginals and correlations), and a
synthetic row first draws its category with the real frequency, then its values from that category's copula.
Categories with few rows share one copula. Penguins split by species: Pair Trends 0.93; diamonds by clarity.
"""

from __future__ import annotations

import numpy as np
import torch

from .data import Table


class _Copula:
    """One Gaussian copula over all the columns of ``table``."""

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


MAX_GROUPS = 20  # a split column has 2..MAX_GROUPS categories
MIN_SPLIT = 0.2  # ... and a mean association with the other columns of at least this


def split_column(table: Table) -> int | None:
    """The categorical column that carries the strongest associations (mean of its Cramér's V / correlation
    ratio with every other column), if that mean reaches MIN_SPLIT; None otherwise."""
    from .metrics import association

    if len(table.columns) < 2:
        return None
    a = association(table)
    best, best_v = None, MIN_SPLIT
    for j, c in enumerate(table.columns):
        if c.kind != "categorical" or not 2 <= len(np.unique(c.values)) <= MAX_GROUPS:
            continue
        v = (a[j].sum() - 1.0) / (len(a) - 1)
        if v >= best_v:
            best, best_v = j, v
    return best


class GaussianCopula:
    """A mixture of Gaussian copulas: one per category of the column that carries the strongest associations
    (``split_column``), each fitted on that category's rows, weighted by the category's frequency. Categories
    with fewer than ``min_rows`` rows share one copula (the split column is then an ordinary column in it);
    with no such column, or fewer than two large categories, it is a single Gaussian copula."""

    def __init__(self, table: Table, seed: int = 0, device="cpu", min_rows: int | None = None):
        self.template = table
        n = len(table)
        min_rows = min_rows if min_rows is not None else max(30, 3 * len(table.columns))
        j = split_column(table)
        groups: list[np.ndarray] = []
        if j is not None:
            codes = table.columns[j].values
            big = [k for k in np.unique(codes) if (codes == k).sum() >= min_rows]
            if len(big) >= 2:
                groups = [np.flatnonzero(codes == k) for k in big]
                rest = np.flatnonzero(~np.isin(codes, big))
                if len(rest):
                    groups.append(rest)
        self.split = table.columns[j].name if groups else None
        if not groups:
            groups = [np.arange(n)]
        self.parts = [_Copula(table.take(g), seed + i, device) for i, g in enumerate(groups)]
        self.weights = torch.tensor([len(g) / max(n, 1) for g in groups], dtype=torch.float64)

    def sample(self, n: int, gen: torch.Generator) -> Table:
        if len(self.parts) == 1:
            return self.parts[0].sample(n, gen)
        which = torch.multinomial(self.weights.to(gen.device), n, replacement=True, generator=gen).cpu()
        counts = torch.bincount(which, minlength=len(self.parts)).tolist()
        tables = [p.sample(k, gen) for p, k in zip(self.parts, counts) if k > 0]
        order = torch.randperm(n, generator=gen, device=gen.device).cpu().numpy()  # groups mixed, not in blocks
        vals = {c.name: np.concatenate([t.column(c.name).values for t in tables])[order]
                for c in self.template.columns}
        return self.template.like(vals)
