"""Hammer the Transformer lab in the window: random parameter changes (tasks, sizes, architectures),
head ablations, probes and inference inputs (good and bad), tab and head clicks, while training."""

from __future__ import annotations

import random

from playground.core.config import validate
from playground.ui.main_window import MainWindow

SMALL = {"d_model": 16, "n_heads": 2, "n_layers": 1, "d_ff": 32, "seq_len": 5, "vocab": 5, "batch_size": 16,
         "eval_size": 16}
CHANGES = [
    {"task": "copy"}, {"task": "sort"}, {"task": "addition"}, {"task": "translate"}, {"task": "charlm"},
    {"task": "reverse"}, {"arch": "decoder"}, {"arch": "encdec"}, {"n_heads": 4}, {"n_heads": 1},
    {"n_layers": 2}, {"n_layers": 1}, {"pos_encoding": "learned"}, {"norm": "post"}, {"seq_len": 3},
    {"seq_len": 7}, {"lr": 0.01}, {"lr": 0.001}, {"temperature": 0.5}, {"top_k": 2},
    {"compare": "n_heads", "compare_value": "1"}, {"compare": "off", "compare_value": ""},
]
TEXTS = ["", "0 1 2 3 4", "01234", "4 3 2 1 0 0 0", "zz", "1+2", "first of may 1990", "The sea", "§", "  "]


def test_hammering_the_transformer_lab(qtbot, settled_step):
    rng = random.Random(1)
    win = MainWindow("transformer", "reverse", device="cpu", overrides=SMALL)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.runner.session is not None, timeout=20000)
    failures = []
    win.runner.failed.connect(lambda msg, details: failures.append(msg + "\n" + details))
    win.runner.play()
    for _ in range(150):
        view = win.view
        a = rng.random()
        if a < 0.25:
            change = rng.choice(CHANGES)
            try:
                validate(win.spec.config_cls, change, base=win.runner.config)
            except Exception:  # noqa: BLE001 - the panel would refuse it
                continue
            win._on_param_changed(change)
        elif a < 0.4:
            kinds = view.attention.kinds or ["dec"]
            win.runner.command("ablate_head", {"kind": rng.choice(kinds), "layer": rng.randint(0, 1),
                                               "head": rng.randint(0, 3), "off": rng.random() < 0.7})
        elif a < 0.5:
            view.probe_edit.setText(rng.choice(TEXTS))
            view.set_probe()
        elif a < 0.6:
            view.inference.edit.setText(rng.choice(TEXTS))
            view.inference.decode()
        elif a < 0.7:
            view.tabs.setCurrentIndex(rng.randrange(view.tabs.count()))
        elif a < 0.8:
            grid = view.attention.grid
            if grid.shape[0]:
                view.attention.zoom_into(rng.randrange(grid.shape[0]), rng.randrange(grid.shape[1]))
            else:
                view.attention.unzoom()
        elif a < 0.85:
            view.attention.unzoom()
        elif a < 0.9:
            win.runner.command("reset_heads", {})
        elif a < 0.95:
            win.toggle_play()
        else:
            win.reset()
        qtbot.wait(rng.choice([0, 1, 5, 20]))
    win.runner.pause()
    s0 = settled_step(win.runner)
    win.runner.step_once()
    qtbot.waitUntil(lambda: win.runner.session.step_count >= s0 + 1, timeout=20000)
    qtbot.waitUntil(lambda: (win._last_snapshot or {}).get("step", -1) >= s0 + 1, timeout=20000)
    assert not failures, failures[0]
    worker = win.runner._thread
    win.close()
    assert not worker.isRunning()
