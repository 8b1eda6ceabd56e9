"""How faithful, private and useful a synthetic table is. NumPy (and torch for distances; scikit-learn,
lazily, for train-on-synthetic models).

Quality, with SDMetrics' published definitions (so numbers compare with published ones):
  Column Shapes        mean over columns of KSComplement = 1 - KS statistic (numbers, missing values
                       dropped) or TVComplement = 1 - ½ Σ_k |p_R(k) - p_S(k)| (categories; missing = a category)
  Column Pair Trends   mean over pairs of CorrelationSimilarity = 1 - |ρ_R - ρ_S| / 2 (two numeric columns,
                       Pearson on rows where both are present) or ContingencySimilarity =
                       1 - ½ Σ_{a,b} |R(a, b) - S(a, b)| over joint frequencies (numbers cut into 10 equal-width
                       bins of the real column's range, missing values a bin of their own: the binning of
                       SDMetrics' ContingencySimilarity), averaged over *all* pairs
  pair_trends_strong   the same pair scores averaged only over the pairs the real table links strongly
                       (|ρ_R| > 0.5, or Cramér's V of the real contingency table > 0.3): the average that
                       SDMetrics' QualityReport (0.2x and later) publishes as "Column Pair Trends". It leaves
                       out the easy, nearly independent pairs, so it reads lower (penguins: ~0.05 lower)
  quality              the mean of column_shapes and pair_trends
Both are measured against the real *training* rows (what the synthesizer saw, as SDMetrics is normally given).
The ceiling is not 1: on penguins (275 training rows), a bootstrap resample of the training rows scores
0.96 / 0.92 (275 rows) and the 69 held-out real rows score 0.90 / 0.83 against them.
Privacy: DCR, the distance from a row to its closest real training row (per-column distances averaged:
  |Δ| / range for numbers, 0/1 for categories, 1 between missing and present), for synthetic rows and for
  real held-out rows; ``dcr_ratio`` = median synthetic DCR / median held-out DCR (≈ 1: no closer than
  new real rows; ≪ 1: copying). ``exact_copies``: synthetic rows equal, as written, to a training row.
Usefulness: TSTR / TRTR, a gradient-boosted model for a target column trained on synthetic (TSTR) or real
  training rows (TRTR), both scored on the held-out real rows (accuracy, or R² for a numeric target).
"""

from __future__ import annotations

import numpy as np

from .data import Column, Table, format_column

BINS = 10


# -- single columns --------------------------------------------------------------------------------
def ks_complement(real: np.ndarray, synth: np.ndarray) -> float:
    r, s = real[~np.isnan(real)], synth[~np.isnan(synth)]
    if len(r) == 0 or len(s) == 0:
        return 1.0 if len(r) == len(s) else 0.0
    grid = np.concatenate([r, s])
    fr = np.searchsorted(np.sort(r), grid, side="right") / len(r)
    fs = np.searchsorted(np.sort(s), grid, side="right") / len(s)
    return float(1.0 - np.abs(fr - fs).max())


def tv_complement(real: np.ndarray, synth: np.ndarray, k: int) -> float:
    p = np.bincount(real, minlength=k) / max(len(real), 1)
    q = np.bincount(synth, minlength=k) / max(len(synth), 1)
    return float(1.0 - 0.5 * np.abs(p - q).sum())


def shape_score(rc: Column, sc: Column) -> float:
    if rc.kind == "numeric":
        return ks_complement(rc.values, sc.values)
    return tv_complement(rc.values, sc.values, len(rc.categories))


def column_shapes(real: Table, synth: Table) -> dict[str, float]:
    return {c.name: shape_score(c, synth.column(c.name)) for c in real.columns}


# -- pairs -----------------------------------------------------------------------------------------
def discretize(rc: Column, sc: Column) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of both columns: categories as they are; numbers in BINS equal-width bins of the real range
    (synthetic values outside it go to the end bins) plus a bin for missing values."""
    if rc.kind == "categorical":
        return rc.values, sc.values, len(rc.categories)
    r = rc.values[~np.isnan(rc.values)]
    lo, hi = (float(r.min()), float(r.max())) if len(r) else (0.0, 1.0)
    edges = np.linspace(lo, hi, BINS + 1)[1:-1]

    def codes(v):
        return np.where(np.isnan(v), BINS, np.searchsorted(edges, np.nan_to_num(v), side="right"))

    return codes(rc.values), codes(sc.values), BINS + 1


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def contingency_similarity(ra, rb, sa, sb, ka: int, kb: int) -> float:
    r = np.bincount(ra * kb + rb, minlength=ka * kb) / max(len(ra), 1)
    s = np.bincount(sa * kb + sb, minlength=ka * kb) / max(len(sa), 1)
    return float(1.0 - 0.5 * np.abs(r - s).sum())


def pair_score(real: Table, synth: Table, a: str, b: str) -> float:
    ra, rb, sa, sb = real.column(a), real.column(b), synth.column(a), synth.column(b)
    if ra.kind == rb.kind == "numeric":
        pr, ps = _pearson(ra.values, rb.values), _pearson(sa.values, sb.values)
        if np.isnan(pr):
            return float("nan")  # a constant column has no correlation to compare
        return float(1.0 - abs(pr - (0.0 if np.isnan(ps) else ps)) / 2)
    xa, ya, ka = discretize(ra, sa)
    xb, yb, kb = discretize(rb, sb)
    return contingency_similarity(xa, xb, ya, yb, ka, kb)


def strong_pairs(real: Table) -> np.ndarray:
    """(J, J) bool: pairs whose real association passes SDMetrics' QualityReport thresholds (|Pearson ρ| > 0.5
    for two numeric columns; Cramér's V > 0.3 of the contingency table, numbers binned as above, otherwise)."""
    cols, j = real.columns, len(real.columns)
    out = np.zeros((j, j), bool)
    for i in range(j):
        for k in range(i + 1, j):
            a, b = cols[i], cols[k]
            if a.constant or b.constant:
                continue
            if a.kind == b.kind == "numeric":
                v = abs(_pearson(a.values, b.values))
                ok = v > 0.5
            else:
                xa, _, ka = discretize(a, a)
                xb, _, kb = discretize(b, b)
                ok = _cramers_v(xa, xb, ka, kb) > 0.3
            out[i, k] = out[k, i] = bool(ok)
    return out


def pair_trends(real: Table, synth: Table) -> np.ndarray:
    """(J, J) matrix of pair scores (NaN on the diagonal and for pairs with a constant column)."""
    names = real.names
    out = np.full((len(names), len(names)), np.nan)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if real.columns[i].constant or real.columns[j].constant:
                continue
            out[i, j] = out[j, i] = pair_score(real, synth, names[i], names[j])
    return out


def quality(real: Table, synth: Table, strong: np.ndarray | None = None) -> dict:
    """Scores of ``synth`` against ``real``; ``strong``: ``strong_pairs(real)``, if already computed."""
    shapes = column_shapes(real, synth)
    pairs = pair_trends(real, synth)
    cs = float(np.mean(list(shapes.values())))
    iu = np.triu_indices(len(pairs), 1)
    upper = pairs[iu]
    pt = float(np.nanmean(upper)) if (~np.isnan(upper)).any() else 1.0
    keep = (strong if strong is not None else strong_pairs(real))[iu] & ~np.isnan(upper)
    pts = float(upper[keep].mean()) if keep.any() else pt
    return {"column_shapes": cs, "pair_trends": pt, "pair_trends_strong": pts, "quality": (cs + pt) / 2,
            "shapes": shapes, "pairs": pairs}


# -- associations for the view ---------------------------------------------------------------------
def association(table: Table) -> np.ndarray:
    """(J, J): Pearson ρ for two numeric columns, Cramér's V for two categorical ones, the correlation
    ratio η for a numeric and a categorical one; 1 on the diagonal, 0 where undefined."""
    cols = table.columns
    out = np.eye(len(cols))
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            a, b = cols[i], cols[j]
            if a.kind == b.kind == "numeric":
                v = _pearson(a.values, b.values)
            elif a.kind == b.kind == "categorical":
                v = _cramers_v(a.values, b.values, len(a.categories), len(b.categories))
            else:
                num, cat = (a, b) if a.kind == "numeric" else (b, a)
                v = _corr_ratio(num.values, cat.values, len(cat.categories))
            out[i, j] = out[j, i] = 0.0 if np.isnan(v) else v
    return out


def _cramers_v(x, y, kx, ky) -> float:
    n = len(x)
    obs = np.bincount(x * ky + y, minlength=kx * ky).reshape(kx, ky).astype(np.float64)
    obs = obs[obs.sum(1) > 0][:, obs.sum(0) > 0]
    if n == 0 or min(obs.shape) < 2:
        return float("nan")
    exp = obs.sum(1, keepdims=True) * obs.sum(0, keepdims=True) / n
    chi2 = ((obs - exp) ** 2 / exp).sum()
    return float(np.sqrt(chi2 / (n * (min(obs.shape) - 1))))


def _corr_ratio(x, cat, k) -> float:
    ok = ~np.isnan(x)
    x, cat = x[ok], cat[ok]
    if len(x) < 2 or x.var() == 0:
        return float("nan")
    n_k = np.bincount(cat, minlength=k)
    mean_k = np.bincount(cat, weights=x, minlength=k) / np.maximum(n_k, 1)
    between = (n_k * (mean_k - x.mean()) ** 2).sum()
    return float(np.sqrt(between / ((x - x.mean()) ** 2).sum()))


# -- privacy ---------------------------------------------------------------------------------------
def _features(t: Table, ref: Table) -> np.ndarray:
    """Rows as vectors whose L1 distance / J is the per-column distance described above."""
    parts = []
    for c, rc in zip(t.columns, ref.columns):
        if c.kind == "numeric":
            r = rc.values[~np.isnan(rc.values)]
            lo, span = (r.min(), max(r.max() - r.min(), 1e-12)) if len(r) else (0.0, 1.0)
            v = np.clip((c.values - lo) / span, 0, 1)
            parts.append(np.where(np.isnan(v), -1.0, v)[:, None])
        else:
            parts.append(0.5 * np.eye(len(rc.categories))[c.values])
    return np.concatenate(parts, 1).astype(np.float32)


def dcr(rows: Table, train: Table) -> np.ndarray:
    """Distance from each row of ``rows`` to its closest row of ``train`` (N,)."""
    import torch

    a = torch.from_numpy(_features(rows, train))
    b = torch.from_numpy(_features(train, train))
    out = []
    for i in range(0, len(a), 256):
        out.append(torch.cdist(a[i:i + 256], b, p=1).min(1).values)
    return (torch.cat(out) / len(train.columns)).numpy().astype(np.float64)


def dcr_ratio(d_synth: np.ndarray, d_holdout: np.ndarray) -> float:
    for stat in (np.median, np.mean):
        den = float(stat(d_holdout))
        if den > 0:
            return float(stat(d_synth)) / den
    return float("nan")


def row_set(t: Table) -> set:
    """The rows of ``t`` as written out (for exact_copies; worth keeping for a large training table)."""
    return set(zip(*[format_column(c) for c in t.columns]))


def exact_copies(synth: Table, train: Table | set) -> int:
    """Synthetic rows identical, as they would be written out, to some training row."""
    seen = train if isinstance(train, set) else row_set(train)
    return int(sum(r in seen for r in zip(*[format_column(c) for c in synth.columns])))


# -- usefulness ------------------------------------------------------------------------------------
def _xy(t: Table, target: str):
    feats = [c for c in t.columns if c.name != target]
    x = np.stack([c.values.astype(np.float64) for c in feats], 1) if feats else np.zeros((len(t), 1))
    mask = np.array([c.kind == "categorical" for c in feats]) if feats else np.array([False])
    return x, t.column(target).values, mask


def ml_score(train: Table, test: Table, target: str, seed: int = 0) -> float:
    """Accuracy (categorical target) or R² (numeric) on ``test`` of a model fitted on ``train``."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    x, y, mask = _xy(train, target)
    xt, yt, _ = _xy(test, target)
    cat = train.column(target).kind == "categorical"
    if not cat:
        ok, okt = ~np.isnan(y), ~np.isnan(yt)
        x, y, xt, yt = x[ok], y[ok], xt[okt], yt[okt]
        if len(y) < 2 or len(yt) < 2 or yt.var() == 0:
            return float("nan")
    if cat and len(np.unique(y)) < 2:
        return float(np.mean(yt == y[0])) if len(y) else float("nan")
    kw = dict(max_iter=25, max_leaf_nodes=15, random_state=seed, categorical_features=mask if mask.any() else None,
              early_stopping=False)
    model = (HistGradientBoostingClassifier if cat else HistGradientBoostingRegressor)(**kw)
    model.fit(x, y)
    pred = model.predict(xt)
    if cat:
        return float(np.mean(pred == yt))
    return float(1.0 - ((yt - pred) ** 2).sum() / ((yt - yt.mean()) ** 2).sum())


def default_target(table: Table) -> str:
    """The first categorical column with 2-20 categories, else the last column."""
    for c in table.columns:
        if c.kind == "categorical" and 2 <= len(c.categories) <= 20 and not c.constant:
            return c.name
    return table.columns[-1].name
