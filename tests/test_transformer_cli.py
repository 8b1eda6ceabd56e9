"""The CLI with the Transformer lab: train --json metrics, save/resume, snapshot renders the whole lab view."""

from __future__ import annotations

import json

from playground.cli import main

FAST = ["--set", "d_model=32", "--set", "d_ff=64", "--set", "batch_size=32", "--set", "seq_len=6",
        "--set", "eval_size=32"]


def _json(capsys):
    out, _ = capsys.readouterr()
    return json.loads(out.strip().splitlines()[-1])


def test_train_json_has_the_three_metrics(capsys, tmp_path):
    ck = tmp_path / "tf.pt"
    assert main(["train", "transformer", "--preset", "reverse", *FAST, "--steps", "20", "--json",
                 "--save", str(ck)]) == 0
    r = _json(capsys)
    assert r["lab"] == "transformer" and r["steps"] == 20
    assert {"loss", "token_accuracy", "sequence_accuracy"} <= set(r["metrics"])
    assert 0 <= r["metrics"]["sequence_accuracy"] <= 1
    assert main(["train", "transformer", "--resume", str(ck), "--steps", "5", "--json"]) == 0
    assert _json(capsys)["metrics"]["loss"] > 0


def test_snapshot_renders_the_lab(capsys, tmp_path):
    out = tmp_path / "tf.png"
    assert main(["snapshot", "transformer", "--preset", "translate", *FAST, "--steps", "5", "--out", str(out),
                 "--size", "1366x768"]) == 0
    assert out.stat().st_size > 20_000
