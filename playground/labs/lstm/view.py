"""LstmView: every gate of the probe sequence, gradient flow, saturation, cell finder, outputs — assembled
from the panels in ``panels*.py``; this file lays them out and routes snapshots to them.

Layout (fits the ~1000×650 px the main window gives a lab):

    [toolbar: new probe · layer · unit · show]
    ┌ smoothing         ┐ ┌ tabs ─────────────────────────────────────────────┐
    │ loss (+ baseline) │ │ Gates & states: heat-map grid (units × time), one │
    │ metric / grad norm│ │   colour bar per scale; cell finder + unit trace  │
    │ gradient flow     │ │ Output / Generated text · Saturation               │
    └───────────────────┘ └─────────────────────────────────────────────────────┘

Views only draw: no torch here. Clicking a unit (a heat-map row, a finder row, a spin box)
highlights that unit everywhere.
"""

from __future__ import annotations

import time

from PySide6 import QtCore, QtWidgets

from playground.ui.livetext import LiveText
from playground.ui.widgets import LabView, snap_value

from .panels import GATE_TITLE, ORDER, SaturationPanel, small
from .panels_curves import LstmCurves
from .panels_finder import FinderPanel
from .panels_gates import GatesPanel
from .panels_output import OutputPanel
from .panels_text import TextPanel


class LstmView(LabView):
    max_fps = 10.0  # the curves are drawn at most 10 times a second: no need for more snapshots
    MIN_FRAME_S = 0.1  # curves at most 10 times a second
    MIN_REDRAW_S = 0.3  # heat-maps, finder, output, saturation at most ~3 times a second

    def __init__(self, spec=None, parent=None):
        super().__init__(spec, parent)
        self._next_heavy = 0.0
        self._heavy_timer = QtCore.QTimer(self)
        self._heavy_timer.setSingleShot(True)
        self._heavy_timer.timeout.connect(self._schedule_redraw)
        self._pending: dict | None = None
        self._next_frame = 0.0
        self._frame_timer = QtCore.QTimer(self)
        self._frame_timer.setSingleShot(True)
        self._frame_timer.timeout.connect(self._draw_frame)
        self.snap: dict | None = None
        self.unit: int | None = None
        self.layer = -1
        self._compare = False
        self._build_ui()

    def _build_ui(self) -> None:
        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        root.setSpacing(2)
        bar = QtWidgets.QHBoxLayout()
        self.probe_btn = QtWidgets.QPushButton("New probe")
        self.probe_btn.setToolTip("Draw another probe sequence (the one every view shows)")
        self.probe_btn.clicked.connect(lambda: self.command.emit("new_probe", {}))
        self.layer_box = QtWidgets.QComboBox()
        self.layer_box.setToolTip("Which layer the heat-maps show")
        self.layer_box.currentIndexChanged.connect(self._on_layer)
        self.unit_spin = QtWidgets.QSpinBox()
        self.unit_spin.setRange(-1, 511)
        self.unit_spin.setSpecialValueText("none")
        self.unit_spin.setValue(-1)
        self.unit_spin.setToolTip("Selected unit: highlighted in every heat-map (or click a row)")
        self.unit_spin.valueChanged.connect(lambda v: self.select_unit(None if v < 0 else v))
        self.rows_box = QtWidgets.QComboBox()
        self.rows_box.addItems(["all"])
        self.rows_box.setToolTip("What the heat-map grid shows: every quantity, or one of them large")
        self.rows_box.currentIndexChanged.connect(lambda _i: self._relayout())
        self.info = LiveText("", template="step 100,000   probe #1000   LSTM: probe loss 0.1234")  # every frame
        small(self.info)
        self.layer_label, self.rows_label = QtWidgets.QLabel("Layer"), QtWidgets.QLabel("Show")
        for w in (self.probe_btn, self.layer_label, self.layer_box, QtWidgets.QLabel("Unit"), self.unit_spin,
                  self.rows_label, self.rows_box):
            bar.addWidget(w)
        bar.addWidget(self.info, 1)
        root.addLayout(bar)

        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        root.addWidget(split, 1)
        self.curves = LstmCurves()
        split.addWidget(self.curves)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.currentChanged.connect(lambda _i: self._redraw())
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        split.setSizes([300, 700])

        # tab 1: heat-maps + cell finder
        self.gates = GatesPanel()
        self.gates.unit_clicked.connect(self.select_unit)
        self.gates.zoom_changed.connect(self._on_zoom)
        self.finder = FinderPanel()
        self.finder.unit_clicked.connect(self.select_unit)
        self.finder.changed.connect(self._redraw)
        vsplit = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        vsplit.addWidget(self.gates)
        vsplit.addWidget(self.finder)
        vsplit.setStretchFactor(0, 3)
        vsplit.setStretchFactor(1, 2)
        vsplit.setSizes([400, 230])
        self.tabs.addTab(vsplit, "Gates && states")
        # tab 2: task output / generated text
        out_tab = QtWidgets.QWidget()
        ov = QtWidgets.QVBoxLayout(out_tab)
        ov.setContentsMargins(0, 0, 0, 0)
        self.output = OutputPanel()
        self.text = TextPanel(self)
        self.text.redraw.connect(self._redraw)
        ov.addWidget(self.output, 1)
        ov.addWidget(self.text, 1)
        self.tabs.addTab(out_tab, "Output")
        # tab 3: saturation
        self.saturation = SaturationPanel()
        self.tabs.addTab(self.saturation, "Saturation")
        # handles the tests and the shell use
        self.table, self.texts, self.out_plot = self.finder.table, self.text.texts, self.output.out_plot
        self.signal_box, self.sat_plots = self.finder.signal_box, self.saturation.plots
        self.grad_curves, self.loss_base = self.curves.grad_curves, self.curves.loss_base
        self.temp_spin, self.text_note = self.text.temp_spin, self.text.text_note
        self._relayout()

    @property
    def loss_curves(self):
        return self.curves.loss_curves

    def open_text(self, path: str) -> bool:
        return self.text.open_text(path)

    # -- config / snapshot ------------------------------------------------------------------------------------
    def set_config(self, config) -> None:
        super().set_config(config)
        self.text.set_config(config)
        structure = (config.task, config.cell, config.cell_b, config.compare, config.hidden_size,
                     config.num_layers, config.forget_bias, config.forget_bias_b)
        if structure == getattr(self, "_structure", None):
            return  # a live change (lr, clip, sampling): keep the layout and the user's selections
        self._structure = structure
        self._compare = bool(config.compare)
        cells = {"a": config.cell, "b": config.cell_b}
        labels = {"a": config.label_a(), "b": config.label_b() if config.compare else ""}
        self.gates.configure(self._compare, cells, labels)
        self.finder.configure(self._compare, labels)
        self.unit_spin.setMaximum(config.hidden_size - 1)
        if self.unit is not None and self.unit >= config.hidden_size:
            self.select_unit(None)
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.addItems([f"{k + 1} of {config.num_layers}" for k in range(config.num_layers)])
        self.layer_box.setCurrentIndex(config.num_layers - 1)
        self.layer_box.blockSignals(False)
        self.layer = self.gates.layer = config.num_layers - 1
        self.layer_box.setVisible(config.num_layers > 1)
        self.layer_label.setVisible(config.num_layers > 1)
        self.rows_box.blockSignals(True)
        self.rows_box.clear()
        if self._compare:
            self.rows_box.addItems(["A and B side by side", "all of A", "all of B"])
        else:
            self.rows_box.addItems(["all"] + [GATE_TITLE[q] for q in ORDER[config.cell]])
        self.rows_box.blockSignals(False)
        self.rows_box.setVisible(self.rows_box.count() > 1)
        self.rows_label.setVisible(self.rows_box.count() > 1)
        charlm = config.task == "charlm"
        self.text.setVisible(charlm)
        self.output.setVisible(not charlm)
        self.tabs.setTabText(1, "Generated text" if charlm else "Output")
        self.saturation.plots["b"].setVisible(self._compare)
        self.curves.configure(config.task, self._compare, labels)
        self._relayout()

    def _relayout(self) -> None:
        """Lay out the heat-map grid for the 'Show' choice: A and B, all of A or B, or one quantity large."""
        idx = max(0, self.rows_box.currentIndex())
        size = (self.config.seq_len, self.config.hidden_size) if self.config is not None else None
        self.gates.relayout(idx if self._compare else 1, size)
        self.gates.highlight(self.unit)
        if not self._compare and idx > 0:
            self.gates.grid.zoom_into(*self.gates.place(idx - 1))
        else:
            self.gates.grid.unzoom()
        if self.snap is not None:
            self._draw_maps(self.snap)

    def _on_zoom(self, where) -> None:
        """A double click (or the back button) on the grid: keep the 'Show' box in step."""
        if self._compare:
            return
        idx = 0 if where is None else where[0] * self.gates.cols + where[1] + 1
        if idx != self.rows_box.currentIndex():
            self.rows_box.blockSignals(True)
            self.rows_box.setCurrentIndex(idx)
            self.rows_box.blockSignals(False)
        if self.snap is not None:
            self._draw_maps(self.snap)

    def named_panels(self) -> dict:
        return {"Curves": self.curves, "Gates": self.gates, "Cell finder": self.finder, "Output": self.output,
                "Text": self.text, "Saturation": self.saturation}

    def clear(self) -> None:
        self.cancel_drawing()
        self.snap = None
        self._pending = None
        self._frame_timer.stop()
        for panel in (self.curves, self.gates, self.finder, self.text, self.output, self.saturation):
            panel.clear()

    def headline(self, snap: dict) -> list[tuple[str, str]]:
        metric = snap.get("metric", "mse")
        out = []
        for sfx, who in (("", ""), ("_b", " (B)")):
            v = snap_value(snap, metric + sfx)
            if v is not None:
                out.append((f"{metric}{who}", f"{100 * v:.0f} %" if metric == "accuracy" else f"{v:.3g}"))
        return out or super().headline(snap)

    def set_snapshot(self, snap: dict) -> None:
        """Keep the latest snapshot; draw it now, or when MIN_FRAME_S has passed since the last
        frame (drawing holds Python's lock, which the training thread needs too)."""
        first = self.snap is None or self.snap.get("task") != snap.get("task")
        self._pending = snap
        wait = self._next_frame - time.perf_counter()
        if first or wait <= 0:
            self._frame_timer.stop()
            self._draw_frame(first)
        elif not self._frame_timer.isActive():
            self._frame_timer.start(int(wait * 1000) + 1)

    def _draw_frame(self, first: bool = False) -> None:
        snap, self._pending = self._pending, None
        if snap is None:
            return
        self._next_frame = time.perf_counter() + self.MIN_FRAME_S
        self.snap = snap
        for key, job in self.curves.jobs(snap).items():  # each plot in its own event-loop turn
            self.draw_later(key, job)
        self.curves.draw_baselines(snap)
        if first:
            self.finder.update_signals(snap)
            if self.unit is None:  # start with the unit the cell finder ranks first
                best = self.finder.best_unit(snap)
                if best is not None:
                    self.select_unit(best)
        parts = [f"step {snap['step']}", f"probe #{snap.get('probe_seed', 0)}"]
        for key, m in snap["models"].items():
            name = m["label"] if not snap["compare"] else f"{key.upper()} {m['label']}"
            parts.append(f"{name}: probe loss {m['probe_loss']:.4g}")
        self.info.setText("   ".join(parts))
        if not snap.get("light"):  # a light snapshot (curves only) leaves the heat-maps as they are
            self._schedule_redraw()

    def _schedule_redraw(self) -> None:
        """Heat-maps, finder, output and saturation are redrawn at most every MIN_REDRAW_S (and
        less often when the output or saturation tab is slow to draw; heat-maps and finder are
        queued in parts, see ``draw_later``); the latest snapshot is always drawn in the end."""
        wait = self._next_heavy - time.perf_counter()
        if wait <= 0:
            self._heavy_timer.stop()
            t0 = time.perf_counter()
            self._redraw()
            cost = time.perf_counter() - t0
            self._next_heavy = time.perf_counter() + max(self.MIN_REDRAW_S, 4 * cost)
        elif not self._heavy_timer.isActive():
            self._heavy_timer.start(int(wait * 1000) + 1)

    def _redraw(self) -> None:
        snap = self.snap
        if snap is None:
            return
        tab = self.tabs.currentIndex()
        if tab == 0:
            self._draw_maps(snap)
            self.draw_later("finder", lambda: self.finder.draw(snap, self.unit, self.layer))
        elif tab == 1:
            if snap["task"] == "charlm":
                self.text.draw(snap, self.unit)
            else:
                self.output.draw(snap)
        else:
            self.saturation.draw(snap, self.unit)

    def _draw_maps(self, snap: dict) -> None:
        for key, job in self.gates.jobs(snap).items():
            self.draw_later(key, job)

    def select_unit(self, unit: int | None) -> None:
        """Highlight ``unit`` (None: no unit) in every heat-map, the finder, saturation and text."""
        if unit is not None and self.config is not None and not (0 <= unit < self.config.hidden_size):
            return
        self.unit = unit
        self.unit_spin.blockSignals(True)
        self.unit_spin.setValue(-1 if unit is None else unit)
        self.unit_spin.blockSignals(False)
        self.gates.highlight(unit)
        if self.snap is not None:
            self._redraw()

    def _on_layer(self, idx: int) -> None:
        self.layer = self.gates.layer = max(0, idx)
        self._redraw()
