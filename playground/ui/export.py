"""Export: pictures of the lab view or one panel (PNG at 1–3×, SVG for plots), the metric histories as CSV,
TensorBoard logging, and the entry to video export (``video_dialog``).

``install(window)`` adds *File ▸ Export view…*, *Export metrics CSV…*, *Export video…*, a checkable
*View ▸ Log to TensorBoard* and a right-click *Export this panel…* on every panel of the lab's view (in a
pyqtgraph plot's own menu where it has one). The functions below the dialogs do the work and are what
the tests call.
"""

from __future__ import annotations

import contextlib
import os
import sys

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from playground.core.files import atomic_write

SCALES = (1, 2, 3)
WHOLE = "Whole lab view"


# -- pictures ------------------------------------------------------------------------------------------
def render_widget(widget: QtWidgets.QWidget, scale: float = 1.0) -> QtGui.QImage:
    """The widget as it looks on screen, rendered (not grabbed from the screen) at ``scale``× its size: text
    and lines are drawn at the higher resolution, not enlarged."""
    w, h = widget.width(), widget.height()
    img = QtGui.QImage(round(w * scale), round(h * scale), QtGui.QImage.Format.Format_ARGB32)
    img.setDevicePixelRatio(scale)
    img.fill(QtGui.QColor("white"))
    widget.render(img)
    img.setDevicePixelRatio(1.0)
    return img


def export_png(widget: QtWidgets.QWidget, path: str, scale: float = 1.0) -> tuple[int, int]:
    """Write the widget at ``scale``× as PNG; returns the image size. Raises OSError (one line)."""
    img = render_widget(widget, scale)
    data = QtCore.QByteArray()
    buf = QtCore.QBuffer(data)
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not img.save(buf, "PNG"):
        raise OSError(f"{path}: could not be written")
    with atomic_write(path) as f:
        f.write(bytes(data))
    return img.width(), img.height()


def plot_view(widget: QtWidgets.QWidget) -> pg.GraphicsView | None:
    """The pyqtgraph plot a panel is (itself, or the one plot it holds beside its buttons); None when the
    panel is not a plot or holds several (those export as PNG)."""
    if isinstance(widget, pg.GraphicsView):
        return widget
    views = [v for v in widget.findChildren(pg.GraphicsView) if v.isVisibleTo(widget)]
    return views[0] if len(views) == 1 else None


def export_svg(widget: QtWidgets.QWidget, path: str) -> None:
    """Write the panel's plot as SVG with pyqtgraph's exporter (vector paths and text)."""
    from pyqtgraph.exporters import SVGExporter

    view = plot_view(widget)
    if view is None:
        raise ValueError("SVG needs a panel that is a plot; export this one as PNG")
    with _closed_paths_fixed():
        data = SVGExporter(view.scene()).export(toBytes=True)
    with atomic_write(path) as f:
        f.write(data if isinstance(data, bytes) else bytes(data))


@contextlib.contextmanager
def _closed_paths_fixed():
    """pyqtgraph 0.14's SVG exporter reads every token of a path as "x,y", but Qt 6.11 ends closed paths
    with "Z" (a plot's frame): hide the Z tokens from it while it transforms the coordinates, then put
    them back."""
    mod = sys.modules["pyqtgraph.exporters.SVGExporter"]
    orig = getattr(mod, "correctCoordinates", None)
    if orig is None:
        yield
        return

    def correct(node, defs, item, options):
        closed = []
        for el in node.getElementsByTagName("path"):
            d = el.getAttribute("d")
            if " Z" in d or d.strip().endswith("Z"):
                el.setAttribute("d", " ".join(t for t in d.split() if t != "Z"))
                closed.append(el)
        try:
            return orig(node, defs, item, options)
        finally:
            for el in closed:
                el.setAttribute("d", el.getAttribute("d").rstrip() + " Z")

    mod.correctCoordinates = correct
    try:
        yield
    finally:
        mod.correctCoordinates = orig


def export_metrics_csv(window, path: str) -> int:
    """Every history as CSV (step, one column per metric); returns the rows. The recording's history when
    there is one (the whole run, also while looking back or replaying), else the latest snapshot's."""
    from playground.core.metrics_csv import write_history_csv

    rec = getattr(window, "recording", None)
    history = getattr(rec, "history", None) or (window._last_snapshot or {}).get("history") or {}
    if not history:
        raise ValueError("no metrics yet: train a few steps first")
    return write_history_csv(history, path)


# -- the Export view dialog ------------------------------------------------------------------------------
class ExportViewDialog(QtWidgets.QDialog):
    """What (the whole view or a panel), format (PNG, SVG for plots), scale; *Save…* asks for the file."""

    def __init__(self, window, panel: str | None = None):
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Export view")
        self.setMinimumWidth(340)
        form = QtWidgets.QFormLayout(self)
        self.what = QtWidgets.QComboBox()
        self.what.addItem(WHOLE)
        for name in window.view.panels():
            self.what.addItem(name)
        if panel:
            self.what.setCurrentText(panel)
        self.fmt = QtWidgets.QComboBox()
        self.fmt.addItems(["PNG", "SVG"])
        self.scale = QtWidgets.QComboBox()
        for s in SCALES:
            self.scale.addItem(f"{s}×", s)
        self.scale.setCurrentIndex(1)
        self.info = QtWidgets.QLabel()
        self.info.setWordWrap(True)
        form.addRow("Export", self.what)
        form.addRow("Format", self.fmt)
        form.addRow("Scale", self.scale)
        form.addRow(self.info)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Save
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        for c in (self.what, self.fmt, self.scale):
            c.currentIndexChanged.connect(self._update)
        self._update()

    def target(self) -> QtWidgets.QWidget:
        """The chosen widget; a panel on a tab that is not current is brought to the front (a hidden page
        has no up-to-date layout to render)."""
        name = self.what.currentText()
        if name == WHOLE:
            return self.window_.view
        panel = self.window_.view.panels()[name]
        if not panel.isVisible():
            self.window_.view.show_panel(name)
            QtWidgets.QApplication.sendPostedEvents()
        return panel

    def _update(self) -> None:
        svg_ok = self.what.currentText() != WHOLE and plot_view(self.target()) is not None
        item = self.fmt.model().item(1)
        item.setEnabled(svg_ok)
        if not svg_ok and self.fmt.currentIndex() == 1:
            self.fmt.setCurrentIndex(0)
        png = self.fmt.currentIndex() == 0
        self.scale.setEnabled(png)
        t = self.target()
        s = self.scale.currentData()
        self.info.setText(f"{t.width() * s} × {t.height() * s} pixels" if png else
                          "Vector graphics (pyqtgraph's SVG exporter): the plot without the panel's buttons")

    def _save(self) -> None:
        png = self.fmt.currentIndex() == 0
        name = self.what.currentText().lower().replace(" ", "-")
        lab = self.window_.spec.name if self.window_.spec else "lab"
        default = f"{lab}-{name}.{'png' if png else 'svg'}"
        flt = "PNG image (*.png)" if png else "SVG image (*.svg)"
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export view", default, flt)
        if not path:
            return
        try:
            if png:
                export_png(self.target(), path, self.scale.currentData())
            else:
                export_svg(self.target(), path)
        except (OSError, ValueError) as e:
            self.window_.show_banner(str(e).splitlines()[0], kind="error")
            return
        self.window_.show_banner(f"Exported {os.path.basename(path)}", kind="info")
        self.accept()


# -- right-click on a panel ------------------------------------------------------------------------------
class PanelMenus(QtCore.QObject):
    """*Export this panel…* on right-click: added to a pyqtgraph scene's own menu (shown where a plot has
    one), shown alone on a right-click nothing else took, and offered on a panel's plain widget areas."""

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self._hooked: set[int] = set()

    def install(self, view) -> None:
        if view is None:
            return
        panels = view.panels() if hasattr(view, "panels") else {}
        for name, panel in panels.items():
            if id(panel) in self._hooked:
                continue
            self._hooked.add(id(panel))
            panel.destroyed.connect(lambda *_, k=id(panel): self._hooked.discard(k))
            if panel.contextMenuPolicy() == QtCore.Qt.ContextMenuPolicy.DefaultContextMenu:
                panel.setProperty("playground_panel", name)
                panel.installEventFilter(self)
            gviews = [panel] if isinstance(panel, pg.GraphicsView) else panel.findChildren(pg.GraphicsView)
            for gv in gviews:
                scene = gv.scene()
                act = QtGui.QAction("Export this panel…", scene)
                act.triggered.connect(lambda *_, n=name: self.export_panel(n))
                scene.contextMenu.append(act)  # pyqtgraph adds these to its menus (beside "Export...")
                scene.sigMouseClicked.connect(lambda ev, n=name: self._scene_click(ev, n))

    def _scene_click(self, ev, name: str) -> None:
        if ev.button() == QtCore.Qt.MouseButton.RightButton and not ev.isAccepted():
            self.menu(name).popup(ev.screenPos().toPoint())

    def menu(self, name: str) -> QtWidgets.QMenu:
        m = QtWidgets.QMenu(self.window_)
        m.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        m.addAction("Export this panel…", lambda: self.export_panel(name))
        return m

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt's name
        if ev.type() == QtCore.QEvent.Type.ContextMenu and isinstance(obj, QtWidgets.QWidget):
            child = obj.childAt(ev.pos())
            while child is not None and child is not obj:
                if isinstance(child, pg.GraphicsView):  # its scene has the entry (see install)
                    return False
                child = child.parentWidget()
            name = obj.property("playground_panel")
            if name:
                self.menu(name).popup(ev.globalPos())
                return True
        return False

    def export_panel(self, name: str) -> None:
        dlg = ExportViewDialog(self.window_, panel=name)
        dlg.open()
        self.window_._export_dialog = dlg


# -- installing ------------------------------------------------------------------------------------------
def _file_menu(window) -> QtWidgets.QMenu:
    for a in window.menuBar().actions():
        if a.menu() is not None and a.text().replace("&", "") == "File":
            return a.menu()
    return window.menuBar().addMenu("&File")


def install(window) -> None:
    """Add the export entries to the window (see the module docstring)."""
    menu = _file_menu(window)
    quit_act = next((a for a in menu.actions() if a.text().replace("&", "") == "Quit"), None)
    before = quit_act
    if quit_act is not None:  # insert above the separator that precedes Quit
        acts = menu.actions()
        i = acts.index(quit_act)
        before = acts[i - 1] if i and acts[i - 1].isSeparator() else quit_act
    entries = [("Export &view…", lambda: open_export_view(window)),
               ("Export &metrics CSV…", lambda: csv_dialog(window)),
               ("Export vi&deo…", lambda: open_video_dialog(window))]
    window.export_actions = {}
    sep = QtGui.QAction(window)
    sep.setSeparator(True)
    menu.insertAction(before, sep)
    for text, fn in entries:
        act = QtGui.QAction(text, window)
        act.triggered.connect(fn)
        menu.insertAction(before, act)
        window.export_actions[text.replace("&", "")] = act

    from .tensorboard_toggle import TensorBoardToggle

    tb = TensorBoardToggle(window)
    act = QtGui.QAction("Log to &TensorBoard", window, checkable=True)
    act.setToolTip("Write the metrics and sample images to TensorBoard event files (runs/ under a folder you pick)")
    tb.action = act

    def toggled(on: bool) -> None:
        root = None
        if on and tb.root is None:
            root = QtWidgets.QFileDialog.getExistingDirectory(window, "TensorBoard log folder", os.getcwd())
            if not root:
                act.setChecked(False)
                return
        if not tb.set_enabled(on, root):
            act.blockSignals(True)
            act.setChecked(False)
            act.blockSignals(False)

    act.toggled.connect(toggled)
    window.view_menu.addAction(act)
    window.tensorboard = tb

    menus = PanelMenus(window)
    window.panel_menus = menus
    window.view_holder.currentChanged.connect(lambda *_: menus.install(window.view))
    menus.install(window.view)


def open_export_view(window, panel: str | None = None) -> ExportViewDialog | None:
    if window.view is None:
        return None
    dlg = ExportViewDialog(window, panel)
    window._export_dialog = dlg
    dlg.open()
    return dlg


def csv_dialog(window) -> None:
    lab = window.spec.name if window.spec else "metrics"
    path, _ = QtWidgets.QFileDialog.getSaveFileName(window, "Export metrics CSV", f"{lab}-metrics.csv",
                                                    "CSV (*.csv)")
    if not path:
        return
    try:
        n = export_metrics_csv(window, path)
    except (OSError, ValueError) as e:
        window.show_banner(str(e).splitlines()[0], kind="error")
        return
    window.show_banner(f"Wrote {n:,} rows of metrics to {os.path.basename(path)}", kind="info")


def open_video_dialog(window):
    from .video_dialog import open_video_dialog as _open

    return _open(window)
