"""The LSTM's output panels: the probe's target and prediction (sine, adding, copy, parentheses), and the
generated text coloured by a unit's activation (charlm)."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from playground.ui.widgets import make_plot

from .panels import COLOR_A, COLOR_B, SYMBOLS, set_ticks, tick_font, time_ticks


def sequence_html(snap: dict) -> str:
    """Input, target and predictions of the probe as aligned monospace rows; wrong predictions red."""
    labels = snap["labels"]
    copy = snap["task"] == "copy"

    def sym(v: float) -> str:
        if v < 0:
            return "·"
        return SYMBOLS[int(v)] if copy else str(int(v))

    target = snap["models"]["a"]["target"]
    rows = [("input", [html.escape(x) for x in labels]), ("target", [sym(v) for v in target])]
    for m in snap["models"].values():
        cells = []
        for v, tv in zip(m["pred"], target, strict=False):
            if tv < 0:
                cells.append("·")
            else:
                col = "#1a7f37" if v == tv else "#d62728"
                cells.append(f"<span style='color:{col};font-weight:bold'>{sym(v)}</span>")
        ok = int(np.sum((m["pred"] == target) & (target >= 0)))
        n = int(np.sum(target >= 0))
        rows.append((f"{m['label']} ({ok}/{n})", cells))
    width = max(len(r[0]) for r in rows)
    lines = [f"{html.escape(name.ljust(width))}  " + " ".join(cells) for name, cells in rows]
    return "<pre style='font-size:9pt;margin:2px'>" + "<br>".join(lines) + "</pre>"


class OutputPanel(QtWidgets.QWidget):
    """The probe's target and each model's prediction over time (sine: with free-running generation; adding:
    marked values and the running estimate; copy / parentheses: symbols or depth, and an aligned text table).

    Snapshot keys read: ``task``, ``labels``, ``models`` {key: {``label``, ``pred``, ``input``, ``target``,
    ``marker``, ``free``, ``free_from``}}.
    """

    def __init__(self):
        super().__init__()
        ov = QtWidgets.QVBoxLayout(self)
        ov.setContentsMargins(0, 0, 0, 0)
        self.out_plot = make_plot("Probe: target and prediction", "time step", legend=True)
        tick_font(self.out_plot.getPlotItem())
        self.out_plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        self.out_label = QtWidgets.QLabel("")
        self.out_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.out_label.setVisible(False)
        ov.addWidget(self.out_label)
        ov.addWidget(self.out_plot, 1)

    def clear(self) -> None:
        self.out_plot.getPlotItem().clear()

    def draw(self, snap: dict) -> None:
        pi = self.out_plot.getPlotItem()
        pi.clear()
        task = snap["task"]
        models = snap["models"]
        a = models["a"]
        t = np.arange(len(snap["labels"]))
        if task == "sine":
            pi.setTitle("Probe: input (grey), target, prediction; dashed: free-running from the middle",
                        size="8pt")
            pi.plot(t, a["input"], pen=pg.mkPen("#aaa", width=1), name="noisy input")
            pi.plot(t, a["target"], pen=pg.mkPen("k", width=2), name="target s(t+1)")
            for key, m in models.items():
                col = COLOR_A if key == "a" else COLOR_B
                pi.plot(t, m["pred"], pen=pg.mkPen(col, width=2), name=f"{m['label']} prediction")
                fin = np.isfinite(m["free"])
                pi.plot(t[fin], m["free"][fin], pen=pg.mkPen(col, width=2, style=QtCore.Qt.PenStyle.DashLine),
                        name=f"{m['label']} free-running")
            pi.addItem(pg.InfiniteLine(a["free_from"], angle=90, pen=pg.mkPen("#888")))
            pi.setLabel("left", "value")
        elif task == "adding":
            pi.setTitle(f"Probe: values, marked ▲; running estimate vs target {a['target']:.3f}", size="8pt")
            pi.plot(t, a["input"], pen=None, symbol="o", symbolSize=4, symbolBrush="#aaa", name="values")
            mk = a["marker"] > 0
            pi.plot(t[mk], a["input"][mk], pen=None, symbol="t1", symbolSize=12, symbolBrush="#d62728",
                    name="marked")
            pi.addItem(pg.InfiniteLine(a["target"], angle=0, pen=pg.mkPen("k", width=2), label="target",
                                       labelOpts={"position": 0.05}))
            for key, m in models.items():
                col = COLOR_A if key == "a" else COLOR_B
                pi.plot(t, m["pred"], pen=pg.mkPen(col, width=2),
                        name=f"{m['label']}: output {m['pred'][-1]:.3f} (read at the end)")
            pi.setLabel("left", "value")
        else:
            copy = task == "copy"
            what = "symbol" if copy else "nesting depth"
            pi.setTitle(f"Probe: target vs predicted {what}", size="8pt")
            y = np.where(a["target"] < 0, np.nan, a["target"])
            pi.plot(t, y, pen=None if copy else pg.mkPen("k", width=3), symbol="s", symbolSize=12 if copy else 6,
                    symbolBrush=None if copy else "k", symbolPen=pg.mkPen("k", width=2),
                    name="target", connect="finite")
            for key, m in models.items():
                col = COLOR_A if key == "a" else COLOR_B
                p = np.where(m["pred"] < 0, np.nan, m["pred"])
                pi.plot(t, p, pen=None if copy else pg.mkPen(col, width=1.5), symbol="o", symbolSize=6,
                        symbolBrush=col, name=f"{m['label']} prediction", connect="finite")
            pi.setLabel("left", what)
            if copy:
                n_sym = int(np.nanmax(y)) + 1 if np.isfinite(y).any() else 1
                n_sym = max(n_sym, int(np.nanmax(np.where(a["pred"] < 0, np.nan, a["pred"]))) + 1
                            if (a["pred"] >= 0).any() else n_sym)
                set_ticks(pi.getAxis("left"), [[(k, SYMBOLS[k])
                                                 for k in range(min(n_sym, 36))], []])
                pi.setXRange(float(np.argmax(np.isfinite(y))) - 1, len(t), padding=0)
            else:
                set_ticks(pi.getAxis("left"), None)
                pi.setXRange(-0.5, len(t) - 0.5, padding=0)
            self.out_label.setText(sequence_html(snap))
        self.out_label.setVisible(task in ("copy", "parentheses"))
        if task == "sine":  # the x axis is plain time here; values are on the y axis
            set_ticks(pi.getAxis("bottom"), None)
        else:
            set_ticks(pi.getAxis("bottom"), [time_ticks(snap["labels"],
                                                            max(300, self.out_plot.width() - 60)), []])
