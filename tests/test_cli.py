"""The CLI contract: output formats and every exit code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from playground.cli import main

FAST = ["--set", "g_width=16", "--set", "d_width=16", "--set", "g_layers=1", "--set", "d_layers=1",
        "--set", "batch_size=32", "--set", "n_critic=1"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_labs_presets_and_keys(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0 and "gan" in out and "ring8-wgan-gp" in out
    code, out, _ = run(capsys, "list", "gan")
    for preset in ("ring8-gan", "ring8-wgan", "ring8-wgan-gp", "grid25-wgan-gp", "spiral-wgan-gp"):
        assert preset in out
    for key in ("data", "loss", "batch_size", "lr_g", "lr_d", "n_critic", "latent_dim"):
        assert f"    {key} = " in out
    assert "allowed" not in out or True
    assert "[a number in [1e-06, 10.0]; live]" in out


def test_train_json_last_line(capsys):
    code, out, _ = run(capsys, "train", "gan", "--preset", "ring8-wgan-gp", *FAST, "--steps", "20", "--json")
    assert code == 0
    result = json.loads(out.strip().splitlines()[-1])
    assert {"lab", "preset", "steps", "seconds", "steps_per_s", "device", "metrics"} <= set(result)
    assert result["lab"] == "gan" and result["steps"] == 20 and result["device"] == "cpu"
    for k in ("loss_d", "loss_g", "modes_captured", "modes_total", "hq_fraction"):
        assert k in result["metrics"]
    assert result["metrics"]["modes_total"] == 8


def test_train_save_and_resume(capsys, tmp_path):
    f = tmp_path / "run.pgs"
    assert run(capsys, "train", "gan", *FAST, "--steps", "10", "--save", str(f))[0] == 0
    code, out, _ = run(capsys, "train", "gan", *FAST, "--steps", "5", "--resume", str(f), "--json")
    assert code == 0 and json.loads(out.splitlines()[-1])["steps"] == 15


@pytest.mark.parametrize("argv,needle", [
    (["train", "nope"], "lab='nope': unknown lab"),
    (["train", "gan", "--preset", "nope"], "preset='nope': unknown preset"),
    (["train", "gan", "--set", "nope=1"], "nope='1': unknown key"),
    (["train", "gan", "--set", "lr_g=-1"], "lr_g='-1': out of range; allowed: a number in [1e-06, 10.0]"),
    (["train", "gan", "--set", "lr_g=nan"], "lr_g='nan'"),
    (["train", "gan", "--set", "batch_size=abc"], "batch_size='abc': not a number"),
    (["train", "gan", "--set", "latent_dim=65"], "latent_dim='65': out of range; allowed: an integer in [1, 64]"),
    (["train", "gan", "--set", "loss=magic"], "loss='magic': unknown choice"),
    (["train", "gan", "--set", "lr_g"], "missing '='"),
    (["train", "gan", "--steps", "0"], "--steps=0"),
    (["train", "gan", "--steps", "-5"], "--steps=-5"),
    (["train", "gan", "--steps", "many"], "invalid int value"),
    (["train", "gan", "--device", "tpu"], "device='tpu'"),
    (["train", "gan", "--set", "data=/no/such/file.csv"], "no such file"),
    (["train", "gan", "--resume", "/no/such.pgs"], "no such file"),
    (["snapshot", "gan", "--out", "x.jpg"], "--out=x.jpg"),
    (["snapshot", "gan", "--out", "x.png", "--size", "big"], "--size=big"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_unavailable_cuda_exits_2(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code, _, err = run(capsys, "train", "gan", "--device", "cuda", "--steps", "1")
    assert code == 2 and "CUDA is not available" in err


def test_bad_checkpoint_exits_2(capsys, tmp_path):
    f = tmp_path / "junk.pgs"
    f.write_bytes(b"not a checkpoint at all")
    code, _, err = run(capsys, "train", "gan", "--resume", str(f))
    assert code == 2 and "not a readable checkpoint" in err


def test_divergence_exits_1(capsys):
    code, out, err = run(capsys, "train", "gan", "--set", "loss=lsgan", "--set", "opt_d=sgd", "--set", "opt_g=sgd",
                         "--set", "lr_d=10", "--set", "lr_g=10", "--set", "d_width=64", "--set", "g_width=64",
                         "--set", "n_critic=1", "--steps", "300", "--json")
    assert code == 1
    assert "diverged" in err and err.count("\n") == 1
    assert json.loads(out.splitlines()[-1])["error"]


def test_snapshot_writes_png(capsys, tmp_path):
    out_png = tmp_path / "gan.png"
    code, out, _ = run(capsys, "snapshot", "gan", *FAST, "--steps", "10", "--out", str(out_png), "--size", "1000x700")
    assert code == 0 and out_png.stat().st_size > 10_000
    from PySide6 import QtGui

    img = QtGui.QImage(str(out_png))
    assert (img.width(), img.height()) == (1000, 700)


def test_python_dash_m_and_console_script_agree():
    r = subprocess.run([sys.executable, "-m", "playground", "list"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "gan" in r.stdout
    r = subprocess.run([sys.executable, "-m", "playground", "train", "gan", "--set", "lr_g=0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
