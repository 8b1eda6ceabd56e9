"""Every shipped guided lesson runs to the end headless (`playground lesson NAME --check`), each condition
met within its time-out, so a lesson never rots when a model changes. In one process (torch is imported
once); the time-outs count CPU time, so a busy machine does not fail a lesson."""

from __future__ import annotations

import pytest

from playground.core import lesson as L
from playground.core.lesson_check import check


@pytest.mark.slow
@pytest.mark.parametrize("name", list(L.shipped()))
def test_shipped_lesson_checks(name):
    lesson = L.load(name)
    results = check(lesson, "cpu")
    lines = "\n".join(r.line() for r in results)
    assert len(results) == len(lesson.steps), lines
    assert not any(r.failed for r in results), lines
