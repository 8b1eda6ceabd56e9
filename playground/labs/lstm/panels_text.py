"""The LSTM's generated-text panel (charlm): sampling controls, and the text coloured by a unit's activation."""

from __future__ import annotations

import html

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from .corpus import load_text
from .panels import C_LEVEL, small


def diverging(v: float, vmax: float = 1.0) -> str:
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
            style = f"background:{diverging(float(vals[k]), vmax)};color:#111;" if vals is not None else ""
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


class TextPanel(QtWidgets.QWidget):
    """Open a text or go back to the built-in one; prompt, temperature, top-k; each model's generated text
    coloured by the selected unit's h or c (hover a character for its values).

    Snapshot keys read: ``models`` {key: {``text``, ``text_h`` (N, H), ``text_c`` (N, H), ``n_prompt``}}.
    Sends ``config_request`` through the view (``text``, ``prompt``, ``temperature``, ``top_k``).
    """

    redraw = QtCore.Signal()

    def __init__(self, view):
        super().__init__()
        self.view = view
        tv = QtWidgets.QVBoxLayout(self)
        tv.setContentsMargins(0, 0, 0, 0)
        trow = QtWidgets.QHBoxLayout()
        self.open_btn = QtWidgets.QPushButton("Open text…")
        self.open_btn.setToolTip("Train on your own UTF-8 text file")
        self.open_btn.clicked.connect(self._choose_text)
        self.builtin_btn = QtWidgets.QPushButton("Built-in text")
        self.builtin_btn.clicked.connect(lambda: view.config_request.emit({"text": "builtin"}))
        self.prompt_edit = QtWidgets.QLineEdit()
        self.prompt_edit.setPlaceholderText("prompt")
        self.prompt_edit.editingFinished.connect(
            lambda: view.config_request.emit({"prompt": self.prompt_edit.text()}))
        self.temp_spin = QtWidgets.QDoubleSpinBox()
        self.temp_spin.setRange(0.05, 3.0)
        self.temp_spin.setSingleStep(0.1)
        self.temp_spin.setPrefix("T=")
        self.temp_spin.setToolTip("Sampling temperature")
        self.temp_spin.editingFinished.connect(
            lambda: view.config_request.emit({"temperature": round(self.temp_spin.value(), 3)}))
        self.topk_spin = QtWidgets.QSpinBox()
        self.topk_spin.setRange(0, 256)
        self.topk_spin.setPrefix("top-k ")
        self.topk_spin.setSpecialValueText("top-k off")
        self.topk_spin.editingFinished.connect(lambda: view.config_request.emit({"top_k": self.topk_spin.value()}))
        self.color_by = QtWidgets.QComboBox()
        self.color_by.addItems(["colour by h", "colour by c"])
        self.color_by.currentIndexChanged.connect(lambda _i: self.redraw.emit())
        for w in (self.open_btn, self.builtin_btn, QtWidgets.QLabel("Prompt"), self.prompt_edit,
                  self.temp_spin, self.topk_spin, self.color_by):
            trow.addWidget(w)
        tv.addLayout(trow)
        self.text_note = QtWidgets.QLabel("")
        self.text_note.setWordWrap(True)
        small(self.text_note)
        tv.addWidget(self.text_note)
        self.texts = {"a": ActivationText(), "b": ActivationText()}
        for t in self.texts.values():
            tv.addWidget(t, 1)

    def set_config(self, config) -> None:
        for w, setter, value in ((self.prompt_edit, self.prompt_edit.setText, config.prompt),
                                 (self.temp_spin, self.temp_spin.setValue, config.temperature),
                                 (self.topk_spin, self.topk_spin.setValue, config.top_k)):
            if not w.hasFocus():  # never overwrite what the user is typing
                setter(value)
        src = "the built-in story" if config.text == "builtin" else config.text
        self.text_note.setText(f"Trained on {src}. Each character is coloured by the selected unit "
                               "(red positive, blue negative); hover a character for its values. "
                               "The prompt is underlined (characters the text never uses are skipped).")
        self.texts["b"].setVisible(config.task == "charlm" and bool(config.compare))

    def draw(self, snap: dict, unit: int | None) -> None:
        use = "c" if self.color_by.currentIndex() == 1 else "h"
        for key, t in self.texts.items():
            m = snap["models"].get(key)
            if m is None or "text" not in m:
                continue
            u = unit if unit is not None else 0
            t.show_text(m["text"], m.get("text_h"), m.get("text_c"), u, use, m.get("n_prompt", 0))

    def clear(self) -> None:
        for t in self.texts.values():
            t.clear()

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
            self.view.message.emit(f"LSTM: {e}")
            return False
        self.view.config_request.emit({"task": "charlm", "text": path})
        return True
