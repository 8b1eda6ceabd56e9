"""The Transformer's attention panel: a kind selector over the shared heat-map grid (layers × heads), a
zoomed page per head with token labels and an on/off switch (ablation)."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from playground.ui.panels.heatmap_grid import Cell, HeatmapGrid
from playground.ui.widgets import small_font

KIND_TITLES = {"enc": "Encoder self-attention", "dec": "Decoder self-attention", "cross": "Cross-attention"}
KIND_AXES = {  # (x: keys, y: queries)
    "enc": ("source token (key)", "source token (query)"),
    "dec": ("decoder input (key)", "output being written (query)"),
    "cross": ("source token (key)", "output being written (query)"),
}
CMAP = "viridis"


def short(lab: str, width: int = 5) -> str:
    """A tick label: visible white space, long words cut ('twentieth' -> 'twen.')."""
    lab = str(lab)
    if lab == " ":
        return "␣"
    if lab == "\n":
        return "⏎"
    return lab if len(lab) <= width or lab in ("<s>", "</s>") else lab[: width - 1] + "."


def ticks(labels, max_ticks: int, width: int = 5) -> list[tuple[float, str]]:
    step = max(1, int(np.ceil(len(labels) / max(1, max_ticks))))
    return [(i + 0.5, short(lab, width)) for i, lab in enumerate(labels) if i % step == 0]


class AttentionPanel(QtWidgets.QWidget):
    """Kind selector + grid of heads (one colour bar, fixed [0, 1]), with a zoomed page for one head (token
    labels, colour bar, on/off). Click a head to zoom in; right-click switches it off or on.

    Snapshot keys read (from ``probe`` / ``probe_b``, or an ``inference`` result): ``attn`` {kind: (L, nh, T, S)},
    ``q`` / ``k`` {kind: token labels}, ``charlm``, ``decoder_only``; and ``ablated`` / ``ablated_b``
    [[kind, layer, head], ...] passed by the view.
    """

    ablate = QtCore.Signal(str, int, int, bool)  # kind, layer, head, off

    def __init__(self, with_ablation: bool = True):
        super().__init__()
        self.kind_box = QtWidgets.QComboBox()
        self.kind_box.setToolTip("Which attention to show")
        self.kind_box.setSizeAdjustPolicy(QtWidgets.QComboBox.AdjustToContents)
        self.kind_box.setMinimumContentsLength(18)
        self.grid = HeatmapGrid(zoom_on="click", back_text="◀ All heads")
        self.grid.zoom_titles = self._zoom_title
        self.stack, self.zoom, self.zoom_title = self.grid.stack, self.grid.zoom, self.grid.zoom_title
        self.off_box = QtWidgets.QCheckBox("Switch this head off")
        self.off_box.setToolTip("Zero this head's output (ablation), mid-training or at inference")
        self.off_box.setVisible(with_ablation)
        self.grid.zoom_bar.addWidget(self.off_box)
        self.hint = QtWidgets.QLabel("Click a head to zoom in" + (", right-click to switch it off or on"
                                     if with_ablation else "") + ". Rows: the token being written (query); "
                                     "columns: the tokens it reads (keys). Colour: attention weight, 0 to 1.")
        self.hint.setWordWrap(True)
        small_font(self.hint)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Show:"))
        row.addWidget(self.kind_box)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(self.hint)
        lay.addWidget(self.grid, 1)
        self.kinds: list[str] = []
        self.data: dict | None = None
        self.off: set = set()
        self._titles_off: set | None = None
        self._tick_key = None
        if with_ablation:
            self.grid.cell_right_clicked.connect(
                lambda layer, head: self.ablate.emit(self.kind, layer, head, (self.kind, layer, head) not in self.off))
        self.grid.zoom_changed.connect(lambda _z: self.redraw())
        self.kind_box.currentIndexChanged.connect(lambda _i: self.redraw())
        self.off_box.toggled.connect(self._toggle_off)

    @property
    def kind(self) -> str:
        i = self.kind_box.currentIndex()
        return self.kinds[i] if 0 <= i < len(self.kinds) else "dec"

    @property
    def zoomed(self) -> tuple[int, int] | None:
        return self.grid.zoomed

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
        self.grid.unzoom()

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
        L, H = att.shape[:2]
        g = self.grid
        rebuilt = g.set_cells([[Cell(f"L{la + 1} H{h + 1}", (0.0, 1.0), CMAP) for h in range(H)] for la in range(L)])
        if rebuilt:
            self._titles_off, self._tick_key = None, None
        if g.zoomed is not None and (g.zoomed[0] >= L or g.zoomed[1] >= H):
            g.unzoom()
        off = {(la, h) for kk, la, h in self.off if kk == kind}
        if off != self._titles_off:  # titles re-layout the grid: only when they change
            self._titles_off = off
            for la in range(L):
                for h in range(H):
                    is_off = (la, h) in off
                    g.set_opacity(la, h, 0.25 if is_off else 1.0)
                    g.set_title(la, h, f"<span style='color:{'#c00' if is_off else '#222'}'>L{la + 1} H{h + 1}"
                                       f"{' · off' if is_off else ''}</span>")
        key = (att.shape[2:], tuple(q), tuple(k), kind)
        if key != self._tick_key:
            self._tick_key = key
            cell_w = g.width() / max(1, H)
            longest = max((len(short(x, 4)) for x in k), default=1)
            g.set_ticks(bottom=ticks(k, max_ticks=max(2, int(cell_w / (7 * longest + 8))), width=4),
                        left=ticks(q, max_ticks=max(4, int(g.height() / max(1, L) / 12)), width=4))
            g.zoom.set_labels([short(x) for x in k], [short(x) for x in q], max_ticks=32)
            if self.data.get("charlm"):
                xl, yl = "earlier character (key)", "character position (query)"
            elif self.data.get("decoder_only"):
                xl, yl = "earlier token (key)", "token position (query)"
            else:
                xl, yl = KIND_AXES[kind]
            g.zoom.plot.setLabel("bottom", xl)
            g.zoom.plot.setLabel("left", yl)
        for la in range(L):
            for h in range(H):
                g.set_data(la, h, att[la, h])
        if g.zoomed is not None:
            la, h = g.zoomed
            g.zoom_title.setText(self._zoom_title(la, h))
            self.off_box.blockSignals(True)
            self.off_box.setChecked((kind, la, h) in self.off)
            self.off_box.blockSignals(False)

    def _zoom_title(self, layer: int, head: int) -> str:
        is_off = (self.kind, layer, head) in self.off
        return (f"<b>{KIND_TITLES[self.kind]}</b>, layer {layer + 1}, head {head + 1}"
                + (" — <span style='color:#c00'>switched off</span>" if is_off else ""))

    def zoom_into(self, layer: int, head: int) -> None:
        self.grid.zoom_into(layer, head)

    def unzoom(self) -> None:
        self.grid.unzoom()

    def _toggle_off(self, on: bool) -> None:
        if self.grid.zoomed is not None:
            self.ablate.emit(self.kind, self.grid.zoomed[0], self.grid.zoomed[1], bool(on))

    def highlight_row(self, row: int | None) -> None:
        self.grid.highlight_row(row)


def esc(s) -> str:
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def source_ok(view, text: str, error: QtWidgets.QLabel) -> bool:
    """Check a typed source against the task's vocabulary; a bad one is shown in ``error`` and as a message."""
    if view.spec_src is not None:
        from .vocab import parse_source

        try:
            parse_source(view.spec_src, text)
        except ValueError as e:
            error.setText(str(e))
            error.setVisible(True)
            view.message.emit(str(e))
            return False
    error.setVisible(False)
    return True


class ProbePanel(QtWidgets.QWidget):
    """The Attention tab: the probe example (editable), its greedy decoding, model A/B choice, and the
    attention panel over it.

    Snapshot keys read: ``probe`` / ``probe_b`` {``src``, ``pred``, ``target``, ``correct`` and the attention
    maps}, ``compare`` {a, b: labels}, ``seq2seq``, ``ablated`` / ``ablated_b``, ``source_spec`` (through the
    view, to check a typed probe).
    """

    def __init__(self, view):
        super().__init__()
        self.view = view
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
        al = QtWidgets.QVBoxLayout(self)
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
        self.probe_error.setVisible(False)
        self.probe_edit.returnPressed.connect(self.set_probe)
        self.probe_btn.clicked.connect(self.set_probe)
        self.reset_heads.clicked.connect(lambda: view.command.emit("reset_heads", {}))
        self.attention.ablate.connect(self._ablate)

    @property
    def shown_model(self) -> str:
        """'a', or 'b' when compare mode is on and model B is picked."""
        return "b" if not self.model_box.isHidden() and self.model_box.currentIndex() == 1 else "a"

    def draw(self, snap: dict) -> None:
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
                       f"<span style='color:#b00020'>✗</span> target {esc(' '.join(probe['target']))}")
            self.probe_out.setText(f"{esc(' '.join(probe['src']))} → <b>{esc(pred)}</b> {verdict}")
        else:
            nxt = "".join(probe["pred"][-20:])
            self.probe_out.setText(f"Next-character guesses for the last 20 positions: <tt>{esc(nxt)}</tt>")
        self.attention.set_data(probe, snap.get("ablated_b" if b else "ablated"))

    def set_probe(self) -> None:
        text = self.probe_edit.text()
        if not source_ok(self.view, text, self.probe_error):
            return
        self.probe_edit.clearFocus()
        self.view.command.emit("set_probe", {"text": text})

    def _ablate(self, kind: str, layer: int, head: int, off: bool) -> None:
        kw = {"kind": kind, "layer": layer, "head": head, "off": off}
        if self.shown_model == "b":
            kw["model"] = "b"
        self.view.command.emit("ablate_head", kw)
