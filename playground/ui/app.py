"""Starting the GUI, and rendering a lab's whole window to a PNG (``playground snapshot``)."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")


def _app():
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(sys.argv[:1])
        app.setApplicationName("Generative AI Playground")
        app.setOrganizationName("GenerativeAIPlayground")
        from PySide6 import QtCore

        QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)  # one INI file on every OS (settings.py)
        app.setStyle("Fusion")
        from .about import APP_ID, app_icon

        app.setWindowIcon(app_icon())
        app.setDesktopFileName(APP_ID)  # Wayland and docks match the window to the installed .desktop file
    return app


def run_gui(lab: str, preset: str | None = None, *, overrides=None, device: str = "auto", seed: int = 0,
            autostart: bool = False, fullscreen: bool = False) -> int:
    app = _app()
    from .main_window import MainWindow

    win = MainWindow(lab, preset, device=device, seed=seed, overrides=overrides, autostart=autostart,
                     runner=os.environ.get("PLAYGROUND_RUNNER", "process"))
    win.showFullScreen() if fullscreen else win.show()
    return app.exec()


def render_snapshot(lab: str, preset: str | None, config, snap: dict, out: str, size: tuple[int, int]) -> None:
    """Render the whole window for ``snap`` (no training thread) and save it as a PNG."""
    app = _app()
    from .main_window import MainWindow

    win = MainWindow(lab, preset, start=False)
    if not preset:  # the lab's defaults, not its default preset: the preset box must not name one
        win.preset_combo.setCurrentIndex(-1)
    win.resize(*size)
    win.show_config(config)
    win.show()
    app.processEvents()
    win._on_snapshot(snap)
    if win.view is not None:
        win.view.flush_drawing()
    win.status_rate.setText("snapshot")
    win.status_device.setText("headless render")
    for _ in range(3):
        app.processEvents()
    win.grab()  # the first grab after a layout change can show a stale layout; the second is settled
    app.processEvents()
    if not win.grab().save(out):
        raise OSError(f"could not write {out}")
    win.close()
