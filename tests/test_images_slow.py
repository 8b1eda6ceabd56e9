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
    m = _train("mnist-vae-2d", 1000)  # ~17 CPU-s; the 0.88 target is not reached yet (0.66 at 3,000)
    assert m["latent_knn_accuracy"] >= 0.42, m  # chance is 0.1; measured 0.555 / 0.575 / 0.504 (seeds 0-2) at 1,000
