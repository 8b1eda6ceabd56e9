"""`playground` (GUI) and `playground train|snapshot|bench|list|selftest`, `playground --version`.

Exit codes: 0 success; 2 bad arguments, config values, lab/preset/key, device or file (one-line
message, no traceback); 1 a training failure such as divergence.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

from playground import cli_export, cli_lesson, cli_record
from playground.cli_setup import add_config_arg, resolve_config
from playground.core.errors import UsageError  # the bench raises it too (and never imports the CLI)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse's default prints the whole usage)
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="playground", description="Generative AI Playground: watch GANs, LSTMs and Transformers learn.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="cmd", parser_class=_Parser)

    g = sub.add_parser("gui", help="open the app (the default)")
    g.add_argument("--lab")
    g.add_argument("--preset")
    g.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    g.add_argument("--device", default="auto")
    g.add_argument("--seed", type=int, default=None)
    add_config_arg(g)
    g.add_argument("--autostart", action="store_true", help="start training at once")
    g.add_argument("--fullscreen", action="store_true")
    g.add_argument("--replay", metavar="FILE.pgrec", help="play a recording back (nothing trains)")

    def common(sp, steps_default):
        sp.add_argument("lab", nargs="?")  # may be left out with --config (the setup names it)
        sp.add_argument("--preset")
        sp.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
        sp.add_argument("--steps", type=int, default=steps_default)
        sp.add_argument("--seed", type=int, default=None)
        add_config_arg(sp)
        sp.add_argument("--device", default="auto")

    t = sub.add_parser("train", help="train headless, print metrics")
    common(t, None)  # default: the preset's length (`steps` in its TOML table), else 1,000
    t.add_argument("--save", metavar="FILE")
    t.add_argument("--resume", metavar="FILE")
    t.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    t.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    cli_export.add_train_options(t)  # --csv FILE, --tensorboard DIR

    s = sub.add_parser("snapshot", help="train headless, then render the lab's view to a PNG")
    common(s, 300)
    s.add_argument("--out", required=True, metavar="FILE.png")
    s.add_argument("--size", default="1366x768", metavar="WxH")

    ls = sub.add_parser("list", help="labs, presets and every config key")
    ls.add_argument("lab", nargs="?")

    _add_sample_parser(sub)
    cli_lesson.add_parser(sub)
    cli_record.add_parser(sub)
    cli_export.add_parser(sub)  # playground video

    b = sub.add_parser("bench", help="measure training speed headless and in the app")
    b.add_argument("labs", nargs="*")
    b.add_argument("--preset")
    b.add_argument("--device", default="cpu")
    b.add_argument("--json", action="store_true")
    b.add_argument("--rounds", type=int, help="measured rounds (bare, headless, app in rotating order); default: "
                   "30, fewer if a configuration's rounds would pass 165 s (about 3 minutes in all)")
    b.add_argument("--warmup", type=int, default=1, help="rounds run first and left out")
    b.add_argument("--seconds", type=float, default=1.0, help="length of each measurement")
    b.add_argument("--steps", type=int, help="measure this many steps each time instead of --seconds")
    b.add_argument("--rss-steps", type=int, default=10_000, help="steps of the GAN's long memory run (0: none)")
    b.add_argument("--threads", type=int, default=1)

    st = sub.add_parser("selftest", help="train every lab a few steps, render each offscreen, start the worker once")
    st.add_argument("--steps", type=int, default=10, help="training steps per lab")
    st.add_argument("--quick", action="store_true", help="2 steps per lab")
    st.add_argument("--device", default="auto")
    return p


MAX_STEPS = 100_000_000


def _check_steps(n: int) -> int:
    if n <= 0 or n > MAX_STEPS:
        raise UsageError(f"--steps={n}: allowed: an integer in [1, {MAX_STEPS:,}]")
    return n


def _make_config(spec, preset, sets):
    from playground.core.config import parse_assignments

    return spec.make_config(preset, parse_assignments(sets))


def _json_value(v):
    """A metric as JSON: counts stay integers, non-finite numbers become null, lists pass through."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    return v


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from playground.core.config import ConfigError

    try:
        args = _parser().parse_args(argv if argv else ["gui"])
        if args.version:
            return cmd_version(args)
        cmd = args.cmd = args.cmd or "gui"
        if cmd in ("gui", "train", "snapshot"):
            resolve_config(args)
        if cmd == "gui":
            return cmd_gui(args)
        if cmd == "list":
            return cmd_list(args)
        if cmd == "train":
            return cmd_train(args)
        if cmd == "snapshot":
            return cmd_snapshot(args)
        if cmd == "sample":
            return cmd_sample(args)
        if cmd == "record":
            return cli_record.cmd_record(args)
        if cmd == "video":
            return cli_export.cmd_video(args)
        if cmd == "bench":
            from playground.bench import cmd_bench

            return cmd_bench(args)
        if cmd == "selftest":
            return cmd_selftest(args)
        if cmd == "lesson":
            return cli_lesson.cmd_lesson(args)
    except UsageError as e:
        print(f"playground: error: {e}", file=sys.stderr)
        return 2
    except ConfigError as e:
        print(f"playground: error: {e}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:
        print(f"playground: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("playground: interrupted", file=sys.stderr)
        return 130
    return 0


# -- list ------------------------------------------------------------------------------------------
def cmd_list(args) -> int:
    from playground.core.config import params
    from playground.core.registry import all_labs, get_lab

    labs = [get_lab(args.lab)] if args.lab else list(all_labs().values())
    for spec in labs:
        print(f"{spec.name}: {spec.title} — {spec.description}")
        if spec.presets:
            print("  presets:")
            for name, values in spec.presets.items():
                mark = " (default)" if name == spec.default_preset else ""
                print(f"    {name}{mark}: {values.get('description', '')}")
        if args.lab:
            print("  keys:")
            for p in params(spec.config_cls):
                live = "live" if p.live else "restarts"
                when = f"  ({p.when_text()})" if p.when else ""
                print(f"    {p.name} = {p.default!r}{when}  [{p.allowed()}; {live}]  {p.help}")
        print()
    return 0


# -- train -----------------------------------------------------------------------------------------
def cmd_train(args) -> int:
    from playground.core.registry import get_lab

    spec = get_lab(args.lab)
    steps = _check_steps(args.steps if args.steps is not None else spec.preset_steps(args.preset) or 1000)
    config = _make_config(spec, args.preset, args.set)
    if args.threads < 0:
        raise UsageError(f"--threads={args.threads}: allowed: an integer ≥ 0")

    from playground.core.checkpoint import CheckpointError, load_state, save_session
    from playground.core.device import configure_threads, resolve_device

    configure_threads(args.threads or None)
    device = resolve_device(args.device)
    try:
        session = spec.make_session(config, device=str(device), seed=args.seed)
    except ValueError as e:  # bad data file etc.
        raise UsageError(str(e).splitlines()[0]) from None
    if args.resume:
        try:
            state = load_state(args.resume, lab=spec.name)
            session = spec.make_session(spec.make_config(None, state["config"]), device=str(device),
                                        seed=int(state.get("seed", args.seed)))
            session.load_state_dict(state)
        except (CheckpointError, ValueError) as e:
            raise UsageError(str(e).splitlines()[0]) from None
    hooks = cli_export.TrainHooks(args, spec, session)
    from playground.core.loop import MAX_HZ

    show_bar = sys.stderr.isatty() and not args.json
    t0 = time.perf_counter()
    done = 0
    chunk = max(1, min(100, steps // 100 or 1))
    check_every = 1.0 / MAX_HZ  # finiteness is checked at the app's flush cadence (its snapshot rate)
    next_check = t0 + check_every
    interrupted = False
    try:
        bar = _progress(steps, show_bar)
        while done < steps:
            # small chunks until the first check: a run that diverges at once stops within a second
            n = min(chunk if done >= chunk else 1, steps - done)
            session.step(n)
            done += n
            if done % (chunk * 20) == 0 or done == steps:  # every 20th chunk: ~20 points of the metric curves
                session.evaluate()
                session.flush()
            elif time.perf_counter() >= next_check:
                session.flush()
                next_check = time.perf_counter() + check_every
            if session.diverged:
                break
            bar(done, session)
            hooks.tick()
    except KeyboardInterrupt:
        interrupted = True
    hooks.finish()
    seconds = time.perf_counter() - t0
    if show_bar:
        print(file=sys.stderr)
    if session.diverged:  # one line, no metrics block full of None
        print(f"playground: training failed after {session.step_count:,} steps ({seconds:.1f} s): "
              f"{session.diverged}", file=sys.stderr)
        if args.json:
            print(json.dumps({"lab": spec.name, "preset": args.preset, "steps": session.step_count,
                              "seconds": round(seconds, 3), "device": str(device), "error": session.diverged}))
        return 1
    metrics = {k: _json_value(v) for k, v in session.metrics().items()}
    if args.save:
        save_session(session, args.save)
    result = {"lab": spec.name, "preset": args.preset, "steps": session.step_count, "seconds": round(seconds, 3),
              "steps_per_s": round(done / seconds, 2) if seconds > 0 else None, "device": str(device),
              "metrics": metrics}
    if not args.json:
        print(f"{spec.name}: {session.step_count:,} steps in {seconds:.1f} s ({result['steps_per_s']} steps/s) "
              f"on {device}")
        for k, v in metrics.items():
            print(f"  {k:>16s}: {v}")
    if args.json:
        print(json.dumps(result))
    if interrupted:
        print("playground: interrupted" + (f"; saved {args.save}" if args.save else ""), file=sys.stderr)
        return 130
    return 0


def _progress(total: int, show: bool):
    if not show:
        return lambda done, session: None
    t0 = time.perf_counter()
    last = [0.0]

    def update(done, session):
        now = time.perf_counter()
        if now - last[0] < 0.2 and done < total:
            return
        last[0] = now
        frac = done / total
        rate = done / max(now - t0, 1e-9)
        bar = "█" * int(30 * frac) + "·" * (30 - int(30 * frac))
        sys.stderr.write(f"\r{bar} {done:,}/{total:,}  {rate:,.0f} steps/s")
        sys.stderr.flush()

    return update


# -- sample ----------------------------------------------------------------------------------------
def _add_sample_parser(sub) -> None:
    sp = sub.add_parser("sample", help="write synthetic rows from a saved session (labs that export rows: tabular)")
    sp.add_argument("lab")
    sp.add_argument("--resume", required=True, metavar="FILE", help="a session saved with `train --save`")
    sp.add_argument("--rows", type=int, default=1000)
    sp.add_argument("--out", required=True, metavar="FILE.csv")
    sp.add_argument("--device", default="auto")


def cmd_sample(args) -> int:
    """Load a saved session and write ``--rows`` synthetic rows as CSV (the lab's ``export``)."""
    from playground.core.checkpoint import CheckpointError, load_state
    from playground.core.device import resolve_device
    from playground.core.registry import get_lab

    spec = get_lab(args.lab)
    device = resolve_device(args.device)
    try:
        state = load_state(args.resume, lab=spec.name)
        session = spec.make_session(spec.make_config(None, state["config"]), device=str(device),
                                    seed=int(state.get("seed", 0)))
        session.load_state_dict(state)
        if not hasattr(session, "export"):
            raise UsageError(f"the {spec.name} lab does not export rows")
        n = session.export(args.out, args.rows)
    except (CheckpointError, ValueError) as e:
        raise UsageError(str(e).splitlines()[0]) from None
    print(f"wrote {n:,} synthetic rows to {args.out} ({spec.name} at step {session.step_count:,})")
    return 0


# -- GUI and snapshot ------------------------------------------------------------------------------
def cmd_gui(args) -> int:
    from playground.core.config import parse_assignments
    from playground.core.registry import get_lab

    if args.replay:
        return cli_record.cmd_replay(args.replay, fullscreen=args.fullscreen)
    if args.lab:
        spec = get_lab(args.lab)
    else:
        from playground.core.registry import all_labs

        spec = next(iter(all_labs().values()))
    overrides = parse_assignments(args.set)
    spec.make_config(args.preset, overrides)  # validate before opening a window
    from playground.ui.app import run_gui

    return run_gui(args.lab and spec.name, args.preset, overrides=overrides, device=args.device, seed=args.seed,
                   autostart=args.autostart, fullscreen=args.fullscreen)


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size={text}: allowed: WIDTHxHEIGHT, e.g. 1366x768") from None
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise UsageError(f"--size={text}: allowed: each side in [200, 8000]")
    return w, h


def cmd_snapshot(args) -> int:
    from playground.core.registry import get_lab

    spec = get_lab(args.lab)
    steps = _check_steps(args.steps) if args.steps != 0 else 0
    w, h = _parse_size(args.size)
    config = _make_config(spec, args.preset, args.set)
    if not args.out.lower().endswith(".png"):
        raise UsageError(f"--out={args.out}: allowed: a .png file name")
    from playground.core.device import resolve_device

    device = resolve_device(args.device)
    try:
        session = spec.make_session(config, device=str(device), seed=args.seed)
    except ValueError as e:
        raise UsageError(str(e).splitlines()[0]) from None
    for i in range(25):  # evaluate along the way so the metric curves have points
        n = steps * (i + 1) // 25 - steps * i // 25
        if n:
            session.step(n)
            session.evaluate()
    snap = session.snapshot()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from playground.ui.app import render_snapshot

    render_snapshot(spec.name, args.preset, config, snap, args.out, (w, h))
    print(f"wrote {args.out} ({w}x{h}, {spec.name} at step {session.step_count:,})")
    return 0


# -- version and selftest --------------------------------------------------------------------------
def cmd_version(args) -> int:
    from playground import __version__

    print(f"playground {__version__}")
    return 0


def cmd_selftest(args) -> int:
    """Exit 0 when every part passed, 1 naming the failing parts (see playground/selftest.py)."""
    steps = 2 if args.quick else _check_steps(args.steps)
    from playground.core.device import resolve_device

    resolve_device(args.device)  # an unavailable device is bad input (exit 2), not a failing part
    from playground.selftest import run_selftest

    return run_selftest(steps=steps, device=args.device)
