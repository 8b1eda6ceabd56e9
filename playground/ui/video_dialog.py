"""*File ▸ Export video…*: the lab (or one panel) across the window's recording, or a range of it, as MP4 or
GIF at a chosen size and frame rate, with a progress dialog whose Cancel leaves no file behind."""

from __future__ import annotations

import os

from PySide6 import QtCore, QtWidgets

from .video import VideoCancelled, VideoError, export_video

SIZES = [(1280, 720), (1920, 1080), (854, 480), (640, 360), (800, 800), (480, 480)]
WHOLE = "Whole lab view"


def recording_source(window):
    """``(frames, config, history)`` of the window's recording (the live one or a replayed file), or None."""
    rec = getattr(window, "recording", None)
    frames = list(getattr(rec, "frames", None) or [])
    if rec is None or not frames or window.spec is None:
        return None
    if getattr(rec, "lab", window.spec.name) != window.spec.name:
        return None
    config = window.runner.config if window.runner is not None and window.runner.config is not None else None
    if getattr(rec, "config", None):
        try:
            config = window.spec.make_config(None, dict(rec.config))
        except Exception:  # noqa: BLE001 - a config this version refuses: draw with the window's
            pass
    return frames, config, getattr(rec, "history", None)


class VideoDialog(QtWidgets.QDialog):
    def __init__(self, window, frames, config, history):
        super().__init__(window)
        self.window_, self.frames, self.config, self.history = window, frames, config, history
        self.setWindowTitle("Export video")
        form = QtWidgets.QFormLayout(self)
        self.what = QtWidgets.QComboBox()
        self.what.addItem(WHOLE)
        self.what.addItems(list(window.view.panels()))
        self.size = QtWidgets.QComboBox()
        for w, h in SIZES:
            self.size.addItem(f"{w} × {h}", [w, h])
        self.fps = QtWidgets.QSpinBox()
        self.fps.setRange(1, 60)
        self.fps.setValue(30)
        self.fps.setSuffix(" frames/s")
        steps = [s for s, _ in frames]
        self.start, self.end = QtWidgets.QSpinBox(), QtWidgets.QSpinBox()
        for sb, v in ((self.start, steps[0]), (self.end, steps[-1])):
            sb.setRange(steps[0], steps[-1])
            sb.setGroupSeparatorShown(True)
            sb.setValue(v)
        rng = QtWidgets.QHBoxLayout()
        rng.addWidget(QtWidgets.QLabel("from step"))
        rng.addWidget(self.start, 1)
        rng.addWidget(QtWidgets.QLabel("to"))
        rng.addWidget(self.end, 1)
        self.info = QtWidgets.QLabel()
        form.addRow("Show", self.what)
        form.addRow("Size", self.size)
        form.addRow("Frame rate", self.fps)
        form.addRow("Range", rng)
        form.addRow(self.info)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Save
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Save).setText("Export…")
        buttons.accepted.connect(self._export)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        for sb in (self.start, self.end, self.fps):
            sb.valueChanged.connect(self._update)
        self._update()

    def chosen(self) -> list:
        lo, hi = sorted((self.start.value(), self.end.value()))
        return [(s, f) for s, f in self.frames if lo <= s <= hi]

    def _update(self) -> None:
        n = len(self.chosen())
        self.info.setText(f"{n:,} recorded frames → {n / self.fps.value():.1f} s of video (one frame each)")

    def export_to(self, path: str, progress=None) -> dict:
        panel = None if self.what.currentText() == WHOLE else self.what.currentText()
        return export_video(self.chosen(), self.window_.spec, self.config, path, fps=self.fps.value(),
                            size=tuple(self.size.currentData()), panel=panel, history=self.history, progress=progress)

    def _export(self) -> None:
        lab = self.window_.spec.name
        path, flt = QtWidgets.QFileDialog.getSaveFileName(self, "Export video", f"{lab}.mp4",
                                                          "MP4 video (*.mp4);;Animated GIF (*.gif)")
        if not path:
            return
        if not os.path.splitext(path)[1]:
            path += ".gif" if "gif" in flt.lower() else ".mp4"
        n = len(self.chosen())
        dlg = QtWidgets.QProgressDialog("Rendering frames…", "Cancel", 0, n, self)
        dlg.setWindowTitle("Export video")
        dlg.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(0)
        dlg.setMinimumWidth(360)

        def progress(done: int, total: int) -> bool:
            dlg.setValue(done)
            dlg.setLabelText(f"Rendering frame {done:,} of {total:,}…")
            QtWidgets.QApplication.processEvents()
            return not dlg.wasCanceled()

        try:
            result = self.export_to(path, progress)
        except VideoCancelled:
            self.window_.show_banner("Video export cancelled: no file written.", kind="info")
            return
        except VideoError as e:
            self.window_.show_banner(str(e), kind="error")
            return
        finally:
            dlg.close()
        self.window_.show_banner(f"Exported {os.path.basename(path)}: {result['frames']:,} frames in "
                                 f"{result['seconds']:.0f} s", kind="info")
        self.accept()


def open_video_dialog(window) -> VideoDialog | None:
    src = recording_source(window)
    if src is None:
        window.show_banner("Nothing recorded yet: train (or open a recording) first, then export a video.",
                           kind="info")
        return None
    dlg = VideoDialog(window, *src)
    window._video_dialog = dlg
    dlg.open()
    return dlg
