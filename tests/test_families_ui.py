"""Drive the families lab like a user: play a race, pick a family's details, switch family, move the t slider."""

from __future__ import annotations

import numpy as np
import pytest

from playground.ui.main_window import MainWindow

SMALL = {"batch_size": 64, "gan_width": 16, "vae_width": 16, "flow_width": 16, "couplings": 2, "diff_width": 32,
         "diff_emb": 8, "T": 20, "sample_steps": 20, "n_critic": 2, "grid": 12, "show_samples": 64}


@pytest.fixture
def win(qtbot):
    w = MainWindow("families", "ring8-race", device="cpu", overrides=SMALL)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitUntil(lambda: w.runner.session is not None and w._last_snapshot is not None, timeout=120000)
    yield w
    w.close()


def _snap(w):
    return w._last_snapshot or {}


def test_play_race_fills_every_plane_and_the_race_plot(win, qtbot):
    v = win.view
    assert list(v.planes) == ["diffusion", "gan", "vae", "flow"]
    win.runner.play()
    qtbot.waitUntil(lambda: all(len(_snap(win).get("log", {}).get(f, ())) >= 2 for f in v.planes), timeout=60000)
    win.runner.pause()
    qtbot.waitUntil(lambda: not win.runner.playing, timeout=5000)
    v.flush_drawing()
    for f, p in v.planes.items():
        assert p.fake.data.size > 0 and f.capitalize()[:3].lower() in p.title.text.lower()
        # every heat-map has a labelled colour bar, whole inside its plane at 1366x768 (ticks included)
        bar = p.cbar.mapRectToScene(p.cbar.boundingRect())
        assert p.cbar.isVisible() and p.cbar.getAxis("left").labelText, f
        assert bar.width() > 30 and 0 <= bar.left() and bar.right() <= p.viewport().width() + 1, (f, bar)
    a, _ = v.race.curves["flow"]
    assert a.xData is not None and len(a.xData) >= 2
    assert "samples/s" in v.summary.text() and "Diffusion" in v.summary.text()
    v.detail_choice.setCurrentIndex(v.detail_choice.findData("flow"))
    assert v.detail_stack.currentWidget() is v.details["flow"]
    assert v.details["flow"].slider.maximum() == 2  # two couplings
    v.details["flow"].slider.setValue(0)
    assert "base" in v.details["flow"].label.text()


def test_switching_family_rebuilds_with_its_views(win, qtbot):
    with qtbot.waitSignal(win.runner.session_ready, timeout=10000):
        win.params._emit("race", "")
    with qtbot.waitSignal(win.runner.session_ready, timeout=10000):
        win.params._emit("family", "flow")
    qtbot.waitUntil(lambda: list(_snap(win).get("members", {})) == ["flow"], timeout=20000)
    v = win.view
    assert list(v.planes) == ["flow"] and v.detail_stack.currentWidget() is v.details["flow"]
    assert not v.detail_choice.isEnabled()


def test_t_slider_moves_the_diffusion_views_without_a_reset(win, qtbot):
    v = win.view
    session = win.runner.session
    d = v.details["diffusion"]
    with qtbot.waitSignal(win.runner.config_changed, timeout=5000):
        d.slider.setValue(80)
    assert win.runner.config.t_view == pytest.approx(0.8)
    qtbot.waitUntil(lambda: _snap(win)["members"]["diffusion"]["t"] == 16, timeout=20000)
    v.flush_drawing()
    assert "t = 16 of 20" in d.label.text() and win.runner.session is session
    noised = _snap(win)["members"]["diffusion"]["noised"]
    assert np.std(noised) > 0.5  # at t = 0.8 T the data is mostly noise


def test_race_plot_x_range_starts_at_zero_and_pads_a_lone_point(qtbot):
    from playground.labs.families.view.race import RacePanel

    race = RacePanel()
    qtbot.addWidget(race)
    race.set_families(["gan", "flow"])
    row = [[30.0, 2.5, 3.0, 0.2, 0.5]]  # step, seconds, modes, high quality, sliced W
    race.set_log({"gan": np.array(row), "flow": np.zeros((0, 5))}, mixture=True)
    for plot, x in ((race.by_step, 30.0), (race.by_time, 2.5)):
        lo, hi = plot.getPlotItem().getViewBox().viewRange()[0]
        assert lo == 0 and x * 1.1 <= hi <= x * 3, (lo, hi)
    race.set_log({"gan": np.array(row + [[400.0, 20.0, 8.0, 0.7, 0.1]])}, mixture=True)
    assert race.by_step.getPlotItem().getViewBox().viewRange()[0][1] >= 400
    race.clear()
    race.set_log({"gan": np.array([[10.0, 1.0, 1.0, 0.1, 0.9]])}, mixture=True)  # a new run starts over
    assert race.by_step.getPlotItem().getViewBox().viewRange()[0] == [0.0, 15.0]


def test_race_y_range_holds_while_scrubbing_and_a_same_frame_resets_nothing(qtbot, monkeypatch):
    import pyqtgraph as pg

    from playground.labs.families.view.race import RacePanel

    race = RacePanel()
    qtbot.addWidget(race)
    race.set_families(["gan"])
    log = np.array([[10.0 * i, 1.0 * i, i % 8, 0.1 + 0.05 * i, 1.0 / (i + 1)] for i in range(1, 13)])
    race.set_log({"gan": log}, mixture=True)  # the live end
    vb = race.by_step.getPlotItem().getViewBox()
    lo, hi = vb.viewRange()[1]
    assert lo <= log[:, 3].min() and log[:, 3].max() <= hi  # the whole curve is visible
    calls = []
    for cls, name in ((pg.ViewBox, "setRange"), (pg.PlotItem, "setLabel"), (pg.PlotItem, "setTitle")):
        monkeypatch.setattr(cls, name, lambda *a, _f=getattr(cls, name), _n=name, **k: (calls.append(_n), _f(*a, **k)))
    race.set_log({"gan": log[:3]}, mixture=True)  # scrubbed back: inside the held bounds, nothing re-laid out
    race.set_log({"gan": log}, mixture=True)  # and forward again
    assert calls == [] and vb.viewRange()[1] == [lo, hi]
    race.choice.setCurrentIndex(race.choice.findData("swd"))  # another metric: fitted afresh, every point shown
    lo, hi = vb.viewRange()[1]
    assert lo <= log[:, 4].min() and log[:, 4].max() <= hi < 2
    vb.setYRange(0.2, 0.3, padding=0)  # the user's zoom is kept
    race.set_log({"gan": log}, mixture=True)
    assert vb.viewRange()[1] == [0.2, 0.3]
