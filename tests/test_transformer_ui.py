"""Drive the Transformer lab through the main window like a user: play, pick a head, switch it off and see
the accuracy change, type into the probe and inference boxes (bad input gives a clear message), change a
live key, close."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from playground.ui.main_window import MainWindow

SMALL = {"d_model": 32, "n_heads": 4, "n_layers": 2, "d_ff": 64, "seq_len": 6, "vocab": 6, "batch_size": 64,
         "eval_size": 64}


@pytest.fixture
def win(qtbot):
    w = MainWindow("transformer", "reverse", device="cpu", overrides=SMALL)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitUntil(lambda: w.runner.session is not None and w._last_snapshot is not None, timeout=20000)
    yield w
    w.close()


def _snap(w):
    return w._last_snapshot or {}


def _seq_acc(w):
    return _snap(w).get("metrics", {}).get("sequence_accuracy", 0.0)


def test_train_ablate_and_infer_through_the_window(win, qtbot):
    view = win.view
    assert type(view).__name__ == "TransformerView"
    win.play_act.trigger()
    qtbot.waitUntil(lambda: _seq_acc(win) >= 0.9, timeout=90000)
    win.play_act.trigger()
    qtbot.waitUntil(lambda: _snap(win).get("playing") is False, timeout=3000)
    # live snapshots re-evaluate the held-out set at most once a second: force a fresh evaluation
    win._last_snapshot = None
    win.runner.command("reset_heads", {})
    qtbot.waitUntil(lambda: bool(_snap(win)), timeout=5000)
    before = _seq_acc(win)
    step = _snap(win)["step"]
    assert before >= 0.9 and step > 0
    # the cross-attention grid shows the probe; pick a head and zoom into it
    panel = view.attention
    assert panel.kind == "cross" and panel.grid.shape == (2, 4)
    panel.grid.cell_clicked.emit(1, 0, 0, 0)
    assert panel.stack.currentIndex() == 1 and "layer 2, head 1" in panel.zoom_title.text()
    # switch off every cross-attention head of the last layer from the zoomed page
    for head in range(4):
        panel.zoom_into(1, head)
        panel.off_box.setChecked(True)
    qtbot.waitUntil(lambda: len(_snap(win).get("ablated", [])) == 4, timeout=5000)
    after = _seq_acc(win)
    assert after < before, (before, after)
    assert _snap(win)["step"] == step  # ablation does not train
    view.reset_heads.click()
    qtbot.waitUntil(lambda: _snap(win).get("ablated") == [], timeout=5000)
    assert _seq_acc(win) == before
    # the probe box: a bad probe is refused with a message in the window's banner
    view.probe_edit.setText("0 1 2 9 9 9")
    qtbot.keyClick(view.probe_edit, QtCore.Qt.Key_Return)
    assert win.last_banner[1].startswith("unknown symbol '9'")
    view.probe_edit.setText("0 1 2 3 4 5")
    qtbot.keyClick(view.probe_edit, QtCore.Qt.Key_Return)
    qtbot.waitUntil(lambda: _snap(win).get("probe", {}).get("src") == list("012345"), timeout=5000)
    # the inference box: empty, unknown symbols and too long give clear messages; a good source decodes
    view.tabs.setCurrentWidget(view.inference)
    inf = view.inference
    for text, msg in (("", "the input is empty"), ("01x345", "unknown symbol 'X'"),
                      ("0123450", "the input is too long: 7 symbols, at most 6")):
        inf.edit.setText(text)
        qtbot.keyClick(inf.edit, QtCore.Qt.Key_Return)
        assert msg in win.last_banner[1] and msg in inf.error.text()
    inf.edit.setText("543210")
    inf.temp.setValue(0.0)  # a live key: changes the config without a reset
    qtbot.waitUntil(lambda: win.runner.config.temperature == 0.0, timeout=5000)
    qtbot.keyClick(inf.edit, QtCore.Qt.Key_Return)
    qtbot.waitUntil(lambda: (_snap(win).get("inference") or {}).get("source") == "543210", timeout=5000)
    qtbot.waitUntil(lambda: "543210" in inf.output.text(), timeout=5000)
    assert inf.steps.count() >= 1
    assert win.runner.session.step_count == step  # still paused: nothing trained meanwhile


def test_a_session_side_refusal_is_a_notice_not_a_crash(win, qtbot):
    win.runner.command("set_probe", {"text": ""})
    qtbot.waitUntil(lambda: getattr(win, "last_banner", ("", ""))[1].startswith("the input is empty"),
                    timeout=5000)
    assert win.last_banner[0] == "info" and win.runner.session is not None


def test_changing_a_structural_key_rebuilds_and_keeps_the_probe(win, qtbot):
    win.runner.command("set_probe", {"text": "5 5 4 4 3 3"})
    qtbot.waitUntil(lambda: _snap(win).get("probe", {}).get("src") == list("554433"), timeout=5000)
    with qtbot.waitSignal(win.runner.session_ready, timeout=10000):
        win._on_param_changed({"n_heads": 2})
    qtbot.waitUntil(lambda: _snap(win).get("n_heads") == 2, timeout=10000)
    assert _snap(win)["probe"]["src"] == list("554433")
    qtbot.waitUntil(lambda: win.view.attention.grid.shape == (2, 2), timeout=5000)  # drawn in its own turn
