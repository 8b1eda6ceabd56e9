"""Shared panels (curves with smoothing, heat-map grid) and the GAN's per-mode counts."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from playground.ui.panels.curves import CurvesPanel, ema_debiased  # noqa: E402
from playground.ui.panels.heatmap_grid import Cell, HeatmapGrid  # noqa: E402


def _tensorboard(values, w):
    """TensorBoard's smoothing, written as its loop (non-finite values skipped)."""
    last, n, out = 0.0, 0, []
    for x in values:
        if np.isfinite(x):
            last, n = last * w + (1 - w) * x, n + 1
        out.append(last / (1 - w ** n) if n else np.nan)
    return np.array(out)


@pytest.mark.parametrize("w", [0.3, 0.6, 0.9, 0.99])
def test_smoothing_is_tensorboards_debiased_ema(w):
    rng = np.random.default_rng(0)
    v = rng.normal(size=3000)
    v[rng.random(3000) < 0.05] = np.nan
    np.testing.assert_allclose(ema_debiased(v, w), _tensorboard(v, w), rtol=1e-9, atol=1e-9)
    assert ema_debiased(np.array([5.0, 5.0]), w)[0] == pytest.approx(5.0)  # debiased: no start at 0


def test_smoothing_of_zero_is_the_raw_curve():
    v = np.array([1.0, np.nan, 3.0])
    np.testing.assert_array_equal(ema_debiased(v, 0.0), v)


def test_curves_panel_slider_smooths_and_held_out_curves_stay_raw(qtbot):
    panel = CurvesPanel(smoothing=0.0)
    qtbot.addWidget(panel)
    panel.add_plot("loss", "Loss")
    c = panel.set_curves("loss", {"loss": "training", "val_loss": "held-out"}, unsmoothed=("val_loss",))
    steps = np.arange(200)
    noisy = np.where(steps % 2, 1.0, 0.0)
    hist = {"loss": (steps, noisy), "val_loss": (steps, noisy)}
    panel.update(hist)
    np.testing.assert_array_equal(c.items["loss"].yData, noisy)
    panel.slider.setValue(90)  # redraws at once with the last history
    assert panel.weight == 0.9 and panel.value_label.text() == "0.90"
    y = c.items["loss"].yData
    assert np.ptp(y[100:]) < 0.2  # smoothed: the 0/1 alternation is gone
    assert c.raw["loss"].isVisible() and len(c.raw["loss"].yData) == 200  # the raw curve stays, faint
    np.testing.assert_array_equal(c.items["val_loss"].yData, noisy)  # never smoothed
    panel.update({"loss": (steps, np.full(200, np.inf))})  # non-finite values never break a plot
    assert c.items["loss"].yData is None or len(c.items["loss"].yData) == 0


def test_heatmap_grid_one_colour_bar_per_scale_click_to_zoom(qtbot):
    grid = HeatmapGrid(zoom_on="click")
    qtbot.addWidget(grid)
    grid.resize(600, 400)
    grid.show()
    heads = [[Cell(f"L{r} H{c}") for c in range(3)] for r in range(2)]
    assert grid.set_cells(heads) and grid.shape == (2, 3) and len(grid.bars) == 1
    assert not grid.set_cells(heads)  # unchanged: no rebuild
    data = np.random.default_rng(0).random((5, 4))
    grid.set_data(1, 2, data)
    np.testing.assert_allclose(grid.images[(1, 2)].image, data.astype(np.float32))
    clicks = []
    grid.cell_clicked.connect(lambda *a: clicks.append(a))
    grid.cell_clicked.emit(1, 2, 3, 0)
    assert grid.zoomed == (1, 2) and grid.stack.currentIndex() == 1
    np.testing.assert_allclose(grid.zoom.img.image, data.astype(np.float32))
    grid.highlight_row(3)
    assert all(r.isVisible() for r in grid.regions) and grid.zoom.highlight.isVisible()
    grid.back.click()
    assert grid.zoomed is None and grid.stack.currentIndex() == 0
    mixed = [[Cell("f", (0.0, 1.0), "viridis", "gate"), Cell("c", (-2.0, 2.0), "CET-D1", "c")],
             [None, Cell("h", (-1.0, 1.0), "CET-D1", "h")]]
    grid.set_cells(mixed, y="unit")
    assert len(grid.bars) == 3 and (1, 0) not in grid.plots
    grid.set_note(1, 0, "a plain RNN has no gates")
    assert "no gates" in grid.notes[0].text


def test_gan_mode_counts_bars_threshold_and_rule(qtbot):
    from playground.labs.gan.panels import OK, WARN, GanMetrics

    m = GanMetrics()
    qtbot.addWidget(m)
    counts = [75, 4, 20, 19, 61]
    snap = {"step": 10, "history": {}, "mode_min": 20.0, "mode_rule": "a mode counts when 20 of 2,500 are near it",
            "metrics": {"modes_captured": 3, "modes_total": 5, "hq_fraction": 0.07, "mode_counts": counts}}
    m.draw_metrics(snap)
    bars = m.mode_counts.bars.opts
    np.testing.assert_array_equal(bars["height"], counts)
    colours = [b.color().name() for b in bars["brushes"]]
    assert colours == [OK, WARN, OK, WARN, OK]  # 20 of 2,500 counts, 19 and 4 do not
    assert m.mode_counts.line.value() == 20.0
    assert "2 below the line" in m.mode_counts.note.text  # a corner note: the title (and the layout) stay put
    assert m.mode_counts.getPlotItem().titleLabel.text == "Samples per mode"
    assert "20 of 2,500" in m.modes_plot.toolTip() and "modes 3/5" in m.summary.text()
    snap["metrics"] = {"swd": 0.1}  # not a mixture: no modes plot, no bars
    m.draw_metrics(snap)
    assert m.modes_plot.isHidden() and m.mode_counts.isHidden()


def test_curves_hold_their_x_range_until_the_steps_outgrow_it(qtbot):
    """Axes are re-laid out only when the range grows, not at every new point."""
    import numpy as np

    from playground.ui.panels.curves import Curves
    from playground.ui.widgets import make_plot

    plot = make_plot("loss")
    qtbot.addWidget(plot)
    curves = Curves(plot, ["loss"])
    vb = plot.getPlotItem().getViewBox()
    curves.update({"loss": (np.arange(1, 801), np.ones(800))})
    first = vb.viewRange()[0]
    assert first[0] == 0 and 1000 <= first[1] <= 1200  # 1.25 × 800, rounded up
    curves.update({"loss": (np.arange(1, 901), np.ones(900))})
    assert vb.viewRange()[0] == first  # still inside: unchanged
    curves.update({"loss": (np.arange(1, 1301), np.ones(1300))})
    assert vb.viewRange()[0][1] >= 1300  # outgrown: extended
    curves.clear()
    assert vb.autoRangeEnabled()[0]
