"""How finely can `playground bench` tell two speeds apart on this machine? An A/A test.

    python bench/noise_floor.py gan --seconds 40

Trains one lab's default preset headless, one thread, and times every step. The steps are cut into 1-s
windows; neighbouring windows run the same code, so the spread of their ratio is the machine's own noise:
what any paired ratio of 1-s runs (app / headless, headless / bare) carries before the app adds anything.
It prints that spread, the same for the thread's CPU time (equal to the wall's: the VM lends its vCPUs whole,
the speed of a CPU-second itself changes), and the 95 % interval a median of R such ratios can reach.
Not collected by pytest (it lives outside tests/).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("lab")
    ap.add_argument("--preset")
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--rounds", type=int, default=30, help="rounds of the benchmark to size the interval for")
    a = ap.parse_args()
    from playground.core.device import configure_threads
    from playground.core.registry import get_lab

    configure_threads(1)
    spec = get_lab(a.lab)
    s = spec.make_session(spec.make_config(a.preset or spec.default_preset), device="cpu", seed=0)
    s.step(5)
    wall, cpu = [time.perf_counter()], [time.thread_time()]
    while wall[-1] - wall[0] < a.seconds:
        s.step(1)
        wall.append(time.perf_counter())
        cpu.append(time.thread_time())
    w, c = np.asarray(wall), np.asarray(cpu)
    win = np.floor((w[1:] - w[0]) / 1.0).astype(int)  # the 1-s window each step ends in
    n = int(win.max())  # whole windows only
    for name, t in (("wall", w), ("CPU", c)):
        dt = np.diff(t)
        rate = np.array([1.0 / dt[win == i].mean() for i in range(n)])
        m = n // 2
        aa = rate[1: 2 * m: 2] / rate[0: 2 * m: 2]  # window 2k+1 over window 2k
        half = 1.96 * 1.2533 * aa.std() / np.sqrt(a.rounds)  # the median's standard error is 1.25 sd / √R
        print(f"{a.lab} ({len(dt)} steps, {n} windows, {name} time): rate CV {rate.std() / rate.mean():.3f}; "
              f"A/A ratio of neighbouring 1-s windows: median {np.median(aa):.3f}, sd {aa.std():.3f}; "
              f"a median of {a.rounds} such ratios: ±{half:.3f} (95 %)")


if __name__ == "__main__":
    main()
