"""The training runner: a session trained on a background QThread, streamed to the UI as snapshots.

The worker trains in chunks sized to about ``CHUNK_S`` seconds so that Play/Pause, Step, Reset and
closing answer within a few milliseconds. Between chunks it applies queued requests (config changes,
lab commands, resets). It takes a snapshot at most ``MAX_HZ`` times a second, and less often when
snapshots are expensive, so that visual work stays under ``SNAPSHOT_SHARE`` of the worker's time.
Only the latest snapshot is delivered: if the UI is busy, older ones are dropped, never queued.

Failures never escape the thread: an exception in a step pauses training and emits ``failed``; a
loss that becomes NaN/inf pauses and emits ``diverged``.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore

CHUNK_S = 0.004
MAX_HZ = 30.0
SNAPSHOT_SHARE = 0.10


_WORKERS: weakref.WeakSet = weakref.WeakSet()


def live_workers() -> list:
    """Training threads that exist now (tests check none is left running)."""
    return list(_WORKERS)


class _Worker(QtCore.QThread):
    def __init__(self, runner: Runner):
        super().__init__()
        self.r = runner
        _WORKERS.add(self)

    def run(self) -> None:  # noqa: C901 - the loop reads best in one place
        r = self.r
        r._build(r._config)
        chunk = 1
        last_snap = 0.0
        snap_interval = 1.0 / r.max_hz
        rate_t0, rate_steps = time.perf_counter(), 0
        while not r._quit:
            r._drain()
            s = r.session
            if r._quit:
                break
            did_work = False
            if s is not None and (r._playing or r._steps_requested > 0):
                single = not r._playing
                n = 1 if single else chunk
                if r._speed > 0 and not single:  # speed cap: sleep until the next step is due
                    n = 1
                    due = r._next_due - time.perf_counter()
                    if due > 0:
                        r._wake.wait(min(due, 0.05))
                        r._wake.clear()
                        continue
                    r._next_due = max(r._next_due, time.perf_counter() - 0.1) + 1.0 / r._speed
                t0 = time.perf_counter()
                try:
                    if single:
                        r._steps_requested -= 1
                        s.step(1)
                    else:
                        s.step(n)
                except Exception as e:  # noqa: BLE001 - reported to the UI, training paused
                    r._fail(e)
                    continue
                dt = time.perf_counter() - t0
                did_work = True
                rate_steps += n
                if not single and r._speed == 0:  # adapt the chunk to ~CHUNK_S
                    per = dt / max(n, 1)
                    chunk = max(1, min(10_000, int(CHUNK_S / max(per, 1e-7))))
                if single:
                    r._dirty = True
            now = time.perf_counter()
            if s is not None and (r._dirty or (did_work and now - last_snap >= snap_interval)):
                t0 = now
                try:
                    snap = s.snapshot()
                except Exception as e:  # noqa: BLE001
                    r._fail(e)
                    continue
                cost = time.perf_counter() - t0
                snap_interval = max(1.0 / r.max_hz, cost / SNAPSHOT_SHARE)
                last_snap = time.perf_counter()
                r._dirty = False
                elapsed = last_snap - rate_t0
                if elapsed >= 0.5:
                    r._rate.append(rate_steps / elapsed)
                    rate_t0, rate_steps = last_snap, 0
                snap["steps_per_s"] = float(sum(r._rate) / len(r._rate)) if r._rate and r._playing else 0.0
                snap["playing"] = r._playing
                snap["snapshot_ms"] = cost * 1e3
                r._deliver(snap)
                if s.diverged and r._playing:
                    r._playing = False
                    r._bridge.playing_changed.emit(False)
                    r._bridge.diverged.emit(s.diverged)
            elif not did_work:
                r._wake.wait(0.05)
                r._wake.clear()
                rate_t0, rate_steps = time.perf_counter(), 0
        r._drain(only=("call",))  # finish queued saves before the thread ends: closing never loses work
        r.session = None


class _Bridge(QtCore.QObject):
    """Signals emitted from the worker thread; Qt queues them to the UI thread."""

    snapshot_ready = QtCore.Signal()
    playing_changed = QtCore.Signal(bool)
    diverged = QtCore.Signal(str)
    failed = QtCore.Signal(str, str)
    notice = QtCore.Signal(str)
    session_ready = QtCore.Signal(object)  # config of the (re)built session
    config_changed = QtCore.Signal(object)  # config after a live change
    config_error = QtCore.Signal(str, str)  # key, message


class Runner(QtCore.QObject):
    """Thread-safe façade used by the UI. All methods return at once; work happens in the worker."""

    snapshot = QtCore.Signal(dict)
    playing_changed = QtCore.Signal(bool)
    diverged = QtCore.Signal(str)
    failed = QtCore.Signal(str, str)
    notice = QtCore.Signal(str)
    session_ready = QtCore.Signal(object)
    config_changed = QtCore.Signal(object)
    config_error = QtCore.Signal(str, str)

    def __init__(self, factory: Callable[[Any], Any], config: Any, parent=None):
        """``factory(config) -> Session`` is called in the worker thread (it may import torch)."""
        super().__init__(parent)
        self.factory = factory
        self._config = config
        self.session = None
        self._q: queue.Queue = queue.Queue()
        self._wake = threading.Event()
        self._quit = False
        self._playing = False
        self._steps_requested = 0
        self._speed = 0.0
        self._next_due = 0.0
        self.max_hz = MAX_HZ  # snapshots per second at most (a view may ask for fewer)
        self._dirty = False
        self._rate: deque[float] = deque(maxlen=4)
        self._latest: dict | None = None
        self._lock = threading.Lock()
        self._signal_pending = False
        self._bridge = _Bridge()
        b = self._bridge
        b.snapshot_ready.connect(self._on_snapshot_ready, QtCore.Qt.QueuedConnection)
        for name in ("playing_changed", "diverged", "failed", "notice", "session_ready", "config_changed",
                     "config_error"):
            getattr(b, name).connect(getattr(self, name), QtCore.Qt.QueuedConnection)
        self._thread = _Worker(self)

    # -- UI side -----------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def config(self):
        return self._config

    def play(self) -> None:
        self._play_now(True)

    def pause(self) -> None:
        self._play_now(False)

    def toggle(self) -> None:
        self._play_now(not self._playing)

    def _play_now(self, on: bool) -> None:
        """Play/pause take effect at once: the worker checks the flag before every chunk, and the
        UI hears about it synchronously (no round trip through a busy worker)."""
        s = self.session
        if on and s is not None and s.diverged:
            self.diverged.emit(s.diverged)
            return
        if on and s is None and not self._thread.isRunning():
            return
        if on != self._playing:
            self._playing = on
            self._next_due = time.perf_counter()
            self._dirty = True
            self.playing_changed.emit(on)
        self._wake.set()

    def step_once(self, n: int = 1) -> None:
        self._post(("step", n))

    def reset(self, config=None) -> None:
        self._post(("reset", config))

    def set_config(self, changes: dict) -> None:
        self._post(("config", dict(changes)))

    def command(self, name: str, kwargs: dict | None = None) -> None:
        self._post(("command", (name, dict(kwargs or {}))))

    def call(self, fn: Callable[[Any], Any]) -> None:
        """Run ``fn(session)`` in the worker between steps (tests, saving)."""
        self._post(("call", fn))

    def set_speed(self, steps_per_s: float) -> None:
        """Cap the training rate (steps per second); 0 = as fast as possible."""
        self._post(("speed", float(steps_per_s)))

    def stop(self, timeout_ms: int = 3000) -> bool:
        self._quit = True
        self._wake.set()
        if self._thread.isRunning():
            return self._thread.wait(timeout_ms)
        return True

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def _post(self, item) -> None:
        self._q.put(item)
        self._wake.set()

    def _on_snapshot_ready(self) -> None:
        with self._lock:
            snap, self._latest = self._latest, None
            self._signal_pending = False
        if snap is not None:
            self.snapshot.emit(snap)

    # -- worker side -------------------------------------------------------------------------------
    def _deliver(self, snap: dict) -> None:
        with self._lock:
            self._latest = snap
            if self._signal_pending:
                return
            self._signal_pending = True
        self._bridge.snapshot_ready.emit()

    def _set_playing(self, on: bool) -> None:
        if on and self.session is None:
            on = False
        if on and self.session is not None and self.session.diverged:
            self._bridge.diverged.emit(self.session.diverged)
            on = False
        if on != self._playing:
            self._playing = on
            self._next_due = time.perf_counter()
            self._bridge.playing_changed.emit(on)
        self._dirty = True

    def _build(self, config) -> None:
        from playground.core.config import ConfigError

        try:
            old, self.session = self.session, None
            new = self.factory(config)
            if old is not None and type(old) is type(new):
                new.inherit(old)
            self.session = new
            self._config = new.config
        except ConfigError as e:
            self.session = None
            self._bridge.config_error.emit(e.key, str(e))
            self._bridge.failed.emit(f"Could not start: {e}", "")
            return
        except Exception as e:  # noqa: BLE001
            self.session = None
            self._bridge.failed.emit(f"Could not start the lab: {type(e).__name__}: {e}", traceback.format_exc())
            return
        self._dirty = True
        self._bridge.session_ready.emit(self._config)

    def _fail(self, e: BaseException) -> None:
        self._playing = False
        self._steps_requested = 0
        self._bridge.playing_changed.emit(False)
        msg = f"{type(e).__name__}: {e}"
        if "out of memory" in str(e).lower():
            msg = "Out of GPU memory: try a smaller batch size or model. " + msg
        self._bridge.failed.emit(msg.splitlines()[0][:300], traceback.format_exc())

    def _drain(self, only: tuple[str, ...] | None = None) -> None:
        from playground.core.config import ConfigError

        while True:
            try:
                kind, arg = self._q.get_nowait()
            except queue.Empty:
                return
            if only is not None and kind not in only:
                continue
            try:
                if kind == "play":
                    self._set_playing(bool(arg))
                elif kind == "step":
                    if self.session is not None:
                        self._set_playing(False)
                        self._steps_requested += int(arg)
                elif kind == "speed":
                    self._speed = max(0.0, arg)
                    self._next_due = time.perf_counter()
                elif kind == "reset":
                    was = self._playing
                    self._set_playing(False)
                    self._build(arg if arg is not None else self._config)
                    if was and self.session is not None:
                        self._set_playing(True)
                elif kind == "config":
                    self._apply_config(arg)
                elif kind == "command":
                    name, kwargs = arg
                    if self.session is not None:
                        self.session.command(name, **kwargs)
                        self._dirty = True
                elif kind == "call":
                    if self.session is not None:
                        arg(self.session)
                        self._dirty = True
            except ConfigError as e:
                self._bridge.config_error.emit(e.key, str(e))
            except ValueError as e:  # a refused command (bad file, bad probe): a notice, not a crash
                self._bridge.notice.emit(str(e).splitlines()[0] if str(e) else "Refused.")
            except Exception as e:  # noqa: BLE001
                self._fail(e)

    def _apply_config(self, changes: dict) -> None:
        from playground.core import config as cfgmod

        base = self.session.config if self.session is not None else self._config
        new = cfgmod.validate(type(base), changes, base=base)  # raises ConfigError
        delta = cfgmod.diff(base, new)
        if not delta:
            return
        if self.session is not None and self.session.update_config(changes):
            self._config = self.session.config
            self._dirty = True
            self._bridge.config_changed.emit(self._config)
            return
        was = self._playing
        self._set_playing(False)
        self._build(new)
        keys = ", ".join(sorted(delta))
        self._bridge.notice.emit(f"Changed {keys}: this cannot change mid-run, so training restarted from step 0.")
        if was and self.session is not None:
            self._set_playing(True)
