"""Replay: a recording played back in its lab's normal view, nothing trained.

:class:`ReplayRunner` stands in for the training runner (Play/Pause/Step/Reset move through the frames at
the timeline's playback speed); :func:`start_replay` swaps it into the window; :func:`open_recording` and
:func:`save_recording_to` are *File ▸ Open recording…* / *Save recording…* without their dialogs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from playground.core.recording import (
    EXTENSION,
    Recording,
    RecordingError,
    estimate_size,
    load_recording,
    save_recording,
)

from .runner import RunnerSignals


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n < 10 * 2**20 else f"{n / 2**20:.0f} MB"


class ReplayRunner(RunnerSignals):
    """The transport's runner while a recording plays: Play/Pause/Step move through its frames."""

    session = None
    device_name = "replay"
    max_hz = 30.0

    def __init__(self, timeline, config, parent=None):
        super().__init__(parent)
        self.timeline = timeline
        self._config = config
        self._playing = False
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self._tick)

    @property
    def config(self):
        return self._config

    @property
    def playing(self) -> bool:
        return self._playing

    def _set_playing(self, on: bool) -> None:
        if on != self._playing:
            self._playing = on
            if on:
                self.timer.start(int(1000 / max(1, self.timeline.playback_fps())))
            else:
                self.timer.stop()
            self.playing_changed.emit(on)

    def play(self) -> None:
        if self.timeline.index() >= len(self.timeline.rec) - 1:
            self.timeline.show_index(0)  # at the end: play again from the start
        self._set_playing(True)

    def pause(self) -> None:
        self._set_playing(False)

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def set_fps(self, fps: float) -> None:
        if self._playing:
            self.timer.start(int(1000 / max(1, fps)))

    def _tick(self) -> None:
        i = self.timeline.index() + 1
        if i >= len(self.timeline.rec):
            self.pause()
            return
        self.timeline.show_index(i)

    def step_once(self, n: int = 1) -> None:
        self.pause()
        self.timeline.step_frames(n)

    def reset(self, config=None) -> None:
        """Reset: back to the first frame. With a config (a preset chosen, a session opened): leave the
        replay and train that config in this lab."""
        self.pause()
        if config is None:
            self.timeline.show_index(0)
            return
        from playground.core import config as cfgmod

        w = self.timeline.window_
        w.load_lab(w.spec.name, w.preset_combo.currentData(), overrides=cfgmod.to_dict(config))

    def set_config(self, changes: dict) -> None:
        self.notice.emit("This is a replay: nothing trains. Choose a lab or preset to train.")

    def command(self, name: str, kwargs=None) -> None:
        self.notice.emit("This is a replay: nothing trains. Choose a lab or preset to train.")

    def save(self, path: str) -> None:
        self.notice.emit("A replay has no training state to save: use File ▸ Save recording….")

    def load(self, path, state) -> None:
        pass

    def set_speed(self, steps_per_s: float) -> None:
        pass

    def set_max_hz(self, hz: float) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self, timeout_ms: int = 0) -> bool:
        self.timer.stop()
        return True

    def is_running(self) -> bool:
        return False

    isRunning = is_running  # noqa: N815


def start_replay(self, rec: Recording, label: str = "") -> None:
    """Show ``rec`` in its lab's view with no training (the window's runner is replaced); ``self``: the
    window's :class:`playground.ui.timeline.Timeline`."""
    w = self.window_
    start = w._start
    w._start = False  # no training worker for this lab
    try:
        w.load_lab(rec.lab, overrides=rec.config)
    finally:
        w._start = start
    w._stop_runner()
    self.replaying = True
    r = ReplayRunner(self, w.spec.make_config(None, rec.config), parent=w)
    r.snapshot.connect(w._on_snapshot)
    r.playing_changed.connect(w._on_playing)
    r.notice.connect(lambda m: w.show_banner(m, kind="info"))
    w.runner = self.runner = r
    self.rec = w.recording = rec
    self.looking_back = False
    w.params.setEnabled(False)
    w.status_device.setText("replay")
    w.status_device.setToolTip(label or "a recording: nothing trains")
    w._on_playing(False)
    self._set_slider(0)
    self.show_index(0)
    self._update_controls()


# -- files -------------------------------------------------------------------------------------------
def open_recording(window, path: str) -> bool:
    """Replay ``path`` in ``window``; a bad file gets one line in the banner and changes nothing."""
    try:
        rec = load_recording(path)
    except RecordingError as e:
        window.show_banner(str(e), kind="error")
        return False
    start_replay(window.timeline, rec, label=str(path))
    window.show_banner(f"Replaying {Path(path).name}: {len(rec):,} frames of the {rec.lab} lab "
                       f"(steps {rec.frames[0][0]:,}–{rec.frames[-1][0]:,})." if len(rec) else
                       f"Replaying {Path(path).name}: it has no frames.", kind="info")
    return True


def save_recording_to(window, path: str) -> int:
    rec = window.recording
    try:
        n = save_recording(rec, path)
    except OSError as e:
        window.show_banner(f"Could not save the recording: {e}", kind="error")
        return 0
    window.show_banner(f"Saved {len(rec):,} frames ({_mb(n)}) to {path}", kind="info")
    return n


def _save_dialog(window) -> None:
    rec = window.recording
    if rec is None or not len(rec):
        window.show_banner("Nothing recorded yet: press Play first.", kind="info")
        return
    size = _mb(estimate_size(rec))
    name = f"{rec.lab}{EXTENSION}"
    path, _ = QtWidgets.QFileDialog.getSaveFileName(
        window, f"Save recording: {len(rec):,} frames, about {size}", name,
        f"Playground recordings (*{EXTENSION})")
    if path:
        if not path.endswith(EXTENSION):
            path += EXTENSION
        save_recording_to(window, path)


def _open_dialog(window) -> None:
    path, _ = QtWidgets.QFileDialog.getOpenFileName(window, "Open recording", "",
                                                    f"Playground recordings (*{EXTENSION});;All (*)")
    if path:
        open_recording(window, path)
