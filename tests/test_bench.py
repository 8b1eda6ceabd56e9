"""`playground bench` runs and reports every key (not timing: that is the benchmark's job)."""

from __future__ import annotations

import json

from playground.cli import main

KEYS = {"bare_steps_per_s", "headless_steps_per_s", "app_steps_per_s", "headless_vs_bare", "app_vs_headless",
        "ui_stall_ms", "snapshots_per_s", "spread", "startup_ms"}


def test_bench_reports_every_key(capsys, qapp):
    code = main(["bench", "--rounds", "1", "--seconds", "0.3", "--rss-steps", "2000", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    result = json.loads(out.strip().splitlines()[-1])
    assert result["device"] == "cpu" and result["threads"] == 1
    labs = result["labs"]
    assert {"gan", "gan-lab-size", "lstm", "transformer"} <= set(labs)
    for name, r in labs.items():
        expected = KEYS - ({"startup_ms"} if name == "gan-lab-size" else set())
        assert expected <= set(r), (name, expected - set(r))
        assert set(r["ui_stall_ms"]) == {"p50", "p99", "max"}
        for k in ("bare_steps_per_s", "headless_steps_per_s", "app_steps_per_s"):
            assert r[k] is not None and r[k] > 0, (name, k)
    assert "rss_growth_mb" in labs["gan"]
