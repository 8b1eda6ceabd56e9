"""The training loop's snapshot budget (Qt-free): full snapshots are spaced by their cost, light ones
(curves only) fill the gaps, and a consumer that misses a full one still gets its data."""

from __future__ import annotations

import threading
import time

from playground.bench import GAN_LAB_SIZE
from playground.core.loop import LIGHT_SHARE, SNAPSHOT_SHARE, TrainLoop, merge_snapshots
from playground.core.registry import get_lab
from playground.labs.gan.session import GanSession


def test_merge_keeps_the_full_snapshots_data():
    full = {"step": 10, "history": "h10", "d_grid": "grid"}
    light = {"step": 12, "history": "h12", "light": True}
    assert merge_snapshots(None, light) is light
    assert merge_snapshots(full, {"step": 13}) == {"step": 13}  # a newer full one replaces
    m = merge_snapshots(full, light)
    assert m == {"step": 12, "history": "h12", "d_grid": "grid", "light": False}  # fresh heavy data
    m2 = merge_snapshots({**full, "light": True}, light)
    assert m2["light"] is True  # laid over an old full one: views may skip their heavy panels


class SlowSnapshots(GanSession):
    """A full snapshot costs 12 ms here, 20× a step of this small GAN."""

    def snapshot(self):
        t = time.perf_counter()
        snap = super().snapshot()
        while time.perf_counter() - t < 0.012:
            pass
        return snap


def test_visual_work_keeps_to_its_share_and_curves_stay_live():
    spec = get_lab("gan")
    cfg = spec.make_config(None, GAN_LAB_SIZE)
    snaps: list[tuple[float, dict]] = []
    enough = threading.Event()

    def emit(kind, *args):
        if kind == "snapshot":
            snaps.append((time.perf_counter(), args[0]))
            if sum(not s.get("light") for _, s in snaps) >= 5:
                enough.set()

    loop = TrainLoop(lambda c: SlowSnapshots(c, device="cpu", seed=0), cfg, emit)
    loop.max_hz = 30.0
    th = threading.Thread(target=loop.run, daemon=True)
    th.start()
    loop.post("play", True)
    assert enough.wait(240)  # five full snapshots, each ~cost / SNAPSHOT_SHARE apart: generous for a slow day
    loop.stop()
    th.join(5)
    playing = [(ts, s) for ts, s in snaps if s["playing"]]
    # the share in the steady state: from the second full snapshot to the last one (each snapshot carries the
    # loop's account before its own cost), so the start-up's first full one does not weigh on a short run
    fulls = [s["loop_time"] for _, s in playing if not s.get("light")]
    a, b = fulls[1], fulls[-1]
    share = (b["snapshot"] + b["emit"] - a["snapshot"] - a["emit"]) / (b["total"] - a["total"])
    assert share <= SNAPSHOT_SHARE + LIGHT_SHARE + 0.01, (a, b)
    # between any two snapshots, training took at most the time that passed (each carries its own turn)
    accounts = [s["loop_time"] for _, s in playing]
    assert all(y["train"] - x["train"] <= y["total"] - x["total"] + 1e-9 for x, y in zip(accounts, accounts[1:]))
    full = [ts for ts, s in playing if not s.get("light")]
    light = [s for _, s in playing if s.get("light")]
    # full ones about cost / share = 0.4 s apart; light ones (step + curves) in between, near max_hz
    gaps = [b - a for a, b in zip(full, full[1:])]
    assert min(gaps) >= 0.012 / SNAPSHOT_SHARE * 0.9, gaps
    assert len(light) >= 4 * (len(full) - 1), (len(light), len(full))
    assert all(set(s) >= {"step", "history", "light"} and "d_grid" not in s for s in light)
    steps = [s["step"] for _, s in playing]
    assert steps == sorted(steps) and steps[-1] > steps[0]
