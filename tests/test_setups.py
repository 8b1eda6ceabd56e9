"""Shareable setups without a window: the TOML format round trip, bad setups, and `--config` giving exactly what
the equivalent `--preset/--set/--seed` flags give."""

from __future__ import annotations

import json

import pytest

from playground.cli import _parser, main
from playground.cli_setup import resolve_config
from playground.core.config import ConfigError
from playground.core.setup import Setup, SetupError, format_setup, parse_setup
from playground.ui.settings import classroom

SETUP = """lab = "gan"
preset = "ring8-wgan-gp"   # optional
seed = 3                   # optional
[set]                      # the changed keys, validated exactly like --set
lr_g = 0.0002
batch_size = 64
g_width = 16
d_width = 16
g_layers = 1
d_layers = 1
grid = 12
show_samples = 64
[classroom]
hide = ["beta1", "beta2"]
lock = ["loss"]
"""


def test_format_round_trips_and_bad_setups_get_one_line():
    s = parse_setup(SETUP)
    assert (s.lab, s.preset, s.seed, s.hide, s.lock) == ("gan", "ring8-wgan-gp", 3, ["beta1", "beta2"], ["loss"])
    assert s.set["lr_g"] == 0.0002 and s.config().lr_g == 0.0002
    odd = Setup(lab="gan", set={"lr_d": 1e-05, "clip": 0.01, "data": 'my "points".csv', "n_critic": 5})
    for setup in (s, odd):
        assert parse_setup(format_setup(setup)) == setup
    bad = {
        "lab = gan\n": "TOML",  # not TOML
        'lab = "nope"\n': "lab='nope'",
        'lab = "gan"\n[set]\nno_such_key = 1\n': "no_such_key=1: unknown key",
        'lab = "gan"\n[set]\nlr_g = 50.0\n': "lr_g=50.0: out of range; allowed: a number in [1e-06, 10.0]",
        'lab = "gan"\npreset = "nope"\n': "unknown preset",
        'lab = "gan"\nseed = -1\n': "seed=-1",
        'lab = "gan"\n[classroom]\nlock = ["zz"]\n': "classroom.lock='zz'",
        'lab = "gan"\nspeed = 3\n': "unknown entry 'speed'",
        "preset = \"x\"\n": "lab",
    }
    for text, expected in bad.items():
        with pytest.raises((SetupError, ConfigError)) as e:
            parse_setup(text)
        assert expected in str(e.value) and "\n" not in str(e.value), text


def _train_json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_cli_config_equals_the_flags_and_refuses_bad_files(tmp_path, capsys):
    path = tmp_path / "handout.toml"
    path.write_text(SETUP, encoding="utf-8")
    flags = ["--preset", "ring8-wgan-gp", "--seed", "3", "--set", "lr_g=0.0002", "--set", "batch_size=64"]
    for k, v in (("g_width", 16), ("d_width", 16), ("g_layers", 1), ("d_layers", 1), ("grid", 12),
                 ("show_samples", 64)):
        flags += ["--set", f"{k}={v}"]
    common = ["--steps", "25", "--device", "cpu", "--json"]
    by_config = _train_json(capsys, ["train", "--config", str(path), *common])  # no LAB: the setup names it
    by_flags = _train_json(capsys, ["train", "gan", *flags, *common])
    assert by_config["metrics"] == by_flags["metrics"] and by_config["steps"] == 25
    assert by_config["preset"] == "ring8-wgan-gp"

    bad = tmp_path / "bad.toml"
    cases = {
        'lab = "gan"\n[set]\nlr_g = 50.0\n': "lr_g=50.0: out of range; allowed: a number in [1e-06, 10.0]",
        'lab = "gan"\n[set]\nlr_q = 1\n': "lr_q=1: unknown key",
        "lab = [\n": "TOML",
    }
    for text, expected in cases.items():
        bad.write_text(text, encoding="utf-8")
        assert main(["train", "--config", str(bad), "--steps", "1"]) == 2
        err = capsys.readouterr().err.strip()
        assert expected in err and len(err.splitlines()) == 1, err
    assert main(["train", "--steps", "1"]) == 2  # neither LAB nor --config
    assert "required: lab" in capsys.readouterr().err
    assert main(["train", "lstm", "--config", str(path), "--steps", "1"]) == 2  # the setup is a GAN one
    assert "does not match" in capsys.readouterr().err
    assert main(["train", "--config", str(tmp_path / "missing.toml"), "--steps", "1"]) == 2
    assert "cannot read" in capsys.readouterr().err

    args = _parser().parse_args(["gui", "--config", str(path), "--set", "lr_d=0.0003"])  # the app's flags
    resolve_config(args)
    assert (args.lab, args.preset, args.seed) == ("gan", "ring8-wgan-gp", 3)
    assert args.set[0] == "lr_g=0.0002" and args.set[-1] == "lr_d=0.0003"  # the command line wins
    assert classroom() == {"lab": "gan", "hide": ["beta1", "beta2"], "lock": ["loss"]}  # the app will apply them
