"""Scrubbing the tabular lab's marginals: each column keeps its chart while the worst-first order changes, a
chart re-sets its title and ranges only when they change, and scrubbing back shows the old frame's values."""

from __future__ import annotations

import numpy as np

from playground.labs.tabular.view.panels import MarginalsGrid


def _frame(step: int, order: list[str]) -> list[dict]:
    """Marginals of a made-up table (three numeric columns, one categorical), worst-matching first."""
    rng = np.random.default_rng(step)
    out = []
    for name in order:
        if name == "kind":
            real, synth = np.array([0.5, 0.3, 0.2]), rng.dirichlet(np.ones(3))
            out.append({"name": name, "kind": "categorical", "real": real, "synth": synth,
                        "labels": ["a", "b", "c"], "score": 0.9})
        else:
            real, synth = rng.dirichlet(np.ones(10)), rng.dirichlet(np.ones(10))
            out.append({"name": name, "kind": "numeric", "real": real, "synth": synth,
                        "edges": np.linspace(0, 10, 11), "score": 0.5 + step / 100})
    return out


def test_scrub_keeps_charts_and_shows_old_values(qtbot, monkeypatch):
    grid = MarginalsGrid()
    qtbot.addWidget(grid)
    grid.resize(1000, 600)
    grid.show()
    first = _frame(10, ["x", "y", "kind", "z"])
    grid.set(first)
    qtbot.waitUntil(lambda: grid.inner.width() > 600)
    charts = dict(zip(["x", "y", "kind", "z"], grid.shown))
    size, x_pos = charts["x"].size(), charts["x"].pos()

    # a later frame: the order changed; every column keeps its chart, now in the new order, same size
    later = _frame(50, ["kind", "z", "x", "y"])
    titles = []
    monkeypatch.setattr(type(charts["x"].getPlotItem()), "setTitle",
                        lambda self, *a, **k: titles.append(a[0]), raising=True)
    grid.set(later)
    assert grid.shown == [charts[n] for n in ("kind", "z", "x", "y")]
    assert all(ch.size() == size for ch in grid.shown)  # equal cells: a move is not a resize
    assert charts["kind"].pos() == x_pos != charts["x"].pos()  # "kind" took the first cell
    assert grid.shown[3].y() > grid.shown[0].y()  # three a row
    assert [ch.legend.isVisible() for ch in grid.shown] == [True, False, False, False]  # legend: first cell
    assert sorted(titles) == ["x  (1.00)", "y  (1.00)", "z  (1.00)"]  # the categorical score did not change

    # the same frame again: nothing re-set (no title, no range)
    titles.clear()
    ranges = [ch.getPlotItem().getViewBox().viewRange() for ch in grid.shown]
    grid.set(later)
    assert titles == []
    assert [ch.getPlotItem().getViewBox().viewRange() for ch in grid.shown] == ranges
    # the y range is fixed by the chart (never left auto-ranging on the data)
    assert not any(ch.getPlotItem().getViewBox().state["autoRange"][1] for ch in grid.shown)

    # scrub back: the first frame's values are shown again, by the same charts
    grid.set(first)
    assert charts["x"].pos() == x_pos
    assert grid.shown == [charts[n] for n in ("x", "y", "kind", "z")]
    _, y = charts["x"].real_curve.getData()
    np.testing.assert_allclose(y, first[0]["real"])
    np.testing.assert_allclose(charts["kind"].synth_bars.opts["height"], first[2]["synth"])
    assert len(charts["x"].real_bars.opts["x"]) == 0 and charts["kind"].real_curve.getData()[1] is None  # no leftovers

    # another table: charts are reused for new columns, extra ones hidden; a repeated name gets its own chart
    grid.set(_frame(3, ["p", "q"]))
    assert len(grid.charts) == 4 and sum(not ch.isHidden() for ch in grid.charts) == 2
    grid.set(_frame(3, ["p", "p", "q"]))
    assert len(set(grid.shown)) == 3 and sum(not ch.isHidden() for ch in grid.charts) == 3
