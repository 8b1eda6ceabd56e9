"""The GAN's data plane: real and generated samples over the discriminator's heat-map, the warped latent
mesh, gradient arrows, layer toggles, teaching-mode step buttons and a tool to draw the real data."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from playground.ui.panels.draw2d import DrawTools, DrawViewBox
from playground.ui.widgets import GENERATED_COLOR, REAL_COLOR

REAL = REAL_COLOR
FAKE = GENERATED_COLOR


class DataPlane(QtWidgets.QWidget):
    """The data plane and its tools. Sends the view's signals: ``command`` (d_step, g_step, both, set_points),
    ``config_request`` (data), ``message``.

    Snapshot keys read: ``extent``, ``d_grid`` (G, G), ``d_is_prob``, ``real`` (n, 2), ``fake`` (n, 2),
    ``centers`` (K, 2) or None, ``manifold`` (nz, nz, 2) or (n, 2), ``arrows_at`` (m, 2), ``arrows`` (m, 2),
    ``drawn``.
    """

    def __init__(self, view):
        super().__init__()
        self.view = view
        self._extent = 3.0
        self._levels = (0.0, 1.0)
        self._real_shown: np.ndarray | None = None  # the real points the scatter holds (None: unknown)
        self._heat_rect: tuple | None = None
        self._cbar_label = ""
        self._build_ui()

    def _build_ui(self) -> None:
        left = QtWidgets.QVBoxLayout(self)
        left.setContentsMargins(0, 0, 0, 0)

        # layer toggles + drawing tools
        bar = QtWidgets.QHBoxLayout()
        self.layer_boxes: dict[str, QtWidgets.QCheckBox] = {}
        for key, label, tip in (("heat", "D(x)", "The discriminator's output over the plane"),
                                ("real", "Real", "Samples of the real data"),
                                ("fake", "Fake", "Samples of the generator"),
                                ("mesh", "Mesh", "The image of a regular grid of z: how G warps its input"),
                                ("arrows", "Arrows", "Where the generator's gradient moves each generated point")):
            cb = QtWidgets.QCheckBox(label)
            cb.setChecked(True)
            cb.setToolTip(tip)
            cb.toggled.connect(self._apply_layers)
            self.layer_boxes[key] = cb
            bar.addWidget(cb)
        bar.addStretch(1)
        left.addLayout(bar)
        bar.setSpacing(4)

        self.tools = DrawTools(self.view, learner="the generator")
        self.tools.drawn_changed.connect(self._show_drawn)
        self.draw_mode, self.brush = self.tools.mode, self.tools.brush
        bar.addWidget(QtWidgets.QLabel("Step only:"))
        self.teach_btns = {}
        for name, label, tip in (("d_step", "D", "Train only the discriminator for one step"),
                                 ("g_step", "G", "Train only the generator for one step"),
                                 ("both", "D+G", "One full training step")):
            b = QtWidgets.QPushButton(label)
            b.setToolTip(tip)
            b.clicked.connect(lambda _=False, n=name: self.view.command.emit(n, {}))
            self.teach_btns[name] = b
            bar.addWidget(b)
        left.addWidget(self.tools)

        # the data plane
        self.plane = pg.GraphicsLayoutWidget()
        # the heat-map is drawn with bilinear filtering: a 40×40 grid of D values (cheap to evaluate at
        # snapshot time) looks as smooth as a much finer one
        self.plane.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        self.vb = DrawViewBox()
        self.plot = self.plane.addPlot(viewBox=self.vb)
        self.plot.setAspectLocked(True)
        self.plot.setTitle("Real vs generated samples over D(x)", size="10pt")
        self.plot.setLabel("bottom", "x₁")
        self.plot.setLabel("left", "x₂")
        self.plot.setMenuEnabled(False)
        self.heat = pg.ImageItem()
        self.heat.setOpacity(0.85)
        self.heat.setZValue(-10)
        self.plot.addItem(self.heat)
        self.cbar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("CET-D1A"), interactive=False, width=12,
                                    label="D(x)")
        self.cbar.setImageItem(self.heat)
        self.plane.addItem(self.cbar)
        self.mesh = pg.PlotCurveItem(pen=pg.mkPen((60, 60, 60, 140), width=1), connect="finite")
        self.plot.addItem(self.mesh)
        self.real = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(REAL))
        self.fake = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(FAKE))
        self.centers = pg.ScatterPlotItem(size=9, symbol="+", pen=pg.mkPen("k", width=1.5), brush=None)
        self.arrows = pg.PlotCurveItem(pen=pg.mkPen((20, 20, 20, 220), width=1), connect="pairs")
        self.tips = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(20, 20, 20, 220))
        for item in (self.real, self.fake, self.centers, self.arrows, self.tips):
            self.plot.addItem(item)
        legend = self.plot.addLegend(offset=(-4, -4), labelTextSize="8pt", brush=pg.mkBrush(255, 255, 255, 200))
        legend.addItem(self.real, "real")
        legend.addItem(self.fake, "generated")
        self.plot.setRange(xRange=(-3, 3), yRange=(-3, 3), padding=0)
        left.addWidget(self.plane, 1)
        self.tools.attach(self.vb)

    def _show_drawn(self, p: np.ndarray) -> None:
        self._real_shown = None
        self.real.setData(p[:, 0], p[:, 1])

    def draw(self, snap: dict) -> None:
        e = float(snap["extent"])
        if e != self._extent:
            self._extent = e
            self.tools.set_extent(e)
            self.plot.setRange(xRange=(-e, e), yRange=(-e, e), padding=0)
        # heat-map: fixed [0,1] for probabilities; symmetric, slowly adapting levels for critics
        grid = np.asarray(snap["d_grid"], np.float32)
        if snap["d_is_prob"]:
            levels = (0.0, 1.0)
            label = "D(x) = P(real)"
        else:
            finite = grid[np.isfinite(grid)]
            m = float(np.percentile(np.abs(finite - np.median(finite)), 98)) if finite.size else 1.0
            lo, hi = self._levels
            cur = max((hi - lo) / 2, 1e-3)
            m = m if (m > cur * 1.25 or m < cur * 0.5) else cur  # hysteresis: no flicker
            c = float(np.median(finite)) if finite.size else 0.0
            if m == cur and abs(c - (lo + hi) / 2) <= 0.2 * cur:
                c = (lo + hi) / 2  # the centre holds too: the bar's axis is re-rendered only when the levels move
            levels = (c - max(m, 1e-3), c + max(m, 1e-3))
            label = "critic score D(x)"
        if levels != self._levels or label != self._cbar_label:  # unchanged: the bar's axes are not re-rendered
            self._levels, self._cbar_label = levels, label
            self.cbar.setLevels(levels)
            self.cbar.setLabel("left", label)
        # row 0 of d_grid is the top (largest y); the image draws row 0 at y = -e, so flip it
        # the image keeps the levels the colour bar gave it: passing them again made the bar re-render its axis
        # at every frame (pyqtgraph compares the image's list of levels with its own tuple: never equal)
        self.heat.setImage(np.nan_to_num(grid[::-1], nan=levels[0]), autoLevels=False)
        if self._heat_rect != (e, grid.shape):  # the rect's transform depends on the image's size too
            self._heat_rect = (e, grid.shape)
            self.heat.setRect(QtCore.QRectF(-e, -e, 2 * e, 2 * e))
        # samples
        if not self.tools.drawing or snap.get("drawn") is None:
            real = np.nan_to_num(snap["real"])
        else:
            real = self.tools.drawn
        if self._real_shown is None or not np.array_equal(self._real_shown, real):  # the data set rarely changes
            self._real_shown = np.array(real)
            self.real.setData(real[:, 0], real[:, 1])
        fake = np.nan_to_num(snap["fake"], nan=0.0, posinf=1e6, neginf=-1e6)
        self.fake.setData(fake[:, 0], fake[:, 1])
        c = snap.get("centers")
        if c is not None:
            self.centers.setData(c[:, 0], c[:, 1])
        else:
            self.centers.setData([], [])
        # manifold mesh (rows and columns of the warped latent grid)
        m = np.nan_to_num(np.asarray(snap["manifold"], np.float64))
        if m.ndim == 3:
            ny, nx, _ = m.shape
            rows = np.concatenate([m, np.full((ny, 1, 2), np.nan)], 1).reshape(-1, 2)
            cols = np.concatenate([m.transpose(1, 0, 2), np.full((nx, 1, 2), np.nan)], 1).reshape(-1, 2)
            xy = np.concatenate([rows, cols])
        else:
            xy = m
        self.mesh.setData(xy[:, 0], xy[:, 1], connect="finite")
        # gradient arrows, scaled so the longest ones are ~12% of the plot
        at, g = np.nan_to_num(snap["arrows_at"]), np.nan_to_num(snap["arrows"])
        norm = np.linalg.norm(g, axis=1)
        ref = float(np.percentile(norm, 90)) if norm.size and np.any(norm > 0) else 1.0
        d = g / max(ref, 1e-12) * 0.12 * 2 * e / 2
        length = np.linalg.norm(d, axis=1, keepdims=True)
        d = np.where(length > 0.25 * e, d / np.maximum(length, 1e-12) * 0.25 * e, d)
        seg = np.empty((2 * len(at), 2))
        seg[0::2], seg[1::2] = at, at + d
        self.arrows.setData(seg[:, 0], seg[:, 1], connect="pairs")
        self.tips.setData(seg[1::2, 0], seg[1::2, 1])
        self._apply_layers()

    def _apply_layers(self) -> None:
        on = {k: cb.isChecked() for k, cb in self.layer_boxes.items()}
        self.heat.setVisible(on["heat"])
        self.real.setVisible(on["real"])
        self.fake.setVisible(on["fake"])
        self.mesh.setVisible(on["mesh"])
        self.arrows.setVisible(on["arrows"])
        self.tips.setVisible(on["arrows"])
