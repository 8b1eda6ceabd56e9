"""The process runner: the session trains in a worker process, behind the same interface as
:class:`playground.ui.runner.Runner`.

Why: in one process, drawing on the UI thread and training on a worker thread take turns holding
Python's GIL, and small models (whose steps are mostly Python dispatch) trained at 0.1–0.6 of their
headless speed. In a separate process training keeps its own core and interpreter; the UI process only
unpickles snapshots and draws.

Protocol over one duplex pipe: the UI sends ``(kind, arg)`` requests (the TrainLoop's kinds, plus
``ack`` after it drew a snapshot and ``quit``); the worker sends ``(event, args)``. The worker sends a
new snapshot only after the previous one was acknowledged, keeping just the latest in between, so a
busy UI never builds a backlog.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import threading
import time
from typing import Any

from playground.core.device import env_threads, split_cores

from .runner import _WORKERS, RunnerBase

_PINNED_BY = None  # the ProcessRunner whose worker has cores of its own (the UI's main thread keeps off them)
_ORIGINAL: set[int] | None = None


def _original_cores() -> set[int] | None:
    """The cores this process was allowed before any worker was pinned (None: not known on this OS)."""
    global _ORIGINAL
    if _ORIGINAL is None and hasattr(os, "sched_getaffinity"):
        try:
            _ORIGINAL = set(os.sched_getaffinity(0))
        except OSError:
            return None
    return _ORIGINAL


def _worker_main(conn, lab: str, config, device: str, seed: int, max_hz: float, speed: float,
                 cores: set[int] | None = None) -> None:
    """Entry point of the training process (``cores``: the CPU cores it keeps to, apart from the UI's)."""
    if cores:  # first: every thread started from here on (torch's, the reader) inherits it
        try:
            os.sched_setaffinity(0, cores)
        except OSError:
            pass
    os.environ.setdefault("PLAYGROUND_THREADS", "1")
    from playground.core.loop import TrainLoop, merge_snapshots
    from playground.core.registry import get_lab

    spec = get_lab(lab)
    send_lock = threading.Lock()
    pending: list = [None]  # the newest snapshot not yet sent
    acked = threading.Event()
    acked.set()

    def send(msg) -> None:
        with send_lock:
            try:
                conn.send(msg)
            except (BrokenPipeError, OSError):
                loop.stop()

    def emit(kind: str, *args) -> None:
        if kind == "snapshot":
            with send_lock:
                if not acked.is_set():  # keep only the newest (a light one keeps the full one's data)
                    older = pending[0][0] if pending[0] is not None else None
                    pending[0] = (merge_snapshots(older, args[0]),)
                    return
                acked.clear()
            send((kind, args))
        else:
            send((kind, args))

    loop = TrainLoop(lambda cfg: spec.make_session(cfg, device=device, seed=seed), config, emit)
    loop.max_hz, loop.speed = max_hz, speed
    loop.ready = acked.is_set  # no snapshot is taken while the UI has not drawn the last one

    def reader() -> None:
        while True:
            try:
                kind, arg = conn.recv()
            except (EOFError, OSError):
                loop.stop()
                return
            if kind == "quit":
                loop.stop()
                return
            if kind == "ack":
                with send_lock:
                    args, pending[0] = pending[0], None
                    if args is None:
                        acked.set()
                if args is not None:
                    send(("snapshot", args))
            elif kind == "playing":
                loop.set_playing_flag(bool(arg))
            else:
                loop.post(kind, arg)

    threading.Thread(target=reader, daemon=True).start()
    loop.run()  # returns after queued saves are written
    send(("stopped", ()))
    if mp.parent_process() is not None:
        # Nothing is left to finish: skip the interpreter's teardown of torch, which took 1-6 s on a busy
        # 2-core machine, all of it time the user waits for the window to close (and a core it takes).
        import sys

        for f in (sys.stdout, sys.stderr):
            try:
                f.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(0)


class ProcessRunner(RunnerBase):
    """The session in a worker process. ``session`` is always None here: the UI sees snapshots only."""

    session = None

    def __init__(self, lab: str, config: Any, *, device: str = "auto", seed: int = 0, parent=None):
        super().__init__(config, parent)
        self.lab, self.device, self.seed = lab, device, seed
        self._speed = 0.0
        self._diverged: str | None = None
        self._conn = None
        self._proc = None
        self._reader: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self.diverged.connect(self._note_diverged)
        self.session_ready.connect(lambda _c: self._note_diverged(None))

    def _note_diverged(self, msg) -> None:
        self._diverged = msg

    def start(self) -> None:
        ctx = mp.get_context("spawn")  # never fork a process that runs Qt threads
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        self._conn = parent_conn
        cores = self._pin_ui()
        self._proc = ctx.Process(target=_worker_main, args=(child_conn, self.lab, self._config, self.device,
                                                             self.seed, self.max_hz, self._speed, cores),
                                 daemon=True)
        self._proc.start()
        child_conn.close()
        _WORKERS.add(self)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _pin_ui(self) -> set[int] | None:
        """Keep the UI thread and the worker on different cores (``core.device.split_cores``): the UI's main
        thread (and the threads it starts from now on) to the UI's cores; the worker's cores are returned. Only
        one worker at a time is given cores of its own."""
        global _PINNED_BY
        if _PINNED_BY is not None and _PINNED_BY.isRunning():
            return None
        split = split_cores(env_threads() or 1, _original_cores())  # the worker's default: one thread
        if split is None:
            return None
        try:
            os.sched_setaffinity(threading.main_thread().native_id, split[0])
        except OSError:
            return None
        _PINNED_BY = self
        return split[1]

    def _unpin_ui(self) -> None:
        global _PINNED_BY
        if _PINNED_BY is self:
            _PINNED_BY = None
            try:
                os.sched_setaffinity(threading.main_thread().native_id, _original_cores())
            except OSError:
                pass

    def _read(self) -> None:
        conn = self._conn
        while True:
            try:
                conn.poll(None)  # wait for a message (not counted), then time reading and unpickling it
                c0 = time.thread_time()
                kind, args = pickle.loads(conn.recv_bytes())
                self.ui_time["receive"] += time.thread_time() - c0
            except (EOFError, OSError, pickle.UnpicklingError):
                return
            if kind == "stopped":
                return
            self._emit(kind, *args)

    def _consumed(self) -> None:
        self._post("ack", None)

    def _ui_cpu(self) -> float:
        """Every thread of the UI process: drawing, reading the pipe, and Qt's own thread pool, which the
        UI thread's clock alone missed: the budget is the process's, as the benchmark measures it."""
        return time.process_time()

    def _post(self, kind: str, arg) -> None:
        if kind == "speed":
            self._speed = float(arg)
        conn = self._conn
        if conn is None:
            return
        with self._send_lock:
            try:
                conn.send((kind, arg))
            except (BrokenPipeError, OSError):
                pass

    def _play_now(self, on: bool) -> None:
        if on and self._diverged:
            self.diverged.emit(self._diverged)
            return
        if on != self._playing:
            self._playing = on
            self._post("playing", on)
            self.playing_changed.emit(on)

    def isRunning(self) -> bool:  # noqa: N802 - the same question as QThread.isRunning
        return self._proc is not None and self._proc.is_alive()

    is_running = isRunning

    def stop(self, timeout_ms: int = 3000) -> bool:
        if self._proc is None:
            return True
        self._post("quit", None)
        self._proc.join(timeout_ms / 1000)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(1.0)
        if self._reader is not None:
            self._reader.join(1.0)
        try:
            self._conn.close()
        except OSError:
            pass
        self._conn = None
        self._unpin_ui()
        return not self._proc.is_alive()
