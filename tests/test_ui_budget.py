"""The UI's CPU budget while training: the runner asks for as many frames as the budget pays for, and
LabView skips panels that are hidden or whose data did not change."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from playground.ui import runner as runner_mod
from playground.ui.widgets import LabView


class FakeClock:
    def __init__(self):
        self.wall = 100.0
        self.cpu = 0.0

    def perf_counter(self):
        return self.wall

    def thread_time(self):
        return self.cpu


class Probe(runner_mod.RunnerBase):
    def __init__(self):
        super().__init__(config=None)
        self.posted: list = []
        self._playing = True

    def _post(self, kind, arg):
        self.posted.append((kind, arg))


def frames(r, clock, n, cost_s, hz):
    for _ in range(n):
        clock.wall += 1.0 / hz
        clock.cpu += cost_s
        r._keep_to_budget()


@pytest.fixture
def probe(qapp, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(runner_mod, "time", clock)
    r = Probe()
    r.budget = 0.05
    r.set_max_hz(12.0)
    r.posted.clear()
    return r, clock


def test_expensive_frames_lower_the_frame_rate_to_the_budget(probe):
    r, clock = probe
    frames(r, clock, 40, cost_s=0.010, hz=12)  # 10 ms a frame: 5 % of a core pays for 5 frames a second
    assert r.posted and r.posted[-1][0] == "max_hz"
    assert 4.0 <= r.frame_hz <= 6.0, r.frame_hz
    frames(r, clock, 40, cost_s=0.100, hz=r.frame_hz)  # 100 ms a frame: never below MIN_HZ
    assert r.frame_hz == runner_mod.MIN_HZ


def test_cheap_frames_climb_back_to_the_views_cap(probe):
    r, clock = probe
    frames(r, clock, 40, cost_s=0.050, hz=12)
    low = r.frame_hz
    frames(r, clock, 80, cost_s=0.001, hz=low)
    assert low < r.frame_hz == 12.0


def test_no_budget_means_the_views_rate(probe):
    r, clock = probe
    r.budget = 0.0
    frames(r, clock, 40, cost_s=0.050, hz=12)
    assert r.frame_hz == 12.0 and not r.posted


class TwoTabs(LabView):
    def __init__(self):
        super().__init__()
        self.tabs = QtWidgets.QTabWidget()
        self.a, self.b = QtWidgets.QLabel("a"), QtWidgets.QLabel("b")
        self.tabs.addTab(self.a, "A")
        self.tabs.addTab(self.b, "B")
        QtWidgets.QVBoxLayout(self).addWidget(self.tabs)
        self.drawn: list[str] = []

    def set_snapshot(self, snap):
        self.draw_later("a", lambda: self.drawn.append(f"a{snap['step']}"), self.a, sig=snap["step"])
        self.draw_later("b", lambda: self.drawn.append(f"b{snap['step']}"), self.b, sig=snap["step"])


def test_hidden_panels_wait_until_shown_and_unchanged_ones_are_skipped(qtbot):
    v = TwoTabs()
    qtbot.addWidget(v)
    v.show()
    v.set_snapshot({"step": 1})
    qtbot.waitUntil(lambda: "a1" in v.drawn)
    qtbot.wait(50)
    assert v.drawn == ["a1"]  # tab B is hidden: its part is kept, not drawn
    v.set_snapshot({"step": 1})
    qtbot.wait(50)
    assert v.drawn == ["a1"] and v.parts_skipped >= 2  # same data: nothing redrawn
    v.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: "b1" in v.drawn)  # shown: the kept part runs
    v.set_snapshot({"step": 2})
    v.draw_later("busy", lambda: sum(range(2_000_000)))  # some CPU time to account for
    v.flush_drawing()  # tests and `playground snapshot` draw everything, hidden or not
    assert {"a2", "b2"} <= set(v.drawn) and v.draw_seconds > 0
