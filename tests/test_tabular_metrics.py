"""Every tabular metric against values computed by hand on tiny tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from playground.labs.tabular import metrics as M
from playground.labs.tabular.data import Column, Table


def num(name, vals):
    return Column(name, "numeric", np.array(vals, float), [], 1, False)


def cat(name, codes, cats):
    return Column(name, "categorical", np.array(codes, np.int64), list(cats))


def test_ks_complement_by_hand():
    # ECDFs of {1,2,3,4} and {3,4,5,6} differ most at x in [2, 3): 0.5 vs 0
    assert M.ks_complement(np.array([1, 2, 3, 4.0]), np.array([3, 4, 5, 6.0])) == pytest.approx(0.5)
    assert M.ks_complement(np.array([1, 2, np.nan]), np.array([1, 2.0])) == pytest.approx(1.0)  # missing dropped


def test_tv_complement_by_hand():
    # p = (.5, .5), q = (.75, .25): TV = ½(.25 + .25) = .25
    assert M.tv_complement(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1]), 2) == pytest.approx(0.75)


def test_correlation_similarity_by_hand():
    real = Table([num("a", [1, 2, 3, 4]), num("b", [2, 4, 6, 8])])  # ρ = 1
    anti = Table([num("a", [1, 2, 3, 4]), num("b", [8, 6, 4, 2])])  # ρ = -1
    assert M.pair_score(real, anti, "a", "b") == pytest.approx(0.0)  # 1 - |1 - (-1)| / 2
    assert M.pair_score(real, real, "a", "b") == pytest.approx(1.0)


def test_contingency_similarity_by_hand():
    cats = ["x", "y"]
    real = Table([cat("a", [0, 0, 1, 1], cats), cat("b", [0, 1, 0, 1], cats)])  # each cell 1/4
    synth = Table([cat("a", [0, 0, 0, 0], cats), cat("b", [0, 0, 1, 1], cats)])  # (x,x) ½, (x,y) ½
    # ½ (|¼-½| + |¼-½| + ¼ + ¼) = ½
    assert M.pair_score(real, synth, "a", "b") == pytest.approx(0.5)


def test_numbers_are_binned_in_ten_equal_bins_of_the_real_range_with_missing_apart():
    r, s, k = M.discretize(num("a", [0, 5, 10, np.nan]), num("a", [-3, 9.99, 20, np.nan]))
    assert k == 11
    assert list(r) == [0, 5, 9, 10] and list(s) == [0, 9, 9, 10]


def test_quality_of_a_table_against_itself_is_one():
    t = Table([num("a", [1, 2, 3, 5]), num("b", [2, 1, 7, 3]), cat("c", [0, 1, 1, 0], ["p", "q"])])
    q = M.quality(t, t)
    assert q["column_shapes"] == pytest.approx(1.0) and q["pair_trends"] == pytest.approx(1.0)
    assert q["quality"] == pytest.approx(1.0)


def test_strong_pairs_average_only_the_pairs_the_real_table_links_like_sdmetrics_report():
    # a-b: ρ = 1 (kept); a-c: ρ = 0 (left out); c-d: Cramér's V of c's bins vs d = 1 (kept)
    real = Table([num("a", [1, 2, 3, 4]), num("b", [2, 4, 6, 8]), num("c", [1, -1, -1, 1]),
                  cat("d", [0, 1, 1, 0], "pq")])
    strong = M.strong_pairs(real)
    assert strong[0, 1] and strong[2, 3] and not strong[0, 2]
    anti = Table([num("a", [1, 2, 3, 4]), num("b", [8, 6, 4, 2]), num("c", [1, -1, -1, 1]),
                  cat("d", [0, 1, 1, 0], "pq")])
    q = M.quality(real, anti)
    kept = [q["pairs"][i, j] for i in range(4) for j in range(i + 1, 4) if strong[i, j]]
    assert q["pair_trends_strong"] == pytest.approx(np.mean(kept))
    assert q["pair_trends_strong"] < q["pair_trends"]  # the flipped pair a-b weighs more among the strong ones


def test_associations_by_hand():
    t = Table([cat("a", [0, 0, 1, 1], "pq"), cat("b", [1, 1, 0, 0], "pq"), num("n", [1, 1, 5, 5]),
               num("m", [4, 3, 2, 1])])
    a = M.association(t)
    assert a[0, 1] == pytest.approx(1.0)  # Cramér's V of a relabelled copy
    assert a[0, 2] == pytest.approx(1.0)  # correlation ratio: n is fixed by a
    assert a[2, 3] == pytest.approx(np.corrcoef([1, 1, 5, 5], [4, 3, 2, 1])[0, 1])


def test_dcr_and_exact_copies_by_hand():
    train = Table([num("n", [0, 10]), cat("c", [0, 1], "ab")])
    rows = Table([num("n", [5, 10]), cat("c", [0, 1], "ab")])
    d = M.dcr(rows, train)
    # (5, a): to (0, a) |0.5| + 0 = 0.5 -> /2 columns = 0.25; (10, b) is a copy: 0
    assert d == pytest.approx([0.25, 0.0])
    assert M.exact_copies(rows, train) == 1
    assert M.dcr_ratio(np.array([0.1, 0.3]), np.array([0.2, 0.6])) == pytest.approx(0.5)


def test_missing_counts_as_far_in_dcr():
    train = Table([num("n", [0, 10]), cat("c", [0, 0], "ab")])
    rows = Table([num("n", [np.nan]), cat("c", [0], "ab")])
    assert M.dcr(rows, train)[0] == pytest.approx(0.5)  # -1 vs 0: 1 / 2 columns


def test_train_on_synthetic_scores():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    t = Table([num("x", x), cat("y", (x > 0).astype(int), "np")])
    assert M.ml_score(t, t, "y") > 0.95  # a perfectly predictable class
    flipped = Table([num("x", x), cat("y", (x <= 0).astype(int), "np")])
    assert M.ml_score(flipped, t, "y") < 0.05  # trained on wrong labels
    r = Table([num("x", x), num("z", 2 * x + 1)])
    assert M.ml_score(r, r, "z") > 0.95  # R² of a linear target
    assert not math.isnan(M.ml_score(t, t, "x"))


def test_copula_mixture_splits_by_the_most_associated_column_and_pools_small_groups():
    import torch

    from playground.labs.tabular.copula import GaussianCopula, split_column

    rng = np.random.default_rng(0)
    g = np.repeat([0, 1, 2, 3], [150, 150, 150, 10])  # group 3 too small for a copula of its own
    centre = np.array([0.0, 10.0, 5.0, 5.0])[g]  # not monotone in the category order
    x = centre + rng.normal(size=len(g))
    y = -centre + rng.normal(size=len(g))
    noise = rng.integers(0, 2, len(g))  # a categorical column linked to nothing
    t = Table([cat("g", g, "abcd"), num("x", x), num("y", y), cat("n", noise, "uv")])
    assert split_column(t) == 0
    cop = GaussianCopula(t, seed=0)
    assert cop.split == "g" and len(cop.parts) == 4  # three groups of their own, the small one pooled
    s = cop.sample(3000, torch.Generator().manual_seed(0))
    sg, sx = s.column("g").values, s.column("x").values
    for k, mean in ((0, 0.0), (1, 10.0), (2, 5.0)):
        assert abs(sx[sg == k].mean() - mean) < 0.3  # each category keeps its own bump
        assert abs((sg == k).mean() - 150 / 460) < 0.04
    assert M.quality(t, s)["pair_trends"] > 0.93
    flat = Table([cat("n", noise, "uv"), num("x", rng.normal(size=len(g)))])
    assert split_column(flat) is None and len(GaussianCopula(flat).parts) == 1  # nothing to split by: one copula
