"""The tabular lab's panels (Qt, part of the view package). Each reads the snapshot keys named in its docstring
(see ``report``)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from playground.ui.panels.hist_compare import REAL, SYNTH, HistogramCompare
from playground.ui.widgets import HeatMap, hold_x_range, make_plot

MAX_CHARTS = 24


class _Cells(QtWidgets.QWidget):
    """Equal cells, ``cols`` a row, each at least ``min_h`` high, and a line of text under them. Unlike a
    QGridLayout (which hands its spare pixels to some rows and columns), every cell has the same size in pixels:
    a chart moved to another cell keeps its size, so its axes are not rebuilt."""

    def __init__(self, cols: int, min_h: int = 170, spacing: int = 4, margin: int = 6):
        super().__init__()
        self.cols, self.min_h, self.spacing, self.margin = cols, min_h, spacing, margin
        self.items: list[QtWidgets.QWidget] = []
        self.tail = QtWidgets.QLabel("", self)
        self.tail.setVisible(False)

    def place(self, items: list[QtWidgets.QWidget]) -> None:
        self.items = list(items)
        rows = -(-len(self.items) // self.cols)
        tail = self.tail.sizeHint().height() + self.spacing if self.tail.isVisibleTo(self) else 0
        self.setMinimumSize(self.cols * 200 + 2 * self.margin,
                            rows * (self.min_h + self.spacing) + 2 * self.margin + tail)
        self._arrange()

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        self._arrange()

    def _arrange(self) -> None:
        m, s, n = self.margin, self.spacing, len(self.items)
        rows = max(1, -(-n // self.cols))
        tail = self.tail.sizeHint().height() + s if self.tail.isVisibleTo(self) else 0
        w = max(1, (self.width() - 2 * m - s * (self.cols - 1)) // self.cols)
        h = max(self.min_h, (self.height() - 2 * m - tail - s * (rows - 1)) // rows)
        for i, item in enumerate(self.items):
            item.setGeometry(m + (i % self.cols) * (w + s), m + (i // self.cols) * (h + s), w, h)
        self.tail.setGeometry(m, m + rows * (h + s), self.width() - 2 * m, self.tail.sizeHint().height())


class MarginalsGrid(QtWidgets.QScrollArea):
    """Reads ``marginals`` (worst-matching first): one HistogramCompare per column in a scrolling grid.

    Each column keeps its chart from frame to frame (charts move between equal cells when the order changes):
    a chart that showed another column at the last frame rebuilds its title, ticks and ranges, the dearest part
    of a redraw (scrubbing a recording, live training). The legend is on the first cell's chart."""

    def __init__(self, parent=None, columns: int = 3):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.inner = _Cells(columns)
        self.setWidget(self.inner)
        self.cols = columns
        self.charts: list[HistogramCompare] = []  # every chart made, in making order
        self.shown: list[HistogramCompare] = []  # the charts in the cells, worst-matching column first
        self._chart_of: dict[tuple, HistogramCompare] = {}  # (column name, repeat) -> its chart
        self.more = self.inner.tail

    def set(self, margs: list[dict]) -> None:
        shown = margs[:MAX_CHARTS]
        names = [(m["name"], [x["name"] for x in shown[:i]].count(m["name"])) for i, m in enumerate(shown)]
        keep = {n: ch for n, ch in self._chart_of.items() if n in names}
        free = [ch for ch in self.charts if ch not in keep.values()]
        for n in names:
            if n not in keep:
                if not free:
                    ch = HistogramCompare(self.inner, legend=True)
                    self.charts.append(ch)
                    free.append(ch)
                keep[n] = free.pop(0)
        self._chart_of = keep
        more = f"showing the {MAX_CHARTS} worst of {len(margs)} columns" if len(margs) > MAX_CHARTS else ""
        order = [keep[n] for n in names]
        if order != self.shown or more != self.more.text():
            self.more.setText(more)
            self.more.setVisible(bool(more))
            for ch in self.charts:
                ch.setVisible(ch in order)
            self.inner.place(order)
            self.shown = order
        for i, (m, ch) in enumerate(zip(shown, order)):
            ch.show_legend(i == 0)
            ch.set(m)


class PairTrendsPanel(QtWidgets.QWidget):
    """Reads ``columns``, ``assoc_real``, ``assoc_synth``, ``assoc_diff``: three matrices on one colour scale
    (-1 … 1; Pearson ρ for two numbers, Cramér's V / correlation ratio otherwise; the difference is |Δ|)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.maps = []
        for i, title in enumerate(("real", "synthetic", "|real − synthetic|")):
            hm = HeatMap(title, levels=(-1.0, 1.0), cmap="CET-D1", colorbar=(i == 2))
            lay.addWidget(hm, 1)
            self.maps.append(hm)
        self._names = None

    def set(self, snap: dict) -> None:
        names = snap["columns"]
        if names != self._names:
            self._names = names
            short = [f"{k + 1} {n if len(n) <= 12 else n[:11] + '…'}" for k, n in enumerate(names)]
            numbers = [str(k + 1) for k in range(len(names))]  # columns by number: names would overlap
            for i, hm in enumerate(self.maps):
                hm.set_labels(x=numbers, y=short if i == 0 else numbers)
        for hm, key in zip(self.maps, ("assoc_real", "assoc_synth", "assoc_diff")):
            hm.set(np.asarray(snap[key]))


class ScatterPanel(QtWidgets.QWidget):
    """Reads ``columns``, ``kinds``, ``scatter`` (real and synthetic rows; categories jittered around their code)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        bar = QtWidgets.QHBoxLayout()
        self.x_box, self.y_box = QtWidgets.QComboBox(), QtWidgets.QComboBox()
        for label, box in (("x:", self.x_box), ("y:", self.y_box)):
            bar.addWidget(QtWidgets.QLabel(label))
            box.setMinimumContentsLength(12)
            box.currentIndexChanged.connect(self._redraw)
            bar.addWidget(box)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.plot = make_plot("Two columns, real vs synthetic", legend=True)
        self.real = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(31, 119, 180, 150), name="real")
        self.synth = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(228, 87, 46, 150), name="synthetic")
        self.plot.addItem(self.real)
        self.plot.addItem(self.synth)
        lay.addWidget(self.plot, 1)
        self._snap = None
        self._names = None
        self._jit = np.random.default_rng(0).uniform(-0.3, 0.3, (2, 5000))

    def set(self, snap: dict) -> None:
        names = snap["columns"]
        if names != self._names:
            self._names = names
            for box, default in ((self.x_box, 0), (self.y_box, 1)):
                box.blockSignals(True)
                box.clear()
                box.addItems(names)
                nums = [i for i, k in enumerate(snap["kinds"]) if k == "numeric"]
                box.setCurrentIndex(nums[default] if len(nums) > default else min(default, len(names) - 1))
                box.blockSignals(False)
        self._snap = snap
        self._redraw()

    def _redraw(self) -> None:
        snap = self._snap
        if snap is None or self.x_box.currentIndex() < 0 or self.y_box.currentIndex() < 0:
            return
        i, j = self.x_box.currentIndex(), self.y_box.currentIndex()
        kinds = snap["kinds"]
        for item, key in ((self.real, "real"), (self.synth, "synth")):
            v = np.asarray(snap["scatter"][key])
            x, y = v[:, i].copy(), v[:, j].copy()
            if kinds[i] == "categorical":
                x += self._jit[0, : len(x)]
            if kinds[j] == "categorical":
                y += self._jit[1, : len(y)]
            ok = np.isfinite(x) & np.isfinite(y)
            item.setData(x[ok], y[ok])
        pi = self.plot.getPlotItem()
        cats = snap["scatter"]["categories"]
        for axis, k in (("bottom", i), ("left", j)):
            name = snap["columns"][k]
            pi.setLabel(axis, name)
            ticks = [list(enumerate(cats[name]))] if name in cats else None
            pi.getAxis(axis).setTicks(ticks)


class PrivacyPanel(QtWidgets.QWidget):
    """Reads ``privacy``: the DCR histograms (synthetic rows and real held-out rows to their closest training
    row), the ratio of medians and the number of exact copies."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QtWidgets.QLabel("—")
        self.label.setWordWrap(True)
        lay.addWidget(self.label)
        self.plot = make_plot("Distance to the closest real training row (DCR)", "distance (mean per-column)",
                              "share of rows", legend=True)
        for axis in ("left", "bottom"):
            self.plot.getPlotItem().getAxis(axis).enableAutoSIPrefix(False)
        self.synth = self.plot.plot([], [], stepMode="center", pen=pg.mkPen(SYNTH, width=2), name="synthetic rows")
        self.hold = self.plot.plot([], [], stepMode="center", pen=pg.mkPen(REAL, width=2), fillLevel=0,
                                   brush=pg.mkBrush(31, 119, 180, 60), name="real held-out rows")
        lay.addWidget(self.plot, 1)

    def set(self, p: dict) -> None:
        self.synth.setData(p["bins"], p["synth"])
        self.hold.setData(p["bins"], p["holdout"])
        ratio = p["dcr_ratio"]
        verdict = ("synthetic rows sit much closer to training rows than new real rows do: the model may be "
                   "copying" if ratio < 0.5 else "synthetic rows are no closer to the training rows than new real "
                   "rows are")
        self.label.setText(f"median DCR: synthetic {p['median_synth']:.3f}, held-out {p['median_holdout']:.3f} "
                           f"(ratio {ratio:.2f}: {verdict}) · exact copies of training rows: "
                           f"{p['exact_copies']:,} of {p['n_synth']:,}")


class UsefulnessPanel(QtWidgets.QWidget):
    """Reads ``usefulness`` (target, kind, tstr, trtr, targets) and the history's ``tstr_score``/``trtr_score``.
    Emits ``target_changed(name)`` when the user picks another target column."""

    target_changed = QtCore.Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(QtWidgets.QLabel("Predict column:"))
        self.box = QtWidgets.QComboBox()
        self.box.setMinimumContentsLength(14)
        self.box.activated.connect(lambda i: self.target_changed.emit(self.box.itemText(i)))
        bar.addWidget(self.box)
        self.label = QtWidgets.QLabel("—")
        bar.addWidget(self.label, 1)
        lay.addLayout(bar)
        row = QtWidgets.QHBoxLayout()
        self.bars_plot = make_plot("Scored on real held-out rows", "", "score")
        self.bars = pg.BarGraphItem(x=[0, 1], height=[0, 0], width=0.6, brushes=[SYNTH, REAL])
        self.bars_plot.addItem(self.bars)
        self.bars_plot.getPlotItem().getAxis("bottom").setTicks([[(0, "trained on synthetic (TSTR)"),
                                                                  (1, "trained on real (TRTR)")], []])
        self.bars_plot.setYRange(0, 1, padding=0)
        row.addWidget(self.bars_plot, 1)
        self.curve_plot = make_plot("TSTR over training", "step", "score", legend=True)
        self.tstr = self.curve_plot.plot([], [], pen=pg.mkPen(SYNTH, width=2), name="TSTR", symbol="o", symbolSize=5,
                                         symbolBrush=SYNTH, symbolPen=None)
        self.trtr = self.curve_plot.plot([], [], pen=pg.mkPen(REAL, width=1.5, style=QtCore.Qt.DashLine), name="TRTR")
        for plot in (self.bars_plot, self.curve_plot):
            plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        self.curve_plot.setYRange(0, 1, padding=0.02)
        row.addWidget(self.curve_plot, 1)
        lay.addLayout(row, 1)
        self._targets = None

    def set(self, u: dict, hist: dict) -> None:
        if u["targets"] != self._targets:
            self._targets = u["targets"]
            self.box.clear()
            self.box.addItems(u["targets"])
        self.box.setCurrentText(u["target"])
        self.label.setText(f"  {u['kind']}: synthetic-trained {u['tstr']:.3f} vs real-trained {u['trtr']:.3f}")
        self.bars.setOpts(height=[np.nan_to_num(u["tstr"]), np.nan_to_num(u["trtr"])])
        lo = min(0.0, float(np.nan_to_num(u["tstr"])), float(np.nan_to_num(u["trtr"])))  # R² can be negative
        self.bars_plot.setYRange(lo, 1, padding=0)
        self.curve_plot.setYRange(lo, 1, padding=0.02)
        for item, key in ((self.tstr, "tstr_score"), (self.trtr, "trtr_score")):
            if key in hist:
                s, v = hist[key]
                v = np.asarray(v, float)
                ok = np.isfinite(v)
                item.setData(np.asarray(s)[ok], v[ok])
        last = [float(hist[k][0][-1]) for k in ("tstr_score", "trtr_score") if k in hist and len(hist[k][0])]
        if last:  # from step 0 to a round bound past the last point (a lone point sat alone in −400…400)
            hold_x_range(self.curve_plot, max(last))
