"""The GAN's metric panels: a one-line summary, loss / modes / quality curves and the per-mode counts."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from playground.ui.livetext import LiveText
from playground.ui.panels.curves import CurvesPanel
from playground.ui.widgets import hold_y_range

OK = "#1f77b4"
WARN = "#e4572e"  # a mode below the capture threshold: the generator only brushes it


class ModeCountsPanel(pg.PlotWidget):
    """One bar per mode: how many of the evaluated samples are high-quality points of that mode, with the
    capture threshold (0.8 % of the samples: 20 of 2,500) as a dashed line and bars below it in orange.

    Snapshot keys read: ``metrics`` {``mode_counts`` (K ints)}, ``mode_min`` (the threshold count),
    ``mode_rule`` (the rule, for the tooltip).
    """

    def __init__(self):
        super().__init__()
        self.setMinimumSize(160, 90)
        pi = self.getPlotItem()
        pi.setTitle("Samples per mode", size="9pt")
        pi.setLabel("bottom", "mode")
        pi.setLabel("left", "samples")
        pi.setMenuEnabled(False)
        pi.hideButtons()
        pi.getViewBox().setMouseEnabled(x=False, y=False)
        pi.showGrid(y=True, alpha=0.25)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        pi.addItem(self.bars)
        self.line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#333", width=1.2, style=QtCore.Qt.PenStyle.DashLine))
        pi.addItem(self.line)
        # how many modes are below the line, in the plot's top-right corner: anchored to the view box, not
        # in the plot's layout, so a new count re-lays out nothing (a changing title re-laid out the plot and
        # re-rendered its axes at every frame while modes came and went)
        self.note = pg.LabelItem("", size="8pt", justify="right")
        self.note.setParentItem(pi.getViewBox())
        self.note.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-4, 2))
        self.counts: list[int] = []
        self.threshold = 0.0
        self._shown = None
        self._k: int | None = None  # the number of modes the x axis was last laid out for
        self._title = ""

    def draw(self, snap: dict) -> None:
        counts = (snap.get("metrics") or {}).get("mode_counts")
        if counts is None:
            return
        threshold = float(snap.get("mode_min", 0.0))
        key = (tuple(counts), threshold)
        if key == self._shown:
            return
        self._shown = key
        self.counts, self.threshold = [int(c) for c in counts], threshold
        k = len(counts)
        ok = np.asarray(counts) >= threshold - 1e-9
        self.bars.setOpts(x=np.arange(k), height=np.asarray(counts, np.float64), width=0.8,
                          brushes=[pg.mkBrush(OK if o else WARN) for o in ok], pens=[None] * k)
        self.line.setPos(threshold)
        pi = self.getPlotItem()
        # round y bounds that hold while the bars stay inside (counts move a little each frame: re-laying out
        # and re-rendering the axis every time cost ~5 ms a paint); axes and ticks change only with k, the
        # note only with its text
        hold_y_range(self, np.r_[np.asarray(counts, np.float64), threshold, 0.0], shrink=0.5, headroom=0.2)
        below = int((~ok).sum())
        title = f"{below} below the line" if below else "all above the line"
        if k != self._k:
            self._k = k
            pi.setXRange(-0.6, k - 0.4, padding=0)
            step = 1 if k <= 10 else 5
            pi.getAxis("bottom").setTicks([[(i, str(i + 1)) for i in range(0, k, step)], []])
        if title != self._title:
            self._title = title
            self.note.setText(title, color=WARN if below else OK)


class GanMetrics(QtWidgets.QWidget):
    """The right column: summary line, losses (smoothed), modes captured with the per-mode bars under it
    (mixtures only), sample quality.

    Snapshot keys read: ``step``, ``history`` (loss_d, loss_g, w_estimate, modes_captured, swd, hq_fraction),
    ``metrics`` (modes_captured, modes_total, hq_fraction, swd, mode_counts), ``mode_min``, ``mode_rule``.
    """

    def __init__(self):
        super().__init__()
        right = QtWidgets.QVBoxLayout(self)
        right.setContentsMargins(0, 0, 0, 0)
        self.summary = LiveText("—", wrap=True)  # changes at every frame: no relayout (see LiveText)
        self.summary.setStyleSheet("font-weight:600;")
        right.addWidget(self.summary)
        self.curves = CurvesPanel()
        self.loss_plot = self.curves.add_plot("losses", "Losses", "step", "loss", stretch=3)
        self.loss_curves = self.curves.set_curves("losses", {"loss_d": "D loss", "loss_g": "G loss",
                                                             "w_estimate": "Wasserstein estimate"})
        self.modes_plot = self.curves.add_plot("modes", "Modes captured", "step", "modes", legend=False,
                                               stretch=2, smooth=False)
        self.modes_curves = self.curves.set_curves("modes", {"modes_captured": "modes captured"}, width=2)
        self.mode_counts = ModeCountsPanel()
        self.curves.layout().addWidget(self.mode_counts, 2)
        self.quality_plot = self.curves.add_plot("quality", "Sample quality", "step", "", stretch=2, smooth=False)
        self.quality_curves = self.curves.set_curves("quality", {"swd": "sliced Wasserstein (↓)",
                                                                 "hq_fraction": "high-quality fraction (↑)"})
        right.addWidget(self.curves, 1)
        self._modes_total = None
        self._rule = None

    def clear(self) -> None:
        self.curves.clear()

    def draw_losses(self, snap: dict) -> None:
        self.curves.update(snap["history"], keys=("losses",))

    def draw_metrics(self, snap: dict) -> None:
        self.curves.update(snap["history"], keys=("modes", "quality"))
        met = snap.get("metrics", {})
        parts = [f"step {snap['step']:,}"]
        if "modes_captured" in met:
            parts.append(f"modes {int(met['modes_captured'])}/{int(met['modes_total'])}")
            parts.append(f"high quality {100 * met['hq_fraction']:.0f}%")
        if "swd" in met:
            parts.append(f"sliced W {met['swd']:.3f}")
        self.summary.setText("  ·  ".join(parts))
        mixture = "modes_captured" in met
        self.modes_plot.setVisible(mixture)
        self.mode_counts.setVisible(mixture and "mode_counts" in met)
        if "modes_total" in met and self._modes_total != met["modes_total"]:
            self._modes_total = met["modes_total"]
            self.modes_plot.setYRange(0, self._modes_total + 0.5, padding=0)
        rule = snap.get("mode_rule")
        if rule and rule != self._rule:
            self._rule = rule
            tip = f"Modes captured: {rule}. The bars below show each mode's count; the dashed line is the threshold."
            self.modes_plot.setToolTip(tip)
            self.mode_counts.setToolTip(tip)
        if mixture:
            self.mode_counts.draw(snap)
        self.quality_curves.items["hq_fraction"].setVisible("hq_fraction" in met)

