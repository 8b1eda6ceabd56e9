"""DrawViewBox: a pyqtgraph ViewBox that turns mouse drags into brush / erase strokes on a 2D data plane.

Reads no snapshot keys: the 2D labs (GAN, families) put it under their data planes and turn its ``stroke``
signal (x, y, finished) into drawn points.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore


class DrawViewBox(pg.ViewBox):
    """A ViewBox that turns mouse drags into brush/erase strokes when a draw mode is on."""

    stroke = QtCore.Signal(float, float, bool)  # x, y, finished
    mode = "off"

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - Qt naming
        if self.mode == "off" or ev.button() != QtCore.Qt.LeftButton:
            return super().mouseDragEvent(ev, axis)
        ev.accept()
        p = self.mapSceneToView(ev.scenePos())
        self.stroke.emit(p.x(), p.y(), ev.isFinish())

    def mouseClickEvent(self, ev):  # noqa: N802
        if self.mode == "off" or ev.button() != QtCore.Qt.LeftButton:
            return super().mouseClickEvent(ev)
        ev.accept()
        p = self.mapSceneToView(ev.scenePos())
        self.stroke.emit(p.x(), p.y(), True)
