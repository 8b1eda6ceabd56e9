"""The LSTM's gates-and-states panel: one heat-map (units × time) per gate and state on the shared grid."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from playground.ui.panels.heatmap_grid import Cell, HeatmapGrid

from .panels import C_LEVEL, COMPARE_ORDER, GATE_TITLE, ORDER, cmap, levels, scale_name, time_ticks


class GatesPanel(QtWidgets.QWidget):
    """Every gate and state of the probe sequence as heat-maps (rows = units, columns = time steps) with
    fixed colour scales, one colour bar per scale; the selected unit outlined in every map. A click on a
    row selects that unit (``unit_clicked``); a double click zooms into one map.

    ``mode``: in compare mode 0 = A and B side by side (three aligned columns), 1 = all of A, 2 = all of B;
    otherwise every quantity of model A.

    Snapshot keys read: ``models`` {key: {``maps`` {quantity: (L, T, H)}}}, ``labels`` (T input labels).
    """

    unit_clicked = QtCore.Signal(int)
    zoom_changed = QtCore.Signal(object)  # (r, c) or None

    def __init__(self):
        super().__init__()
        self.grid = HeatmapGrid(zoom_on="double", back_text="◀ All maps")
        self.grid.tooltip = self._tooltip
        self.grid.cell_clicked.connect(lambda _r, _c, row, _col: self.unit_clicked.emit(row))
        self.grid.zoom_changed.connect(self.zoom_changed)
        self.hint = QtWidgets.QLabel("Click a row to select that unit; double-click a map to enlarge it. "
                                     "Hover for values.")
        f = self.hint.font()
        f.setPointSize(8)
        self.hint.setFont(f)
        self.hint.setStyleSheet("color:#555;")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.hint)
        lay.addWidget(self.grid, 1)
        self.slots: list[tuple[str, str]] = []  # (model key, quantity) per place, row by row
        self.cols = 1
        self.compare = False
        self.cells = {"a": "lstm", "b": "rnn"}
        self.labels = {"a": "A", "b": "B"}
        self.layer = 0
        self.snap: dict | None = None

    def configure(self, compare: bool, cells: dict, labels: dict) -> None:
        self.compare, self.cells, self.labels = compare, dict(cells), dict(labels)

    def place(self, k: int) -> tuple[int, int]:
        return (k // self.cols, k % self.cols)

    def relayout(self, mode: int, size: tuple[int, int] | None = None) -> None:
        """Assign (model, quantity) to the places of the grid; ``size`` (T, H) frames empty maps. The view
        queues the maps' drawing afterwards (``jobs``)."""
        if not self.compare:
            key, self.cols = "a", 0
        elif mode == 0:
            key, self.cols = "", 3
        else:
            key, self.cols = ("b" if mode == 2 else "a"), 0
        if key:
            qs = ORDER[self.cells[key]]
            self.cols = 3 if len(qs) > 4 else (2 if len(qs) > 1 else 1)
            slots = [(key, q) for q in qs]
        else:
            slots = [(k if q else "", q) for k in ("a", "b") for q in COMPARE_ORDER[self.cells[k]]]
        self.slots = slots
        rows: list[list[Cell | None]] = []
        for k, (key, q) in enumerate(slots):
            if k % self.cols == 0:
                rows.append([])
            if not key:
                rows[-1].append(None)
                continue
            prefix = f"{key.upper()} {self.labels[key]}: " if self.compare else ""
            title = prefix + GATE_TITLE[q] + (f" (±{C_LEVEL:g})" if q == "c" else "")
            rows[-1].append(Cell(title, levels(q), cmap(q), scale_name(q)))
        if self.grid.set_cells(rows, y="unit"):
            if self.compare and mode == 0:
                for r, key in enumerate(("a", "b")):
                    if self.cells[key] == "rnn":
                        self.grid.set_note(r, 0, f"{key.upper()} {self.labels[key]}: a plain RNN has no gates and "
                                                 "no separate cell state; its only memory is h, squashed through "
                                                 "tanh at every step.", colspan=2)
            if size is not None:
                self.grid.set_range(size[1], size[0])

    def jobs(self, snap: dict) -> dict:
        """One drawing job per map (the view runs each in its own event-loop turn)."""
        self.snap = snap
        out = {}
        for k, (key, q) in enumerate(self.slots):
            m = snap["models"].get(key) if key else None
            if m is None or q not in m["maps"]:
                continue
            out[f"map{k}"] = lambda k=k, data=m["maps"][q]: self._draw(k, data)
        return out

    def _draw(self, k: int, data: np.ndarray) -> None:
        """One heat-map: data (L, T, H) of one quantity."""
        r, c = self.place(k)
        layer = min(self.layer, data.shape[0] - 1)
        self.grid.set_data(r, c, data[layer].T)  # rows = units, columns = time
        labels = (self.snap or {}).get("labels", [])
        w = self.grid.width() // max(1, self.cols) if self.grid.width() > 50 else 600 // max(1, self.cols)
        H = data.shape[2]
        ystep = max(1, H // 8)
        self.grid.set_ticks(bottom=time_ticks(labels, w - 60), left=[(u + 0.5, str(u)) for u in range(0, H, ystep)])
        if self.grid.zoomed == (r, c):
            z = self.grid.zoom
            z.plot.setLabel("left", "unit")
            z.plot.setLabel("bottom", "time step (input)")
            z.plot.getAxis("bottom").setTicks([time_ticks(labels, max(300, z.width() - 80)), []])
            z.plot.getAxis("left").setTicks([[(u + 0.5, str(u)) for u in range(0, H, max(1, H // 16))], []])

    def slot_of(self, r: int, c: int) -> tuple[str, str]:
        k = r * self.cols + c
        return self.slots[k] if 0 <= k < len(self.slots) else ("", "")

    def _tooltip(self, r: int, c: int, u: int, t: int) -> str:
        """The value under the mouse: quantity, unit, time step, input there."""
        key, q = self.slot_of(r, c)
        if self.snap is None or not key:
            return ""
        m = self.snap["models"].get(key)
        if m is None or q not in m["maps"]:
            return ""
        data = m["maps"][q]
        layer = min(self.layer, data.shape[0] - 1)
        if not (0 <= t < data.shape[1] and 0 <= u < data.shape[2]):
            return ""
        labels = self.snap.get("labels", [])
        inp = f"  input {labels[t]!r}" if t < len(labels) and labels[t] else ""
        return f"{GATE_TITLE[q]}  unit {u}  t={t}{inp}:  {data[layer, t, u]:+.3f}"

    def highlight(self, unit: int | None) -> None:
        self.grid.highlight_row(unit)

    def clear(self) -> None:
        self.snap = None
        self.grid.clear_data()
