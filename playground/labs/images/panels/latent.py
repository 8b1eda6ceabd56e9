"""Latent panels: the VAE's codes and decoded manifold; the *Draw a digit* canvas and its verdicts."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from playground.ui.panels.image_grid import ImageGrid
from playground.ui.widgets import PALETTE, make_plot

from .canvas import DrawCanvas
from .common import vbox


class LatentPanel(QtWidgets.QWidget):
    """Fixed training images' codes (the model sees every image) coloured by class, each class's digit
    written at its centre (2-D latent: z itself; more: the first two principal components), the drawn
    digit's code as a star, and the decoded manifold. Reads ``scatter`` (n, 2), ``scatter_labels`` (n,) or
    None, ``scatter_axes``, ``manifold`` (M², S, S[, 3]), ``manifold_n``, ``latent``, ``drawn`` (its
    ``code``)."""

    def __init__(self):
        super().__init__()
        lay = vbox(self)
        self.plot = make_plot("VAE codes of training images", "z₁", "z₂")
        self.plot.getPlotItem().setAspectLocked(True)
        self.scatter = pg.ScatterPlotItem(size=3, pen=None)
        self.marker = pg.ScatterPlotItem(size=18, symbol="star", pen=pg.mkPen("k", width=1.5), brush="#ffdd00")
        self.plot.addItem(self.scatter)
        self.plot.addItem(self.marker)
        self._brushes = [pg.mkBrush(c) for c in PALETTE]
        self.names = []
        for k in range(10):
            t = pg.TextItem(str(k), color=PALETTE[k], anchor=(0.5, 0.5), border=pg.mkPen(PALETTE[k]),
                            fill=pg.mkBrush(255, 255, 255, 210))
            t.setVisible(False)
            t.setZValue(5)
            self.plot.addItem(t)
            self.names.append(t)
        lay.addWidget(self.plot, 1)
        self.manifold = ImageGrid("decoded manifold", min_size=(120, 120))
        lay.addWidget(self.manifold, 1)

    def set(self, snap: dict) -> None:
        xy = snap.get("scatter")
        if xy is not None and len(xy):
            xy = np.nan_to_num(np.asarray(xy, np.float64))
            lab = snap.get("scatter_labels")
            brushes = [self._brushes[int(k) % 10] for k in lab] if lab is not None else pg.mkBrush("#555")
            self.scatter.setData(xy[:, 0], xy[:, 1], brush=brushes)
            for k, t in enumerate(self.names):
                sel = (np.asarray(lab) == k) if lab is not None else np.zeros(len(xy), bool)
                t.setVisible(bool(sel.any()))
                if sel.any():
                    t.setPos(*np.median(xy[sel], 0))
            ax = snap.get("scatter_axes", ("z₁", "z₂"))
            self.plot.setLabel("bottom", ax[0])
            self.plot.setLabel("left", ax[1])
        d = snap.get("drawn") or {}
        code = d.get("code")
        self.marker.setData([code[0]], [code[1]]) if code is not None else self.marker.setData([], [])
        m = snap.get("manifold")
        if m is not None and len(m):
            self.manifold.set_images(m, int(snap.get("manifold_n", 15)))
            lat = int(snap.get("latent", 2))
            self.manifold.plot.setTitle("decoded manifold, z ∈ [-2.5, 2.5]²" if lat == 2 else
                                        "decoded manifold (plane of PC 1, PC 2)", size="9pt")


class DrawPanel(QtWidgets.QWidget):
    """*Draw a digit*: the canvas, the VAE's reconstruction of the drawing and every model's verdict.
    Reads ``drawn`` (``recon`` (S, S), ``code``, ``d_score``, ``label``, ``confidence``), ``d_is_prob``."""

    drawn = QtCore.Signal(object)
    cleared = QtCore.Signal()

    def __init__(self):
        super().__init__()
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        left = QtWidgets.QVBoxLayout()
        title = QtWidgets.QLabel("<b>Draw a digit</b>")
        left.addWidget(title)
        self.canvas = DrawCanvas(28)
        self.canvas.drawn.connect(self.drawn)
        left.addWidget(self.canvas)
        self.clear_btn = QtWidgets.QPushButton("Clear")
        self.clear_btn.clicked.connect(self._clear)
        left.addWidget(self.clear_btn)
        lay.addLayout(left)
        right = QtWidgets.QVBoxLayout()
        self.recon = ImageGrid("VAE redraws", min_size=(80, 80))
        self.recon.setMaximumSize(130, 130)
        right.addWidget(self.recon, 1)
        self.verdict = QtWidgets.QLabel("Draw with the mouse: the models judge your digit.")
        self.verdict.setWordWrap(True)
        right.addWidget(self.verdict)
        lay.addLayout(right, 1)

    def _clear(self) -> None:
        self.canvas.clear()
        self.recon.set_images(None)
        self.verdict.setText("Draw with the mouse: the models judge your digit.")
        self.cleared.emit()

    def set(self, snap: dict) -> None:
        d = snap.get("drawn")
        if not d:
            return
        self.recon.setVisible("recon" in d)
        if "recon" in d:
            self.recon.set_images(np.asarray(d["recon"])[None], 1)
        parts = []
        if "label" in d:
            parts.append(f"classifier: <b>{d['label']}</b> ({100 * d['confidence']:.0f} %)")
        if "d_score" in d:
            what = "P(real)" if snap.get("d_is_prob") else "critic score"
            parts.append(f"D: {what} = <b>{d['d_score']:.2f}</b>")
        if d.get("code") is not None:
            parts.append("VAE code: ★ in the scatter")
        self.verdict.setText("<br>".join(parts))
