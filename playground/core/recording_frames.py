"""A run's recording in memory: every full snapshot it is given, within a byte budget (Qt-free, torch-free).

A :class:`Recording` keeps every full snapshot it is given (light ones only update the metric
history), without each snapshot's ``history``: the newest snapshot's history covers every earlier step,
so :meth:`Recording.frame_at` rebuilds a frame's curves by cutting it at the frame's step. Identical
arrays (the real data, fixed grids) are stored once. Past ``max_bytes`` the frames are thinned evenly:
every other one goes (the first and the newest stay) and from then on only every 2nd, 4th, ... new
frame is kept, so the frames stay evenly spread over the run.

Saving and loading the ``.pgrec`` file is :mod:`playground.core.recording`, which re-exports these names.
"""

from __future__ import annotations

import bisect
import hashlib

import numpy as np

_DROP = ("history", "light")  # keys a frame does not keep (the history is the recording's)
_FRAME_OVERHEAD = 512  # bytes a frame's plain data takes besides its arrays (an estimate)


class RecordingError(Exception):
    """A file that is not a usable recording; ``str(e)`` is one line saying why."""


def _iter_arrays(x):
    if isinstance(x, np.ndarray):
        yield x
    elif isinstance(x, dict):
        for v in x.values():
            yield from _iter_arrays(v)
    elif isinstance(x, (list, tuple)):
        for v in x:
            yield from _iter_arrays(v)


def cut_history(history: dict, step: float) -> dict:
    """The history as it was at ``step``: every series cut after it."""
    out = {}
    for name, series in history.items():
        try:
            steps, values = series
            i = int(np.searchsorted(np.asarray(steps), step, side="right"))
            out[name] = (steps[:i], values[:i])
        except (TypeError, ValueError):
            out[name] = series
    return out


# -- the recording ----------------------------------------------------------------------------------------
class Recording:
    """Full snapshots of one run, bounded in memory (see the module docstring).

    ``frames``: ``(step, snapshot)`` pairs, ascending, each snapshot without ``history``; draw
    ``frame_at(step)`` or ``frame(i)``, which add the history cut at that step. ``history``: the newest
    snapshot's, every metric series."""

    def __init__(self, lab: str, config: dict, *, max_bytes: int = 300 * 2**20, app_version: str = "",
                 meta: dict | None = None):
        if not app_version:
            from playground import __version__ as app_version
        self.lab = lab
        self.config = dict(config)
        self.max_bytes = int(max_bytes)
        self.app_version = str(app_version)
        self.meta = dict(meta or {})
        self.frames: list[tuple[int, dict]] = []
        self.history: dict = {}
        self._steps: list[int] = []
        self._ids: list[int] = []  # arrival number of each frame (thinning keeps multiples of the stride)
        self._count = 0
        self.stride = 1
        self._interned: dict[bytes, np.ndarray] = {}  # content digest -> the one array kept
        self._arrays_bytes = 0
        self._cache: tuple[int, dict] | None = None

    # -- adding -----------------------------------------------------------------------------------------
    def _intern(self, x):
        if isinstance(x, np.ndarray):
            if x.dtype.hasobject:
                return None
            a = x if (x.flags.owndata and x.flags.c_contiguous) else np.ascontiguousarray(x).copy()
            h = hashlib.blake2b(a.view(np.uint8).reshape(-1).data if a.size else b"", digest_size=16)
            h.update(f"{a.dtype.str}{a.shape}".encode())
            d = h.digest()
            kept = self._interned.get(d)
            if kept is None:
                self._interned[d] = kept = a
                self._arrays_bytes += a.nbytes
            return kept
        if isinstance(x, dict):
            return {k: self._intern(v) for k, v in x.items()}
        if isinstance(x, tuple):
            return tuple(self._intern(v) for v in x)
        if isinstance(x, list):
            return [self._intern(v) for v in x]
        return x

    def add(self, snap: dict) -> None:
        """Keep a snapshot. A light one (step and curves) only updates the history. A step at or
        before the last frame's (a branch, a restored session) first drops the frames from it on."""
        if isinstance(snap.get("history"), dict):
            self.history = snap["history"]
        if snap.get("light"):
            return
        step = int(snap.get("step", 0))
        if self._steps and step <= self._steps[-1]:
            self._drop_from(step)
        # the previous newest frame stayed only because it was the newest: thin it out now
        if len(self._ids) >= 2 and self._ids[-1] % self.stride:
            self._remove([len(self._ids) - 1])
        frame = {k: self._intern(v) for k, v in snap.items() if k not in _DROP}
        self.frames.append((step, frame))
        self._steps.append(step)
        self._ids.append(self._count)
        self._count += 1
        self._cache = None
        while self.nbytes > self.max_bytes and len(self.frames) > 2:
            self.stride *= 2
            keep_last = len(self.frames) - 1
            self._remove([i for i in range(len(self.frames)) if self._ids[i] % self.stride and i != keep_last
                          and i != 0])

    def _remove(self, idx: list[int]) -> None:
        if not idx:
            return
        drop = set(idx)
        self.frames = [f for i, f in enumerate(self.frames) if i not in drop]
        self._steps = [s for i, s in enumerate(self._steps) if i not in drop]
        self._ids = [s for i, s in enumerate(self._ids) if i not in drop]
        self._recount()

    def _recount(self) -> None:
        alive = {id(a): a for _, f in self.frames for a in _iter_arrays(f)}
        self._interned = {d: a for d, a in self._interned.items() if id(a) in alive}
        self._arrays_bytes = sum(a.nbytes for a in alive.values())
        self._cache = None

    def _drop_from(self, step: int) -> None:
        i = bisect.bisect_left(self._steps, step)
        self._remove(list(range(i, len(self.frames))))

    def truncate_after(self, step: int) -> None:
        """Forget the frames after ``step`` and the history's points after it (branching)."""
        i = bisect.bisect_right(self._steps, step)
        self._remove(list(range(i, len(self.frames))))
        self.history = cut_history(self.history, step)

    # -- reading ----------------------------------------------------------------------------------------
    @property
    def nbytes(self) -> int:
        hist = sum(getattr(a, "nbytes", 0) for a in _iter_arrays(self.history))
        return self._arrays_bytes + _FRAME_OVERHEAD * len(self.frames) + hist

    def steps(self) -> list[int]:
        return list(self._steps)

    def __len__(self) -> int:
        return len(self.frames)

    def index_at(self, step: int) -> int:
        """Index of the frame at or just before ``step`` (the first frame for an earlier step)."""
        if not self.frames:
            raise IndexError("the recording has no frames")
        return max(0, bisect.bisect_right(self._steps, step) - 1)

    def frame_at(self, step: int) -> dict:
        """The recorded frame at or just before ``step``: a whole snapshot, with the history as it was then."""
        return self.frame(self.index_at(step))

    def frame(self, i: int) -> dict:
        """Frame ``i`` as a whole snapshot a view can draw (``frames[i]`` holds it without ``history``)."""
        i = range(len(self.frames))[i]
        if self._cache is not None and self._cache[0] == i:
            return self._cache[1]
        s, f = self.frames[i]
        snap = {**f, "history": cut_history(self.history, s), "light": False}
        self._cache = (i, snap)
        return snap
