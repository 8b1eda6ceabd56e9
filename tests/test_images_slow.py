"""Slow image-lab checks: the mnist-dcgan preset draws recognisable digits of every class, the 2-D VAE's codes
sort the classes. Shortened for CI (the full targets and measured numbers are in the report/README)."""

from __future__ import annotations

import pytest

from playground.core.registry import get_lab

pytestmark = pytest.mark.slow


def _train(preset, steps, seed=0):
    spec = get_lab("images")
    s = spec.make_session(spec.make_config(preset), device="cpu", seed=seed)
    s.step(steps)
    return s.evaluate()


def test_mnist_dcgan_covers_every_class_early():
    m = _train("mnist-dcgan", 600)  # classifier v2, seed 0: 10 classes, 20 % confident, FD 260 at step 400;
    # 10, 43 %, FD 112 at 800
    assert m["classes_covered"] >= 8, m
    assert m["confident_fraction"] >= 0.05, m
    assert m["classifier_fd"] < 300, m


def test_mnist_vae_2d_codes_carry_the_class():
    # ~20 CPU-s with start-up. The preset's 1,800 steps reach 0.71 / 0.72 / 0.64 (seeds 0-2, ~51 CPU-s); the
    # issue's 0.88 is not reached (see the README)
    m = _train("mnist-vae-2d", 600)
    assert m["latent_knn_accuracy"] >= 0.45, m  # leave-one-out 5-NN, chance 0.1; seeds 0-2 at 600: 0.62 / 0.62 / 0.52
