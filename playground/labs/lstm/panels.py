"""What the LSTM panels share (quantity names, colour scales, axis helpers), and the saturation panel."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from playground.ui.widgets import PALETTE, make_plot

GATE_TITLE = {
    "f": "f forget gate", "i": "i input gate", "o": "o output gate", "g": "g candidate",
    "c": "c cell state", "h": "h hidden state", "r": "r reset gate", "z": "z update gate",
    "n": "n candidate",
}
SIGMOID = ("f", "i", "o", "r", "z")
ORDER = {"lstm": ("f", "i", "o", "g", "c", "h"), "gru": ("r", "z", "n", "h"), "rnn": ("h",)}
# compare mode: three aligned columns (the gate that keeps memory, the memory, the output)
COMPARE_ORDER = {"lstm": ("f", "c", "h"), "gru": ("z", "n", "h"), "rnn": ("", "", "h")}
C_LEVEL = 2.0  # the cell state's colour scale is fixed at ±C_LEVEL (values beyond saturate the colour)
GATE_COLORS = {"f": "#d62728", "i": "#2ca02c", "o": "#1f77b4", "r": "#9467bd", "z": "#ff7f0e"}
COLOR_A, COLOR_B = PALETTE[0], PALETTE[1]
SYMBOLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def levels(q: str) -> tuple[float, float]:
    if q in SIGMOID:
        return (0.0, 1.0)
    if q == "c":
        return (-C_LEVEL, C_LEVEL)
    return (-1.0, 1.0)


def cmap(q: str) -> str:
    return "viridis" if q in SIGMOID else "CET-D1"


def scale_name(q: str) -> str:
    """The label of the colour bar that quantity ``q`` shares with the others of its scale."""
    if q in SIGMOID:
        return "gate (0 to 1)"
    return "cell state c" if q == "c" else "tanh output"


def small(widget, pt=8):
    f = widget.font()
    f.setPointSize(pt)
    widget.setFont(f)


def tick_font(plot_item, pt=7):
    f = QtGui.QFont()
    f.setPointSize(pt)
    for ax in ("bottom", "left"):
        plot_item.getAxis(ax).setStyle(tickFont=f)


def tidy_log_axis(plot_item) -> None:
    """Log axes label every minor tick (1..9 × 10^k), which overlap when the range is short:
    label only 1, 2 and 5 × 10^k, in plain numbers."""
    axis = plot_item.getAxis("left")

    def strings(values, scale, spacing):
        out = []
        for v in values:
            x = 10 ** float(v) * scale
            mant = round(x / 10 ** math.floor(math.log10(x)), 3) if x > 0 else 0
            out.append(f"{x:.3g}" if mant in (1.0, 2.0, 5.0) else "")
        return out

    axis.logTickStrings = strings


def set_ticks(axis, ticks) -> None:
    """setTicks only when they change (setting them repaints the axis from scratch)."""
    if getattr(axis, "_lstm_ticks", "unset") != ticks:
        axis._lstm_ticks = ticks
        axis.setTicks(ticks)


def time_ticks(labels: list[str], width_px: int) -> list[tuple[float, str]]:
    """Tick labels for the time axis of the probe: input symbols, or marked values and time steps."""
    T = len(labels)
    if T == 0:
        return []
    if any(len(s) > 2 for s in labels):  # value labels (adding, sine): only marked / sparse
        if sum(1 for s in labels if s) <= 8:
            return [(i + 0.5, s) for i, s in enumerate(labels) if s] + \
                [(i + 0.5, f"\n{i}") for i in range(0, T, max(1, T // 5))]
        step = max(1, int(math.ceil(T / max(2, width_px // 40))))
        return [(i + 0.5, f"{labels[i]}\n{i}") for i in range(0, T, step)]  # value, then time step
    step = max(1, int(math.ceil(T / max(2, width_px // 9))))
    return [(i + 0.5, labels[i]) for i in range(0, T, step)]


class SaturationPanel(QtWidgets.QWidget):
    """Gate saturation, one scatter plot per model: each gate unit at (share of time < 0.1, share > 0.9);
    the selected unit ringed.

    Snapshot keys read: ``models`` {key: {``label``, ``saturation`` {gate: (H, 2)}}}.
    """

    def __init__(self):
        super().__init__()
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plots = {}
        for key in ("a", "b"):
            p = make_plot("Gate saturation", "share of time &lt; 0.1 (closed)", "share of time &gt; 0.9 (open)",
                          legend=True)
            p.getPlotItem().setXRange(0, 1, padding=0.03)
            p.getPlotItem().setYRange(0, 1, padding=0.03)
            p.getPlotItem().setDownsampling(auto=False)
            p.getPlotItem().setClipToView(False)
            tick_font(p.getPlotItem())
            p.addItem(pg.PlotCurveItem([0, 1], [1, 0], pen=pg.mkPen("#bbb", style=QtCore.Qt.PenStyle.DotLine)))
            self.plots[key] = p
            layout.addWidget(p)
        self.items: dict[tuple[str, str], pg.ScatterPlotItem] = {}
        self.sel = {k: pg.ScatterPlotItem(size=16, pen=pg.mkPen("k", width=2), brush=None, symbol="o")
                    for k in ("a", "b")}
        for k in ("a", "b"):
            self.plots[k].addItem(self.sel[k])

    def clear(self) -> None:
        for item in self.items.values():
            item.setData([], [])

    def draw(self, snap: dict, unit: int | None) -> None:
        for key, plot in self.plots.items():
            m = snap["models"].get(key)
            for (k2, g), item in list(self.items.items()):
                if k2 == key and (m is None or g not in m["saturation"]):
                    item.setData([], [])
            if m is None:
                continue
            plot.getPlotItem().setTitle(f"Gate saturation: {m['label']}" if m["saturation"]
                                        else f"{m['label']}: no gates (a plain RNN)", size="9pt")
            for g, arr in m["saturation"].items():
                item = self.items.get((key, g))
                if item is None:
                    col = GATE_COLORS.get(g, "#333")
                    item = pg.ScatterPlotItem(size=8, pen=pg.mkPen(col), brush=pg.mkBrush(QtGui.QColor(col)),
                                              name=GATE_TITLE[g])
                    plot.addItem(item)
                    self.items[(key, g)] = item
                arr = np.asarray(arr)
                item.setData(arr[:, 0], arr[:, 1], data=np.arange(len(arr)))
            if m["saturation"]:
                arrs = [np.asarray(a) for a in m["saturation"].values()]
                never = sum(int(np.sum((a[:, 0] < 0.05) & (a[:, 1] < 0.05))) for a in arrs)
                total = sum(len(a) for a in arrs)
                plot.getPlotItem().setTitle(f"Gate saturation: {m['label']} ({never} of {total} gate units "
                                            "near (0, 0): never fully open or closed)", size="9pt")
            sel = self.sel[key]
            if unit is not None and m["saturation"]:
                pts = [np.asarray(a)[unit] for a in m["saturation"].values() if unit < len(a)]
                sel.setData([p[0] for p in pts], [p[1] for p in pts])
            else:
                sel.setData([], [])
