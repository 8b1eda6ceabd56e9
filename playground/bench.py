"""`playground bench`: hold the app to the headless limit, with a measurement that can tell.

For each lab's default preset (and, for the GAN lab, GAN Lab's model size: ``GAN_LAB_SIZE``) it runs many
short rounds; each round measures, in a rotating order (bare, headless, app; headless, app, bare; ...):

- ``bare``: the lab's plain loop, ``playground.labs.<lab>.bare.bare_<lab>`` (same model and data);
- ``headless``: the lab's Session stepped in a loop (one session, trained on from round to round);
- ``app``: the real window, view and runner (training in a worker process), offscreen, opened once and
  played for the round, then paused. Its speed is timed by the worker's own clock at two snapshots.

The first ``--warmup`` rounds are dropped. By default 30 rounds are measured, fewer (10 at least) where a
slow lab's rounds would take longer than ``ROUNDS_BUDGET_S``: the default run stays near 3 minutes a
configuration. Ratios are paired: each round's app/headless and headless/bare;
the report gives their median, a bootstrap 95 % interval of that median, and the quartiles (the spread).
Slow drifts of the machine's speed hit the three runs of a round alike and cancel out in the ratio.

During the app runs it also measures where the UI process's time goes (its CPU share, drawing and
painting, reading and unpickling snapshots), a 16 ms timer's lateness, the worker's own account, how long
Play takes to show training (``play_latency_ms``) and how long closing the window takes (``close_s``);
and, for the GAN, resident memory growth over a long headless run (``rss_growth_mb``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from playground.core.errors import UsageError
from playground.core.timing import rate, rss_mb
from playground.labs.gan.bare import GAN_LAB_SIZE  # noqa: F401 - re-exported: tests and notes name it here

PROMISES = {"close_s": 1.0, "play_latency_ms": 100.0, "rss_growth_mb": 50.0}  # measured, reported, not tested


def bare_loop(lab: str):
    """The lab's bare loop ``playground.labs.<lab>.bare.bare_<lab>``, or None."""
    import importlib

    try:
        mod = importlib.import_module(f"playground.labs.{lab}.bare")
    except ImportError:
        return None
    return getattr(mod, f"bare_{lab}", None)


def headless(spec, config, device, seconds: float, steps: int | None = None, session=None) -> float:
    s = session if session is not None else spec.make_session(config, device=str(device), seed=0)
    return rate(lambda: s.step(1), device, seconds, steps)


# -- statistics ------------------------------------------------------------------------------------
def bootstrap_ci(values: list[float], n: int = 2000, level: float = 0.95, seed: int = 0) -> list[float] | None:
    """A percentile-bootstrap interval for the median of ``values``."""
    import numpy as np

    v = np.asarray([x for x in values if x is not None], np.float64)
    if len(v) == 0:
        return None
    if len(v) == 1:
        return [float(v[0]), float(v[0])]
    rng = np.random.default_rng(seed)
    meds = np.median(v[rng.integers(0, len(v), (n, len(v)))], axis=1)
    a = (1 - level) / 2
    return [float(np.quantile(meds, a)), float(np.quantile(meds, 1 - a))]


def _spread(values: list[float]) -> dict[str, float]:
    import numpy as np

    q = np.quantile(values, [0, 0.25, 0.5, 0.75, 1])
    return dict(zip(("min", "p25", "median", "p75", "max"), map(float, q)))


def _paired(num: list[float], den: list[float]) -> list[float]:
    """Round-by-round ratios; a round whose app window saw no snapshot (NaN) has none."""
    return [a / b for a, b in zip(num, den) if a is not None and b and a == a and b == b]


# -- the app ---------------------------------------------------------------------------------------
class AppRun:
    """The real main window (process runner, the lab's view, offscreen), opened once and played
    round after round."""

    def __init__(self, spec, preset, config, device):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6 import QtCore

        from playground.core import config as cfgmod
        from playground.ui.app import _app
        from playground.ui.main_window import MainWindow

        class TimedWindow(MainWindow):
            """The app's window, counting the time Qt spends painting it (one UpdateRequest per repaint)."""

            paint_s = 0.0

            def event(self, ev):
                if ev.type() != QtCore.QEvent.Type.UpdateRequest:
                    return super().event(ev)
                c0 = time.thread_time()  # CPU time: on a busy machine wall time counts other programs too
                r = super().event(ev)
                self.paint_s += time.thread_time() - c0
                return r

        self.QtCore = QtCore
        self.app = _app()
        self.win = TimedWindow(spec.name, preset, device=str(device), seed=0, overrides=cfgmod.to_dict(config),
                               runner="process")
        self.win.resize(1366, 768)
        self.win.show()
        self.snaps: list[tuple[float, dict]] = []  # (arrival, snapshot) of every snapshot
        self.late: list[float] = []
        self._tick_last: float | None = None
        self.timer = QtCore.QTimer()
        self.timer.setTimerType(QtCore.Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.run_loop(120_000, until=lambda: self.win._last_snapshot is not None)
        if self.win._last_snapshot is None:
            raise RuntimeError("the app's worker sent no snapshot within 2 minutes")
        self.win.runner.snapshot.connect(lambda s: self.snaps.append((time.perf_counter(), s)))

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._tick_last is not None:
            self.late.append(max(0.0, (now - self._tick_last) * 1e3 - 16.0))
        self._tick_last = now

    def run_loop(self, ms: int, until=None) -> None:
        """A real event loop (as in the app: it sleeps when idle), not a busy processEvents spin."""
        QtCore = self.QtCore
        loop = QtCore.QEventLoop()
        QtCore.QTimer.singleShot(ms, loop.quit)
        if until is not None:
            if until():
                return
            poll = QtCore.QTimer()
            poll.timeout.connect(lambda: until() and loop.quit())
            poll.start(5)
        loop.exec()

    def _accounts(self) -> dict[str, float]:
        r, v = self.win.runner, self.win.view
        return {"wall": time.perf_counter(), "cpu": time.process_time(), "paint": self.win.paint_s,
                "draw": getattr(v, "draw_seconds", 0.0), "deliver": r.ui_time["deliver"],
                "receive": r.ui_time["receive"], "late": len(self.late), "snaps": len(self.snaps)}

    def measure(self, seconds: float, steps: int | None = None, warm_s: float = 0.3,
                probe: bool = True) -> dict[str, Any]:
        """One app round. ``probe``: run the 16-ms timer that measures the UI's lateness. It is not free
        (a wake-up and a Python call 60 times a second: 1-3 % of a core here), so the UI's CPU share is
        taken from the rounds without it: what the app costs, not the app plus the probe."""
        runner = self.win.runner
        s0 = int(self.win._last_snapshot["step"])
        n0, t_play = len(self.snaps), time.perf_counter()
        runner.play()
        self.run_loop(30_000, until=lambda: any(s.get("playing") and s["step"] > s0 for _, s in self.snaps[n0:]))
        shown = next((t for t, s in self.snaps[n0:] if s.get("playing") and s["step"] > s0), None)
        play_ms = (shown - t_play) * 1e3 if shown is not None else float("nan")
        self.run_loop(int(warm_s * 1000))
        self._tick_last = None
        if probe:
            self.timer.start(16)
        a = self._accounts()
        if steps is not None:
            first = self.snaps[-1][1]["step"] if self.snaps else 0
            self.run_loop(600_000, until=lambda: self.snaps[-1][1]["step"] - first >= steps + 1)
        else:
            self.run_loop(int(seconds * 1000))
        b = self._accounts()
        self.timer.stop()
        runner.pause()
        self.run_loop(10_000, until=lambda: self.snaps and self.snaps[-1][1].get("playing") is False)
        # steps over the worker's own clock, from the last snapshot before the window (training, past the
        # warm-up) to the one taken when it paused: exact at both ends, whatever the frame rate and the
        # delivery delays
        played = self.snaps[n0:]
        start = next((s for _, s in reversed(self.snaps[n0:a["snaps"]]) if s.get("playing")), None)
        stop = next((s for _, s in reversed(played) if not s.get("playing")), None)
        if start is not None and stop is not None and "clock" in start and stop["clock"] > start["clock"]:
            app_rate = (stop["step"] - start["step"]) / (stop["clock"] - start["clock"])
        else:
            app_rate = float("nan")
        wall = b["wall"] - a["wall"]
        shares = {}
        if start is not None and stop is not None and "loop_time" in start and "loop_time" in stop:
            t0, t1 = start["loop_time"], stop["loop_time"]  # the worker's account over the same span
            total = max(t1["total"] - t0["total"], 1e-9)
            shares = {k: (t1[k] - t0[k]) / total for k in ("train", "snapshot", "emit")}
        return {"app_steps_per_s": app_rate, "play_latency_ms": play_ms, "late": self.late[a["late"]:b["late"]],
                "snapshots_per_s": (b["snaps"] - a["snaps"]) / wall, "worker_share": shares,
                "ui_cpu_share": (b["cpu"] - a["cpu"]) / wall,
                "ui_paint_ms_per_s": 1e3 * ((b["paint"] - a["paint"]) + (b["draw"] - a["draw"])
                                            + (b["deliver"] - a["deliver"])) / wall,
                "ui_pipe_ms_per_s": 1e3 * (b["receive"] - a["receive"]) / wall,
                "frame_hz": runner.frame_hz, "probe": probe}

    def close(self) -> float:
        """Close the window as a user would; seconds until it is closed (the worker stopped and joined)."""
        proc = self.win.runner._proc
        t0 = time.perf_counter()
        self.win.close()
        dt = time.perf_counter() - t0
        self.app.processEvents()
        if proc is not None and proc.is_alive():
            raise RuntimeError("closing the window left the worker process running")
        return dt


def startup_ms(lab: str) -> float:
    """Process start to the first window shown, in a fresh interpreter."""
    code = ("import time, os; t=time.time(); os.environ.setdefault('QT_QPA_PLATFORM','offscreen');"
            "from playground.ui.app import _app; app=_app();"
            "from playground.ui.main_window import MainWindow;"
            f"w=MainWindow({lab!r}, start=False); w.show(); app.processEvents();"
            "print('SHOWN', time.time())")
    t0 = time.time()
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    for line in r.stdout.splitlines():
        if line.startswith("SHOWN"):
            return (float(line.split()[1]) - t0) * 1e3
    raise RuntimeError("start-up probe failed: " + r.stderr[-500:])


def rss_growth(steps: int, device, overrides: dict | None = None) -> float:
    """Resident memory growth (MB) over ``steps`` headless GAN-Lab-sized steps, after a warm-up."""
    from playground.core.registry import get_lab

    spec = get_lab("gan")
    s = spec.make_session(spec.make_config(None, {**GAN_LAB_SIZE, **(overrides or {})}), device=str(device), seed=0)
    s.step(min(5000, max(steps // 10, 1)))
    s.snapshot()
    r0 = rss_mb()
    done = 0
    while done < steps:
        n = min(1000, steps - done)
        s.step(n)
        done += n
        if done % 10_000 == 0:
            s.snapshot()
    return rss_mb() - r0


# -- one configuration -----------------------------------------------------------------------------
ORDERS = (("bare", "headless", "app"), ("headless", "app", "bare"), ("app", "bare", "headless"))


#: the default run: 30 rounds, fewer when a slow lab's rounds would take longer than this (seconds)
DEFAULT_ROUNDS, ROUNDS_BUDGET_S, MIN_ROUNDS = 30, 165.0, 10


def bench_config(spec, preset, config, device, *, rounds: int, seconds: float, steps: int | None = None,
                 warmup: int = 1, budget_s: float | None = None) -> dict[str, Any]:
    """``budget_s``: stop after the round that would make the next one end past it (``MIN_ROUNDS`` at least)."""
    bare_fn = bare_loop(spec.name)
    t0 = time.perf_counter()
    session = spec.make_session(config, device=str(device), seed=0)
    app = AppRun(spec, preset, config, device)
    t_setup = time.perf_counter()
    runs: dict[str, list] = {"bare": [], "headless": [], "app": []}
    apps: list[dict] = []
    spent = {"bare": 0.0, "headless": 0.0, "app": 0.0}  # wall seconds each kind took, set-up and warm-up included
    try:
        for i in range(warmup + rounds):
            done = i - warmup  # measured rounds so far
            if budget_s is not None and done >= MIN_ROUNDS:
                spent_s = time.perf_counter() - t_setup
                if spent_s + spent_s / i > budget_s:  # the next round would end past the budget
                    break
            got: dict[str, Any] = {}
            for kind in ORDERS[i % len(ORDERS)]:
                k0 = time.perf_counter()
                if kind == "bare":
                    got[kind] = bare_fn(config, device, seconds, steps) if bare_fn is not None else None
                elif kind == "headless":
                    got[kind] = headless(spec, config, device, seconds, steps, session=session)
                else:
                    got[kind] = app.measure(seconds, steps, probe=(i - warmup) % 2 == 0)
                spent[kind] += time.perf_counter() - k0
            if i < warmup:
                continue
            apps.append(got["app"])
            for k in runs:
                runs[k].append(got[k]["app_steps_per_s"] if k == "app" else got[k])
    finally:
        t_rounds = time.perf_counter()
        close_s = app.close()
    late = sorted(x for a in apps for x in a["late"])
    pct = (lambda q: late[min(len(late) - 1, int(q * len(late)))]) if late else (lambda q: float("nan"))
    a_h, h_b = _paired(runs["app"], runs["headless"]), _paired(runs["headless"], runs["bare"])

    def med(key: str, of=apps):
        vals = [a[key] for a in of if a[key] == a[key]]
        return statistics.median(vals) if vals else None

    quiet = [a for a in apps if not a["probe"]] or apps  # the UI's own cost: rounds without the timer probe

    return {
        "preset": preset,
        "bare_steps_per_s": statistics.median(runs["bare"]) if runs["bare"] and None not in runs["bare"] else None,
        "headless_steps_per_s": statistics.median(runs["headless"]),
        "app_steps_per_s": med("app_steps_per_s"),
        "headless_vs_bare": statistics.median(h_b) if h_b else None,
        "headless_vs_bare_ci": bootstrap_ci(h_b),
        "app_vs_headless": statistics.median(a_h) if a_h else None,
        "app_vs_headless_ci": bootstrap_ci(a_h),
        "ratio_spread": {k: _spread(v) for k, v in (("app_vs_headless", a_h), ("headless_vs_bare", h_b)) if v},
        "ui_stall_ms": {"p50": pct(0.5), "p99": pct(0.99), "max": late[-1] if late else float("nan")},
        "ui_cpu_share": med("ui_cpu_share", quiet),
        "ui_cpu_share_probed": med("ui_cpu_share", [a for a in apps if a["probe"]]),
        "ui_paint_ms_per_s": med("ui_paint_ms_per_s", quiet),
        "ui_pipe_ms_per_s": med("ui_pipe_ms_per_s", quiet),
        "frame_hz": apps[-1]["frame_hz"] if apps else None,
        "snapshots_per_s": med("snapshots_per_s"),
        "worker_share": {k: statistics.median(a["worker_share"].get(k, float("nan")) for a in apps)
                         for k in ("train", "snapshot", "emit")},
        "play_latency_ms": med("play_latency_ms"),
        "close_s": close_s,
        "spread": {k: _spread(v) for k, v in runs.items() if v and None not in v},
        "round_rates": {k: v for k, v in runs.items() if v and None not in v},  # steps/s, round by round
        "rounds": len(apps),
        "warmup_rounds": warmup,
        "phase_seconds": {"setup": t_setup - t0, "rounds": t_rounds - t_setup, "close": time.perf_counter() - t_rounds},
        "round_seconds": {k: v / max(warmup + rounds, 1) for k, v in spent.items()},
    }


def cmd_bench(args) -> int:
    from playground.core.device import configure_threads, resolve_device
    from playground.core.registry import all_labs, get_lab

    labs = [get_lab(n) for n in args.labs] if args.labs else list(all_labs().values())
    device = resolve_device(args.device)
    # the bench's windows (and the start-up runs it spawns) neither read nor write the user's settings; the
    # variable is put back afterwards (the tests run the bench in-process)
    previous = os.environ.get("PLAYGROUND_NO_SETTINGS")
    os.environ["PLAYGROUND_NO_SETTINGS"] = "1"
    try:
        return _bench(args, labs, device, configure_threads)
    finally:
        if previous is None:
            os.environ.pop("PLAYGROUND_NO_SETTINGS", None)
        else:
            os.environ["PLAYGROUND_NO_SETTINGS"] = previous


def _bench(args, labs, device, configure_threads) -> int:
    threads = configure_threads(args.threads or 1)
    budget = None
    if args.rounds is None:
        args.rounds, budget = DEFAULT_ROUNDS, ROUNDS_BUDGET_S
    if args.rounds < 1 or args.seconds <= 0 or args.warmup < 0:
        raise UsageError("--rounds must be ≥ 1, --warmup ≥ 0 and --seconds > 0")
    if args.steps is not None and not 10 <= args.steps <= 10_000_000:
        raise UsageError(f"--steps={args.steps}: must be between 10 and 10,000,000")
    if args.rss_steps < 0:
        raise UsageError(f"--rss-steps={args.rss_steps}: must be ≥ 0")
    results: dict[str, Any] = {"device": str(device), "threads": threads, "labs": {}}
    kw = dict(rounds=args.rounds, seconds=args.seconds, steps=args.steps, warmup=args.warmup, budget_s=budget)
    for spec in labs:
        preset = args.preset or spec.default_preset
        t0 = time.perf_counter()
        res = bench_config(spec, preset, spec.make_config(preset), device, **kw)
        t1 = time.perf_counter()
        res["startup_ms"] = statistics.median(startup_ms(spec.name) for _ in range(min(2, args.rounds)))
        res["phase_seconds"]["startup"] = time.perf_counter() - t1
        results["labs"][spec.name] = res
        if spec.name == "gan" and not args.preset:
            results["labs"]["gan-lab-size"] = bench_config(spec, None, spec.make_config(None, GAN_LAB_SIZE), device,
                                                           **kw)
            if args.rss_steps:
                t1 = time.perf_counter()
                res["rss_growth_mb"] = rss_growth(args.rss_steps, device)
                res["phase_seconds"]["rss"] = time.perf_counter() - t1
                res["rss_steps"] = args.rss_steps
        res["bench_seconds"] = time.perf_counter() - t0
        if not args.json:
            for name in [spec.name] + (["gan-lab-size"] if "gan-lab-size" in results["labs"] and
                                       spec.name == "gan" else []):
                _print(name, results["labs"][name])
    results["promises"] = PROMISES
    if args.json:
        print(json.dumps(results))
    return 0


def _print(name: str, r: dict) -> None:
    def f(v, fmt="{:,.0f}"):
        return "—" if v is None else fmt.format(v)

    def ci(key):
        c = r.get(key)
        return f" [{c[0]:.3f}, {c[1]:.3f}]" if c else ""

    print(f"{name} ({r.get('preset') or 'custom'}): {r['rounds']} rounds after {r['warmup_rounds']} warm-up")
    print(f"  bare      {f(r['bare_steps_per_s']):>10} steps/s")
    print(f"  headless  {f(r['headless_steps_per_s']):>10} steps/s   headless/bare "
          f"{f(r['headless_vs_bare'], '{:.3f}')}{ci('headless_vs_bare_ci')}")
    print(f"  app       {f(r['app_steps_per_s']):>10} steps/s   app/headless  "
          f"{f(r['app_vs_headless'], '{:.3f}')}{ci('app_vs_headless_ci')}  (median, 95 % interval)")
    st = r["ui_stall_ms"]
    print(f"  UI timer  late p50 {st['p50']:.1f} ms  p99 {st['p99']:.1f} ms  max {st['max']:.1f} ms;"
          f"  {r['snapshots_per_s']:.1f} frames/s (asking {f(r['frame_hz'], '{:.1f}')})")
    print(f"  UI        CPU {100 * (r['ui_cpu_share'] or 0):.1f} % of a core;  drawing + painting "
          f"{f(r['ui_paint_ms_per_s'], '{:.1f}')} ms/s;  pipe + unpickling {f(r['ui_pipe_ms_per_s'], '{:.1f}')} ms/s")
    ws = r.get("worker_share") or {}
    if ws:
        print(f"  worker    training {100 * ws['train']:.1f} %  snapshots {100 * ws['snapshot']:.1f} %"
              f"  sending {100 * ws['emit']:.1f} % of its time")
    print(f"  Play      shows training in {f(r['play_latency_ms'], '{:.0f}')} ms (promise ≤ "
          f"{PROMISES['play_latency_ms']:.0f});  closing took {r['close_s']:.2f} s "
          f"(promise ≤ {PROMISES['close_s']:.0f})")
    if "startup_ms" in r:
        print(f"  start-up  {r['startup_ms']:.0f} ms to the first window")
    ph = r.get("phase_seconds") or {}
    if ph:
        print("  took      " + ", ".join(f"{k} {v:.0f} s" for k, v in ph.items()))
    if "rss_growth_mb" in r:
        print(f"  memory    {r['rss_growth_mb']:+.1f} MB over {r['rss_steps']:,} headless steps (promise ≤ "
              f"{PROMISES['rss_growth_mb']:.0f})")
