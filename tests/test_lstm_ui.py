"""Drive the LSTM lab through the main window: start, select a unit, switch task, compare mode,
open a bad text file."""

import pytest

pytest.importorskip("pytestqt")

SMALL = {"hidden_size": 8, "batch_size": 8, "seq_len": 20}


@pytest.fixture
def window(qtbot):
    from playground.ui.main_window import MainWindow

    w = MainWindow(lab="lstm", preset="adding", device="cpu", overrides=SMALL)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()


def wait_snap(qtbot, w, cond, timeout=30000):
    qtbot.waitUntil(lambda: w._last_snapshot is not None and cond(w._last_snapshot), timeout=timeout)
    return w._last_snapshot


def test_start_select_switch_task_and_compare(window, qtbot):
    w = window
    assert type(w.view).__name__ == "LstmView"
    w.runner.play()
    snap = wait_snap(qtbot, w, lambda s: s["step"] >= 30)
    assert snap["task"] == "adding" and "mse" in snap["history"]
    view = w.view
    view.select_unit(3)
    regions = view.gates.grid.regions
    assert len(regions) == 6 and all(r.isVisible() for r in regions)
    assert all(tuple(r.getRegion()) == (3, 4) for r in regions)

    # switch task (a rebuild): the view follows with parentheses' snapshots
    w._on_param_changed({"task": "parentheses"})
    snap = wait_snap(qtbot, w, lambda s: s["task"] == "parentheses" and s["step"] >= 10)
    assert snap["metric"] == "accuracy" and view.signal_box.currentText() == "depth"
    qtbot.waitUntil(lambda: view.table.rowCount() > 0, timeout=5000)  # drawn in its own event-loop turn

    # a live change keeps the layout and the selected unit
    w._on_param_changed({"lr": 0.01})
    qtbot.waitUntil(lambda: w.runner.config.lr == 0.01, timeout=10000)
    assert view.unit is not None

    # compare mode: two models, losses overlaid, views side by side
    w._on_param_changed({"compare": True, "cell_b": "rnn", "task": "adding"})
    snap = wait_snap(qtbot, w, lambda s: s["compare"] and s["step"] >= 10)
    assert set(snap["models"]) == {"a", "b"}
    assert {"loss", "loss_b"} <= set(snap["history"])
    assert view.gates.slots[-1] == ("b", "h") and view.grad_curves["b"].isVisible()

    # new probe goes through the runner to the session
    seed = snap["probe_seed"]
    view.probe_btn.click()
    wait_snap(qtbot, w, lambda s: s["probe_seed"] == seed + 1)
    w.runner.pause()


def test_bad_text_file_shows_a_banner_and_keeps_training(window, qtbot, tmp_path):
    w = window
    bad = tmp_path / "image.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00" * 50)
    w.view.open_text(str(bad))
    assert w.banner.isVisible() and "binary" in w.banner_text.text()
    assert w.runner.config.task == "adding"
    # the same file typed into the parameter panel is refused before it reaches the session
    for content in (b"", b"\xff\xfe\xfa not utf-8 " * 30):
        bad.write_bytes(content)
        w._on_param_changed({"task": "charlm", "text": str(bad)})
    # the session lives on (on a cold, busy machine it may still be being built when the test starts)
    qtbot.waitUntil(lambda: w.runner.session is not None, timeout=30000)
    assert w.runner.config.task == "adding" and w.runner.session.config.task == "adding"


def test_charlm_generates_coloured_text(window, qtbot):
    w = window
    w._on_param_changed({"task": "charlm", "hidden_size": 16, "gen_len": 30, "batch_size": 4})
    w.view.tabs.setCurrentIndex(1)
    w.runner.play()
    snap = wait_snap(qtbot, w, lambda s: s["task"] == "charlm" and s["step"] >= 3)
    w.runner.pause()
    assert snap["models"]["a"]["text"].startswith("The ")
    qtbot.waitUntil(lambda: len(w.view.texts["a"].toPlainText()) > 10, timeout=10000)
