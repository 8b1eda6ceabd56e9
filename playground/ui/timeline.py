"""The timeline: a run's recording under the transport, scrubbing back, branching, and replay.

While training, every snapshot that reaches the window also goes to a bounded
:class:`playground.core.recording.Recording` (no work is added to training: snapshots arrive here
anyway). Dragging the slider (or Home/End, ``[``/``]``) redraws the lab's view from a recorded frame
and pauses training; Play resumes at the live end; *Branch here* restores the newest training state
saved at or before the frame (a quiet checkpoint every ~20 s of training, at most ~10 kept, in a temp
folder) and trains on from it, dropping the recording after it. *File ▸ Open recording…* and
``playground gui --replay FILE`` play a ``.pgrec`` file in the lab's normal view, with no training:
a :class:`playground.ui.replay.ReplayRunner` stands in for the training runner.

main_window.py calls: :func:`install` (once), ``timeline.attach(runner)`` (each new runner) and
``timeline.on_snapshot(snap)`` (each snapshot; True: recorded but not drawn, the user is looking back).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import weakref
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from playground.core import config as cfgmod
from playground.core.files import sweep_stale_folders
from playground.core.recording import Recording

from .livetext import LiveText

CKPT_EVERY_S = 20.0  # seconds of training between two saved training states (branch points)
MAX_CKPTS = 10
PLAYBACK_FPS = [("2 frames/s", 2), ("5 frames/s", 5), ("10 frames/s", 10), ("20 frames/s", 20),
                ("30 frames/s", 30)]
_CKPT_RE = re.compile(r"^ckpt-(\d+)\.pgs$")


def _max_bytes() -> int:
    """The recording's memory cap: ``PLAYGROUND_RECORDING_MB`` (300 by default; 0 turns recording off)."""
    try:
        return int(float(os.environ.get("PLAYGROUND_RECORDING_MB", 300)) * 2**20)
    except ValueError:
        return 300 * 2**20


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n < 10 * 2**20 else f"{n / 2**20:.0f} MB"


class Timeline(QtWidgets.QWidget):
    """Slider over the recorded frames, step and memory, *Branch here*, playback speed (replay)."""

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self._win = weakref.ref(window)
        self.rec = Recording("", {}, max_bytes=_max_bytes())
        self.runner = None
        self.replaying = False
        self.looking_back = False
        self._absorb = False  # the next paused snapshot is the worker's answer to our pause: keep it back
        self._live_end = 0
        self._live_snap: dict | None = None
        self._shown_step: int | None = None
        self._pending_branch: int | None = None
        self._play_s = 0.0  # seconds of training since the last saved state
        self._last_t: float | None = None
        sweep_stale_folders("playground-timeline-")  # left by killed runs: their finalizer never ran
        self._ckpt_root = tempfile.mkdtemp(prefix=f"playground-timeline-{os.getpid()}-")
        weakref.finalize(self, shutil.rmtree, self._ckpt_root, True)
        self._ckpt_dir: Path | None = None
        self._ckpt_n = 0
        self._ckpt_asked = False
        self._build()

    @property
    def window_(self):
        return self._win()

    # -- widgets -----------------------------------------------------------------------------------
    def _build(self) -> None:
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.setSpacing(6)
        self.title = QtWidgets.QLabel("Timeline")
        self.title.setToolTip("The recorded run: drag to look back (training pauses); Play resumes live.\n"
                              "Home / End: first / live frame; [ and ]: one recorded frame back / on")
        self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(10)
        self.slider.setToolTip(self.title.toolTip())
        self.slider.valueChanged.connect(self._on_slider)
        # both change at every frame: LiveText repaints them without laying the window out again
        self.step_label = LiveText("step 0", template="step 10,000,000 · frame 10,000/10,000")
        self.step_label.setMinimumWidth(150)
        self.info = LiveText("", template="10,000 frames · 300.0 MB / 300 MB")
        self.info.setToolTip("Recorded frames and the memory they take; past the cap, frames are thinned evenly")
        self.info.setMinimumWidth(190)
        self.live_btn = QtWidgets.QPushButton("Live")
        self.live_btn.setToolTip("Back to the live end (End); Play resumes training")
        self.live_btn.clicked.connect(self.go_live)
        self.branch_btn = QtWidgets.QPushButton("Branch here")
        self.branch_btn.setToolTip("Restore the newest training state saved at or before this frame and train on "
                                   "from there; the recording after it is discarded")
        self.branch_btn.clicked.connect(self.branch)
        self.speed_label = QtWidgets.QLabel("Playback")
        self.speed = QtWidgets.QComboBox()
        for label, fps in PLAYBACK_FPS:
            self.speed.addItem(label, fps)
        self.speed.setCurrentIndex(2)
        self.speed.setToolTip("Replay speed: recorded frames per second")
        self.speed.currentIndexChanged.connect(lambda _i: self._replay_runner() and self._replay_runner().set_fps(
            self.playback_fps()))
        for w in (self.title, self.slider, self.step_label, self.info, self.live_btn, self.branch_btn,
                  self.speed_label, self.speed):
            lay.addWidget(w, 1 if w is self.slider else 0)
        self._update_controls()

    def playback_fps(self) -> int:
        return int(self.speed.currentData() or 10)

    def _replay_runner(self):
        return self.runner if self.replaying else None

    def index(self) -> int:
        return self.slider.value()

    def _update_controls(self) -> None:
        n = len(self.rec)
        self.live_btn.setVisible(not self.replaying)
        self.live_btn.setEnabled(self.looking_back)
        self.branch_btn.setVisible(not self.replaying)
        self.branch_btn.setEnabled(self.looking_back and self._branch_point() is not None)
        self.speed_label.setVisible(self.replaying)
        self.speed.setVisible(self.replaying)
        if self.rec.max_bytes <= 0 and not self.replaying:
            self.info.setText("recording off")
        else:
            self.info.setText(f"{n:,} frame{'s' if n != 1 else ''} · {_mb(self.rec.nbytes)} / "
                              f"{_mb(self.rec.max_bytes)}" if not self.replaying else
                              f"{n:,} frames · replay")
        if n:
            i = min(self.slider.value(), n - 1)
            step = self.rec.frames[i][0]
            where = "live" if not (self.looking_back or self.replaying) else f"frame {i + 1:,}/{n:,}"
            self.step_label.setText(f"step {step:,} · {where}")
        else:
            self.step_label.setText("no frames yet")

    def _set_slider(self, i: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.rec) - 1))
        self.slider.setValue(i)
        self.slider.blockSignals(False)

    # -- live recording ----------------------------------------------------------------------------
    def attach(self, runner) -> None:
        """A new runner (a lab was loaded): record from it, live."""
        self.runner = runner
        if self.replaying:
            self.replaying = False
            self.window_.params.setEnabled(True)
        self.looking_back = self._absorb = False
        self._pending_branch = None
        runner.session_ready.connect(self._new_recording)
        runner.config_changed.connect(self._on_config_changed)
        runner.playing_changed.connect(self._on_playing)
        self._new_recording(runner.config)

    def _new_recording(self, config) -> None:
        spec = self.window_.spec
        self.rec = Recording(spec.name if spec else "", cfgmod.to_dict(config) if config is not None else {},
                             max_bytes=_max_bytes())
        self.window_.recording = self.rec
        self.looking_back = self._absorb = False
        self._shown_step = None
        self._live_snap = None
        if self._ckpt_dir is not None:
            shutil.rmtree(self._ckpt_dir, ignore_errors=True)
        self._ckpt_n += 1
        self._ckpt_dir = Path(self._ckpt_root) / f"run-{self._ckpt_n}"
        self._ckpt_dir.mkdir(parents=True, exist_ok=True)
        self._play_s, self._last_t, self._ckpt_asked = 0.0, None, False
        self._set_slider(0)
        self._update_controls()

    def _on_config_changed(self, config) -> None:
        self.rec.config = cfgmod.to_dict(config)

    def _on_playing(self, on: bool) -> None:
        if on and self.looking_back and not self.replaying:
            self.go_live()

    def on_snapshot(self, snap: dict) -> bool:
        """Record a live snapshot; True when it must not be drawn (the user is looking back)."""
        if self.replaying or self.rec.max_bytes <= 0:  # PLAYGROUND_RECORDING_MB=0: recording off
            return False
        step = int(snap.get("step", 0))
        self.rec.add(snap)
        self._live_snap = snap
        if not snap.get("light"):
            self._maybe_checkpoint(snap, step)
        if self._pending_branch is not None and not snap.get("light") and step <= self._pending_branch:
            self._pending_branch = None
            self.looking_back = False
            self._prune_ckpts(after=step)
            self._set_slider(len(self.rec) - 1)
            self._update_controls()
            if self.runner is not None:
                self.runner.play()
            return False
        if not self.looking_back:
            if not snap.get("light") or self.slider.maximum() != len(self.rec) - 1:
                self._set_slider(len(self.rec) - 1)
                self._update_controls()
            return False
        # looking back: keep the frame, leave the view as it is
        if self._absorb and not snap.get("playing"):
            self._absorb = False
            self._live_end = step
        elif not snap.get("playing") and not self._absorb and step > self._live_end:
            self.looking_back = False  # the user stepped: back to live
            self._set_slider(len(self.rec) - 1)
            self._update_controls()
            return False
        self._set_slider(self.rec.index_at(self._shown_step) if self._shown_step is not None else 0)
        self._update_controls()
        return True

    # -- branch points -----------------------------------------------------------------------------
    def _maybe_checkpoint(self, snap: dict, step: int) -> None:
        now = time.perf_counter()
        if snap.get("playing") and self._last_t is not None:
            self._play_s += now - self._last_t
        self._last_t = now
        first = not self._ckpt_asked
        if self.runner is None or self._ckpt_dir is None or not (first or self._play_s >= CKPT_EVERY_S):
            return
        if hasattr(self.runner, "checkpoint"):
            self._play_s, self._ckpt_asked = 0.0, True
            self.runner.checkpoint(str(self._ckpt_dir / "ckpt-{step:09d}.pgs"))
            self._prune_ckpts()

    def _ckpts(self) -> list[tuple[int, Path]]:
        if self._ckpt_dir is None or not self._ckpt_dir.is_dir():
            return []
        out = []
        for p in self._ckpt_dir.iterdir():
            m = _CKPT_RE.match(p.name)
            if m:
                out.append((int(m.group(1)), p))
        return sorted(out)

    def _prune_ckpts(self, after: int | None = None) -> None:
        """At most MAX_CKPTS, spread over the run (every other old one goes); none after a branch point."""
        ck = self._ckpts()
        if after is not None:
            for s, p in ck:
                if s > after:
                    p.unlink(missing_ok=True)
            ck = [c for c in ck if c[0] <= after]
        if len(ck) > MAX_CKPTS:
            for k, (_s, p) in enumerate(ck[:-1]):
                if k % 2:
                    p.unlink(missing_ok=True)

    def _branch_point(self) -> tuple[int, Path] | None:
        if self._shown_step is None:
            return None
        ok = [c for c in self._ckpts() if c[0] <= self._shown_step]
        return ok[-1] if ok else None

    def branch(self) -> None:
        """Restore the newest saved state at or before the shown frame and train on from it."""
        point = self._branch_point()
        if point is None or self.runner is None or not hasattr(self.runner, "restore"):
            self.window_.show_banner("No training state was saved at or before this frame.", kind="info")
            return
        step, path = point
        self._pending_branch = step
        self.runner.restore(str(path))

    # -- looking at a frame ------------------------------------------------------------------------
    def _on_slider(self, i: int) -> None:
        self.show_index(i)

    def show_index(self, i: int) -> None:
        """Draw recorded frame ``i`` in every view of the lab (pausing training while looking back)."""
        n = len(self.rec)
        if n == 0:
            return
        i = max(0, min(int(i), n - 1))
        w = self.window_
        if not self.replaying and i == n - 1 and self.looking_back and self.runner is not None \
                and not self.runner.playing:
            self.go_live()
            return
        if not self.replaying and not self.looking_back:
            if i == n - 1:
                self._set_slider(i)
                return
            self.looking_back = True
            live = self._live_snap
            self._live_end = int(live.get("step", 0)) if live is not None else self.rec.frames[-1][0]
            if self.runner is not None and self.runner.playing:
                self._absorb = True
                self.runner.pause()
        step, _ = self.rec.frames[i]
        self._shown_step = step
        frame = self.rec.frame_at(step)
        self._set_slider(i)
        if self.replaying:
            self.runner.snapshot.emit(frame)  # through the window, like a live one
            w.status_rate.setText(f"replay · {self.playback_fps()} frames/s" if self.runner.playing
                                  else "replay · paused")
        elif w.view is not None:
            w.view.set_snapshot(frame)
            w.status_step.setText(f"step {step:,} (recorded)")
            w.status_rate.setText("looking back")
        self._update_controls()

    def step_frames(self, k: int) -> None:
        self.show_index(self.slider.value() + k)

    def go_live(self) -> None:
        """Back to the newest state: the view shows the live end again (Play resumes training)."""
        if self.replaying:
            self.show_index(len(self.rec) - 1)
            return
        was = self.looking_back
        self.looking_back = self._absorb = False
        self._pending_branch = None
        self._shown_step = None
        self._set_slider(max(0, len(self.rec) - 1))
        self._update_controls()
        w = self.window_
        if was and self._live_snap is not None and w.view is not None:
            live = self._live_snap
            w._last_snapshot = live
            w.view.set_snapshot(live)
            w.status_step.setText(f"step {live.get('step', 0):,}")

    def home(self) -> None:
        self.show_index(0)

    def end(self) -> None:
        self.go_live() if not self.replaying else self.show_index(len(self.rec) - 1)

    # -- replay ------------------------------------------------------------------------------------

    def start_replay(self, rec: Recording, label: str = "") -> None:
        """Show ``rec`` in its lab's view with no training (the window's runner is replaced)."""
        from .replay import start_replay

        start_replay(self, rec, label)


def install(window) -> Timeline:
    """Add the timeline above the lab's view, its keys and the File menu's recording entries."""
    from .replay import _open_dialog, _save_dialog

    tl = Timeline(window)
    window.timeline = tl
    window.recording = tl.rec
    lay = window.centralWidget().layout()
    lay.insertWidget(0, tl)
    for key, fn in (("Home", tl.home), ("End", tl.end), ("[", lambda: tl.step_frames(-1)),
                    ("]", lambda: tl.step_frames(1))):
        sc = QtGui.QShortcut(QtGui.QKeySequence(key), window)
        sc.activated.connect(fn)
    file_menu = window.menuBar().actions()[0].menu()
    before = next((a for a in file_menu.actions() if a.text().startswith("Save &screenshot")), None)
    save_act = QtGui.QAction("Save &recording…", window)
    save_act.setToolTip("Every recorded frame, the metric history and the config in one .pgrec file")
    save_act.triggered.connect(lambda: _save_dialog(window))
    open_act = QtGui.QAction("Open re&cording…", window)
    open_act.setToolTip("Play a .pgrec recording back in its lab's view (nothing trains)")
    open_act.triggered.connect(lambda: _open_dialog(window))
    file_menu.insertActions(before, [save_act, open_act])
    if before is not None:
        file_menu.insertSeparator(before)
    return tl
