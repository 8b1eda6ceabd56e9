"""Run a guided lesson headless (``playground lesson NAME --check``): build the sessions through the
registry, apply each step's set-up and commands, train until its condition holds (or its time-out),
and record whether the condition was met, after how many steps and seconds.

Metrics are read the way ``playground train`` reads them: ``session.evaluate()`` now and then (at most
about a quarter of the time), the recorded history in between (see ``lesson.metric_value``).

A step's time-out in seconds counts the CPU time of this process, not the wall clock: on a quiet machine
they are the same, and a machine shared with other work does not fail a lesson a quiet one passes (its
``steps`` time-out still bounds the run).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from . import config as cfgmod
from .lesson import Lesson, Step, metric_value
from .registry import get_lab

CHUNK_S = 0.1  # train in chunks of about this long between checks


@dataclass
class StepResult:
    step: Step
    met: bool | None = None  # None: the step has no condition
    steps: int = 0  # training steps taken during this step
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of this process (what the step costs on a quiet machine)
    at_step: int = 0  # the session's step count at the end
    value: float | None = None  # the metric's value when the step ended
    error: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error) or self.met is False

    def line(self) -> str:
        st = self.step
        head = f"  {st.label()}: "
        cost = f"{self.steps:,} steps, {self.seconds:.1f} s, CPU {self.cpu:.1f} s"
        if self.error:
            return head + f"FAILED: {self.error} ({cost})"
        if self.met is None:
            return head + ("set-up" if st.setup or st.commands or st.step else "text") + f" ({cost})"
        c = st.until
        val = "" if c.steps or self.value is None else f", value {self.value:.4g}"
        if self.met:
            return head + f"met: {c.describe()} at step {self.at_step:,}{val} ({cost})"
        limit = f"{st.timeout_s:g} s" + (f" / {st.timeout_steps:,} steps" if st.timeout_steps else "")
        return head + f"NOT MET within {limit}: {c.describe()}{val} ({cost})"


class LessonRunner:
    """Plays a lesson's steps on a session in this thread."""

    def __init__(self, lesson: Lesson, device: str = "cpu"):
        self.lesson, self.device = lesson, device
        self.session = None
        self.spec = None
        self.seed = 0
        self.preset: str | None = None

    # -- set-up ------------------------------------------------------------------------------------
    def setup(self, st: Step) -> None:
        if st.setup:
            self.spec = get_lab(st.lab)
            self.preset = st.preset
            if st.seed is not None:
                self.seed = st.seed
            config = self.spec.make_config(st.preset, st.set)
            self.session = self.spec.make_session(config, device=self.device, seed=self.seed)
        elif st.set:
            if not self.session.update_config(st.set):  # not all live: a fresh session, as the app does
                old = self.session
                config = cfgmod.validate(type(old.config), st.set, base=old.config)
                self.session = self.spec.make_session(config, device=self.device, seed=self.seed)
                self.session.inherit(old)
        for name, kwargs, repeat in st.commands:
            for _ in range(repeat):
                self.session.command(name, **kwargs)
        if st.step:
            self.session.step(st.step)

    # -- play until --------------------------------------------------------------------------------
    def play_until(self, st: Step, result: StepResult) -> None:
        s, cond = self.session, st.until
        start, c0 = s.step_count, time.process_time()  # time-outs count this process's CPU time (below)
        chunk, eval_every, next_eval = 1, 0.25, 0.0
        while True:
            done = s.step_count - start
            if cond.steps and done >= cond.steps:
                result.met = True
                return
            if not cond.steps and time.perf_counter() >= next_eval:
                e0 = time.perf_counter()
                ev = s.evaluate()
                s.flush()
                cost = time.perf_counter() - e0
                eval_every = max(eval_every, 3 * cost)  # evaluation takes at most about a quarter
                next_eval = time.perf_counter() + eval_every
                hist = {cond.metric: s.history.arrays(cond.metric)} if cond.metric in s.history.names() else None
                result.value = metric_value(cond.metric, s.step_count, hist, ev)
                if result.value is None:
                    result.value = metric_value(cond.metric, s.step_count, None, s.metrics())
                if result.value is None and done > 0:
                    names = sorted({"step", *s.history.names(), *ev})
                    raise ValueError(f"play_until: the {st.lab} lab has no metric '{cond.metric}' "
                                     f"(it has: {', '.join(names)})")
                if result.value is not None and cond.met(result.value):
                    result.met = True
                    return
            if s.diverged:
                raise ValueError(s.diverged)
            if time.process_time() - c0 >= st.timeout_s or (st.timeout_steps and done >= st.timeout_steps):
                result.met = False
                return
            n = chunk
            if cond.steps:
                n = min(n, cond.steps - done)
            if st.timeout_steps:
                n = min(n, st.timeout_steps - done)
            c0 = time.perf_counter()
            s.step(max(1, n))
            took = time.perf_counter() - c0
            if took < CHUNK_S / 2:
                chunk = min(chunk * 2, 10_000)
            elif took > CHUNK_S * 2 and chunk > 1:
                chunk //= 2

    def run_step(self, st: Step) -> StepResult:
        result = StepResult(st)
        t0, c0 = time.perf_counter(), time.process_time()
        before = self.session.step_count if self.session is not None else 0
        try:
            self.setup(st)
            if st.setup:
                before = 0
            if st.until is not None:
                self.play_until(st, result)
        except (ValueError, cfgmod.ConfigError) as e:
            result.error = str(e).splitlines()[0] if str(e) else type(e).__name__
        result.seconds = time.perf_counter() - t0
        result.cpu = time.process_time() - c0
        if self.session is not None:
            result.at_step = self.session.step_count
            result.steps = max(0, self.session.step_count - before)
        return result


def check(lesson: Lesson, device: str = "cpu",
          on_step: Callable[[StepResult], None] | None = None) -> list[StepResult]:
    """Run every step of ``lesson`` headless; ``on_step`` hears each result as it comes."""
    runner = LessonRunner(lesson, device)
    out = []
    for st in lesson.steps:
        r = runner.run_step(st)
        out.append(r)
        if on_step is not None:
            on_step(r)
        if r.error:  # later steps build on this one
            break
    return out
