"""Shared fixtures. Every test runs offscreen, and any test that leaves a training thread running
fails (like napari's ``_dangling_qthreads``)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("PLAYGROUND_THREADS", "1")
# several apps train at once under xdist: pinned, every worker would share the same core (one test pins)
os.environ.setdefault("PLAYGROUND_NO_PIN", "1")

import gc  # noqa: E402

import pytest  # noqa: E402


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (the default, see pyproject): one worker per core, at most four. Every test process trains
    on one thread (``PLAYGROUND_THREADS=1``), so two workers use a 2-core machine fully."""
    return max(1, min(4, os.cpu_count() or 1))


def pytest_collection_modifyitems(config, items):
    """The slow training checks go first, so that the workers share them out early and the short tests fill
    the end instead of one long check running alone after everything else."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _no_dangling_threads(request):
    yield
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        return
    from playground.ui import runner

    alive = [w for w in list(runner.live_workers()) if w.isRunning()]
    for w in alive:
        w.stop(2000)
    # Collect this test's discarded windows now, on the main thread. Left to the cyclic GC, they can be
    # collected by whichever thread allocates next, such as the next test's training thread: a Qt
    # object's destructor then runs there and deadlocks against the main thread (Qt's signal-slot mutex
    # one way, the GIL the other; seen once in CI).
    gc.collect()
    assert not alive, f"test left {len(alive)} training thread(s) running"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's settings, run history or autosave: QSettings (INI format, the app's
    and any default-constructed one) and the app's data folder point at a fresh folder per test."""
    from PySide6 import QtCore

    root = tmp_path_factory.mktemp("settings")
    monkeypatch.setenv("PLAYGROUND_SETTINGS_DIR", str(root / "config"))
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(root / "data"))
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)
    QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, str(root / "config"))
    yield root


@pytest.fixture
def gan_spec():
    from playground.core.registry import get_lab

    return get_lab("gan")


@pytest.fixture
def small_gan(gan_spec):
    """A small, fast GAN config (seconds of CPU for hundreds of steps)."""
    return gan_spec.make_config("ring8-wgan-gp", {"g_width": 32, "d_width": 32, "g_layers": 2, "d_layers": 2,
                                                  "batch_size": 64, "n_critic": 2, "grid": 24, "show_samples": 128})


@pytest.fixture
def settled_step(qtbot):
    """``settled_step(runner)``: the session's step count once every request queued before it (resets,
    config changes) has been applied. A call is queued behind them, so when it runs, they all ran."""

    def settle(runner, timeout: int = 20000) -> int:
        seen: list[int] = []
        runner.call(lambda session: seen.append(session.step_count))
        qtbot.waitUntil(lambda: bool(seen), timeout=timeout)
        return seen[0]

    return settle
