"""Tabular sessions: determinism, save/resume, sampling that leaves training untouched, the CLI."""

from __future__ import annotations

import csv
import json

import pytest
import torch

from playground.cli import main
from playground.core.checkpoint import load_state, save_session
from playground.core.registry import get_lab

TINY = {"ctgan": {"synth": "ctgan", "g_width": 32, "d_width": 32, "z_dim": 16, "batch_size": 40, "pac": 10,
                  "g_ema": 0.9},  # rows sampled from the averaged generator (saved and resumed with the rest)
        # the penguins-ctgan preset's options: quantile encoding, real rows' categories as conditions, α x4 for
        # the critic, learning rates annealed over 6 steps (so a resume at step 4 must pick the schedule up)
        "ctgan_preset": {"synth": "ctgan", "g_width": 32, "d_width": 32, "z_dim": 16, "batch_size": 40, "pac": 2,
                         "g_ema": 0.9, "encoding": "quantile", "cond_on": "rows", "alpha_scale": 4.0,
                         "lr_decay_steps": 6},
        "tvae": {"synth": "tvae", "latent": 8, "vae_width": 32, "batch_size": 40},
        "copula": {"synth": "copula"}}


def make(synth, seed=0):
    spec = get_lab("tabular")
    return spec.make_session(spec.make_config(None, TINY[synth]), device="cpu", seed=seed)


@pytest.mark.parametrize("synth", ["ctgan", "tvae"])
def test_same_seed_same_run_and_views_do_not_change_training(synth):
    a, b = make(synth), make(synth)
    a.step(3)
    a.snapshot()  # sampling for the views uses its own random stream
    a.step(3)
    b.step(6)
    for (k, ma), mb in zip(a.modules().items(), b.modules().values()):
        for pa, pb in zip(ma.state_dict().values(), mb.state_dict().values()):
            assert torch.equal(pa, pb), k
    assert a.metrics()["column_shapes"] == b.metrics()["column_shapes"]
    if synth == "ctgan":  # the average trails the trained weights
        w, w_ema = a.G.out.weight, a.modules()["G_ema"].out.weight
        assert not torch.equal(w, w_ema) and not w_ema.requires_grad


@pytest.mark.parametrize("synth", ["ctgan", "ctgan_preset", "tvae"])
def test_save_and_resume_continue_exactly(synth, tmp_path):
    a = make(synth)
    a.step(4)
    save_session(a, tmp_path / "s.pgs")
    a.step(4)
    b = make(synth, seed=5)
    b.load_state_dict(load_state(tmp_path / "s.pgs", lab="tabular"))
    b.step(4)
    for ma, mb in zip(a.modules().values(), b.modules().values()):
        for pa, pb in zip(ma.state_dict().values(), mb.state_dict().values()):
            assert torch.equal(pa, pb)


def test_ctgan_options_condition_on_real_rows_and_anneal_the_learning_rates():
    s = make("ctgan_preset")
    cond, col, cat, rows = s.sampler.sample(50, torch.Generator().manual_seed(0))
    assert col.shape == cat.shape == (50, 4)  # species, island, sex, year: all at once
    for q, span in enumerate(s.encoder.discrete):  # each row's categories, one-hot in the conditional vector
        assert torch.equal(s.x[rows][:, span.sl].argmax(1), cat[:, q])
    assert torch.equal(cond.sum(1), torch.full((50,), 4.0))
    assert s.encoder.normalizers["body_mass_g"].n_modes == 1  # quantile encoding
    lrs = []
    for _ in range(8):
        s.step(1)
        lrs.append(s.opts["G"].param_groups[0]["lr"])
    assert lrs[0] == pytest.approx(s.config.lr_g) and lrs[3] < lrs[1] and lrs[-1] == 0.0
    spec = get_lab("tabular")
    odd = spec.make_session(spec.make_config(None, {**TINY["ctgan"], "cond_on": "bill_length_mm"}), device="cpu")
    assert odd.sampler.only is None and any("cond_on=bill_length_mm" in n for n in odd.notes)  # numeric: said so
    sp = spec.make_session(spec.make_config(None, {**TINY["ctgan"], "cond_on": "auto"}), device="cpu")
    assert s.encoder.discrete[sp.sampler.only].column == "species"


def test_snapshot_has_every_view(tmp_path):
    s = make("tvae")
    s.step(2)
    snap = s.snapshot()
    for key in ("marginals", "assoc_real", "assoc_synth", "assoc_diff", "scatter", "privacy", "usefulness",
                "metrics", "column_info"):
        assert key in snap
    scores = [m["score"] for m in snap["marginals"]]
    assert scores == sorted(scores)  # worst-matching first
    assert snap["assoc_real"].shape == (8, 8)
    assert isinstance(snap["metrics"]["exact_copies"], int)


def test_cli_train_json_and_sample(capsys, tmp_path):
    ck = tmp_path / "run.pgs"
    code = main(["train", "tabular", "--set", "synth=copula", "--steps", "2", "--json", "--save", str(ck)])
    assert code == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    m = res["metrics"]
    for k in ("column_shapes", "pair_trends", "quality", "dcr_ratio", "exact_copies", "tstr_score", "trtr_score"):
        assert k in m
    assert isinstance(m["exact_copies"], int) and 0.5 < m["column_shapes"] <= 1
    out = tmp_path / "synth.csv"
    assert main(["sample", "tabular", "--resume", str(ck), "--rows", "123", "--out", str(out)]) == 0
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g",
                       "sex", "year"] and len(rows) == 124


@pytest.mark.parametrize("argv, needle", [
    (["train", "tabular", "--set", "data=/no/such/table.csv"], "no such file"),
    (["train", "tabular", "--set", "exclude=nope"], "no column 'nope'"),
    (["train", "tabular", "--set", "batch_size=55"], "a multiple of pac=10"),
    (["sample", "tabular", "--resume", "/no/such.pgs", "--out", "x.csv"], "no such file"),
])
def test_cli_bad_input_exits_2_with_one_line(capsys, argv, needle):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and needle in err and err.count("\n") == 1


def test_cli_bad_csv_exits_2(capsys, tmp_path):
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b\n" + "1,x\n" * 30 + "1,2,3\n")
    assert main(["train", "tabular", "--set", f"data={bad}", "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert "line 32 has 3 fields" in err and err.count("\n") == 1
