"""LstmView: every gate of the probe sequence, gradient flow, saturation, cell finder, outputs.

Layout (fits the ~1000×650 px the main window gives a lab):

    [toolbar: new probe · layer · unit · compare rows · model for finder]
    ┌ loss (+ baseline) ┐ ┌ tabs ─────────────────────────────────────────────┐
    │ metric / grad norm│ │ Gates & states: heat-maps time × units, fixed     │
    │ gradient flow     │ │   scales, colour bars; cell finder + unit trace   │
    └───────────────────┘ │ Output / Text · Saturation                         │
                          └─────────────────────────────────────────────────────┘

Views only draw: no torch here. Clicking a unit (a heat-map row, a finder row, a spin box)
highlights that unit everywhere.
"""

from __future__ import annotations

import html
import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from playground.ui.widgets import PALETTE, Curves, HeatMap, LabView, make_plot

from .corpus import load_text

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


def _levels(q: str) -> tuple[float, float]:
    if q in SIGMOID:
        return (0.0, 1.0)
    if q == "c":
        return (-C_LEVEL, C_LEVEL)
    return (-1.0, 1.0)


def _cmap(q: str) -> str:
    return "viridis" if q in SIGMOID else "CET-D1"


def _small(widget, pt=8):
    f = widget.font()
    f.setPointSize(pt)
    widget.setFont(f)


def _tick_font(plot_item, pt=7):
    f = QtGui.QFont()
    f.setPointSize(pt)
    for ax in ("bottom", "left"):
        plot_item.getAxis(ax).setStyle(tickFont=f)


def _tidy_log_axis(plot_item) -> None:
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


def _cache_axes(root: QtWidgets.QWidget) -> None:
    """Paint every axis once into a pixmap and reuse it until the axis changes. Axis text is most
    of the cost of a frame, and most axes (units, time, colour bars) never change."""
    mode = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
    for view in root.findChildren(pg.GraphicsView):
        scene = view.scene()
        if scene is None:
            continue
        for item in scene.items():
            if isinstance(item, pg.AxisItem):
                item.setCacheMode(mode)


def _set_ticks(axis, ticks) -> None:
    """setTicks only when they change (setting them repaints the axis from scratch)."""
    if getattr(axis, "_lstm_ticks", "unset") != ticks:
        axis._lstm_ticks = ticks
        axis.setTicks(ticks)


def _diverging(v: float, vmax: float = 1.0) -> str:
    """A background colour for value v in [-vmax, vmax]: blue (negative) - white - red (positive)."""
    t = max(-1.0, min(1.0, v / vmax if vmax else 0.0))
    if t >= 0:
        r, g, b = 255, int(255 - 150 * t), int(255 - 170 * t)
    else:
        r, g, b = int(255 + 170 * t), int(255 + 120 * t), 255
    return f"#{r:02x}{g:02x}{b:02x}"


class ActivationText(QtWidgets.QTextEdit):
    """Read-only text whose characters are coloured by a unit's activation; hovering a character
    shows its values."""

    def __init__(self):
        super().__init__()
        self.setReadOnly(True)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        f = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        f.setPointSize(10)
        self.setFont(f)
        self._text = ""
        self._h = None
        self._c = None
        self._unit = 0
        self._n_prompt = 0

    def show_text(self, text: str, h: np.ndarray | None, c: np.ndarray | None, unit: int, use: str,
                  n_prompt: int = 0) -> None:
        self._text, self._h, self._c, self._unit, self._n_prompt = text, h, c, unit, n_prompt
        vals = None
        if h is not None and 0 <= unit < h.shape[1]:
            vals = (c if use == "c" and c is not None else h)[:, unit]
        vmax = C_LEVEL if use == "c" else 1.0
        parts = []
        for k, ch in enumerate(text):
            esc = html.escape(ch)
            if ch == "\n":
                esc = "↵<br>"
            elif ch == " ":
                esc = "&nbsp;"
            style = f"background:{_diverging(float(vals[k]), vmax)};" if vals is not None else ""
            if k < n_prompt:
                style += "text-decoration:underline;font-weight:bold;"
            parts.append(f'<span style="{style}">{esc}</span>')
        sb = self.verticalScrollBar().value()
        self.setHtml("<div style='line-height:140%'>" + "".join(parts) + "</div>")
        self.verticalScrollBar().setValue(sb)

    def char_info(self, k: int) -> str:
        if not (0 <= k < len(self._text)) or self._h is None:
            return ""
        ch = self._text[k]
        u = self._unit
        line = f"#{k} {ch!r}  unit {u}: h={self._h[k, u]:+.3f}"
        if self._c is not None:
            line += f"  c={self._c[k, u]:+.3f}"
        return line + ("  (prompt)" if k < self._n_prompt else "")

    def mouseMoveEvent(self, e):  # noqa: N802 - Qt override
        cur = self.cursorForPosition(e.position().toPoint())
        k = self._index_of(cur.position())
        info = self.char_info(k)
        if info:
            QtWidgets.QToolTip.showText(e.globalPosition().toPoint(), info, self)
        super().mouseMoveEvent(e)

    def _index_of(self, doc_pos: int) -> int:
        # "↵" is inserted before every newline: map document positions back to text indices
        k = pos = 0
        while k < len(self._text):
            width = 2 if self._text[k] == "\n" else 1
            if pos + width > doc_pos:
                return k
            pos += width
            k += 1
        return -1


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
        self._task = ""
        self._compare = False
        self._cells = {"a": "lstm", "b": "rnn"}
        self._labels = {"a": "A", "b": "B"}
        self._slots: list[tuple[str, str]] = []  # (model key, quantity) per heat-map
        self._build_ui()

    # -- construction ------------------------------------------------------------------------------------
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
        self.info = QtWidgets.QLabel("")
        _small(self.info)
        for w, lab in ((self.probe_btn, None), (self.layer_box, "Layer"), (self.unit_spin, "Unit"),
                       (self.rows_box, "Show")):
            if lab:
                label = QtWidgets.QLabel(lab)
                bar.addWidget(label)
                if w is self.rows_box:
                    self.rows_label = label
                if w is self.layer_box:
                    self.layer_label = label
            bar.addWidget(w)
        bar.addWidget(self.info, 1)
        root.addLayout(bar)

        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        root.addWidget(split, 1)

        # left column: loss, metric, gradient flow
        left = QtWidgets.QWidget()
        lv = QtWidgets.QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.setSpacing(2)
        self.loss_plot = make_plot("Loss", "step", log_y=True, legend=True)
        self.metric_plot = make_plot("Metric", "step", legend=True)
        self.grad_plot = make_plot("Gradient flow ‖∂L_T/∂h_t‖", "time step t", log_y=True, legend=True)
        for p in (self.loss_plot, self.metric_plot, self.grad_plot):
            _tick_font(p.getPlotItem())
            _tidy_log_axis(p.getPlotItem())
            lv.addWidget(p, 1)
        dash = pg.mkPen("#555", width=1.5, style=QtCore.Qt.PenStyle.DashLine)
        self.loss_base = pg.InfiniteLine(angle=0, pen=dash)
        self.metric_base = pg.InfiniteLine(angle=0, pen=dash)
        self._base_legend: dict[str, float | None] = {"loss": None, "metric": None}
        self.loss_plot.addItem(self.loss_base)
        self.metric_plot.addItem(self.metric_base)
        self.grad_curves = {k: self.grad_plot.plot([], [], name=k, pen=pg.mkPen(c, width=2))
                            for k, c in (("a", COLOR_A), ("b", COLOR_B))}
        self.loss_curves: Curves | None = None
        self.metric_curves: Curves | None = None
        split.addWidget(left)

        # right: tabs
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.currentChanged.connect(lambda _i: self._redraw())
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        split.setSizes([300, 700])

        # tab 1: heat-maps + cell finder
        gates_tab = QtWidgets.QWidget()
        gv = QtWidgets.QVBoxLayout(gates_tab)
        gv.setContentsMargins(0, 0, 0, 0)
        gv.setSpacing(2)
        self.grid_host = QtWidgets.QWidget()
        self.grid = QtWidgets.QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.maps: list[HeatMap] = []
        for _ in range(6):
            hm = HeatMap("", levels=(0.0, 1.0), cmap="viridis")
            _tick_font(hm.plot)
            for ax in ("left", "bottom"):
                hm.plot.getAxis(ax).enableAutoSIPrefix(False)
            if hm.bar is not None:
                f = QtGui.QFont()
                f.setPointSize(7)
                hm.bar.axis.setStyle(tickFont=f)
                hm.bar.axis.setWidth(30)
            hm.clicked.connect(lambda row, _col: self.select_unit(row))
            hm.scene().sigMouseMoved.connect(lambda pos, k=len(self.maps): self._hover(k, pos))
            self.maps.append(hm)
        self.no_gates = QtWidgets.QLabel("")
        self.no_gates.setWordWrap(True)
        self.no_gates.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.no_gates.setStyleSheet("QLabel{color:#555;padding:12px;}")
        vsplit = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        gv.addWidget(vsplit, 1)
        vsplit.addWidget(self.grid_host)

        finder = QtWidgets.QWidget()
        fh = QtWidgets.QHBoxLayout(finder)
        fh.setContentsMargins(0, 0, 0, 0)
        fv = QtWidgets.QVBoxLayout()
        row = QtWidgets.QHBoxLayout()
        lab = QtWidgets.QLabel("Cell finder:")
        _small(lab)
        row.addWidget(lab)
        self.signal_box = QtWidgets.QComboBox()
        self.signal_box.setToolTip("Ground truth the units are correlated with")
        self.signal_box.currentIndexChanged.connect(lambda _i: self._redraw())
        row.addWidget(self.signal_box, 1)
        self.finder_model = QtWidgets.QComboBox()
        self.finder_model.addItems(["A", "B"])
        self.finder_model.currentIndexChanged.connect(lambda _i: self._redraw())
        row.addWidget(self.finder_model)
        fv.addLayout(row)
        self.table = QtWidgets.QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["unit", "r (c)", "r (h)"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(18)
        _small(self.table)
        self.table.cellClicked.connect(self._on_table_click)
        fv.addWidget(self.table, 1)
        fh.addLayout(fv, 2)
        self.trace_plot = make_plot("selected unit on the probe", "time step", legend=True)
        _tick_font(self.trace_plot.getPlotItem())
        self.trace_curves = {
            "c": self.trace_plot.plot([], [], name="c", pen=pg.mkPen("#d62728", width=2)),
            "h": self.trace_plot.plot([], [], name="h", pen=pg.mkPen("#1f77b4", width=2)),
            "sig": self.trace_plot.plot([], [], name="truth (fitted)", pen=pg.mkPen("#444", width=1.5,
                                                                                       style=QtCore.Qt.PenStyle.DashLine)),
        }
        fh.addWidget(self.trace_plot, 3)
        vsplit.addWidget(finder)
        vsplit.setStretchFactor(0, 3)
        vsplit.setStretchFactor(1, 2)
        vsplit.setSizes([400, 230])
        self.tabs.addTab(gates_tab, "Gates && states")

        # tab 2: task output / generated text
        out_tab = QtWidgets.QWidget()
        ov = QtWidgets.QVBoxLayout(out_tab)
        ov.setContentsMargins(0, 0, 0, 0)
        self.out_plot = make_plot("Probe: target and prediction", "time step", legend=True)
        _tick_font(self.out_plot.getPlotItem())
        self.out_plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        self.out_label = QtWidgets.QLabel("")
        self.out_label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.out_label.setVisible(False)
        ov.addWidget(self.out_label)
        ov.addWidget(self.out_plot, 1)
        self.text_panel = QtWidgets.QWidget()
        tv = QtWidgets.QVBoxLayout(self.text_panel)
        tv.setContentsMargins(0, 0, 0, 0)
        trow = QtWidgets.QHBoxLayout()
        self.open_btn = QtWidgets.QPushButton("Open text…")
        self.open_btn.setToolTip("Train on your own UTF-8 text file")
        self.open_btn.clicked.connect(self._choose_text)
        self.builtin_btn = QtWidgets.QPushButton("Built-in text")
        self.builtin_btn.clicked.connect(lambda: self.config_request.emit({"text": "builtin"}))
        self.prompt_edit = QtWidgets.QLineEdit()
        self.prompt_edit.setPlaceholderText("prompt")
        self.prompt_edit.editingFinished.connect(
            lambda: self.config_request.emit({"prompt": self.prompt_edit.text()}))
        self.temp_spin = QtWidgets.QDoubleSpinBox()
        self.temp_spin.setRange(0.05, 3.0)
        self.temp_spin.setSingleStep(0.1)
        self.temp_spin.setPrefix("T=")
        self.temp_spin.setToolTip("Sampling temperature")
        self.temp_spin.editingFinished.connect(
            lambda: self.config_request.emit({"temperature": round(self.temp_spin.value(), 3)}))
        self.topk_spin = QtWidgets.QSpinBox()
        self.topk_spin.setRange(0, 256)
        self.topk_spin.setPrefix("top-k ")
        self.topk_spin.setSpecialValueText("top-k off")
        self.topk_spin.editingFinished.connect(lambda: self.config_request.emit({"top_k": self.topk_spin.value()}))
        self.color_by = QtWidgets.QComboBox()
        self.color_by.addItems(["colour by h", "colour by c"])
        self.color_by.currentIndexChanged.connect(lambda _i: self._redraw())
        for w in (self.open_btn, self.builtin_btn, QtWidgets.QLabel("Prompt"), self.prompt_edit,
                  self.temp_spin, self.topk_spin, self.color_by):
            trow.addWidget(w)
        tv.addLayout(trow)
        self.text_note = QtWidgets.QLabel("")
        self.text_note.setWordWrap(True)
        _small(self.text_note)
        tv.addWidget(self.text_note)
        self.texts = {"a": ActivationText(), "b": ActivationText()}
        for t in self.texts.values():
            tv.addWidget(t, 1)
        ov.addWidget(self.text_panel, 1)
        self.tabs.addTab(out_tab, "Output")

        # tab 3: saturation
        sat_tab = QtWidgets.QWidget()
        sv = QtWidgets.QHBoxLayout(sat_tab)
        sv.setContentsMargins(0, 0, 0, 0)
        self.sat_plots = {}
        for key in ("a", "b"):
            p = make_plot("Gate saturation", "share of time &lt; 0.1 (closed)", "share of time &gt; 0.9 (open)",
                          legend=True)
            p.getPlotItem().setXRange(0, 1, padding=0.03)
            p.getPlotItem().setYRange(0, 1, padding=0.03)
            p.getPlotItem().setDownsampling(auto=False)
            p.getPlotItem().setClipToView(False)
            _tick_font(p.getPlotItem())
            diag = pg.PlotCurveItem([0, 1], [1, 0], pen=pg.mkPen("#bbb", style=QtCore.Qt.PenStyle.DotLine))
            p.addItem(diag)
            self.sat_plots[key] = p
            sv.addWidget(p)
        self.sat_items: dict[tuple[str, str], pg.ScatterPlotItem] = {}
        self.sat_sel = {k: pg.ScatterPlotItem(size=16, pen=pg.mkPen("k", width=2), brush=None, symbol="o")
                        for k in ("a", "b")}
        for k in ("a", "b"):
            self.sat_plots[k].addItem(self.sat_sel[k])
        self.tabs.addTab(sat_tab, "Saturation")
        self._relayout()
        _cache_axes(self)

    # -- config / snapshot ------------------------------------------------------------------------------------
    def set_config(self, config) -> None:
        super().set_config(config)
        for w, setter, value in ((self.prompt_edit, self.prompt_edit.setText, config.prompt),
                                 (self.temp_spin, self.temp_spin.setValue, config.temperature),
                                 (self.topk_spin, self.topk_spin.setValue, config.top_k)):
            if not w.hasFocus():  # never overwrite what the user is typing
                setter(value)
        src = "the built-in story" if config.text == "builtin" else config.text
        self.text_note.setText(f"Trained on {src}. Each character is coloured by the selected unit "
                               "(red positive, blue negative); hover a character for its values. "
                               "The prompt is underlined (characters the text never uses are skipped).")
        structure = (config.task, config.cell, config.cell_b, config.compare, config.hidden_size,
                     config.num_layers, config.forget_bias, config.forget_bias_b)
        if structure == getattr(self, "_structure", None):
            return  # a live change (lr, clip, sampling): keep the layout and the user's selections
        self._structure = structure
        self._task = config.task
        self._compare = bool(config.compare)
        self._cells = {"a": config.cell, "b": config.cell_b}
        self._labels = {"a": config.label_a(), "b": config.label_b() if config.compare else ""}
        self.unit_spin.setMaximum(config.hidden_size - 1)
        if self.unit is not None and self.unit >= config.hidden_size:
            self.select_unit(None)
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.addItems([f"{k + 1} of {config.num_layers}" for k in range(config.num_layers)])
        self.layer_box.setCurrentIndex(config.num_layers - 1)
        self.layer_box.blockSignals(False)
        self.layer = config.num_layers - 1
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
        self.finder_model.setVisible(self._compare)
        self.finder_model.setItemText(0, f"A: {self._labels['a']}")
        self.finder_model.setItemText(1, f"B: {self._labels['b']}")
        charlm = config.task == "charlm"
        self.text_panel.setVisible(charlm)
        self.out_plot.setVisible(not charlm)
        self.texts["b"].setVisible(charlm and self._compare)
        self.tabs.setTabText(1, "Generated text" if charlm else "Output")
        self.sat_plots["b"].setVisible(self._compare)
        self._setup_curves()
        self._relayout()

    def _setup_curves(self) -> None:
        cfg = self.config
        metric = "accuracy" if cfg.task in ("copy", "parentheses", "charlm") else "mse"
        for plot in (self.loss_plot, self.metric_plot):
            for item in list(plot.getPlotItem().listDataItems()):
                plot.removeItem(item)
            legend = plot.getPlotItem().legend
            if legend is not None:
                legend.clear()
        a, b = self._labels["a"], self._labels["b"]
        names = {"loss": a} | ({"loss_b": b} if self._compare else {})
        self.loss_curves = Curves(self.loss_plot, names, width=1.2)
        title = "Loss = MSE (log)" if metric == "mse" else "Loss: cross-entropy (log)"
        self.loss_plot.getPlotItem().setTitle(title, size="9pt")
        if metric == "accuracy":
            names = {"accuracy": a} | ({"accuracy_b": b} if self._compare else {})
            self.metric_plot.getPlotItem().setTitle("Accuracy", size="9pt")
            self.metric_plot.getPlotItem().setLogMode(y=False)
            self.metric_plot.getPlotItem().setYRange(0, 1, padding=0.02)
        else:  # the loss already is the MSE: show the gradient norm, where explosions appear
            names = {"grad_norm": a} | ({"grad_norm_b": b} if self._compare else {})
            self.metric_plot.getPlotItem().setTitle("Gradient norm before clipping (log)", size="9pt")
            self.metric_plot.getPlotItem().setLogMode(y=True)
            self.metric_plot.getPlotItem().enableAutoRange(y=True)
        self.metric_curves = Curves(self.metric_plot, names, width=1.2)
        for plot, line in ((self.metric_plot, self.metric_base), (self.loss_plot, self.loss_base)):
            if line not in plot.getPlotItem().items:
                plot.addItem(line)
        self.metric_base.setVisible(False)
        self.loss_base.setVisible(False)
        self._base_legend = {"loss": None, "metric": None}
        leg = self.grad_plot.getPlotItem().legend
        if leg is not None:
            leg.clear()
            leg.addItem(self.grad_curves["a"], a)
            if self._compare:
                leg.addItem(self.grad_curves["b"], b)
        self.grad_curves["b"].setVisible(self._compare)

    def _relayout(self) -> None:
        """Assign (model, quantity) to the heat-map slots and place them in the grid."""
        for hm in self.maps:
            self.grid.removeWidget(hm)
            hm.setVisible(False)
        idx = max(0, self.rows_box.currentIndex())
        mode = idx if self._compare else 1
        slots: list[tuple[str, str]] = []
        if not self._compare and idx > 0:  # one quantity, large
            cols = 1
            slots = [("a", ORDER[self._cells["a"]][idx - 1])]
        elif mode == 0:
            cols = 3
            for key in ("a", "b"):
                slots += [(key if q else "", q) for q in COMPARE_ORDER[self._cells[key]]]
        else:
            key = "b" if mode == 2 else "a"
            qs = ORDER[self._cells[key]]
            cols = 3 if len(qs) > 4 else (2 if len(qs) > 1 else 1)
            slots = [(key, q) for q in qs]
        self._slots = slots
        self.grid.removeWidget(self.no_gates)
        self.no_gates.setVisible(False)
        if mode == 0:
            for r, key in enumerate(("a", "b")):
                if self._cells[key] == "rnn":
                    self.no_gates.setText(f"{'A' if key == 'a' else 'B'} {self._labels[key]}: a plain RNN has "
                                          "no gates and no separate cell state; its only memory is h, squashed "
                                          "through tanh at every step.")
                    self.grid.addWidget(self.no_gates, r, 0, 1, 2)
                    self.no_gates.setVisible(True)
        for k, (key, q) in enumerate(slots):
            if not key:
                continue
            hm = self.maps[k]
            hm.set_levels(_levels(q))
            hm.img.setColorMap(pg.colormap.get(_cmap(q)))
            if hm.bar is not None:
                hm.bar.setColorMap(pg.colormap.get(_cmap(q)))
            prefix = f"{'A' if key == 'a' else 'B'} {self._labels[key]}: " if self._compare else ""
            title = GATE_TITLE[q] + (f" (±{C_LEVEL:g})" if q == "c" else "")
            hm.plot.setTitle(prefix + title, size="8pt")
            first_in_row = not any(slots[j][0] for j in range(k - k % cols, k))
            hm.plot.setLabel("left", "unit" if first_in_row else "")
            hm.plot.getAxis("left").setStyle(showValues=first_in_row)
            hm._shape = None
            hm.img.clear()
            if self.config is not None:  # a sensible empty frame until the first snapshot
                hm.plot.setXRange(0, self.config.seq_len, padding=0)
                hm.plot.setYRange(0, self.config.hidden_size, padding=0)
            self.grid.addWidget(hm, k // cols, k % cols)
            hm.setVisible(True)
            hm.highlight_row(self.unit)
        if self.snap is not None:
            self._draw_maps(self.snap)

    def clear(self) -> None:
        self.cancel_drawing()
        self.snap = None
        self._pending = None
        self._frame_timer.stop()
        if self.loss_curves:
            self.loss_curves.clear()
        if self.metric_curves:
            self.metric_curves.clear()
        for c in self.grad_curves.values():
            c.setData([], [])
        for hm in self.maps:
            hm.img.clear()
        self.table.setRowCount(0)
        for t in self.texts.values():
            t.clear()
        self.out_plot.getPlotItem().clear()
        for item in self.sat_items.values():
            item.setData([], [])

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
        hist = snap.get("history", {})
        # each plot in its own event-loop turn (see LabView.draw_later): short paints, a smooth UI
        if self.loss_curves:
            self.draw_later("loss", lambda: self.loss_curves.update(hist))
        if self.metric_curves:
            self.draw_later("metric", lambda: self.metric_curves.update(hist))
        bl, bm = snap.get("baseline_loss"), snap.get("baseline")
        self._set_line(self.loss_plot, "loss", self.loss_base, bl, log=True)
        if snap.get("metric") == "accuracy":
            self._set_line(self.metric_plot, "metric", self.metric_base, bm, log=False)
        else:
            self.metric_base.setVisible(False)
        if not snap.get("light"):
            self.draw_later("grads", lambda: self._draw_grads(snap))
        if first:
            self._update_signals(snap)
            if self.unit is None:  # start with the unit the cell finder ranks first
                m = snap["models"]["a"]
                corr = m.get("corr", {}).get(self.signal_box.currentText())
                if corr:
                    r = corr.get("c", corr.get("h"))
                    self.select_unit(int(np.argmax(np.abs(r))))
        parts = [f"step {snap['step']}", f"probe #{snap.get('probe_seed', 0)}"]
        for key, m in snap["models"].items():
            name = m["label"] if not snap["compare"] else f"{key.upper()} {m['label']}"
            parts.append(f"{name}: probe loss {m['probe_loss']:.4g}")
        self.info.setText("   ".join(parts))
        if not snap.get("light"):  # a light snapshot (curves only) leaves the heat-maps as they are
            self._schedule_redraw()

    def _draw_grads(self, snap: dict) -> None:
        for key, curve in self.grad_curves.items():
            m = snap["models"].get(key)
            if m is None:
                curve.setData([], [])
                continue
            g = np.clip(np.asarray(m["grad"], np.float64), 1e-12, None)
            curve.setData(np.arange(len(g)), g)

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
                legend.removeItem("baseline")
                for it in list(legend.items):
                    if it[1].text.startswith("baseline"):
                        legend.removeItem(it[0].item)
                legend.addItem(pg.PlotDataItem(pen=line.pen), f"baseline {value:.4g}")

    def _update_signals(self, snap: dict) -> None:
        names = list(snap.get("signals", {}))
        cur = self.signal_box.currentText()
        self.signal_box.blockSignals(True)
        self.signal_box.clear()
        self.signal_box.addItems(names)
        if cur in names:
            self.signal_box.setCurrentText(cur)
        self.signal_box.blockSignals(False)

    def _redraw(self) -> None:
        snap = self.snap
        if snap is None:
            return
        tab = self.tabs.currentIndex()
        if tab == 0:
            self._draw_maps(snap)
            self.draw_later("finder", lambda: self._draw_finder(snap))
        elif tab == 1:
            self._draw_output(snap)
        else:
            self._draw_saturation(snap)

    # -- heat-maps ----------------------------------------------------------------------------------------------
    def _time_ticks(self, labels: list[str], width_px: int) -> list[tuple[float, str]]:
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

    def _draw_maps(self, snap: dict) -> None:
        labels = snap.get("labels", [])
        cols = max(1, sum(1 for k, _ in self._slots[:3] if k) if self._slots else 1)
        for k, (key, q) in enumerate(self._slots):
            if not key:
                continue
            m = snap["models"].get(key)
            if m is None or q not in m["maps"]:
                continue
            self.draw_later(f"map{k}", lambda k=k, data=m["maps"][q]: self._draw_map(k, data, labels, cols))

    def _draw_map(self, k: int, data: np.ndarray, labels: list, cols: int) -> None:
        """One heat-map (its own event-loop turn): data (L, T, H) of one quantity."""
        hm = self.maps[k]
        layer = min(self.layer, data.shape[0] - 1)
        hm.set(data[layer].T)  # rows = units, columns = time
        w = hm.width() if hm.width() > 50 else 600 // cols
        _set_ticks(hm.plot.getAxis("bottom"), [self._time_ticks(labels, w - 60), []])
        H = data.shape[2]
        ystep = max(1, H // 8)
        _set_ticks(hm.plot.getAxis("left"), [[(u + 0.5, str(u)) for u in range(0, H, ystep)], []])

    def _hover(self, k: int, pos) -> None:
        """Tooltip with the value under the mouse: quantity, unit, time step, input there."""
        if self.snap is None or k >= len(self._slots) or not self._slots[k][0]:
            return
        key, q = self._slots[k]
        m = self.snap["models"].get(key)
        if m is None or q not in m["maps"]:
            return
        hm = self.maps[k]
        pt = hm.plot.vb.mapSceneToView(pos)
        data = m["maps"][q]
        layer = min(self.layer, data.shape[0] - 1)
        t, u = int(math.floor(pt.x())), int(math.floor(pt.y()))
        if not (0 <= t < data.shape[1] and 0 <= u < data.shape[2]):
            QtWidgets.QToolTip.hideText()
            return
        labels = self.snap.get("labels", [])
        inp = f"  input {labels[t]!r}" if t < len(labels) and labels[t] else ""
        QtWidgets.QToolTip.showText(QtGui.QCursor.pos(),
                                    f"{GATE_TITLE[q]}  unit {u}  t={t}{inp}:  {data[layer, t, u]:+.3f}", hm)

    # -- cell finder --------------------------------------------------------------------------------------------
    def _finder_key(self) -> str:
        return "b" if self._compare and self.finder_model.currentIndex() == 1 else "a"

    def _draw_finder(self, snap: dict) -> None:
        key = self._finder_key()
        m = snap["models"].get(key)
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
                item.setBackground(QtGui.QColor("#ffe9a8") if self.unit == int(u) else QtGui.QColor("white"))
        self._draw_trace(snap)

    def _draw_trace(self, snap: dict) -> None:
        key = self._finder_key()
        m = snap["models"].get(key)
        pi = self.trace_plot.getPlotItem()
        if m is None or self.unit is None:
            for c in self.trace_curves.values():
                c.setData([], [])
            pi.setTitle("click a unit (heat-map row or table) to trace it", size="8pt")
            return
        u = self.unit
        layer = min(self.layer, m["maps"]["h"].shape[0] - 1)
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
        _set_ticks(pi.getAxis("bottom"), [self._time_ticks(labels, max(200, self.trace_plot.width() - 60)), []])

    def _on_table_click(self, row: int, _col: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.select_unit(int(item.text()))

    def select_unit(self, unit: int | None) -> None:
        """Highlight ``unit`` (None: no unit) in every heat-map, the finder, saturation and text."""
        if unit is not None and self.config is not None and not (0 <= unit < self.config.hidden_size):
            return
        self.unit = unit
        self.unit_spin.blockSignals(True)
        self.unit_spin.setValue(-1 if unit is None else unit)
        self.unit_spin.blockSignals(False)
        for hm in self.maps:
            hm.highlight_row(unit)
        if self.snap is not None:
            self._redraw()

    def _on_layer(self, idx: int) -> None:
        self.layer = max(0, idx)
        self._redraw()

    # -- output -------------------------------------------------------------------------------------------------
    def _draw_output(self, snap: dict) -> None:
        if snap["task"] == "charlm":
            use = "c" if self.color_by.currentIndex() == 1 else "h"
            for key, t in self.texts.items():
                m = snap["models"].get(key)
                if m is None or "text" not in m:
                    continue
                u = self.unit if self.unit is not None else 0
                t.show_text(m["text"], m.get("text_h"), m.get("text_c"), u, use, m.get("n_prompt", 0))
            return
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
                _set_ticks(pi.getAxis("left"), [[(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[k])
                                                 for k in range(min(n_sym, 36))], []])
                pi.setXRange(float(np.argmax(np.isfinite(y))) - 1, len(t), padding=0)
            else:
                _set_ticks(pi.getAxis("left"), None)
                pi.setXRange(-0.5, len(t) - 0.5, padding=0)
            self.out_label.setText(self._sequence_html(snap))
        self.out_label.setVisible(task in ("copy", "parentheses"))
        if task == "sine":  # the x axis is plain time here; values are on the y axis
            _set_ticks(pi.getAxis("bottom"), None)
        else:
            _set_ticks(pi.getAxis("bottom"), [self._time_ticks(snap["labels"],
                                                            max(300, self.out_plot.width() - 60)), []])

    def _sequence_html(self, snap: dict) -> str:
        """Input, target and predictions of the probe as aligned monospace rows; wrong predictions red."""
        labels = snap["labels"]
        copy = snap["task"] == "copy"

        def sym(v: float) -> str:
            if v < 0:
                return "·"
            return "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[int(v)] if copy else str(int(v))

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

    # -- saturation -----------------------------------------------------------------------------------------------
    def _draw_saturation(self, snap: dict) -> None:
        for key, plot in self.sat_plots.items():
            m = snap["models"].get(key)
            for (k2, g), item in list(self.sat_items.items()):
                if k2 == key and (m is None or g not in m["saturation"]):
                    item.setData([], [])
            if m is None:
                continue
            plot.getPlotItem().setTitle(f"Gate saturation: {m['label']}" if m["saturation"]
                                        else f"{m['label']}: no gates (a plain RNN)", size="9pt")
            for g, arr in m["saturation"].items():
                item = self.sat_items.get((key, g))
                if item is None:
                    col = GATE_COLORS.get(g, "#333")
                    item = pg.ScatterPlotItem(size=8, pen=pg.mkPen(col), brush=pg.mkBrush(QtGui.QColor(col)),
                                              name=GATE_TITLE[g])
                    plot.addItem(item)
                    self.sat_items[(key, g)] = item
                arr = np.asarray(arr)
                item.setData(arr[:, 0], arr[:, 1], data=np.arange(len(arr)))
            if m["saturation"]:
                arrs = [np.asarray(a) for a in m["saturation"].values()]
                never = sum(int(np.sum((a[:, 0] < 0.05) & (a[:, 1] < 0.05))) for a in arrs)
                total = sum(len(a) for a in arrs)
                plot.getPlotItem().setTitle(f"Gate saturation: {m['label']} ({never} of {total} gate units "
                                            "near (0, 0): never fully open or closed)", size="9pt")
            sel = self.sat_sel[key]
            if self.unit is not None and m["saturation"]:
                pts = [np.asarray(a)[self.unit] for a in m["saturation"].values() if self.unit < len(a)]
                sel.setData([p[0] for p in pts], [p[1] for p in pts])
            else:
                sel.setData([], [])

    # -- opening a text file ---------------------------------------------------------------------------------
    def _choose_text(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open a UTF-8 text file", "",
                                                        "Text files (*.txt *.md);;All files (*)")
        if path:
            self.open_text(path)

    def open_text(self, path: str) -> bool:
        """Check a text file and, if it is usable, ask the shell to train on it. A bad file gives a
        one-line message (and no reset)."""
        try:
            load_text(path)
        except ValueError as e:
            self.text_note.setText(f"Not loaded: {e}")
            self.message.emit(f"LSTM: {e}")
            return False
        self.config_request.emit({"task": "charlm", "text": path})
        return True
