"""The training loop behind every runner (Qt-free): trains a session in chunks, applies queued requests
between chunks and emits snapshots, at most ``max_hz`` a second and less when snapshots are expensive.

It runs on a QThread (``playground.ui.runner.Runner``) or in a worker process
(``playground.ui.procrunner.ProcessRunner``); both feed it requests with :meth:`post` and receive
events through ``emit(kind, *args)``:

    snapshot(dict)  playing(bool)  diverged(str)  failed(message, traceback)  notice(str)
    session_ready(config, device_description)  config_changed(config)  config_error(key, message)

Failures never escape: an exception in a step pauses training and emits ``failed``; a loss that became
NaN/inf pauses and emits ``diverged``.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import Any

CHUNK_S = 0.004
MAX_HZ = 30.0
SNAPSHOT_SHARE = 0.02  # full snapshots (and sending them) take at most this share of the loop's time
#                        (2 %: a target of app / headless ≥ 0.97 leaves no more)
LIGHT_SHARE = 0.005  # light snapshots (step, history: the curves) at most this share, up to max_hz


def merge_snapshots(older: dict | None, newer: dict) -> dict:
    """What a consumer that missed ``older`` needs: a light snapshot (step and curves only) on top of
    the last full one keeps the full one's heavy data (and its ``light`` flag)."""
    if older is None or not newer.get("light"):
        return newer
    return {**older, **newer, "light": bool(older.get("light"))}


class TrainLoop:
    def __init__(self, factory: Callable[[Any], Any], config: Any, emit: Callable[..., None]):
        self.factory = factory
        self.config = config
        self.emit = emit
        self.session = None
        self.q: queue.Queue = queue.Queue()
        self.wake = threading.Event()
        self.quit = False
        self.playing = False
        self.steps_requested = 0
        self.speed = 0.0
        self.next_due = 0.0
        self.dirty = False
        self.max_hz = MAX_HZ
        self.rate: deque[float] = deque(maxlen=4)
        #: ``ready() -> bool``: may a new snapshot be sent now? The process runner answers "not until the UI
        #: drew the last one", so the worker never spends time on snapshots the UI would not draw.
        self.ready: Callable[[], bool] | None = None
        # where the loop's time goes while playing (seconds): the benchmark reports the shares
        self.time_in = {"train": 0.0, "snapshot": 0.0, "emit": 0.0, "total": 0.0}

    # -- requests (thread-safe) --------------------------------------------------------------------
    def post(self, kind: str, arg: Any = None) -> None:
        self.q.put((kind, arg))
        self.wake.set()

    def set_playing_flag(self, on: bool) -> None:
        """Play/pause take effect before the next chunk, without a round trip through the queue."""
        if on != self.playing:
            self.playing = on
            self.next_due = time.perf_counter()
            self.dirty = self.dirty or not on  # a pause sends the exact state at once; Play needs no full one
        self.wake.set()

    def stop(self) -> None:
        self.quit = True
        self.wake.set()

    # -- the loop ----------------------------------------------------------------------------------
    def run(self) -> None:  # noqa: C901 - the loop reads best in one place
        self._build(self.config)
        chunk = 1
        last_snap = last_full = 0.0
        full_interval = light_interval = 1.0 / self.max_hz
        rate_t0, rate_steps = time.perf_counter(), 0
        t_prev = time.perf_counter()
        counting = False  # whether the last turn began while playing: its time is the account's
        while not self.quit:
            t_now = time.perf_counter()
            if counting:  # a turn is counted whole, even when a pause lands during its chunk
                self.time_in["total"] += t_now - t_prev
            t_prev = t_now
            self.drain()
            counting = self.playing
            s = self.session
            if self.quit:
                break
            did_work = False
            if s is not None and (self.playing or self.steps_requested > 0):
                single = not self.playing
                counting = not single  # decided once: what this turn trains and spends is counted together
                n = 1 if single else chunk
                if self.speed > 0 and not single:  # speed cap: sleep until the next step is due
                    n = 1
                    due = self.next_due - time.perf_counter()
                    if due > 0:
                        self.wake.wait(min(due, 0.05))
                        self.wake.clear()
                        continue
                    self.next_due = max(self.next_due, time.perf_counter() - 0.1) + 1.0 / self.speed
                t0 = time.perf_counter()
                try:
                    if single:
                        self.steps_requested -= 1
                    s.step(n)
                except Exception as e:  # noqa: BLE001 - reported, training paused
                    self.fail(e)
                    continue
                dt = time.perf_counter() - t0
                if counting:  # steps taken one by one while paused are not the playing account's
                    self.time_in["train"] += dt
                did_work = True
                rate_steps += n
                if not single and self.speed == 0:  # adapt the chunk to ~CHUNK_S
                    chunk = max(1, min(10_000, int(CHUNK_S / max(dt / max(n, 1), 1e-7))))
                if single:
                    self.dirty = True
            now = time.perf_counter()
            # Full snapshots (everything the views draw) are spaced by their cost; sessions that offer
            # light ones (step and curves) send those in between, so curves move at up to max_hz.
            light_ok = s is not None and getattr(s, "light_snapshots", False)
            due_full = now - last_full >= full_interval and now - last_snap >= 1.0 / self.max_hz
            due_light = light_ok and now - last_snap >= light_interval
            if (did_work and not self.dirty and (due_full or due_light) and self.ready is not None
                    and not self.ready()):
                due_full = due_light = False  # the UI is still drawing the last one: train on instead
            if s is not None and (self.dirty or (did_work and (due_full or due_light))):
                full = self.dirty or due_full
                try:
                    # recorded losses reach the history first: that is training's bookkeeping (headless
                    # runs pay it too), not visual work, so it is not in the snapshot's cost
                    s.flush()
                    now = time.perf_counter()
                    snap = s.snapshot() if full else s.light_snapshot()
                except Exception as e:  # noqa: BLE001
                    self.fail(e)
                    continue
                cost = time.perf_counter() - now
                last_snap = time.perf_counter()
                if full:
                    last_full = last_snap
                self.dirty = False
                elapsed = last_snap - rate_t0
                if elapsed >= 0.5:
                    self.rate.append(rate_steps / elapsed)
                    rate_t0, rate_steps = last_snap, 0
                snap["steps_per_s"] = float(sum(self.rate) / len(self.rate)) if self.rate and self.playing else 0.0
                snap["playing"] = self.playing
                snap["snapshot_ms"] = cost * 1e3
                # the account so far, this turn's time included (its training already is): shares stay ≤ 1
                snap["loop_time"] = dict(self.time_in)
                if counting:
                    snap["loop_time"]["total"] += now - t_prev  # up to the snapshot: its cost is counted next
                snap["clock"] = now  # when ``step`` was reached (perf_counter): the benchmark times steps by it
                t_emit = time.perf_counter()
                self.emit("snapshot", snap)
                t_sent = time.perf_counter()
                if counting:
                    self.time_in["snapshot"] += cost
                    self.time_in["emit"] += t_sent - t_emit
                # the next one is due once training has had the rest of the time: an expensive
                # snapshot (one that refreshed the held-out metrics) is followed by a longer gap
                work = cost + t_sent - t_emit
                if full:
                    full_interval = max(1.0 / self.max_hz, work / SNAPSHOT_SHARE)
                else:
                    light_interval = max(1.0 / self.max_hz, work / LIGHT_SHARE)
                if s.diverged and self.playing:
                    self.playing = False
                    self.emit("playing", False)
                    self.emit("diverged", s.diverged)
            elif not did_work:
                t_idle = time.perf_counter()
                self.wake.wait(0.05)
                self.wake.clear()
                rate_t0, rate_steps = time.perf_counter(), 0
                # full snapshots are spaced by training time: a pause does not make one due at Play (the
                # paused view already shows the full state; an expensive snapshot would stall the restart)
                last_full += rate_t0 - t_idle
        self.drain(only=("call", "save"))  # finish queued saves: closing never loses work
        self.session = None

    # -- internals ---------------------------------------------------------------------------------
    def _set_playing(self, on: bool) -> None:
        if on and self.session is None:
            on = False
        if on and self.session is not None and self.session.diverged:
            self.emit("diverged", self.session.diverged)
            on = False
        if on != self.playing:
            self.playing = on
            self.next_due = time.perf_counter()
            self.emit("playing", on)
        self.dirty = self.dirty or not on  # see set_playing_flag

    def _rebuild(self, config) -> None:
        """A fresh session in place of the old one. Nothing trains while it is built (requests run between
        chunks), so the play state simply carries over: a pause-and-resume sent to the UI would race a Space
        pressed just after Ctrl+R (the stale "playing" message undoing it). A build that fails stops playing."""
        self._build(config)
        if self.session is None:
            self._set_playing(False)
        self.next_due = time.perf_counter()
        self.dirty = True

    def _build(self, config) -> None:
        from .config import ConfigError
        from .device import describe

        try:
            old, self.session = self.session, None
            new = self.factory(config)
            if old is not None and type(old) is type(new):
                new.inherit(old)
            self.session = new
            self.config = new.config
        except ConfigError as e:
            self.emit("config_error", e.key, str(e))
            self.emit("failed", f"Could not start: {e}", "")
            return
        except Exception as e:  # noqa: BLE001
            self.emit("failed", f"Could not start the lab: {type(e).__name__}: {e}", traceback.format_exc())
            return
        self.dirty = True
        self.emit("session_ready", self.config, describe(new.device))

    def fail(self, e: BaseException) -> None:
        self.playing = False
        self.steps_requested = 0
        self.emit("playing", False)
        msg = f"{type(e).__name__}: {e}"
        if "out of memory" in str(e).lower():
            msg = "Out of GPU memory: try a smaller batch size or model. " + msg
        self.emit("failed", msg.splitlines()[0][:300], traceback.format_exc())

    def drain(self, only: tuple[str, ...] | None = None) -> None:
        from .config import ConfigError

        while True:
            try:
                kind, arg = self.q.get_nowait()
            except queue.Empty:
                return
            if only is not None and kind not in only:
                continue
            try:
                self._handle(kind, arg)
            except ConfigError as e:
                self.emit("config_error", e.key, str(e))
            except ValueError as e:  # a refused command (bad file, bad probe): a notice, not a crash
                self.emit("notice", str(e).splitlines()[0] if str(e) else "Refused.")
            except Exception as e:  # noqa: BLE001
                self.fail(e)

    def _handle(self, kind: str, arg: Any) -> None:
        s = self.session
        if kind == "play":
            self._set_playing(bool(arg))
        elif kind == "step":
            if s is not None:
                self._set_playing(False)
                self.steps_requested += int(arg)
        elif kind == "speed":
            self.speed = max(0.0, float(arg))
            self.next_due = time.perf_counter()
        elif kind == "max_hz":
            self.max_hz = float(arg)
        elif kind == "reset":
            self._rebuild(arg if arg is not None else self.config)
        elif kind == "config":
            self._apply_config(arg)
        elif kind == "command":
            name, kwargs = arg
            if s is not None:
                s.command(name, **kwargs)
                self.dirty = True
        elif kind == "call":  # thread runner only: run a function on the session
            if s is not None:
                arg(s)
                self.dirty = True
        elif kind == "save":
            from .checkpoint import save_session

            if s is not None:
                try:
                    save_session(s, arg)
                except OSError as e:
                    raise ValueError(f"Could not save: {e}") from None
                self.emit("notice", f"Saved step {s.step_count:,} to {arg}")
        elif kind == "checkpoint":  # the timeline's quiet periodic save: ``arg`` has a {step} field
            from .checkpoint import save_session

            if s is not None:
                try:
                    save_session(s, str(arg).format(step=s.step_count))
                except OSError:
                    pass  # a full temp disk costs the timeline a branch point, never training
        elif kind == "restore":  # branch: back to a checkpoint saved by "checkpoint"
            from .checkpoint import CheckpointError, load_state

            if s is not None:
                try:
                    s.load_state_dict(load_state(arg, lab=s.lab))
                except (CheckpointError, RuntimeError, KeyError, TypeError) as e:
                    why = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
                    raise ValueError(f"Could not branch: {why}") from None
                self.dirty = True
                self.emit("notice", f"Branched: training continues from the state saved at step {s.step_count:,}; "
                                    "the recording after it was discarded.")
        elif kind == "load":
            path, state = arg
            if s is not None:
                try:
                    s.load_state_dict(state)
                except Exception as e:  # noqa: BLE001
                    why = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
                    raise ValueError(f"{path}: does not fit this lab's models ({why})") from None
                self.dirty = True
                self.emit("notice", f"Resumed {path} at step {s.step_count:,}")
        elif kind == "fault":  # tests: make the next step raise
            if s is not None:
                def boom(msg=str(arg)):
                    raise RuntimeError(msg)

                s.train_step = boom

    def _apply_config(self, changes: dict) -> None:
        from . import config as cfgmod

        base = self.session.config if self.session is not None else self.config
        new = cfgmod.validate(type(base), changes, base=base)  # raises ConfigError
        delta = cfgmod.diff(base, new)
        if not delta:
            return
        if self.session is not None and self.session.update_config(changes):
            self.config = self.session.config
            self.dirty = True
            self.emit("config_changed", self.config)
            return
        self._rebuild(new)
        keys = ", ".join(sorted(delta))
        self.emit("notice", f"Changed {keys}: this cannot change mid-run, so training restarted from step 0.")
