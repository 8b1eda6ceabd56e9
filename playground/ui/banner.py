"""The notice bar above a lab's view: one line of info, error or divergence, with the buttons that fix it.

Info notices fade after 8 s; errors and divergence stay until closed or acted on. Text is plain (never rich
text): a file name or a message with ``<`` or an apostrophe shows as written.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from .widgets import banner_label

COLORS = {"info": ("#e8f4fd", "#0b4f79", "#9cc9ea"), "error": ("#fdecea", "#7a1c12", "#e6a39a"),
          "diverged": ("#fff3cd", "#5c4400", "#e0c36c")}


class Banner(QtWidgets.QWidget):
    """A notice with *Lower learning rates ÷10* and *Reset* (divergence), *Details…* (an error's traceback)
    and a close button. ``lower_lr`` and ``reset`` are connected by the window."""

    def __init__(self, parent=None):
        super().__init__(parent)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.text = banner_label()
        self.text.setTextFormat(QtCore.Qt.PlainText)
        self.text.setVisible(True)
        row.addWidget(self.text, 1)
        self.lower_lr = QtWidgets.QPushButton("Lower learning rates ÷10")
        self.reset = QtWidgets.QPushButton("Reset")
        self.details_btn = QtWidgets.QPushButton("Details…")
        self.details_btn.clicked.connect(self._show_details)
        self.close_btn = QtWidgets.QToolButton()
        self.close_btn.setText("✕")
        self.close_btn.clicked.connect(lambda: self.setVisible(False))
        for b in (self.lower_lr, self.reset, self.details_btn, self.close_btn):
            row.addWidget(b)
        self.details = ""
        self.last: tuple[str, str] | None = None
        self._timer = QtCore.QTimer(self, singleShot=True, timeout=lambda: self.setVisible(False))
        self.setVisible(False)

    def show_message(self, message: str, kind: str = "info", details: str = "") -> None:
        bg, fg, border = COLORS.get(kind, COLORS["info"])
        self.text.setStyleSheet(f"QLabel{{background:{bg};color:{fg};border:1px solid {border};padding:4px;}}")
        self.text.setText(message)
        self.lower_lr.setVisible(kind == "diverged")
        self.reset.setVisible(kind in ("diverged", "error"))
        self.details = details
        self.details_btn.setVisible(bool(details))
        self.setVisible(True)
        self.last = (kind, message)
        if kind == "info":
            self._timer.start(8000)
        else:
            self._timer.stop()

    def _show_details(self) -> None:
        box = QtWidgets.QMessageBox(self.window())
        box.setWindowTitle("Error details")
        box.setText(self.text.text())
        box.setDetailedText(self.details)
        box.open()
