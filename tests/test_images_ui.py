"""Drive the image lab like a user: draw a digit on the canvas, open a bad folder, then a good one."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6 import QtCore, QtGui, QtWidgets

from playground.labs.images import classifier as clf_mod
from playground.ui.main_window import MainWindow

SMALL = {"size": 16, "g_width": 8, "d_width": 8, "vae_width": 8, "batch_size": 16, "z_dim": 8, "compare": True}


@pytest.fixture
def win(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(clf_mod, "EPOCHS", 1)  # this test's own cache: a quick classifier is enough
    w = MainWindow("images", "digits-dcgan", device="cpu", overrides=SMALL)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitUntil(lambda: w.runner.session is not None and w._last_snapshot is not None, timeout=240000)
    yield w
    w.close()


def _finish(w):
    """Stop training before pytest-qt closes the window: a full snapshot (500 samples through the classifier)
    can take seconds on a busy machine, longer than the window's close allows."""
    assert w.runner.stop(120000)


def _mouse(widget, kind, x, y, buttons):
    pos = QtCore.QPointF(x, y)
    button = QtCore.Qt.LeftButton if kind != QtCore.QEvent.MouseMove else QtCore.Qt.NoButton
    ev = QtGui.QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, QtCore.Qt.NoModifier)
    QtWidgets.QApplication.sendEvent(widget, ev)


def test_drawing_a_digit_is_judged_by_every_model(win, qtbot):
    canvas = win.view.draw.canvas
    held, none = QtCore.Qt.LeftButton, QtCore.Qt.NoButton
    _mouse(canvas, QtCore.QEvent.MouseButtonPress, 40, 20, held)
    for y in range(20, 100, 8):  # a vertical stroke: a "1"
        _mouse(canvas, QtCore.QEvent.MouseMove, 42, y, held)
    _mouse(canvas, QtCore.QEvent.MouseButtonRelease, 42, 100, none)
    assert canvas.image.max() == 1.0 and canvas.image.sum() > 5
    qtbot.waitUntil(lambda: win.runner.session.drawn is not None, timeout=20000)
    win.step_act.trigger()  # a fresh full snapshot carries the verdicts
    qtbot.waitUntil(lambda: (win._last_snapshot.get("drawn") or {}).get("code") is not None, timeout=20000)
    win.view.flush_drawing()
    assert np.allclose(win.runner.session.drawn, canvas.image)
    x, _ = win.view.latent.marker.getData()
    assert len(x) == 1  # the drawing's code is a star in the scatter
    assert "classifier" in win.view.draw.verdict.text() and "P(real)" in win.view.draw.verdict.text()
    assert win.view.draw.recon.count == 1
    win.view.draw.clear_btn.click()
    qtbot.waitUntil(lambda: win.runner.session.drawn is None, timeout=20000)
    _finish(win)


def test_a_bad_folder_changes_nothing_and_a_good_one_retrains(win, qtbot, tmp_path):
    session = win.runner.session
    said: list[str] = []
    win.view.message.connect(said.append)
    assert not win.view.open_folder(str(tmp_path / "missing"))
    assert "Could not use that folder" in said[-1] and "no such folder" in said[-1]
    assert win.last_banner[1] == said[-1]  # shown to the user
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not win.view.open_folder(str(empty))
    assert "empty" in said[-1]
    qtbot.wait(300)
    assert win.runner.session is session and session.config.data == "digits"
    good = tmp_path / "good"
    good.mkdir()
    rng = np.random.default_rng(0)
    for i in range(20):
        Image.fromarray(rng.integers(0, 255, (24, 24), dtype=np.uint8)).save(good / f"{i}.png")
    (good / "broken.png").write_bytes(b"nope")
    with qtbot.waitSignal(win.runner.session_ready, timeout=60000):
        assert win.view.open_folder(str(good))
    assert "Training on 20 pictures" in said[-1] and "skipped 1 unreadable file" in said[-1]
    qtbot.waitUntil(lambda: win.runner.session.config.data == str(good), timeout=20000)
    win.runner.play()  # the quality numbers come in slices over a few full snapshots
    qtbot.waitUntil(lambda: "precision" in ((win._last_snapshot or {}).get("quality") or {}).get("gan", {}),
                    timeout=120000)
    win.runner.pause()
    _finish(win)
