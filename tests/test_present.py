"""Presentation mode, themes, zoom and Help ▸ Keyboard shortcuts, driven like a user: keys and menu actions."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from playground.ui import shortcuts, theme
from playground.ui.main_window import MainWindow

SMALL = {"g_width": 32, "d_width": 32, "g_layers": 2, "d_layers": 2, "batch_size": 64, "n_critic": 2, "grid": 24,
         "show_samples": 128}
Qt = QtCore.Qt


@pytest.fixture
def settings(tmp_path):
    """QSettings in a temporary folder (nothing read from or written to the user's settings); the theme
    and zoom are back to light and 1.0 afterwards."""
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)
    QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, str(tmp_path))
    yield tmp_path
    theme.set_theme("light", save=False)
    theme.set_zoom(1.0, save=False)
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)  # as the app and tests/conftest.py have it


def _window(qtbot, *, start=True, lab="gan"):
    w = MainWindow(lab, "ring8-wgan-gp" if lab == "gan" else None, device="cpu", overrides=SMALL if lab == "gan"
                   else None, start=start)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # window shortcuts go to the active window
    qtbot.waitUntil(w.isActiveWindow, timeout=5000)
    if start:
        qtbot.waitUntil(lambda: w.runner.session is not None and w._last_snapshot is not None, timeout=60000)
    return w


def _geometry(w: MainWindow) -> dict:
    w.banner.setVisible(False)  # notices come and go above the view
    return {k: (p.mapTo(w, QtCore.QPoint(0, 0)), p.size()) if p.isVisible() else "hidden"
            for k, p in w.view.panels().items()}


def _key(qtbot, w, key, mod=Qt.NoModifier):
    qtbot.keyClick(w, key, mod)
    QtWidgets.QApplication.processEvents()


def test_presentation_mode_keys_and_leaving_restores_everything(qtbot, settings, settled_step):
    w = _window(qtbot)
    pres = w.presentation
    dock = w.findChild(QtWidgets.QDockWidget, "controls")
    toolbar = w.findChildren(QtWidgets.QToolBar)[0]
    qtbot.waitUntil(lambda: w.view.isVisible())
    before = _geometry(w)
    _key(qtbot, w, Qt.Key_F5)
    assert pres.active and pres.bar.isVisible()
    assert not dock.isVisible() and not w.menuBar().isVisible() and not toolbar.isVisible()
    assert theme.zoom() > 1.0

    with qtbot.waitSignal(w.runner.playing_changed, timeout=10000) as sig:  # Space plays, Space pauses
        _key(qtbot, w, Qt.Key_Space)
    assert sig.args == [True]
    with qtbot.waitSignal(w.runner.playing_changed, timeout=10000) as sig:
        _key(qtbot, w, Qt.Key_Space)
    assert sig.args == [False]
    s0 = settled_step(w.runner)
    _key(qtbot, w, Qt.Key_Right)  # → one step
    qtbot.waitUntil(lambda: w.runner.session.step_count == s0 + 1, timeout=10000)
    _key(qtbot, w, Qt.Key_R)  # R resets
    qtbot.waitUntil(lambda: w.runner.session is not None and settled_step(w.runner) == 0, timeout=20000)

    _key(qtbot, w, Qt.Key_Minus)  # − slower, + faster: the speed combo
    assert w.speed_combo.currentIndex() == 1
    _key(qtbot, w, Qt.Key_Minus)
    _key(qtbot, w, Qt.Key_Plus)
    assert w.speed_combo.currentIndex() == 1
    assert "1000 steps/s" in pres.bar.state.text()

    names = list(w.view.panels())
    assert len(names) >= 2
    _key(qtbot, w, Qt.Key_Tab)  # Tab: the first panel alone
    assert pres.spotlight.name == names[0] and _alone(w, names[0])
    _key(qtbot, w, Qt.Key_Tab)
    assert pres.spotlight.name == names[1] and _alone(w, names[1])
    _key(qtbot, w, Qt.Key_Backtab, Qt.ShiftModifier)
    assert pres.spotlight.name == names[0]

    shown = w.timeline.isVisible()
    _key(qtbot, w, Qt.Key_T)  # T: the timeline row hides and comes back
    assert w.timeline.isVisible() != shown
    _key(qtbot, w, Qt.Key_T)
    assert w.timeline.isVisible() == shown

    spec_presets = list(w.spec.presets)
    _key(qtbot, w, Qt.Key_2)  # 2: the lab's second preset
    assert w.preset_combo.currentText() == spec_presets[1]
    assert w.view.config == w.spec.make_config(spec_presets[1])  # shown now; the worker restarts with it

    _key(qtbot, w, Qt.Key_Escape)  # Esc leaves: bars, dock, zoom and the exact layout come back
    assert not pres.active and not pres.bar.isVisible()
    assert dock.isVisible() and w.menuBar().isVisible() and toolbar.isVisible() and w.statusBar().isVisible()
    assert theme.zoom() == pytest.approx(1.0)
    try:
        qtbot.waitUntil(lambda: _geometry(w) == before, timeout=5000)
    except Exception:
        assert _geometry(w) == before
    _key(qtbot, w, Qt.Key_R)  # presentation keys are off again: R is no reset outside it
    assert not pres.actions["Reset training"].isEnabled()
    w.close()


def _alone(w, name) -> bool:
    """``name`` is shown, and no other panel but those inside it or around it."""
    panels = w.view.named_panels()
    me = panels[name]
    others = [n for n, p in panels.items() if n != name and p.isVisible() and not p.isAncestorOf(me)
              and not me.isAncestorOf(p)]
    return me.isVisible() and not others


def test_spotlight_from_the_view_menu_restores_the_exact_layout(qtbot, settings):
    w = _window(qtbot, start=False, lab="lstm")
    qtbot.waitUntil(lambda: w.view.isVisible())
    before = _geometry(w)
    for name in w.view.panels():
        w.presentation.spotlight.set(name)
        assert _alone(w, name), name
    w.presentation.spotlight.set(None)
    qtbot.waitUntil(lambda: _geometry(w) == before, timeout=5000)
    w.presentation._fill_spot_menu()
    assert len(w.presentation.spot_menu.actions()) == len(before) + 1


def _pixels(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QtGui.QImage.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8)
    rows = arr.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3]
    return rows.reshape(img.height(), img.width(), 3).copy()  # a copy: the image's buffer dies with it


def _plots(w):
    return [v for v in w.findChildren(pg.GraphicsView) if v.isVisible() and v.width() > 40]


def test_theme_switch_leaves_no_plot_in_the_old_colours(qtbot, settings):
    w = _window(qtbot, start=False)
    views = _plots(w)
    assert len(views) >= 4
    curve = w.view.loss_curves.items["loss_d"]
    light_pen = QtGui.QColor(curve.opts["pen"].color())
    for name, bg in (("dark", "#1e1f22"), ("contrast", "#000000"), ("light", "#ffffff")):
        w.theme_actions[name].trigger()
        QtWidgets.QApplication.processEvents()
        want = np.array(QtGui.QColor(bg).getRgb()[:3])
        for v in _plots(w):  # every plot's background, sampled at its corners
            px = _pixels(v)
            corners = np.array([px[2, 2], px[2, -3], px[-3, 2], px[-3, -3]]).astype(int)
            assert (np.abs(corners - want).max(axis=1) <= 3).sum() >= 2, (name, type(v).__name__, corners)
        if name != "light":
            whole = _pixels(w.view).reshape(-1, 3)
            white = (whole.min(axis=1) >= 245).mean()
            assert white < 0.02, f"{name}: {white:.1%} of the view is still white"
            assert curve.opts["pen"].color() != light_pen
            axis = views[0].getPlotItem().getAxis("left") if hasattr(views[0], "getPlotItem") else None
            if axis is not None:
                assert axis.pen().color().lightness() > 150
            icon = w.play_act.icon().pixmap(16, 16).toImage()  # the transport's glyphs are drawn light
            lit = [QtGui.QColor(icon.pixel(x, y)).lightness() for x in range(16) for y in range(16)
                   if QtGui.QColor.fromRgba(icon.pixel(x, y)).alpha() > 128]
            assert lit and sorted(lit)[len(lit) // 2] > 150, name  # (edges are blended)
    assert curve.opts["pen"].color() == light_pen  # back to the original look
    img = w.view.plane.heat if hasattr(w.view.plane, "heat") else None
    if img is not None and img.getColorMap() is not None:
        assert img.getColorMap().name == "CET-D1A"


def test_zoom_scales_fonts_and_pens_and_theme_and_zoom_persist(qtbot, settings):
    w = _window(qtbot, start=False)
    curve = w.view.loss_curves.items["loss_d"]
    axis = w.view.loss_curves.plot.getPlotItem().getAxis("bottom")
    width0 = curve.opts["pen"].widthF()
    _key(qtbot, w, Qt.Key_Equal, Qt.ControlModifier)  # Ctrl+= zooms in
    z = theme.zoom()
    assert z > 1.0
    assert axis.style["tickFont"] is not None
    assert axis.style["tickFont"].pointSizeF() == pytest.approx(theme.base_point_size() * z, rel=0.02)
    assert curve.opts["pen"].widthF() == pytest.approx(width0 * z, rel=0.02)
    _key(qtbot, w, Qt.Key_Minus, Qt.ControlModifier)
    assert theme.zoom() == pytest.approx(1.0)
    _key(qtbot, w, Qt.Key_Equal, Qt.ControlModifier)
    _key(qtbot, w, Qt.Key_Equal, Qt.ControlModifier)
    w.theme_actions["dark"].trigger()
    z = theme.zoom()
    w.close()
    theme.set_theme("light", save=False)  # forget the live state: the new window must read the settings
    theme.set_zoom(1.0, save=False)
    w2 = _window(qtbot, start=False)
    assert theme.current().name == "dark" and theme.zoom() == pytest.approx(z)
    assert w2.theme_actions["dark"].isChecked()
    axis2 = w2.view.loss_curves.plot.getPlotItem().getAxis("bottom")
    qtbot.waitUntil(lambda: axis2.style["tickFont"] is not None, timeout=3000)
    assert axis2.style["tickFont"].pointSizeF() == pytest.approx(theme.base_point_size() * z, rel=0.02)
    assert QtWidgets.QApplication.palette().window().color().lightness() < 80
    _key(qtbot, w2, Qt.Key_0, Qt.ControlModifier)
    assert theme.zoom() == 1.0 and axis2.style["tickFont"] is None and curve is not None


def test_keyboard_shortcuts_dialog_lists_every_key_even_new_ones(qtbot, settings):
    w = _window(qtbot, start=False)
    extra = QtGui.QAction("Do a new thing", w)
    extra.setShortcut(QtGui.QKeySequence("Ctrl+Shift+J"))
    w.addAction(extra)
    groups = shortcuts.collect(w)
    flat = {what: keys for rows in groups.values() for what, keys in rows}
    assert "Play / pause training" in flat and "Space" in flat["Play / pause training"]
    assert "Presentation mode" in flat and "F5" in flat["Presentation mode"]
    assert "Tab" in flat["Spotlight the next panel"] and "Esc" in flat["Leave presentation mode"]
    assert any(k.startswith("Ctrl+=") for k in [flat.get("Zoom in", "")])
    assert "Ctrl+Shift+J" in flat["Do a new thing"]
    assert "Presentation" in groups and "Transport" in groups
    w.shortcuts_act.trigger()
    dlg = w.shortcuts_dialog
    assert dlg.isVisible() and dlg.tree.topLevelItemCount() == len(groups)
    dlg.close()
