"""Help ▸ About: the app's version, the versions it runs on, the device, and the licences of what ships
with it (the app, the libraries a bundle carries, the data sets in ``resources/``). Also the app icon."""

from __future__ import annotations

import platform
import sys
from functools import lru_cache

from PySide6 import QtCore, QtGui, QtWidgets

from playground.core.resources import resources_dir

APP_ID = "io.github.genaiplayground.Playground"  # the desktop file's and the AppStream metainfo's id
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)

# What a bundle (packaging/pyinstaller) carries besides the app's own MIT-licensed code.
LIBRARY_LICENCES = (
    ("PyTorch", "BSD-3-Clause"),
    ("Qt 6 and PySide6", "LGPL-3.0 (Qt's libraries are shipped as separate, replaceable files)"),
    ("pyqtgraph", "MIT"),
    ("superqt", "BSD-3-Clause"),
    ("NumPy", "BSD-3-Clause"),
    ("Python", "PSF-2.0"),
)


@lru_cache(maxsize=1)
def app_icon() -> QtGui.QIcon:
    """The window icon on every platform: the PNG set rendered from resources/icons/playground.svg."""
    icon = QtGui.QIcon()
    folder = resources_dir() / "icons"
    for n in ICON_SIZES:
        path = folder / f"playground-{n}.png"
        if path.exists():
            icon.addFile(str(path), QtCore.QSize(n, n))
    return icon


def _version_of(dist: str, module: str) -> str:
    mod = sys.modules.get(module)
    if mod is not None and getattr(mod, "__version__", None):
        return str(mod.__version__)
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        pass
    try:  # no metadata (an unusual bundle): import it
        import importlib

        return str(importlib.import_module(module).__version__)
    except Exception:
        return "not found"


def versions(device: str = "") -> list[tuple[str, str]]:
    """(name, version) rows shown in the dialog; ``device`` as the status bar shows it, else resolved here."""
    import PySide6

    import playground

    if not device:
        try:
            from playground.core.device import describe, resolve_device

            device = describe(resolve_device("auto")) + " (auto)"
        except Exception as e:  # the dialog shows what it can
            device = f"unknown ({type(e).__name__})"
    frozen = ", bundled app" if getattr(sys, "frozen", False) else ""
    return [
        ("Playground", playground.__version__),
        ("PyTorch", _version_of("torch", "torch")),
        ("Qt", f"{QtCore.qVersion()} (PySide6 {PySide6.__version__})"),
        ("pyqtgraph", _version_of("pyqtgraph", "pyqtgraph")),
        ("NumPy", _version_of("numpy", "numpy")),
        ("Python", f"{platform.python_version()}{frozen}"),
        ("System", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("Device", device),
    ]


def data_licences() -> str:
    """Markdown: the README of every data folder in resources/ (name, source, licence, attribution);
    ``resources/datasets/README.md`` first. Folders without one are named as the project's own text."""
    root = resources_dir()
    parts = []
    readmes = sorted(root.glob("*/README.md"), key=lambda p: (p.parent.name != "datasets", p.parent.name))
    for path in readmes:
        text = path.read_text(encoding="utf-8").strip()
        parts.append(f"**resources/{path.parent.name}/**\n\n{text}")
    corpora = root / "corpora"
    if corpora.is_dir() and not (corpora / "README.md").exists():
        names = ", ".join(sorted(p.name for p in corpora.glob("*.txt")))
        parts.append(f"**resources/corpora/** ({names}): short stories written for this project, shipped under "
                     "its MIT licence.")
    return "\n\n".join(parts) or "No data sets are shipped."


class AboutDialog(QtWidgets.QDialog):
    def __init__(self, parent=None, device: str = ""):
        super().__init__(parent)
        self.setWindowTitle("About Generative AI Playground")
        self.resize(620, 560)
        lay = QtWidgets.QVBoxLayout(self)
        head = QtWidgets.QHBoxLayout()
        logo = QtWidgets.QLabel()
        logo.setPixmap(app_icon().pixmap(72, 72))
        head.addWidget(logo)
        import playground

        title = QtWidgets.QLabel(f"<h2>Generative AI Playground {playground.__version__}</h2>"
                                 "Watch generative models learn, live, on your own machine.")
        title.setWordWrap(True)
        head.addWidget(title, 1)
        lay.addLayout(head)
        form = QtWidgets.QFormLayout()
        self.rows = versions(device)
        for name, value in self.rows:
            label = QtWidgets.QLabel(value)
            label.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
            form.addRow(f"{name}:", label)
        lay.addLayout(form)
        libs = "\n".join(f"- {name}: {lic}" for name, lic in LIBRARY_LICENCES)
        self.licences_markdown = ("### Licences\n\nGenerative AI Playground: MIT.\n\nLibraries it runs on:\n\n"
                                  f"{libs}\n\n### Data sets shipped with the app\n\n{data_licences()}")
        self.licences = QtWidgets.QTextBrowser()
        self.licences.setOpenExternalLinks(True)
        self.licences.setMarkdown(self.licences_markdown)
        lay.addWidget(self.licences, 1)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        copy = buttons.addButton("Copy versions", QtWidgets.QDialogButtonBox.ActionRole)
        copy.clicked.connect(self.copy_versions)
        lay.addWidget(buttons)

    def text(self) -> str:
        """The versions as plain text (for bug reports; tests read it)."""
        return "\n".join(f"{name}: {value}" for name, value in self.rows)

    def copy_versions(self) -> None:
        QtWidgets.QApplication.clipboard().setText(self.text())
