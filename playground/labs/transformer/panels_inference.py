"""The Transformer's inference panel: decode a typed source (or continue a prompt) step by step."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from playground.ui.widgets import small_font

from .panels_attention import AttentionPanel, esc, short, source_ok


class InferencePanel(QtWidgets.QWidget):
    """Type a source (or a prompt), decode step by step, see each step's choices and attention.

    Snapshot keys read: ``inference`` (the last ``infer`` result: ``source``/``prompt``, ``output``,
    ``expected``, ``correct``, ``steps`` [{token, top}], ``temperature``, ``top_k``, ``step`` and the
    attention maps read by :class:`AttentionPanel`).
    """

    def __init__(self, view):
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
        if not source_ok(self.view, text, self.error):
            return
        kw = {"text": text, "temperature": self.temp.value(), "top_k": self.topk.value()}
        if self.charlm:
            kw["length"] = self.length.value()
        self.view.command.emit("infer", kw)

    def set_result(self, res: dict | None) -> None:
        if res is None or res is self._shown:
            return
        self._shown = res
        if self.charlm:
            self.output.setText(f"Prompt <b>{esc(res.get('prompt', ''))}</b> → {len(res['steps'])} characters "
                                f"(temperature {res['temperature']:.2f}, top-k {res['top_k'] or 'all'}, "
                                f"step {res['step']})")
            self.text_out.setPlainText(res.get("prompt", "") + res["output"])
        else:
            verdict = ""
            if res.get("expected") is not None:
                verdict = (" <span style='color:#1a7f37'>✓ correct</span>" if res.get("correct") else
                           f" <span style='color:#b00020'>✗ expected {esc(res['expected'])}</span>")
            self.output.setText(f"<b>{esc(res['source'])}</b> → <b>{esc(res['output'])}</b>{verdict} "
                                f"<span style='color:#666'>(temperature {res['temperature']:.2f}, "
                                f"top-k {res['top_k'] or 'all'}, model at step {res['step']})</span>")
        self.steps.blockSignals(True)
        self.steps.clear()
        for i, st in enumerate(res["steps"]):
            cands = "  ".join(f"{short(t)} {100 * p:.0f}%" for t, p in st["top"][:3])
            item = QtWidgets.QListWidgetItem(f"{i + 1}. {short(st['token'])}  ←  {cands}")
            item.setToolTip("most likely next tokens: " +
                            ", ".join(f"{t!r} {100 * p:.1f}%" for t, p in st["top"]))
            self.steps.addItem(item)
        self.steps.blockSignals(False)
        self.attn.set_data(res)
        if not self.charlm and res["steps"]:
            self.steps.setCurrentRow(0)
