"""Device choice: ``auto`` picks CUDA, then MPS, then CPU; an unavailable device is a clear error."""

from __future__ import annotations

from .config import ConfigError

DEVICES = ("auto", "cpu", "cuda", "mps")


def available_devices() -> list[str]:
    import torch

    out = ["cpu"]
    if torch.cuda.is_available():
        out.insert(0, "cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.insert(0, "mps")
    return out


def resolve_device(name: str = "auto"):
    """Return a ``torch.device`` for ``name`` or raise ConfigError('device', ...)."""
    import torch

    name = (name or "auto").strip().lower()
    base = name.split(":")[0]
    if base not in DEVICES:
        raise ConfigError("device", name, "one of " + ", ".join(DEVICES), "unknown device")
    if base == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if base == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device", name, "one of " + ", ".join(["auto"] + available_devices()),
                          "CUDA is not available on this machine")
    if base == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ConfigError("device", name, "one of " + ", ".join(["auto"] + available_devices()),
                              "MPS is not available on this machine")
    try:
        return torch.device(name)
    except RuntimeError as e:
        raise ConfigError("device", name, "one of " + ", ".join(DEVICES), str(e)) from None


def describe(device) -> str:
    """A short human name for the status bar, e.g. 'CPU (2 threads)' or 'CUDA: NVIDIA H100'."""
    import torch

    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "Apple MPS"
    n = torch.get_num_threads()
    return f"CPU ({n} thread{'' if n == 1 else 's'})"


_threads_set = False


def configure_threads(n: int | None = None) -> int:
    """Set torch's CPU thread count once per process (an explicit ``n`` always wins).

    The models here are small: extra intra-op threads mostly spin, and on a 2-core machine two
    torch threads next to the UI thread (or another process) slow training down by 10-50×. The
    default is half the cores (1 on a 2-core machine), at most 4; ``PLAYGROUND_THREADS`` overrides it.
    """
    global _threads_set
    import os

    import torch

    if n is None:
        if _threads_set:
            return torch.get_num_threads()
        n = env_threads() or max(1, min(4, (os.cpu_count() or 2) // 2))
    torch.set_num_threads(int(n))
    _threads_set = True
    return int(n)


def env_threads() -> int | None:
    """``PLAYGROUND_THREADS`` when it is a positive whole number, else None."""
    import os

    env = os.environ.get("PLAYGROUND_THREADS", "")
    return int(env) if env.isdigit() and int(env) > 0 else None


def split_cores(worker_threads: int, avail: set[int] | None = None) -> tuple[set[int], set[int]] | None:
    """The cores for the UI process and for a training worker of ``worker_threads`` threads, apart; or None
    (no affinity on this OS, fewer than two allowed cores, a worker that wants them all, or
    ``PLAYGROUND_NO_PIN`` set). ``avail``: the allowed cores (default: this process's).

    Why: on a 2-core VM the kernel woke the UI thread on the training core (the waker's: the worker writes
    the pipe), where the two took turns for milliseconds until the balancer moved one: UI paints took 2-3×
    their CPU time and the 16-ms timer's p99 lateness was 20-26 ms; on separate cores, 8 ms (measured)."""
    import os

    if not hasattr(os, "sched_setaffinity") or os.environ.get("PLAYGROUND_NO_PIN"):
        return None
    try:
        cores = sorted(avail if avail is not None else os.sched_getaffinity(0))
    except OSError:
        return None
    k = max(1, int(worker_threads))
    if len(cores) < 2 or k >= len(cores):
        return None
    return set(cores[:-k]), set(cores[-k:])
