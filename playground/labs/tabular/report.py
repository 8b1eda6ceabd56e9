"""What the tabular views draw, as plain data (NumPy arrays, numbers, strings): built at snapshot time.

Snapshot keys (besides step, history, notes…):
  columns, kinds         column names and "numeric" | "categorical"
  marginals              one dict per column, worst-matching first: name, kind, score, labels (categories) or
                         edges (numeric bins), real and synth (frequencies summing to 1, missing last)
  assoc_real, assoc_synth, assoc_diff   (J, J) association matrices (Pearson / Cramér's V / correlation ratio)
  pair_scores            (J, J) Column Pair Trends score of each pair (NaN on the diagonal)
  scatter                {"real": (n, J), "synth": (n, J)} values (category codes for categorical columns),
                         "categories": {name: [labels]}
  privacy                {"bins", "synth", "holdout" (DCR histograms), "dcr_ratio", "exact_copies",
                          "median_synth", "median_holdout"}
  usefulness             {"target", "kind", "tstr", "trtr", "targets"}
  metrics                the latest numbers of the above
"""

from __future__ import annotations

import numpy as np

from . import metrics as M
from .data import Column, Table

HIST_BINS = 20
SCATTER_ROWS = 600


def marginal(rc: Column, sc: Column, score: float) -> dict:
    miss_r, miss_s = rc.missing.mean() if len(rc.values) else 0.0, sc.missing.mean() if len(sc.values) else 0.0
    if rc.kind == "categorical":
        k = len(rc.categories)
        r = np.bincount(rc.values, minlength=k) / max(len(rc.values), 1)
        s = np.bincount(sc.values, minlength=k) / max(len(sc.values), 1)
        labels = ["(missing)" if c is None else str(c) for c in rc.categories]
        return {"name": rc.name, "kind": "categorical", "score": score, "labels": labels, "real": r, "synth": s}
    rv, sv = rc.values[~np.isnan(rc.values)], sc.values[~np.isnan(sc.values)]
    lo, hi = (float(rv.min()), float(rv.max())) if len(rv) else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, HIST_BINS + 1)
    r = np.histogram(np.clip(rv, lo, hi), edges)[0] / max(len(rc.values), 1)
    s = np.histogram(np.clip(sv, lo, hi), edges)[0] / max(len(sc.values), 1)
    return {"name": rc.name, "kind": "numeric", "score": score, "edges": edges, "real": r, "synth": s,
            "missing_real": float(miss_r), "missing_synth": float(miss_s)}


def _scatter_values(t: Table, n: int) -> np.ndarray:
    idx = np.sort(np.random.default_rng(0).permutation(len(t))[:n])  # real tables are often sorted
    return np.stack([c.values[idx].astype(np.float64) for c in t.columns], 1)


def build(train: Table, test: Table, synth: Table, q: dict, heavy: dict, assoc_real: np.ndarray) -> dict:
    shapes = q["shapes"]
    margs = [marginal(c, synth.column(c.name), shapes[c.name]) for c in train.columns]
    margs.sort(key=lambda m: m["score"])
    assoc_synth = M.association(synth)
    d_s, d_h = heavy["dcr_synth"], heavy["dcr_holdout"]
    top = float(np.percentile(np.concatenate([d_s, d_h]), 99)) if len(d_s) + len(d_h) else 1.0
    bins = np.linspace(0.0, max(top, 1e-6), 31)
    privacy = {"bins": bins,
               "synth": np.histogram(np.clip(d_s, 0, bins[-1]), bins)[0] / max(len(d_s), 1),
               "holdout": np.histogram(np.clip(d_h, 0, bins[-1]), bins)[0] / max(len(d_h), 1),
               "dcr_ratio": heavy["dcr_ratio"], "exact_copies": int(heavy["exact_copies"]),
               "n_synth": len(synth), "median_synth": float(np.median(d_s)) if len(d_s) else float("nan"),
               "median_holdout": float(np.median(d_h)) if len(d_h) else float("nan")}
    usefulness = {"target": heavy["target"], "kind": "accuracy" if heavy["target_kind"] == "categorical" else "R²",
                  "tstr": heavy["tstr_score"], "trtr": heavy["trtr_score"], "targets": train.names}
    n = min(SCATTER_ROWS, len(train), len(synth))
    return {
        "columns": train.names,
        "kinds": [c.kind for c in train.columns],
        "marginals": margs,
        "assoc_real": assoc_real,
        "assoc_synth": assoc_synth,
        "assoc_diff": np.abs(assoc_real - assoc_synth),
        "pair_scores": q["pairs"],
        "scatter": {"real": _scatter_values(train, n), "synth": _scatter_values(synth, n),
                    "categories": {c.name: ["(missing)" if v is None else str(v) for v in c.categories]
                                   for c in train.columns if c.kind == "categorical"}},
        "privacy": privacy,
        "usefulness": usefulness,
        "metrics": {"column_shapes": q["column_shapes"], "pair_trends": q["pair_trends"], "quality": q["quality"],
                    "dcr_ratio": heavy["dcr_ratio"], "exact_copies": int(heavy["exact_copies"]),
                    "tstr_score": heavy["tstr_score"], "trtr_score": heavy["trtr_score"]},
    }
