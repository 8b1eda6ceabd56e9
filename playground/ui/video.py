"""Videos of a run: frames rendered offscreen from recorded snapshots, encoded as MP4 (H.264) or GIF.

``export_video(frames, spec, config, path, ...)`` builds a fresh view of the lab (never the one on
screen), hidden from the screen but laid out at the chosen size, draws each ``(step, snapshot)`` pair,
renders the view (or one of its panels) into one reused image, and streams it to the encoder:
``imageio-ffmpeg`` (its wheel ships the ffmpeg binary: nothing to install by hand) for ``.mp4``, Pillow
for ``.gif``. The file is written beside its final name and renamed at the end, so a cancelled or
failed export leaves no partial file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

FORMATS = {".mp4": "MP4 video (H.264)", ".gif": "animated GIF"}
MAX_SIDE = 4096
#: Pillow keeps every GIF frame in memory until it writes the file (1 byte a pixel): cap the pixels
GIF_MAX_PIXELS = 300_000_000


class VideoError(RuntimeError):
    """A video cannot be made (bad size, unknown panel, no frames, encoder failure): one line."""


class VideoCancelled(VideoError):
    pass


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise VideoError(f"size {text!r}: allowed: WIDTHxHEIGHT, e.g. 1280x720") from None
    if not (64 <= w <= MAX_SIDE and 64 <= h <= MAX_SIDE):
        raise VideoError(f"size {text!r}: allowed: each side in [64, {MAX_SIDE}]")
    return w, h


def select_frames(frames: Sequence[tuple[int, Mapping]], start: int | None = None,
                  end: int | None = None) -> list[tuple[int, Mapping]]:
    """The frames whose step lies in ``[start, end]`` (either bound may be None)."""
    return [(s, f) for s, f in frames if (start is None or s >= start) and (end is None or s <= end)]


def history_upto(history: Mapping, step: int) -> dict:
    """Each series of ``{name: (steps, values)}`` cut at ``step`` (a frame's curves end at its own step)."""
    out = {}
    for name, (s, v) in history.items():
        s = np.asarray(s)
        k = int(np.searchsorted(s, step, side="right"))
        out[name] = (s[:k], np.asarray(v)[:k])
    return out


class FrameRenderer:
    """A lab view of its own, laid out so that the whole view (or ``panel``) is exactly ``size``; each
    ``render(snap)`` draws the snapshot and returns the same reused ``QImage`` (RGB32)."""

    def __init__(self, spec, config, size: tuple[int, int], panel: str | None = None):
        self.size = w, h = size
        self.view = spec.view_cls()(spec)
        self.view.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.view.set_config(config)
        self.view.resize(w, h)
        self.view.show()
        self.target: QtWidgets.QWidget = self.view
        if panel is not None:
            names = {k.lower(): k for k in self.view.panels()}
            if panel.lower() not in names:
                raise VideoError(f"panel {panel!r}: allowed: {', '.join(self.view.panels()) or 'none'}")
            self.target = self.view.show_panel(names[panel.lower()])
            self._fit_panel()
        self._settle()
        self.image = QtGui.QImage(w, h, QtGui.QImage.Format.Format_RGB32)

    def _settle(self) -> None:
        QtWidgets.QApplication.sendPostedEvents()
        QtWidgets.QApplication.processEvents()

    def _layout(self) -> None:
        """Apply pending layout changes (a label's new text) but drop the view's own repaint: the view is
        painted once, by ``render``, not also into its (never shown) backing store. Halves a frame's cost."""
        app = QtWidgets.QApplication
        app.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest)
        app.removePostedEvents(self.view, QtCore.QEvent.Type.UpdateRequest)

    def _fit_panel(self) -> None:
        """Grow or shrink the (hidden) view until the panel is the requested size: layouts are close to
        linear, so a few proportional corrections converge."""
        w, h = self.size
        vw, vh = w, h
        for _ in range(6):
            self._settle()
            pw, ph = self.target.width(), self.target.height()
            if (pw, ph) == (w, h):
                return
            vw = min(4 * MAX_SIDE, max(w, vw + (w - pw)))
            vh = min(4 * MAX_SIDE, max(h, vh + (h - ph)))
            self.view.resize(vw, vh)

    def render(self, snap: Mapping) -> QtGui.QImage:
        self.view.set_snapshot(dict(snap))
        self.view.flush_drawing()
        self._layout()
        img = self.image
        img.fill(QtGui.QColor("white"))
        tw, th = self.target.width(), self.target.height()
        if (tw, th) == self.size:
            self.target.render(img)
        else:  # the layout would not give the panel exactly that size: scale the last few pixels
            tmp = QtGui.QImage(tw, th, QtGui.QImage.Format.Format_RGB32)
            tmp.fill(QtGui.QColor("white"))
            self.target.render(tmp)
            p = QtGui.QPainter(img)
            p.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(QtCore.QRect(0, 0, *self.size), tmp)
            p.end()
        QtWidgets.QApplication.removePostedEvents(self.view, QtCore.QEvent.Type.UpdateRequest)
        return img

    def close(self) -> None:
        self.view.hide()
        self.view.deleteLater()


def image_array(img: QtGui.QImage) -> np.ndarray:
    """An RGB32 image's pixels as (H, W, 4) uint8 in memory order (B, G, R, 255 on little-endian)."""
    h, w = img.height(), img.width()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes())
    return buf.reshape(h, img.bytesPerLine())[:, : w * 4].reshape(h, w, 4)


def _rgb(img: QtGui.QImage) -> np.ndarray:
    a = image_array(img)
    return a[..., 2::-1] if QtCore.QSysInfo.ByteOrder == QtCore.QSysInfo.Endian.LittleEndian else a[..., 1:]


class _Mp4:
    def __init__(self, path: str, size: tuple[int, int], fps: float):
        import imageio_ffmpeg

        little = QtCore.QSysInfo.ByteOrder == QtCore.QSysInfo.Endian.LittleEndian
        self._gen = imageio_ffmpeg.write_frames(
            path, size, fps=fps, codec="libx264", pix_fmt_in="bgra" if little else "argb",
            pix_fmt_out="yuv420p", macro_block_size=2, quality=None, bitrate=None,
            output_params=["-preset", "superfast", "-crf", "20", "-movflags", "+faststart", "-f", "mp4"],
            ffmpeg_log_level="error")
        self._gen.send(None)

    def add(self, img: QtGui.QImage) -> None:
        self._gen.send(np.ascontiguousarray(image_array(img)).data)  # no copy: the pipe reads the image's memory

    def close(self) -> None:
        self._gen.close()


class _Gif:
    def __init__(self, path: str, size: tuple[int, int], fps: float):
        self.path, self.fps, self.frames = path, fps, []

    def add(self, img: QtGui.QImage) -> None:
        from PIL import Image

        im = Image.fromarray(np.ascontiguousarray(_rgb(img)))
        self.frames.append(im.quantize(colors=256, method=Image.Quantize.FASTOCTREE))

    def close(self) -> None:
        if self.frames:
            self.frames[0].save(self.path, format="GIF", save_all=True, append_images=self.frames[1:],
                                duration=max(20, round(1000 / self.fps)), loop=0, optimize=False)


def export_video(frames: Sequence[tuple[int, Mapping]], spec, config, path: str | os.PathLike, *,
                 fps: float = 30.0, size: tuple[int, int] = (1280, 720), panel: str | None = None,
                 history: Mapping | None = None,
                 progress: Callable[[int, int], bool] | None = None) -> dict:
    """Write one frame per ``(step, snapshot)`` pair to ``path`` (``.mp4`` or ``.gif``).

    ``history``: the run's full metric history, for snapshots recorded without one (each frame gets
    it cut at its step). ``progress(done, total)`` is called after every frame; returning False
    cancels (``VideoCancelled``; no file is left). Returns timings: ``frames``, ``seconds``,
    ``render_s`` (drawing and rendering), ``encode_s`` (handing frames to the encoder, waiting for it),
    ``cpu_s`` (this process) and ``encoder_cpu_s`` (the ffmpeg process)."""
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise VideoError(f"{path}: allowed: a file name ending in {' or '.join(FORMATS)}")
    if not frames:
        raise VideoError("no frames to export (the recording or the chosen range is empty)")
    if not (1 <= fps <= 120):
        raise VideoError(f"fps {fps}: allowed: 1 to 120")
    w, h = size
    if ext == ".mp4":
        size = w, h = (w - w % 2, h - h % 2)  # H.264's 4:2:0 needs even sides
    if ext == ".gif" and len(frames) * w * h > GIF_MAX_PIXELS:
        raise VideoError(f"{len(frames):,} frames of {w}x{h} is too much for a GIF (over "
                         f"{GIF_MAX_PIXELS // 10**6} million pixels): choose a smaller size or range, or MP4")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise VideoError(f"{path}: the folder does not exist")
    tmp = os.path.join(folder, f".{os.path.basename(path)}.part{os.getpid()}{ext}")
    t0, cpu0, child0 = time.perf_counter(), time.process_time(), _children_cpu()
    renderer = FrameRenderer(spec, config, (w, h), panel)
    writer = None
    render_s = encode_s = 0.0
    ok = False
    try:
        writer = _Mp4(tmp, (w, h), fps) if ext == ".mp4" else _Gif(tmp, (w, h), fps)
        n = len(frames)
        for i, (step, snap) in enumerate(frames):
            if history is not None and "history" not in snap:
                snap = {**snap, "history": history_upto(history, step)}
            t1 = time.perf_counter()
            img = renderer.render(snap)
            t2 = time.perf_counter()
            writer.add(img)
            t3 = time.perf_counter()
            render_s += t2 - t1
            encode_s += t3 - t2
            if progress is not None and progress(i + 1, n) is False:
                raise VideoCancelled("video export cancelled")
        t2 = time.perf_counter()
        writer.close()
        encode_s += time.perf_counter() - t2
        writer = None
        os.replace(tmp, path)
        ok = True
    except (OSError, RuntimeError, StopIteration) as e:
        if isinstance(e, VideoError):
            raise
        raise VideoError(f"{path}: could not encode the video ({str(e).splitlines()[0] if str(e) else e!r})") from e
    finally:
        if writer is not None:
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - the file is removed anyway
                pass
        if not ok and os.path.exists(tmp):
            os.remove(tmp)
        renderer.close()
    return {"frames": len(frames), "size": (w, h), "seconds": time.perf_counter() - t0, "render_s": render_s,
            "encode_s": encode_s, "cpu_s": time.process_time() - cpu0, "encoder_cpu_s": _children_cpu() - child0}


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system
