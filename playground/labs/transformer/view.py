"""The Transformer lab's view: curves on the left, tabs on the right (attention, positions, embeddings,
inference), assembled from panels. Only draws snapshots; user actions go back as ``command`` /
``config_request`` signals.

Sized for the ~1000 x 650 px the main window gives a lab on a 1366 x 768 screen: the left column
(curves) and the tabs sit in a splitter, and only the visible tab is redrawn.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from playground.ui.panels.curves import CurvesPanel
from playground.ui.widgets import LabView, snap_value

from .panels import EmbeddingPlot, PositionPanel, StatusLine
from .panels_attention import ProbePanel
from .panels_inference import InferencePanel


def curve_names(compare: dict | None, seq2seq: bool) -> tuple[dict[str, str], dict[str, str]]:
    """(loss curves, accuracy curves): history key -> legend label."""
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
    return loss, acc


class TransformerView(LabView):
    def __init__(self, spec=None, parent=None):
        super().__init__(spec, parent)
        self.snap: dict | None = None
        self.spec_src: dict | None = None
        self._curve_key = None
        # -- left: numbers and curves
        self.status = StatusLine()
        self.curves = CurvesPanel()
        self.loss_plot = self.curves.add_plot("loss", "Loss", "step", "cross-entropy", log_y=True)
        self.loss_plot.getAxis("left").setStyle(maxTextLevel=0)  # decade labels only: no 0.2 0.3 ... 0.9 pile
        self.acc_plot = self.curves.add_plot("accuracy", "Accuracy", "step", "")
        self.acc_plot.setYRange(0, 1.02)
        self.acc_plot.getPlotItem().legend.anchor((1, 1), (1, 1), offset=(-4, -4))
        self.acc_plot.getPlotItem().enableAutoRange(y=False)
        self._make_curves(None, True)
        left = QtWidgets.QWidget()
        ll = QtWidgets.QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.status)
        ll.addWidget(self.curves, 1)
        # -- right: tabs
        self.tabs = QtWidgets.QTabWidget()
        self.probe = ProbePanel(self)
        self.positions = PositionPanel()
        self.embeddings = EmbeddingPlot()
        self.inference = InferencePanel(self)
        self.tabs.addTab(self.probe, "Attention")
        self.tabs.addTab(self.positions, "Positions")
        self.tabs.addTab(self.embeddings, "Embeddings")
        self.tabs.addTab(self.inference, "Inference")
        # handles the shell's tests use
        self.attention, self.model_box, self.reset_heads = self.probe.attention, self.probe.model_box, \
            self.probe.reset_heads
        self.probe_edit, self.probe_error, self.probe_out = self.probe.probe_edit, self.probe.probe_error, \
            self.probe.probe_out
        split = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([300, 700])
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.tabs.currentChanged.connect(lambda _i: self._draw_tab())
        self.model_box.currentIndexChanged.connect(lambda _i: self._draw_tab())

    def _make_curves(self, compare: dict | None, seq2seq: bool) -> None:
        self._curve_key = (compare, seq2seq)
        loss, acc = curve_names(compare, seq2seq)
        held_out = ("val_loss", "val_loss_b", "sequence_accuracy", "sequence_accuracy_b")  # measured now and then
        self.loss_curves = self.curves.set_curves("loss", loss, unsmoothed=held_out)
        self.acc_curves = self.curves.set_curves("accuracy", acc, unsmoothed=held_out)
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

    def named_panels(self) -> dict:
        return {"Curves": self.curves, "Attention": self.probe, "Positions": self.positions,
                "Embeddings": self.embeddings, "Inference": self.inference}

    def clear(self) -> None:
        self.cancel_drawing()
        self.snap = None
        self.curves.clear()
        self.probe_out.setText("")
        self.status.setText(StatusLine.IDLE)

    def headline(self, snap: dict) -> list[tuple[str, str]]:
        out = [(label, f"{100 * v:.0f} %") for key, label in (("sequence_accuracy", "sequence accuracy"),
                                                             ("token_accuracy", "token accuracy"))
               if (v := snap_value(snap, key)) is not None]
        return out or super().headline(snap)

    def set_snapshot(self, snap: dict) -> None:
        """Parts painted in separate event-loop turns: the status line, the curves, the shown tab."""
        self.snap = snap
        self.spec_src = snap.get("source_spec")
        key = (snap.get("compare"), snap.get("seq2seq", True))
        if key != self._curve_key:
            self._make_curves(*key)
        hist = snap.get("history", {})
        self.draw_later("status", lambda: self._draw_status(snap))
        self.draw_later("loss", lambda: self.curves.update(hist, keys=("loss",)))
        self.draw_later("accuracy", lambda: self.curves.update(hist, keys=("accuracy",)))
        if not snap.get("light"):  # a light snapshot (curves only) leaves the tab as it is
            self.draw_later("tab", self._draw_tab)

    def _draw_status(self, snap: dict) -> None:
        self.status.draw(snap)
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
            self.probe.draw(snap)

    @property
    def shown_model(self) -> str:
        return self.probe.shown_model

    def set_probe(self) -> None:
        self.probe.set_probe()
