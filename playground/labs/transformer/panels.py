"""Transformer panels: token embeddings (PCA) and positional encodings."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from playground.ui.livetext import LiveText
from playground.ui.widgets import PALETTE, HeatMap, make_plot, small_font

from .panels_attention import esc, short


class EmbeddingPlot(QtWidgets.QWidget):
    """Token embeddings flattened to 2-D by PCA, one labelled dot per token.

    Snapshot keys read: ``embeddings`` {``xy`` (V, 2), ``labels`` (V), ``explained`` (2 fractions)}.
    """

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
        if len(self.texts) != len(labels) or [t.toPlainText() for t in self.texts] != [short(x) for x in labels]:
            for t in self.texts:
                self.plot.removeItem(t)
            self.texts = []
            for lab in labels:
                t = pg.TextItem(short(lab), color="#222", anchor=(0.5, 1.1))
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
    """The positional encoding (positions × dimensions) and the cosine similarity of positions.

    Snapshot keys read: ``positions`` {``kind`` ("sinusoidal" or "learned"), ``matrix`` (T, d),
    ``similarity`` (T, T)}.
    """

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
                "None: no position is added, every position vector is zero. Without them the encoder sees "
                "a bag of tokens: it cannot tell which came first." if self._kind == "none" else
                "Sinusoidal: each dimension pair is a sine/cosine wave of its own frequency, fast on the left, "
                "slow on the right. Right: dot products of the position vectors, divided by their lengths "
                "(cosine): nearby positions look alike, a band along the diagonal."
                if self._kind == "sinusoidal" else
                "Learned: every position starts as random noise and is shaped by training. Right: dot products "
                "of the position vectors, divided by their lengths (cosine); watch structure appear as the "
                "model needs to tell positions apart.")
        self.matrix.set(pos["matrix"])
        self.sim.set(pos["similarity"])


def _fmt(x) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.3f}"


class StatusLine(LiveText):
    """One rich-text line of numbers above the curves.

    Snapshot keys read: ``step``, ``steps_per_s``, ``metrics`` (loss, token_accuracy, sequence_accuracy,
    val_loss and their ``_b`` twins), ``compare`` {b: label}, ``ablated`` / ``ablated_b``.
    """

    IDLE = "Press Play to train."

    def __init__(self):
        super().__init__(self.IDLE, rich=True)  # changes at every frame: no relayout (see LiveText)

    def draw(self, snap: dict) -> None:
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
            parts.append(f"<br><span style='color:{PALETTE[1]}'>{esc(snap['compare']['b'])}: "
                         + " · ".join(b) + "</span>")
        n_off = len(snap.get("ablated") or []) + len(snap.get("ablated_b") or [])
        if n_off:
            parts.append(f"<span style='color:#c00'>{n_off} head(s) off</span>")
        self.setText(" · ".join(parts))
