"""The diffusion model's own views: a t slider, the forward-noised data at t with the learned score as
arrows, and samples after 1, 10, 50 and all sampling steps.

Reads ``members.diffusion``: ``t``, ``T``, ``alpha_bar``, ``noise_std``, ``noised`` (n, 2), ``arrows_at``,
``arrows`` (A, 2) (score directions in data units), ``gallery`` ({steps: (256, 2)}), ``steps``; and ``history``:
``diffusion_loss``, ``diffusion_samples_per_s``. The slider asks for ``t_view`` (a live key) through ``changed``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from playground.ui.panels.curves import Curves
from playground.ui.widgets import hold_y_range, make_plot

from .plane import COLORS, REAL


def hold_loss_y(plot, hist: dict, keys) -> None:
    """Round y bounds that hold while the loss curves stay inside them (``widgets.hold_y_range``)."""
    vals = [np.asarray(hist[k][1], np.float64) for k in keys if k in hist]
    if vals:
        hold_y_range(plot, np.concatenate(vals))


class DiffusionDetail(QtWidgets.QWidget):
    changed = QtCore.Signal(float)  # the t slider, as a fraction of T

    def __init__(self):
        super().__init__()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(QtWidgets.QLabel("t"))
        self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setValue(30)
        self.slider.setToolTip("The diffusion step shown: 0 = clean data, T = pure noise. Moves the noised data, "
                               "the score arrows (and the score heat-map)")
        self.slider.valueChanged.connect(lambda v: self.changed.emit(v / 100.0))
        bar.addWidget(self.slider, 1)
        self.label = QtWidgets.QLabel("t = –")
        self.label.setMinimumWidth(170)
        bar.addWidget(self.label)
        lay.addLayout(bar)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(2)
        self.field = make_plot("x_t and the score at t", "x₁", "x₂")
        self.field.setAspectLocked(True)
        self.noised = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(REAL))
        self.arrows = pg.PlotCurveItem(pen=pg.mkPen((20, 20, 20, 200), width=1.2), connect="pairs")
        self.tips = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(20, 20, 20, 220))
        for item in (self.noised, self.arrows, self.tips):
            self.field.addItem(item)
        row.addWidget(self.field, 1)
        self.loss_plot = make_plot("Denoising loss ‖ε − ε̂‖²", "step", "")
        self.curves = Curves(self.loss_plot, {"diffusion_loss": "loss"})
        self.loss_plot.getPlotItem().getAxis("left").setStyle(autoReduceTextSpace=False)  # width only grows
        row.addWidget(self.loss_plot, 1)
        lay.addLayout(row, 3)
        gal = QtWidgets.QHBoxLayout()
        gal.setSpacing(1)
        self.gallery: list[tuple[pg.PlotWidget, pg.ScatterPlotItem]] = []
        for _ in range(4):
            p = make_plot("", "", "")
            p.setMinimumSize(70, 70)
            p.setAspectLocked(True)
            p.hideAxis("bottom")
            p.hideAxis("left")
            p.setMenuEnabled(False)
            p.setMouseEnabled(x=False, y=False)
            s = pg.ScatterPlotItem(size=2.5, pen=None, brush=pg.mkBrush(COLORS["diffusion"]))
            p.addItem(s)
            gal.addWidget(p)
            self.gallery.append((p, s))
        lay.addLayout(gal, 2)
        self._extent = None

    def set_t(self, frac: float) -> None:
        """Show the config's t without emitting (after a reset or a preset)."""
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(frac * 100)))
        self.slider.blockSignals(False)

    def draw(self, snap: dict) -> None:
        d = snap["members"]["diffusion"]
        e = float(snap["extent"])
        if e != self._extent:
            self._extent = e
            for p in [self.field] + [g for g, _ in self.gallery]:
                p.setRange(xRange=(-e, e), yRange=(-e, e), padding=0)
        self.label.setText(f"t = {d['t']} of {d['T']}   √ᾱ = {np.sqrt(d['alpha_bar']):.2f}   "
                           f"noise σ = {d['noise_std']:.2f}")
        x = np.nan_to_num(np.asarray(d["noised"], np.float64))
        self.noised.setData(x[:, 0], x[:, 1])
        at, g = np.nan_to_num(d["arrows_at"]), np.nan_to_num(d["arrows"])
        norm = np.linalg.norm(g, axis=1)
        ref = float(np.percentile(norm, 90)) if norm.size and np.any(norm > 0) else 1.0
        step = 2 * e / np.sqrt(max(len(at), 1))  # the arrow grid's spacing
        dxy = g / max(ref, 1e-12) * 0.9 * step
        length = np.linalg.norm(dxy, axis=1, keepdims=True)
        dxy = np.where(length > 1.2 * step, dxy / np.maximum(length, 1e-12) * 1.2 * step, dxy)
        seg = np.empty((2 * len(at), 2))
        seg[0::2], seg[1::2] = at, at + dxy
        self.arrows.setData(seg[:, 0], seg[:, 1], connect="pairs")
        self.tips.setData(seg[1::2, 0], seg[1::2, 1])
        items = sorted(d["gallery"].items())
        for i, (p, s) in enumerate(self.gallery):
            if i < len(items):
                k, pts = items[i]
                pts = np.clip(np.nan_to_num(np.asarray(pts, np.float64)), -e, e)  # far-off points sit on the border
                s.setData(pts[:, 0], pts[:, 1])
                title = f"{k} step{'s' if int(k) > 1 else ''}" + (" (all)" if int(k) == d["steps"] else "")
                if p.getPlotItem().titleLabel.text != title:  # the same title again would re-lay out the plot
                    p.setTitle(title, size="8pt")
                p.setVisible(True)
            else:
                p.setVisible(False)
        self.curves.update(snap["history"])
        hold_loss_y(self.loss_plot, snap["history"], ("diffusion_loss",))

    def clear(self) -> None:
        self.curves.clear()
        self.loss_plot.getPlotItem().getViewBox().enableAutoRange(y=True)  # a new run: fit afresh
