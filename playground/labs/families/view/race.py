"""The race: each family's metric against training steps and against its own training time (seconds).

Reads ``log`` from the snapshot: per family an (n, 5) array of evaluations (step, training seconds,
modes captured, high-quality fraction, sliced Wasserstein distance); and ``families``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from playground.ui.widgets import hold_x_range, hold_y_range, make_plot

from ..config import TITLES
from .plane import COLORS

METRICS = {"hq": ("High-quality fraction (↑)", 3), "modes": ("Modes captured (↑)", 2),
           "swd": ("Sliced Wasserstein distance (↓)", 4)}


class RacePanel(QtWidgets.QWidget):
    def __init__(self):
        super().__init__()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(QtWidgets.QLabel("Metric:"))
        self.choice = QtWidgets.QComboBox()
        for key, (label, _) in METRICS.items():
            self.choice.addItem(label, key)
        self.choice.setToolTip("Which metric the two plots below show, for every family")
        self.choice.currentIndexChanged.connect(lambda _i: self.redraw())
        bar.addWidget(self.choice, 1)
        lay.addLayout(bar)
        plots = QtWidgets.QHBoxLayout()
        plots.setSpacing(2)
        self.by_step = make_plot("vs steps", "step", "", legend=True)
        self.by_time = make_plot("vs training time", "seconds", "")
        for p in (self.by_step, self.by_time):
            p.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
            p.getPlotItem().getAxis("left").setStyle(autoReduceTextSpace=False)  # tick labels' width only grows
        plots.addWidget(self.by_step)
        plots.addWidget(self.by_time)
        lay.addLayout(plots, 1)
        self.curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self._log: dict = {}
        self._families: list[str] = []
        self._ylabel = ""

    def set_families(self, families: list[str]) -> None:
        if families == self._families:
            return
        self._families = list(families)
        for a, b in self.curves.values():
            self.by_step.removeItem(a)
            self.by_time.removeItem(b)
        self.curves = {}
        for f in families:
            pen = pg.mkPen(COLORS[f], width=2)
            a = self.by_step.plot([], [], pen=pen, name=TITLES[f], symbol="o", symbolSize=3,
                                  symbolBrush=COLORS[f], symbolPen=None)
            b = self.by_time.plot([], [], pen=pen, symbol="o", symbolSize=3, symbolBrush=COLORS[f], symbolPen=None)
            self.curves[f] = (a, b)

    def set_log(self, log: dict, mixture: bool) -> None:
        self._log = log
        if not mixture and self.choice.currentData() != "swd":  # modes/quality only exist for mixtures
            self.choice.setCurrentIndex(self.choice.findData("swd"))
        model = self.choice.model()
        for key in ("hq", "modes"):
            item = model.item(self.choice.findData(key))
            if item is not None:
                item.setEnabled(mixture)
        self.redraw()

    def redraw(self) -> None:
        key = self.choice.currentData()
        col = METRICS[key][1]
        last = [0.0, 0.0]  # the furthest step and training time over the families
        values = []
        for f, (a, b) in self.curves.items():
            rows = np.asarray(self._log.get(f, np.zeros((0, 5))), np.float64).reshape(-1, 5)
            values.append(rows[:, col])
            ok = np.isfinite(rows[:, col])
            a.setData(rows[ok, 0], rows[ok, col])
            b.setData(rows[ok, 1], rows[ok, col])
            if ok.any():
                last = [max(last[0], float(np.nanmax(rows[ok, 0]))), max(last[1], float(np.nanmax(rows[ok, 1])))]
        hold_x_range(self.by_step, last[0], at_least=0.0)
        hold_x_range(self.by_time, last[1], at_least=0.0)
        label = METRICS[key][0].split(" (")[0]
        if label != self._ylabel:  # re-setting the same label re-lays out and re-renders the axis
            self._ylabel = label
            for p in (self.by_step, self.by_time):
                p.getPlotItem().setLabel("left", label)
                p.getPlotItem().getViewBox().enableAutoRange(y=True)  # another metric: fit its values afresh
        values = np.concatenate(values) if values else np.zeros(0)
        for p in (self.by_step, self.by_time):
            hold_y_range(p, values)

    def clear(self) -> None:
        self._log = {}
        for p in (self.by_step, self.by_time):
            p.getPlotItem().getViewBox().enableAutoRange(x=True, y=True)  # a new run: the next points set the range
        for a, b in self.curves.values():
            a.setData([], [])
            b.setData([], [])
