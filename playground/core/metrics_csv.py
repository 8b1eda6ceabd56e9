"""Metric histories as one CSV table: ``step`` then one column per metric.

Series recorded at different steps (losses every step, held-out metrics every few hundred) share one
``step`` column: a metric with no value at a step has an empty cell there. NaN values (a diverged run)
are written as ``nan``, so an empty cell always means "not recorded at this step".
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping

import numpy as np

from .files import atomic_write


def history_table(history: Mapping) -> tuple[list[str], list[list[str]]]:
    """``history`` is ``{name: (steps, values)}`` (``MetricHistory.as_dict()``, a snapshot's ``history``).
    Returns the header and the rows (strings), sorted by step."""
    names = list(history)
    cols: dict[str, dict[float, float]] = {}
    all_steps: set[float] = set()
    for name in names:
        steps, values = history[name]
        s = np.asarray(steps, np.float64).ravel()
        v = np.asarray(values, np.float64).ravel()
        cols[name] = dict(zip(s.tolist(), v.tolist()))
        all_steps.update(cols[name])
    rows = []
    for step in sorted(all_steps):
        row = [_fmt_step(step)]
        for name in names:
            v = cols[name].get(step)
            row.append("" if v is None else _fmt_value(v))
        rows.append(row)
    return ["step", *names], rows


def _fmt_step(s: float) -> str:
    return str(int(s)) if float(s).is_integer() else repr(float(s))


def _fmt_value(v: float) -> str:
    if math.isnan(v):
        return "nan"
    return repr(float(v))


def history_csv(history: Mapping) -> str:
    header, rows = history_table(history)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_history_csv(history: Mapping, path: str | os.PathLike) -> int:
    """Write the table atomically; returns the number of data rows. Raises OSError (one line)."""
    text = history_csv(history)
    with atomic_write(path) as f:
        f.write(text.encode("utf-8"))
    return text.count("\n") - 1
