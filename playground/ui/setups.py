"""File ▸ Copy setup / Paste setup / Open setup…: the current lab, preset, seed and changed keys as a short TOML
snippet (``playground/core/setup.py``), and the classroom locks a setup carries (keys the parameter panel
hides or locks until another setup or *Reset settings* clears them).

A bad setup (not TOML, an unknown lab or key, a value out of range) gets one line and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtGui, QtWidgets

from playground.core import config as cfgmod
from playground.core.setup import Setup, SetupError, format_setup, load_setup, parse_setup, setup_from_config

from . import settings as st


def _file_menu(window) -> QtWidgets.QMenu | None:
    for a in window.menuBar().actions():
        if a.menu() is not None and a.text().replace("&", "") == "File":
            return a.menu()
    return None


class Setups:
    def __init__(self, window, prefs):
        self.w, self.prefs = window, prefs
        menu = _file_menu(window)
        if menu is not None:
            first = menu.actions()[0] if menu.actions() else None
            self.copy_act = QtGui.QAction("&Copy setup", window, triggered=self.copy)
            self.copy_act.setShortcut(QtGui.QKeySequence("Ctrl+Shift+C"))
            self.copy_act.setToolTip("Put the lab, preset, seed and changed keys on the clipboard as TOML")
            self.paste_act = QtGui.QAction("&Paste setup", window, triggered=self.paste)
            self.paste_act.setShortcut(QtGui.QKeySequence("Ctrl+Shift+V"))
            self.open_act = QtGui.QAction("Open setup &file…", window, triggered=self.open_dialog)
            for a in (self.copy_act, self.paste_act, self.open_act):
                menu.insertAction(first, a)
            menu.insertSeparator(first)
        window.lab_loaded.connect(self.apply_locks)

    # -- copy ----------------------------------------------------------------------------------------
    def current(self) -> Setup | None:
        w = self.w
        if w.spec is None or w.runner is None or w.runner.config is None:
            return None
        room = st.classroom()
        mine = room.get("lab") == w.spec.name
        return setup_from_config(w.spec.name, w.preset_combo.currentData() or None, w.runner.config, seed=w.seed,
                                 hide=room["hide"] if mine else (), lock=room["lock"] if mine else ())

    def copy(self) -> str:
        setup = self.current()
        if setup is None:
            return ""
        text = format_setup(setup)
        QtWidgets.QApplication.clipboard().setText(text)
        self.w.show_banner(f"Setup copied: {_describe(setup, setup.seed)}.", kind="info")
        return text

    # -- paste / open --------------------------------------------------------------------------------
    def paste(self) -> bool:
        return self.apply_text(QtWidgets.QApplication.clipboard().text(), source="The clipboard")

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.w, "Open setup", st.last_dir("setup"),
                                                        "Setups (*.toml);;All (*)")
        if path:
            st.remember_dir("setup", path)
            self.open_file(path)

    def open_file(self, path: str) -> bool:
        return self._read_and_apply(lambda: load_setup(path), path)

    def apply_text(self, text: str, source: str = "Setup") -> bool:
        """Load a setup from TOML text; a bad one gets one line in the banner and changes nothing."""
        if not text.strip():
            self.w.show_banner(f"{source} holds no setup (copy one with File ▸ Copy setup).", kind="error")
            return False
        return self._read_and_apply(lambda: parse_setup(text), "Not loaded")

    def _read_and_apply(self, read: Callable[[], Setup], prefix: str) -> bool:
        """Apply the setup ``read()`` returns; a bad one gets one line in the banner (after ``prefix``) and
        changes nothing."""
        try:
            setup = read()
        except (SetupError, cfgmod.ConfigError) as e:
            self.w.show_banner(f"{prefix}: {e}", kind="error")
            return False
        return self.apply(setup)

    def apply(self, setup: Setup, *, keep_locks: bool = False, what: str = "Setup loaded") -> bool:
        """Switch to the setup's lab, preset, seed and keys (training restarts) and apply its locks
        (``keep_locks``: leave the classroom locks as they are, e.g. restoring a run)."""
        w = self.w
        config = setup.config()  # validated by parse_setup already
        if not keep_locks:
            st.store_classroom(setup.lab, setup.hide, setup.lock)
        seed = setup.seed if setup.seed is not None else w.seed
        same = w.spec is not None and w.spec.name == setup.lab and seed == w.seed and w.runner is not None
        spec = setup.spec()
        # the window always names a preset (a lab's default when none is asked for); the keys are taken against
        # it so the config is exactly the setup's (no preset in a setup means the defaults, as on the CLI)
        preset = setup.preset or spec.default_preset or None
        overrides = cfgmod.diff(spec.make_config(preset), config)
        if same:
            i = w.preset_combo.findData(preset) if preset else -1
            if i >= 0:
                w.preset_combo.setCurrentIndex(i)
            w.params.set_config(config)
            w.view.set_config(config)
            w.runner.reset(config)
            self.apply_locks(setup.lab)
        else:
            w.seed = seed
            w.load_lab(setup.lab, preset, overrides=overrides)
        w.show_banner(f"{what}: {_describe(setup, seed)}: training restarted.", kind="info")
        return True

    # -- classroom locks -----------------------------------------------------------------------------
    def apply_locks(self, lab: str | None = None) -> None:
        w = self.w
        room = st.classroom() if self.prefs.active else {}
        if w.spec is not None and room.get("lab") == w.spec.name:
            w.params.set_locks(room["hide"], room["lock"])
        else:
            w.params.set_locks()


def _describe(setup: Setup, seed) -> str:
    """"gan, preset ring8, seed 3, 2 changed keys": what a banner says of a setup."""
    n = len(setup.set)
    return (setup.lab + (f", preset {setup.preset}" if setup.preset else "")
            + f", seed {seed}, {n} changed key{'s' if n != 1 else ''}")


def install(window, prefs) -> Setups:
    return Setups(window, prefs)
