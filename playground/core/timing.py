"""Timing shared by the benchmark and every lab's bare loop (Qt-free, lab-free).

``rate(step, device, seconds, steps)`` is how `playground bench` times a training step, whether the
step is a lab's bare loop (``playground.labs.<lab>.bare``) or a Session: the same warm-up, the same
device synchronisation and, on CUDA, the same check that a step never syncs with the host.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

WARMUP_STEPS = 5


def sync(device) -> None:
    """Wait for queued device work (CUDA); nothing on the CPU."""
    if getattr(device, "type", "cpu") == "cuda":
        import torch

        torch.cuda.synchronize(device)


def rss_mb() -> float:
    """Resident memory of this process, MB (Linux: /proc; elsewhere the peak from ``resource``)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rate(step: Callable[[], None], device, seconds: float, steps: int | None = None, *,
         warmup: int = WARMUP_STEPS) -> float:
    """Steps per second of ``step()``: for ``seconds``, or exactly ``steps`` steps when given, after
    ``warmup`` untimed steps (fewer when they take long: a quarter of ``seconds`` at most, one at least)."""
    if getattr(device, "type", "cpu") == "cuda":  # every training step runs with host syncs forbidden
        import torch

        plain = step

        def step():
            torch.cuda.set_sync_debug_mode("error")
            try:
                plain()
            finally:
                torch.cuda.set_sync_debug_mode("default")

    w0 = time.perf_counter()
    for _ in range(warmup):
        step()
        if time.perf_counter() - w0 >= 0.25 * seconds:  # a slow lab's steps warm up as well
            break
    sync(device)
    n, t0 = 0, time.perf_counter()
    if steps is not None:
        for _ in range(steps):
            step()
        sync(device)
        return steps / (time.perf_counter() - t0)
    # the host's clock runs ahead of queued GPU work, never behind it: sync once the host says time is up (a
    # slow step no longer stretches a 1-s measurement to 50 steps: 8 s for the families lab)
    while True:
        step()
        n += 1
        if time.perf_counter() - t0 >= seconds:
            sync(device)
            break
    return n / (time.perf_counter() - t0)
