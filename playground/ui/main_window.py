"""The main window: lab chooser, transport bar, parameter panel, lesson, the lab's view, status bar.

Nothing here names a lab: labs come from the registry. Torch is imported by the worker thread when
the first session is built, after the window is on screen.
"""

from __future__ import annotations

import gc
import time

from PySide6 import QtCore, QtGui, QtWidgets

from playground.core import config as cfgmod
from playground.core.registry import LabSpec, all_labs, get_lab

from . import settings as prefs_mod
from . import theme
from .about import app_icon
from .banner import Banner
from .lesson_driver import install as install_lessons
from .livetext import LiveText
from .params import ParamPanel
from .runner import Runner
from .timeline import install as install_timeline

SPEEDS = [("Max speed", 0.0), ("1000 steps/s", 1000.0), ("100 steps/s", 100.0), ("30 steps/s", 30.0),
          ("10 steps/s", 10.0), ("2 steps/s", 2.0)]


def _session_factory(spec: LabSpec, device: str, seed: int):
    def make(config):
        return spec.make_session(config, device=device, seed=seed)

    return make


class MainWindow(QtWidgets.QMainWindow):
    lab_loaded = QtCore.Signal(str)  # after load_lab built the view and the runner

    def __init__(self, lab: str | None = None, preset: str | None = None, *, device: str = "auto", seed: int = 0,
                 overrides: dict | None = None, autostart: bool = False, start: bool = True,
                 runner: str = "thread"):
        """``runner``: "thread" trains on a QThread of this process (tests reach ``runner.session``);
        "process" trains in a worker process (the app: drawing never competes with training)."""
        super().__init__()
        self.setWindowTitle("Generative AI Playground")
        self.setWindowIcon(app_icon())
        self.resize(1366, 768)
        self.device, self.seed = device, seed
        self.runner: Runner | None = None
        self.view = None
        self.spec: LabSpec | None = None
        self._last_snapshot: dict | None = None
        self._snap_times: list[float] = []
        self._start = start  # False: no training thread (snapshot rendering)
        self._runner_kind = runner
        self._build_ui()
        install_timeline(self)  # the recording, timeline slider and File ▸ recording entries
        install_lessons(self)  # the Lessons menu and the guided-lesson panel (window.lesson_driver)
        self.prefs = prefs_mod.install(self)  # settings, setups, run history, autosave
        labs = all_labs()
        name = lab or self.prefs.last_lab() or next(iter(labs))
        self.load_lab(name, preset, overrides=overrides, autostart=autostart)
        from . import export, presentation, shortcuts, theme  # File ▸ Export…, themes, presentation, Help ▸ Keys

        for feature in (export, theme, presentation, shortcuts):
            feature.install(self)

    # -- UI ----------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        tb = QtWidgets.QToolBar("Transport")
        tb.setMovable(False)
        tb.setIconSize(QtCore.QSize(18, 18))
        self.addToolBar(tb)
        tb.addWidget(QtWidgets.QLabel(" Lab "))
        self.lab_combo = QtWidgets.QComboBox()
        for spec in all_labs().values():
            self.lab_combo.addItem(spec.title, spec.name)
            self.lab_combo.setItemData(self.lab_combo.count() - 1, spec.description, QtCore.Qt.ToolTipRole)
        self.lab_combo.activated.connect(lambda i: self.load_lab(self.lab_combo.itemData(i)))
        tb.addWidget(self.lab_combo)
        tb.addWidget(QtWidgets.QLabel("  Preset "))
        self.preset_combo = QtWidgets.QComboBox()
        self.preset_combo.setMinimumWidth(150)
        self.preset_combo.activated.connect(self._on_preset)
        tb.addWidget(self.preset_combo)
        tb.addSeparator()
        self.play_act = QtGui.QAction("Play", self)
        self.play_act.setToolTip("Play / pause training (Space)")
        self.play_act.triggered.connect(self.toggle_play)
        self.step_act = QtGui.QAction("Step", self)
        self.step_act.setToolTip("One training step (→ or .)")
        self.step_act.triggered.connect(self.step_once)
        self.reset_act = QtGui.QAction("Reset", self)
        self.reset_act.setToolTip("Restart training from new random weights (Ctrl+R)")
        self.reset_act.triggered.connect(self.reset)
        for a, icon in ((self.play_act, QtWidgets.QStyle.SP_MediaPlay),
                        (self.step_act, QtWidgets.QStyle.SP_MediaSeekForward),
                        (self.reset_act, QtWidgets.QStyle.SP_BrowserReload)):
            theme.set_std_icon(a, icon)  # drawn light on a dark theme
            tb.addAction(a)
        tb.setToolButtonStyle(QtCore.Qt.ToolButtonTextBesideIcon)
        tb.addWidget(QtWidgets.QLabel("  Speed "))
        self.speed_combo = QtWidgets.QComboBox()
        for label, v in SPEEDS:
            self.speed_combo.addItem(label, v)
        self.speed_combo.setToolTip("Cap the training rate: slow it down to narrate each step")
        self.speed_combo.currentIndexChanged.connect(
            lambda i: self.runner and self.runner.set_speed(self.speed_combo.itemData(i)))
        tb.addWidget(self.speed_combo)

        for keys, fn in ((["Space"], self.toggle_play), (["Right", "."], self.step_once), (["Ctrl+R"], self.reset),
                         (["F11"], self.toggle_fullscreen)):
            for k in keys:
                sc = QtGui.QShortcut(QtGui.QKeySequence(k), self)
                sc.activated.connect(fn)

        menu = self.menuBar().addMenu("&File")
        a = menu.addAction("&Save session…", self.save_dialog)
        a.setShortcut(QtGui.QKeySequence.Save)
        a = menu.addAction("&Open session…", self.open_dialog)
        a.setShortcut(QtGui.QKeySequence.Open)
        menu.addAction("Save &screenshot…", self.screenshot_dialog)
        menu.addSeparator()
        menu.addAction("&Quit", self.close, QtGui.QKeySequence.Quit)
        self.view_menu = self.menuBar().addMenu("&View")
        self.view_menu.addAction("Full screen", self.toggle_fullscreen, QtGui.QKeySequence("F11"))
        self.menuBar().addMenu("&Help").addAction("&About Generative AI Playground…", self.show_about)

        central = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(central)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(2)
        self.banner = Banner()
        self.banner.lower_lr.clicked.connect(self.lower_learning_rates)
        self.banner.reset.clicked.connect(self.reset)
        # handles tests and other modules use
        self.banner_text, self.banner_lower_lr = self.banner.text, self.banner.lower_lr
        self.banner_reset, self.banner_details = self.banner.reset, self.banner.details_btn
        lay.addWidget(self.banner)
        self.view_holder = QtWidgets.QStackedWidget()
        lay.addWidget(self.view_holder, 1)
        self.setCentralWidget(central)

        self.params = ParamPanel()
        self.params.changed.connect(self._on_param_changed)
        self.lesson = QtWidgets.QTextBrowser()
        self.lesson.setOpenExternalLinks(True)
        self.side_tabs = QtWidgets.QTabWidget()
        self.side_tabs.addTab(self.params, "Parameters")
        self.side_tabs.addTab(self.lesson, "Lesson")
        dock = QtWidgets.QDockWidget("Controls", self)
        dock.setObjectName("controls")
        dock.setWidget(self.side_tabs)
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetMovable | QtWidgets.QDockWidget.DockWidgetClosable)
        self.addDockWidget(QtCore.Qt.LeftDockWidgetArea, dock)
        self.resizeDocks([dock], [300], QtCore.Qt.Horizontal)
        self.view_menu.addAction(dock.toggleViewAction())

        sb = self.statusBar()
        self.status_device = QtWidgets.QLabel("Loading PyTorch…")
        # the step and the rate change at every frame: LiveText repaints them without a relayout
        self.status_step = LiveText("step 0", template="step 10,000,000 (recorded)")
        self.status_rate = LiveText("", template="replay · 30 frames/s")
        for w in (self.status_device, self.status_step, self.status_rate):
            w.setMinimumWidth(110)
            sb.addPermanentWidget(w)

    # -- labs --------------------------------------------------------------------------------------
    def load_lab(self, name: str, preset: str | None = None, *, overrides: dict | None = None,
                 autostart: bool = False) -> None:
        spec = get_lab(name)
        preset, overrides = self.prefs.recall(name, preset, overrides)  # the lab's remembered config
        self._stop_runner()
        self.spec = spec
        self.lab_combo.setCurrentIndex(self.lab_combo.findData(name))
        self.preset_combo.clear()
        for pname, values in spec.presets.items():
            self.preset_combo.addItem(pname, pname)
            self.preset_combo.setItemData(self.preset_combo.count() - 1, values.get("description", ""),
                                          QtCore.Qt.ToolTipRole)
        preset = preset or spec.default_preset or None
        if preset:
            self.preset_combo.setCurrentIndex(self.preset_combo.findData(preset))
        config = spec.make_config(preset, overrides)
        self.set_lesson(spec.lesson() or f"# {spec.title}\n\n{spec.description}")
        if self.view is not None:
            self.view_holder.removeWidget(self.view)
            self.view.deleteLater()
            # the old view's Python-owned Qt objects are collected here, on the UI thread; left to the
            # cyclic GC they may be freed by a worker thread, where a Qt destructor can deadlock
            QtCore.QTimer.singleShot(0, gc.collect)
        self.view = spec.view_cls()(spec)
        self.view.command.connect(lambda n, kw: self.runner and self.runner.command(n, kw))
        self.view.config_request.connect(self._on_param_changed)
        self.view.message.connect(lambda m: self.show_banner(m, kind="info"))
        self.view_holder.addWidget(self.view)
        self.view_holder.setCurrentWidget(self.view)
        self.view.set_config(config)
        self.params.build(spec.config_cls, config)
        if self._runner_kind == "process":
            from .procrunner import ProcessRunner

            self.runner = ProcessRunner(spec.name, config, device=self.device, seed=self.seed, parent=self)
        else:
            self.runner = Runner(_session_factory(spec, self.device, self.seed), config, parent=self)
        r = self.runner
        r.snapshot.connect(self._on_snapshot)
        r.playing_changed.connect(self._on_playing)
        r.diverged.connect(lambda m: self.show_banner(m, kind="diverged"))
        r.failed.connect(lambda m, d: self.show_banner(m, kind="error", details=d))
        r.notice.connect(lambda m: self.show_banner(m, kind="info"))
        r.session_ready.connect(self._on_session_ready)
        r.config_changed.connect(self._on_config_changed)
        r.config_error.connect(self._on_config_error)
        self.timeline.attach(r)  # a new recording
        r.set_speed(self.speed_combo.currentData() or 0.0)
        r.set_max_hz(min(r.max_hz, float(getattr(self.view, "max_fps", 30.0))))
        if self._start:
            r.start()
        self.status_step.setText("step 0")
        if autostart:
            r.play()
        self.lab_loaded.emit(name)

    def set_lesson(self, markdown: str) -> None:
        """Show a lesson (Markdown) with headings sized for a side panel."""
        doc = QtGui.QTextDocument()
        doc.setMarkdown(markdown)
        html_text = doc.toHtml()
        for qt_size, pt in (("xx-large", "14pt"), ("x-large", "11.5pt"), ("large", "10.5pt")):
            html_text = html_text.replace(f"font-size:{qt_size};", f"font-size:{pt};")
        self.lesson.setHtml(html_text)

    def show_config(self, config) -> None:
        """Show a config in the panel and the view without touching the session (snapshot rendering)."""
        self.params.set_config(config)
        if self.view is not None:
            self.view.set_config(config)

    def _on_preset(self, index: int) -> None:
        if self.spec is None or self.runner is None:
            return
        config = self.spec.make_config(self.preset_combo.itemData(index))
        self.params.set_config(config)
        self.view.set_config(config)
        self.runner.reset(config)
        self.show_banner(f"Preset '{self.preset_combo.itemData(index)}' loaded: training restarted.", kind="info")

    def _stop_runner(self) -> None:
        if self.runner is not None:
            self.runner.blockSignals(True)  # late snapshots of the old lab must not reach the new view
            self.runner.stop()
            self.runner.deleteLater()
            self.runner = None

    # -- transport ---------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.runner:
            self.runner.toggle()

    def step_once(self) -> None:
        if self.runner:
            self.runner.step_once()

    def reset(self) -> None:
        if self.runner:
            self.runner.reset()
            self.banner.setVisible(False)

    def toggle_fullscreen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def lower_learning_rates(self) -> None:
        cfg = self.runner.config if self.runner else None
        if cfg is None:
            return
        changes = {}
        for p in cfgmod.params(cfg):
            if p.name.startswith("lr") and p.type is float:
                changes[p.name] = max(p.lo or 0.0, getattr(cfg, p.name) / 10)
        self.runner.reset(cfgmod.validate(type(cfg), changes, base=cfg))
        self.show_banner("Learning rates divided by 10; training restarted.", kind="info")

    # -- runner events -----------------------------------------------------------------------------
    def _on_snapshot(self, snap: dict) -> None:
        if self.timeline.on_snapshot(snap):  # recorded; not drawn while the user looks back
            return
        self._last_snapshot = snap
        self._snap_times.append(time.perf_counter())
        if self.view is not None:
            self.view.set_snapshot(snap)
        self.status_step.setText(f"step {snap.get('step', 0):,}")
        rate = snap.get("steps_per_s", 0.0)
        self.status_rate.setText(f"{rate:,.0f} steps/s" if rate else "paused")

    def _on_playing(self, on: bool) -> None:
        self.play_act.setText("Pause" if on else "Play")
        theme.set_std_icon(self.play_act, QtWidgets.QStyle.SP_MediaPause if on else QtWidgets.QStyle.SP_MediaPlay)
        if not on:
            self.status_rate.setText("paused")

    def _on_session_ready(self, config) -> None:
        self.params.set_config(config)
        if self.view is not None:
            self.view.clear()
            self.view.set_config(config)
        if self.runner is not None and self.runner.device_name:
            self.status_device.setText(self.runner.device_name)

    def _on_config_changed(self, config) -> None:
        self.params.set_config(config)
        if self.view is not None:
            self.view.set_config(config)

    def _on_config_error(self, key: str, message: str) -> None:
        self.params.show_error(key, message)
        self.show_banner(message, kind="error")
        if self.runner and self.runner.config is not None:
            self.params.set_config(self.runner.config)

    def _on_param_changed(self, changes: dict) -> None:
        if self.runner is None:
            return
        try:  # refuse bad values here, before they reach the worker
            cfgmod.validate(type(self.runner.config), changes, base=self.runner.config)
        except cfgmod.ConfigError as e:
            self.params.show_error(e.key, str(e))
            return
        self.runner.set_config(changes)

    # -- banner ------------------------------------------------------------------------------------
    def show_banner(self, message: str, *, kind: str = "info", details: str = "") -> None:
        """A one-line notice above the view: ``kind`` is info (fades), error or diverged (stay)."""
        self.banner.show_message(message, kind, details)
        self.last_banner = (kind, message)

    # -- files -------------------------------------------------------------------------------------
    def save_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save session", f"{prefs_mod.last_dir('session')}/"
                                                        f"{self.spec.name}.pgs", "Playground sessions (*.pgs)")
        if path:
            prefs_mod.remember_dir("session", path)
            self.save_session(path)

    def save_session(self, path: str) -> None:
        """Save between steps; a notice says when the file is written (or why it could not be)."""
        self.runner.save(path)

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open session", prefs_mod.last_dir("session"),
                                                        "Playground sessions (*.pgs);;All (*)")
        if path:
            prefs_mod.remember_dir("session", path)
            self.open_session(path)

    def open_session(self, path: str) -> None:
        """Resume a saved session. A bad file gets a message; the current session is untouched."""
        from playground.core.checkpoint import CheckpointError, load_state

        try:
            state = load_state(path)
        except CheckpointError as e:
            self.show_banner(str(e), kind="error")
            return
        if self.spec is None or state.get("lab") != self.spec.name:
            if state.get("lab") not in all_labs():
                self.show_banner(f"{path}: unknown lab '{state.get('lab')}'", kind="error")
                return
            self.load_lab(state["lab"])
        try:
            config = cfgmod.validate(self.spec.config_cls, state["config"])
        except cfgmod.ConfigError as e:
            self.show_banner(f"{path}: incompatible configuration ({e})", kind="error")
            return

        self.runner.reset(config)
        self.runner.load(path, state)

    def screenshot_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save screenshot", "playground.png", "PNG (*.png)")
        if path:
            self.grab().save(path)

    def show_about(self) -> None:
        from .about import AboutDialog

        self.about = AboutDialog(self, device=self.runner.device_name if self.runner else "")
        self.about.open()

    # -- shutdown ----------------------------------------------------------------------------------
    def closeEvent(self, ev: QtGui.QCloseEvent) -> None:  # noqa: N802
        self._stop_runner()
        super().closeEvent(ev)
