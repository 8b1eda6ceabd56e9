"""HistogramCompare: the real and the generated distribution of one variable, side by side.

Reads one marginal dict (the tabular lab's ``snap["marginals"][i]``; any lab can build one):
  name    the variable's name (title)
  kind    "numeric" | "categorical"
  real, synth   frequencies (each sums to ≤ 1): per bin for numeric, per category for categorical
  edges   numeric only: the bin edges (len(real) + 1)
  labels  categorical only: the category names (len(real))
  score   optional: a similarity in [0, 1] shown in the title (e.g. 1 - KS statistic)
  missing_real, missing_synth   optional: shares of missing values, shown in the title
Numeric variables are drawn as two step histograms over the same bins; categorical ones as grouped bars.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

import playground.ui.widgets  # noqa: F401  (pyqtgraph's options and Qt binding)
from playground.ui.widgets import GENERATED_COLOR, REAL_COLOR, nice_ceil

REAL = REAL_COLOR
SYNTH = GENERATED_COLOR


class HistogramCompare(pg.PlotWidget):
    def __init__(self, parent=None, *, legend: bool = True):
        super().__init__(parent)
        self.setMinimumSize(200, 150)
        pi = self.getPlotItem()
        pi.showGrid(x=False, y=True, alpha=0.25)
        pi.setMenuEnabled(False)
        pi.hideButtons()
        pi.getViewBox().setMouseEnabled(x=False, y=False)
        # the y axis's text space grows, never shrinks: ticks "0.05 0.10" after "0.2 0.4" would narrow it and
        # resize the plot, re-rendering both axes (scrubbing back and forth)
        pi.getAxis("left").setStyle(autoReduceTextSpace=False)
        self.real_curve = pg.PlotDataItem(stepMode="center", pen=pg.mkPen(REAL, width=2),
                                          fillLevel=0, brush=pg.mkBrush(31, 119, 180, 60))
        self.synth_curve = pg.PlotDataItem(stepMode="center", pen=pg.mkPen(SYNTH, width=2))
        self.real_bars = pg.BarGraphItem(x=[], height=[], width=0.4, brush=REAL, pen=None)
        self.synth_bars = pg.BarGraphItem(x=[], height=[], width=0.4, brush=SYNTH, pen=None)
        for item in (self.real_curve, self.synth_curve, self.real_bars, self.synth_bars):
            pi.addItem(item)
        self.legend = None
        if legend:
            self.legend = pi.addLegend(offset=(-2, 2), labelTextSize="7pt", brush=pg.mkBrush(255, 255, 255, 200))
            self.legend.addItem(self.real_curve, "real")
            self.legend.addItem(self.synth_curve, "synthetic")
        self._key = None
        self._kind = None
        self._title = None
        self._top = None  # the top of the y range

    def show_legend(self, on: bool) -> None:
        """Show or hide the legend (built with ``legend=True``) without touching the plot's layout."""
        if self.legend is not None and self.legend.isVisible() != on:
            self.legend.setVisible(on)

    def set(self, m: dict) -> None:
        # Everything that re-lays out the plot (title text, ticks, ranges) is set only when it changes: a new
        # title or axis range makes pyqtgraph rebuild the axes' tick pictures and repaint the whole plot, the
        # dearest part of a frame (scrubbing a recording, live training)
        pi = self.getPlotItem()
        title = m["name"]
        if m.get("score") is not None and np.isfinite(m["score"]):
            title += f"  ({m['score']:.2f})"
        if m.get("missing_real") or m.get("missing_synth"):
            title += f"  missing {100 * m.get('missing_real', 0):.0f}% / {100 * m.get('missing_synth', 0):.0f}%"
        if title != self._title:
            self._title = title
            pi.setTitle(title, size="8pt")
        real, synth = np.asarray(m["real"], float), np.asarray(m["synth"], float)
        need = float(max(real.max(initial=0), synth.max(initial=0), 1e-6)) * 1.05
        kind = m["kind"]
        if kind == "numeric":
            edges = np.asarray(m["edges"], float)
            if self._kind != kind:  # the bars of a categorical variable drawn here before
                self.real_bars.setOpts(x=[], height=[])
                self.synth_bars.setOpts(x=[], height=[])
            self.real_curve.setData(edges, real)
            self.synth_curve.setData(edges, synth)
            key = ("numeric", edges[0], edges[-1])
            if key != self._key:
                self._key = key
                pi.getAxis("bottom").setTicks(None)
                pi.setXRange(edges[0], edges[-1], padding=0.02)
        else:
            labels = list(m["labels"])
            x = np.arange(len(labels), dtype=float)
            if self._kind != kind:
                self.real_curve.setData([], [])
                self.synth_curve.setData([], [])
            self.real_bars.setOpts(x=x - 0.2, height=real, width=0.4)
            self.synth_bars.setOpts(x=x + 0.2, height=synth, width=0.4)
            key = ("categorical", tuple(labels))
            if key != self._key:
                self._key = key
                step = max(1, int(np.ceil(len(labels) / 8)))
                ticks = [(i, lab if len(lab) <= 10 else lab[:9] + "…") for i, lab in enumerate(labels)
                         if i % step == 0]
                pi.getAxis("bottom").setTicks([ticks, []])
                pi.setXRange(-0.6, len(labels) - 0.4, padding=0)
        self._kind = kind
        # the y range moves on round bounds, only when the bars outgrow it or shrink well below it: the axis
        # (and its cached tick text) is not re-laid out at every frame. Set at the first frame in any case: the
        # view box's default range [0, 1] could pass the test and leave the y axis auto-ranging at every frame
        if self._top is None or not (need <= self._top <= 1.6 * need):
            self._top = nice_ceil(need * 1.15)
            pi.setYRange(0, self._top, padding=0)
