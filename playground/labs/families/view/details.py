"""What is particular to the GAN, the VAE and the flow (the diffusion panel has its own module).

- ``GanDetail`` reads ``history``: ``gan_loss_d``, ``gan_loss_g``.
- ``VaeDetail`` reads ``members.vae``: ``post_mu``, ``post_sigma``, ``post_x`` (posterior ellipses of a few
  data points, coloured by where the point lies), ``codes``, ``codes_x`` (posterior means of more points),
  ``sigma_x``; and ``history``: ``vae_recon``, ``vae_kl``.
- ``FlowDetail`` reads ``members.flow``: ``layers_grid`` (K + 1, lines, points, 2) and ``layers_samples``
  (K + 1, n, 2): the base grid and samples after each coupling; and ``history``: ``flow_nll``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from playground.ui.panels.curves import Curves
from playground.ui.widgets import make_plot

from .diffusion import hold_loss_y
from .plane import COLORS, lines_xy


def hue_brushes(xy: np.ndarray) -> list:
    """A colour per point from its angle around the origin: the same point has the same colour everywhere."""
    ang = (np.arctan2(xy[:, 1], xy[:, 0]) / (2 * np.pi)) % 1.0
    return [pg.mkBrush(pg.hsvColor(float(a), 0.75, 0.85, 0.9)) for a in ang]


class GanDetail(QtWidgets.QWidget):
    def __init__(self):
        super().__init__()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.plot = make_plot("GAN losses", "step", "loss", legend=True)
        self.curves = Curves(self.plot, {"gan_loss_d": "critic loss", "gan_loss_g": "generator loss"})
        self.plot.getPlotItem().getAxis("left").setStyle(autoReduceTextSpace=False)  # width only grows
        lay.addWidget(self.plot)

    def draw(self, snap: dict) -> None:
        self.curves.update(snap["history"])
        hold_loss_y(self.plot, snap["history"], ("gan_loss_d", "gan_loss_g"))

    def clear(self) -> None:
        self.curves.clear()
        self.plot.getPlotItem().getViewBox().enableAutoRange(y=True)  # a new run: fit afresh


class VaeDetail(QtWidgets.QWidget):
    def __init__(self):
        super().__init__()
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.latent = make_plot("Latent posteriors q(z|x)", "z₁", "z₂")
        self.latent.setAspectLocked(True)
        self.latent.setRange(xRange=(-3, 3), yRange=(-3, 3), padding=0)
        t = np.linspace(0, 2 * np.pi, 100)
        prior = pg.PlotCurveItem(np.cos(t), np.sin(t), pen=pg.mkPen((0, 0, 0, 160), width=1.5,
                                                                   style=QtCore.Qt.DashLine))
        self.latent.addItem(prior)
        self.codes = pg.ScatterPlotItem(size=3, pen=None)
        self.ellipses = pg.PlotCurveItem(pen=pg.mkPen((60, 60, 60, 150), width=1), connect="finite")
        self.centres = pg.ScatterPlotItem(size=5, pen=pg.mkPen("k", width=0.5))
        for item in (self.codes, self.ellipses, self.centres):
            self.latent.addItem(item)
        lay.addWidget(self.latent, 1)
        self.terms = make_plot("Reconstruction vs KL", "step", "nats", legend=True)
        self.curves = Curves(self.terms, {"vae_recon": "reconstruction −log p(x|z)", "vae_kl": "KL(q(z|x) ‖ p(z))"})
        self.terms.getPlotItem().getAxis("left").setStyle(autoReduceTextSpace=False)  # width only grows
        lay.addWidget(self.terms, 1)
        self._circle = np.stack([np.cos(np.linspace(0, 2 * np.pi, 33)), np.sin(np.linspace(0, 2 * np.pi, 33))], 1)

    def draw(self, snap: dict) -> None:
        d = snap["members"]["vae"]
        codes = np.nan_to_num(np.asarray(d["codes"], np.float64))
        self.codes.setData(codes[:, 0], codes[:, 1], brush=hue_brushes(np.asarray(d["codes_x"])))
        mu, sig = np.nan_to_num(d["post_mu"]), np.nan_to_num(d["post_sigma"])
        ell = mu[:, None, :] + sig[:, None, :] * self._circle[None]  # (n, 33, 2): 1σ ellipses
        xy = lines_xy(ell)
        self.ellipses.setData(xy[:, 0], xy[:, 1], connect="finite")
        self.centres.setData(mu[:, 0], mu[:, 1], brush=hue_brushes(np.asarray(d["post_x"])))
        self.curves.update(snap["history"])
        hold_loss_y(self.terms, snap["history"], ("vae_recon", "vae_kl"))

    def clear(self) -> None:
        self.curves.clear()
        self.terms.getPlotItem().getViewBox().enableAutoRange(y=True)  # a new run: fit afresh


class FlowDetail(QtWidgets.QWidget):
    """The warped grid layer by layer: layer 0 is the base N(0, I) (drawn at the data's scale)."""

    def __init__(self):
        super().__init__()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        bar = QtWidgets.QHBoxLayout()
        self.label = QtWidgets.QLabel("layer")
        self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.slider.setRange(0, 1)
        self.slider.setValue(1)
        self.slider.setToolTip("Which coupling layer's output to show: 0 = the base Gaussian, K = the data side")
        self.slider.valueChanged.connect(lambda _v: self._redraw())
        bar.addWidget(self.label)
        bar.addWidget(self.slider, 1)
        lay.addLayout(bar)
        row = QtWidgets.QHBoxLayout()
        self.plot = make_plot("Warped grid", "x₁", "x₂")
        self.plot.setAspectLocked(True)
        self.grid = pg.PlotCurveItem(pen=pg.mkPen((40, 40, 40, 150), width=1), connect="finite")
        self.pts = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(COLORS["flow"]))
        self.plot.addItem(self.grid)
        self.plot.addItem(self.pts)
        row.addWidget(self.plot, 1)
        self.nll_plot = make_plot("Negative log-likelihood", "step", "nats")
        self.curves = Curves(self.nll_plot, {"flow_nll": "NLL"})
        self.nll_plot.getPlotItem().getAxis("left").setStyle(autoReduceTextSpace=False)  # width only grows
        row.addWidget(self.nll_plot, 1)
        lay.addLayout(row, 1)
        self._d: dict | None = None
        self._extent = None

    def draw(self, snap: dict) -> None:
        self._d = snap["members"]["flow"]
        k = self._d["layers_grid"].shape[0] - 1
        if self.slider.maximum() != k:
            at_end = self.slider.value() == self.slider.maximum()
            self.slider.setMaximum(k)
            if at_end:
                self.slider.setValue(k)
        e = float(snap["extent"])
        if e != self._extent:
            self._extent = e
            self.plot.setRange(xRange=(-e, e), yRange=(-e, e), padding=0)
        self._redraw()
        self.curves.update(snap["history"])
        hold_loss_y(self.nll_plot, snap["history"], ("flow_nll",))

    def _redraw(self) -> None:
        k = self.slider.value()
        self.label.setText(f"after layer {k} of {self.slider.maximum()}" if k else "base N(0, I)")
        if self._d is None:
            return
        xy = lines_xy(self._d["layers_grid"][k])
        self.grid.setData(xy[:, 0], xy[:, 1], connect="finite")
        p = np.nan_to_num(np.asarray(self._d["layers_samples"][k], np.float64))
        self.pts.setData(p[:, 0], p[:, 1])

    def clear(self) -> None:
        self._d = None
        self.curves.clear()
        self.nll_plot.getPlotItem().getViewBox().enableAutoRange(y=True)  # a new run: fit afresh
