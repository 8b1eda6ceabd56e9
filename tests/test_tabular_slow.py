"""Penguins reach the quality targets (slow: real training)."""

from __future__ import annotations

import time

import pytest

from playground.core.registry import get_lab

pytestmark = pytest.mark.slow


def session(preset, seed=0):
    spec = get_lab("tabular")
    return spec.make_session(spec.make_config(preset), device="cpu", seed=seed)


def test_copula_fits_in_seconds_with_good_marginals():
    session("penguins-copula")  # imports and reading the file are not the copula's time
    t0 = time.perf_counter()
    s = session("penguins-copula", seed=1)
    q = s.evaluate()
    assert time.perf_counter() - t0 < 5.0
    assert q["column_shapes"] >= 0.95 and q["pair_trends"] >= 0.80  # the copula misses multi-modal pairs


def test_tvae_reaches_the_targets_on_penguins():
    s = session("penguins-tvae")
    s.step(750)
    q = s.evaluate()
    # preset β 0.5, lr 3e-3: seeds 0-2 reach 0.89-0.90 at 500 steps, 0.91-0.92 at 1,000 (~25 CPU s in all)
    assert q["column_shapes"] >= 0.90 and q["pair_trends"] >= 0.88, q


def test_ctgan_learns_on_penguins():
    s = session("penguins-ctgan")
    s.step(250)
    q = s.evaluate()  # measured 0.84-0.86 / 0.68-0.69 here; the untrained generator scores 0.84 / 0.51
    assert q["column_shapes"] >= 0.82 and q["pair_trends"] >= 0.64, q
