"""*View ▸ Log to TensorBoard*: the shown snapshots' metric histories (and every 30 s their sample images)
written to TensorBoard event files while the toggle is on (``playground.core.tblog``)."""

from __future__ import annotations

import os

from PySide6 import QtCore


class TensorBoardToggle(QtCore.QObject):
    """While on, the metric histories (and every 30 s the sample images) of the shown snapshots go to a run
    folder under the chosen directory; a reset, a preset or another lab starts a new run folder."""

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.root: str | None = None
        self.logger = None
        self._key = None
        self._step = 0
        self._timer = QtCore.QTimer(self, interval=1000, timeout=self.poll)

    def set_enabled(self, on: bool, root: str | None = None) -> bool:
        from playground.core import tblog

        if not on:
            self._timer.stop()
            self._close()
            return True
        if not tblog.available():
            self.window_.show_banner(tblog.MISSING, kind="error")
            return False
        self.root = root or self.root or os.path.abspath("runs")
        self._timer.start()
        self.poll()
        return True

    def _close(self) -> None:
        if self.logger is not None:
            self.logger.close()
            self.logger = None

    def poll(self) -> None:
        from playground.core.tblog import TBLogger, TensorBoardUnavailable

        snap = self.window_._last_snapshot
        timeline = getattr(self.window_, "timeline", None)
        if not snap or self.root is None or getattr(timeline, "replaying", False):  # a replay trains nothing
            return
        step = int(snap.get("step", 0))
        lab = self.window_.spec.name if self.window_.spec else ""
        key = (lab, id(self.window_.runner))
        if self.logger is None or key != self._key or step < self._step:  # a new run
            self._close()
            try:
                self.logger = TBLogger(self.root, lab)
            except TensorBoardUnavailable as e:
                self.window_.show_banner(str(e), kind="error")
                self.action.setChecked(False)
                return
            self._key = key
        self._step = step
        self.logger.log_history(snap.get("history") or {})
        if self.logger.images_due():
            self.logger.log_images(snap, step)
        self.logger.flush()
