"""Slow checks that the presets teach what they claim (run in CI too)."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_ring8_wgan_gp_captures_all_modes(gan_spec):
    s = gan_spec.make_session(gan_spec.make_config("ring8-wgan-gp"), device="cpu", seed=0)
    best = 0
    for _ in range(15):
        s.step(100)
        best = max(best, s.evaluate()["modes_captured"])
        if best == 8:
            break
    assert best == 8, f"only {best}/8 modes after {s.step_count} steps"
    assert s.step_count <= 1500
