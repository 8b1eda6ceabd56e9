"""The export parts of the command line: ``train --csv FILE --tensorboard DIR`` and ``playground video``.

``cli.py`` adds the train options with :func:`add_train_options`, builds a :class:`TrainHooks` once the
session exists, calls ``tick()`` in its loop and ``finish()`` after it; ``video`` is parsed by
:func:`add_parser` and run by :func:`cmd_video`.
"""

from __future__ import annotations

import os
import sys
import time

from playground.core.errors import UsageError


def add_train_options(t) -> None:
    t.add_argument("--csv", metavar="FILE", help="write every metric history to FILE (step, one column per metric)")
    t.add_argument("--tensorboard", metavar="DIR", help="write TensorBoard event files to a new run folder in DIR "
                   "(needs the optional tensorboard package)")


def _check_out(path: str, flag: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{flag}={path}: the folder {folder} does not exist")
    if os.path.isdir(path):
        raise UsageError(f"{flag}={path}: a folder, not a file name")


class TrainHooks:
    """What ``train`` writes besides its metrics: the CSV at the end, TensorBoard scalars about once a
    second and sample images every ``image_every_s`` (spaced further when a snapshot is slow: at most 2 %
    of the run goes to them) and at the end."""

    def __init__(self, args, spec, session, *, image_every_s: float = 15.0):
        self.session, self.csv = session, getattr(args, "csv", None)
        self.tb = None
        self.image_every_s = image_every_s
        if self.csv:
            _check_out(self.csv, "--csv")
        root = getattr(args, "tensorboard", None)
        if root:
            from playground.core.tblog import TBLogger, TensorBoardUnavailable

            try:
                self.tb = TBLogger(root, spec.name)
            except TensorBoardUnavailable as e:
                raise UsageError(str(e)) from None
        self._next_scalars = 0.0
        self._next_images = 0.0

    def tick(self) -> None:
        if self.tb is None:
            return
        now = time.perf_counter()
        if now >= self._next_scalars:
            self.session.flush()
            self.tb.log_history(self.session.history.as_dict())
            self._next_scalars = now + 1.0
        if now >= self._next_images:
            self._images()

    def _images(self) -> None:
        t0 = time.perf_counter()
        snap = self.session.snapshot()
        self.tb.log_images(snap, self.session.step_count)
        self.tb.log_history(snap.get("history") or self.session.history.as_dict())
        self.tb.flush()
        cost = time.perf_counter() - t0
        self._next_images = time.perf_counter() + max(self.image_every_s, 50 * cost)

    def finish(self) -> None:
        """After training (also after an interrupt or a divergence): the last images and the CSV."""
        if self.tb is not None:
            try:
                self._images()
            except Exception as e:  # noqa: BLE001 - a diverged model may not draw: the scalars are written
                print(f"playground: no final TensorBoard images ({str(e).splitlines()[0] if str(e) else e!r})",
                      file=sys.stderr)
            finally:
                self.tb.close()
            print(f"TensorBoard run: {self.tb.dir}  (view with: tensorboard --logdir {os.path.dirname(self.tb.dir)})",
                  file=sys.stderr)
        if self.csv:
            from playground.core.metrics_csv import write_history_csv

            self.session.flush()
            try:
                n = write_history_csv(self.session.history.as_dict(), self.csv)
            except OSError as e:
                raise UsageError(f"--csv={self.csv}: {e.strerror or e}") from None
            print(f"wrote {n:,} rows of metrics to {self.csv}", file=sys.stderr)


# -- playground video ---------------------------------------------------------------------------------------
def add_parser(sub) -> None:
    v = sub.add_parser("video", help="render a recording (.pgrec) to an MP4 or animated GIF, offscreen")
    v.add_argument("recording", metavar="FILE.pgrec")
    v.add_argument("--out", required=True, metavar="FILE.mp4|FILE.gif")
    v.add_argument("--panel", help="one panel of the lab's view (default: the whole view)")
    v.add_argument("--fps", type=float, default=30.0)
    v.add_argument("--size", default="1280x720", metavar="WxH")
    v.add_argument("--from", dest="start", type=int, metavar="STEP", help="first step (default: the first frame)")
    v.add_argument("--to", dest="end", type=int, metavar="STEP", help="last step (default: the last frame)")


def cmd_video(args) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from playground.core.registry import get_lab

    try:
        from playground.core.recording import RecordingError, load_recording
    except ImportError:
        raise UsageError("recordings are not available in this version") from None
    try:
        rec = load_recording(args.recording)
    except (RecordingError, OSError) as e:
        raise UsageError(str(e).splitlines()[0] if str(e) else f"{args.recording}: cannot be read") from None
    from playground.ui.app import _app
    from playground.ui.video import VideoError, export_video, parse_size, select_frames

    try:
        size = parse_size(args.size)
        spec = get_lab(rec.lab)
        config = spec.make_config(None, dict(rec.config))
        frames = select_frames(rec.frames, args.start, args.end)
        _app()
        show = sys.stderr.isatty()

        def progress(done: int, total: int) -> bool:
            if show and (done == total or done % 10 == 0):
                sys.stderr.write(f"\rframe {done:,}/{total:,}")
                sys.stderr.flush()
            return True

        r = export_video(frames, spec, config, args.out, fps=args.fps, size=size, panel=args.panel,
                         history=getattr(rec, "history", None), progress=progress)
    except VideoError as e:
        raise UsageError(str(e)) from None
    if show:
        print(file=sys.stderr)
    w, h = r["size"]
    print(f"wrote {args.out}: {r['frames']:,} frames, {w}x{h}, {args.fps:g} fps "
          f"({r['frames'] / args.fps:.1f} s of video) in {r['seconds']:.1f} s")
    return 0
