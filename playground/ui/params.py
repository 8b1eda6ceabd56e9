"""The parameter panel, generated from a lab's config dataclass.

Every key gets a widget bounded by its range (spin boxes, log-scaled spin boxes for learning rates,
combos for choices, check boxes), its help as tooltip and a marker saying whether it applies live or
restarts training. A setup's classroom locks (``set_locks``) hide keys or disable them with a "locked by
the setup" note. Keys that only apply to some values of another key (``param(..., when=...)``) are hidden
while they do not apply, and shown again as soon as the key they depend on changes. Values are validated
with the lab's config before they leave the panel; a refused value is shown in red next
to its field and never reaches the session.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from playground.core import config as cfgmod


class LogSpinBox(QtWidgets.QDoubleSpinBox):
    """A spin box for scale parameters: arrows multiply by 10^(1/10); text shows 3 significant digits."""

    def __init__(self, lo: float, hi: float):
        super().__init__()
        self.setDecimals(12)
        self.setRange(lo, hi)
        self.setKeyboardTracking(False)

    def stepBy(self, steps: int) -> None:  # noqa: N802
        v = self.value() * 10 ** (steps / 10)
        self.setValue(float(f"{min(max(v, self.minimum()), self.maximum()):.3g}"))

    def textFromValue(self, v: float) -> str:  # noqa: N802
        return f"{v:.3g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        try:
            v = float(text)
            ok = self.minimum() <= v <= self.maximum() and math.isfinite(v)
            return (QtGui.QValidator.Acceptable if ok else QtGui.QValidator.Intermediate), text, pos
        except ValueError:
            allowed = set("0123456789.eE-+")
            st = QtGui.QValidator.Intermediate if set(text) <= allowed else QtGui.QValidator.Invalid
            return st, text, pos


class ParamPanel(QtWidgets.QScrollArea):
    """Emits ``changed({key: value})`` with values that passed validation."""

    changed = QtCore.Signal(dict)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        self.config = None
        self.widgets: dict[str, QtWidgets.QWidget] = {}
        self.errors: dict[str, QtWidgets.QLabel] = {}
        self.infos: dict[str, cfgmod.ParamInfo] = {}
        self.rows: dict[str, tuple[QtWidgets.QFormLayout, QtWidgets.QWidget]] = {}  # key -> (its form, label)
        self.boxes: dict[str, QtWidgets.QGroupBox] = {}
        self.lock_notes: dict[str, QtWidgets.QLabel] = {}
        self.hidden_keys: set[str] = set()  # classroom locks of the current setup
        self.locked_keys: set[str] = set()
        self.locks_note: QtWidgets.QLabel | None = None
        self._inner = QtWidgets.QWidget()
        self.setWidget(self._inner)

    def build(self, config_cls: type, config) -> None:
        self.infos = {p.name: p for p in cfgmod.params(config_cls)}
        self.widgets, self.errors, self.rows, self.boxes = {}, {}, {}, {}
        self.lock_notes, self.hidden_keys, self.locked_keys = {}, set(), set()
        inner = QtWidgets.QWidget()
        outer = QtWidgets.QVBoxLayout(inner)
        outer.setContentsMargins(4, 4, 4, 4)
        self.locks_note = QtWidgets.QLabel()
        self.locks_note.setWordWrap(True)
        self.locks_note.setStyleSheet("QLabel{background:#eef2f7;color:#33475b;border:1px solid #c5d0dc;"
                                      "padding:3px;font-size:8pt;}")
        self.locks_note.setVisible(False)
        outer.addWidget(self.locks_note)
        groups: dict[str, QtWidgets.QFormLayout] = {}
        for p in self.infos.values():
            g = p.group or "Settings"
            if g not in groups:
                box = QtWidgets.QGroupBox(g)
                form = QtWidgets.QFormLayout(box)
                form.setFieldGrowthPolicy(QtWidgets.QFormLayout.AllNonFixedFieldsGrow)
                form.setContentsMargins(6, 4, 6, 4)
                form.setVerticalSpacing(3)
                outer.addWidget(box)
                groups[g] = form
                self.boxes[g] = box
            w = self._make_widget(p)
            when = f"<br>Only used when {p.when_text()}." if p.when else ""
            tip = (f"<b>{p.name}</b>: {p.help}{when}<br>Allowed: {p.allowed()}<br>"
                   + ("<i>Applies at the next step.</i>" if p.live else "<i>Changing it restarts training.</i>"))
            w.setToolTip(tip)
            label = QtWidgets.QLabel(p.name + ("" if p.live else " ⟲"))
            label.setToolTip(tip)
            err = QtWidgets.QLabel()
            err.setStyleSheet("color:#c0392b;font-size:8pt;")
            err.setWordWrap(True)
            err.setVisible(False)
            cell = QtWidgets.QWidget()
            lay = QtWidgets.QVBoxLayout(cell)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(0)
            lay.addWidget(w)
            lock = QtWidgets.QLabel("locked by the setup")
            lock.setStyleSheet("color:#666;font-size:8pt;font-style:italic;")
            lock.setVisible(False)
            lay.addWidget(lock)
            lay.addWidget(err)
            self.lock_notes[p.name] = lock
            groups[g].addRow(label, cell)
            self.rows[p.name] = (groups[g], label)
            self.widgets[p.name] = w
            self.errors[p.name] = err
        note = QtWidgets.QLabel("⟲ = changing it restarts training; other keys apply at the next step.")
        note.setWordWrap(True)
        note.setStyleSheet("color:#666;font-size:8pt;")
        outer.addWidget(note)
        outer.addStretch(1)
        self.setWidget(inner)
        self._inner = inner
        self.set_config(config)

    def _make_widget(self, p: cfgmod.ParamInfo) -> QtWidgets.QWidget:
        if p.type is bool:
            w = QtWidgets.QCheckBox()
            w.toggled.connect(lambda v, k=p.name: self._emit(k, bool(v)))
        elif p.choices is not None:
            w = QtWidgets.QComboBox()
            w.addItems([str(c) for c in p.choices])
            w.activated.connect(lambda _i, k=p.name, ww=w: self._emit(k, ww.currentText()))
        elif p.type is int:
            w = QtWidgets.QSpinBox()
            w.setRange(int(p.lo if p.lo is not None else -2**31 + 1), int(p.hi if p.hi is not None else 2**31 - 1))
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda v, k=p.name: self._emit(k, int(v)))
        elif p.type is float:
            lo = p.lo if p.lo is not None else -1e12
            hi = p.hi if p.hi is not None else 1e12
            if p.log and lo > 0:
                w = LogSpinBox(lo, hi)
            else:
                w = QtWidgets.QDoubleSpinBox()
                w.setDecimals(4)
                w.setRange(lo, hi)
                w.setSingleStep(p.step or (hi - lo) / 100 if math.isfinite(hi - lo) else 0.1)
                w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda v, k=p.name: self._emit(k, float(v)))
        else:
            w = QtWidgets.QLineEdit()
            w.editingFinished.connect(lambda k=p.name, ww=w: self._emit(k, ww.text()))
        w.setMinimumWidth(90)
        return w

    def set_config(self, config) -> None:
        """Show ``config`` without emitting anything."""
        self.config = config
        if config is None:
            return
        for k, w in self.widgets.items():
            v = getattr(config, k)
            w.blockSignals(True)
            if isinstance(w, QtWidgets.QCheckBox):
                w.setChecked(bool(v))
            elif isinstance(w, QtWidgets.QComboBox):
                if w.findText(str(v)) < 0:  # e.g. a CSV path for `data`
                    w.addItem(str(v))
                w.setCurrentText(str(v))
            elif isinstance(w, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
                w.setValue(v)
            else:
                w.setText(str(v))
            w.blockSignals(False)
            self.errors[k].setVisible(False)
        self.show_applicable(config)

    def show_applicable(self, config) -> None:
        """Show the keys that apply to ``config`` (a config or a dict of values), hide the others and any
        group left empty. Called on every config shown and as soon as a key that others depend on changes."""
        shown: dict[str, bool] = {}
        for k, (form, label) in self.rows.items():
            on = self.infos[k].applies(config) and k not in self.hidden_keys
            form.setRowVisible(label, on)
            g = self.infos[k].group or "Settings"
            shown[g] = shown.get(g, False) or on
        for g, box in self.boxes.items():
            box.setVisible(shown.get(g, True))

    def set_locks(self, hide=(), lock=()) -> None:
        """Classroom locks: hide the keys in ``hide``, disable those in ``lock`` (with a small note); called
        with nothing to clear them. Keys this lab does not have are ignored."""
        self.hidden_keys = set(hide) & set(self.infos)
        self.locked_keys = set(lock) & set(self.infos)
        for k, w in self.widgets.items():
            locked = k in self.locked_keys
            w.setEnabled(not locked)
            self.lock_notes[k].setVisible(locked)
        if self.locks_note is not None:
            parts = []
            if self.hidden_keys:
                parts.append(f"{len(self.hidden_keys)} hidden")
            if self.locked_keys:
                parts.append(f"{len(self.locked_keys)} locked")
            self.locks_note.setText(f"This setup shows only some keys ({', '.join(parts)}). Another setup or "
                                    "Settings ▸ Reset settings brings them back.")
            self.locks_note.setVisible(bool(parts))
        if self.config is not None:
            self.show_applicable(self.config)

    def applies(self, key: str) -> bool:
        """Whether ``key``'s row is shown for the current config."""
        return self.config is None or self.infos[key].applies(self.config)

    def show_error(self, key: str, message: str) -> None:
        if key in self.errors:
            self.errors[key].setText(message)
            self.errors[key].setVisible(True)

    def _emit(self, key: str, value) -> None:
        if self.config is None:
            return
        try:
            cfgmod.validate(type(self.config), {key: value}, base=self.config)
        except cfgmod.ConfigError as e:
            self.show_error(e.key if e.key in self.errors else key, str(e))
            self.set_value(key, getattr(self.config, key))
            return
        self.errors[key].setVisible(False)
        if getattr(self.config, key) != value:
            if any(k == key for p in self.infos.values() for k, _ in p.when or ()):
                self.show_applicable({**cfgmod.to_dict(self.config), key: value})  # at once, before the reset
            self.changed.emit({key: value})

    def set_value(self, key: str, value) -> None:
        w = self.widgets[key]
        w.blockSignals(True)
        if isinstance(w, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
            w.setValue(value)
        elif isinstance(w, QtWidgets.QComboBox):
            w.setCurrentText(str(value))
        elif isinstance(w, QtWidgets.QCheckBox):
            w.setChecked(bool(value))
        else:
            w.setText(str(value))
        w.blockSignals(False)
