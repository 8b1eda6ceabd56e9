"""LstmView with real snapshots: heat-maps, unit selection/highlighting, compare mode, text files."""

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from playground.core.registry import get_lab  # noqa: E402

SPEC = get_lab("lstm")


def session_and_snap(preset, steps=3, **over):
    over.setdefault("hidden_size", 12)
    over.setdefault("batch_size", 8)
    cfg = SPEC.make_config(preset, over)
    s = SPEC.make_session(cfg, device="cpu", seed=0)
    s.step(steps)
    return cfg, s, s.snapshot()


@pytest.fixture
def view(qtbot):
    v = SPEC.view_cls()(SPEC)
    v.MIN_FRAME_S = v.MIN_REDRAW_S = 0.0  # draw every snapshot at once (the app throttles)
    qtbot.addWidget(v)
    v.resize(1100, 700)
    v.show()
    return v


def grid_images(v):
    """The images of the heat-map grid, in slot order (empty places skipped)."""
    g = v.gates.grid
    return [g.images[v.gates.place(k)] for k, (key, _) in enumerate(v.gates.slots) if key]


def test_adding_view_draws_and_highlights_a_unit(view, qtbot):
    cfg, _, snap = session_and_snap("adding")
    view.set_config(cfg)
    view.set_snapshot(snap)
    view.flush_drawing()
    grid = view.gates.grid
    images = grid_images(view)
    assert [q for _, q in view.gates.slots] == ["f", "i", "o", "g", "c", "h"] and len(images) == 6
    for img, (_, q) in zip(images, view.gates.slots, strict=True):
        assert img.image.shape == (12, cfg.seq_len)  # units × time
        np.testing.assert_allclose(img.image, snap["models"]["a"]["maps"][q][0].T)
    cells = [grid.cell(*view.gates.place(k)) for k in range(6)]
    assert cells[0].levels == (0.0, 1.0) and cells[4].levels == (-2.0, 2.0) and cells[5].levels == (-1.0, 1.0)
    assert len(grid.bars) == 3  # one colour bar per scale (gates, tanh outputs, cell state), not one per map
    # clicking a heat-map row selects that unit everywhere
    grid.cell_clicked.emit(0, 2, 5, 10)
    assert view.unit == 5 and view.unit_spin.value() == 5
    assert all(r.isVisible() and tuple(r.getRegion()) == (5, 6) for r in grid.regions)
    # the finder table lists units; clicking a row selects it
    assert view.table.rowCount() > 0
    u = int(view.table.item(1, 0).text())
    view.finder.on_table_click(1, 0)
    assert view.unit == u
    assert all(tuple(r.getRegion()) == (u, u + 1) for r in grid.regions)
    view.select_unit(None)
    assert not any(r.isVisible() for r in grid.regions)
    # a double click zooms into one map (the 'Show' box follows); back shows them all
    grid.zoom_into(1, 1)
    assert view.rows_box.currentText() == "c cell state" and grid.zoom.levels == (-2.0, 2.0)
    grid.back.click()
    assert grid.zoomed is None and view.rows_box.currentIndex() == 0
    # gradient flow curve and the baseline
    y = view.grad_curves["a"].yData
    assert len(y) == cfg.seq_len and np.all(y > 0)
    assert view.loss_base.isVisible()
    # the other tabs draw without error
    for tab in (1, 2):
        view.tabs.setCurrentIndex(tab)
        view.set_snapshot(snap)
        view.flush_drawing()


def test_new_probe_button_sends_a_command(view, qtbot):
    cfg, _, snap = session_and_snap("parentheses")
    view.set_config(cfg)
    view.set_snapshot(snap)
    view.flush_drawing()
    with qtbot.waitSignal(view.command) as blocker:
        view.probe_btn.click()
    assert blocker.args == ["new_probe", {}]


def test_compare_mode_side_by_side(view):
    cfg, _, snap = session_and_snap("adding-rnn-vs-lstm")
    view.set_config(cfg)
    view.set_snapshot(snap)
    view.flush_drawing()
    assert view.gates.slots == [("a", "f"), ("a", "c"), ("a", "h"), ("", ""), ("", ""), ("b", "h")]
    assert "no gates" in view.gates.grid.notes[0].text
    assert view.grad_curves["b"].isVisible() and len(view.grad_curves["b"].getData()[0]) == cfg.seq_len
    assert set(view.loss_curves.items) == {"loss", "loss_b"}
    view.select_unit(3)
    assert all(r.isVisible() for r in view.gates.grid.regions)
    view.rows_box.setCurrentIndex(2)  # all of B
    assert view.gates.slots == [("b", "h")]
    view.tabs.setCurrentIndex(2)
    view.set_snapshot(snap)
    view.flush_drawing()
    assert "no gates" in view.sat_plots["b"].getPlotItem().titleLabel.text


def test_single_quantity_mode(view):
    cfg, _, snap = session_and_snap("copy", hidden_size=10)
    view.set_config(cfg)
    view.set_snapshot(snap)
    view.flush_drawing()
    view.rows_box.setCurrentIndex(5)  # c, large
    view.flush_drawing()
    grid = view.gates.grid
    assert grid.zoomed == view.gates.place(4) and grid.stack.currentIndex() == 1
    assert grid.zoom.img.image.shape == (10, cfg.seq_len)


def test_charlm_text_coloured_by_unit(view, qtbot):
    cfg, _, snap = session_and_snap("charlm", gen_len=40)
    view.set_config(cfg)
    view.select_unit(2)
    view.tabs.setCurrentIndex(1)
    view.set_snapshot(snap)
    view.flush_drawing()
    t = view.texts["a"]
    text = snap["models"]["a"]["text"]
    assert t.toPlainText().replace("↵", "").replace("\xa0", " ") == text
    assert "background-color:#" in t.toHtml()
    info = t.char_info(0)
    assert "unit 2" in info and "h=" in info and "c=" in info
    with qtbot.waitSignal(view.config_request) as blocker:
        view.temp_spin.setValue(1.3)
        view.temp_spin.editingFinished.emit()
    assert blocker.args == [{"temperature": 1.3}]


@pytest.mark.parametrize("content,match", [(b"", "empty"), (b"\x00\xff\x00binary" * 40, "binary"),
                                          (b"\xe9t\xe9 " * 100, "not UTF-8")])
def test_bad_text_file_gives_a_message_and_no_reset(view, qtbot, tmp_path, content, match):
    cfg, _, snap = session_and_snap("charlm")
    view.set_config(cfg)
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    requests = []
    view.config_request.connect(requests.append)
    with qtbot.waitSignal(view.message) as blocker:
        assert view.open_text(str(p)) is False
    assert match in blocker.args[0] and "\n" not in blocker.args[0]
    assert match in view.text_note.text()
    assert requests == []


def test_good_text_file_requests_charlm(view, qtbot, tmp_path):
    cfg, _, _ = session_and_snap("adding")
    view.set_config(cfg)
    p = tmp_path / "good.txt"
    p.write_text("hello world, this is a small text. " * 20, encoding="utf-8")
    with qtbot.waitSignal(view.config_request) as blocker:
        assert view.open_text(str(p))
    assert blocker.args == [{"task": "charlm", "text": str(p)}]


@pytest.mark.parametrize("preset", ["sine", "parentheses", "copy"])
def test_output_tab_for_each_task(view, preset):
    cfg, _, snap = session_and_snap(preset)
    view.set_config(cfg)
    view.tabs.setCurrentIndex(1)
    view.set_snapshot(snap)
    view.flush_drawing()
    items = view.out_plot.getPlotItem().listDataItems()
    assert len(items) >= 2


def test_gru_two_layers(view):
    cfg, _, snap = session_and_snap("parentheses", cell="gru", num_layers=2)
    view.set_config(cfg)
    view.set_snapshot(snap)
    view.flush_drawing()
    assert [q for _, q in view.gates.slots] == ["r", "z", "n", "h"]
    assert view.layer_box.isVisible() and view.layer == 1
    view.layer_box.setCurrentIndex(0)
    view.flush_drawing()
    np.testing.assert_allclose(grid_images(view)[0].image, snap["models"]["a"]["maps"]["r"][0].T)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_every_task_draws_with_tiny_models(view, cell):
    for task in ("sine", "adding", "copy", "parentheses", "charlm"):
        cfg, _, snap = session_and_snap(task, steps=1, cell=cell, hidden_size=1, num_layers=2, seq_len=5,
                                        copy_len=2, gen_len=10, compare=True,
                                        cell_b="lstm" if cell != "lstm" else "gru")
        view.set_config(cfg)
        view.select_unit(0)
        for tab in range(3):
            view.tabs.setCurrentIndex(tab)
            view.set_snapshot(snap)
            view.flush_drawing()
        for idx in range(view.rows_box.count()):
            view.rows_box.setCurrentIndex(idx)
            view.flush_drawing()


def test_hover_reads_the_value_under_the_mouse(view, monkeypatch):
    cfg, _, snap = session_and_snap("parentheses")
    view.set_config(cfg)
    view.set_snapshot(snap)
    view.flush_drawing()
    shown = []
    from PySide6 import QtWidgets

    monkeypatch.setattr(QtWidgets.QToolTip, "showText", lambda *a: shown.append(a[1]))
    plot = view.gates.grid.plots[(0, 0)]  # forget gate
    pos = plot.vb.mapViewToScene(__import__("pyqtgraph").Point(3.5, 2.5))
    view.gates.grid._hover(pos)
    v = snap["models"]["a"]["maps"]["f"][0, 3, 2]
    assert shown and "unit 2" in shown[-1] and "t=3" in shown[-1] and f"{v:+.3f}" in shown[-1]
