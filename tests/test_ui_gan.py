"""Drive the main window like a user: play, pause, step, reset, change parameters, draw, close."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6 import QtCore

from playground.ui.main_window import MainWindow

SMALL = {"g_width": 32, "d_width": 32, "g_layers": 2, "d_layers": 2, "batch_size": 64, "n_critic": 2, "grid": 24,
         "show_samples": 128}


@pytest.fixture
def win(qtbot):
    w = MainWindow("gan", "ring8-wgan-gp", device="cpu", overrides=SMALL)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitUntil(lambda: w.runner.session is not None and w._last_snapshot is not None, timeout=20000)
    yield w
    w.close()


def _step(w):
    return w._last_snapshot["step"] if w._last_snapshot else 0


def _loss_points(w):
    x = w.view.loss_curves.items["loss_d"].xData
    return 0 if x is None else len(x)


def test_play_grows_the_loss_plot_and_pause_stops(win, qtbot):
    # Play and Pause answer at once (the signal is emitted before trigger() returns); how fast the
    # first trained frame shows is measured by `playground bench` (play_latency_ms), not asserted here
    with qtbot.waitSignal(win.runner.playing_changed, timeout=10000) as sig:
        win.play_act.trigger()
    assert sig.args == [True]
    assert win.play_act.text() == "Pause"
    qtbot.waitUntil(lambda: _loss_points(win) > 20, timeout=60000)
    with qtbot.waitSignal(win.runner.playing_changed, timeout=10000):
        win.play_act.trigger()
    qtbot.waitUntil(lambda: win._last_snapshot["playing"] is False, timeout=2000)
    stopped = win.runner.session.step_count
    qtbot.wait(200)
    assert win.runner.session.step_count == stopped
    assert "step" in win.status_step.text() and win.status_device.text().startswith("CPU")


def test_step_key_and_button_do_exactly_one_step(win, qtbot):
    s0 = _step(win)
    qtbot.keyClick(win, QtCore.Qt.Key_Right)
    qtbot.waitUntil(lambda: _step(win) == s0 + 1, timeout=3000)
    qtbot.keyClick(win, QtCore.Qt.Key_Period)
    qtbot.waitUntil(lambda: _step(win) == s0 + 2, timeout=3000)
    win.step_act.trigger()
    qtbot.waitUntil(lambda: _step(win) == s0 + 3, timeout=3000)
    assert not win.runner.playing


def test_space_toggles_and_ctrl_r_resets(win, qtbot):
    with qtbot.waitSignal(win.runner.playing_changed, timeout=1000):
        qtbot.keyClick(win, QtCore.Qt.Key_Space)
    qtbot.waitUntil(lambda: _step(win) > 5, timeout=20000)
    with qtbot.waitSignal(win.runner.session_ready, timeout=5000):
        qtbot.keyClick(win, QtCore.Qt.Key_R, QtCore.Qt.ControlModifier)
    qtbot.keyClick(win, QtCore.Qt.Key_Space)
    qtbot.waitUntil(lambda: not win.runner.playing, timeout=2000)
    assert win.runner.session.step_count < 50


def test_learning_rate_changes_mid_run_without_reset(win, qtbot):
    win.runner.play()
    qtbot.waitUntil(lambda: _step(win) > 10, timeout=20000)
    with qtbot.waitSignal(win.runner.config_changed, timeout=3000):
        win.params.widgets["lr_g"].setValue(0.002)
    s = win.runner.session
    assert s.opt_g.param_groups[0]["lr"] == pytest.approx(0.002)
    qtbot.waitUntil(lambda: s.step_count > 20, timeout=20000)
    assert win.runner.session is s  # same session: no reset
    win.runner.pause()


def test_architecture_change_resets_with_a_visible_notice(win, qtbot):
    win.runner.play()
    qtbot.waitUntil(lambda: _step(win) > 5, timeout=20000)
    old = win.runner.session
    with qtbot.waitSignal(win.runner.notice, timeout=5000) as sig:
        win.params.widgets["g_width"].setValue(24)
    assert "restarted" in sig.args[0] and "g_width" in sig.args[0]
    assert win.banner.isVisible() and "g_width" in win.banner_text.text()
    assert win.runner.session is not old and win.runner.session.config.g_width == 24
    win.runner.pause()


def test_invalid_entry_is_refused_next_to_the_field(win, qtbot):
    before = win.runner.config.lr_d
    win.params._emit("lr_d", 50.0)  # what a typed, out-of-range value would send
    assert win.params.errors["lr_d"].isVisible() and "lr_d" in win.params.errors["lr_d"].text()
    assert win.runner.config.lr_d == before
    w = win.params.widgets["n_critic"]
    w.setValue(10_000)  # the spin box clamps to the allowed range
    assert w.value() == 50


def test_drawing_points_trains_on_them(win, qtbot):
    v = win.view
    v._clear_drawing()
    with qtbot.waitSignal(win.runner.session_ready, timeout=5000):
        v.draw_mode.setCurrentText("Brush")  # switches the data to 'drawn' (restart)
    for x in np.linspace(-1, 1, 15):
        v.vb.stroke.emit(float(x), 1.5, False)
    v.vb.stroke.emit(1.0, 1.5, True)
    qtbot.waitUntil(lambda: win.runner.session.drawn_points is not None
                    and len(win.runner.session.drawn_points) == len(v._drawn), timeout=5000)
    s = win.runner.session
    assert s.config.data == "drawn"
    x = s.data.sample(500, s._view_gen).numpy()
    assert np.abs(x[:, 1] - 1.5).max() < 0.5
    v.draw_mode.setCurrentText("Erase")
    n = len(v._drawn)
    v.vb.stroke.emit(0.0, 1.5, True)
    assert len(v._drawn) < n


def test_bad_csv_gets_a_message_and_changes_nothing(win, qtbot, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,hello\n")
    session = win.runner.session
    assert win.view.open_points(str(bad)) is False
    assert win.banner.isVisible() and "not a pair of numbers" in win.banner_text.text()
    qtbot.wait(100)
    assert win.runner.session is session and win.runner.config.data == "ring8"
    good = tmp_path / "good.csv"
    good.write_text("1,2\n3,4\n5,1\n")
    with qtbot.waitSignal(win.runner.session_ready, timeout=5000):
        assert win.view.open_points(str(good)) is True
    assert win.runner.config.data == str(good)


def test_snapshots_arrive_at_most_about_30_per_second(win, qtbot):
    win.runner.play()
    qtbot.waitUntil(lambda: _step(win) > 5, timeout=20000)
    n0, t0 = len(win._snap_times), time.perf_counter()
    qtbot.waitUntil(lambda: len(win._snap_times) - n0 >= 2, timeout=30000)  # frames keep coming
    qtbot.wait(1000)
    rate = (len(win._snap_times) - n0) / (time.perf_counter() - t0)
    win.runner.pause()
    assert rate <= 33  # never more than the loop's cap, however fast the machine


def test_teaching_buttons(win, qtbot):
    s0 = _step(win)
    session = win.runner.session
    d0 = [p.detach().clone() for p in session.D.parameters()]
    g0 = [p.detach().clone() for p in session.G.parameters()]
    win.view.teach_btns["d_step"].click()
    qtbot.waitUntil(lambda: _step(win) == s0 + 1, timeout=3000)
    assert all(a.equal(b) for a, b in zip(g0, session.G.parameters()))
    assert not all(a.equal(b) for a, b in zip(d0, session.D.parameters()))
    win.view.teach_btns["g_step"].click()
    qtbot.waitUntil(lambda: _step(win) == s0 + 2, timeout=3000)
    assert not all(a.equal(b) for a, b in zip(g0, session.G.parameters()))


def test_divergence_pauses_with_a_banner(qtbot):
    w = MainWindow("gan", None, device="cpu", overrides={"loss": "lsgan", "opt_d": "sgd", "opt_g": "sgd",
                                                         "lr_d": 10.0, "lr_g": 10.0, "d_width": 64, "g_width": 64,
                                                         "n_critic": 1, "grid": 16})
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.runner.session is not None, timeout=20000)
    with qtbot.waitSignal(w.runner.diverged, timeout=30000):
        w.runner.play()
    qtbot.waitUntil(lambda: not w.runner.playing, timeout=2000)
    assert w.banner.isVisible() and "diverged" in w.banner_text.text()
    assert w.banner_lower_lr.isVisible()
    w.runner.play()  # refuses to go on from a diverged state
    qtbot.wait(100)
    assert not w.runner.playing
    with qtbot.waitSignal(w.runner.session_ready, timeout=5000):
        w.banner_lower_lr.click()
    assert w.runner.config.lr_g == pytest.approx(1.0)
    w.close()


def test_an_exception_in_a_step_is_shown_and_the_app_lives_on(win, qtbot):
    def boom():
        raise RuntimeError("injected failure")

    win.runner.call(lambda s: setattr(s, "train_step", boom))
    with qtbot.waitSignal(win.runner.failed, timeout=3000) as sig:
        win.runner.play()
    assert "injected failure" in sig.args[0] and "Traceback" in sig.args[1]
    assert win.banner.isVisible() and win.banner_details.isVisible()
    qtbot.waitUntil(lambda: not win.runner.playing, timeout=2000)
    with qtbot.waitSignal(win.runner.session_ready, timeout=5000):
        win.banner_reset.click()
    win.runner.step_once()
    qtbot.waitUntil(lambda: win.runner.session.step_count == 1, timeout=5000)


def test_save_and_open_a_session(win, qtbot, tmp_path):
    f = tmp_path / "s.pgs"
    win.runner.step_once(3)
    qtbot.waitUntil(lambda: _step(win) == 3, timeout=5000)
    with qtbot.waitSignal(win.runner.notice, timeout=5000):
        win.save_session(str(f))
    assert f.is_file()
    win.reset()
    qtbot.waitUntil(lambda: _step(win) == 0, timeout=5000)
    with qtbot.waitSignal(win.runner.notice, timeout=5000):
        win.open_session(str(f))
    qtbot.waitUntil(lambda: _step(win) == 3, timeout=5000)
    junk = tmp_path / "junk.pgs"
    junk.write_bytes(b"\x00" * 100)
    session = win.runner.session
    win.open_session(str(junk))
    assert "not a readable checkpoint" in win.banner_text.text() and win.runner.session is session


def test_closing_while_training_leaves_no_thread(qtbot, qtlog):
    w = MainWindow("gan", "ring8-wgan-gp", device="cpu", overrides=SMALL, autostart=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w._last_snapshot is not None and w._last_snapshot["step"] > 3, timeout=20000)
    worker = w.runner._thread
    t0 = time.perf_counter()
    w.close()
    assert time.perf_counter() - t0 < 20  # behaviour, not speed: `playground bench` reports close_s
    assert not worker.isRunning()
    assert not [r for r in qtlog.records if "QThread" in r.message]


def test_preset_menu_loads_a_preset(win, qtbot):
    i = win.preset_combo.findData("grid25-wgan-gp")
    win.preset_combo.setCurrentIndex(i)
    with qtbot.waitSignal(win.runner.session_ready, timeout=10000):
        win.preset_combo.activated.emit(i)
    assert win.runner.config.data == "grid25"
    assert win.params.widgets["data"].currentText() == "grid25"


def test_critic_heat_map_and_colour_bar_share_levels_that_hold(qtbot):
    """The heat-map is coloured by the bar's levels; they follow a critic's scores as they grow and hold
    (with the bar's axis) while the scores stay put."""
    from playground.core.registry import get_lab
    from playground.labs.gan.view import GanView

    spec = get_lab("gan")
    cfg = spec.make_config("ring8-wgan-gp", SMALL)
    s = spec.make_session(cfg, device="cpu", seed=0)
    view = GanView(spec)
    qtbot.addWidget(view)
    view.set_config(cfg)
    plane = view.plane
    seen = []
    for _ in range(6):
        s.step(10)
        snap = s.snapshot()
        view.set_snapshot(snap)
        view.flush_drawing()
        np.testing.assert_allclose(plane.heat.levels, plane.cbar.levels())
        lo, hi = plane.cbar.levels()
        grid = np.asarray(snap["d_grid"])
        assert lo < np.median(grid) < hi  # the scores sit inside the bar
        seen.append((lo, hi))
    view.set_snapshot(snap)  # the same scores again: nothing moves
    view.flush_drawing()
    assert plane.cbar.levels() == seen[-1]
