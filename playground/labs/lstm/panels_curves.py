"""The LSTM's left column: loss and metric curves (shared curves panel, with baselines) and gradient flow."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from playground.ui.panels.curves import CurvesPanel
from playground.ui.widgets import make_plot

from .panels import COLOR_A, COLOR_B, tick_font, tidy_log_axis


class LstmCurves(QtWidgets.QWidget):
    """Loss (log) and the task's metric (accuracy, or the gradient norm for regression tasks) per model,
    with the memoryless baseline as a dashed line; below, gradient flow ‖∂L_T/∂h_t‖ over the probe.

    Snapshot keys read: ``history`` (loss, accuracy, grad_norm and their ``_b`` twins), ``baseline_loss``,
    ``baseline``, ``metric``, ``models`` {key: {``grad`` (T,)}} (full snapshots only).
    """

    def __init__(self):
        super().__init__()
        lv = QtWidgets.QVBoxLayout(self)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.setSpacing(2)
        self.curves = CurvesPanel()
        self.loss_plot = self.curves.add_plot("loss", "Loss", "step", log_y=True)
        self.metric_plot = self.curves.add_plot("metric", "Metric", "step")
        lv.addWidget(self.curves, 2)
        self.grad_plot = make_plot("Gradient flow ‖∂L_T/∂h_t‖", "time step t", log_y=True, legend=True)
        lv.addWidget(self.grad_plot, 1)
        for p in (self.loss_plot, self.metric_plot, self.grad_plot):
            tick_font(p.getPlotItem())
            tidy_log_axis(p.getPlotItem())
        dash = pg.mkPen("#555", width=1.5, style=QtCore.Qt.PenStyle.DashLine)
        self.loss_base = pg.InfiniteLine(angle=0, pen=dash)
        self.metric_base = pg.InfiniteLine(angle=0, pen=dash)
        self._base_legend: dict[str, float | None] = {"loss": None, "metric": None}
        self.loss_plot.addItem(self.loss_base)
        self.metric_plot.addItem(self.metric_base)
        self.grad_curves = {k: self.grad_plot.plot([], [], name=k, pen=pg.mkPen(c, width=2))
                            for k, c in (("a", COLOR_A), ("b", COLOR_B))}
        self.loss_curves = self.metric_curves = None

    def configure(self, task: str, compare: bool, labels: dict) -> None:
        metric = "accuracy" if task in ("copy", "parentheses", "charlm") else "mse"
        a, b = labels["a"], labels["b"]
        self.loss_curves = self.curves.set_curves("loss", {"loss": a} | ({"loss_b": b} if compare else {}),
                                                  width=1.2)
        title = "Loss = MSE (log)" if metric == "mse" else "Loss: cross-entropy (log)"
        self.loss_plot.getPlotItem().setTitle(title, size="9pt")
        pi = self.metric_plot.getPlotItem()
        if metric == "accuracy":
            names = {"accuracy": a} | ({"accuracy_b": b} if compare else {})
            pi.setTitle("Accuracy", size="9pt")
            pi.setLogMode(y=False)
            pi.setYRange(0, 1, padding=0.02)
        else:  # the loss already is the MSE: show the gradient norm, where explosions appear
            names = {"grad_norm": a} | ({"grad_norm_b": b} if compare else {})
            pi.setTitle("Gradient norm before clipping (log)", size="9pt")
            pi.setLogMode(y=True)
            pi.enableAutoRange(y=True)
        self.metric_curves = self.curves.set_curves("metric", names, width=1.2)
        self.metric_base.setVisible(False)
        self.loss_base.setVisible(False)
        self._base_legend = {"loss": None, "metric": None}
        for plot in (self.loss_plot, self.metric_plot):
            legend = plot.getPlotItem().legend
            if legend is not None:
                for it in list(legend.items):
                    if it[1].text.startswith("baseline"):
                        legend.removeItem(it[0].item)
        leg = self.grad_plot.getPlotItem().legend
        if leg is not None:
            leg.clear()
            leg.addItem(self.grad_curves["a"], a)
            if compare:
                leg.addItem(self.grad_curves["b"], b)
        self.grad_curves["b"].setVisible(compare)

    def jobs(self, snap: dict) -> dict:
        """Drawing jobs, each run in its own event-loop turn by the view."""
        hist = snap.get("history", {})
        out = {"loss": lambda: self.curves.update(hist, keys=("loss",)),
               "metric": lambda: self.curves.update(hist, keys=("metric",))}
        if not snap.get("light"):
            out["grads"] = lambda: self.draw_grads(snap)
        return out

    def draw_baselines(self, snap: dict) -> None:
        self._set_line(self.loss_plot, "loss", self.loss_base, snap.get("baseline_loss"), log=True)
        if snap.get("metric") == "accuracy":
            self._set_line(self.metric_plot, "metric", self.metric_base, snap.get("baseline"), log=False)
        else:
            self.metric_base.setVisible(False)

    def draw_grads(self, snap: dict) -> None:
        for key, curve in self.grad_curves.items():
            m = snap["models"].get(key)
            if m is None:
                curve.setData([], [])
                continue
            g = np.clip(np.asarray(m["grad"], np.float64), 1e-12, None)
            curve.setData(np.arange(len(g)), g)

    def _set_line(self, plot, which: str, line: pg.InfiniteLine, value, log: bool) -> None:
        if value is None or not math.isfinite(value) or (log and value <= 0):
            line.setVisible(False)
            return
        line.setPos(math.log10(value) if log else value)
        line.setVisible(True)
        if self._base_legend[which] != value:  # name the line once in the legend
            self._base_legend[which] = value
            legend = plot.getPlotItem().legend
            if legend is not None:
                for it in list(legend.items):
                    if it[1].text.startswith("baseline"):
                        legend.removeItem(it[0].item)
                legend.addItem(pg.PlotDataItem(pen=line.pen), f"baseline {value:.4g}")

    def clear(self) -> None:
        self.curves.clear()
        for c in self.grad_curves.values():
            c.setData([], [])
