"""`playground selftest`: is this installation whole? (the smoke test of a wheel or a frozen bundle)

Trains every discovered lab a few steps headless, renders one snapshot of each lab's window offscreen,
then starts the training worker process once (the app's default runner, started with ``spawn``: in a
frozen app this proves ``multiprocessing.freeze_support()`` is in place), trains one step there and stops
it. Each part prints one line; the exit code is 0 when all passed, else 1 with the failing parts named.
Labs come from the registry, so a new lab is checked without touching this file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

WORKER_TIMEOUT_S = 180.0  # spawning a process that imports torch takes seconds; a loaded machine, more


class SelfTest:
    """Runs named parts, records failures, prints one line per part."""

    def __init__(self, out=None):
        self.out = out or (lambda line: print(line, flush=True))
        self.failed: list[str] = []
        self.passed = 0

    def part(self, name: str, fn: Callable[[], str]) -> bool:
        t0 = time.perf_counter()
        try:
            detail = fn() or ""
        except Exception as e:  # a self-test reports every failure as one line and goes on
            msg = (str(e).strip().splitlines() or [""])[0][:300]
            self.out(f"  FAIL  {name}: {type(e).__name__}: {msg}")
            self.failed.append(name)
            return False
        self.out(f"  ok    {name}: {detail} ({time.perf_counter() - t0:.1f} s)")
        self.passed += 1
        return True


def _check_image(path: Path, size: tuple[int, int]) -> str:
    from PySide6 import QtGui

    img = QtGui.QImage(str(path))
    if img.isNull():
        raise RuntimeError(f"{path.name} is not a readable PNG")
    if img.width() < size[0] or img.height() < size[1]:  # larger is fine: a view's minimum size wins
        raise RuntimeError(f"{path.name} is {img.width()}x{img.height()}, expected {size[0]}x{size[1]}")
    small = img.scaled(48, 27)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    if len(colours) < 8:
        raise RuntimeError(f"{path.name} looks blank ({len(colours)} colours)")
    return f"{img.width()}x{img.height()} PNG, {len(colours)} colours in a 48x27 thumbnail"


def _train(spec, steps: int, device: str, state: dict) -> str:
    config = spec.make_config(spec.default_preset or None)
    session = spec.make_session(config, device=device, seed=0)
    session.step(steps)
    session.evaluate()
    session.flush()
    if session.diverged:
        raise RuntimeError(f"diverged: {session.diverged}")
    state["config"], state["snap"] = config, session.snapshot()
    return f"{session.step_count} steps of preset '{spec.default_preset or 'defaults'}' on {session.device}"


def _render(spec, state: dict, folder: Path, size: tuple[int, int]) -> str:
    from playground.ui.app import render_snapshot

    out = folder / f"{spec.name}.png"
    render_snapshot(spec.name, spec.default_preset or None, state["config"], state["snap"], str(out), size)
    return _check_image(out, size)


def _worker(spec, device: str) -> str:
    """Start the worker process, train one step in it, stop it."""
    from PySide6 import QtCore

    from playground.ui.app import _app
    from playground.ui.procrunner import ProcessRunner

    app = _app()
    seen: dict = {}
    runner = ProcessRunner(spec.name, spec.make_config(spec.default_preset or None), device=device)
    runner.snapshot.connect(lambda s: seen.__setitem__("step", max(seen.get("step", 0), s.get("step", 0))))
    runner.failed.connect(lambda m, _d: seen.__setitem__("failed", m))
    loop = QtCore.QEventLoop()
    timer = QtCore.QTimer(singleShot=True, interval=100)

    def poll():
        if seen.get("step", 0) >= 1 or "failed" in seen or time.perf_counter() > deadline:
            loop.quit()
        else:
            timer.start()

    timer.timeout.connect(poll)
    deadline = time.perf_counter() + WORKER_TIMEOUT_S
    t0 = time.perf_counter()
    runner.start()
    try:
        runner.step_once(1)
        timer.start()
        loop.exec()
        app.processEvents()
        pid = runner._proc.pid if runner._proc is not None else None
        if "failed" in seen:
            raise RuntimeError(f"the worker reported: {seen['failed']}")
        if seen.get("step", 0) < 1:
            raise TimeoutError(f"no training step from the worker process within {WORKER_TIMEOUT_S:.0f} s")
        started = time.perf_counter() - t0
    finally:
        stopped = runner.stop(5000)
    if not stopped:
        raise RuntimeError("the worker process did not stop")
    return f"process {pid} started, trained a step on {runner.device_name or device} in {started:.1f} s, stopped"


def run_selftest(steps: int = 10, device: str = "auto", size: tuple[int, int] = (1366, 768), out=None,
                 labs: list[str] | None = None) -> int:
    """Run every part; return 0 when all passed, else 1 (the failing parts named on the last line)."""
    t0 = time.perf_counter()
    from PySide6 import QtWidgets

    if QtWidgets.QApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a headless check, even on a desktop
        _quiet_offscreen_warning()
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    import playground
    from playground.core.registry import all_labs

    test = SelfTest(out)
    found: dict = {}
    test.part("labs", lambda: _discover(found, all_labs, labs))
    specs = list(found.values())
    if specs:
        from playground.core.device import configure_threads, resolve_device

        configure_threads()
        dev = str(resolve_device(device))
        with tempfile.TemporaryDirectory(prefix="playground-selftest-") as tmp:
            for spec in specs:
                state: dict = {}
                if test.part(f"{spec.name} train", lambda s=spec, st=state: _train(s, steps, dev, st)):
                    test.part(f"{spec.name} snapshot", lambda s=spec, st=state: _render(s, st, Path(tmp), size))
        test.part("worker", lambda: _worker(specs[0], dev))
    seconds = time.perf_counter() - t0
    if test.failed:
        test.out(f"selftest failed: {', '.join(test.failed)} ({test.passed} parts passed, {seconds:.1f} s)")
        return 1
    test.out(f"selftest passed: {test.passed} parts, playground {playground.__version__}, {seconds:.1f} s")
    return 0


def _quiet_offscreen_warning() -> None:
    """Qt's offscreen plugin warns "does not support propagateSizeHints()" for every window: noise here."""
    from PySide6 import QtCore

    previous = None

    def handler(mode, context, message):
        if "propagateSizeHints" in message:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            sys.stderr.write(message + "\n")

    previous = QtCore.qInstallMessageHandler(handler)


def _discover(found: dict, all_labs, only: list[str] | None) -> str:
    labs = all_labs()
    if not labs:
        raise RuntimeError("no lab found in playground.labs")
    for name in only or labs:
        if name not in labs:
            raise RuntimeError(f"unknown lab '{name}' (have {', '.join(labs)})")
        found[name] = labs[name]
    import PySide6
    import torch
    from PySide6 import QtCore

    from playground.core.resources import resources_dir

    frozen = " (frozen)" if getattr(sys, "frozen", False) else ""
    return (f"{', '.join(found)}; Python {sys.version.split()[0]}{frozen}, torch {torch.__version__}, "
            f"PySide6 {PySide6.__version__}, Qt {QtCore.qVersion()}; resources in {resources_dir()}")
