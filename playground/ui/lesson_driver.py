"""Guided lessons in the window: the *Lessons* menu and the driver that plays a lesson's steps.

``install(window)`` adds the menu (the shipped lessons, *Open lesson file…*) and returns the window's
``LessonDriver``. The driver swaps the Lesson tab's page for a :class:`LessonPanel`, and for each step
sets the window up through its own methods (``load_lab``, ``runner.reset`` / ``set_config`` /
``command`` / ``step_once`` / ``play`` / ``pause``, ``view.show_panel``), watches the runner's snapshots
for the step's condition, pauses when it holds (or shows the fallback when the time-out comes first).
"""

from __future__ import annotations

import time
import tomllib

from PySide6 import QtCore, QtWidgets

from playground.core import config as cfgmod
from playground.core import lesson as L
from playground.core.registry import get_lab

from .highlight import Spotlight
from .lesson_panel import LessonPanel


def install(window) -> LessonDriver:
    driver = LessonDriver(window)
    window.lesson_driver = driver
    menu = QtWidgets.QMenu("&Lessons", window)
    for name, path in L.shipped().items():
        menu.addAction(_title(path, name), lambda p=path: driver.open(p))
    menu.addSeparator()
    menu.addAction("&Open lesson file…", driver.open_dialog)
    driver.stop_act = menu.addAction("&Leave the lesson", driver.stop)
    driver.stop_act.setEnabled(False)
    bar = window.menuBar()
    help_menu = bar.actions()[-1] if bar.actions() else None
    bar.insertMenu(help_menu, menu) if help_menu is not None else bar.addMenu(menu)
    driver.menu = menu
    return driver


def _title(path, name: str) -> str:
    try:
        with open(path, "rb") as f:
            return str(tomllib.load(f).get("title", name))
    except (OSError, tomllib.TOMLDecodeError):
        return name


class LessonDriver(QtCore.QObject):
    def __init__(self, window):
        super().__init__(window)
        self.win = window
        self.lesson: L.Lesson | None = None
        self.index = -1
        self.panel: LessonPanel | None = None
        self.spotlight = Spotlight(window.centralWidget())
        self._watch: dict | None = None  # the play_until in progress
        self._ran = False
        self._wait_ready = False  # a reset is on its way: snapshots before session_ready are stale
        self._connected = None
        self._timer = QtCore.QTimer(self, interval=250, timeout=self._tick)

    # -- opening and closing -----------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.win, "Open lesson", str(L.guided_dir()),
                                                        "Lessons (*.toml);;All (*)")
        if path:
            self.open(path)

    def open(self, name_or_path) -> bool:
        """Load, validate and start a lesson; a bad file gets one line in the banner, nothing changes."""
        try:
            lesson = L.load(name_or_path)
            self.check_panels(lesson)
        except (L.LessonError, FileNotFoundError) as e:
            self.win.show_banner(str(e), kind="error")
            return False
        self.start(lesson)
        return True

    def check_panels(self, lesson: L.Lesson) -> None:
        """Every ``show`` / ``highlight`` must name a panel of its lab's view (``LabView.named_panels``)."""
        names: dict[str, list[str]] = {}
        for st, fld, panel in lesson.panels_used():
            if st.lab not in names:
                view = self.win.view if self.win.spec is not None and self.win.spec.name == st.lab else None
                if view is None:
                    spec = get_lab(st.lab)
                    view = spec.view_cls()(spec)
                    names[st.lab] = list(view.named_panels())
                    view.deleteLater()
                else:
                    names[st.lab] = list(view.named_panels())
            if panel.lower() not in (n.lower() for n in names[st.lab]):
                raise L.LessonError(f"{lesson.name}: {st.label()}: field '{fld}': no panel '{panel}' in the "
                                    f"{st.lab} view (one of {', '.join(names[st.lab])})")

    def start(self, lesson: L.Lesson) -> None:
        self.stop(restore=False)
        self.lesson = lesson
        if self.panel is None:
            self.panel = LessonPanel()
            p = self.panel
            p.next_clicked.connect(self.next)
            p.back_clicked.connect(self.back)
            p.close_clicked.connect(self.stop)
            p.answered.connect(self._on_answer)
            p.guessed.connect(lambda _text: self._on_answer(None))
        tabs = self.win.side_tabs
        i = tabs.indexOf(self.win.lesson)
        if i >= 0:
            tabs.removeTab(i)
            tabs.insertTab(i, self.panel, "Lesson")
        tabs.setCurrentWidget(self.panel)
        dock = tabs.parentWidget()
        while dock is not None and not isinstance(dock, QtWidgets.QDockWidget):
            dock = dock.parentWidget()
        if dock is not None:
            dock.show()
            self.win.resizeDocks([dock], [360], QtCore.Qt.Horizontal)
        if getattr(self, "stop_act", None) is not None:
            self.stop_act.setEnabled(True)
        self.goto(0)

    def stop(self, restore: bool = True) -> None:
        """Leave the lesson: training pauses, the lab's own lesson page comes back."""
        self._end_watch()
        self.spotlight.clear()
        if self.lesson is None:
            return
        self.lesson = None
        self.index = -1
        tabs = self.win.side_tabs
        i = tabs.indexOf(self.panel)
        if i >= 0 and restore:
            tabs.removeTab(i)
            tabs.insertTab(i, self.win.lesson, "Lesson")
            tabs.setCurrentIndex(i)
        if getattr(self, "stop_act", None) is not None:
            self.stop_act.setEnabled(False)
        if self.win.runner is not None:
            self.win.runner.pause()

    @property
    def step(self) -> L.Step | None:
        return self.lesson.steps[self.index] if self.lesson and 0 <= self.index < len(self.lesson.steps) else None

    def next(self) -> None:
        if self.lesson is None:
            return
        st = self.step
        if st.question and st.question.predict and st.until is not None and not self._ran:
            self._on_answer(None)  # Next on an unanswered "predict, then see": run and see (Next only)
            return
        if self.index >= len(self.lesson.steps) - 1:
            self.stop()
            self.win.show_banner("Lesson finished. The lab is yours: change anything and press Play.")
            return
        self.goto(self.index + 1)

    def back(self) -> None:
        if self.lesson is not None and self.index > 0:
            self.goto(self.index - 1)

    # -- one step ----------------------------------------------------------------------------------
    def goto(self, index: int) -> None:
        self._end_watch()
        self._ran = False  # this step's play_until has not started yet
        self.spotlight.clear()
        self.index = index
        st = self.step
        self.panel.show_step(self.lesson, index)
        w = self.win
        try:
            self._setup(st)
        except (cfgmod.ConfigError, ValueError) as e:
            self.panel.set_status(f"{st.label()}: {e}", "error")
            return
        r = w.runner
        for name, kwargs, repeat in st.commands:
            for _ in range(repeat):
                r.command(name, kwargs)
        if st.step:
            r.step_once(st.step)
        for fld in ("show", "highlight"):
            name = getattr(st, fld)
            if name:
                panel = w.view.show_panel(name) if w.view is not None else None
                if panel is None:
                    self.panel.set_status(f"{st.label()}: field '{fld}': no panel '{name}' in this view", "error")
                elif fld == "highlight":
                    self.spotlight.highlight(panel)
        if st.pause or (st.until is None and not st.play):
            r.pause()
        if st.play and st.until is None:
            r.play()
        if st.until is not None and not (st.question and st.question.predict):
            self._begin_watch()
        elif st.question and st.question.predict:
            r.pause()
            self.panel.next_btn.setText("Run and see")
            self.panel.set_status("Make your guess (or press Run and see): the app then trains and you see.",
                                  "run")

    def _setup(self, st: L.Step) -> None:
        w = self.win
        if st.setup:
            spec = get_lab(st.lab)
            config = spec.make_config(st.preset, st.set)
            seed = st.seed if st.seed is not None else w.seed
            if w.spec is None or w.spec.name != st.lab or seed != w.seed or w.runner is None:
                w.seed = seed
                w.load_lab(st.lab, st.preset, overrides=st.set)
            else:
                w.preset_combo.setCurrentIndex(w.preset_combo.findData(st.preset))
                w.params.set_config(config)
                w.view.set_config(config)
                w.runner.reset(config)
            self._wait_ready = True
        elif st.set:
            base = w.runner.config
            new = cfgmod.validate(type(base), st.set, base=base)
            delta = cfgmod.diff(base, new)
            if delta:
                w.runner.set_config(st.set)
                self._wait_ready = not set(delta) <= cfgmod.live_keys(type(base))
        self._connect()

    def _connect(self) -> None:
        r = self.win.runner
        if self._connected is r:
            return
        r.snapshot.connect(self._on_snapshot)
        r.session_ready.connect(self._on_ready)
        self._connected = r

    def _on_ready(self, _config) -> None:
        self._wait_ready = False

    # -- questions ---------------------------------------------------------------------------------
    def _on_answer(self, i: int | None) -> None:
        st = self.step
        q = st.question if st is not None else None
        if q is None:
            return
        if q.predict:
            self.panel.lock_choices(True)
            if i is not None and q.feedback:
                self.panel.show_feedback("Your guess: " + q.choices[i] + ". Now watch…")
            else:
                self.panel.show_feedback("Now watch…")
            if self._watch is None and st.until is not None:
                self._begin_watch()
            return
        good = None if q.answer is None or i is None else i == q.answer
        text = q.feedback[i] if q.feedback and i is not None else ("Right." if good else "Not quite.")
        if q.reveal:
            text += "\n\n" + q.reveal
        self.panel.show_feedback(text, good)

    def _reveal(self) -> None:
        q = self.step.question if self.step is not None else None
        if q is None or not q.predict:
            return
        parts = [q.reveal] if q.reveal else []
        if self.panel.choice_buttons:
            picked = [j for j, b in enumerate(self.panel.choice_buttons) if b.isChecked()]
            if picked and q.feedback:
                parts.insert(0, q.feedback[picked[0]])
            if picked and q.answer is not None:
                self.panel.show_feedback("\n\n".join(parts), picked[0] == q.answer)
                return
        self.panel.show_feedback("\n\n".join(parts))

    # -- play until --------------------------------------------------------------------------------
    def _begin_watch(self) -> None:
        st = self.step
        self._ran = True
        self.panel.next_btn.setText("Finish" if self.index == len(self.lesson.steps) - 1 else "Next")
        # a metric condition is first checked on a snapshot of the session as it is (it may hold already,
        # e.g. right after a head is switched off); training starts when it does not, or after a moment
        # without snapshots (a paused session sends none unless something changed)
        self._watch = {"cond": st.until, "start": None, "t0": time.perf_counter(), "step": 0, "value": None,
                       "playing": False}
        if st.until.steps:
            self._play()
        self._timer.start()
        self._tick()

    def _play(self) -> None:
        if self._watch is not None and not self._watch["playing"]:
            self._watch["playing"] = True
            self.win.runner.play()

    def _end_watch(self) -> None:
        self._timer.stop()
        if self._watch is not None and self.win.runner is not None:
            self.win.runner.pause()
        self._watch = None

    def _on_snapshot(self, snap: dict) -> None:
        w = self._watch
        if w is None or self._wait_ready:
            return
        step = int(snap.get("step", 0))
        if w["start"] is None:
            w["start"] = step
        w["step"] = step
        cond: L.Condition = w["cond"]
        if cond.steps:
            met = step - w["start"] >= cond.steps
        else:
            w["value"] = L.metric_value(cond.metric, step, snap.get("history"), snap.get("metrics"), snap)
            met = cond.met(w["value"])
        if met:
            self._finish(True)
        elif self.step.timeout_steps and step - w["start"] >= self.step.timeout_steps:
            self._finish(False)
        else:
            self._play()

    def _tick(self) -> None:
        w, st = self._watch, self.step
        if w is None or st is None:
            return
        now = time.perf_counter()
        secs = now - w["t0"]
        if not self._wait_ready:  # no snapshot a second after the session is ready: play anyway
            w.setdefault("ready_at", now)
            if now - w["ready_at"] >= 1.0:
                self._play()
        if secs >= st.timeout_s:
            self._finish(False)
            return
        done = w["step"] - (w["start"] or 0)
        value = "" if w["value"] is None or w["cond"].steps else f" (now {w['value']:.3g})"
        self.panel.set_status(f"Training until {w['cond'].describe()} … {done:,} steps{value}", "run")

    def _finish(self, met: bool) -> None:
        w, st = self._watch, self.step
        self._timer.stop()
        self._watch = None
        self.win.runner.pause()
        cond = w["cond"]
        if met:
            value = "" if w["value"] is None or cond.steps else f" (value {w['value']:.3g})"
            self.panel.set_status(f"✔ Reached {cond.describe()} at step {w['step']:,}{value}. Paused.", "met")
        else:
            why = st.fallback or f"It did not happen within the time-out ({cond.describe()} not reached)."
            self.panel.set_status(f"Paused: {why}", "timeout")
        self._reveal()
