"""HeatmapGrid: rows × columns of small labelled heat-maps with one colour bar per colour scale, and a
zoomed page for one map (click, or double-click where a click means something else).

Used by the LSTM lab (gates and states: time × units per quantity) and the Transformer lab (attention
heads: layers × heads). The lab's panel decides what each cell shows; the grid draws arrays.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from playground.ui.widgets import HeatMap


@dataclass(frozen=True)
class Cell:
    """What one map of the grid shows: its title (rich text), its fixed colour levels and colour map, and
    the name of its scale (one colour bar is drawn per scale, labelled with that name)."""

    title: str
    levels: tuple[float, float] = (0.0, 1.0)
    cmap: str = "viridis"
    scale: str = ""


class HeatmapGrid(QtWidgets.QWidget):
    """Rows × columns of labelled heat-maps sharing their colour bars (one per distinct scale: exactly one
    when every map has the same levels), outer tick labels, a row highlight, hover tooltips, and a zoomed
    page (a large map with its own tick labels and colour bar, a back button and room for extra controls).

    Snapshot keys read: none itself — the lab's panel passes (rows, cols) arrays with :meth:`set_data`.

    Signals: ``cell_clicked(r, c, data_row, data_col)`` (left click), ``cell_right_clicked(r, c)``,
    ``zoom_changed(object)`` ((r, c) or None).
    """

    cell_clicked = QtCore.Signal(int, int, int, int)
    cell_right_clicked = QtCore.Signal(int, int)
    zoom_changed = QtCore.Signal(object)

    def __init__(self, *, zoom_on: str = "click", back_text: str = "◀ All maps", parent=None):
        """``zoom_on``: "click" (a left click zooms) or "double" (a double click zooms; a click is only
        reported through ``cell_clicked``)."""
        super().__init__(parent)
        self.zoom_on = zoom_on
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setMinimumSize(200, 150)
        self.layout_widget.ci.layout.setSpacing(2)
        self.tick_font = QtGui.QFont(self.font())  # kept alive here: axes paint with it
        self.tick_font.setPointSize(7)
        self.bar_font = QtGui.QFont(self.font())  # colour bars: one per scale, so a little larger
        self.bar_font.setPointSize(8)
        self.cells: list[list[Cell | None]] = []
        self.plots: dict[tuple[int, int], pg.PlotItem] = {}
        self.images: dict[tuple[int, int], pg.ImageItem] = {}
        self.regions: list[pg.LinearRegionItem] = []
        self.bars: dict[tuple, pg.ColorBarItem] = {}
        self.notes: list[pg.LabelItem] = []
        self.data: dict[tuple[int, int], np.ndarray] = {}
        self.zoomed: tuple[int, int] | None = None
        self.tooltip: Callable[[int, int, int, int], str] | None = None  # (r, c, data_row, data_col) -> text
        self.zoom_titles: Callable[[int, int], str] | None = None  # (r, c) -> the zoomed page's title
        self._ticks: dict[str, list | None] = {"bottom": None, "left": None}
        self._axis_labels = ("", "")
        self._highlight: int | None = None
        # zoomed page
        self.zoom = HeatMap("")
        if self.zoom.bar is not None:
            self.zoom.bar.setMinimumWidth(52)  # room for the colour bar's tick labels
        self.zoom.clicked.connect(lambda row, col: self._zoom_clicked(row, col))
        self.zoom_title = QtWidgets.QLabel()
        self.back = QtWidgets.QPushButton(back_text)
        self.back.clicked.connect(self.unzoom)
        zoom_page = QtWidgets.QWidget()
        zl = QtWidgets.QVBoxLayout(zoom_page)
        zl.setContentsMargins(0, 0, 0, 0)
        self.zoom_bar = QtWidgets.QHBoxLayout()
        self.zoom_bar.addWidget(self.back)
        self.zoom_bar.addWidget(self.zoom_title, 1)
        zl.addLayout(self.zoom_bar)
        zl.addWidget(self.zoom, 1)
        self.stack = QtWidgets.QStackedWidget()
        self.stack.addWidget(self.layout_widget)
        self.stack.addWidget(zoom_page)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)
        self.layout_widget.scene().sigMouseMoved.connect(self._hover)
        if zoom_on == "click":
            self.cell_clicked.connect(lambda r, c, _i, _j: self.zoomed is None and self.zoom_into(r, c))
        self.zoom.scene().sigMouseMoved.connect(self._hover_zoom)

    # -- layout ------------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.cells), max((len(r) for r in self.cells), default=0))

    def set_cells(self, cells: list[list[Cell | None]], *, x: str = "", y: str = "") -> bool:
        """Lay out the grid: ``cells[r][c]`` is a :class:`Cell` or None (an empty place). ``x``/``y`` label
        the outer axes. Rebuilds only when something changed (returns whether it did)."""
        if cells == self.cells and (x, y) == self._axis_labels:
            return False
        gl = self.layout_widget
        gl.clear()
        self.cells = [list(r) for r in cells]
        self._axis_labels = (x, y)
        self.plots, self.images, self.regions, self.bars, self.data = {}, {}, [], {}, {}
        self.notes = []
        n_rows, n_cols = self.shape
        for r, row in enumerate(self.cells):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                p = gl.addPlot(row=r, col=c)
                p.setMenuEnabled(False)
                p.hideButtons()
                p.invertY(True)
                p.getViewBox().setMouseEnabled(x=False, y=False)
                p.setTitle(cell.title, size="8pt")
                for ax in ("left", "bottom"):
                    a = p.getAxis(ax)
                    a.setStyle(tickLength=0, tickFont=self.tick_font)
                    a.enableAutoSIPrefix(False)
                first_col = all(self.cells[r][j] is None for j in range(c))
                last_row = all(r2 >= len(self.cells) or c >= len(self.cells[r2]) or self.cells[r2][c] is None
                               for r2 in range(r + 1, n_rows))
                p.showAxis("left", first_col)
                p.showAxis("bottom", last_row)
                if first_col and y:
                    p.setLabel("left", y)
                if last_row and x:
                    p.setLabel("bottom", x)
                img = pg.ImageItem()
                img.setColorMap(pg.colormap.get(cell.cmap))
                img.setLevels(cell.levels)
                p.addItem(img)
                img.mouseClickEvent = (lambda ev, _r=r, _c=c: self._click(ev, _r, _c))  # type: ignore
                img.mouseDoubleClickEvent = (lambda ev, _r=r, _c=c: self._double(ev, _r, _c))  # type: ignore
                reg = pg.LinearRegionItem(orientation="horizontal", movable=False,
                                          brush=pg.mkBrush(255, 255, 255, 0), pen=pg.mkPen("r", width=2))
                reg.setVisible(False)
                p.addItem(reg)
                self.regions.append(reg)
                self.plots[(r, c)] = p
                self.images[(r, c)] = img
        scales: dict[tuple, str] = {}
        for row in self.cells:
            for cell in row:
                if cell is not None:
                    scales.setdefault((cell.levels, cell.cmap), cell.scale)
        if scales:
            side = gl.addLayout(row=0, col=n_cols, rowspan=max(1, n_rows))
            for i, ((levels, cmap), name) in enumerate(scales.items()):
                bar = pg.ColorBarItem(values=levels, colorMap=pg.colormap.get(cmap), interactive=False, width=10,
                                      label=name or None)
                bar.axis.setStyle(tickFont=self.bar_font)
                bar.setMinimumWidth(56 if name else 44)  # keep room for the tick labels however narrow
                side.addItem(bar, row=i, col=0)
                self.bars[(levels, cmap)] = bar
        for c in range(n_cols):
            gl.ci.layout.setColumnStretchFactor(c, 1)
        gl.ci.layout.setColumnStretchFactor(n_cols, 0)
        self._ticks = {"bottom": None, "left": None}
        self.highlight_row(self._highlight)
        if self.zoomed is not None and self.cell(*self.zoomed) is None:
            self.unzoom()
        return True

    def cell(self, r: int, c: int) -> Cell | None:
        if 0 <= r < len(self.cells) and 0 <= c < len(self.cells[r]):
            return self.cells[r][c]
        return None

    def set_note(self, r: int, c: int, text: str, colspan: int = 1) -> None:
        """A grey note in an empty place of the grid (e.g. "a plain RNN has no gates"), wrapped to fit."""
        html = "<br>".join(textwrap.wrap(text, 34 * colspan))
        label = pg.LabelItem(html, size="9pt", color="#555")
        self.layout_widget.addItem(label, row=r, col=c, colspan=colspan)
        self.notes.append(label)

    def set_title(self, r: int, c: int, title: str) -> None:
        p = self.plots.get((r, c))
        if p is not None and p.titleLabel.text != title:
            p.setTitle(title, size="8pt")

    def set_opacity(self, r: int, c: int, opacity: float) -> None:
        img = self.images.get((r, c))
        if img is not None:
            img.setOpacity(opacity)

    # -- data --------------------------------------------------------------------------------------
    def set_data(self, r: int, c: int, data: np.ndarray) -> None:
        """Show ``data`` (rows, cols) in map (r, c); row 0 at the top. Non-finite values are clamped."""
        img = self.images.get((r, c))
        if img is None:
            return
        cell = self.cells[r][c]
        lo, hi = cell.levels
        data = np.nan_to_num(np.asarray(data, np.float32), nan=lo, posinf=hi, neginf=lo)
        old = self.data.get((r, c))
        self.data[(r, c)] = data
        img.setImage(data, autoLevels=False, levels=cell.levels)
        if old is None or old.shape != data.shape:
            p = self.plots[(r, c)]
            p.setXRange(0, data.shape[1], padding=0)
            p.setYRange(0, data.shape[0], padding=0)
        if self.zoomed == (r, c):
            self._draw_zoom()

    def set_range(self, rows: int, cols: int) -> None:
        """An empty frame of this size until data arrives."""
        for p in self.plots.values():
            p.setXRange(0, cols, padding=0)
            p.setYRange(0, rows, padding=0)

    def clear_data(self) -> None:
        self.data.clear()
        for img in self.images.values():
            img.clear()

    def set_ticks(self, bottom: list | None = None, left: list | None = None) -> None:
        """Tick labels of the outer axes: lists of (position, label); set only when they change (setting
        them repaints the axis from scratch)."""
        for axis, ticks in (("bottom", bottom), ("left", left)):
            if ticks is None or ticks == self._ticks[axis]:
                continue
            self._ticks[axis] = ticks
            for p in self.plots.values():
                if p.getAxis(axis).isVisible():
                    p.getAxis(axis).setTicks([ticks, []])

    def highlight_row(self, row: int | None) -> None:
        """Outline data row ``row`` (a unit, a query token) in every map, or none."""
        self._highlight = row
        for reg in self.regions:
            if row is None:
                reg.setVisible(False)
            else:
                reg.setRegion((row, row + 1))
                reg.setVisible(True)
        self.zoom.highlight_row(row)

    # -- zoom --------------------------------------------------------------------------------------
    def zoom_into(self, r: int, c: int) -> None:
        if self.cell(r, c) is None:
            return
        self.zoomed = (r, c)
        self.stack.setCurrentIndex(1)
        self._draw_zoom()
        self.zoom_changed.emit(self.zoomed)

    def unzoom(self) -> None:
        was = self.zoomed
        self.zoomed = None
        self.stack.setCurrentIndex(0)
        if was is not None:
            self.zoom_changed.emit(None)

    def _draw_zoom(self) -> None:
        r, c = self.zoomed
        cell = self.cells[r][c]
        if tuple(self.zoom.levels) != tuple(cell.levels) or getattr(self.zoom, "_cmap", None) != cell.cmap:
            self.zoom._cmap = cell.cmap
            self.zoom.set_levels(cell.levels)
            self.zoom.img.setColorMap(pg.colormap.get(cell.cmap))
            if self.zoom.bar is not None:
                self.zoom.bar.setColorMap(pg.colormap.get(cell.cmap))
        self.zoom_title.setText(self.zoom_titles(r, c) if self.zoom_titles is not None else cell.title)
        data = self.data.get((r, c))
        if data is not None:
            self.zoom.set(data)

    def _zoom_clicked(self, row: int, col: int) -> None:
        if self.zoomed is not None:
            self.cell_clicked.emit(self.zoomed[0], self.zoomed[1], row, col)

    # -- mouse -------------------------------------------------------------------------------------
    def _click(self, ev, r: int, c: int) -> None:
        ev.accept()
        if ev.button() == QtCore.Qt.MouseButton.RightButton:
            self.cell_right_clicked.emit(r, c)
            return
        pos = ev.pos()
        self.cell_clicked.emit(r, c, int(math.floor(pos.y())), int(math.floor(pos.x())))

    def _double(self, ev, r: int, c: int) -> None:
        ev.accept()
        if self.zoom_on == "double":
            self.zoom_into(r, c)

    def _hover(self, pos) -> None:
        if self.tooltip is None:
            return
        for (r, c), p in self.plots.items():
            if p.sceneBoundingRect().contains(pos):
                pt = p.vb.mapSceneToView(pos)
                self._show_tip(r, c, pt, self.layout_widget)
                return

    def _hover_zoom(self, pos) -> None:
        if self.tooltip is not None and self.zoomed is not None:
            self._show_tip(*self.zoomed, self.zoom.plot.vb.mapSceneToView(pos), self.zoom)

    def _show_tip(self, r: int, c: int, pt, widget) -> None:
        data = self.data.get((r, c))
        i, j = int(math.floor(pt.y())), int(math.floor(pt.x()))
        if data is None or not (0 <= i < data.shape[0] and 0 <= j < data.shape[1]):
            QtWidgets.QToolTip.hideText()
            return
        text = self.tooltip(r, c, i, j)
        if text:
            QtWidgets.QToolTip.showText(QtGui.QCursor.pos(), text, widget)
