"""Hammer the LSTM lab in the window while it trains: random parameter changes (live and rebuilds),
view actions (units, probes, grid modes, tabs), transport clicks. No crash, no deadlock."""

from __future__ import annotations

import random

from playground.core.config import params, validate
from playground.ui.main_window import MainWindow

SMALL = {"hidden_size": 8, "batch_size": 8, "seq_len": 12, "gen_len": 20}
CAPS = {"hidden_size": 12, "batch_size": 16, "seq_len": 16, "num_layers": 2, "gen_len": 30, "copy_len": 4}


def _random_value(p, rng):
    if p.type is bool:
        return rng.random() < 0.5
    if p.choices is not None:
        return rng.choice(p.choices)
    if p.type is int:
        return rng.randint(int(p.lo), int(min(p.hi, CAPS.get(p.name, p.hi))))
    if p.type is float:
        return rng.uniform(p.lo, min(p.hi, p.lo + 1.0)) if p.name not in ("lr",) else rng.choice([1e-3, 3e-3])
    return p.default


def test_hammering_the_lstm_lab(qtbot, settled_step):
    rng = random.Random(1)
    win = MainWindow("lstm", "adding", device="cpu", overrides=SMALL)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.runner.session is not None, timeout=20000)
    failures = []
    win.runner.failed.connect(lambda msg, details: failures.append(msg + "\n" + details))
    win.runner.play()
    for _ in range(150):
        action = rng.random()
        view = win.view
        if action < 0.4:
            ps = [p for p in params(win.spec.config_cls) if p.name not in ("text", "prompt")]
            p = rng.choice(ps)
            if not p.live and rng.random() < 0.7:
                continue
            v = _random_value(p, rng)
            changes = {p.name: v}
            if not p.live:
                changes.update({k: min(getattr(win.runner.config, k), CAPS[k]) for k in ("hidden_size", "seq_len")})
            try:
                validate(win.spec.config_cls, changes, base=win.runner.config)
            except Exception:  # noqa: BLE001 - the panel would refuse it; so do we
                continue
            win._on_param_changed(changes)
        elif action < 0.55:
            view.select_unit(rng.choice([None, 0, 1, 5, 7]))
        elif action < 0.62:
            view.probe_btn.click()
        elif action < 0.72:
            view.tabs.setCurrentIndex(rng.randrange(3))
        elif action < 0.8:
            if view.rows_box.count():
                view.rows_box.setCurrentIndex(rng.randrange(view.rows_box.count()))
        elif action < 0.88:
            win.toggle_play()
        elif action < 0.94:
            win.step_once()
        else:
            win.reset()
        qtbot.wait(rng.choice([0, 1, 5, 20]))
    win.runner.pause()
    s0 = settled_step(win.runner)
    assert not failures, failures[0]
    win.runner.step_once()
    qtbot.waitUntil(lambda: win.runner.session.step_count >= s0 + 1, timeout=20000)
    validate(win.spec.config_cls, {}, base=win.runner.config)
    worker = win.runner._thread
    win.close()
    assert not worker.isRunning()
