"""Slow checks that the families lab teaches what it claims (run in CI too): on the ring of 8 Gaussians,
with the default settings, the flow and the diffusion model cover every mode with mostly sharp samples."""

from __future__ import annotations

import pytest

from playground.core.registry import get_lab


@pytest.mark.slow
@pytest.mark.parametrize("family", ["flow", "diffusion"])
def test_ring8_all_modes_and_high_quality(family):
    spec = get_lab("families")
    s = spec.make_session(spec.make_config(None, {"family": family, "data": "ring8"}), device="cpu", seed=0)
    m = {}
    while s.step_count < 700:
        s.step(100)
        m = s.evaluate()
        if m["modes_captured"] == 8 and m["hq_fraction"] >= 0.7:
            break
    assert m["modes_captured"] == 8 and m["hq_fraction"] >= 0.7, (s.step_count, m)
