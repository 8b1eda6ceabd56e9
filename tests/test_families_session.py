"""The four-families session: reproducible, resumable, a race equals the solo runs, plain snapshots, the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from plain import assert_plain

from playground.core.config import ConfigError
from playground.core.registry import get_lab

SMALL = {"batch_size": 64, "gan_width": 16, "vae_width": 16, "flow_width": 16, "couplings": 2, "diff_width": 32,
         "diff_emb": 8, "T": 20, "sample_steps": 20, "n_critic": 2, "grid": 12, "show_samples": 64}
LOSSES = {"gan": "gan_loss_d", "vae": "vae_loss", "flow": "flow_nll", "diffusion": "diffusion_loss"}


@pytest.fixture
def spec():
    return get_lab("families")


def _session(spec, seed=0, **over):
    return spec.make_session(spec.make_config(None, {**SMALL, **over}), device="cpu", seed=seed)


def _loss(s, key):
    s.flush()
    return s.history.arrays(key)[1]


@pytest.mark.parametrize("family", ["gan", "vae", "flow", "diffusion"])
def test_same_seed_same_losses_and_every_family_trains(spec, family):
    runs = []
    for _ in range(2):
        s = _session(spec, seed=3, family=family)
        s.step(4)
        s.snapshot()  # drawing and metrics never touch the training random streams
        s.step(4)
        runs.append(_loss(s, LOSSES[family]))
    assert np.array_equal(runs[0], runs[1]) and np.all(np.isfinite(runs[0])) and len(runs[0]) == 8
    other = _session(spec, seed=4, family=family)
    other.step(8)
    assert not np.array_equal(runs[0], _loss(other, LOSSES[family]))


def test_a_race_trains_each_family_as_it_would_alone(spec):
    race = _session(spec, seed=1, family="flow", race="all")
    assert list(race.members) == ["flow", "gan", "vae", "diffusion"]
    race.step(5)
    for f in ("flow", "diffusion"):
        solo = _session(spec, seed=1, family=f)
        solo.step(5)
        assert np.array_equal(_loss(race, LOSSES[f]), _loss(solo, LOSSES[f]))
    m = race.metrics()
    for f in ("gan", "vae", "flow", "diffusion"):
        assert 0 <= m[f"{f}_modes_captured"] <= 8 and m[f"{f}_samples_per_s"] > 0 and m[f"{f}_train_s"] > 0
    assert m["modes_captured"] == m["flow_modes_captured"] and isinstance(m["modes_captured"], int)


def test_save_and_resume_continue_exactly(spec, tmp_path):
    from playground.core.checkpoint import load_session, save_session

    a = _session(spec, seed=2, race="gan,vae,flow,diffusion")
    a.step(3)
    a.evaluate()
    save_session(a, tmp_path / "s.pt")
    a.step(3)
    b = load_session(tmp_path / "s.pt", registry_lab="families", device="cpu")
    assert b.step_count == 3 and len(b.log["flow"]) == 1
    b.step(3)
    for f, key in LOSSES.items():
        assert np.array_equal(_loss(a, key), _loss(b, key)), f
    for (k, pa), pb in zip(a.modules()["diffusion.diffusion"].state_dict().items(),
                           b.modules()["diffusion.diffusion"].state_dict().values()):
        assert torch.equal(pa, pb), k


def test_snapshot_is_plain_data_with_every_view(spec):
    s = _session(spec, race="all", family="diffusion", diff_heat="score")
    s.step(2)
    snap = s.snapshot()
    assert_plain(snap)
    m = snap["members"]
    assert set(m) == {"gan", "vae", "flow", "diffusion"} and snap["families"][0] == "diffusion"
    for d in m.values():
        assert d["samples"].shape == (64, 2) and d["heat"].shape == (12, 12)
    assert m["flow"]["layers_grid"].shape[0] == 3 and m["flow"]["layers_samples"].shape == (3, 64, 2)
    assert m["vae"]["post_mu"].shape == m["vae"]["post_sigma"].shape and m["vae"]["mesh"].shape == (21, 21, 2)
    d = m["diffusion"]
    assert sorted(d["gallery"]) == [1, 10, 20] and d["paths"].shape[0] == 21 and d["t"] == 6
    assert d["arrows"].shape == d["arrows_at"].shape and snap["log"]["gan"].shape == (1, 5)
    assert s.update_config({"t_view": 1.0, "sampler": "ddim", "sample_steps": 5}) is True
    d = s.snapshot()["members"]["diffusion"]
    assert d["t"] == 20 and sorted(d["gallery"]) == [1, 5] and d["paths"].shape[0] == 6


def test_bad_race_is_refused_clearly(spec):
    with pytest.raises(ConfigError) as e:
        spec.make_config(None, {"race": "gan,transformer"})
    assert "race" in str(e.value) and "transformer" in str(e.value)
    assert spec.make_config(None, {"race": "flow diffusion"}).families() == ("diffusion", "flow")


def test_drawn_points_become_every_familys_data(spec):
    s = _session(spec, data="drawn", race="vae,flow")
    pts = np.array([[1.0, 1.0], [1.1, 1.0], [1.0, 1.1]], np.float32)
    s.command("set_points", points=pts)
    for m in s.members.values():
        x = m.data.sample(500, torch.Generator().manual_seed(0))
        assert torch.cdist(x, torch.tensor(pts)).min(1).values.max() < 0.3
    with pytest.raises(ValueError):
        s.command("set_points", points=np.zeros((1, 2)))
    s.step(1)
    assert "drawn" in s.snapshot()


def test_presets_load(spec):
    assert {"ring8-race", "spiral-diffusion", "moons-flow", "ring8-vae-blur", "drawn-diffusion"} <= set(spec.presets)
    assert spec.make_config("ring8-race").families() == ("diffusion", "gan", "vae", "flow")
    assert spec.make_config("ring8-vae-blur").beta > 1


def test_cli_train_json_reports_the_gan_labs_metric_names(capsys):
    from playground.cli import main

    sets = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]
    assert main(["train", "families", "--set", "family=diffusion", *sets, "--steps", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["metrics"]
    assert isinstance(out["modes_captured"], int) and out["modes_total"] == 8
    assert 0 <= out["hq_fraction"] <= 1 and math.isfinite(out["swd"]) and math.isfinite(out["diffusion_loss"])
    assert main(["train", "families", "--set", "race=gan,nope", "--steps", "1"]) == 2
