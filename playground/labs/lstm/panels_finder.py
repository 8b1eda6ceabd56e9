"""The LSTM's cell finder: units ranked by correlation with a ground-truth signal, and the selected unit's
trace over the probe."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from playground.ui.widgets import make_plot

from .panels import set_ticks, small, tick_font, time_ticks


class FinderPanel(QtWidgets.QWidget):
    """A table of the 12 units most correlated with the chosen ground truth (r with c and with h), and a
    plot of the selected unit's c and h on the probe with the truth fitted onto them. Clicking a row
    selects that unit (``unit_clicked``).

    Snapshot keys read: ``models`` {key: {``corr`` {signal: {c, h: (H,)}}, ``maps`` {c, h: (L, T, H)},
    ``label``}}, ``signals`` {name: (T,)}, ``labels``.
    """

    unit_clicked = QtCore.Signal(int)
    changed = QtCore.Signal()  # the signal or the model shown changed: redraw

    def __init__(self):
        super().__init__()
        fh = QtWidgets.QHBoxLayout(self)
        fh.setContentsMargins(0, 0, 0, 0)
        fv = QtWidgets.QVBoxLayout()
        row = QtWidgets.QHBoxLayout()
        lab = QtWidgets.QLabel("Cell finder:")
        small(lab)
        row.addWidget(lab)
        self.signal_box = QtWidgets.QComboBox()
        self.signal_box.setToolTip("Ground truth the units are correlated with")
        self.signal_box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        row.addWidget(self.signal_box, 1)
        self.model_box = QtWidgets.QComboBox()
        self.model_box.addItems(["A", "B"])
        self.model_box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        row.addWidget(self.model_box)
        fv.addLayout(row)
        self.table = QtWidgets.QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["unit", "r (c)", "r (h)"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(18)
        small(self.table)
        self.table.cellClicked.connect(self.on_table_click)
        fv.addWidget(self.table, 1)
        fh.addLayout(fv, 2)
        self.trace_plot = make_plot("selected unit on the probe", "time step", legend=True)
        tick_font(self.trace_plot.getPlotItem())
        dash = pg.mkPen("#444", width=1.5, style=QtCore.Qt.PenStyle.DashLine)
        self.trace_curves = {
            "c": self.trace_plot.plot([], [], name="c", pen=pg.mkPen("#d62728", width=2)),
            "h": self.trace_plot.plot([], [], name="h", pen=pg.mkPen("#1f77b4", width=2)),
            "sig": self.trace_plot.plot([], [], name="truth (fitted)", pen=dash),
        }
        fh.addWidget(self.trace_plot, 3)
        self.compare = False

    def configure(self, compare: bool, labels: dict) -> None:
        self.compare = compare
        self.model_box.setVisible(compare)
        self.model_box.setItemText(0, f"A: {labels['a']}")
        self.model_box.setItemText(1, f"B: {labels['b']}")

    def model_key(self) -> str:
        return "b" if self.compare and self.model_box.currentIndex() == 1 else "a"

    def update_signals(self, snap: dict) -> None:
        names = list(snap.get("signals", {}))
        cur = self.signal_box.currentText()
        self.signal_box.blockSignals(True)
        self.signal_box.clear()
        self.signal_box.addItems(names)
        if cur in names:
            self.signal_box.setCurrentText(cur)
        self.signal_box.blockSignals(False)

    def best_unit(self, snap: dict) -> int | None:
        """The unit the finder ranks first for model A (the view starts with it selected)."""
        corr = snap["models"]["a"].get("corr", {}).get(self.signal_box.currentText())
        if not corr:
            return None
        return int(np.argmax(np.abs(corr.get("c", corr.get("h")))))

    def draw(self, snap: dict, unit: int | None, layer: int) -> None:
        m = snap["models"].get(self.model_key())
        sig = self.signal_box.currentText()
        if m is None or sig not in m.get("corr", {}):
            self.table.setRowCount(0)
            return
        corr = m["corr"][sig]
        rank_by = corr.get("c", corr.get("h"))
        order = np.argsort(-np.abs(rank_by))[:12]
        self.table.setRowCount(len(order))
        for r, u in enumerate(order):
            vals = [str(int(u)), f"{corr['c'][u]:+.2f}" if "c" in corr else "–", f"{corr['h'][u]:+.2f}"]
            for col, text in enumerate(vals):
                item = self.table.item(r, col)
                if item is None:
                    item = QtWidgets.QTableWidgetItem()
                    self.table.setItem(r, col, item)
                item.setText(text)
                chosen = unit == int(u)  # a pale highlight with dark text, readable in every theme
                item.setBackground(QtGui.QColor("#ffe9a8") if chosen else QtGui.QBrush())
                item.setForeground(QtGui.QColor("#111111") if chosen else QtGui.QBrush())
        self.draw_trace(snap, unit, layer)

    def draw_trace(self, snap: dict, unit: int | None, layer: int) -> None:
        m = snap["models"].get(self.model_key())
        pi = self.trace_plot.getPlotItem()
        if m is None or unit is None:
            for c in self.trace_curves.values():
                c.setData([], [])
            pi.setTitle("click a unit (heat-map row or table) to trace it", size="8pt")
            return
        u = unit
        layer = min(layer, m["maps"]["h"].shape[0] - 1)
        h = m["maps"]["h"][layer][:, u] if u < m["maps"]["h"].shape[2] else None
        if h is None:
            return
        t = np.arange(len(h))
        self.trace_curves["h"].setData(t, h)
        if "c" in m["maps"]:
            self.trace_curves["c"].setData(t, m["maps"]["c"][layer][:, u])
        else:
            self.trace_curves["c"].setData([], [])
        sig = snap.get("signals", {}).get(self.signal_box.currentText())
        if sig is not None and len(sig) == len(h):
            s = np.asarray(sig, np.float64)
            ref = m["maps"]["c"][layer][:, u] if "c" in m["maps"] else h
            if np.std(s) > 1e-9:  # the truth, fitted linearly onto the unit's trace (sign included)
                slope, icpt = np.polyfit(s, np.asarray(ref, np.float64), 1)
                self.trace_curves["sig"].setData(t, slope * s + icpt)
            else:
                self.trace_curves["sig"].setData(t, s)
        else:
            self.trace_curves["sig"].setData([], [])
        pi.setTitle(f"unit {u} ({m['label']}) on the probe; dashed: {self.signal_box.currentText()}", size="8pt")
        labels = snap.get("labels", [])
        set_ticks(pi.getAxis("bottom"), [time_ticks(labels, max(200, self.trace_plot.width() - 60)), []])

    def on_table_click(self, row: int, _col: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.unit_clicked.emit(int(item.text()))

    def clear(self) -> None:
        self.table.setRowCount(0)
