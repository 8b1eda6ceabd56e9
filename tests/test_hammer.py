"""Hammer the window during training: random parameter changes, transport clicks and lab switches.
No crash, no deadlock, no corrupted state."""

from __future__ import annotations

import random

from playground.core.config import params, validate
from playground.core.registry import all_labs
from playground.ui.main_window import MainWindow


def _random_value(p, rng):
    if p.type is bool:
        return rng.random() < 0.5
    if p.choices is not None:
        return rng.choice(p.choices)
    if p.type is int:
        hi = p.hi if p.hi is not None else p.lo + 10
        return rng.randint(int(p.lo), int(min(hi, max(p.lo, 16) if "width" in p.name or "size" in p.name else hi)))
    if p.type is float:
        return rng.uniform(p.lo, min(p.hi, p.lo + 1.0)) if p.lo is not None and p.hi is not None else p.default
    return p.default


def test_hammering_the_window_during_training(qtbot, settled_step):
    rng = random.Random(0)
    win = MainWindow("gan", "ring8-wgan-gp", device="cpu",
                     overrides={"g_width": 16, "d_width": 16, "batch_size": 32, "grid": 16, "show_samples": 64})
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.runner.session is not None, timeout=20000)
    labs = list(all_labs())
    for _ in range(200):
        action = rng.random()
        if action < 0.5:  # a parameter change: live keys mostly, sometimes a rebuild
            ps = [p for p in params(win.spec.config_cls) if p.type is not str or p.choices is not None]
            p = rng.choice(ps)
            if p.path_ok or p.name in ("text",):
                continue
            if not p.live and rng.random() < 0.8:
                continue
            v = _random_value(p, rng)
            try:
                validate(win.spec.config_cls, {p.name: v}, base=win.runner.config)
            except Exception:  # noqa: BLE001 - the panel would refuse it; so do we
                continue
            win._on_param_changed({p.name: v})
        elif action < 0.7:
            win.toggle_play()
        elif action < 0.8:
            win.step_once()
        elif action < 0.85:
            win.reset()
        elif action < 0.87 and len(labs) > 1:
            win.load_lab(rng.choice(labs))
        qtbot.wait(rng.choice([0, 0, 1, 5]))
    win.runner.pause()
    s0 = settled_step(win.runner)
    win.runner.step_once()
    qtbot.waitUntil(lambda: win.runner.session is not None and win.runner.session.step_count >= s0 + 1,
                    timeout=20000)
    validate(win.spec.config_cls, {}, base=win.runner.config)
    worker = win.runner._thread
    win.close()
    # the worker stops at its next check; a busy machine may still be building a session then
    qtbot.waitUntil(lambda: not worker.isRunning(), timeout=30000)
