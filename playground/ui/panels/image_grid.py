"""ImageGrid: N small images tiled in rows × cols cells of one pyqtgraph ImageItem (one texture upload a
frame, not N items), with optional per-cell labels and coloured borders.

Reads from a snapshot whatever array its owner passes to :meth:`ImageGrid.set_images`: ``(N, H, W)`` grey
or ``(N, H, W, 3)`` RGB, uint8 (0–255) or float (0–1). The image lab feeds it ``gan_samples``,
``vae_samples``, ``real``, ``gan_interp``, ``vae_interp``, ``vae_pairs`` and ``manifold``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

import playground.ui.widgets  # noqa: F401 - pyqtgraph's global options (row-major images, white background)

GAP = 1  # pixels between cells
GAP_VALUE = 235  # light grey between cells (images are usually dark-on-light or light-on-dark digits)


def tile(images: np.ndarray, cols: int, gap: int = GAP, pad_value: int = GAP_VALUE) -> np.ndarray:
    """(N, H, W[, 3]) -> one (rows·(H+gap)-gap, cols·(W+gap)-gap[, 3]) uint8 image, row-major cells."""
    a = np.asarray(images)
    if a.dtype != np.uint8:
        a = (np.clip(np.nan_to_num(a.astype(np.float32)), 0, 1) * 255).round().astype(np.uint8)
    n, h, w = a.shape[:3]
    cols = max(1, min(cols, n)) if n else max(1, cols)
    rows = max(1, -(-n // cols))
    rgb = a.ndim == 4
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap) + ((3,) if rgb else ()), pad_value, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = a[i]
    return out


class ImageGrid(pg.GraphicsLayoutWidget):
    """A titled grid of small images. ``set_images(images, cols)``; ``set_labels(texts)`` puts a short label
    under-left of each cell; ``set_borders(colours)`` outlines cells (``None`` for none)."""

    def __init__(self, title: str = "", *, invert: bool = False, min_size: tuple[int, int] = (120, 60)):
        super().__init__()
        self.setMinimumSize(*min_size)
        self.setSizePolicy(QtWidgets.QSizePolicy.Expanding, QtWidgets.QSizePolicy.Expanding)
        self.ci.layout.setContentsMargins(1, 1, 1, 1)
        self.plot = self.addPlot()
        if title:
            self.plot.setTitle(title, size="8pt")
            self.plot.titleLabel.setMaximumHeight(16)
        for ax in ("left", "bottom"):
            self.plot.hideAxis(ax)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.getViewBox().setMouseEnabled(x=False, y=False)
        self.plot.getViewBox().setDefaultPadding(0.0)
        self.img = pg.ImageItem()
        self.plot.addItem(self.img)
        self.invert = invert  # draw 255 - value (dark digits on a light background)
        self._shape: tuple | None = None
        self._cell = (0, 0, 1)  # h, w, cols
        self._labels: list[pg.TextItem] = []
        self._borders = pg.PlotCurveItem(connect="pairs")
        self._border_items: list[pg.PlotCurveItem] = []
        self.plot.addItem(self._borders)
        self.count = 0

    def set_images(self, images: np.ndarray | None, cols: int = 8) -> None:
        if images is None or len(images) == 0:
            self.img.clear()
            self.count = 0
            return
        a = np.asarray(images)
        big = tile(a, cols)
        if self.invert:
            big = 255 - big
        self.img.setImage(big, autoLevels=False, levels=(0, 255))
        self.count = len(a)
        self._cell = (a.shape[1], a.shape[2], max(1, min(cols, len(a))))
        if big.shape[:2] != self._shape:
            self._shape = big.shape[:2]
            self.plot.setRange(xRange=(0, big.shape[1]), yRange=(0, big.shape[0]), padding=0.01)

    def cell_origin(self, i: int) -> tuple[float, float]:
        h, w, cols = self._cell
        r, c = divmod(i, cols)
        return c * (w + GAP), r * (h + GAP)

    def set_labels(self, texts: list[str] | None, color: str = "#c00") -> None:
        texts = texts or []
        while len(self._labels) < len(texts):
            t = pg.TextItem(color=color, anchor=(0, 0))
            t.setFont(_small_font())
            self.plot.addItem(t)
            self._labels.append(t)
        for i, item in enumerate(self._labels):
            if i < len(texts) and texts[i]:
                item.setText(texts[i])
                item.setPos(*self.cell_origin(i))
                item.setVisible(True)
            else:
                item.setVisible(False)

    def set_borders(self, colours: list | None) -> None:
        """One outline per cell in the given colour (``None`` entries: no outline)."""
        for it in self._border_items:
            self.plot.removeItem(it)
        self._border_items = []
        if not colours:
            return
        h, w, _ = self._cell
        by_colour: dict = {}
        for i, col in enumerate(colours):
            if col is None:
                continue
            x, y = self.cell_origin(i)
            seg = [(x, y), (x + w, y), (x + w, y), (x + w, y + h), (x + w, y + h), (x, y + h), (x, y + h), (x, y)]
            by_colour.setdefault(col, []).extend(seg)
        for col, pts in by_colour.items():
            p = np.asarray(pts, float)
            item = pg.PlotCurveItem(p[:, 0], p[:, 1], connect="pairs", pen=pg.mkPen(col, width=1.5))
            self.plot.addItem(item)
            self._border_items.append(item)


def _small_font():
    from PySide6 import QtGui

    f = QtGui.QFont()
    f.setPointSize(7)
    return f

