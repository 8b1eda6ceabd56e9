"""The Transformer lab's view: curves on the left, tabs on the right (attention, positions, embeddings,
inference). Only draws snapshots; user actions go back as ``command`` / ``config_request`` signals.

Sized for the ~1000 x 650 px the main window gives a lab on a 1366 x 768 screen: the left column
(curves) and the tabs sit in a splitter, and only the visible tab is redrawn.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from playground.ui.widgets import PALETTE, Curves, HeatMap, LabView, make_plot, small_font

from .vocab import parse_source

KIND_TITLES = {"enc": "Encoder self-attention", "dec": "Decoder self-attention", "cross": "Cross-attention"}
KIND_AXES = {  # (x: keys, y: queries)
    "enc": ("source token (key)", "source token (query)"),
    "dec": ("decoder input (key)", "output being written (query)"),
    "cross": ("source token (key)", "output being written (query)"),
}
CMAP = "viridis"


def _fmt(x) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.3f}"


class AttentionGrid(pg.GraphicsLayoutWidget):
    """One small heat-map per layer x head (rows = layers, columns = heads), a shared colour bar with the
    fixed [0, 1] scale, token labels on the outer axes. Clicking a head emits ``head_clicked``."""

    head_clicked = QtCore.Signal(int, int)  # layer, head
    head_toggled = QtCore.Signal(int, int)  # right click: switch that head off / back on

    def __init__(self):
        super().__init__()
        self.setMinimumSize(200, 150)
        self.ci.layout.setSpacing(2)
        self.shape = (0, 0)
        self.plots: list[list[pg.PlotItem]] = []
        self.images: list[list[pg.ImageItem]] = []
        self.regions: list[pg.LinearRegionItem] = []
        self._labels: tuple = ((), ())
        self._data_shape = None
        self.bar = None
        self.off: set[tuple[int, int]] = set()
        self.tick_font = QtGui.QFont(self.font())  # kept alive here: axes paint with it
        self.tick_font.setPointSize(7)

    def build(self, n_layers: int, n_heads: int) -> None:
        if self.shape == (n_layers, n_heads):
            return
        self.clear()
        self.shape = (n_layers, n_heads)
        self.plots, self.images, self.regions = [], [], []
        self._labels, self._data_shape = ((), ()), None
        cmap = pg.colormap.get(CMAP)
        for layer in range(n_layers):
            row_p, row_i = [], []
            for head in range(n_heads):
                p = self.addPlot(row=layer, col=head)
                p.setMenuEnabled(False)
                p.hideButtons()
                p.invertY(True)
                p.getViewBox().setMouseEnabled(x=False, y=False)
                p.setTitle(f"layer {layer + 1} · head {head + 1}", size="8pt")
                for ax in ("left", "bottom"):
                    a = p.getAxis(ax)
                    a.setStyle(tickLength=0, tickFont=self.tick_font)
                p.showAxis("left", head == 0)
                p.showAxis("bottom", layer == n_layers - 1)
                img = pg.ImageItem()
                img.setColorMap(cmap)
                img.setLevels((0.0, 1.0))
                p.addItem(img)
                img.mouseClickEvent = (lambda ev, _l=layer, _h=head: self._click(ev, _l, _h))  # type: ignore
                reg = pg.LinearRegionItem(orientation="horizontal", movable=False,
                                          brush=pg.mkBrush(255, 255, 255, 0), pen=pg.mkPen("r", width=2))
                reg.setVisible(False)
                p.addItem(reg)
                self.regions.append(reg)
                row_p.append(p)
                row_i.append(img)
            self.plots.append(row_p)
            self.images.append(row_i)
        self.bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=cmap, interactive=False, width=10)
        self.bar.setImageItem(self.images[0][0])
        self.bar.setMinimumWidth(64)  # keep room for the tick labels however narrow the grid gets
        self.addItem(self.bar, row=0, col=n_heads, rowspan=max(1, n_layers))
        for head in range(n_heads):
            self.ci.layout.setColumnStretchFactor(head, 1)
        self.ci.layout.setColumnStretchFactor(n_heads, 0)

    def _click(self, ev, layer, head) -> None:
        ev.accept()
        if ev.button() == QtCore.Qt.MouseButton.RightButton:
            self.head_toggled.emit(layer, head)
        else:
            self.head_clicked.emit(layer, head)

    def set(self, att: np.ndarray, qlabels, klabels, off: set | None = None) -> None:
        """att (L, nh, T, S) in [0, 1]; qlabels (T) rows; klabels (S) columns."""
        L, H = att.shape[:2]
        rebuilt = self.shape != (L, H)
        self.build(L, H)
        off = set(off or ())
        titles = rebuilt or off != self.off  # titles re-layout the grid: only when they change
        self.off = off
        for layer in range(L):
            for head in range(H):
                img = self.images[layer][head]
                img.setImage(np.asarray(att[layer, head], np.float32), autoLevels=False, levels=(0.0, 1.0))
                if titles:
                    is_off = (layer, head) in self.off
                    img.setOpacity(0.25 if is_off else 1.0)
                    self.plots[layer][head].setTitle(
                        f"<span style='color:{'#c00' if is_off else '#222'}'>L{layer + 1} H{head + 1}"
                        f"{' · off' if is_off else ''}</span>", size="8pt")
        shape = att.shape[2:]
        labels = (tuple(qlabels), tuple(klabels))
        if shape != self._data_shape or labels != self._labels:
            self._data_shape, self._labels = shape, labels
            T, S = shape
            cell_w = self.width() / max(1, H)
            for layer in range(L):
                for head in range(H):
                    p = self.plots[layer][head]
                    p.setXRange(0, S, padding=0)
                    p.setYRange(0, T, padding=0)
                    _ticks(p.getAxis("left"), qlabels, max_ticks=max(4, int(self.height() / max(1, L) / 12)),
                           width=4)
                    longest = max((len(_short(x, 4)) for x in klabels), default=1)
                    _ticks(p.getAxis("bottom"), klabels, max_ticks=max(2, int(cell_w / (7 * longest + 8))),
                           width=4)

    def highlight_row(self, row: int | None) -> None:
        for reg in self.regions:
            if row is None:
                reg.setVisible(False)
            else:
                reg.setRegion((row, row + 1))
                reg.setVisible(True)


def _ticks(axis, labels, max_ticks: int, width: int = 5) -> None:
    step = max(1, int(np.ceil(len(labels) / max(1, max_ticks))))
    axis.setTicks([[(i + 0.5, _short(lab, width)) for i, lab in enumerate(labels) if i % step == 0], []])


def _short(lab: str, width: int = 5) -> str:
    """A tick label: visible white space, long words cut ('twentieth' -> 'twen.')."""
    lab = str(lab)
    if lab == " ":
        return "␣"
    if lab == "\n":
        return "⏎"
    return lab if len(lab) <= width or lab in ("<s>", "</s>") else lab[: width - 1] + "."


class AttentionPanel(QtWidgets.QWidget):
    """Kind selector + grid of heads, with a zoomed page for one head (token labels, colour bar, on/off)."""

    ablate = QtCore.Signal(str, int, int, bool)  # kind, layer, head, off

    def __init__(self, with_ablation: bool = True):
        super().__init__()
        self.kind_box = QtWidgets.QComboBox()
        self.kind_box.setToolTip("Which attention to show")
        self.kind_box.setSizeAdjustPolicy(QtWidgets.QComboBox.AdjustToContents)
        self.kind_box.setMinimumContentsLength(18)
        self.grid = AttentionGrid()
        self.zoom = HeatMap("", levels=(0.0, 1.0), cmap=CMAP)
        if self.zoom.bar is not None:
            self.zoom.bar.setMinimumWidth(52)
        self.zoom_title = QtWidgets.QLabel()
        self.back = QtWidgets.QPushButton("◀ All heads")
        self.off_box = QtWidgets.QCheckBox("Switch this head off")
        self.off_box.setToolTip("Zero this head's output (ablation), mid-training or at inference")
        self.off_box.setVisible(with_ablation)
        self.hint = QtWidgets.QLabel("Click a head to zoom in" + (", right-click to switch it off or on"
                                     if with_ablation else "") + ". Rows: the token being written (query); "
                                     "columns: the tokens it reads (keys). Colour: attention weight, 0 to 1.")
        self.hint.setWordWrap(True)
        small_font(self.hint)
        zoom_page = QtWidgets.QWidget()
        zl = QtWidgets.QVBoxLayout(zoom_page)
        zl.setContentsMargins(0, 0, 0, 0)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.back)
        top.addWidget(self.zoom_title, 1)
        top.addWidget(self.off_box)
        zl.addLayout(top)
        zl.addWidget(self.zoom, 1)
        self.stack = QtWidgets.QStackedWidget()
        self.stack.addWidget(self.grid)
        self.stack.addWidget(zoom_page)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Show:"))
        row.addWidget(self.kind_box)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.hint)
        lay.addWidget(self.stack, 1)
        self.kinds: list[str] = []
        self.zoomed: tuple[int, int] | None = None
        self.data: dict | None = None
        self.off: set = set()
        self.grid.head_clicked.connect(self.zoom_into)
        if with_ablation:
            self.grid.head_toggled.connect(
                lambda layer, head: self.ablate.emit(self.kind, layer, head, (self.kind, layer, head) not in self.off))
        self.back.clicked.connect(self.unzoom)
        self.kind_box.currentIndexChanged.connect(lambda _i: self.redraw())
        self.off_box.toggled.connect(self._toggle_off)

    @property
    def kind(self) -> str:
        i = self.kind_box.currentIndex()
        return self.kinds[i] if 0 <= i < len(self.kinds) else "dec"

    def set_kinds(self, kinds: list[str]) -> None:
        if kinds == self.kinds:
            return
        prev = self.kind if self.kinds else ("cross" if "cross" in kinds else kinds[0])
        self.kinds = list(kinds)
        self.kind_box.blockSignals(True)
        self.kind_box.clear()
        self.kind_box.addItems([KIND_TITLES[k] for k in kinds])
        self.kind_box.setCurrentIndex(kinds.index(prev) if prev in kinds else 0)
        self.kind_box.blockSignals(False)
        self.zoomed = None
        self.stack.setCurrentIndex(0)

    def set_data(self, data: dict, ablated: list | None = None) -> None:
        """data: {'attn': {kind: (L, nh, T, S)}, 'q': {kind: labels}, 'k': {kind: labels}}."""
        self.set_kinds([k for k in ("enc", "dec", "cross") if k in data["attn"]])
        self.data = data
        self.off = {(k, int(layer), int(h)) for k, layer, h in (ablated or [])}
        self.redraw()

    def redraw(self) -> None:
        if self.data is None or self.kind not in self.data["attn"]:
            return
        kind = self.kind
        att = self.data["attn"][kind]
        q, k = self.data["q"][kind], self.data["k"][kind]
        if self.zoomed is None:
            self.grid.set(att, q, k, {(layer, h) for kk, layer, h in self.off if kk == kind})
            return
        layer, head = self.zoomed
        if layer >= att.shape[0] or head >= att.shape[1]:
            self.unzoom()
            return
        self.zoom.set(att[layer, head])
        self.zoom.set_labels([_short(x) for x in k], [_short(x) for x in q], max_ticks=32)
        if self.data.get("charlm"):
            xl, yl = "earlier character (key)", "character position (query)"
        elif self.data.get("decoder_only"):
            xl, yl = "earlier token (key)", "token position (query)"
        else:
            xl, yl = KIND_AXES[kind]
        self.zoom.plot.setLabel("bottom", xl)
        self.zoom.plot.setLabel("left", yl)
        is_off = (kind, layer, head) in self.off
        self.zoom_title.setText(f"<b>{KIND_TITLES[kind]}</b>, layer {layer + 1}, head {head + 1}"
                                + (" — <span style='color:#c00'>switched off</span>" if is_off else ""))
        self.off_box.blockSignals(True)
        self.off_box.setChecked(is_off)
        self.off_box.blockSignals(False)

    def zoom_into(self, layer: int, head: int) -> None:
        self.zoomed = (layer, head)
        self.stack.setCurrentIndex(1)
        self.redraw()

    def unzoom(self) -> None:
        self.zoomed = None
        self.stack.setCurrentIndex(0)
        self.redraw()

    def _toggle_off(self, on: bool) -> None:
        if self.zoomed is not None:
            self.ablate.emit(self.kind, self.zoomed[0], self.zoomed[1], bool(on))

    def highlight_row(self, row: int | None) -> None:
        self.grid.highlight_row(row)
        self.zoom.highlight_row(row)


class EmbeddingPlot(QtWidgets.QWidget):
    def __init__(self):
        super().__init__()
        self.plot = make_plot("Token embeddings projected to 2-D (PCA)", "PC 1", "PC 2")
        self.scatter = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(PALETTE[0]), pen=None)
        self.plot.addItem(self.scatter)
        self.texts: list[pg.TextItem] = []
        self.label_font = QtGui.QFont(self.font())
        self.label_font.setPointSize(9)
        self.caption = QtWidgets.QLabel("Each dot is one token's learned vector, flattened to the two directions "
                                        "along which the vectors differ most. Tokens the model treats alike "
                                        "drift together.")
        self.caption.setWordWrap(True)
        small_font(self.caption)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.caption)

    def set(self, emb: dict) -> None:
        xy, labels = np.asarray(emb["xy"], np.float64), list(emb["labels"])
        if len(self.texts) != len(labels) or [t.toPlainText() for t in self.texts] != [_short(x) for x in labels]:
            for t in self.texts:
                self.plot.removeItem(t)
            self.texts = []
            for lab in labels:
                t = pg.TextItem(_short(lab), color="#222", anchor=(0.5, 1.1))
                t.setFont(self.label_font)
                self.plot.addItem(t)
                self.texts.append(t)
        self.scatter.setData(xy[:, 0], xy[:, 1])
        for t, (x, y) in zip(self.texts, xy, strict=False):
            t.setPos(float(x), float(y))
        ev = emb.get("explained")
        if ev is not None and len(ev) >= 2:
            self.plot.getPlotItem().setTitle(
                f"Token embeddings, PCA ({100 * ev[0]:.0f}% + {100 * ev[1]:.0f}% of variance)", size="10pt")


class PositionPanel(QtWidgets.QWidget):
    def __init__(self):
        super().__init__()
        self.matrix = HeatMap("Positional encoding", levels=(-1.0, 1.0), cmap="CET-D1",
                              x="dimension", y="position")
        self.sim = HeatMap("Position similarity (cosine)", levels=(-1.0, 1.0), cmap="CET-D1",
                           x="position", y="position")
        self.caption = QtWidgets.QLabel()
        self.caption.setWordWrap(True)
        small_font(self.caption)
        for hm in (self.matrix, self.sim):
            if hm.bar is not None:
                hm.bar.setMinimumWidth(52)  # room for the colour bar's tick labels
        split = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        split.addWidget(self.matrix)
        split.addWidget(self.sim)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split, 1)
        lay.addWidget(self.caption)
        self._kind = None

    def set(self, pos: dict) -> None:
        if pos["kind"] != self._kind:
            self._kind = pos["kind"]
            self.matrix.set_levels((-1.0, 1.0) if self._kind == "sinusoidal" else (-1.5, 1.5))
            self.caption.setText(
                "Sinusoidal: each dimension pair is a sine/cosine wave of its own frequency, fast on the left, "
                "slow on the right. Right: dot products of the position vectors, divided by their lengths "
                "(cosine): nearby positions look alike, a band along the diagonal."
                if self._kind == "sinusoidal" else
                "Learned: every position starts as random noise and is shaped by training. Right: dot products "
                "of the position vectors, divided by their lengths (cosine); watch structure appear as the "
                "model needs to tell positions apart.")
        self.matrix.set(pos["matrix"])
        self.sim.set(pos["similarity"])


class InferencePanel(QtWidgets.QWidget):
    """Type a source (or a prompt), decode step by step, see each step's choices and attention."""

    def __init__(self, view: TransformerView):
        super().__init__()
        self.view = view
        self.edit = QtWidgets.QLineEdit()
        self.edit.setPlaceholderText("type a source sequence and press Enter")
        self.go = QtWidgets.QPushButton("Decode")
        self.temp = QtWidgets.QDoubleSpinBox()
        self.temp.setRange(0.0, 5.0)
        self.temp.setSingleStep(0.1)
        self.temp.setDecimals(2)
        self.temp.setToolTip("Temperature: 0 = always the most likely token; higher = more random")
        self.topk = QtWidgets.QSpinBox()
        self.topk.setRange(0, 1000)
        self.topk.setToolTip("Top-k: sample only among the k most likely tokens (0 = all)")
        self.length = QtWidgets.QSpinBox()
        self.length.setRange(1, 2000)
        self.length.setValue(200)
        self.length.setToolTip("Characters to generate (charlm)")
        self.length_label = QtWidgets.QLabel("length")
        self.error = QtWidgets.QLabel()
        self.error.setStyleSheet("color:#b00020")
        self.error.setWordWrap(True)
        self.output = QtWidgets.QLabel("—")
        self.output.setWordWrap(True)
        self.output.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        self.text_out = QtWidgets.QPlainTextEdit()
        self.text_out.setReadOnly(True)
        self.text_out.setMaximumHeight(90)
        self.steps = QtWidgets.QListWidget()
        self.steps.setToolTip("Each decoding step: the token chosen and the most likely candidates")
        small_font(self.steps)
        self.attn = AttentionPanel(with_ablation=False)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.go)
        row.addWidget(QtWidgets.QLabel("temperature"))
        row.addWidget(self.temp)
        row.addWidget(QtWidgets.QLabel("top-k"))
        row.addWidget(self.topk)
        row.addWidget(self.length_label)
        row.addWidget(self.length)
        split = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        split.addWidget(self.steps)
        split.addWidget(self.attn)
        split.setStretchFactor(1, 3)
        split.setSizes([230, 570])
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.error)
        lay.addWidget(self.output)
        lay.addWidget(self.text_out)
        lay.addWidget(split, 1)
        self.go.clicked.connect(self.decode)
        self.edit.returnPressed.connect(self.decode)
        self.temp.valueChanged.connect(lambda v: self._live("temperature", float(v)))
        self.topk.valueChanged.connect(lambda v: self._live("top_k", int(v)))
        self.steps.currentRowChanged.connect(self.attn.highlight_row)
        self._shown = None
        self.error.setVisible(False)
        self.set_charlm(False)

    def _live(self, key, value) -> None:
        if self.view.config is not None and getattr(self.view.config, key) != value:
            self.view.config_request.emit({key: value})

    def set_charlm(self, on: bool) -> None:
        self.charlm = on
        self.length.setVisible(on)
        self.length_label.setVisible(on)
        self.text_out.setVisible(on)
        self.go.setText("Generate" if on else "Decode")
        self.edit.setPlaceholderText("type a prompt and press Enter" if on else
                                     "type a source sequence and press Enter")

    def decode(self) -> None:
        text = self.edit.text()
        spec = self.view.spec_src
        if spec is not None:
            try:
                parse_source(spec, text)
            except ValueError as e:
                self.error.setText(str(e))
                self.error.setVisible(True)
                self.view.message.emit(str(e))
                return
        self.error.setVisible(False)
        kw = {"text": text, "temperature": self.temp.value(), "top_k": self.topk.value()}
        if self.charlm:
            kw["length"] = self.length.value()
        self.view.command.emit("infer", kw)

    def set_result(self, res: dict | None) -> None:
        if res is None or res is self._shown:
            return
        self._shown = res
        if self.charlm:
            self.output.setText(f"Prompt <b>{_esc(res.get('prompt', ''))}</b> → {len(res['steps'])} characters "
                                f"(temperature {res['temperature']:.2f}, top-k {res['top_k'] or 'all'}, "
                                f"step {res['step']})")
            self.text_out.setPlainText(res.get("prompt", "") + res["output"])
        else:
            verdict = ""
            if res.get("expected") is not None:
                verdict = (" <span style='color:#1a7f37'>✓ correct</span>" if res.get("correct") else
                           f" <span style='color:#b00020'>✗ expected {_esc(res['expected'])}</span>")
            self.output.setText(f"<b>{_esc(res['source'])}</b> → <b>{_esc(res['output'])}</b>{verdict} "
                                f"<span style='color:#666'>(temperature {res['temperature']:.2f}, "
                                f"top-k {res['top_k'] or 'all'}, model at step {res['step']})</span>")
        self.steps.blockSignals(True)
        self.steps.clear()
        for i, st in enumerate(res["steps"]):
            cands = "  ".join(f"{_short(t)} {100 * p:.0f}%" for t, p in st["top"][:3])
            item = QtWidgets.QListWidgetItem(f"{i + 1}. {_short(st['token'])}  ←  {cands}")
            item.setToolTip("most likely next tokens: " +
                            ", ".join(f"{t!r} {100 * p:.1f}%" for t, p in st["top"]))
            self.steps.addItem(item)
        self.steps.blockSignals(False)
        self.attn.set_data(res)
        if not self.charlm and res["steps"]:
            self.steps.setCurrentRow(0)


def _esc(s) -> str:
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class TransformerView(LabView):
    def __init__(self, spec=None, parent=None):
        super().__init__(spec, parent)
        self.snap: dict | None = None
        self.spec_src: dict | None = None
        self._curve_key = None
        # -- left: curves and numbers
        self.status = QtWidgets.QLabel("Press Play to train.")
        self.status.setWordWrap(True)
        self.status.setTextFormat(QtCore.Qt.RichText)
        self.loss_plot = make_plot("Loss", "step", "cross-entropy", log_y=True, legend=True)
        self.loss_plot.getAxis("left").setStyle(maxTextLevel=0)  # decade labels only: no 0.2 0.3 ... 0.9 pile
        self.acc_plot = make_plot("Accuracy", "step", "", legend=True)
        self.acc_plot.setYRange(0, 1.02)
        self.acc_plot.getPlotItem().legend.anchor((1, 1), (1, 1), offset=(-4, -4))
        self.acc_plot.getPlotItem().enableAutoRange(y=False)
        self._make_curves(None, True)
        left = QtWidgets.QWidget()
        ll = QtWidgets.QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.status)
        ll.addWidget(self.loss_plot, 1)
        ll.addWidget(self.acc_plot, 1)
        # -- right: tabs
        self.tabs = QtWidgets.QTabWidget()
        self.attention = AttentionPanel()
        self.probe_edit = QtWidgets.QLineEdit()
        self.probe_edit.setPlaceholderText("edit the probe example and press Enter")
        self.probe_edit.setToolTip("The example whose attention is shown, decoded greedily after every update")
        self.probe_btn = QtWidgets.QPushButton("Set probe")
        self.model_box = QtWidgets.QComboBox()
        self.model_box.setToolTip("Compare mode: show the attention of model A or model B")
        self.model_box.addItems(["model A", "model B"])
        self.model_box.setVisible(False)
        self.reset_heads = QtWidgets.QPushButton("All heads on")
        self.reset_heads.setToolTip("Switch every ablated head back on")
        self.probe_error = QtWidgets.QLabel()
        self.probe_error.setStyleSheet("color:#b00020")
        self.probe_out = QtWidgets.QLabel()
        self.probe_out.setWordWrap(True)
        att_page = QtWidgets.QWidget()
        al = QtWidgets.QVBoxLayout(att_page)
        al.setContentsMargins(4, 4, 4, 4)
        pr = QtWidgets.QHBoxLayout()
        pr.addWidget(QtWidgets.QLabel("Probe:"))
        pr.addWidget(self.probe_edit, 1)
        pr.addWidget(self.probe_btn)
        pr.addWidget(self.model_box)
        pr.addWidget(self.reset_heads)
        al.addLayout(pr)
        al.addWidget(self.probe_error)
        al.addWidget(self.probe_out)
        al.addWidget(self.attention, 1)
        self.positions = PositionPanel()
        self.embeddings = EmbeddingPlot()
        self.inference = InferencePanel(self)
        self.tabs.addTab(att_page, "Attention")
        self.tabs.addTab(self.positions, "Positions")
        self.tabs.addTab(self.embeddings, "Embeddings")
        self.tabs.addTab(self.inference, "Inference")
        self.probe_error.setVisible(False)
        split = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([300, 700])
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.probe_edit.returnPressed.connect(self.set_probe)
        self.probe_btn.clicked.connect(self.set_probe)
        self.reset_heads.clicked.connect(lambda: self.command.emit("reset_heads", {}))
        self.attention.ablate.connect(self._ablate)
        self.tabs.currentChanged.connect(lambda _i: self._draw_tab())
        self.model_box.currentIndexChanged.connect(lambda _i: self._draw_tab())

    # -- curves ------------------------------------------------------------------------------------
    def _make_curves(self, compare: dict | None, seq2seq: bool) -> None:
        self._curve_key = (compare, seq2seq)
        for plot in (self.loss_plot, self.acc_plot):
            pi = plot.getPlotItem()
            pi.clear()
            if pi.legend is not None:
                pi.legend.clear()
        if compare:
            a, b = compare["a"], compare["b"]
            loss = {"loss": a, "loss_b": b}
            acc = {"sequence_accuracy": f"{a}, sequence", "sequence_accuracy_b": f"{b}, sequence"}
            if not seq2seq:
                loss.update(val_loss=f"{a}, held-out", val_loss_b=f"{b}, held-out")
                acc = {"token_accuracy": f"{a}, next char", "token_accuracy_b": f"{b}, next char"}
        elif seq2seq:
            loss = {"loss": "training"}
            acc = {"token_accuracy": "token (training batch)", "sequence_accuracy": "exact sequence (held-out)"}
        else:
            loss = {"loss": "training", "val_loss": "held-out text"}
            acc = {"token_accuracy": "next character (training batch)"}
        self.loss_curves = Curves(self.loss_plot, loss)
        self.acc_curves = Curves(self.acc_plot, acc)
        for key, item in self.acc_curves.items.items():
            if key.startswith("sequence_accuracy"):  # one point per snapshot: show the points too
                item.setSymbol("o")
                item.setSymbolSize(4)
                item.setSymbolPen(None)
                item.setSymbolBrush(item.opts["pen"].color())

    # -- LabView protocol -------------------------------------------------------------------------
    def set_config(self, config) -> None:
        super().set_config(config)
        for box, key in ((self.inference.temp, "temperature"), (self.inference.topk, "top_k")):
            box.blockSignals(True)
            box.setValue(getattr(config, key))
            box.blockSignals(False)
        self.inference.set_charlm(config.task == "charlm")

    def clear(self) -> None:
        self.cancel_drawing()
        self.snap = None
        self.loss_curves.clear()
        self.acc_curves.clear()
        self.probe_out.setText("")
        self.status.setText("Press Play to train.")

    def set_snapshot(self, snap: dict) -> None:
        """Parts painted in separate event-loop turns: the status line, the curves, the shown tab."""
        self.snap = snap
        self.spec_src = snap.get("source_spec")
        key = (snap.get("compare"), snap.get("seq2seq", True))
        if key != self._curve_key:
            self._make_curves(*key)
        self.draw_later("status", lambda: self._draw_status(snap))
        self.draw_later("loss", lambda: self.loss_curves.update(snap.get("history", {})))
        self.draw_later("accuracy", lambda: self.acc_curves.update(snap.get("history", {})))
        if not snap.get("light"):  # a light snapshot (curves only) leaves the tab as it is
            self.draw_later("tab", self._draw_tab)

    def _draw_status(self, snap: dict) -> None:
        m = snap.get("metrics", {})
        parts = [f"<b>step {snap['step']}</b>"]
        if snap.get("steps_per_s"):
            parts.append(f"{snap['steps_per_s']:.0f} steps/s")
        parts.append(f"loss {_fmt(m.get('loss'))}")
        parts.append(f"token acc {_fmt(m.get('token_accuracy'))}")
        if "sequence_accuracy" in m:
            parts.append(f"<b>sequence acc {_fmt(m.get('sequence_accuracy'))}</b>")
        if "val_loss" in m:
            parts.append(f"held-out loss {_fmt(m.get('val_loss'))}")
        if snap.get("compare"):
            b = [f"loss {_fmt(m.get('loss_b'))}"]
            if "sequence_accuracy_b" in m:
                b.append(f"sequence acc {_fmt(m.get('sequence_accuracy_b'))}")
            parts.append(f"<br><span style='color:{PALETTE[1]}'>{_esc(snap['compare']['b'])}: "
                         + " · ".join(b) + "</span>")
        n_off = len(snap.get("ablated") or []) + len(snap.get("ablated_b") or [])
        if n_off:
            parts.append(f"<span style='color:#c00'>{n_off} head(s) off</span>")
        self.status.setText(" · ".join(parts))
        self.inference.set_charlm(not snap.get("seq2seq", True))

    def _draw_tab(self) -> None:
        snap = self.snap
        if snap is None:
            return
        w = self.tabs.currentWidget()
        if w is self.positions:
            self.positions.set(snap["positions"])
        elif w is self.embeddings:
            self.embeddings.set(snap["embeddings"])
        elif w is self.inference:
            self.inference.set_result(snap.get("inference"))
        else:
            self._draw_probe(snap)

    @property
    def shown_model(self) -> str:
        """'a', or 'b' when compare mode is on and model B is picked."""
        return "b" if not self.model_box.isHidden() and self.model_box.currentIndex() == 1 else "a"

    def _draw_probe(self, snap: dict) -> None:
        self.model_box.setVisible(bool(snap.get("compare")))
        if snap.get("compare"):
            for i, key in enumerate(("a", "b")):
                self.model_box.setItemText(i, snap["compare"][key])
        b = self.shown_model == "b" and "probe_b" in snap
        probe = snap["probe_b"] if b else snap["probe"]
        if not self.probe_edit.hasFocus():
            sep = "" if not snap.get("seq2seq", True) else " "
            text = sep.join(probe["src"])
            if self.probe_edit.text() != text:
                self.probe_edit.setText(text)
        if snap.get("seq2seq", True):
            pred = " ".join(probe["pred"])
            ok = probe.get("correct")
            verdict = ("<span style='color:#1a7f37'>✓</span>" if ok else
                       f"<span style='color:#b00020'>✗</span> target {_esc(' '.join(probe['target']))}")
            self.probe_out.setText(f"{_esc(' '.join(probe['src']))} → <b>{_esc(pred)}</b> {verdict}")
        else:
            nxt = "".join(probe["pred"][-20:])
            self.probe_out.setText(f"Next-character guesses for the last 20 positions: <tt>{_esc(nxt)}</tt>")
        self.attention.set_data(probe, snap.get("ablated_b" if b else "ablated"))

    # -- actions ----------------------------------------------------------------------------------
    def set_probe(self) -> None:
        text = self.probe_edit.text()
        if self.spec_src is not None:
            try:
                parse_source(self.spec_src, text)
            except ValueError as e:
                self.probe_error.setText(str(e))
                self.probe_error.setVisible(True)
                self.message.emit(str(e))
                return
        self.probe_error.setVisible(False)
        self.probe_edit.clearFocus()
        self.command.emit("set_probe", {"text": text})

    def _ablate(self, kind: str, layer: int, head: int, off: bool) -> None:
        kw = {"kind": kind, "layer": layer, "head": head, "off": off}
        if self.shown_model == "b":
            kw["model"] = "b"
        self.command.emit("ablate_head", kw)
