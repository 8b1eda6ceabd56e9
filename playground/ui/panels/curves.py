"""Curves (named curves on one plot) and CurvesPanel (a column of them with one smoothing control), fed from a
snapshot's history.

Smoothing is TensorBoard's: an exponential moving average with weight ``w`` in [0, 0.99], debiased so
the curve does not start at 0 (``s_t = w s_{t-1} + (1 - w) x_t``, shown as ``s_t / (1 - w^(t+1))``).
While smoothing is on, the raw values stay behind the smoothed curve, faint.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from playground.ui.widgets import PALETTE, hold_x_range, hold_y_range, make_plot, small_font

DEFAULT_SMOOTHING = 0.6  # TensorBoard's default


def ema_debiased(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing of ``values`` (non-finite values are skipped: they keep the last smoothed
    value). Vectorised in blocks short enough that ``weight ** -k`` stays finite."""
    v = np.asarray(values, np.float64)
    if weight <= 0 or v.size == 0:
        return v.copy()
    w = min(float(weight), 0.999)
    finite = np.isfinite(v)
    x = np.where(finite, v, 0.0)
    n_acc = np.cumsum(finite)  # how many finite values went in so far (the debiasing exponent)
    block = max(1, int(250 / -math.log10(w)))  # w**-block stays below 1e250
    out = np.empty_like(x)
    last = 0.0  # the biased EMA before the block
    for s in range(0, len(x), block):
        xb, fb = x[s: s + block], finite[s: s + block]
        k = np.cumsum(fb)  # finite values of this block up to each index
        kk = k[-1] if len(k) else 0
        # EMA over the finite values only: s_k = w^k last + (1-w) sum_{j<=k} w^(k-j) x_j
        pw = w ** k.astype(np.float64)  # w^k at each index
        contrib = np.cumsum(np.where(fb, xb * w ** -k.astype(np.float64), 0.0))
        ema = pw * last + (1 - w) * pw * contrib
        out[s: s + block] = ema
        if kk:
            last = float(ema[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        debias = 1.0 - w ** n_acc.astype(np.float64)
        res = np.where(n_acc > 0, out / np.where(debias > 0, debias, 1.0), np.nan)
    return res


class Curves:
    """Named curves on one plot, fed from history dicts ``{name: (steps, values)}``: NaN-safe (only finite
    points are drawn), downsampled, clipped to view, the x range held on round bounds (``hold_x_range``).
    A curve whose data did not change (metrics refreshed less often than losses) is left alone, so it is
    not repainted.

    With ``smooth=True`` the curves follow :meth:`set_weight` (a :class:`CurvesPanel`'s slider): above 0
    they are smoothed with :func:`ema_debiased` and the raw values stay behind, faint; ``unsmoothed`` names
    curves measured now and then (held-out metrics) that smoothing would only delay. Used on its own
    (``smooth=False``, the default) it draws the raw values."""

    def __init__(self, plot: pg.PlotWidget, names: dict[str, str] | list[str], *, width: float = 1.5,
                 smooth: bool = False, unsmoothed: tuple[str, ...] = ()):
        self.plot = plot
        self.smooth = smooth
        self.unsmoothed = set(unsmoothed)
        self.weight = 0.0
        self.items: dict[str, pg.PlotDataItem] = {}
        self.raw: dict[str, pg.PlotDataItem] = {}
        labels = names if isinstance(names, dict) else {n: n for n in names}
        for i, (key, label) in enumerate(labels.items()):
            color = pg.mkColor(PALETTE[i % len(PALETTE)])
            if smooth and key not in self.unsmoothed:
                faint = pg.mkColor(color)
                faint.setAlpha(70)
                self.raw[key] = self._add(plot.plot([], [], pen=pg.mkPen(faint, width=1)))
                self.raw[key].setVisible(False)
            self.items[key] = self._add(plot.plot([], [], name=label, pen=pg.mkPen(color, width=width)))
        self._legend_fit: tuple | None = None  # (viewbox width, entries) the legend's columns were fitted to
        self._shown: dict[str, tuple] = {}

    @staticmethod
    def _add(item: pg.PlotDataItem) -> pg.PlotDataItem:
        # peak downsampling to one bucket per pixel column (its min and max: what the eye sees) instead of
        # pyqtgraph's default five: a 4,000-point history at 1.5 px cost 14 ms a paint, 6 ms now (measured)
        item.opts["autoDownsampleFactor"] = 1.0
        item.setDownsampling(auto=True, method="peak")
        item.setClipToView(True)
        return item

    def set_weight(self, weight: float) -> None:
        if not self.smooth or weight == self.weight:
            return
        self.weight = weight
        self._shown.clear()  # redraw everything at the next update
        for raw in self.raw.values():
            raw.setVisible(weight > 0)

    def update(self, hist: dict) -> None:
        changed = False
        for key, item in self.items.items():
            if key not in hist:
                continue
            s, v = hist[key]
            sig = (len(s), s[0], s[-1], v[-1], self.weight) if len(s) else ()
            if self._shown.get(key) == sig:
                continue
            self._shown[key] = sig
            changed = True
            s = np.asarray(s)
            v = np.asarray(v, np.float64)
            smooth = self.smooth and self.weight > 0 and key not in self.unsmoothed
            shown = ema_debiased(v, self.weight) if smooth else v
            finite = np.isfinite(shown)  # plots never break on NaN/inf: draw only finite points
            item.setData(s[finite], shown[finite])
            if key in self.raw and self.weight > 0:
                fin = np.isfinite(v)
                self.raw[key].setData(s[fin], v[fin])
            if len(s):
                hold_x_range(self.plot, float(s[-1]))
        if changed:  # round y bounds that hold while the curves stay inside and fill half of them
            shown = [i.yData for i in (*self.items.values(), *self.raw.values())
                     if i.isVisible() and i.yData is not None and len(i.yData)]
            if shown:
                hold_y_range(self.plot, np.concatenate(shown), shrink=0.5, headroom=self._legend_share())

    def _legend_share(self) -> float:
        """The share of the plot's height the legend takes at its top (kept free of curves). Its entries go
        side by side, as many columns as fit the plot's width: a short band rather than a tall block."""
        legend = self.plot.getPlotItem().legend
        vb = self.plot.getPlotItem().getViewBox()
        h, w = vb.height(), vb.width()
        if legend is None or not legend.isVisible() or not legend.items or h <= 0:
            return 0.0
        top = (legend.opts.get("offset") or (0, 1))[1] > 0  # pyqtgraph anchors a legend with offset y ≤ 0 at the bottom
        fit = (round(w), len(legend.items))
        if fit != self._legend_fit:
            self._legend_fit = fit
            for cols in range(min(len(legend.items), 4), 0, -1):
                _lay_out_legend(legend, cols)
                if legend.boundingRect().width() <= w - 12:
                    break
        return min(0.4, (legend.boundingRect().height() + 8) / h) if top else 0.0

    def clear(self) -> None:
        self._shown.clear()
        for item in (*self.items.values(), *self.raw.values()):
            item.setData([], [])
        self.plot.getPlotItem().getViewBox().enableAutoRange(x=True)


def _lay_out_legend(legend: pg.LegendItem, cols: int) -> None:
    """Put a legend's entries in ``cols`` columns on a fresh grid (pyqtgraph's own ``setColumnCount`` reads
    the old grid's row and column counts, which never shrink, and loses entries after a re-layout)."""
    old = legend.layout
    lay = QtWidgets.QGraphicsGridLayout()
    lay.setVerticalSpacing(old.verticalSpacing())
    lay.setHorizontalSpacing(old.horizontalSpacing())
    lay.setContentsMargins(*old.getContentsMargins())
    for sample, label in legend.items:
        old.removeItem(sample)
        old.removeItem(label)
    legend.setLayout(lay)  # Qt deletes the old grid; the entries stay the legend's children
    legend.layout, legend.columnCount = lay, cols
    for sample, label in legend.items:
        legend._addItemToLayout(sample, label)
    legend.updateSize()


class CurvesPanel(QtWidgets.QWidget):
    """A column of loss / metric plots with one smoothing slider (0–0.99) above them.

    Snapshot keys read: ``history`` — ``{name: (steps, values)}``, one entry per curve name given to
    :meth:`set_curves`. Every lab draws its losses with it; labs add their own items (baselines) to
    ``plots[key]``.
    """

    def __init__(self, smoothing: float = DEFAULT_SMOOTHING, parent=None):
        super().__init__(parent)
        self.plots: dict[str, pg.PlotWidget] = {}
        self.curves: dict[str, Curves] = {}
        self._smoothable: dict[str, bool] = {}
        self._hist: dict | None = None
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        self.smooth_label = QtWidgets.QLabel("Smoothing")
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, 99)
        self.slider.setValue(int(round(smoothing * 100)))
        self.slider.setToolTip("Exponential moving average of the curves, debiased like TensorBoard's "
                               "(0 = raw values; the raw curve stays faint behind the smoothed one)")
        self.value_label = QtWidgets.QLabel()
        self.value_label.setMinimumWidth(28)
        for w in (self.smooth_label, self.value_label):
            small_font(w)
        row.addWidget(self.smooth_label)
        row.addWidget(self.slider, 1)
        row.addWidget(self.value_label)
        lay.addLayout(row)
        self._layout = lay
        self.slider.valueChanged.connect(self._on_slider)
        self._on_slider(self.slider.value())

    @property
    def weight(self) -> float:
        return self.slider.value() / 100.0

    def _on_slider(self, v: int) -> None:
        self.value_label.setText(f"{v / 100:.2f}")
        for c in self.curves.values():
            c.set_weight(self.weight)
        self._redraw()

    def add_plot(self, key: str, title: str = "", x: str = "step", y: str = "", *, log_y: bool = False,
                 legend: bool = True, stretch: int = 1, smooth: bool = True) -> pg.PlotWidget:
        """A new plot at the bottom of the column; ``smooth=False`` for metrics measured now and then
        (evaluated every few hundred steps), which smoothing would only delay."""
        plot = make_plot(title, x, y, log_y=log_y, legend=legend)
        self.plots[key] = plot
        self._smoothable[key] = smooth
        self._layout.addWidget(plot, stretch)
        return plot

    def set_curves(self, key: str, names: dict[str, str] | list[str], *, width: float = 1.5,
                   unsmoothed: tuple[str, ...] = ()) -> Curves:
        """(Re)create the curves of plot ``key`` (its old curves and legend entries are removed);
        ``unsmoothed`` names curves measured now and then (held-out metrics) that are never smoothed."""
        plot = self.plots[key]
        if key in self.curves:
            old = self.curves[key]
            for item in (*old.items.values(), *old.raw.values()):
                plot.removeItem(item)
                legend = plot.getPlotItem().legend
                if legend is not None:
                    legend.removeItem(item)
        c = Curves(plot, names, width=width, smooth=self._smoothable[key], unsmoothed=unsmoothed)
        c.set_weight(self.weight)
        self.curves[key] = c
        return c

    def update(self, hist: dict, keys=None) -> None:
        """Draw ``hist`` on every plot (or those in ``keys``)."""
        self._hist = hist
        for key, c in self.curves.items():
            if keys is None or key in keys:
                c.update(hist)

    def _redraw(self) -> None:
        if self._hist:
            self.update(self._hist)

    def clear(self) -> None:
        self._hist = None
        for c in self.curves.values():
            c.clear()
