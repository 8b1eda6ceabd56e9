"""Settings that stick (QSettings, INI format): window geometry and dock state, the lab, each lab's preset and
last config (the keys changed against the preset), last folders of file dialogs, classroom locks, autosave.

Everything read back is validated: a key no longer valid (renamed, out of range) is dropped with a notice,
an unreadable settings file is set aside with a notice; nothing here can stop the app from starting.
*Settings ▸ Reset settings* restores the defaults. ``PLAYGROUND_SETTINGS_DIR`` and ``PLAYGROUND_DATA_DIR``
move the settings file and the app's data (run history, autosave) elsewhere (tests point them at a
temporary folder).

:func:`install` wires the window's persistent features: this module's :class:`Prefs`, shareable setups
(``setups.py``), the run history (``runs.py``) and crash-safe autosave (``autosave.py``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from playground.core import config as cfgmod
from playground.core.registry import all_labs

ORG = "GenerativeAIPlayground"
APP = "Generative AI Playground"
ENV_DIR = "PLAYGROUND_SETTINGS_DIR"
ENV_DATA = "PLAYGROUND_DATA_DIR"
DEFAULT_SIZE = (1366, 768)


def settings() -> QtCore.QSettings:
    """The app's settings (one INI file per user; ``PLAYGROUND_SETTINGS_DIR`` moves it)."""
    folder = os.environ.get(ENV_DIR)
    if folder:
        QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, folder)
    return QtCore.QSettings(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, ORG, APP)


def data_dir() -> Path:
    """Where the run history and the autosave live (``QStandardPaths.AppDataLocation``, or
    ``PLAYGROUND_DATA_DIR``); created on first use."""
    folder = os.environ.get(ENV_DATA)
    if not folder:
        base = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.GenericDataLocation)
        folder = os.path.join(base or os.path.expanduser("~/.local/share"), ORG, APP)
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_settings_file() -> str | None:
    """Set an unreadable settings file aside (``*.corrupt``); returns the notice to show, or None."""
    s = settings()
    if s.status() != QtCore.QSettings.FormatError:
        return None
    path = s.fileName()
    del s
    try:
        os.replace(path, path + ".corrupt")
    except OSError:
        pass
    return f"The settings file {path} was unreadable and is ignored (kept as {os.path.basename(path)}.corrupt)."


def read_json(key: str, default=None):
    """A JSON value stored under ``key`` (anything unreadable reads as ``default``)."""
    raw = settings().value(key)
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return default


def write_json(key: str, value) -> None:
    settings().setValue(key, json.dumps(value))


def last_dir(kind: str) -> str:
    """The folder a file dialog of this kind ("session", "setup", "screenshot", ...) last used, or home."""
    d = settings().value(f"dirs/{kind}", "")
    return d if isinstance(d, str) and d and os.path.isdir(d) else os.path.expanduser("~")


def remember_dir(kind: str, path: str) -> None:
    """Remember the folder of ``path`` (a file or a folder) for the next dialog of this kind."""
    if path:
        folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
        settings().setValue(f"dirs/{kind}", folder)


def store_classroom(lab: str, hide=(), lock=()) -> None:
    """Keys the parameter panel hides or locks (from a setup); empty lists clear them."""
    write_json("classroom", {"lab": lab, "hide": list(hide), "lock": list(lock)})


def classroom() -> dict:
    room = read_json("classroom", {}) or {}
    if not isinstance(room, dict):
        return {}
    return {"lab": str(room.get("lab", "")), "hide": [str(k) for k in room.get("hide", []) or []],
            "lock": [str(k) for k in room.get("lock", []) or []]}


def valid_overrides(spec, preset: str | None, values) -> tuple[dict, list[str]]:
    """The keys of ``values`` that still validate on top of the preset, and one line per dropped key."""
    base = spec.make_config(preset)
    kept, dropped = {}, []
    if not isinstance(values, dict):
        return {}, ["a stored configuration that is not a table"] if values else []
    for k, v in values.items():
        try:
            cfgmod.validate(spec.config_cls, {k: v}, base=base)
            kept[k] = v
        except cfgmod.ConfigError as e:
            dropped.append(str(e))
    try:
        cfgmod.validate(spec.config_cls, kept, base=base)
    except cfgmod.ConfigError as e:  # a combination the config's check() refuses: keep the preset
        dropped.append(str(e))
        kept = {}
    return kept, dropped


class Prefs(QtCore.QObject):
    """The window's settings, the run history and autosave read and write nothing when inert."""

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        # inert for windows that do not train, and where PLAYGROUND_NO_SETTINGS=1 (e.g. a benchmark's window)
        self.active = bool(getattr(window, "_start", True)) and os.environ.get("PLAYGROUND_NO_SETTINGS") != "1"
        self.notices: list[str] = []
        self._restoring = False
        if self.active:
            note = check_settings_file()
            if note:
                self.notices.append(note)
        self.menu = self._settings_menu()

    # -- menu ----------------------------------------------------------------------------------------
    def _settings_menu(self) -> QtWidgets.QMenu:
        bar = self.w.menuBar()
        menu = QtWidgets.QMenu("&Settings", bar)
        help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        bar.insertMenu(help_menu, menu) if help_menu is not None else bar.addMenu(menu)
        self.reset_act = menu.addAction("&Reset settings…", self.confirm_reset)
        self.reset_act.setToolTip("Forget the remembered window layout, labs, presets, folders and classroom locks")
        return menu

    def confirm_reset(self) -> None:
        box = QtWidgets.QMessageBox.question(
            self.w, "Reset settings", "Forget every remembered setting (window layout, last lab, presets and "
            "configurations, folders, classroom locks) and return to the defaults?")
        if box == QtWidgets.QMessageBox.Yes:
            self.reset()

    def reset(self) -> None:
        """Clear every setting and show the defaults: the window's size, the lab's default preset, no locks."""
        s = settings()
        s.clear()
        s.sync()
        self.w.resize(*DEFAULT_SIZE)
        if self.w.spec is not None:
            spec = self.w.spec
            self.w.load_lab(spec.name, spec.default_preset or None, overrides={})
        self.w.params.set_locks()
        if getattr(self.w, "autosave", None) is not None:
            self.w.autosave.act.setChecked(True)
        self.w.show_banner("Settings reset to their defaults.", kind="info")

    # -- window --------------------------------------------------------------------------------------
    def restore_window(self) -> None:
        for tb in self.w.findChildren(QtWidgets.QToolBar):  # saveState() needs every bar named
            if not tb.objectName():
                tb.setObjectName(tb.windowTitle().lower() or "toolbar")
        if not self.active:
            return
        s = settings()
        geo, state = s.value("window/geometry"), s.value("window/state")
        if isinstance(geo, (QtCore.QByteArray, bytes)):
            self.w.restoreGeometry(QtCore.QByteArray(geo))
        if isinstance(state, (QtCore.QByteArray, bytes)):
            self.w.restoreState(QtCore.QByteArray(state))

    def save_window(self) -> None:
        if not self.active:
            return
        s = settings()
        s.setValue("window/geometry", self.w.saveGeometry())
        s.setValue("window/state", self.w.saveState())
        s.sync()

    # -- labs, presets, configs ----------------------------------------------------------------------
    def last_lab(self) -> str | None:
        if not self.active:
            return None
        name = settings().value("lab")
        if name and name not in all_labs():
            self.notices.append(f"The remembered lab '{name}' no longer exists; opened the first lab.")
            return None
        return name or None

    def recall(self, lab: str, preset: str | None, overrides: dict | None):
        """The lab's remembered preset and changed keys when the caller asked for none (invalid ones are
        dropped with a notice)."""
        if not self.active or preset is not None or overrides is not None:
            return preset, overrides
        spec = all_labs().get(lab)
        if spec is None:
            return preset, overrides
        stored = read_json(f"labs/{lab}", None)
        if not isinstance(stored, dict):
            return preset, overrides
        p = stored.get("preset") or None
        if p is not None and p not in spec.presets:
            self.notices.append(f"The remembered preset '{p}' of the {spec.title} lab no longer exists.")
            p = None
        kept, dropped = valid_overrides(spec, p or spec.default_preset or None, stored.get("config", {}))
        for line in dropped:
            self.notices.append(f"A remembered setting no longer applies and was dropped: {line}")
        return p, kept

    def remember(self, config) -> None:
        """Store the lab, its preset and the keys that differ from it (called on every config the runner
        reports)."""
        spec = self.w.spec
        if not self.active or spec is None or config is None or type(config) is not spec.config_cls:
            return
        preset = self.w.preset_combo.currentData() or None
        try:
            base = spec.make_config(preset)
        except cfgmod.ConfigError:
            return
        s = settings()
        s.setValue("lab", spec.name)
        s.setValue(f"labs/{spec.name}", json.dumps({"preset": preset, "config": cfgmod.diff(base, config),
                                                    "time": time.time()}))

    def flush_notices(self) -> None:
        if self.notices:
            self.w.show_banner(" ".join(self.notices), kind="info")
            self.notices = []


class _CloseWatcher(QtCore.QObject):
    """Calls ``fn`` when the window gets its close event (before the runner stops)."""

    def __init__(self, window, fn):
        super().__init__(window)
        self.fn = fn
        window.installEventFilter(self)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802
        if ev.type() == QtCore.QEvent.Type.Close:
            self.fn()
        return False


def install(window) -> Prefs:
    """Settings, shareable setups, run history and autosave for ``window`` (called before its first lab)."""
    from . import autosave, runs, setups

    prefs = Prefs(window)
    window.setups = setups.install(window, prefs)
    window.runs = runs.install(window, prefs)
    window.autosave = autosave.install(window, prefs)

    def on_lab(_name: str) -> None:
        r = window.runner
        if r is None:
            return
        r.session_ready.connect(prefs.remember)
        r.config_changed.connect(prefs.remember)
        prefs.remember(r.config)

    window.lab_loaded.connect(on_lab)

    def on_close() -> None:
        prefs.save_window()
        window.runs.close_current()
        window.autosave.mark_clean()

    window._prefs_close = _CloseWatcher(window, on_close)
    prefs.restore_window()
    QtCore.QTimer.singleShot(0, prefs.flush_notices)
    return prefs
