"""Bounded metric history: recent points exact, older points decimated.

Each metric keeps at most ``recent`` exact points plus at most ``older`` decimated ones, so memory
stays flat over millions of steps. When the old part fills up, neighbouring pairs are merged
(mean value, last step), halving its resolution. Values may be NaN (a diverged run) and the
arrays handed to views are float64 copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np


class _Series:
    __slots__ = ("steps", "values", "n", "old_steps", "old_values", "n_old", "pending_s", "pending_v",
                 "stride")

    def __init__(self, recent: int, older: int):
        self.steps = np.empty(recent, np.float64)
        self.values = np.empty(recent, np.float64)
        self.n = 0
        self.old_steps = np.empty(older, np.float64)
        self.old_values = np.empty(older, np.float64)
        self.n_old = 0
        # points leaving `recent` are averaged `stride` at a time into the old part
        self.pending_s: list[float] = []
        self.pending_v: list[float] = []
        self.stride = 1

    def _push_old(self, s: float, v: float) -> None:
        self.pending_s.append(s)
        self.pending_v.append(v)
        if len(self.pending_s) < self.stride:
            return
        s_out, v_out = self.pending_s[-1], sum(self.pending_v) / len(self.pending_v)
        self.pending_s.clear()
        self.pending_v.clear()
        if self.n_old == len(self.old_steps):  # halve the old part's resolution
            h = self.n_old // 2
            self.old_steps[:h] = self.old_steps[1: 2 * h: 2]
            self.old_values[:h] = 0.5 * (self.old_values[0: 2 * h: 2] + self.old_values[1: 2 * h: 2])
            self.n_old = h
            self.stride *= 2
        self.old_steps[self.n_old] = s_out
        self.old_values[self.n_old] = v_out
        self.n_old += 1

    def extend(self, steps: np.ndarray, values: np.ndarray) -> None:
        cap = len(self.steps)
        for i in range(0, len(steps), cap):
            s, v = steps[i: i + cap], values[i: i + cap]
            k = len(s)
            overflow = self.n + k - cap
            if overflow > 0:
                for j in range(overflow):
                    self._push_old(self.steps[j], self.values[j])
                self.steps[: self.n - overflow] = self.steps[overflow: self.n]
                self.values[: self.n - overflow] = self.values[overflow: self.n]
                self.n -= overflow
            self.steps[self.n: self.n + k] = s
            self.values[self.n: self.n + k] = v
            self.n += k

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        s = np.concatenate([self.old_steps[: self.n_old], self.steps[: self.n]])
        v = np.concatenate([self.old_values[: self.n_old], self.values[: self.n]])
        return s, v

    def last(self) -> float:
        if self.n:
            return float(self.values[self.n - 1])
        return float("nan")


class MetricHistory:
    """Named metric series, each bounded in memory (see module docstring)."""

    def __init__(self, recent: int = 2000, older: int = 2000):
        self.recent, self.older = recent, older
        self._series: dict[str, _Series] = {}

    def names(self) -> list[str]:
        return list(self._series)

    def add(self, step: float, **values: float) -> None:
        for name, v in values.items():
            self.extend(name, np.asarray([step], np.float64), np.asarray([v], np.float64))

    def extend(self, name: str, steps: Iterable[float], values: Iterable[float]) -> None:
        s = np.asarray(steps, np.float64).ravel()
        v = np.asarray(values, np.float64).ravel()
        if len(s) != len(v):
            raise ValueError(f"history '{name}': {len(s)} steps but {len(v)} values")
        if name not in self._series:
            self._series[name] = _Series(self.recent, self.older)
        self._series[name].extend(s, v)

    def arrays(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in self._series:
            return np.empty(0), np.empty(0)
        return self._series[name].arrays()

    def last(self, name: str) -> float:
        return self._series[name].last() if name in self._series else float("nan")

    def __len__(self) -> int:
        return sum(s.n + s.n_old for s in self._series.values())

    def nbytes(self) -> int:
        return sum(s.steps.nbytes * 2 + s.old_steps.nbytes * 2 for s in self._series.values())

    def as_dict(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {k: self.arrays(k) for k in self._series}

    # -- persistence (plain data: lists of floats) --------------------------------------------
    def state_dict(self) -> dict:
        out = {}
        for k, s in self._series.items():
            out[k] = {"old_steps": s.old_steps[: s.n_old].tolist(), "old_values": s.old_values[: s.n_old].tolist(),
                      "steps": s.steps[: s.n].tolist(), "values": s.values[: s.n].tolist(),
                      "pending_s": list(map(float, s.pending_s)), "pending_v": list(map(float, s.pending_v)),
                      "stride": int(s.stride)}
        return out

    def load_state_dict(self, state: Mapping) -> None:
        self._series = {}
        for k, d in state.items():
            s = _Series(self.recent, self.older)
            n_old = len(d["old_steps"])
            s.old_steps[:n_old] = d["old_steps"]
            s.old_values[:n_old] = d["old_values"]
            s.n_old = n_old
            s.pending_s = list(d.get("pending_s", []))
            s.pending_v = list(d.get("pending_v", []))
            s.stride = int(d.get("stride", 1))
            self._series[k] = s
            s.extend(np.asarray(d["steps"], np.float64), np.asarray(d["values"], np.float64))
