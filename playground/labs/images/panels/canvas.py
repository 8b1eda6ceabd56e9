"""The *Draw a digit* canvas: an S×S grey image the user paints with the mouse (white ink on black,
like MNIST), shown enlarged. ``drawn`` is emitted with the image (float32 (S, S) in [0, 1]) when a stroke
ends."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets


class DrawCanvas(QtWidgets.QWidget):
    drawn = QtCore.Signal(object)  # np.ndarray (S, S) float32 in [0, 1]

    def __init__(self, size: int = 28, parent=None):
        super().__init__(parent)
        self.setMinimumSize(96, 96)
        self.setMaximumSize(160, 160)
        self.setCursor(QtCore.Qt.CrossCursor)
        self.setToolTip("Draw a digit with the mouse (left button); the VAE encodes it, D scores it")
        self.set_size(size)

    def set_size(self, size: int) -> None:
        self.size_px = int(size)
        self.image = np.zeros((self.size_px, self.size_px), np.float32)
        self._last: tuple[float, float] | None = None
        self.update()

    def clear(self) -> None:
        self.image[:] = 0
        self.update()

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt naming
        return QtCore.QSize(128, 128)

    def _cell(self) -> float:
        return min(self.width(), self.height()) / self.size_px

    def _to_image(self, pos: QtCore.QPointF) -> tuple[float, float]:
        c = self._cell()
        return pos.x() / c, pos.y() / c

    def stroke_to(self, x: float, y: float) -> None:
        """Ink along the segment from the last point to (x, y) (image coordinates) with a soft round brush
        of radius ~S/20 (about MNIST's stroke width)."""
        x0, y0 = self._last if self._last is not None else (x, y)
        radius = max(1.0, self.size_px / 20)
        n = int(max(abs(x - x0), abs(y - y0)) * 2) + 1
        yy, xx = np.mgrid[0:self.size_px, 0:self.size_px] + 0.5
        for t in np.linspace(0, 1, n):
            px, py = x0 + (x - x0) * t, y0 + (y - y0) * t
            d = np.hypot(xx - px, yy - py)
            self.image = np.maximum(self.image, np.clip(1.5 - d / radius, 0, 1).astype(np.float32))
        self._last = (x, y)
        self.update()

    def mousePressEvent(self, ev: QtGui.QMouseEvent) -> None:  # noqa: N802
        if ev.button() == QtCore.Qt.LeftButton:
            self._last = None
            self.stroke_to(*self._to_image(ev.position()))

    def mouseMoveEvent(self, ev: QtGui.QMouseEvent) -> None:  # noqa: N802
        if ev.buttons() & QtCore.Qt.LeftButton:
            self.stroke_to(*self._to_image(ev.position()))

    def mouseReleaseEvent(self, ev: QtGui.QMouseEvent) -> None:  # noqa: N802
        if ev.button() == QtCore.Qt.LeftButton:
            self._last = None
            self.drawn.emit(self.image.copy())

    def paintEvent(self, ev) -> None:  # noqa: N802
        p = QtGui.QPainter(self)
        g = (self.image * 255).astype(np.uint8)
        img = QtGui.QImage(g.tobytes(), self.size_px, self.size_px, self.size_px, QtGui.QImage.Format_Grayscale8)
        side = int(self._cell() * self.size_px)
        p.drawImage(QtCore.QRect(0, 0, side, side), img)
        p.setPen(QtGui.QPen(QtGui.QColor("#888"), 1))
        p.drawRect(0, 0, side - 1, side - 1)
        p.end()
