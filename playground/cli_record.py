"""`playground record LAB ... --steps N --out FILE.pgrec` (a recording made headless, e.g. the night
before a class on a machine with a GPU) and `playground gui --replay FILE.pgrec` (play it back, no training).
"""

from __future__ import annotations

import os
import sys
import time

from playground.core.errors import UsageError

DEFAULT_FRAMES = 200  # frames a recording gets when --every is not given


def add_parser(sub) -> None:
    r = sub.add_parser("record", help="train headless and write a recording (.pgrec) to replay or export")
    r.add_argument("lab")
    r.add_argument("--preset")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    r.add_argument("--steps", type=int, required=True)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--device", default="auto")
    r.add_argument("--out", required=True, metavar="FILE.pgrec")
    r.add_argument("--every", type=int, default=0, metavar="K",
                   help=f"a frame every K steps (default: about {DEFAULT_FRAMES} frames)")
    r.add_argument("--max-mb", type=float, default=300.0, help="memory cap of the recording (frames are thinned)")


def cmd_record(args) -> int:
    from playground.core import config as cfgmod
    from playground.core.config import parse_assignments
    from playground.core.recording import EXTENSION, Recording, save_recording
    from playground.core.registry import get_lab

    spec = get_lab(args.lab)
    if not 1 <= args.steps <= 100_000_000:
        raise UsageError(f"--steps={args.steps}: allowed: an integer in [1, 100,000,000]")
    if args.every < 0:
        raise UsageError(f"--every={args.every}: allowed: an integer ≥ 1 (0: about {DEFAULT_FRAMES} frames)")
    if not args.out.endswith(EXTENSION):
        raise UsageError(f"--out={args.out}: allowed: a {EXTENSION} file name")
    config = spec.make_config(args.preset, parse_assignments(args.set))
    from playground.core.device import resolve_device

    device = resolve_device(args.device)
    try:
        session = spec.make_session(config, device=str(device), seed=args.seed)
    except ValueError as e:
        raise UsageError(str(e).splitlines()[0]) from None
    every = args.every or max(1, args.steps // DEFAULT_FRAMES)
    rec = Recording(spec.name, cfgmod.to_dict(session.config), max_bytes=int(args.max_mb * 2**20),
                    meta={"preset": args.preset, "seed": args.seed, "device": str(device), "source": "record"})
    t0 = time.perf_counter()

    def frame(rate: float) -> None:
        session.flush()
        snap = session.snapshot()
        snap.update(steps_per_s=rate, playing=False)
        rec.add(snap)

    frame(0.0)
    done = 0
    try:
        while done < args.steps:
            n = min(every, args.steps - done)
            t = time.perf_counter()
            session.step(n)
            done += n
            frame(n / max(time.perf_counter() - t, 1e-9))
            if session.diverged:
                break
            if sys.stderr.isatty():
                sys.stderr.write(f"\r{done:,}/{args.steps:,} steps · {len(rec):,} frames")
                sys.stderr.flush()
    except KeyboardInterrupt:
        print("\nplayground: interrupted; saving what was recorded", file=sys.stderr)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    try:
        size = save_recording(rec, args.out)
    except OSError as e:
        raise UsageError(f"--out={args.out}: cannot write ({e.strerror or e})") from None
    secs = time.perf_counter() - t0
    print(f"wrote {args.out} ({len(rec):,} frames, steps 0–{session.step_count:,}, {size / 2**20:.1f} MB, "
          f"{secs:.1f} s)")
    if session.diverged:
        print(f"playground: training diverged at step {session.step_count:,}: {session.diverged}", file=sys.stderr)
        return 1
    return 0


def cmd_replay(path: str, *, fullscreen: bool = False) -> int:
    """Open the lab of recording ``path`` fed from the file; nothing trains (torch is not imported)."""
    from playground.core.recording import RecordingError, load_recording

    try:
        rec = load_recording(path)
    except RecordingError as e:
        raise UsageError(str(e)) from None
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from playground.ui.app import _app
    from playground.ui.main_window import MainWindow

    app = _app()
    win = MainWindow(rec.lab, start=False, overrides=rec.config)
    win.timeline.start_replay(rec, label=str(path))
    win.showFullScreen() if fullscreen else win.show()
    return app.exec()
