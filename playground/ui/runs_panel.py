"""The *Runs* tab: the lab's closed runs with a show/hide eye, a colour, the keys changed against the
previous run and the final metrics; Restore, Rename, Delete; a smoothing slider for the overlaid curves.

Reads no snapshot: it shows what ``runs.Runs`` closed (each run's ``name``, ``color``, ``visible``,
``started``, ``steps``, ``changes``, ``metrics``).
"""

from __future__ import annotations

import time

from PySide6 import QtCore, QtGui, QtWidgets

from .panels.curves import DEFAULT_SMOOTHING
from .widgets import small_font

COLS = ("", "Run", "Time", "Steps", "Changed", "Final")


def eye_icon(open_: bool, size: int = 16) -> QtGui.QIcon:
    """An eye (open: the run is drawn) or a struck-through grey one (hidden)."""
    pix = QtGui.QPixmap(size, size)
    pix.fill(QtCore.Qt.transparent)
    p = QtGui.QPainter(pix)
    p.setRenderHint(QtGui.QPainter.Antialiasing)
    color = QtGui.QColor("#222" if open_ else "#aaa")
    p.setPen(QtGui.QPen(color, 1.4))
    path = QtGui.QPainterPath()
    m = size / 2
    path.moveTo(1, m)
    path.quadTo(m, 1, size - 1, m)
    path.quadTo(m, size - 1, 1, m)
    p.drawPath(path)
    p.setBrush(color)
    p.drawEllipse(QtCore.QPointF(m, m), size * 0.16, size * 0.16)
    if not open_:
        p.drawLine(QtCore.QPointF(2, size - 2), QtCore.QPointF(size - 2, 2))
    p.end()
    return QtGui.QIcon(pix)


def swatch(color: str, size: int = 12) -> QtGui.QIcon:
    pix = QtGui.QPixmap(size, size)
    pix.fill(QtGui.QColor(color))
    return QtGui.QIcon(pix)


class RunsPanel(QtWidgets.QWidget):
    def __init__(self, runs, parent=None):
        super().__init__(parent)
        self.runs = runs
        self._eyes = (eye_icon(True), eye_icon(False))
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        self.hint = QtWidgets.QLabel("Each reset, preset or restarting change closes a run. Checked runs "
                                     "are drawn dashed on the loss and metric plots.")
        self.hint.setWordWrap(True)
        small_font(self.hint)
        lay.addWidget(self.hint)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setColumnCount(len(COLS))
        self.tree.setHeaderLabels(list(COLS))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QtWidgets.QAbstractItemView.SingleSelection)
        view = QtWidgets.QAbstractItemView
        self.tree.setEditTriggers(view.DoubleClicked | view.EditKeyPressed)
        head = self.tree.header()
        head.setStretchLastSection(True)
        for i, wdt in enumerate((26, 70, 42, 52, 120)):
            self.tree.setColumnWidth(i, wdt)
        self.tree.headerItem().setIcon(0, self._eyes[0])
        self.tree.headerItem().setToolTip(0, "Show or hide a run's curves on the plots")
        self.tree.itemClicked.connect(self._on_click)
        self.tree.itemChanged.connect(self._on_edit)
        lay.addWidget(self.tree, 1)
        row = QtWidgets.QHBoxLayout()
        self.restore_btn = QtWidgets.QToolButton(text="Restore")
        self.restore_btn.setToolTip("Re-apply the selected run's configuration (training restarts)")
        self.rename_btn = QtWidgets.QToolButton(text="Rename")
        self.delete_btn = QtWidgets.QToolButton(text="Delete")
        self.restore_btn.clicked.connect(lambda: self._with_selected(self.runs.restore))
        self.rename_btn.clicked.connect(self._rename_selected)
        self.delete_btn.clicked.connect(lambda: self._with_selected(self.runs.delete))
        for b in (self.restore_btn, self.rename_btn, self.delete_btn):
            b.setSizePolicy(QtWidgets.QSizePolicy.Expanding, QtWidgets.QSizePolicy.Fixed)
            row.addWidget(b)
        lay.addLayout(row)
        srow = QtWidgets.QHBoxLayout()
        label = QtWidgets.QLabel("Smoothing")
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, 99)
        self.slider.setValue(int(round(DEFAULT_SMOOTHING * 100)))
        self.slider.setToolTip("Smoothing of the overlaid runs: TensorBoard's debiased exponential moving average")
        self.value_label = QtWidgets.QLabel(f"{self.weight:.2f}")
        for w in (label, self.value_label):
            small_font(w)
        srow.addWidget(label)
        srow.addWidget(self.slider, 1)
        srow.addWidget(self.value_label)
        lay.addLayout(srow)
        self.slider.valueChanged.connect(self._on_slider)
        sc = QtGui.QShortcut(QtGui.QKeySequence.Delete, self.tree)
        sc.activated.connect(lambda: self._with_selected(self.runs.delete))
        runs.changed.connect(self.refresh)

    @property
    def weight(self) -> float:
        return self.slider.value() / 100.0

    def _on_slider(self, v: int) -> None:
        self.value_label.setText(f"{v / 100:.2f}")
        self.runs.redraw()

    def refresh(self) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        for run in reversed(self.runs.lab_runs()):  # newest first
            metrics = run.get("metrics", {})
            final = ", ".join(f"{k} {v:.3g}" for k, v in list(metrics.items())[:3])
            when = time.strftime("%H:%M", time.localtime(run.get("ended", 0)))
            item = QtWidgets.QTreeWidgetItem(["", run.get("name", "run"), when, f"{run.get('steps', 0):,}",
                                              run.get("changes", ""), final])
            item.setData(0, QtCore.Qt.UserRole, run["id"])
            item.setIcon(0, self._eyes[0 if run.get("visible") else 1])
            item.setIcon(1, swatch(run.get("color", "#888")))
            item.setFlags(item.flags() | QtCore.Qt.ItemIsEditable)
            ended = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.get("ended", 0)))
            tip = (f"<b>{run.get('name')}</b> · ended {ended}"
                   f" · {run.get('steps', 0):,} steps · preset {run.get('preset') or '—'} · seed {run.get('seed')}"
                   f"<br>Changed: {run.get('changes', '')}<br>Final: "
                   + ", ".join(f"{k} {v:.4g}" for k, v in metrics.items()))
            for c in range(len(COLS)):
                item.setToolTip(c, tip)
            self.tree.addTopLevelItem(item)
        self.tree.blockSignals(False)

    def selected_id(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, QtCore.Qt.UserRole) if items else None

    def _with_selected(self, fn) -> None:
        rid = self.selected_id()
        if rid:
            fn(rid)

    def _rename_selected(self) -> None:
        items = self.tree.selectedItems()
        if items:
            self.tree.editItem(items[0], 1)

    def _on_click(self, item: QtWidgets.QTreeWidgetItem, column: int) -> None:
        if column != 0:
            return
        rid = item.data(0, QtCore.Qt.UserRole)
        run = self.runs.store.find(rid)
        if run is not None:
            self.runs.set_visible(rid, not run.get("visible"))
            self.tree.blockSignals(True)
            item.setIcon(0, self._eyes[0 if run.get("visible") else 1])
            self.tree.blockSignals(False)

    def _on_edit(self, item: QtWidgets.QTreeWidgetItem, column: int) -> None:
        if column == 1:
            self.runs.rename(item.data(0, QtCore.Qt.UserRole), item.text(1))
