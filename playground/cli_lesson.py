"""`playground lesson --list`, `playground lesson NAME|FILE` (the app, on the lesson) and
`playground lesson NAME|FILE --check` (headless: a line per step, exit 1 when a condition failed)."""

from __future__ import annotations

import sys
import time

from playground.core.errors import UsageError


def add_parser(sub) -> None:
    p = sub.add_parser("lesson", help="guided lessons: list them, open one in the app, or check one headless")
    p.add_argument("name", nargs="?", metavar="NAME|FILE", help="a shipped lesson (see --list) or a .toml file")
    p.add_argument("--list", action="store_true", help="print the shipped guided lessons, one name a line")
    p.add_argument("--check", action="store_true",
                   help="run the lesson headless: for each step whether its condition was met, steps, seconds")
    p.add_argument("--device", default="auto")
    p.add_argument("--verbose", "-v", action="store_true", help="--list: add each lesson's title and lab")


def cmd_lesson(args) -> int:
    from playground.core import lesson as L

    if args.list:
        for name, path in L.shipped().items():
            if args.verbose:
                les = L.load(path)
                print(f"{name}\t{les.title} ({les.lab}, {len(les.steps)} steps)")
            else:
                print(name)
        return 0
    if not args.name:
        raise UsageError("lesson: give a lesson NAME or FILE, or --list")
    try:
        lesson = L.load(args.name)
    except L.LessonError as e:
        raise UsageError(str(e)) from None
    if args.check:
        return _check(lesson, args.device)
    from playground.core.device import resolve_device

    resolve_device(args.device)
    from playground.ui.lesson_panel import run_lesson_gui

    return run_lesson_gui(lesson, device=args.device)


def _check(lesson, device: str) -> int:
    from playground.core.device import resolve_device
    from playground.core.lesson_check import check

    dev = str(resolve_device(device))
    print(f"{lesson.name}: {lesson.title} ({lesson.lab} lab, {len(lesson.steps)} steps) on {dev}")
    t0, c0 = time.perf_counter(), time.process_time()
    results = check(lesson, dev, on_step=lambda r: (print(r.line()), sys.stdout.flush()))
    failed = [r for r in results if r.failed]
    skipped = len(lesson.steps) - len(results)
    total = time.perf_counter() - t0
    cpu = time.process_time() - c0
    conds = sum(r.met is not None for r in results)
    if failed or skipped:
        more = f"; {skipped} later steps not run" if skipped else ""
        print(f"FAILED: {len(failed)} of {len(results)} steps{more} ({total:.1f} s, CPU {cpu:.1f} s)")
        return 1
    print(f"ok: {conds} conditions met, {sum(r.steps for r in results):,} steps in {total:.1f} s (CPU {cpu:.1f} s)")
    return 0
