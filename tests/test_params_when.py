"""Task-aware parameters: each lab declares which keys apply to which task (or loss, cell, compare mode);
the parameter panel hides the others and re-evaluates at once when the key they depend on changes;
`playground list` says when each key applies; validation still accepts any value."""

from __future__ import annotations

import pytest

from playground.cli import main
from playground.core.config import param_info, params, validate
from playground.core.registry import get_lab


def _applying(lab: str, **values) -> set[str]:
    spec = get_lab(lab)
    cfg = validate(spec.config_cls, values)
    return {p.name for p in params(spec.config_cls) if p.applies(cfg)}


def test_lstm_keys_follow_the_task():
    keys = ("waves", "noise", "copy_len", "vocab", "max_depth", "text", "temperature", "top_k", "prompt",
            "gen_len")
    want = {"sine": {"waves", "noise"}, "adding": set(), "copy": {"copy_len", "vocab"},
            "parentheses": {"max_depth"}, "charlm": {"text", "temperature", "top_k", "prompt", "gen_len"}}
    for task, expected in want.items():
        on = _applying("lstm", task=task)
        assert {k for k in keys if k in on} == expected, task
        assert {"seq_len", "hidden_size", "lr", "batch_size", "clip", "task"} <= on
    assert "forget_bias" not in _applying("lstm", cell="rnn")
    assert "cell_b" not in _applying("lstm") and "cell_b" in _applying("lstm", compare=True)
    assert "forget_bias_b" in _applying("lstm", compare=True, cell_b="gru")
    assert "forget_bias_b" not in _applying("lstm", compare=True, cell_b="rnn")


def test_transformer_keys_follow_the_task():
    assert "text" not in _applying("transformer", task="reverse")
    assert "text" in _applying("transformer", task="charlm")
    assert "arch" not in _applying("transformer", task="charlm")
    assert "vocab" in _applying("transformer", task="sort") and "vocab" not in _applying("transformer", task="addition")
    assert "seq_len" not in _applying("transformer", task="translate")
    assert "compare_value" in _applying("transformer", compare="n_heads", compare_value="2")
    assert "compare_value" not in _applying("transformer")


def test_gan_keys_follow_the_loss():
    assert "clip" in _applying("gan", loss="wgan") and "gp_weight" not in _applying("gan", loss="wgan")
    assert "gp_weight" in _applying("gan", loss="wgan-gp") and "clip" not in _applying("gan", loss="wgan-gp")
    on = _applying("gan", loss="minimax")
    assert "clip" not in on and "gp_weight" not in on and "n_critic" in on


def test_validation_accepts_keys_that_do_not_apply():
    cfg = validate(get_lab("lstm").config_cls, {"task": "adding", "waves": "5", "copy_len": 3, "prompt": "x"})
    assert cfg.waves == 5 and cfg.copy_len == 3
    cfg = validate(get_lab("gan").config_cls, {"loss": "minimax", "clip": "0.5", "gp_weight": 10})
    assert cfg.clip == 0.5 and cfg.gp_weight == 10
    assert param_info(get_lab("lstm").config_cls, "waves").when_text() == "task: sine"


def test_list_shows_when_each_key_applies(capsys):
    assert main(["list", "lstm"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("waves = "))
    assert "(task: sine)" in line
    line = next(x for x in out.splitlines() if x.strip().startswith("hidden_size = "))
    assert "(" not in line.split("[")[0]
    assert main(["list", "gan"]) == 0
    out = capsys.readouterr().out
    assert "(loss: wgan)" in next(x for x in out.splitlines() if x.strip().startswith("clip = "))
    assert "(loss: wgan-gp)" in next(x for x in out.splitlines() if x.strip().startswith("gp_weight = "))


@pytest.fixture
def panel(qtbot):
    from playground.ui.params import ParamPanel

    p = ParamPanel()
    qtbot.addWidget(p)
    p.resize(300, 700)
    p.show()
    return p


def _visible(panel, key: str) -> bool:
    form, label = panel.rows[key]
    return form.isRowVisible(label)


def test_panel_hides_keys_that_do_not_apply_and_follows_the_task(panel, qtbot):
    spec = get_lab("lstm")
    panel.build(spec.config_cls, spec.make_config("adding"))
    for key in ("waves", "noise", "copy_len", "vocab", "max_depth", "text", "prompt"):
        assert not _visible(panel, key), key
    assert _visible(panel, "seq_len") and _visible(panel, "hidden_size")
    assert not panel.boxes["Sampling"].isVisibleTo(panel)  # a group with nothing that applies is hidden
    emitted = []
    panel.changed.connect(emitted.append)
    box = panel.widgets["task"]
    box.setCurrentText("sine")
    box.activated.emit(box.currentIndex())  # the user picks "sine": re-evaluated at once, before any reset
    assert emitted == [{"task": "sine"}]
    assert _visible(panel, "waves") and _visible(panel, "noise") and not _visible(panel, "copy_len")
    panel.set_config(spec.make_config("charlm"))  # the shell shows the config after the reset
    assert _visible(panel, "text") and _visible(panel, "prompt") and not _visible(panel, "waves")
    assert panel.boxes["Sampling"].isVisibleTo(panel)


def test_panel_gan_clip_and_gp_weight_follow_the_loss(panel):
    spec = get_lab("gan")
    panel.build(spec.config_cls, spec.make_config("ring8-wgan-gp"))
    assert _visible(panel, "gp_weight") and not _visible(panel, "clip")
    panel.set_config(spec.make_config("ring8-wgan"))
    assert _visible(panel, "clip") and not _visible(panel, "gp_weight")
    assert "Only used when loss: wgan" in panel.widgets["clip"].toolTip()
