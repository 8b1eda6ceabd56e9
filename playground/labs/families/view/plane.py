"""The samples plane of one family: its samples and the real data over a heat-map of what it believes.

Reads from the snapshot: ``extent``, ``real``, ``centers``, ``drawn`` and, from ``members[family]``:
``samples``, ``heat``, ``heat_label``, optional ``mesh`` (a (n, n, 2) warped latent grid: the GAN's
generator, the VAE's decoder, the flow's last layer) and ``paths`` (diffusion's reverse trajectories).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from playground.ui.panels.draw2d import DrawViewBox
from playground.ui.widgets import REAL_COLOR

REAL = REAL_COLOR
COLORS = {"gan": "#d62728", "vae": "#9467bd", "flow": "#2ca02c", "diffusion": "#e07b00"}
CMAPS = {"gan": "CET-D1A", "vae": "viridis", "flow": "viridis", "diffusion": "viridis"}


def mesh_xy(m: np.ndarray) -> np.ndarray:
    """Rows and columns of a (ny, nx, 2) grid as one NaN-separated polyline (N, 2)."""
    m = np.nan_to_num(np.asarray(m, np.float64), nan=0.0, posinf=1e6, neginf=-1e6)
    ny, nx, _ = m.shape
    rows = np.concatenate([m, np.full((ny, 1, 2), np.nan)], 1).reshape(-1, 2)
    cols = np.concatenate([m.transpose(1, 0, 2), np.full((nx, 1, 2), np.nan)], 1).reshape(-1, 2)
    return np.concatenate([rows, cols])


def lines_xy(lines: np.ndarray) -> np.ndarray:
    """(L, P, 2) polylines as one NaN-separated polyline."""
    lines = np.nan_to_num(np.asarray(lines, np.float64), nan=0.0, posinf=1e6, neginf=-1e6)
    n = lines.shape[0]
    return np.concatenate([lines, np.full((n, 1, 2), np.nan)], 1).reshape(-1, 2)


class TitleLabel(pg.LabelItem):
    """A title that never widens its layout: a LabelItem's minimum width is its text's, so a long title
    (the family and its numbers) would push the colour bar out of a narrow plane. This one may be cut at
    its ends instead (it spans the plot and the colour bar, so it rarely is)."""

    def updateMin(self):
        super().updateMin()
        self.setMinimumWidth(0)
        self._sizeHint[QtCore.Qt.SizeHint.MinimumSize] = (0, self._sizeHint[QtCore.Qt.SizeHint.MinimumSize][1])
        self.updateGeometry()


class SamplesPlane(pg.GraphicsLayoutWidget):
    def __init__(self, family: str, title: str):
        super().__init__()
        self.family = family
        self.setMinimumSize(200, 180)
        self.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)  # smooth heat-map
        self.title = TitleLabel(title, size="9pt")
        self.addItem(self.title, row=0, col=0, colspan=2)
        self.vb = DrawViewBox()
        self.plot = self.addPlot(viewBox=self.vb, row=1, col=0)
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.heat = pg.ImageItem()
        self.heat.setOpacity(0.8)
        self.heat.setZValue(-10)
        self.plot.addItem(self.heat)
        self.cbar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get(CMAPS[family]), interactive=False,
                                    width=10, label="")
        self.cbar.axis.setWidth(None)  # as wide as its tick labels need, at any zoom (pyqtgraph fixes 45 px)
        self.cbar.axis.setStyle(autoReduceTextSpace=False)  # ... and only ever wider: no re-layout per frame
        self.cbar.setImageItem(self.heat)
        self.addItem(self.cbar, row=1, col=1)
        self.ci.layout.setColumnStretchFactor(0, 1)
        self.ci.layout.setColumnStretchFactor(1, 0)
        self.mesh = pg.PlotCurveItem(pen=pg.mkPen((50, 50, 50, 110), width=1), connect="finite")
        self.paths = pg.PlotCurveItem(pen=pg.mkPen((30, 30, 30, 70), width=1), connect="finite")
        self.real = pg.ScatterPlotItem(size=3.5, pen=None, brush=pg.mkBrush(REAL))
        self.fake = pg.ScatterPlotItem(size=3.5, pen=None, brush=pg.mkBrush(COLORS[family]))
        self.centers = pg.ScatterPlotItem(size=9, symbol="+", pen=pg.mkPen("k", width=1.5), brush=None)
        for item in (self.mesh, self.paths, self.real, self.fake, self.centers):
            self.plot.addItem(item)
        self.plot.setRange(xRange=(-3, 3), yRange=(-3, 3), padding=0)
        self._extent = 3.0
        self._levels = (0.0, 1.0)
        self._label = ""
        self._real: np.ndarray | None = None
        self.layers = {"heat": True, "real": True, "samples": True, "mesh": True, "paths": True}

    def set_title(self, text: str) -> None:
        if self.title.text != text:
            self.title.setText(text, size="9pt")

    def set_layers(self, layers: dict[str, bool]) -> None:
        self.layers.update(layers)
        self.heat.setVisible(self.layers["heat"])
        self.cbar.setVisible(self.layers["heat"])  # the bar tells what the heat-map means: not without it
        self.real.setVisible(self.layers["real"])
        self.fake.setVisible(self.layers["samples"])
        self.mesh.setVisible(self.layers["mesh"])
        self.paths.setVisible(self.layers["paths"])

    def show_real(self, real: np.ndarray) -> None:
        real = np.nan_to_num(np.asarray(real, np.float64))
        if self._real is not None and np.array_equal(real, self._real):
            return  # the same real data (every frame of a run): nothing to redo
        self._real = real
        self.real.setData(real[:, 0], real[:, 1])

    def draw(self, snap: dict, real: np.ndarray | None = None) -> None:
        d = snap["members"][self.family]
        e = float(snap["extent"])
        if e != self._extent:
            self._extent = e
            self.plot.setRange(xRange=(-e, e), yRange=(-e, e), padding=0)
        grid = np.asarray(d["heat"], np.float32)[::-1]  # the snapshot's row 0 is the top; the image's is at -e
        levels = self._fit_levels(grid, d["heat_label"])
        if levels != self._levels:
            self._levels = levels
            self.cbar.setLevels(levels)
        if d["heat_label"] != self._label:  # the same label again would re-lay out and re-render the bar
            self._label = d["heat_label"]
            self.cbar.setLabel("left", d["heat_label"])
        self.heat.setImage(np.nan_to_num(np.clip(grid, *levels), nan=levels[0]), autoLevels=False, levels=levels)
        self.heat.setRect(QtCore.QRectF(-e, -e, 2 * e, 2 * e))
        self.show_real(snap["real"] if real is None else real)
        fake = np.nan_to_num(np.asarray(d["samples"], np.float64), nan=0.0, posinf=1e6, neginf=-1e6)
        self.fake.setData(fake[:, 0], fake[:, 1])
        c = snap.get("centers")
        self.centers.setData(*(c[:, 0], c[:, 1]) if c is not None else ([], []))
        if d.get("mesh") is not None:
            xy = mesh_xy(d["mesh"])
        elif d.get("layers_grid") is not None:
            xy = lines_xy(d["layers_grid"][-1])
        else:
            xy = np.zeros((0, 2))
        self.mesh.setData(xy[:, 0], xy[:, 1], connect="finite")
        if d.get("paths") is not None:
            p = np.asarray(d["paths"])  # (S + 1, n, 2)
            xy = lines_xy(p.transpose(1, 0, 2))
            self.paths.setData(xy[:, 0], xy[:, 1], connect="finite")
        else:
            self.paths.setData([], [])
        self.set_layers({})

    def _fit_levels(self, grid: np.ndarray, label: str) -> tuple[float, float]:
        """Fixed [0, 1] for probabilities; otherwise a robust range that only moves when it must (no flicker)."""
        if label.startswith("D(x) = P"):
            return (0.0, 1.0)
        finite = grid[np.isfinite(grid)]
        if not finite.size:
            return self._levels
        hi = float(np.percentile(finite, 99.5))
        lo = float(np.percentile(finite, 2))
        if label.startswith(("log", "ELBO")):
            lo = max(lo, hi - 12.0)  # log-densities: 12 nats of range show every mode and the gaps
        if hi - lo < 1e-6:
            hi = lo + 1e-6
        olo, ohi = self._levels
        span = ohi - olo
        if label == self._label and abs(hi - ohi) < 0.15 * span and abs(lo - olo) < 0.15 * span:
            return self._levels
        return (lo, hi)
