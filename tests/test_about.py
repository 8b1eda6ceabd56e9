"""Help ▸ About, and the app icon on every window."""

from __future__ import annotations

import playground
from playground.ui import about
from playground.ui.main_window import MainWindow


def test_about_dialog_from_the_help_menu(qtbot):
    win = MainWindow("gan", start=False)
    qtbot.addWidget(win)
    help_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Help")
    (act,) = [a for a in help_menu.actions() if a.text().startswith("&About")]
    act.trigger()
    dlg = win.about
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    import torch
    from PySide6 import QtCore

    text = dlg.text()
    assert f"Playground: {playground.__version__}" in text
    assert f"PyTorch: {torch.__version__}" in text
    assert f"Qt: {QtCore.qVersion()}" in text
    device = text.split("Device: ")[1]  # no runner yet: what "auto" resolves to on this machine
    assert device.startswith(("CPU", "CUDA", "Apple MPS")) and device.endswith("(auto)")
    licences = dlg.licences.toPlainText()
    assert "Generative AI Playground: MIT" in licences and "LGPL-3.0" in licences
    assert "corpora" in licences  # the shipped texts and their licence
    dlg.copy_versions()
    from PySide6 import QtWidgets

    assert QtWidgets.QApplication.clipboard().text() == text
    dlg.close()


def test_data_set_readmes_come_first(tmp_path, monkeypatch):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "README.md").write_text("penguins.csv: CC0-1.0, from palmerpenguins", encoding="utf-8")
    (tmp_path / "digits").mkdir()
    (tmp_path / "digits" / "README.md").write_text("UCI digits: CC-BY-4.0", encoding="utf-8")
    (tmp_path / "corpora").mkdir()
    (tmp_path / "corpora" / "story.txt").write_text("x", encoding="utf-8")
    monkeypatch.setattr(about, "resources_dir", lambda: tmp_path)
    text = about.data_licences()
    assert text.index("CC0-1.0") < text.index("CC-BY-4.0") < text.index("story.txt")


def test_window_icon_has_every_size(qtbot):
    icon = about.app_icon()
    sizes = {s.width() for s in icon.availableSizes()}
    assert {16, 32, 48, 256, 512} <= sizes
    win = MainWindow("gan", start=False)
    qtbot.addWidget(win)
    assert not win.windowIcon().isNull()
    img = win.windowIcon().pixmap(64, 64).toImage()
    assert img.width() == 64 and img.pixelColor(32, 32).alpha() == 255  # drawn, not a blank placeholder
