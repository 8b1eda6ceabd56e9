"""TensorBoard event files from metric histories and snapshots (``train --tensorboard DIR``, the GUI toggle).

Qt-free and torch-free: it writes with the ``tensorboard`` package's own event writer (an optional extra,
``pip install "generative-ai-playground[tensorboard]"``). Scalars go under ``Loss/<name>`` (names starting
with "loss") or ``Metrics/<name>``; each point of a history is written once, so a history handed over
again and again (every snapshot) adds only its new points. Images come from snapshot conventions, not
from lab names: a ``*_samples`` array of images (N, H, W[, C]) becomes one tiled grid, and 2D ``real``
and ``fake`` points (with the discriminator's ``d_grid`` over ``extent``) one rendered plane.
"""

from __future__ import annotations

import io
import math
import os
import socket
import time
from collections.abc import Mapping
from datetime import datetime

import numpy as np

MISSING = ("TensorBoard logging needs the optional tensorboard package: "
           "pip install \"generative-ai-playground[tensorboard]\"")


class TensorBoardUnavailable(RuntimeError):
    """The tensorboard package is not installed (or the run folder cannot be made): one line."""


def available() -> bool:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return False
    return True


def run_dir_name(suffix: str = "", now: datetime | None = None, host: str | None = None) -> str:
    """TensorBoard's (and ``torch.utils.tensorboard``'s) default run name: ``Nov29_13-28-05_host`` plus a
    suffix (the lab)."""
    now = now or datetime.now()
    name = f"{now.strftime('%b%d_%H-%M-%S')}_{host or socket.gethostname()}"
    return f"{name}_{suffix}" if suffix else name


def scalar_tag(name: str) -> str:
    return f"Loss/{name}" if name.lower().startswith("loss") else f"Metrics/{name}"


class TBLogger:
    """One run folder under ``root``; ``log_history`` and ``log_images`` add to it."""

    def __init__(self, root: str | os.PathLike, suffix: str = "", *, image_every_s: float = 30.0):
        try:
            from tensorboard.compat.proto import event_pb2, summary_pb2
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError:
            raise TensorBoardUnavailable(MISSING) from None
        self._event, self._summary = event_pb2.Event, summary_pb2.Summary
        base = os.path.join(os.fspath(root), run_dir_name(suffix))
        path, i = base, 1
        while os.path.exists(path):  # two runs started within a second
            path, i = f"{base}-{i}", i + 1
        try:
            os.makedirs(path)
        except OSError as e:
            raise TensorBoardUnavailable(f"{root}: cannot create a run folder ({e.strerror or e})") from None
        self.dir = path
        self._writer = EventFileWriter(path)
        self._last: dict[str, float] = {}
        self.image_every_s = image_every_s
        self._last_images = -math.inf
        self.scalars_written = 0
        self.images_written = 0

    # -- scalars ---------------------------------------------------------------------------------
    def log_history(self, history: Mapping) -> int:
        """Write every point of ``{name: (steps, values)}`` newer than the last one written for that name.
        Returns the number of points written."""
        by_step: dict[int, list] = {}
        for name, (steps, values) in history.items():
            s = np.asarray(steps, np.float64).ravel()
            v = np.asarray(values, np.float64).ravel()
            new = s > self._last.get(name, -math.inf)
            if not new.any():
                continue
            self._last[name] = float(s[new][-1])
            tag = scalar_tag(name)
            for st, val in zip(s[new].tolist(), v[new].tolist()):
                by_step.setdefault(int(st), []).append(self._summary.Value(tag=tag, simple_value=val))
        wall = time.time()
        n = 0
        for step in sorted(by_step):
            vals = by_step[step]
            self._writer.add_event(self._event(wall_time=wall, step=step, summary=self._summary(value=vals)))
            n += len(vals)
        self.scalars_written += n
        return n

    # -- images ----------------------------------------------------------------------------------
    def log_images(self, snap: Mapping, step: int | None = None) -> int:
        """Write the snapshot's images (see :func:`snapshot_images`); returns how many."""
        step = int(snap.get("step", 0) if step is None else step)
        images = snapshot_images(snap)
        wall = time.time()
        for tag, img in images.items():
            h, w = img.shape[:2]
            image = self._summary.Image(height=h, width=w, colorspace=img.shape[2] if img.ndim == 3 else 1,
                                        encoded_image_string=_png(img))
            summary = self._summary(value=[self._summary.Value(tag=tag, image=image)])
            self._writer.add_event(self._event(wall_time=wall, step=step, summary=summary))
        self.images_written += len(images)
        self._last_images = time.monotonic()
        return len(images)

    def images_due(self) -> bool:
        return time.monotonic() - self._last_images >= self.image_every_s

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()


def _png(img: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


# -- images from snapshot conventions ----------------------------------------------------------------
def snapshot_images(snap: Mapping) -> dict[str, np.ndarray]:
    """``{tag: uint8 image (H, W) or (H, W, 3)}``: sample grids and the 2D plane a snapshot carries."""
    out = {}
    for key, value in snap.items():
        if key.endswith("_samples") and isinstance(value, np.ndarray) and value.ndim in (3, 4) and len(value):
            if value.ndim == 4 and value.shape[-1] not in (1, 3):
                continue
            out[f"Images/{key}"] = tile(value)
    if _points(snap.get("real")) and _points(snap.get("fake")):
        out["Images/plane"] = render_plane(snap)
    return out


def _points(a) -> bool:
    return isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[1] == 2


def to_uint8(a: np.ndarray) -> np.ndarray:
    if a.dtype == np.uint8:
        return a
    a = np.nan_to_num(np.asarray(a, np.float32))
    return (np.clip(a, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def tile(images: np.ndarray, cols: int | None = None, pad: int = 2, min_side: int = 256) -> np.ndarray:
    """(N, H, W[, C]) images → one grid image with ``pad`` white pixels between cells, enlarged by an
    integer factor (nearest) until its shorter side is at least ``min_side``."""
    x = to_uint8(images)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    n, h, w = x.shape[:3]
    cols = cols or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    shape = (rows * (h + pad) + pad, cols * (w + pad) + pad) + x.shape[3:]
    grid = np.full(shape, 255, np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        grid[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = x[i]
    k = max(1, int(math.ceil(min_side / min(grid.shape[:2]))))
    return np.repeat(np.repeat(grid, k, 0), k, 1) if k > 1 else grid


def render_plane(snap: Mapping, size: int = 384) -> np.ndarray:
    """Real (blue) and generated (orange) 2D points over the discriminator's heat-map (grey: low, light:
    high), as an RGB image ``size`` pixels square; the view spans ``[-extent, extent]²``."""
    e = float(snap.get("extent", 0.0) or 0.0)
    real, fake = np.nan_to_num(snap["real"]), np.nan_to_num(snap["fake"])
    if e <= 0:
        e = float(max(np.abs(real).max(initial=1.0), np.abs(fake).max(initial=1.0))) * 1.1
    img = np.full((size, size, 3), 255, np.uint8)
    grid = snap.get("d_grid")
    if isinstance(grid, np.ndarray) and grid.ndim == 2 and grid.size:
        g = np.nan_to_num(np.asarray(grid, np.float64))
        if snap.get("d_is_prob"):
            lo, hi = 0.0, 1.0
        else:
            lo, hi = float(np.percentile(g, 2)), float(np.percentile(g, 98))
        t = np.clip((g - lo) / max(hi - lo, 1e-9), 0.0, 1.0)  # row 0 is the top (largest y)
        gi = (np.arange(size) * g.shape[0] // size)
        gj = (np.arange(size) * g.shape[1] // size)
        shade = (150 + 105 * t[np.ix_(gi, gj)]).astype(np.uint8)
        img[:] = shade[..., None]
    for pts, color in ((real, (31, 119, 180)), (fake, (228, 87, 46))):
        col = ((pts[:, 0] + e) / (2 * e) * (size - 1)).round().astype(int)
        row = ((e - pts[:, 1]) / (2 * e) * (size - 1)).round().astype(int)
        ok = (col >= 1) & (col < size - 1) & (row >= 1) & (row < size - 1)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                img[row[ok] + dr, col[ok] + dc] = color
    return img
