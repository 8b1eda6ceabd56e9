"""The tabular view like a user: open a bad CSV (refused, nothing changes), a good one (trains on it, column
table filled), change a column's type, export synthetic rows, look at every tab."""

from __future__ import annotations

import csv

import pytest

from playground.ui.main_window import MainWindow


@pytest.fixture
def win(qtbot):
    w = MainWindow("tabular", "penguins-copula", device="cpu")
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitUntil(lambda: w.runner.session is not None and w._last_snapshot is not None, timeout=180000)
    yield w
    w.close()


def test_open_csv_export_and_every_tab(win, qtbot, tmp_path):
    v = win.view
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    session = win.runner.session
    assert v.open_csv(str(bad)) is False
    assert "1 data row" in win.banner_text.text()
    qtbot.wait(100)
    assert win.runner.session is session and win.runner.config.data == "penguins"

    good = tmp_path / "good.csv"
    good.write_text("size,kind,score\n" + "".join(f"{i % 17},{'xyz'[i % 3]},{i / 9:.2f}\n" for i in range(120)))
    with qtbot.waitSignal(win.runner.session_ready, timeout=120000):
        assert v.open_csv(str(good)) is True
    assert win.runner.config.data == str(good)
    assert v.columns.table.rowCount() == 3
    # the column table: read 'size' as a category, apply
    v.columns.table.cellWidget(0, 1).setCurrentText("categorical")
    with qtbot.waitSignal(win.runner.session_ready, timeout=120000):
        v.columns.apply()
    assert win.runner.config.categorical == "size"

    out = tmp_path / "synth.csv"
    qtbot.waitUntil(lambda: win._last_snapshot is not None and win._last_snapshot.get("table") == "good.csv",
                    timeout=120000)
    v.export_csv(str(out), 250)
    qtbot.waitUntil(out.exists, timeout=120000)
    qtbot.waitUntil(lambda: "Wrote 250 synthetic rows" in win.banner_text.text(), timeout=120000)
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["size", "kind", "score"] and len(rows) == 251

    v.draw_all()  # every tab paints from the snapshot without error
    assert len([c for c in v.marginals.charts if not c.isHidden()]) == 3
