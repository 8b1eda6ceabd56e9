"""LiveText: a label for text that changes at every frame (the step, the rate, a view's summary).

``QLabel.setText`` calls ``updateGeometry``: every layout up to the window is laid out again, for a step
count that went from 1,234 to 1,240. With the status bar, the timeline and a view's summary changing at
every frame, that was about a tenth of the UI thread's time while training (measured on the GAN lab: 6 of
55 ms a second). A LiveText asks for a new layout only when its text needs a different size:

- one line (the default): its width comes from ``template`` (the widest text it expects), never from the
  text; a longer text is elided (…). ``setText`` only repaints.
- ``wrap=True``: the text wraps to the width it is given, and the widget is as tall as the wrapped text.
  A new text asks for a layout only when it wraps to a different height (a line more or less), not when a
  number in it changes.

``rich=True`` takes Qt's rich text (``<b>``, ``<br>``, coloured spans); it implies ``wrap``.
"""

from __future__ import annotations

import html
import re

from PySide6 import QtCore, QtGui, QtWidgets

_PAD = 2  # px left and right, as a QLabel's margin would give


class LiveText(QtWidgets.QWidget):
    def __init__(self, text: str = "", *, template: str = "", wrap: bool = False, rich: bool = False,
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._text = text
        self._template = template or text
        self._rich = rich
        self._wrap = wrap or rich
        self._doc: QtGui.QTextDocument | None = None  # the wrapped text, laid out once per text, font, width
        sp = QtWidgets.QSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Fixed)
        sp.setHeightForWidth(self._wrap)
        self.setSizePolicy(sp)
        self._tell_readers()

    # -- QLabel's API, the part the app uses -------------------------------------------------------
    def setText(self, text: str) -> None:  # noqa: N802 - QLabel's name
        if text == self._text:
            return
        self._text = text
        if self._wrap:
            before = self._doc.size().height() if self._doc is not None else None
            self._doc = None
            if before is None or self._layout(self._inner_width()).size().height() != before:
                self.updateGeometry()  # a line more or less: the only time the window is laid out again
        self._tell_readers()
        self.update()

    def text(self) -> str:
        return self._text

    def _tell_readers(self) -> None:
        """Screen readers read a QLabel's text; a LiveText gives its own, tags removed, as its name."""
        plain = html.unescape(re.sub(r"<br\s*/?>", " · ", re.sub(r"<(?!br)[^>]*>", "", self._text))) \
            if self._rich else self._text
        self.setAccessibleName(plain)

    # -- size ----------------------------------------------------------------------------------------
    def _inner_width(self) -> int:
        return max(1, self.width() - 2 * _PAD)

    def _layout(self, width: int) -> QtGui.QTextDocument:
        doc = self._doc
        if doc is None or doc.textWidth() != width:
            doc = self._doc = QtGui.QTextDocument()
            doc.setDefaultFont(self.font())
            doc.setDocumentMargin(0)
            if self._rich:
                doc.setHtml(self._text)
            else:
                doc.setPlainText(self._text)
            doc.setTextWidth(width)
        return doc

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802
        fm = self.fontMetrics()
        if self._wrap:
            return QtCore.QSize(fm.horizontalAdvance("x") * 40, self.heightForWidth(self.width()))
        return QtCore.QSize(fm.horizontalAdvance(self._template) + 2 * _PAD + 1, fm.lineSpacing() + 2)

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802
        fm = self.fontMetrics()
        h = self.heightForWidth(self.width()) if self._wrap else fm.lineSpacing() + 2
        return QtCore.QSize(fm.horizontalAdvance("…") * 6, h)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return self._wrap

    def heightForWidth(self, w: int) -> int:  # noqa: N802
        if not self._wrap:
            return -1
        lines = self.fontMetrics().lineSpacing()
        if w <= 0:
            return lines + 2
        return max(lines, int(self._layout(max(1, w - 2 * _PAD)).size().height() + 0.999)) + 2

    def changeEvent(self, ev: QtCore.QEvent) -> None:  # noqa: N802
        if ev.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.StyleChange):
            self._doc = None
            self.updateGeometry()  # presentation mode's zoom, a theme: the size follows the font
        super().changeEvent(ev)

    # -- drawing ---------------------------------------------------------------------------------------
    def paintEvent(self, ev: QtGui.QPaintEvent) -> None:  # noqa: N802
        p = QtGui.QPainter(self)
        fg = self.palette().color(self.foregroundRole())
        r = self.rect().adjusted(_PAD, 0, -_PAD, 0)
        if not self._wrap:
            p.setPen(fg)
            text = self.fontMetrics().elidedText(self._text, QtCore.Qt.TextElideMode.ElideRight, r.width())
            p.drawText(r, QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter, text)
            return
        doc = self._layout(r.width())
        ctx = QtGui.QAbstractTextDocumentLayout.PaintContext()
        ctx.palette = self.palette()
        ctx.palette.setColor(QtGui.QPalette.ColorRole.Text, fg)
        ctx.clip = QtCore.QRectF(0, 0, r.width(), r.height())
        p.translate(r.left(), r.top() + max(0.0, (r.height() - doc.size().height()) / 2))
        doc.documentLayout().draw(p, ctx)
