"""`playground bench` runs and reports every key (not timing: that is the benchmark's job)."""

from __future__ import annotations

import json

import pytest
import torch

from playground.bench import bare_loop, headless
from playground.cli import main
from playground.core.registry import all_labs

KEYS = {"bare_steps_per_s", "headless_steps_per_s", "app_steps_per_s", "headless_vs_bare", "app_vs_headless",
        "ui_stall_ms", "snapshots_per_s", "spread", "startup_ms", "worker_share"}


def test_bench_reports_every_key(capsys, qapp):
    code = main(["bench", "gan", "--rounds", "1", "--seconds", "1", "--rss-steps", "2000", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    result = json.loads(out.strip().splitlines()[-1])
    assert result["device"] == "cpu" and result["threads"] == 1
    labs = result["labs"]
    assert set(labs) == {"gan", "gan-lab-size"}
    for name, r in labs.items():
        expected = KEYS - ({"startup_ms"} if name == "gan-lab-size" else set())
        assert expected <= set(r), (name, expected - set(r))
        assert set(r["ui_stall_ms"]) == {"p50", "p99", "max"}
        for k in ("bare_steps_per_s", "headless_steps_per_s", "app_steps_per_s"):
            assert r[k] is not None and r[k] > 0, (name, k)
    assert "rss_growth_mb" in labs["gan"]
    share = labs["gan"]["worker_share"]
    assert set(share) == {"train", "snapshot", "emit"} and 0 < share["train"] <= 1


def test_bench_by_steps_and_bad_steps(capsys, qapp):
    assert main(["bench", "lstm", "--rounds", "1", "--steps", "30", "--json"]) == 0
    r = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["labs"]["lstm"]
    assert r["headless_steps_per_s"] > 0 and r["app_steps_per_s"] > 0
    assert main(["bench", "--steps", "0"]) == 2
    assert "--steps" in capsys.readouterr().err


@pytest.mark.parametrize("lab", list(all_labs()))
def test_every_lab_has_a_bare_loop_for_the_same_model(lab):
    spec = all_labs()[lab]
    cfg = spec.make_config(spec.default_preset)
    fn = bare_loop(lab)
    assert fn is not None, f"{lab} has no bare loop for the benchmark"
    assert fn(cfg, torch.device("cpu"), 0.2) > 0
    assert headless(spec, cfg, torch.device("cpu"), 0.2) > 0
