"""The app's runner: the session trains in a worker process behind the same interface."""

from __future__ import annotations

import os
import time

import pytest

from playground.ui.main_window import MainWindow

SMALL = {"g_width": 16, "d_width": 16, "g_layers": 2, "d_layers": 2, "batch_size": 32, "n_critic": 1, "grid": 16,
         "show_samples": 64}


@pytest.fixture
def win(qtbot):
    w = MainWindow("gan", "ring8-wgan-gp", device="cpu", overrides=SMALL, runner="process")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w._last_snapshot is not None, timeout=60000)
    yield w
    w.close()


def step(w):
    return w._last_snapshot["step"]


def test_process_runner_drives_the_window(win, qtbot):
    assert win.runner.session is None and win.runner.is_running()
    assert win.status_device.text().startswith("CPU")
    with qtbot.waitSignal(win.runner.playing_changed, timeout=10000):
        win.play_act.trigger()
    qtbot.waitUntil(lambda: step(win) > 30, timeout=30000)
    win.play_act.trigger()
    qtbot.waitUntil(lambda: win._last_snapshot["playing"] is False, timeout=30000)
    s0 = step(win)
    qtbot.wait(200)
    assert step(win) == s0
    win.step_once()
    qtbot.waitUntil(lambda: step(win) == s0 + 1, timeout=30000)
    # a live change keeps the run; an architecture change restarts it with a notice
    with qtbot.waitSignal(win.runner.config_changed, timeout=30000):
        win._on_param_changed({"lr_g": 0.002})
    assert win.runner.config.lr_g == 0.002 and step(win) == s0 + 1
    with qtbot.waitSignal(win.runner.notice, timeout=30000) as sig:
        win._on_param_changed({"g_width": 12})
    assert "restarted" in sig.args[0]
    qtbot.waitUntil(lambda: step(win) == 0, timeout=30000)


def test_process_runner_reports_failures_and_saves(win, qtbot, tmp_path):
    f = tmp_path / "p.pgs"
    win.runner.step_once(3)
    qtbot.waitUntil(lambda: step(win) == 3, timeout=30000)
    with qtbot.waitSignal(win.runner.notice, timeout=30000):
        win.save_session(str(f))
    assert f.is_file()
    win.reset()
    qtbot.waitUntil(lambda: step(win) == 0, timeout=30000)
    with qtbot.waitSignal(win.runner.notice, timeout=30000):
        win.open_session(str(f))
    qtbot.waitUntil(lambda: step(win) == 3, timeout=30000)
    win.runner.inject_fault("injected in the worker")
    with qtbot.waitSignal(win.runner.failed, timeout=30000) as sig:
        win.runner.play()
    assert "injected in the worker" in sig.args[0] and "Traceback" in sig.args[1]
    qtbot.waitUntil(lambda: not win.runner.playing, timeout=30000)


# Closing is quick (about 0.1-0.5 s; `playground bench` measures and reports it as ``close_s`` against its
# 1 s promise). Here only the behaviour is checked, with a bound no slow day reaches: the window closes
# without hanging, the worker is gone, no thread or process is left.
CLOSE_BOUND_S = 20.0


def test_closing_stops_the_worker_process(qtbot):
    from playground.ui.runner import live_workers

    w = MainWindow("gan", "ring8-wgan-gp", device="cpu", overrides=SMALL, runner="process", autostart=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w._last_snapshot is not None and step(w) > 5, timeout=60000)
    proc = w.runner._proc
    t0 = time.perf_counter()
    w.close()
    assert time.perf_counter() - t0 < CLOSE_BOUND_S
    assert not w.isVisible()
    assert not proc.is_alive() and proc.exitcode == 0  # it stopped by itself, not killed
    assert not [x for x in live_workers() if x.isRunning()]


def test_closing_right_after_save_keeps_the_file(qtbot, tmp_path):
    w = MainWindow("gan", "ring8-wgan-gp", device="cpu", overrides=SMALL, runner="process", autostart=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w._last_snapshot is not None and step(w) > 5, timeout=60000)
    f = tmp_path / "last.pgs"
    w.save_session(str(f))
    t0 = time.perf_counter()
    w.close()  # the queued save is finished by the worker before it exits
    assert time.perf_counter() - t0 < CLOSE_BOUND_S
    from playground.core.checkpoint import load_state

    assert load_state(f)["step"] > 5


def test_view_gets_full_data_with_every_light_snapshot(qtbot):
    """Light snapshots (curves only) reach the view laid over the last full one: every snapshot the
    window draws has the heat-map and samples, and light ones arrive between full ones (here a full
    snapshot costs ~10 ms: a fine heat-map of a 3×128 critic, so they are ~0.3 s apart)."""
    win = MainWindow("gan", "ring8-wgan-gp", device="cpu", overrides={"grid": 96}, runner="process")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win._last_snapshot is not None, timeout=60000)
    got = []
    win.runner.snapshot.connect(got.append)
    win.play_act.trigger()
    qtbot.waitUntil(lambda: sum(bool(s.get("light")) for s in got) >= 3 and
                    sum(not s.get("light") for s in got) >= 2, timeout=30000)
    win.play_act.trigger()
    for s in got:
        assert {"d_grid", "fake", "extent", "history", "step"} <= set(s)
    steps = [s["step"] for s in got]
    assert steps == sorted(steps)
    win.close()


def test_split_cores_keeps_the_ui_off_the_workers_cores(monkeypatch):
    from playground.core.device import split_cores

    monkeypatch.delenv("PLAYGROUND_NO_PIN", raising=False)
    if not hasattr(os, "sched_setaffinity"):
        assert split_cores(1, {0, 1}) is None
        return
    assert split_cores(1, {0, 1}) == ({0}, {1})
    assert split_cores(2, {0, 1, 2, 3, 5}) == ({0, 1, 2}, {3, 5})
    assert split_cores(1, {3}) is None  # one core: nothing to split
    assert split_cores(4, {0, 1, 2, 3}) is None  # the worker wants them all
    monkeypatch.setenv("PLAYGROUND_NO_PIN", "1")
    assert split_cores(1, {0, 1}) is None


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs CPU affinity and two cores")
def test_worker_and_ui_thread_train_on_separate_cores_until_closed(qtbot, monkeypatch):
    monkeypatch.delenv("PLAYGROUND_NO_PIN")  # the suite turns it off: several apps train at once here
    before = os.sched_getaffinity(0)
    w = MainWindow("gan", "ring8-wgan-gp", device="cpu", overrides=SMALL, runner="process")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w._last_snapshot is not None, timeout=60000)
    ui, worker = os.sched_getaffinity(0), os.sched_getaffinity(w.runner._proc.pid)
    assert ui and worker and not ui & worker and ui | worker <= before
    w.close()
    assert os.sched_getaffinity(0) == before  # the UI has its cores back


def test_the_ui_budget_counts_every_thread_of_the_ui_process():
    """The frame rate follows what the whole UI process spends (Qt's image-scaling pool, the pipe reader),
    as the benchmark measures it, not the UI thread's clock alone."""
    import threading

    from playground.ui.procrunner import ProcessRunner

    def burn():
        t0 = time.thread_time()
        while time.thread_time() - t0 < 0.2:
            pass

    c0, m0 = ProcessRunner._ui_cpu(None), time.thread_time()
    th = threading.Thread(target=burn)
    th.start()
    th.join()
    assert ProcessRunner._ui_cpu(None) - c0 >= 0.18 and time.thread_time() - m0 < 0.1
