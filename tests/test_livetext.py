"""LiveText: text that changes at every frame repaints without laying the window out again."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from playground.ui.livetext import LiveText


class _Layouts(QtCore.QObject):
    """Counts the layout requests a window's top widget receives (each one lays the whole window out)."""

    def __init__(self, target: QtWidgets.QWidget):
        super().__init__()
        self.n = 0
        target.installEventFilter(self)

    def eventFilter(self, obj, ev):  # noqa: N802
        if ev.type() == QtCore.QEvent.Type.LayoutRequest:
            self.n += 1
        return False


def _window(qtbot, *widgets):
    win = QtWidgets.QWidget()
    lay = QtWidgets.QVBoxLayout(win)
    inner = QtWidgets.QWidget()  # one level down, as a view's summary sits inside the main window
    inner_lay = QtWidgets.QVBoxLayout(inner)
    for w in widgets:
        inner_lay.addWidget(w)
    lay.addWidget(inner)
    qtbot.addWidget(win)
    win.resize(320, 200)
    win.show()
    qtbot.waitExposed(win)
    _settle()
    return win


def _settle():
    """Posted events, and the ones they post (a layout request climbs one widget per turn)."""
    for _ in range(5):
        QtWidgets.QApplication.processEvents()


def test_a_new_number_repaints_without_a_layout_where_a_label_would_lay_the_window_out(qtbot):
    live, label = LiveText("step 1", template="step 10,000,000"), QtWidgets.QLabel("step 1")
    win = _window(qtbot, live, label)
    seen = _Layouts(win)
    for i in range(2, 30):
        live.setText(f"step {i * 997:,}")
        _settle()
    assert seen.n == 0 and live.text() == f"step {29 * 997:,}"
    label.setText("step 2,000")  # the reason LiveText exists: a QLabel asks the window for a layout
    qtbot.waitUntil(lambda: seen.n >= 1, timeout=5000)


def test_wrapped_text_asks_for_a_layout_only_when_it_needs_another_line(qtbot):
    live = LiveText("step 1 · loss 0.5", wrap=True)
    win = _window(qtbot, live)
    one_line = live.height()
    seen = _Layouts(win)
    live.setText("step 2 · loss 0.4")  # the same height
    _settle()
    assert seen.n == 0
    live.setText("step 3 · " + " · ".join(f"metric {i} 0.123" for i in range(12)))  # wraps: taller
    qtbot.waitUntil(lambda: live.height() > one_line, timeout=5000)
    assert seen.n >= 1


def test_rich_text_and_elided_text_are_drawn(qtbot):
    rich = LiveText("<b style='color:#e07b00'>Diffusion</b>: modes 3/8<br>step 10", rich=True)
    plain = LiveText("x" * 400, template="step 1,000")
    win = _window(qtbot, rich, plain)
    assert rich.height() >= 2 * rich.fontMetrics().lineSpacing()  # the <br> gives two lines
    for w in (rich, plain):
        img = w.grab().toImage()
        inked = sum(img.pixelColor(x, y) != img.pixelColor(0, 0)
                    for x in range(0, img.width(), 2) for y in range(img.height()))
        assert inked > 20, w.text()[:20]
    orange = QtGui.QColor("#e07b00")
    img = rich.grab().toImage()
    assert any(img.pixelColor(x, y).red() > 180 and abs(img.pixelColor(x, y).green() - orange.green()) < 40
               and img.pixelColor(x, y).blue() < 80 for x in range(img.width()) for y in range(img.height()))
    assert win.isVisible()


def test_a_bigger_font_gives_a_bigger_size(qtbot):
    live = LiveText("step 1", template="step 10,000,000")
    win = _window(qtbot, live)
    small = live.sizeHint()
    f = live.font()
    f.setPointSizeF(f.pointSizeF() * 2)
    live.setFont(f)  # presentation mode's zoom
    big = live.sizeHint()
    assert big.width() > small.width() * 1.5 and big.height() > small.height() * 1.5
    assert win.isVisible()


def test_screen_readers_get_the_text_without_tags(qtbot):
    rich = LiveText("<b>step 3</b> &amp; more<br>next", rich=True)
    plain = LiveText("step 1")
    win = _window(qtbot, rich, plain)
    plain.setText("step 2")
    assert plain.accessibleName() == "step 2" and rich.accessibleName() == "step 3 & more · next"
    assert win.isVisible()
