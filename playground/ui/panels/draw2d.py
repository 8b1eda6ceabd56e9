"""Drawing your own 2D data: ``DrawViewBox`` turns mouse drags into brush / erase strokes on a data plane;
``DrawTools`` is the row of tools (mode, brush size, Clear, Open CSV) that turns strokes into points.

The 2D labs (GAN, families) put a DrawViewBox under their data planes and one DrawTools above them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from playground.shared.points2d import DataFileError, default_drawing, load_points_csv


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


class DrawTools(QtWidgets.QWidget):
    """Draw-your-own-data tools of a 2D lab: draw mode (Off / Brush / Erase), brush size, Clear and
    Open CSV, and the drawn points themselves. Strokes come from a ``DrawViewBox`` (``attach``).

    Reads the snapshot key ``extent`` (through ``set_extent``: the brush scales with the plane). Sends
    through the owning LabView: ``command('set_points', points=...)`` when a stroke ends,
    ``config_request({'data': 'drawn' | path})`` and ``message``. ``drawn_changed(points)`` tells the
    plane what to show while drawing."""

    drawn_changed = QtCore.Signal(object)  # (N, 2) float32

    def __init__(self, view, *, learner: str = "the generator", label: str = "Draw data:"):
        super().__init__()
        self.view, self._learner = view, learner
        self._extent = 3.0
        self.drawn = default_drawing()
        self._rng = np.random.default_rng(0)
        self._vb: DrawViewBox | None = None
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QtWidgets.QLabel(label))
        self.mode = QtWidgets.QComboBox()
        self.mode.addItems(["Off", "Brush", "Erase"])
        self.mode.setToolTip("Brush adds real data points where you drag on the plane; Erase removes them")
        self.mode.currentTextChanged.connect(self._on_mode)
        row.addWidget(self.mode)
        row.addWidget(QtWidgets.QLabel("size"))
        self.brush = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.brush.setRange(1, 20)
        self.brush.setValue(4)
        self.brush.setFixedWidth(80)
        self.brush.setToolTip("Brush radius")
        row.addWidget(self.brush)
        self.clear_btn = QtWidgets.QPushButton("Clear")
        self.clear_btn.setToolTip("Remove every drawn point")
        self.clear_btn.clicked.connect(self.clear)
        row.addWidget(self.clear_btn)
        self.open_btn = QtWidgets.QPushButton("Open CSV…")
        self.open_btn.setToolTip("Use a CSV file of 2D points (x, y columns) as the real data")
        self.open_btn.clicked.connect(self._open_dialog)
        row.addWidget(self.open_btn)
        row.addStretch(1)

    @property
    def drawing(self) -> bool:
        return self.mode.currentText() != "Off"

    def attach(self, vb: DrawViewBox) -> None:
        """Draw on this ViewBox (the previous one, if any, stops drawing)."""
        if self._vb is not None:
            try:
                self._vb.stroke.disconnect(self._on_stroke)
            except (RuntimeError, TypeError):
                pass
            self._vb.mode = "off"
        self._vb = vb
        vb.stroke.connect(self._on_stroke)
        self._apply_mode(self.mode.currentText())

    def set_extent(self, extent: float) -> None:
        self._extent = float(extent)

    def _apply_mode(self, text: str) -> None:
        if self._vb is not None:
            self._vb.mode = text.lower()
            self._vb.setMouseEnabled(x=text == "Off", y=text == "Off")

    def _on_mode(self, text: str) -> None:
        self._apply_mode(text)
        if text != "Off" and self.view.config is not None and getattr(self.view.config, "data", "") != "drawn":
            self._send()
            self.view.config_request.emit({"data": "drawn"})

    def _on_stroke(self, x: float, y: float, finished: bool) -> None:
        r = self.brush.value() * 0.03 * self._extent
        if self.mode.currentText() == "Brush":
            n = max(2, self.brush.value())
            ang = self._rng.uniform(0, 2 * np.pi, n)
            rad = r * np.sqrt(self._rng.uniform(0, 1, n))
            new = np.stack([x + rad * np.cos(ang), y + rad * np.sin(ang)], 1).astype(np.float32)
            self.drawn = np.concatenate([self.drawn, new])[-20000:]
        elif self.mode.currentText() == "Erase":
            self.drawn = self.drawn[np.hypot(self.drawn[:, 0] - x, self.drawn[:, 1] - y) > r]
        self.drawn_changed.emit(self.drawn)
        if finished:
            self._send()

    def _send(self) -> None:
        if len(self.drawn) >= 2:
            self.view.command.emit("set_points", {"points": self.drawn.copy()})
        else:
            self.view.message.emit(f"Draw at least 2 points: there is nothing for {self._learner} to learn yet.")

    def clear(self) -> None:
        self.drawn = np.zeros((0, 2), np.float32)
        self.drawn_changed.emit(self.drawn)
        self.view.message.emit(f"Drawing cleared: brush some points to give {self._learner} new data.")

    def _open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open 2D points", "", "CSV files (*.csv *.txt);;All (*)")
        if path:
            self.open_points(path)

    def open_points(self, path: str) -> bool:
        """Use a CSV of points as the real data. A bad file gets a message and changes nothing."""
        try:
            pts = load_points_csv(path)
        except DataFileError as e:
            self.view.message.emit(f"Could not use that file: {e}")
            return False
        self.view.message.emit(f"Loaded {len(pts):,} points from {path} (centred and scaled to fit).")
        self.view.config_request.emit({"data": path})
        return True
