"""Themes (light, dark, high contrast) and the zoom factor, for the whole window and every plot.

One process-wide state: the theme and the zoom. ``set_theme`` / ``set_zoom`` restyle the window at once
(the Qt palette, pyqtgraph's defaults for new plots, and every plot already built: see ``restyle``), and
remember the choice in ``QSettings`` (``ui/theme``, ``ui/zoom``). Views built later (a lab switch, panels a
config change creates) are restyled when they appear, never per frame.

Colours: the light theme is the app's original look. The others derive each colour from the light one:
the shared curve palette maps to one that reads on a dark background (Okabe-Ito based in high contrast,
colour-blind safe), greys and near-whites invert their lightness, other colours are lifted. Colour maps:
magnitudes keep viridis (cividis in high contrast); signed values keep a blue-red diverging map (blue and
red stay apart for the common red-green colour blindness, and never look like the blue-yellow magnitude
maps): through black on dark backgrounds (CET-D4), the stronger CET-D1A in high contrast.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

ZOOMS = (0.6, 0.7, 0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0)
LIGHT_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                 "#7f7f7f", "#bcbd22")


@dataclass(frozen=True)
class Theme:
    name: str
    title: str
    background: str  # plots and the window
    foreground: str  # axes, text
    palette: tuple[str, ...] = LIGHT_PALETTE  # the shared curve colours, in the order of LIGHT_PALETTE
    cmaps: dict = field(default_factory=dict)  # colour map name (as a lab asks for it) -> the one drawn
    window: str = ""  # the Qt palette's window colour; "" keeps the style's own palette
    base: str = ""  # text fields, lists
    button: str = ""
    highlight: str = ""
    pen_scale: float = 1.0  # line widths (high contrast draws thicker lines)

    @property
    def dark(self) -> bool:
        return bool(self.window)


THEMES = {
    "light": Theme("light", "Light", "#ffffff", "#222222"),
    "dark": Theme("dark", "Dark", "#1e1f22", "#d4d4d4",
                  palette=("#4aa3e8", "#ff6b6b", "#5fd068", "#ffa94d", "#c39bf0", "#d4a373", "#f79ad3",
                           "#3dd6e8", "#b0b0b0", "#d9d95c"),
                  cmaps={"CET-D1": "CET-D4", "CET-D1A": "CET-D4"},
                  window="#2b2d31", base="#1e1f22", button="#3a3d42", highlight="#3d7fd0"),
    "contrast": Theme("contrast", "High contrast", "#000000", "#ffffff",
                      palette=("#56b4e9", "#ff7b3a", "#2de0a7", "#f0e442", "#e58fcf", "#e69f00", "#ffb3e6",
                               "#7ff7ff", "#ffffff", "#c8f050"),
                      cmaps={"viridis": "cividis", "CET-D1": "CET-D1A"},
                      window="#000000", base="#000000", button="#1a1a1a", highlight="#ffff00", pen_scale=1.4),
}

_state = {"theme": THEMES["light"], "zoom": 1.0}
_base: dict = {}  # the application's own palette and font, before any theme or zoom


def current() -> Theme:
    return _state["theme"]


def zoom() -> float:
    return _state["zoom"]


# -- colours -------------------------------------------------------------------------------------
def tone(color) -> QtGui.QColor:
    """The colour ``color`` (light theme) takes in the current theme."""
    c = pg.mkColor(color)
    th = current()
    if th.name == "light":
        return c
    key = c.name().lower()
    if key in LIGHT_PALETTE:
        out = QtGui.QColor(th.palette[LIGHT_PALETTE.index(key)])
        out.setAlpha(c.alpha())
        return out
    h, s, lum, a = c.getHslF()
    contrast = th.name == "contrast"
    if s < 0.2 or h < 0:  # greys, black, white: invert the lightness
        lum2 = 1.0 - lum
        if contrast:
            lum2 = 1.0 if lum2 >= 0.45 else 0.0
        return QtGui.QColor.fromHslF(max(h, 0.0), s, lum2, a)
    if lum > 0.8:  # pale fills (notes, highlights) become deep ones
        lum2 = 1.0 - lum + 0.08
    else:  # colours lift so that they read on a dark background
        lum2 = max(lum, 0.62 if contrast else 0.58)
    return QtGui.QColor.fromHslF(h, 1.0 if contrast else s, lum2, a)


def cmap_name(name: str) -> str:
    """The colour map drawn for one a lab asks for (``"viridis"``, ``"CET-D1"``…) in the current theme."""
    return current().cmaps.get(name, name)


def scale_pt(size, z: float | None = None):
    """'10pt' -> '15pt' at zoom 1.5 (other units are left alone)."""
    z = zoom() if z is None else z
    if isinstance(size, str) and size.endswith("pt"):
        try:
            return f"{float(size[:-2]) * z:.3g}pt"
        except ValueError:
            return size
    return size


# -- the Qt side -----------------------------------------------------------------------------------
def _qt_palette(th: Theme) -> QtGui.QPalette:
    if not th.dark:
        return QtGui.QPalette(_base["palette"])
    P = QtGui.QPalette
    pal = QtGui.QPalette()
    text = QtGui.QColor(th.foreground)
    for role, col in ((P.Window, th.window), (P.WindowText, text), (P.Base, th.base), (P.AlternateBase, th.button),
                      (P.ToolTipBase, th.window), (P.ToolTipText, text), (P.Text, text), (P.Button, th.button),
                      (P.ButtonText, text), (P.BrightText, "#ffff00"), (P.Highlight, th.highlight),
                      (P.HighlightedText, "#000000" if th.name == "contrast" else "#ffffff"),
                      (P.Link, "#7ab8ff" if th.name == "dark" else "#ffff00"), (P.PlaceholderText, "#9a9a9a")):
        pal.setColor(role, QtGui.QColor(col))
    muted = QtGui.QColor("#8a8a8a")
    for role in (P.WindowText, P.Text, P.ButtonText):
        pal.setColor(P.Disabled, role, muted)
    return pal


def _remember_base(app: QtWidgets.QApplication) -> None:
    if not _base:
        _base["palette"] = QtGui.QPalette(app.palette())
        _base["font"] = QtGui.QFont(app.font())


def base_point_size() -> float:
    f = _base.get("font") or QtWidgets.QApplication.font()
    return f.pointSizeF() if f.pointSizeF() > 0 else 9.0


def _apply_app() -> None:
    app = QtWidgets.QApplication.instance()
    _remember_base(app)
    th = current()
    pg.setConfigOptions(background=th.background, foreground=th.foreground)
    app.setPalette(_qt_palette(th))
    font = QtGui.QFont(_base["font"])
    font.setPointSizeF(base_point_size() * zoom())
    app.setFont(font)


def std_icon(which: QtWidgets.QStyle.StandardPixmap) -> QtGui.QIcon:
    """The style's standard icon (play, step, reset...) drawn in the theme's foreground colour on dark
    themes, where the style's dark glyphs would vanish; as the style draws it in the light theme."""
    icon = QtWidgets.QApplication.style().standardIcon(which)
    if not current().dark:
        return icon
    out = QtGui.QIcon()
    for size in (16, 24, 32, 48):
        img = icon.pixmap(size, size).toImage().convertToFormat(QtGui.QImage.Format_ARGB32_Premultiplied)
        p = QtGui.QPainter(img)
        p.setCompositionMode(QtGui.QPainter.CompositionMode_SourceIn)
        p.fillRect(img.rect(), QtGui.QColor(current().foreground))
        p.end()
        out.addPixmap(QtGui.QPixmap.fromImage(img))
    return out


def set_std_icon(action: QtGui.QAction, which: QtWidgets.QStyle.StandardPixmap) -> None:
    """Give ``action`` a standard icon that follows theme changes."""
    action.setProperty("std_icon", int(which.value) if hasattr(which, "value") else int(which))
    action.setIcon(std_icon(which))


def _retint_actions(root: QtWidgets.QWidget) -> None:
    for act in root.findChildren(QtGui.QAction):
        which = act.property("std_icon")
        if which is not None:
            act.setIcon(std_icon(QtWidgets.QStyle.StandardPixmap(int(which))))


def apply(root: QtWidgets.QWidget | None) -> None:
    """Restyle ``root`` (a window, a view, a plot) for the current theme and zoom. Idempotent; costs a walk
    over its widgets and plot items, so call it when the theme or zoom changes or a view is built."""
    from . import restyle

    if root is not None:
        restyle.restyle_tree(root)
        if isinstance(root, QtWidgets.QMainWindow):
            _retint_actions(root)


def adopt(widget: QtWidgets.QWidget) -> None:
    """For widgets built by ``make_plot``/``HeatMap``: style a new plot for the current theme and zoom
    right away (nothing to do in the light theme at zoom 1)."""
    if current().name != "light" or zoom() != 1.0:
        apply(widget)


def set_theme(name: str, window: QtWidgets.QWidget | None = None, *, save: bool = True) -> None:
    if name not in THEMES:
        name = "light"
    _state["theme"] = THEMES[name]
    _apply_app()
    apply(window)
    if save:
        QtCore.QSettings().setValue("ui/theme", name)


def set_zoom(z: float, window: QtWidgets.QWidget | None = None, *, save: bool = True) -> None:
    z = float(min(max(z, ZOOMS[0]), ZOOMS[-1]))
    _state["zoom"] = z
    _apply_app()
    apply(window)
    if save:
        QtCore.QSettings().setValue("ui/zoom", z)


def step_zoom(z: float, direction: int) -> float:
    """The next zoom level above (direction 1) or below (-1) ``z``."""
    if direction > 0:
        return next((v for v in ZOOMS if v > z + 1e-6), ZOOMS[-1])
    return next((v for v in reversed(ZOOMS) if v < z - 1e-6), ZOOMS[0])


def saved() -> tuple[str, float]:
    """The theme and zoom remembered in QSettings (bad values fall back to light, 1.0)."""
    s = QtCore.QSettings()
    name = str(s.value("ui/theme", "light"))
    try:
        z = float(s.value("ui/zoom", 1.0))
    except (TypeError, ValueError):
        z = 1.0
    if not (ZOOMS[0] <= z <= ZOOMS[-1]):
        z = 1.0
    return (name if name in THEMES else "light"), z


# -- the window ------------------------------------------------------------------------------------
def install(window) -> None:
    """View ▸ Theme, View ▸ Zoom in/out/reset (Ctrl+= / Ctrl+- / Ctrl+0); the saved theme and zoom;
    new views restyled when they appear."""
    name, z = saved()
    _state["theme"], _state["zoom"] = THEMES[name], z
    _apply_app()

    menu = window.view_menu.addMenu("&Theme")
    group = QtGui.QActionGroup(window)
    window.theme_actions = {}
    for key, th in THEMES.items():
        act = menu.addAction(th.title)
        act.setCheckable(True)
        act.setChecked(key == name)
        act.setProperty("shortcut_group", "View")
        group.addAction(act)
        act.triggered.connect(lambda _=False, k=key: set_theme(k, window))
        window.theme_actions[key] = act

    def zoom_by(direction: int) -> None:
        target = 1.0 if direction == 0 else step_zoom(zoom(), direction)
        hook = getattr(window, "zoom_hook", None)  # presentation mode keeps its own zoom
        if hook is not None:
            hook(target)
        else:
            set_zoom(target, window)

    zm = window.view_menu.addMenu("&Zoom")
    for text, keys, d in (("Zoom &in", ["Ctrl+=", "Ctrl++"], 1), ("Zoom &out", ["Ctrl+-"], -1),
                          ("&Actual size", ["Ctrl+0"], 0)):
        act = zm.addAction(text)
        act.setShortcuts([QtGui.QKeySequence(k) for k in keys])
        act.setShortcutContext(QtCore.Qt.WindowShortcut)  # on the window: active while its menu bar is hidden
        act.triggered.connect(lambda _=False, d=d: zoom_by(d))
        window.addAction(act)
    window.zoom_by = zoom_by
    _hook_banner(window)
    _hook_views(window)
    apply(window)


def _hook_banner(window) -> None:
    """The window's banner sets light-theme colours with each notice: tone them as it is shown."""
    show = window.show_banner

    def show_banner(*args, **kwargs):
        show(*args, **kwargs)
        if current().name != "light" or zoom() != 1.0:
            apply(window.banner)

    window.show_banner = show_banner


def _hook_views(window) -> None:
    """Restyle a new view once it is built, and the panels it builds after a reset or config change
    (at the first full snapshot after it, and a moment later, when its staggered parts have run)."""
    pending = {"n": 0}

    def later(ms: int = 0) -> None:
        QtCore.QTimer.singleShot(ms, window, lambda: _restyle_view(window))

    def arm() -> None:
        pending["n"] = 2
        later()

    def on_snapshot(snap: dict) -> None:
        if pending["n"] and not snap.get("light"):
            pending["n"] -= 1
            later(300)

    def on_view(_index: int) -> None:
        runner = window.runner
        if runner is not None and not getattr(runner, "_theme_hooked", False):
            runner._theme_hooked = True
            runner.snapshot.connect(on_snapshot)
            runner.session_ready.connect(lambda *_: arm())
            runner.config_changed.connect(lambda *_: arm())
        arm()

    window.view_holder.currentChanged.connect(lambda i: QtCore.QTimer.singleShot(0, window, lambda: on_view(i)))
    on_view(0)


def _restyle_view(window) -> None:
    if current().name == "light" and zoom() == 1.0 and not getattr(window, "_theme_touched", False):
        return
    window._theme_touched = True
    apply(window)
