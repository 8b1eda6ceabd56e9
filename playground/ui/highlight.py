"""Spotlight one panel: a coloured frame around it and the rest of the area dimmed.

A transparent overlay widget laid over an area (the window's central widget) paints a dim mask with a
hole where the panel is, and a frame around the hole. It ignores the mouse (the student can still use
every control), follows the panel when the window is resized or a tab changes, and is removed with
``clear()``. Cheap: one ``paintEvent`` when something moves, nothing per snapshot.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

FRAME = QtGui.QColor("#f39c12")  # orange: reads on light and dark plots
DIM = QtGui.QColor(0, 0, 0, 110)


class Spotlight(QtWidgets.QWidget):
    def __init__(self, area: QtWidgets.QWidget):
        super().__init__(area)
        self.area = area
        self.target: QtWidgets.QWidget | None = None
        self.setAttribute(QtCore.Qt.WA_TransparentForMouseEvents)
        self.setAttribute(QtCore.Qt.WA_NoSystemBackground)
        self.setFocusPolicy(QtCore.Qt.NoFocus)
        self._timer = QtCore.QTimer(self, interval=250, timeout=self._follow)  # tabs and splitters move panels
        self._hole = QtCore.QRect()
        self.hide()

    def highlight(self, target: QtWidgets.QWidget | None) -> None:
        self.target = target
        if target is None:
            self.clear()
            return
        self._follow()
        self.show()
        self.raise_()
        self._timer.start()

    def clear(self) -> None:
        self.target = None
        self._timer.stop()
        self.hide()

    def hole(self) -> QtCore.QRect:
        """The highlighted panel's rectangle in the overlay's coordinates (empty when hidden)."""
        t = self.target
        if t is None or not t.isVisible():
            return QtCore.QRect()
        top_left = t.mapTo(self.area, QtCore.QPoint(0, 0))
        return QtCore.QRect(top_left, t.size()).adjusted(-3, -3, 3, 3)

    def _follow(self) -> None:
        if self.target is None:
            return
        try:
            hole = self.hole()
        except RuntimeError:  # the panel was deleted (another lab loaded)
            self.clear()
            return
        if self.geometry() != self.area.rect() or hole != self._hole:
            self.setGeometry(self.area.rect())
            self._hole = hole
            self.update()
        self.raise_()

    def paintEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.Antialiasing)
        outside = QtGui.QRegion(self.rect())
        if not self._hole.isEmpty():
            outside = outside.subtracted(QtGui.QRegion(self._hole))
        p.setClipRegion(outside)
        p.fillRect(self.rect(), DIM)
        p.setClipping(False)
        if not self._hole.isEmpty():
            pen = QtGui.QPen(FRAME, 4)
            p.setPen(pen)
            p.setBrush(QtCore.Qt.NoBrush)
            p.drawRoundedRect(QtCore.QRectF(self._hole).adjusted(2, 2, -2, -2), 6, 6)
        p.end()
