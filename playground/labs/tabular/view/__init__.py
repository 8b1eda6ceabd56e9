"""The tabular lab's view (the only Qt part of the lab: this package, with its panels): tabs of live panels
(marginals, pair trends, scatter, quality, privacy, usefulness), the column table (types and exclusions),
*Open CSV…* and *Export synthetic CSV…*.

Only the visible tab is painted with each snapshot (the others are redrawn from the last snapshot when shown).
"""

from __future__ import annotations

from PySide6 import QtWidgets

from playground.ui.livetext import LiveText
from playground.ui.panels.curves import Curves
from playground.ui.widgets import LabView, banner_label, make_plot

from ..data import TableError, inspect
from .panels import MarginalsGrid, PairTrendsPanel, PrivacyPanel, ScatterPanel, UsefulnessPanel

TABS = ("Marginals", "Pair trends", "Scatter", "Quality", "Privacy", "Usefulness", "Columns")


class ColumnTable(QtWidgets.QWidget):
    """Reads ``column_info`` (name, kind, inferred, n_missing, n_unique, numeric_ok, excluded): a row per
    column with a type choice and an exclude box; *Apply* asks for the table with those choices."""

    def __init__(self, view: TabularView):
        super().__init__()
        self.view = view
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.title = QtWidgets.QLabel("")
        lay.addWidget(self.title)
        self.table = QtWidgets.QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["column", "type", "exclude", "missing", "distinct"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        lay.addWidget(self.table, 1)
        self.apply_btn = QtWidgets.QPushButton("Apply types and exclusions")
        self.apply_btn.setToolTip("Restart training on this table with the types and exclusions chosen above")
        self.apply_btn.clicked.connect(self.apply)
        lay.addWidget(self.apply_btn)
        self.data = None
        self.infos: list[dict] = []

    def fill(self, data: str, infos: list[dict]) -> None:
        self.data, self.infos = data, infos
        self.title.setText(f"{data}: {len(infos)} columns (types inferred; change them, then Apply)")
        self.table.setRowCount(len(infos))
        for r, info in enumerate(infos):
            self.table.setItem(r, 0, QtWidgets.QTableWidgetItem(info["name"]))
            box = QtWidgets.QComboBox()
            box.addItems(["numeric", "categorical"] if info["numeric_ok"] else ["categorical"])
            box.setCurrentText(info["kind"])
            self.table.setCellWidget(r, 1, box)
            ex = QtWidgets.QCheckBox()
            ex.setChecked(bool(info["excluded"]))
            self.table.setCellWidget(r, 2, ex)
            self.table.setItem(r, 3, QtWidgets.QTableWidgetItem(f"{info['n_missing']:,}"))
            self.table.setItem(r, 4, QtWidgets.QTableWidgetItem(f"{info['n_unique']:,}"))
        self.table.resizeColumnsToContents()

    def choices(self) -> dict:
        cat, num, exc = [], [], []
        for r, info in enumerate(self.infos):
            kind = self.table.cellWidget(r, 1).currentText()
            if kind != info["inferred"]:
                (cat if kind == "categorical" else num).append(info["name"])
            if self.table.cellWidget(r, 2).isChecked():
                exc.append(info["name"])
        return {"data": self.data, "categorical": ",".join(cat), "numeric": ",".join(num), "exclude": ",".join(exc)}

    def apply(self) -> None:
        if self.data is not None:
            self.view.config_request.emit(self.choices())


class TabularView(LabView):
    max_fps = 8.0

    def __init__(self, spec=None, parent=None):
        super().__init__(spec, parent)
        self._snap: dict | None = None
        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        bar = QtWidgets.QHBoxLayout()
        self.summary = LiveText("—", wrap=True)  # changes at every frame: no relayout (see LiveText)
        self.summary.setStyleSheet("font-weight:600;")
        bar.addWidget(self.summary, 1)
        self.open_btn = QtWidgets.QPushButton("Open CSV…")
        self.open_btn.setToolTip("Use your own table (CSV with a header); a fifth of its rows is held out")
        self.open_btn.clicked.connect(self._open_dialog)
        bar.addWidget(self.open_btn)
        bar.addWidget(QtWidgets.QLabel("rows"))
        self.rows = QtWidgets.QSpinBox()
        self.rows.setRange(1, 1_000_000)
        self.rows.setValue(1000)
        self.rows.setToolTip("Number of synthetic rows to export")
        bar.addWidget(self.rows)
        self.export_btn = QtWidgets.QPushButton("Export synthetic CSV…")
        self.export_btn.setToolTip("Write synthetic rows with the input's columns, types and order (missing values "
                                   "blank; excluded columns left out)")
        self.export_btn.clicked.connect(self._export_dialog)
        bar.addWidget(self.export_btn)
        root.addLayout(bar)
        self.notes = banner_label()
        root.addWidget(self.notes)
        self.tabs = QtWidgets.QTabWidget()
        self.marginals = MarginalsGrid()
        self.pairs = PairTrendsPanel()
        self.scatter = ScatterPanel()
        quality = QtWidgets.QWidget()
        ql = QtWidgets.QHBoxLayout(quality)
        ql.setContentsMargins(0, 0, 0, 0)
        self.quality_plot = make_plot("Quality (SDMetrics definitions)", "step", "score", legend=True)
        self.quality_curves = Curves(self.quality_plot, {"column_shapes": "Column Shapes",
                                                         "pair_trends": "Column Pair Trends", "quality": "quality"})
        self.loss_plot = make_plot("Losses", "step", "loss", legend=True)
        self.loss_curves = Curves(self.loss_plot, {"loss_d": "critic", "loss_g": "generator",
                                                   "cond_ce": "conditional CE", "loss": "−ELBO", "kl": "KL"})
        self.quality_plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
        ql.addWidget(self.quality_plot, 1)
        ql.addWidget(self.loss_plot, 1)
        self.privacy = PrivacyPanel()
        self.useful = UsefulnessPanel()
        self.useful.target_changed.connect(lambda name: self.config_request.emit({"target": name}))
        self.columns = ColumnTable(self)
        for w, name in zip((self.marginals, self.pairs, self.scatter, quality, self.privacy, self.useful,
                            self.columns), TABS):
            self.tabs.addTab(w, name)
        self.tabs.currentChanged.connect(lambda _: self._snap is not None and self._draw_tab(self._snap))
        root.addWidget(self.tabs, 1)
        self._filled_for = None

    # -- LabView API -------------------------------------------------------------------------------
    def named_panels(self) -> dict:
        return {name: self.tabs.widget(i) for i, name in enumerate(TABS)}

    def clear(self) -> None:
        self.cancel_drawing()
        self.quality_curves.clear()
        self.loss_curves.clear()
        self._snap = None

    def headline(self, snap: dict) -> list[tuple[str, str]]:
        m = snap.get("metrics") or {}
        out = [(label, f"{m[key]:.3f}") for key, label in (("column_shapes", "Column Shapes"),
                                                            ("pair_trends", "Pair Trends")) if key in m]
        return out or super().headline(snap)

    def set_snapshot(self, snap: dict) -> None:
        if snap.get("notice") and not snap.get("light"):  # light snapshots carry the last full one's keys
            self.message.emit(snap["notice"])
        if not snap.get("light") or self._snap is None:
            self._snap = snap
        else:
            self._snap = {**self._snap, "step": snap["step"], "history": snap["history"]}
        s = self._snap
        self.draw_later("summary", lambda: self._draw_summary(s))
        if snap.get("light"):
            if self.tabs.currentIndex() == TABS.index("Quality"):
                self.draw_later("curves", lambda: self._draw_curves(s))
            return
        self.draw_later("tab", lambda: self._draw_tab(s))

    def _draw_summary(self, s: dict) -> None:
        m = s.get("metrics", {})
        parts = [f"{s.get('synth', '')} on {s.get('table', '')} ({s.get('n_train', 0):,} train / "
                 f"{s.get('n_test', 0):,} held out)", f"step {s['step']:,}"]
        if m:
            parts += [f"Column Shapes {m['column_shapes']:.3f}", f"Pair Trends {m['pair_trends']:.3f}",
                      f"DCR ratio {m['dcr_ratio']:.2f}", f"copies {m['exact_copies']}"]
        self.summary.setText("  ·  ".join(parts))
        notes = s.get("notes") or []
        self.notes.setText(" ".join(notes))
        self.notes.setVisible(bool(notes))
        if s.get("column_info") and self._filled_for != (s.get("data"), len(s["column_info"])):
            self._filled_for = (s.get("data"), len(s["column_info"]))
            self.columns.fill(s["data"], s["column_info"])

    def _draw_curves(self, s: dict) -> None:
        self.quality_curves.update(s["history"])
        self.loss_curves.update(s["history"])

    def _draw_tab(self, s: dict) -> None:
        if "marginals" not in s:
            return
        tab = TABS[self.tabs.currentIndex()]
        if tab == "Marginals":
            self.marginals.set(s["marginals"])
        elif tab == "Pair trends":
            self.pairs.set(s)
        elif tab == "Scatter":
            self.scatter.set(s)
        elif tab == "Quality":
            self._draw_curves(s)
        elif tab == "Privacy":
            self.privacy.set(s["privacy"])
        elif tab == "Usefulness":
            self.useful.set(s["usefulness"], s["history"])

    def draw_all(self) -> None:
        """Paint every tab from the last snapshot (tests, screenshots)."""
        if self._snap is None:
            return
        cur = self.tabs.currentIndex()
        for i in range(len(TABS)):
            self.tabs.setCurrentIndex(i)
            self._draw_tab(self._snap)
        self.tabs.setCurrentIndex(cur)

    # -- files -------------------------------------------------------------------------------------
    def _open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open a table", "",
                                                        "CSV files (*.csv *.tsv *.txt);;All (*)")
        if path:
            self.open_csv(path)

    def open_csv(self, path: str) -> bool:
        """Use a CSV file as the real table. A bad file gets a one-line message and changes nothing."""
        try:
            infos = inspect(path)
        except TableError as e:
            self.message.emit(f"Could not use that file: {str(e).splitlines()[0]}")
            return False
        self.columns.fill(path, [dict(vars(i)) for i in infos])
        self._filled_for = (path, len(infos))
        self.tabs.setCurrentIndex(TABS.index("Columns"))
        n_cat = sum(i.kind == "categorical" for i in infos)
        self.message.emit(f"Loaded {path}: {len(infos)} columns ({len(infos) - n_cat} numeric, {n_cat} categorical); "
                          "a fifth of the rows is held out.")
        self.config_request.emit({"data": path, "categorical": "", "numeric": "", "exclude": ""})
        return True

    def _export_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export synthetic rows", "synthetic.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path, self.rows.value())

    def export_csv(self, path: str, rows: int) -> None:
        """Ask the session to write ``rows`` synthetic rows to ``path`` (it answers with a notice)."""
        self.command.emit("export", {"path": str(path), "rows": int(rows)})
