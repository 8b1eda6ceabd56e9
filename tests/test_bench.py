"""`playground bench` runs and reports every key (not timing: that is the benchmark's job)."""

from __future__ import annotations

import json
import os

import pytest
import torch

from playground.bench import ORDERS, bare_loop, bootstrap_ci, headless
from playground.cli import main
from playground.core.registry import all_labs

KEYS = {"bare_steps_per_s", "headless_steps_per_s", "app_steps_per_s", "headless_vs_bare", "app_vs_headless",
        "headless_vs_bare_ci", "app_vs_headless_ci", "ratio_spread", "ui_stall_ms", "snapshots_per_s", "spread",
        "startup_ms", "worker_share", "ui_cpu_share", "ui_paint_ms_per_s", "ui_pipe_ms_per_s", "frame_hz",
        "play_latency_ms", "close_s", "rounds", "warmup_rounds"}
SHORT = ["--rounds", "2", "--warmup", "0", "--seconds", "0.3"]


def test_bench_reports_every_key(capsys, qapp):
    code = main(["bench", "gan", *SHORT, "--rss-steps", "2000", "--json"])
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
        for k in ("app_vs_headless", "headless_vs_bare"):
            low, high = r[f"{k}_ci"]
            assert low <= r[k] <= high, (name, k)
        assert 0 <= r["ui_cpu_share"] and r["ui_paint_ms_per_s"] >= 0 and r["ui_pipe_ms_per_s"] >= 0
        assert r["close_s"] > 0 and r["play_latency_ms"] > 0 and r["rounds"] == 2
    assert "rss_growth_mb" in labs["gan"]
    share = labs["gan"]["worker_share"]
    assert set(share) == {"train", "snapshot", "emit"} and 0 < share["train"] <= 1
    assert set(result["promises"]) == {"close_s", "play_latency_ms", "rss_growth_mb"}


def test_bench_by_steps_and_bad_arguments(capsys, qapp):
    assert main(["bench", "lstm", "--rounds", "1", "--warmup", "0", "--steps", "30", "--json"]) == 0
    assert "PLAYGROUND_NO_SETTINGS" not in os.environ  # the bench's own setting does not leak into the caller
    r = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["labs"]["lstm"]
    assert r["headless_steps_per_s"] > 0 and r["app_steps_per_s"] > 0
    assert main(["bench", "--steps", "0"]) == 2
    assert "--steps" in capsys.readouterr().err
    assert main(["bench", "--rounds", "0"]) == 2
    assert "--rounds" in capsys.readouterr().err


def test_rounds_rotate_so_each_kind_runs_first_as_often():
    assert sorted(o[0] for o in ORDERS) == ["app", "bare", "headless"]
    assert all(sorted(o) == ["app", "bare", "headless"] for o in ORDERS)


def test_bootstrap_interval_holds_the_median_and_narrows_with_more_rounds():
    import random

    rng = random.Random(1)
    few = [0.95 + rng.gauss(0, 0.03) for _ in range(8)]
    many = few + [0.95 + rng.gauss(0, 0.03) for _ in range(56)]
    for v in (few, many):
        low, high = bootstrap_ci(v)
        assert min(v) <= low <= sorted(v)[len(v) // 2] <= high <= max(v)
    assert bootstrap_ci(many)[1] - bootstrap_ci(many)[0] < bootstrap_ci(few)[1] - bootstrap_ci(few)[0]
    assert bootstrap_ci(few) == bootstrap_ci(few)  # seeded: the same rounds give the same interval
    assert bootstrap_ci([1.0]) == [1.0, 1.0] and bootstrap_ci([]) is None


@pytest.mark.parametrize("lab", list(all_labs()))
def test_every_lab_has_a_bare_loop_for_the_same_model(lab):
    spec = all_labs()[lab]
    cfg = spec.make_config(spec.default_preset)
    fn = bare_loop(lab)
    assert fn is not None, f"{lab} has no bare loop for the benchmark"
    assert fn.__module__ == f"playground.labs.{lab}.bare"
    assert fn(cfg, torch.device("cpu"), 0.2) > 0
    assert headless(spec, cfg, torch.device("cpu"), 0.2) > 0
