"""What a guided lesson is once read: its steps, their questions and the conditions that end them
(``"modes_captured >= 8"``, parsed without ``eval``), and the metric value a condition compares.

Reading and validating a lesson file is :mod:`playground.core.lesson`, which re-exports these names.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_STEPS = 1_000_000
DEFAULT_TIMEOUT_S = 60.0
#: metrics recorded every step are averaged over this many steps before a condition compares them
#: (one lucky batch must not end a step); metrics evaluated now and then use their latest value
WINDOW_STEPS = 50
OPS = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less, "==": np.equal}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_COND = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|>|<|≥|≤)\s*(" + _NUMBER + r")\s*$")
SHOWN_OP = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}


class LessonError(ValueError):
    """A bad lesson file: ``str(err)`` is one line naming the file, the step and the field."""


# -- conditions ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    """``metric op value`` (e.g. ``modes_captured >= 8``), or ``steps`` more training steps."""

    metric: str = ""
    op: str = ""
    value: float = 0.0
    steps: int = 0  # > 0: "train this many more steps" (metric is empty)

    @classmethod
    def parse(cls, spec: Any) -> Condition:
        if isinstance(spec, bool):
            raise ValueError("a step count or a condition like 'loss < 0.01'")
        if isinstance(spec, int):
            if not 1 <= spec <= MAX_STEPS:
                raise ValueError(f"a step count in [1, {MAX_STEPS:,}]")
            return cls(steps=spec)
        if not isinstance(spec, str):
            raise ValueError("a step count or a condition like 'loss < 0.01'")
        m = _COND.match(spec)
        if not m:
            raise ValueError(f"'{spec}' is not 'metric op number' (op: >=, <=, >, <, ==), e.g. 'loss < 0.01'")
        op = {"≥": ">=", "≤": "<="}.get(m.group(2), m.group(2))
        return cls(metric=m.group(1), op=op, value=float(m.group(3)))

    def met(self, value: float | None) -> bool:
        return value is not None and math.isfinite(value) and bool(OPS[self.op](value, self.value))

    def describe(self) -> str:
        if self.steps:
            return f"{self.steps:,} steps"
        return f"{self.metric.replace('_', ' ')} {SHOWN_OP[self.op]} {self.value:g}"

    def __str__(self) -> str:
        return f"{self.steps} steps" if self.steps else f"{self.metric} {self.op} {self.value:g}"


def metric_value(name: str, step: int, history: dict | None, *extra: dict | None) -> float | None:
    """The value a condition compares: ``step``; else the metric in ``history`` ({name: (steps, values)}):
    the mean over the last WINDOW_STEPS steps for a metric recorded every step (a loss is not judged on
    one batch), the latest point for one evaluated now and then; else a number in ``extra``."""
    if name == "step":
        return float(step)
    if history and name in history:
        steps, values = (np.asarray(a, np.float64) for a in history[name])
        if len(values) >= 2 and steps[-1] - steps[-2] <= 1:  # recorded every step: the recent mean
            recent = values[steps > steps[-1] - WINDOW_STEPS]
            return float(np.mean(recent)) if np.all(np.isfinite(recent)) else float("nan")
        if len(values):  # evaluated now and then: the latest value
            return float(values[-1])
    for d in extra:
        v = (d or {}).get(name)
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            return float(v)
    return None


# -- the lesson ------------------------------------------------------------------------------------
@dataclass
class Question:
    ask: str
    choices: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)
    answer: int | None = None  # 0-based index of the right choice (None: no single right answer)
    predict: bool = False  # "predict, then see": the step's play_until runs after the student answers
    reveal: str = ""  # shown once the run is over (predict) or after any answer


@dataclass
class Step:
    index: int  # 1-based
    text: str
    title: str = ""
    lab: str = ""  # the lab this step runs in (inherited from the steps before)
    setup: bool = False  # lab, preset or seed given: a fresh session from the preset plus `set`
    preset: str | None = None
    set: dict = field(default_factory=dict)
    seed: int | None = None
    commands: list[tuple[str, dict, int]] = field(default_factory=list)  # (name, kwargs, repeat)
    step: int = 0  # single training steps taken at once
    until: Condition | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    timeout_steps: int | None = None
    fallback: str = ""
    pause: bool = False
    play: bool = False
    show: str = ""
    highlight: str = ""
    question: Question | None = None

    def label(self) -> str:
        return f"step {self.index}" + (f" ({self.title})" if self.title else "")


@dataclass
class Lesson:
    name: str
    title: str
    summary: str
    lab: str
    minutes: int
    steps: list[Step]
    path: str = ""

    def panels_used(self) -> list[tuple[Step, str, str]]:
        """(step, field, panel name) of every ``show`` and ``highlight``: the UI checks them against
        the lab's view (``LabView.panels()``) when the lesson opens."""
        out = []
        for s in self.steps:
            for f in ("show", "highlight"):
                if getattr(s, f):
                    out.append((s, f, getattr(s, f)))
        return out
