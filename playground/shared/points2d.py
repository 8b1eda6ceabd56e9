"""Torch-free point utilities: mixture centres, the default drawing and the CSV points loader
(the view imports these before torch is loaded)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from playground.core.files import read_user_text

MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_POINTS = 200_000


def ring8_centers() -> np.ndarray:
    a = np.arange(8) * 2 * np.pi / 8
    return np.stack([2.0 * np.cos(a), 2.0 * np.sin(a)], 1)


def grid25_centers() -> np.ndarray:
    g = np.arange(-2, 3, dtype=np.float64)
    return np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)


def default_drawing() -> np.ndarray:
    """A smiley: what 'drawn' holds before the user draws anything."""
    rng = np.random.default_rng(0)
    eyes = np.concatenate([rng.normal((-0.8, 0.8), 0.12, (60, 2)), rng.normal((0.8, 0.8), 0.12, (60, 2))])
    t = rng.uniform(np.pi * 1.15, np.pi * 1.85, 160)
    mouth = np.stack([1.5 * np.cos(t), 1.5 * np.sin(t) + 0.3], 1)
    return np.concatenate([eyes, mouth]).astype(np.float32)


class DataFileError(ValueError):
    """A points file that cannot be used; the message is one line naming the problem."""


def load_points_csv(path: str | Path) -> np.ndarray:
    """Read 2D points from a CSV (or whitespace/semicolon separated) file.

    The first two columns are x and y; one header line is allowed. Points are centred and scaled so
    that the largest coordinate is 2.5 (the data view's scale). Raises DataFileError with a clear
    one-line message for a missing, empty, binary, non-UTF-8, huge or malformed file.
    """
    p = Path(path)
    text = read_user_text(p, max_bytes=MAX_CSV_BYTES, error=DataFileError)
    return parse_points(text, p.name)


def parse_points(text: str, name: str = "data") -> np.ndarray:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise DataFileError(f"{name}: no points in the file")
    sample = lines[0]
    delim = ";" if ";" in sample else ("," if "," in sample else None)
    rows: list[tuple[float, float]] = []
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delim) if delim else (ln.split() for ln in lines)
    for i, row in enumerate(reader, 1):
        cells = [c.strip() for c in row if c.strip() != ""]
        if len(cells) < 2:
            raise DataFileError(f"{name}: line {i} has {len(cells)} column(s); need x and y")
        try:
            x, y = float(cells[0]), float(cells[1])
        except ValueError:
            if i == 1:  # a header line
                continue
            raise DataFileError(f"{name}: line {i}: '{cells[0]}, {cells[1]}' is not a pair of numbers") from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise DataFileError(f"{name}: line {i}: NaN or infinite value")
        rows.append((x, y))
        if len(rows) > MAX_POINTS:
            raise DataFileError(f"{name}: more than {MAX_POINTS:,} points")
    if len(rows) < 2:
        raise DataFileError(f"{name}: need at least 2 points, found {len(rows)}")
    pts = np.asarray(rows, np.float64)
    pts -= pts.mean(0)
    scale = np.abs(pts).max()
    if scale > 0:
        pts *= 2.5 / scale
    return pts.astype(np.float32)
