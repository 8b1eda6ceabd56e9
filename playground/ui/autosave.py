"""Crash safety: every few minutes of training the session is saved (atomically, by the runner's ``save``) to the
app's data folder; after an abnormal exit the next start offers to restore it, saying when it was saved.

How an abnormal exit is told from a clean one: a running window holds ``running.lock`` (a ``QLockFile``,
released on close). If the file is there at start and its owner is gone, the last run did not close
normally; its autosave is then moved aside (``recovered.pgs``) so this session's autosaves cannot overwrite it,
and a banner offers *Restore* and *Discard*. A second window running at the same time does not autosave.

*Settings ▸ Autosave while training* turns it off; ``autosave/minutes`` (default 3) sets the interval and
``PLAYGROUND_AUTOSAVE_S`` overrides it in seconds (tests).
"""

from __future__ import annotations

import json
import os
import re
import time

from PySide6 import QtCore, QtWidgets

from playground.core.files import atomic_write

from . import settings as st

DEFAULT_MINUTES = 3.0
ENV_SECONDS = "PLAYGROUND_AUTOSAVE_S"
TICK_MS = 1000


def interval_s() -> float:
    try:
        if os.environ.get(ENV_SECONDS):
            return max(0.2, float(os.environ[ENV_SECONDS]))
    except ValueError:
        pass
    try:
        minutes = float(st.settings().value("autosave/minutes", DEFAULT_MINUTES))
    except (TypeError, ValueError):
        minutes = DEFAULT_MINUTES
    return 60.0 * min(max(minutes, 0.5), 120.0)


def enabled() -> bool:
    v = st.settings().value("autosave/enabled", True)
    return v not in (False, "false", "0", 0)


class Autosave(QtCore.QObject):
    def __init__(self, window, prefs):
        super().__init__(window)
        self.w, self.prefs = window, prefs
        self.active = prefs.active
        self.interval = interval_s()
        self.trained = 0.0  # seconds of training since the last autosave
        self.saved_step = -1
        self.last_step = 0
        self.owner = False  # this window holds the lock (the only one autosaving)
        self.lock: QtCore.QLockFile | None = None
        self.banner: QtWidgets.QWidget | None = None
        self.recovered: dict | None = None
        self.act = prefs.menu.addAction("&Autosave while training", self._toggle)
        self.act.setCheckable(True)
        self.act.setChecked(enabled())
        self.act.setToolTip(f"Save the session every {self.interval / 60:g} minutes of training, to restore "
                            "it after a crash")
        self.timer = QtCore.QTimer(self, interval=min(TICK_MS, int(self.interval * 1000)), timeout=self._tick)
        if not self.active:
            return
        folder = st.data_dir()
        self.path, self.meta_path = folder / "autosave.pgs", folder / "autosave.json"
        self.rec_path, self.rec_meta = folder / "recovered.pgs", folder / "recovered.json"
        lock_path = folder / "running.lock"
        existed = lock_path.exists()
        self.lock = QtCore.QLockFile(str(lock_path))
        self.lock.setStaleLockTime(0)  # stale only when its process is gone
        self.owner = self.lock.tryLock(0)
        if self.owner and existed and self.path.exists() and self.meta_path.exists():
            os.replace(self.meta_path, self.rec_meta)  # the crashed session's autosave, kept apart
            os.replace(self.path, self.rec_path)
        elif self.owner:
            for p in (self.path, self.meta_path):  # left over from a clean exit: nothing to offer
                p.unlink(missing_ok=True)
        if self.owner and self.rec_path.exists() and self.rec_meta.exists():
            try:
                self.recovered = json.loads(self.rec_meta.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.recovered = None
            if isinstance(self.recovered, dict):
                self._offer(self.recovered)
        window.lab_loaded.connect(self._on_lab)
        self.timer.start()

    # -- saving --------------------------------------------------------------------------------------
    def _toggle(self, on: bool) -> None:
        st.settings().setValue("autosave/enabled", bool(on))

    def _on_lab(self, _name: str) -> None:
        r = self.w.runner
        if r is not None:
            r.notice.connect(self._on_notice)
            r.snapshot.connect(self._on_snapshot)
        self.trained, self.saved_step = 0.0, -1

    def _on_snapshot(self, snap: dict) -> None:
        self.last_step = int(snap.get("step", 0))

    def _tick(self) -> None:
        r = self.w.runner
        if not (self.owner and self.act.isChecked() and r is not None and r.playing):
            return
        self.trained += self.timer.interval() / 1000.0
        if self.trained >= self.interval and self.last_step != self.saved_step and self.last_step > 0:
            self.trained = 0.0
            self.save_now()

    def save_now(self) -> None:
        """Queue a save of the session to the autosave file (written between steps, atomically)."""
        if self.owner and self.w.runner is not None:
            self.w.runner.save(str(self.path))

    def _on_notice(self, message: str) -> None:
        if not message.endswith(f" to {self.path}"):
            return
        if getattr(self.w, "last_banner", None) == ("info", message):
            self.w.banner.setVisible(False)  # an autosave is no news: one line in the status bar instead
        m = re.match(r"Saved step ([\d,]+)", message)
        step = int(m.group(1).replace(",", "")) if m else self.last_step
        self.saved_step = step
        spec = self.w.spec
        meta = {"saved_at": time.time(), "step": step, "lab": spec.name if spec else "",
                "title": spec.title if spec else "", "pid": os.getpid()}
        try:
            with atomic_write(self.meta_path) as f:
                f.write(json.dumps(meta).encode("utf-8"))
        except OSError:
            return
        self.w.statusBar().showMessage(f"Autosaved step {step:,}", 4000)

    def mark_clean(self) -> None:
        """A clean exit: nothing to offer next time."""
        if not self.owner:
            return
        self.timer.stop()
        for p in (self.path, self.meta_path):
            p.unlink(missing_ok=True)
        if self.lock is not None:
            self.lock.unlock()
        self.owner = False

    # -- restoring -----------------------------------------------------------------------------------
    def _offer(self, meta: dict) -> None:
        when = time.strftime("%H:%M on %d %b %Y", time.localtime(float(meta.get("saved_at", 0))))
        what = meta.get("title") or meta.get("lab") or "a"
        box = QtWidgets.QFrame()
        box.setObjectName("restoreBanner")
        box.setStyleSheet("QFrame#restoreBanner{background:#fff3cd;border:1px solid #e0c36c;}"
                          "QLabel{color:#5c4400;}")
        lay = QtWidgets.QHBoxLayout(box)
        lay.setContentsMargins(6, 3, 6, 3)
        self.banner_text = QtWidgets.QLabel(
            f"The app did not close normally last time. The {what} session was autosaved at step "
            f"{int(meta.get('step', 0)):,} ({when}).")
        self.banner_text.setWordWrap(True)
        lay.addWidget(self.banner_text, 1)
        self.restore_btn = QtWidgets.QPushButton("Restore")
        self.discard_btn = QtWidgets.QPushButton("Discard")
        self.restore_btn.clicked.connect(self.restore)
        self.discard_btn.clicked.connect(self.discard)
        lay.addWidget(self.restore_btn)
        lay.addWidget(self.discard_btn)
        self.banner = box
        self.w.centralWidget().layout().insertWidget(0, box)

    def restore(self) -> bool:
        """Load the recovered session (its lab, config, weights and step)."""
        ok = False
        if self.rec_path.exists():
            self.w.open_session(str(self.rec_path))
            ok = self.w.last_banner[0] != "error" if hasattr(self.w, "last_banner") else True
        self.discard()
        return ok

    def discard(self) -> None:
        for p in (self.rec_path, self.rec_meta):
            p.unlink(missing_ok=True)
        self.recovered = None
        if self.banner is not None:
            self.banner.setVisible(False)


def install(window, prefs) -> Autosave:
    return Autosave(window, prefs)
