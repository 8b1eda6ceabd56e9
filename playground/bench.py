"""`playground bench`: hold the app to the headless limit.

For each lab's default preset (and, for the GAN lab, the GAN-Lab-sized configuration: G and D with one
hidden layer of 8 units, batch 150, 2 critic steps, SGD) it measures, alternately and repeatedly:

- ``bare_steps_per_s``: a minimal loop for the same model and data, written plainly here;
- ``headless_steps_per_s``: the lab's Session stepped in a loop;
- ``app_steps_per_s``: the same session driven by the real runner, with the real view in the real main
  window (offscreen), snapshots and drawing included; meanwhile a 16 ms main-thread timer measures how
  late it fires (``ui_stall_ms`` p50/p99/max);
- ``startup_ms``: process start to the first window shown, in a fresh process;
- ``rss_growth_mb``: resident memory growth over a long headless GAN run after warm-up.

torch's thread count is fixed the same way for all three (``--threads``, default 1). Speeds are medians
over rounds; ratios are paired (the median of each round's ratio), because this kind of machine drifts by
±10 % between runs a minute apart.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

GAN_LAB_SIZE = {"g_layers": 1, "g_width": 8, "d_layers": 1, "d_width": 8, "batch_size": 150, "n_critic": 2,
                "opt_g": "sgd", "opt_d": "sgd", "lr_g": 0.05, "lr_d": 0.05, "loss": "non-saturating",
                "data": "ring8", "latent_dim": 2}


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


# -- bare loops: the same model and data, written plainly ----------------------------------------------
def bare_gan(config, device, seconds: float, steps: int | None = None) -> float:
    import torch
    import torch.nn.functional as F

    from playground.shared.data2d import make_dataset
    from playground.shared.gan import Discriminator, Generator, gradient_penalty

    c = config
    G = Generator(c.latent_dim, c.g_layers, c.g_width, c.g_act).to(device)
    D = Discriminator(c.d_layers, c.d_width, c.d_act).to(device)

    def opt(name, params, lr):
        if name == "sgd":
            return torch.optim.SGD(params, lr=lr)
        if name == "rmsprop":
            return torch.optim.RMSprop(params, lr=lr)
        return torch.optim.Adam(params, lr=lr, betas=(c.beta1, c.beta2))

    og, od = opt(c.opt_g, G.parameters(), c.lr_g), opt(c.opt_d, D.parameters(), c.lr_d)
    gen = torch.Generator(device=device).manual_seed(0)
    data = make_dataset(c.data, device, c.noise)
    wgan = c.loss in ("wgan", "wgan-gp")

    def step():
        for _ in range(c.n_critic):
            real = data.sample(c.batch_size, gen)
            with torch.no_grad():
                fake = G(torch.randn(c.batch_size, c.latent_dim, generator=gen, device=device))
            dr, df = D(real), D(fake)
            loss = (df.mean() - dr.mean()) if wgan else F.softplus(-dr).mean() + F.softplus(df).mean()
            if c.loss == "wgan-gp":
                loss = loss + c.gp_weight * gradient_penalty(D, real, fake, gen)
            od.zero_grad(set_to_none=True)
            loss.backward()
            od.step()
            if c.loss == "wgan":
                with torch.no_grad():
                    for p in D.parameters():
                        p.clamp_(-c.clip, c.clip)
        df = D(G(torch.randn(c.batch_size, c.latent_dim, generator=gen, device=device)))
        loss = -df.mean() if wgan else F.softplus(-df).mean()
        og.zero_grad(set_to_none=True)
        loss.backward()
        og.step()

    return _rate(step, device, seconds, steps)


BARE = {"gan": bare_gan}


def bare_loop(lab: str):
    """The lab's bare loop: here for the GAN, else ``playground.labs.<lab>.bare.bare_<lab>`` if present."""
    if lab in BARE:
        return BARE[lab]
    import importlib

    try:
        mod = importlib.import_module(f"playground.labs.{lab}.bare")
    except ImportError:
        return None
    return getattr(mod, f"bare_{lab}", None)


def _rate(step, device, seconds: float, steps: int | None = None) -> float:
    """Steps per second of ``step()``: for ``seconds``, or exactly ``steps`` steps when given."""
    if device.type == "cuda":  # every training step runs with host syncs forbidden: a sync raises
        import torch

        plain = step

        def step():
            torch.cuda.set_sync_debug_mode("error")
            try:
                plain()
            finally:
                torch.cuda.set_sync_debug_mode("default")

    for _ in range(5):  # warm-up
        step()
    _sync(device)
    n, t0 = 0, time.perf_counter()
    if steps is not None:
        for _ in range(steps):
            step()
        _sync(device)
        return steps / (time.perf_counter() - t0)
    while True:
        for _ in range(10):
            step()
        n += 10
        if n % 50 == 0:
            _sync(device)
            if time.perf_counter() - t0 >= seconds:
                break
    return n / (time.perf_counter() - t0)


def headless(spec, config, device, seconds: float, steps: int | None = None) -> float:
    s = spec.make_session(config, device=str(device), seed=0)
    return _rate(lambda: s.step(1), device, seconds, steps)


def app_run(spec, preset, config, device, seconds: float, runner: str = "process",
            steps: int | None = None) -> dict[str, float]:
    """The real window, runner (the app's: a worker process) and view, offscreen; returns steps/s and
    timer lateness. Steps are read from the snapshots the view receives."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore

    from playground.ui.app import _app
    from playground.ui.main_window import MainWindow

    app = _app()
    from playground.core import config as cfgmod

    win = MainWindow(spec.name, preset, device=str(device), seed=0, overrides=cfgmod.to_dict(config),
                     runner=runner)
    win.resize(1366, 768)
    win.show()
    def run_loop(ms: int, until=None) -> None:
        """A real event loop (as in the app: it sleeps when idle), not a busy processEvents spin."""
        loop = QtCore.QEventLoop()
        QtCore.QTimer.singleShot(ms, loop.quit)
        if until is not None:
            poll = QtCore.QTimer()
            poll.timeout.connect(lambda: until() and loop.quit())
            poll.start(10)
        loop.exec()

    run_loop(60_000, until=lambda: win._last_snapshot is not None)
    win.runner.play()
    run_loop(1500)  # warm-up
    late: list[float] = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        late.append(max(0.0, (now - last[0]) * 1e3 - 16.0))
        last[0] = now

    timer = QtCore.QTimer()
    timer.setTimerType(QtCore.Qt.PreciseTimer)
    timer.timeout.connect(tick)
    seen: list[tuple[float, int]] = []  # (arrival time, step) of every snapshot in the window
    loop_time: list[dict] = []  # the worker's own account of its time (core.loop.TrainLoop.time_in)

    def on_snap(snap):
        seen.append((time.perf_counter(), int(snap["step"])))
        if "loop_time" in snap:
            loop_time.append(snap["loop_time"])

    win.runner.snapshot.connect(on_snap)
    snaps0, t0 = len(win._snap_times), time.perf_counter()
    last[0] = t0
    timer.start(16)
    if steps is not None:  # until the snapshots show that many steps (within 10 minutes)
        run_loop(600_000, until=lambda: len(seen) >= 2 and seen[-1][1] - seen[0][1] >= steps)
    else:
        run_loop(int(seconds * 1000))
    run_loop(3000, until=lambda: len(seen) >= 2)  # a short window still needs two snapshots to measure
    timer.stop()
    dt = time.perf_counter() - t0
    if len(seen) >= 2:
        n_steps, dt = seen[-1][1] - seen[0][1], max(seen[-1][0] - seen[0][0], 1e-9)
    else:
        n_steps = 0
    snaps = len(win._snap_times) - snaps0
    win.close()
    app.processEvents()
    late.sort()
    pct = (lambda q: late[min(len(late) - 1, int(q * len(late)))]) if late else (lambda q: float("nan"))
    shares = {}
    if len(loop_time) >= 2:  # over the measured window only
        a, b = loop_time[0], loop_time[-1]
        total = max(b["total"] - a["total"], 1e-9)
        shares = {k: (b[k] - a[k]) / total for k in ("train", "snapshot", "emit")}
    return {"app_steps_per_s": n_steps / dt, "ui_stall_ms_p50": pct(0.5), "ui_stall_ms_p99": pct(0.99),
            "ui_stall_ms_max": late[-1] if late else float("nan"), "snapshots_per_s": snaps / dt,
            "worker_share": shares}


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
    from playground.core.registry import get_lab

    spec = get_lab("gan")
    s = spec.make_session(spec.make_config(None, {**GAN_LAB_SIZE, **(overrides or {})}), device=str(device), seed=0)
    warm = min(5000, steps // 10)
    s.step(warm)
    s.snapshot()
    r0 = _rss_mb()
    done = 0
    while done < steps:
        s.step(1000)
        done += 1000
        if done % 10_000 == 0:
            s.snapshot()
    return _rss_mb() - r0


def _paired(num: list[float], den: list[float]) -> float | None:
    ratios = [a / b for a, b in zip(num, den) if b]
    return statistics.median(ratios) if ratios else None


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def bench_config(spec, preset, config, device, *, rounds: int, seconds: float,
                 steps: int | None = None) -> dict[str, Any]:
    bare_fn = bare_loop(spec.name)
    runs: dict[str, list[float]] = {"bare": [], "headless": [], "app": []}
    stalls: list[dict[str, float]] = []
    for _ in range(rounds):  # alternate, so drifts in machine load hit all three alike
        if bare_fn is not None:
            runs["bare"].append(bare_fn(config, device, seconds, steps))
        runs["headless"].append(headless(spec, config, device, seconds, steps))
        a = app_run(spec, preset, config, device, seconds, steps=steps)
        runs["app"].append(a["app_steps_per_s"])
        stalls.append(a)
    med = {k: statistics.median(v) if v else None for k, v in runs.items()}
    out: dict[str, Any] = {
        "preset": preset,
        "bare_steps_per_s": med["bare"],
        "headless_steps_per_s": med["headless"],
        "app_steps_per_s": med["app"],
        # ratios are paired: the median over rounds of each round's ratio (the two runs of a round are
        # seconds apart, so slow drifts in this machine's speed cancel out)
        "headless_vs_bare": _paired(runs["headless"], runs["bare"]),
        "app_vs_headless": _paired(runs["app"], runs["headless"]),
        "ui_stall_ms": {q: statistics.median(a[f"ui_stall_ms_{q}"] for a in stalls) for q in ("p50", "p99", "max")},
        "snapshots_per_s": statistics.median(a["snapshots_per_s"] for a in stalls),
        "worker_share": {k: statistics.median(a["worker_share"].get(k, float("nan")) for a in stalls)
                         for k in ("train", "snapshot", "emit")},
        "spread": {k: _summary(v) for k, v in runs.items() if v},
        "rounds": rounds,
    }
    return out


def cmd_bench(args) -> int:
    from playground.cli import UsageError
    from playground.core.device import configure_threads, resolve_device
    from playground.core.registry import all_labs, get_lab

    labs = [get_lab(n) for n in args.labs] if args.labs else list(all_labs().values())
    device = resolve_device(args.device)
    threads = configure_threads(args.threads or 1)
    if args.rounds < 1 or args.seconds <= 0:
        raise UsageError("--rounds must be ≥ 1 and --seconds > 0")
    if args.steps is not None and not 10 <= args.steps <= 10_000_000:
        raise UsageError(f"--steps={args.steps}: must be between 10 and 10,000,000")
    results: dict[str, Any] = {"device": str(device), "threads": threads, "labs": {}}
    for spec in labs:
        preset = args.preset or spec.default_preset
        config = spec.make_config(preset)
        res = bench_config(spec, preset, config, device, rounds=args.rounds, seconds=args.seconds,
                           steps=args.steps)
        res["startup_ms"] = statistics.median(startup_ms(spec.name) for _ in range(args.rounds))
        results["labs"][spec.name] = res
        if spec.name == "gan":
            gl = bench_config(spec, None, spec.make_config(None, GAN_LAB_SIZE), device, rounds=args.rounds,
                              seconds=args.seconds, steps=args.steps)
            results["labs"]["gan-lab-size"] = gl
            res["rss_growth_mb"] = rss_growth(args.rss_steps, device)
        if not args.json:
            _print(spec.name, res)
            if spec.name == "gan":
                _print("gan-lab-size", results["labs"]["gan-lab-size"])
    if args.json:
        print(json.dumps(results))
    return 0


def _print(name: str, r: dict) -> None:
    def f(v, fmt="{:,.0f}"):
        return "—" if v is None else fmt.format(v)

    print(f"{name} ({r.get('preset') or 'custom'})")
    print(f"  bare      {f(r['bare_steps_per_s']):>10} steps/s")
    print(f"  headless  {f(r['headless_steps_per_s']):>10} steps/s   "
          f"headless/bare {f(r['headless_vs_bare'], '{:.2f}')}")
    print(f"  app       {f(r['app_steps_per_s']):>10} steps/s   app/headless  {f(r['app_vs_headless'], '{:.2f}')}")
    st = r["ui_stall_ms"]
    print(f"  UI stall  p50 {st['p50']:.1f} ms  p99 {st['p99']:.1f} ms  max {st['max']:.1f} ms;"
          f"  {r['snapshots_per_s']:.0f} snapshots/s")
    ws = r.get("worker_share") or {}
    if ws:
        print(f"  worker    training {100 * ws['train']:.1f} %  snapshots {100 * ws['snapshot']:.1f} %"
              f"  sending {100 * ws['emit']:.1f} % of its time")
    if "startup_ms" in r:
        print(f"  start-up  {r['startup_ms']:.0f} ms to the first window")
    if "rss_growth_mb" in r:
        print(f"  memory    {r['rss_growth_mb']:+.1f} MB over the long headless run")
