"""Fuzz every lab's config space: whatever the validator accepts trains a few steps (or reports a clear
divergence); whatever it rejects names the key."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core.config import ConfigError, params, validate
from playground.core.registry import all_labs

# keep fuzzed models small enough that each example trains in well under a second
CAPS = {"width": 32, "hidden_size": 32, "d_model": 32, "d_ff": 64, "layers": 2, "batch_size": 32, "grid": 16,
        "show_samples": 64, "seq_len": 12, "n_critic": 3, "latent_dim": 8, "n_layers": 2, "num_layers": 2}


def _cap(name: str, hi):
    for key, cap in CAPS.items():
        if key in name:
            return min(hi, cap) if hi is not None else cap
    return hi


def value_strategy(p):
    if p.type is bool:
        return st.booleans()
    if p.choices is not None:
        return st.sampled_from(p.choices)
    if p.type is int:
        lo = int(p.lo if p.lo is not None else 0)
        hi = int(_cap(p.name, p.hi if p.hi is not None else lo + 100))
        return st.integers(lo, max(lo, hi))
    if p.type is float:
        lo, hi = p.lo if p.lo is not None else -10.0, p.hi if p.hi is not None else 10.0
        if p.log and lo > 0:
            return st.floats(math.log10(lo), math.log10(hi)).map(lambda e: float(f"{10 ** e:.4g}")).filter(
                lambda v: lo <= v <= hi)
        return st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return st.just(p.default)


def config_strategy(spec):
    keys = [p for p in params(spec.config_cls) if p.name not in ("text",) and not p.path_ok]
    return st.fixed_dictionaries({p.name: value_strategy(p) for p in keys})


@pytest.mark.parametrize("lab", list(all_labs()))
def test_accepted_configs_train(lab):
    spec = all_labs()[lab]

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(config_strategy(spec))
    def run(values):
        try:
            cfg = validate(spec.config_cls, values)
        except ConfigError as e:
            assert e.key in values and e.key in str(e)
            return
        s = spec.make_session(cfg, device="cpu", seed=0)
        s.step(2)
        s.flush()
        if s.diverged:
            assert "diverged" in s.diverged
        snap = s.snapshot()
        assert snap["step"] == 2

    run()


@pytest.mark.parametrize("lab", list(all_labs()))
def test_rejected_values_name_the_key(lab):
    spec = all_labs()[lab]
    for p in params(spec.config_cls):
        bad = ["nan", "inf", "-inf", "abc", ""]
        if p.type in (int, float) and p.hi is not None:
            bad.append(str(p.hi * 10 + 1))
        if p.type in (int, float) and p.lo is not None:
            bad.append(str(p.lo - 1))
        if p.type is int:
            bad.append("1.5")
        if p.choices is not None and not p.path_ok:
            bad.append("no-such-choice")
        if p.type is str and p.choices is None:
            continue
        for v in bad:
            with pytest.raises(ConfigError) as e:
                validate(spec.config_cls, {p.name: v})
            assert e.value.key == p.name and p.name in str(e.value) and "allowed" in str(e.value)
