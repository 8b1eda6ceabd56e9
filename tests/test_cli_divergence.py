"""`playground train` notices divergence at the app's flush cadence and says so in one line."""

from __future__ import annotations

import json

from playground.cli import main

DIVERGE = ["train", "gan", "--set", "lr_d=10", "--set", "lr_g=10", "--set", "opt_d=sgd", "--set", "opt_g=sgd"]


def test_divergence_stops_at_once_with_one_line(capsys):
    code = main(DIVERGE)
    out, err = capsys.readouterr()
    assert code == 1
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("playground: training failed") and "nan" in lines[0]
    assert "None" not in out and "None" not in err  # no metrics block full of None
    steps = int(lines[0].split("after ")[1].split(" step")[0].replace(",", ""))
    assert steps < 100  # it stopped where it diverged, not after the 1,000 steps asked for


def test_divergence_json_names_the_error(capsys):
    code = main([*DIVERGE, "--json"])
    out, _ = capsys.readouterr()
    assert code == 1
    result = json.loads(out.strip().splitlines()[-1])
    assert "became nan" in result["error"] and result["steps"] < 100
