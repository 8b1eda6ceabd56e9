"""Image lab sessions: the classifier cache, determinism, save/resume, snapshots, commands, CLI metrics."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from playground.core.registry import get_lab
from playground.labs.images import classifier as clf_mod

SMALL = {"size": 16, "g_width": 8, "d_width": 8, "vae_width": 8, "batch_size": 16, "z_dim": 8}


@pytest.fixture(scope="module", autouse=True)
def quick_classifier_cache(tmp_path_factory):
    """One cache folder for this module, and a 1-epoch classifier (the cache key ignores epochs: this folder
    is the tests' own)."""
    old = os.environ.get("PLAYGROUND_CACHE")
    os.environ["PLAYGROUND_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    epochs, clf_mod.EPOCHS = clf_mod.EPOCHS, 1
    yield
    clf_mod.EPOCHS = epochs
    if old is None:
        os.environ.pop("PLAYGROUND_CACHE", None)
    else:
        os.environ["PLAYGROUND_CACHE"] = old


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    f = tmp_path_factory.mktemp("pics")
    rng = np.random.default_rng(0)
    for i in range(24):
        Image.fromarray(rng.integers(0, 255, (20, 20), dtype=np.uint8)).save(f / f"{i}.png")
    return str(f)


def _session(overrides, seed=0):
    spec = get_lab("images")
    return spec.make_session(spec.make_config("digits-dcgan", {**SMALL, **overrides}), device="cpu", seed=seed)


def _params(s):
    return torch.cat([p.detach().flatten() for m in s.modules().values() for p in m.parameters()])


def test_classifier_is_trained_once_and_cached_per_data(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path))
    rng = np.random.default_rng(0)
    x = rng.random((200, 1, 16, 16), dtype=np.float32)
    y = np.arange(200) % 10
    a, acc, cached = clf_mod.get_classifier("toy", "abc", x, y)
    assert not cached and 0 <= acc <= 1
    files = list((tmp_path / "generative-ai-playground").glob("*.pt"))
    assert len(files) == 1 and "toy" in files[0].name and "16px" in files[0].name and "abc" in files[0].name
    b, acc2, cached2 = clf_mod.get_classifier("toy", "abc", x, y)
    assert cached2 and acc2 == acc
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    _, _, cached3 = clf_mod.get_classifier("toy", "def", x, y)  # other data: another file, trained again
    assert not cached3 and len(list(files[0].parent.glob("*.pt"))) == 2
    files[0].write_bytes(b"damaged")
    _, _, cached4 = clf_mod.get_classifier("toy", "abc", x, y)  # a damaged file is retrained, not fatal
    assert not cached4


def test_cache_dir_follows_the_platform_convention(monkeypatch, tmp_path):
    monkeypatch.delenv("PLAYGROUND_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if os.name == "posix" and "darwin" not in os.sys.platform:
        assert clf_mod.cache_dir() == tmp_path / "generative-ai-playground"


def test_same_seed_same_run_and_snapshots_do_not_change_it(folder):
    a, b = _session({"data": folder, "compare": True}), _session({"data": folder, "compare": True})
    a.step(3)
    a.snapshot()
    a.command("draw", image=np.zeros((16, 16), np.float32))
    a.snapshot()
    a.step(3)
    b.step(6)
    assert torch.equal(_params(a), _params(b))
    c = _session({"data": folder, "compare": True}, seed=1)
    c.step(6)
    assert not torch.equal(_params(a), _params(c))


def test_save_and_resume_is_exact(folder, tmp_path):
    from playground.core.checkpoint import load_state, save_session

    a = _session({"data": folder, "model": "wgan-gp", "compare": True, "n_critic": 2})
    a.step(3)
    a.command("draw", image=np.full((16, 16), 0.5, np.float32))
    path = tmp_path / "run.pt"
    save_session(a, str(path))
    b = _session({"data": folder, "model": "wgan-gp", "compare": True, "n_critic": 2}, seed=5)
    b.load_state_dict(load_state(str(path), lab="images"))
    assert b.drawn is not None and b.step_count == 3
    a.step(3)
    b.step(3)
    assert torch.equal(_params(a), _params(b))


def test_folder_snapshot_has_every_panel_and_precision_recall(folder):
    s = _session({"data": folder, "compare": True, "latent": 4, "metrics_every": 0.2})
    s.step(2)
    for _ in range(12):
        snap = s.snapshot()
        if "quality" in snap:
            break
    assert snap["gan_samples"].shape == (64, 16, 16) and snap["gan_samples"].dtype == np.uint8
    assert snap["vae_samples"].shape == (64, 16, 16) and snap["gan_interp"].shape == (10, 16, 16)
    assert snap["real"].shape == (16, 16, 16) and snap["vae_pairs"].shape == (2, 8, 16, 16)
    assert snap["d_real"].shape == (24,) and snap["d_fake"].shape == (128,)  # every real image of a small folder
    assert snap["kl_dims"].shape == (4,) and snap["scatter"].shape == (24, 2)  # a folder of 24: all codes
    assert snap["scatter_axes"][0].startswith("PC") and snap["manifold"].shape == (225, 16, 16)
    q = snap["quality"]["gan"]
    assert 0 <= q["precision"] <= 1 and 0 <= q["recall"] <= 1 and "principal components" in snap["feature_space"]
    rgb = _session({"data": folder, "color": "rgb"})
    assert rgb.snapshot()["gan_samples"].shape == (64, 16, 16, 3)


def test_digit_metrics_and_the_drawn_digit(folder):
    s = _session({"compare": True})
    s.step(2)
    s.command("draw", image=s.X[0, 0].cpu().numpy())
    for _ in range(12):  # the quality numbers arrive in slices, one per snapshot
        snap = s.snapshot()
        if "quality" in snap:
            break
    d = snap["drawn"]
    assert d["recon"].shape == (16, 16) and len(d["code"]) == 2 and 0 <= d["d_score"] <= 1
    assert 0 <= d["label"] <= 9 and 0 <= d["confidence"] <= 1
    q = snap["quality"]
    assert len(q["gan"]["class_hist"]) == 10 and isinstance(q["gan"]["classes_covered"], int)
    assert 0 <= q["vae"]["latent_knn_accuracy"] <= 1
    with pytest.raises(ValueError, match="16×16"):
        s.command("draw", image=np.zeros((5, 5)))
    with pytest.raises(ValueError, match="unknown command"):
        s.command("nope")


def test_heavy_panels_refresh_in_turn(folder):
    s = _session({"data": folder, "model": "vae", "metrics_every": 0.2})
    s.snapshot()  # the first ones fill in every heavy part (the quality numbers in slices)
    seen = []
    for _ in range(12):
        s.step(1)
        s.snapshot()
        seen.append((s._cache["scatter_step"], s._cache["manifold_step"], s._cache.get("quality_step", -1)))
    for i in range(3):
        assert len({row[i] for row in seen}) >= 2  # each heavy part is refreshed ...
    both = sum(a == b == s_ for (a, b, _), s_ in zip(seen, range(2, 14)))
    assert both < len(seen)  # ... but not all of them every time


def test_cli_json_reports_the_issue_metrics(capsys):
    from playground.cli import main

    sets = [f"--set={k}={v}" for k, v in SMALL.items()]
    assert main(["train", "images", "--preset", "digits-dcgan", "--steps", "4", "--json", *sets]) == 0
    m = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["metrics"]
    assert {"loss_d", "loss_g", "confident_fraction", "classifier_fd"} <= set(m)
    assert isinstance(m["classes_covered"], int)
    assert main(["train", "images", "--preset", "mnist-vae-2d", "--steps", "2", "--json", *sets]) == 0
    m = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["metrics"]
    assert {"recon", "kl", "latent_knn_accuracy"} <= set(m)


def test_config_refuses_bad_combinations():
    from playground.core.config import ConfigError

    spec = get_lab("images")
    for bad in ({"size": 20}, {"color": "rgb"}, {"g_width": 256, "size": 64}):
        with pytest.raises(ConfigError):
            spec.make_config("mnist-dcgan", bad)
