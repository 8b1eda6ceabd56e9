"""The guided-lesson panel: it takes the Lesson tab's place while a lesson runs.

Back / Next, "Step 3 of 9", the step's Markdown, a question box (choices with feedback, or "predict,
then see" with a free guess), a status line while ``play_until`` trains, and the fallback message when
it times out. The panel only shows things and emits what the student did; ``lesson_driver`` drives the
window. Every font is the application's (no fixed sizes), so a larger app font (presentation mode)
makes the whole lesson larger.
"""

from __future__ import annotations

import os

from PySide6 import QtCore, QtGui, QtWidgets

STATUS_STYLE = {
    "run": "background:#e8f4fd;color:#0b4f79;border:1px solid #9cc9ea;",
    "met": "background:#e6f4ea;color:#1e5b2c;border:1px solid #9fd3ad;",
    "timeout": "background:#fff3cd;color:#5c4400;border:1px solid #e0c36c;",
    "error": "background:#fdecea;color:#7a1c12;border:1px solid #e6a39a;",
}


class Choice(QtWidgets.QLabel):
    """One answer of a question: a word-wrapped label that behaves like a checkable button (a push
    button cannot wrap its text, and a long answer would widen the whole side panel)."""

    clicked = QtCore.Signal()

    def __init__(self, text: str, parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setCursor(QtCore.Qt.PointingHandCursor)
        self.setFocusPolicy(QtCore.Qt.StrongFocus)
        self.setSizePolicy(QtWidgets.QSizePolicy.Expanding, QtWidgets.QSizePolicy.Preferred)
        self._checked = False
        self._restyle()

    def isChecked(self) -> bool:  # noqa: N802 - the QAbstractButton name
        return self._checked

    def setChecked(self, on: bool) -> None:  # noqa: N802
        self._checked = bool(on)
        self._restyle()

    def click(self) -> None:
        if self.isEnabled():
            self.clicked.emit()

    def changeEvent(self, ev) -> None:  # noqa: N802
        super().changeEvent(ev)
        if ev.type() == QtCore.QEvent.EnabledChange:
            self._restyle()

    def mouseReleaseEvent(self, ev) -> None:  # noqa: N802
        if ev.button() == QtCore.Qt.LeftButton and self.rect().contains(ev.position().toPoint()):
            self.click()

    def keyPressEvent(self, ev) -> None:  # noqa: N802
        if ev.key() in (QtCore.Qt.Key_Space, QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter):
            self.click()
        else:
            super().keyPressEvent(ev)

    def _restyle(self) -> None:
        bg = "#d6eaf8" if self._checked else "palette(button)"
        border = "#2e86c1" if self._checked else "palette(mid)"
        fg = "palette(text)" if self.isEnabled() else "palette(mid)"
        self.setStyleSheet(f"QLabel{{background:{bg};border:1px solid {border};border-radius:3px;"
                           f"padding:4px 6px;color:{fg};}}")


def markdown_html(text: str) -> str:
    """Markdown to HTML with the document's default font (the app's): headings keep Qt's relative sizes."""
    doc = QtGui.QTextDocument()
    doc.setMarkdown(text)
    return doc.toHtml()


class LessonPanel(QtWidgets.QWidget):
    back_clicked = QtCore.Signal()
    next_clicked = QtCore.Signal()
    close_clicked = QtCore.Signal()
    answered = QtCore.Signal(int)  # index of the choice picked
    guessed = QtCore.Signal(str)  # a free guess (predict questions without choices)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        head = QtWidgets.QHBoxLayout()
        self.title = QtWidgets.QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight:bold;")
        self.close_btn = QtWidgets.QToolButton(text="✕")
        self.close_btn.setToolTip("Leave the guided lesson (back to the lab's lesson page)")
        self.close_btn.clicked.connect(self.close_clicked)
        head.addWidget(self.title, 1)
        head.addWidget(self.close_btn, 0, QtCore.Qt.AlignTop)
        lay.addLayout(head)
        self.progress = QtWidgets.QLabel()
        self.progress_bar = QtWidgets.QProgressBar(textVisible=False, maximumHeight=6)
        lay.addWidget(self.progress)
        lay.addWidget(self.progress_bar)

        self.text = QtWidgets.QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.text.setFrameShape(QtWidgets.QFrame.NoFrame)
        lay.addWidget(self.text, 1)

        self.qbox = QtWidgets.QGroupBox()
        ql = QtWidgets.QVBoxLayout(self.qbox)
        ql.setContentsMargins(6, 6, 6, 6)
        self.ask = QtWidgets.QLabel(wordWrap=True, textFormat=QtCore.Qt.RichText)
        ql.addWidget(self.ask)
        self.choice_box = QtWidgets.QWidget()
        self.choice_layout = QtWidgets.QVBoxLayout(self.choice_box)
        self.choice_layout.setContentsMargins(0, 0, 0, 0)
        self.choice_layout.setSpacing(3)
        ql.addWidget(self.choice_box)
        guess = QtWidgets.QHBoxLayout()
        self.guess_edit = QtWidgets.QLineEdit(placeholderText="Your guess…")
        self.guess_btn = QtWidgets.QPushButton("Run and see")
        self.guess_btn.clicked.connect(self._on_guess)
        self.guess_edit.returnPressed.connect(self._on_guess)
        guess.addWidget(self.guess_edit, 1)
        guess.addWidget(self.guess_btn)
        self.guess_row = QtWidgets.QWidget()
        self.guess_row.setLayout(guess)
        guess.setContentsMargins(0, 0, 0, 0)
        ql.addWidget(self.guess_row)
        self.feedback = QtWidgets.QLabel(wordWrap=True, textFormat=QtCore.Qt.RichText)
        self.feedback.setVisible(False)
        ql.addWidget(self.feedback)
        lay.addWidget(self.qbox)
        self.choice_buttons: list[Choice] = []

        self.status = QtWidgets.QLabel(wordWrap=True, textFormat=QtCore.Qt.RichText)
        self.status.setVisible(False)
        lay.addWidget(self.status)

        nav = QtWidgets.QHBoxLayout()
        style = self.style()
        self.back_btn = QtWidgets.QPushButton(style.standardIcon(QtWidgets.QStyle.SP_ArrowBack), "Back")
        self.next_btn = QtWidgets.QPushButton(style.standardIcon(QtWidgets.QStyle.SP_ArrowForward), "Next")
        self.next_btn.setDefault(True)
        self.back_btn.clicked.connect(self.back_clicked)
        self.next_btn.clicked.connect(self.next_clicked)
        nav.addWidget(self.back_btn)
        nav.addStretch(1)
        nav.addWidget(self.next_btn)
        lay.addLayout(nav)

    # -- what the driver calls ---------------------------------------------------------------------
    def show_step(self, lesson, index: int) -> None:
        st = lesson.steps[index]
        n = len(lesson.steps)
        self.title.setText(lesson.title)
        self.progress.setText(f"Step {index + 1} of {n}" + (f" · {st.title}" if st.title else ""))
        self.progress_bar.setRange(0, n)
        self.progress_bar.setValue(index + 1)
        self.text.setMarkdown(st.text)  # the widget's font (the app's): a larger app font enlarges it
        self.back_btn.setEnabled(index > 0)
        self.next_btn.setText("Finish" if index == n - 1 else "Next")
        self.set_status("")
        self._show_question(st.question)

    def _show_question(self, q) -> None:
        for b in self.choice_buttons:
            self.choice_layout.removeWidget(b)
            b.hide()
            b.deleteLater()
        self.choice_buttons = []
        self.feedback.setVisible(False)
        self.qbox.setVisible(q is not None)
        if q is None:
            return
        self.qbox.setTitle("Predict, then see" if q.predict else "Question")
        self.ask.setText(_inline(q.ask))
        for i, c in enumerate(q.choices):
            b = Choice(f"{chr(ord('A') + i)}.  {c}")
            b.clicked.connect(lambda i=i: self._on_choice(i))
            self.choice_layout.addWidget(b)
            self.choice_buttons.append(b)
        free = q.predict and not q.choices
        self.guess_row.setVisible(free)
        self.guess_edit.clear()
        self.guess_edit.setEnabled(True)
        self.guess_btn.setEnabled(True)

    def _on_choice(self, i: int) -> None:
        for j, b in enumerate(self.choice_buttons):
            b.setChecked(j == i)
        self.answered.emit(i)

    def _on_guess(self) -> None:
        text = self.guess_edit.text().strip()
        if not text:
            return
        self.guess_edit.setEnabled(False)
        self.guess_btn.setEnabled(False)
        self.guessed.emit(text)

    def show_feedback(self, text: str, good: bool | None = None) -> None:
        mark = {True: "✔ ", False: "✘ ", None: ""}[good]
        self.feedback.setText(_inline(f"{mark}{text}"))
        colour = {True: "#1e7b34", False: "#a3341f", None: ""}[good]
        self.feedback.setStyleSheet(f"QLabel{{color:{colour};}}" if colour else "")
        self.feedback.setVisible(bool(text))

    def lock_choices(self, locked: bool = True) -> None:
        for b in self.choice_buttons:
            b.setEnabled(not locked)

    def set_status(self, text: str, kind: str = "run") -> None:
        self.status.setVisible(bool(text))
        self.status.setText(text)
        self.status.setStyleSheet(f"QLabel{{{STATUS_STYLE.get(kind, STATUS_STYLE['run'])}padding:4px;}}")


def _inline(markdown: str) -> str:
    """A short Markdown text (a question, a feedback) as the HTML of a rich-text QLabel."""
    html_text = markdown_html(markdown)
    start, end = html_text.find("<body"), html_text.rfind("</body>")
    if start >= 0 and end > start:
        html_text = html_text[html_text.find(">", start) + 1:end]
    return html_text


def run_lesson_gui(lesson, device: str = "auto") -> int:
    """``playground lesson NAME``: the app, opened on a guided lesson."""
    from .app import _app
    from .lesson_driver import install
    from .main_window import MainWindow

    app = _app()
    first = lesson.steps[0]
    win = MainWindow(first.lab, first.preset, device=device, seed=first.seed or 0, overrides=first.set,
                     runner=os.environ.get("PLAYGROUND_RUNNER", "process"))
    driver = getattr(win, "lesson_driver", None) or install(win)
    win.show()
    driver.start(lesson)
    return app.exec()
