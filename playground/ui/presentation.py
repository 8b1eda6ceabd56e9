"""Presentation mode (View ▸ Presentation, F5; Esc leaves) and the spotlight (one panel maximised).

In presentation mode the window hides its menus, toolbar, docks and status bar, goes full screen, zooms
(1.5 on a 1080-line screen, 1.3 on a 720-line one, never so far that the lab no longer fits; Ctrl+= / Ctrl+-
change it for the rest of the session) and shows a slim bar with the lab,
the preset, the step and the lab's headline numbers (``LabView.headline``). One key per action: Space
play/pause and → step (the window's own keys), R reset, 1–9 the lab's presets in order, + / − speed, T the
timeline (when the window has one), Tab / Shift+Tab the spotlight. Leaving restores everything as it was.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from . import theme

PRESENTATION_ZOOM = 1.5


def auto_zoom(screen_height: int, dense: bool = False) -> float:
    """Presentation zoom for a screen: 1.5 on a 1080-line projector, less on a 720-line one (where 1.5
    leaves the busiest labs no room), more on a 4K screen. ``dense`` views (many panels side by side:
    ``LabView.dense``) get one step less: on 720 lines their plots keep room for axes and colour bars."""
    z = 1.3 if screen_height < 900 else 1.5 if screen_height < 1500 else 2.0
    return {1.3: 1.0, 1.5: 1.3, 2.0: 1.75}[z] if dense else z


def _in_layout(layout: QtWidgets.QLayout | None, w: QtWidgets.QWidget) -> bool:
    if layout is None:
        return False
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item.widget() is w or (item.layout() is not None and _in_layout(item.layout(), w)):
            return True
    return False


class Spotlight:
    """One panel of a view maximised: everything else on its way up to the view is hidden (and tab bars
    above it); ``clear`` shows exactly what was shown, with the same splitter sizes and current tabs."""

    def __init__(self, window):
        self.window = window
        self.name: str | None = None
        self.view = None
        self._names: list[str] = []
        self._undo: list = []

    def names(self) -> list[str]:
        """The view's panels that apply (while one is spotlit, the list from before: the others are hidden)."""
        if self.name is not None and self.view is self.window.view:
            return list(self._names)
        view = self.window.view
        return list(view.panels()) if view is not None else []

    def set(self, name: str | None) -> None:
        self.clear()
        view = self.window.view
        if name is None or view is None:
            return
        panels = view.panels()
        panel = panels.get(name)
        if panel is None:
            return
        self._names = list(panels)
        undo = self._undo
        w = panel
        while w is not None and w is not view:  # remember the tabs show_panel will change
            parent = w.parentWidget()
            if isinstance(parent, QtWidgets.QStackedWidget):
                undo.append(lambda s=parent, c=parent.currentWidget(): s.setCurrentWidget(c))
                tabs = parent.parentWidget()
                if isinstance(tabs, QtWidgets.QTabWidget):
                    undo.append(lambda t=tabs, i=tabs.currentIndex(): t.setCurrentIndex(i))
            w = parent
        view.show_panel(name)
        w = panel
        while w is not None and w is not view:
            parent = w.parentWidget()
            if parent is None:
                break
            if isinstance(parent, QtWidgets.QStackedWidget):
                tabs = parent.parentWidget()
                if isinstance(tabs, QtWidgets.QTabWidget) and not tabs.tabBar().isHidden():
                    tabs.tabBar().hide()
                    undo.append(tabs.tabBar().show)
            else:
                siblings = []
                if isinstance(parent, QtWidgets.QSplitter):
                    undo.append(lambda s=parent, sz=parent.sizes(): s.setSizes(sz))
                    siblings = [parent.widget(i) for i in range(parent.count())]
                elif parent.layout() is not None:
                    siblings = [c for c in parent.findChildren(QtWidgets.QWidget,
                                                               options=QtCore.Qt.FindDirectChildrenOnly)
                                if _in_layout(parent.layout(), c)]
                for sib in siblings:
                    if sib is not w and not sib.isHidden():
                        sib.hide()
                        undo.append(sib.show)
            w = parent
        self.name, self.view = name, view

    def clear(self) -> None:
        undo, self._undo = self._undo, []
        if self.view is self.window.view:  # a view that was replaced is gone with its layout
            for fn in reversed(undo):
                try:
                    fn()
                except RuntimeError:  # a panel deleted meanwhile
                    pass
        self.name, self.view = None, None

    def cycle(self, direction: int = 1) -> str | None:
        """None -> first panel -> ... -> last -> None (Tab); Shift+Tab goes back."""
        names = [None, *self.names()]
        i = names.index(self.name) if self.name in names else 0
        self.set(names[(i + direction) % len(names)])
        return self.name


class PresentationBar(QtWidgets.QFrame):
    """The slim bar: lab and preset, step, the headline numbers, playing or paused, speed, the keys."""

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.setObjectName("presentation_bar")
        self.setFrameShape(QtWidgets.QFrame.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QtGui.QPalette.AlternateBase)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(8, 2, 8, 2)
        lay.setSpacing(18)
        self.title = QtWidgets.QLabel()
        self.step = QtWidgets.QLabel()
        self.numbers = QtWidgets.QLabel()
        self.state = QtWidgets.QLabel()
        self.keys = QtWidgets.QLabel("Esc leaves · Tab spotlight")
        self.keys.setEnabled(False)  # muted
        self.keys.setToolTip("Space play/pause · → step · R reset · 1–9 presets · + / − speed · T timeline · "
                             "Tab spotlight · Ctrl+= / Ctrl+- zoom · F5 or Esc leave")
        for lab in (self.title, self.step, self.numbers, self.state):
            lab.setTextFormat(QtCore.Qt.RichText)
        for w in (self.title, self.step, self.numbers):
            lay.addWidget(w)
        for w in (self.numbers, self.keys):  # long texts are cut, never widen the window past the screen
            w.setSizePolicy(QtWidgets.QSizePolicy.Ignored, QtWidgets.QSizePolicy.Preferred)
            w.setMinimumWidth(0)
        lay.setStretchFactor(self.numbers, 4)
        lay.setStretchFactor(self.keys, 1)
        lay.addWidget(self.state)
        lay.addWidget(self.keys)
        self.setSizePolicy(QtWidgets.QSizePolicy.Preferred, QtWidgets.QSizePolicy.Fixed)
        self._shown: tuple = ()

    def refresh(self) -> None:
        win = self.window
        snap = win._last_snapshot or {}
        spec = win.spec
        view = win.view
        try:
            numbers = view.headline(snap) if (view is not None and snap) else []
        except (KeyError, TypeError, ValueError, IndexError):  # a snapshot without the keys yet
            numbers = []
        preset = win.preset_combo.currentText()
        playing = bool(snap.get("playing")) and win.play_act.text() == "Pause"
        spot = getattr(win.presentation.spotlight, "name", None)
        shown = (spec.title if spec else "", preset, snap.get("step", 0), tuple(numbers), playing,
                 win.speed_combo.currentText(), spot)
        if shown == self._shown:
            return
        self._shown = shown
        self.title.setText(f"<b>{shown[0]}</b> · {preset}" + (f" · <i>{spot}</i>" if spot else ""))
        self.step.setText(f"step <b>{shown[2]:,}</b>")
        self.numbers.setText("   ".join(f"{label} <b>{text}</b>" for label, text in numbers))
        self.numbers.setToolTip(self.numbers.text())
        self.state.setText(("▶ training" if playing else "paused") + f" · {shown[5]}")


class Presentation(QtCore.QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.active = False
        self.zoom = PRESENTATION_ZOOM
        self._user_zoom = False
        self.spotlight = Spotlight(window)
        self.bar = PresentationBar(window)
        self.bar.hide()
        window.centralWidget().layout().insertWidget(0, self.bar)
        self._saved: dict = {}
        self._timer = QtCore.QTimer(self, interval=250, timeout=self.bar.refresh)
        self.actions: dict[str, QtGui.QAction] = {}

        self.toggle_act = self._action("Presentation mode", ["F5"], self.toggle, group="View", always=True)
        self.toggle_act.setCheckable(True)
        window.view_menu.addSeparator()
        window.view_menu.addAction(self.toggle_act)
        self.spot_menu = window.view_menu.addMenu("Spotlight panel")
        self.spot_menu.aboutToShow.connect(self._fill_spot_menu)
        self._action("Leave presentation mode", ["Esc"], self.leave)
        self._action("Reset training", ["R"], window.reset)
        for i in range(9):
            self._action("Load the lab's presets, in the menu's order", [str(i + 1)],
                         lambda i=i: self.load_preset(i), key=f"Load preset {i + 1}")
        self._action("Faster", ["+", "="], lambda: self.speed(-1))
        self._action("Slower", ["-"], lambda: self.speed(1))
        self._action("Show / hide the timeline", ["T"], self.timeline)
        self._action("Spotlight the next panel", ["Tab"], lambda: self.spotlight_next(1))
        self._action("Spotlight the previous panel", ["Shift+Tab", "Backtab"], lambda: self.spotlight_next(-1))
        window.view_holder.currentChanged.connect(lambda _i: self.spotlight.clear())

    def _action(self, text: str, keys: list[str], fn, *, group: str = "Presentation", always: bool = False,
                key: str | None = None):
        act = QtGui.QAction(text, self.window)
        act.setShortcuts([QtGui.QKeySequence(k) for k in keys])
        act.setShortcutContext(QtCore.Qt.WindowShortcut)
        act.setProperty("shortcut_group", group)
        act.triggered.connect(lambda _=False: fn())
        act.setEnabled(always)
        self.window.addAction(act)  # active while the menu bar is hidden
        if not always:
            self.actions[key or text] = act
        return act

    # -- mode -------------------------------------------------------------------------------------------
    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def fit(self, width: int, height: int) -> None:
        """Lower the zoom (not below 1) until the window's content fits ``width`` × ``height``: a busy lab at
        1.5 on a 1280×720 projector would otherwise be cut at the screen's edge."""
        win = self.window
        while self.zoom > 1.0:
            need = win.minimumSizeHint().expandedTo(win.centralWidget().minimumSizeHint())
            if need.width() <= width and need.height() <= height:
                break
            self.set_zoom(theme.step_zoom(self.zoom, -1), user=False)

    def enter(self, *, fullscreen: bool = True, size: tuple[int, int] | None = None) -> None:
        """``size``: the screen to fit (default: the window's screen when full screen)."""
        if self.active:
            return
        win = self.window
        self._saved = {
            "state": win.windowState(),
            "geometry": win.geometry(),
            "layout": win.saveState(),
            "zoom": theme.zoom(),
            "shown": [w for w in (win.menuBar(), win.statusBar(), *win.findChildren(QtWidgets.QToolBar),
                                  *win.findChildren(QtWidgets.QDockWidget)) if not w.isHidden()],
        }
        for w in self._saved["shown"]:
            w.hide()
        self.active = True
        for act in self.actions.values():
            act.setEnabled(True)
        self.toggle_act.setChecked(True)
        win.zoom_hook = self.set_zoom
        theme.set_zoom(self.zoom, win, save=False)
        self.bar.show()
        self.bar.refresh()
        self._timer.start()
        screen = win.screen()
        if size is None and fullscreen and screen is not None:
            size = (screen.geometry().width(), screen.geometry().height())
        if size is not None:
            if not self._user_zoom:
                self.set_zoom(auto_zoom(size[1], bool(getattr(win.view, "dense", False))), user=False)
            self.fit(*size)
        if fullscreen and win.isVisible():
            win.showFullScreen()
        focus = QtWidgets.QApplication.focusWidget()
        if focus is not None and focus.window() is win:  # a text field would swallow R, 1–9, Space
            focus.clearFocus()

    def leave(self) -> None:
        if not self.active:
            return
        win = self.window
        self.spotlight.clear()
        self._timer.stop()
        self.bar.hide()
        self.active = False
        for act in self.actions.values():
            act.setEnabled(False)
        self.toggle_act.setChecked(False)
        win.zoom_hook = None
        theme.set_zoom(self._saved.get("zoom", 1.0), win, save=False)
        state = self._saved.get("state", QtCore.Qt.WindowNoState)
        geom = self._saved.get("geometry")
        if win.windowState() != state:  # the window first (the bars shown in full screen would resize it)
            win.setWindowState(state)
        for w in self._saved.get("shown", []):
            try:
                w.show()
            except RuntimeError:
                pass
        if geom is not None and not state & (QtCore.Qt.WindowMaximized | QtCore.Qt.WindowFullScreen):
            win.setGeometry(geom)
        win.restoreState(self._saved["layout"])  # docks and toolbars where and as wide as they were

    def set_zoom(self, z: float, *, user: bool = True) -> None:
        """Ctrl+= / Ctrl+- in presentation mode: this zoom is kept for the rest of the session."""
        self.zoom = z
        self._user_zoom = self._user_zoom or user
        theme.set_zoom(z, self.window, save=False)

    # -- one key per action ----------------------------------------------------------------------------
    def load_preset(self, i: int) -> None:
        combo = self.window.preset_combo
        if 0 <= i < combo.count():
            combo.setCurrentIndex(i)
            combo.activated.emit(i)

    def speed(self, direction: int) -> None:
        """direction -1: faster (the list goes from max speed down), 1: slower."""
        combo = self.window.speed_combo
        combo.setCurrentIndex(min(max(combo.currentIndex() + direction, 0), combo.count() - 1))
        self.bar.refresh()

    def timeline(self) -> None:
        tl = getattr(self.window, "timeline", None)
        if tl is None:
            self.window.show_banner("No timeline here: nothing is recorded.", kind="info")
            return
        for name in ("toggle", "toggle_visible"):
            if callable(getattr(tl, name, None)):
                getattr(tl, name)()
                return
        if isinstance(tl, QtWidgets.QWidget):
            tl.setVisible(not tl.isVisible())

    def spotlight_next(self, direction: int) -> None:
        self.spotlight.cycle(direction)
        self.bar.refresh()

    def _fill_spot_menu(self) -> None:
        menu = self.spot_menu
        menu.clear()
        group = QtGui.QActionGroup(menu)
        for name in [None, *self.spotlight.names()]:
            act = menu.addAction(name or "None (all panels)")
            act.setCheckable(True)
            act.setChecked(name == self.spotlight.name)
            group.addAction(act)
            act.triggered.connect(lambda _=False, n=name: (self.spotlight.set(n), self.bar.refresh()))


def install(window) -> None:
    for tb in window.findChildren(QtWidgets.QToolBar):  # saveState() names them
        if not tb.objectName():
            tb.setObjectName(tb.windowTitle().lower() or "toolbar")
    window.presentation = Presentation(window)
