"""The thread runner: a session trained on a background QThread by the shared
:class:`playground.core.loop.TrainLoop`, streamed to the UI as snapshots.

Only the latest snapshot is delivered: if the UI is busy, older ones are dropped, never queued.
:class:`playground.ui.procrunner.ProcessRunner` has the same interface with the session in a worker
process (the app's default: drawing then never competes with training for the GIL).
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtGui

from playground.core.loop import MAX_HZ, TrainLoop, merge_snapshots

_WORKERS: weakref.WeakSet = weakref.WeakSet()

#: share of one core the UI process may spend on receiving and drawing snapshots while training; the
#: frame rate follows the measured cost of a frame (``PLAYGROUND_UI_BUDGET``: another share, 0 = no limit)
UI_BUDGET = 0.05
INTERACTIVE_BUDGET = 0.25  # while a mouse button is held (drawing points, dragging a plot)
MIN_HZ = 2.0  # never fewer frames than this while training
BUDGET_WINDOW_S = 1.0  # the cost of a frame is measured over this long


def _budget_from_env() -> float:
    try:
        return max(0.0, float(os.environ.get("PLAYGROUND_UI_BUDGET", UI_BUDGET)))
    except ValueError:
        return UI_BUDGET


def live_workers() -> list:
    """Training threads and processes that exist now (tests check none is left running)."""
    return list(_WORKERS)


class _Bridge(QtCore.QObject):
    """Signals emitted from the worker; Qt queues them to the UI thread."""

    snapshot_ready = QtCore.Signal()
    playing_changed = QtCore.Signal(bool)
    diverged = QtCore.Signal(str)
    failed = QtCore.Signal(str, str)
    notice = QtCore.Signal(str)
    session_ready = QtCore.Signal(object, str)
    config_changed = QtCore.Signal(object)
    config_error = QtCore.Signal(str, str)


class RunnerSignals(QtCore.QObject):
    """The signals the window listens to, shared by the training runners and the replay runner."""

    snapshot = QtCore.Signal(dict)
    playing_changed = QtCore.Signal(bool)
    diverged = QtCore.Signal(str)
    failed = QtCore.Signal(str, str)
    notice = QtCore.Signal(str)
    session_ready = QtCore.Signal(object)
    config_changed = QtCore.Signal(object)
    config_error = QtCore.Signal(str, str)


class RunnerBase(RunnerSignals):
    """What the UI sees of a runner. All methods return at once; work happens in the worker."""

    def __init__(self, config: Any, parent=None):
        super().__init__(parent)
        self._config = config
        self._playing = False
        self.device_name = ""
        self.max_hz = MAX_HZ  # the most frames a second the view wants (its ``max_fps``)
        self.frame_hz = MAX_HZ  # what the worker is asked for now: lower when frames cost more (see budget)
        self.budget = _budget_from_env()
        # where the UI process's time goes (CPU seconds): reading + unpickling snapshots (process runner, on
        # its reader thread) and delivering them (the view's set_snapshot and the window's handlers)
        self.ui_time = {"receive": 0.0, "deliver": 0.0}
        self.ui_share = 0.0  # the UI's CPU share over the last budget window (see ``_ui_cpu``)
        self._budget_window: tuple[float, float, int] | None = None
        self._latest: dict | None = None
        self._last_full: dict | None = None  # light snapshots are laid over it
        self._lock = threading.Lock()
        self._signal_pending = False
        self._bridge = _Bridge()
        b = self._bridge
        b.snapshot_ready.connect(self._on_snapshot_ready, QtCore.Qt.QueuedConnection)
        b.session_ready.connect(self._on_session_ready, QtCore.Qt.QueuedConnection)
        b.config_changed.connect(self._on_config_changed, QtCore.Qt.QueuedConnection)
        b.playing_changed.connect(self._on_playing, QtCore.Qt.QueuedConnection)
        for name in ("diverged", "failed", "notice", "config_error"):
            getattr(b, name).connect(getattr(self, name), QtCore.Qt.QueuedConnection)

    # events from the worker (any thread) -> Qt signals on the UI thread
    def _emit(self, kind: str, *args) -> None:
        b = self._bridge
        if kind == "snapshot":
            with self._lock:
                self._latest = merge_snapshots(self._latest, args[0])
                if self._signal_pending:
                    return
                self._signal_pending = True
            b.snapshot_ready.emit()
        elif kind == "playing":
            b.playing_changed.emit(*args)
        else:
            getattr(b, kind).emit(*args)

    def _on_snapshot_ready(self) -> None:
        with self._lock:
            snap, self._latest = self._latest, None
            self._signal_pending = False
        if snap is not None:
            if snap.get("light"):
                if self._last_full is None:  # a light snapshot needs a full one under it
                    self._consumed()
                    return
                snap = {**self._last_full, **snap}  # still light: the heavy panels show this data already
            else:
                self._last_full = snap
            c0 = time.thread_time()
            self.snapshot.emit(snap)
            self.ui_time["deliver"] += time.thread_time() - c0
            self._consumed()
            self._keep_to_budget()

    def _keep_to_budget(self) -> None:
        """Hold the UI to its CPU budget while training: measure what a frame costs (``_ui_cpu``: drawing,
        painting, everything between two frames; with the process runner its reader and Qt's threads too),
        then ask the worker for as many frames a second as the budget pays for, between MIN_HZ and the
        view's max_fps; more while a mouse button is held."""
        now, cpu = time.perf_counter(), self._ui_cpu()
        win = self._budget_window
        if win is None or not self._playing or not self.budget:
            self._budget_window = (now, cpu, 0)
            return
        t0, c0, frames = win
        frames += 1
        if now - t0 < BUDGET_WINDOW_S:
            self._budget_window = (t0, c0, frames)
            return
        self._budget_window = (now, cpu, 0)
        used = max(cpu - c0, 0.0)
        self.ui_share = used / (now - t0)
        held = QtGui.QGuiApplication.mouseButtons() != QtCore.Qt.NoButton
        budget = max(self.budget, INTERACTIVE_BUDGET) if held else self.budget
        per_frame = max(used / frames, 1e-4)
        hz = min(budget / per_frame, 2 * self.frame_hz, self.max_hz)  # up at most 2× a window: no see-saw
        hz = max(min(MIN_HZ, self.max_hz), hz)
        if abs(hz - self.frame_hz) > 0.1 * self.frame_hz:
            self.frame_hz = hz
            self._post("max_hz", hz)

    def _ui_cpu(self) -> float:
        """CPU seconds the UI has spent so far: the UI thread's (a thread runner's process also trains, so
        its process time would count training; the process runner counts its whole process)."""
        return time.thread_time()

    def _consumed(self) -> None:
        """Called after the UI took a snapshot (the process runner asks for the next one)."""

    def _on_session_ready(self, config, device_name: str) -> None:
        self._last_full = None
        self._config = config
        self.device_name = device_name
        self.session_ready.emit(config)

    def _on_config_changed(self, config) -> None:
        self._config = config
        self.config_changed.emit(config)

    def _on_playing(self, on: bool) -> None:
        if on != self._playing:
            self._playing = on
        self.playing_changed.emit(on)

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def config(self):
        return self._config

    def play(self) -> None:
        self._budget_window = None  # a frame's cost is measured afresh from here
        self._play_now(True)

    def pause(self) -> None:
        self._play_now(False)

    def toggle(self) -> None:
        self._budget_window = None
        self._play_now(not self._playing)

    def step_once(self, n: int = 1) -> None:
        self._post("step", n)

    def reset(self, config=None) -> None:
        self._post("reset", config)

    def set_config(self, changes: dict) -> None:
        self._post("config", dict(changes))

    def command(self, name: str, kwargs: dict | None = None) -> None:
        self._post("command", (name, dict(kwargs or {})))

    def set_speed(self, steps_per_s: float) -> None:
        """Cap the training rate (steps per second); 0 = as fast as possible."""
        self._post("speed", float(steps_per_s))

    def set_max_hz(self, hz: float) -> None:
        """The most snapshots a second the view wants (its ``max_fps``); the budget may ask for fewer."""
        self.max_hz = self.frame_hz = float(hz)
        self._budget_window = None
        self._post("max_hz", float(hz))

    def save(self, path: str) -> None:
        """Save the session (between steps); a notice says when it is written."""
        self._post("save", str(path))

    def load(self, path: str, state: dict) -> None:
        """Load a checkpoint's state into the current session (after a reset to its config)."""
        self._post("load", (str(path), state))

    def checkpoint(self, path_template: str) -> None:
        """Save quietly between steps to ``path_template.format(step=...)`` (the timeline's branch points)."""
        self._post("checkpoint", str(path_template))

    def restore(self, path: str) -> None:
        """Load a checkpoint written by :meth:`checkpoint` into the current session (branching)."""
        self._post("restore", str(path))

    def inject_fault(self, message: str) -> None:
        """Tests: make the next training step raise RuntimeError(message)."""
        self._post("fault", message)

    def _play_now(self, on: bool) -> None:
        raise NotImplementedError

    def _post(self, kind: str, arg) -> None:
        raise NotImplementedError


class _Worker(QtCore.QThread):
    def __init__(self, loop: TrainLoop):
        super().__init__()
        self.loop = loop
        _WORKERS.add(self)

    def run(self) -> None:
        self.loop.run()

    def stop(self, timeout_ms: int = 3000) -> bool:
        self.loop.stop()
        return self.wait(timeout_ms) if self.isRunning() else True


class Runner(RunnerBase):
    """The session in a QThread of this process (tests and the benchmark can reach ``session``)."""

    def __init__(self, factory: Callable[[Any], Any], config: Any, parent=None):
        """``factory(config) -> Session`` is called in the worker thread (it may import torch)."""
        super().__init__(config, parent)
        self.loop = TrainLoop(factory, config, self._emit)
        self._thread = _Worker(self.loop)

    @property
    def session(self):
        return self.loop.session

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_ms: int = 3000) -> bool:
        return self._thread.stop(timeout_ms)

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def call(self, fn: Callable[[Any], Any]) -> None:
        """Run ``fn(session)`` in the worker between steps (tests)."""
        self._post("call", fn)

    def _post(self, kind: str, arg) -> None:
        self.loop.post(kind, arg)

    def _play_now(self, on: bool) -> None:
        """Play/pause take effect at once: the worker checks the flag before every chunk, and the
        UI hears about it synchronously (no round trip through a busy worker)."""
        s = self.loop.session
        if on and s is not None and s.diverged:
            self.diverged.emit(s.diverged)
            return
        if on and s is None and not self._thread.isRunning():
            return
        if on != self._playing:
            self._playing = on
            self.loop.set_playing_flag(on)
            self.playing_changed.emit(on)
        self.loop.wake.set()
