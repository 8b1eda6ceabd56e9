"""The Session protocol every lab implements, and the shared machinery behind it.

A Session owns its model, data and optimizers. ``step(n)`` trains; it must never synchronise with
the host (no ``.item()``, ``.cpu()``, printing): per-step losses are kept as device tensors with
:meth:`Session.record` and fetched in bulk by :meth:`Session.flush` at snapshot time.
``snapshot()`` returns plain data (numpy arrays, numbers, strings, lists/dicts of those) for the
views; heavy visual work happens there, under ``torch.no_grad()``, in the worker thread.

Lab-specific actions (a discriminator-only step, drawn points, a probe sequence…) arrive through
:meth:`command` and run between steps in the worker thread.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np
import torch

from . import config as cfgmod
from .device import configure_threads, resolve_device
from .history import MetricHistory


class Session:
    """Base class. Subclasses set ``lab`` and ``Config`` and implement ``build``, ``train_step``,
    ``snapshot`` and (optionally) ``apply_live`` and ``command``."""

    lab: ClassVar[str] = ""
    Config: ClassVar[type]
    #: metrics checked for divergence at flush time
    watch: ClassVar[tuple[str, ...]] = ()
    #: flush recorded device scalars at least every this many steps (bounds memory in long runs)
    flush_every: ClassVar[int] = 1000

    def __init__(self, config: Any = None, *, device: str = "auto", seed: int = 0):
        self.config = config if config is not None else cfgmod.validate(self.Config)
        self.device = resolve_device(device) if isinstance(device, str) else device
        self.compact_on_device = self.device.type != "cpu"  # an accelerator: never sync mid-training
        configure_threads()
        self.seed = int(seed)
        self.step_count = 0
        self.history = MetricHistory()
        self._pending: dict[str, tuple[list[int], list[torch.Tensor]]] = {}
        self._n_pending = 0
        self.diverged: str | None = None
        torch.manual_seed(self.seed)
        np.random.seed(self.seed % (2**32))
        self.gen = torch.Generator(device=self.device)
        self.gen.manual_seed(self.seed)
        self.build()

    # -- to implement ----------------------------------------------------------------------------
    def build(self) -> None:
        """Create model(s), data and optimizers from ``self.config``."""
        raise NotImplementedError

    def train_step(self) -> None:
        """One training step. Record losses with ``self.record(name=tensor)``; never sync."""
        raise NotImplementedError

    def snapshot(self) -> dict:
        """Plain data for the views (numpy arrays and numbers). Call ``self.flush()`` first."""
        raise NotImplementedError

    #: the lab's view draws light snapshots (curves only) laid over the last full one
    light_snapshots = False

    def light_snapshot(self) -> dict:
        """Step and curves only: cheap, so the runner sends these between full snapshots (which are
        spaced by their cost). The UI lays one over the last full snapshot (``loop.merge_snapshots``)
        and keeps ``light`` set, so views can skip their heavy panels."""
        self.flush()
        return {"step": self.step_count, "history": self.history.as_dict(), "diverged": self.diverged,
                "light": True}

    def apply_live(self, changes: dict[str, Any]) -> None:
        """Apply changes to ``live`` keys (``self.config`` is already updated). Default: none."""

    def command(self, name: str, **kwargs) -> Any:
        """A lab-specific action run between steps in the worker thread."""
        raise ValueError(f"{self.lab}: unknown command '{name}'")

    def inherit(self, old: Session) -> None:
        """Called after a rebuild (new config) with the previous session of the same lab, to keep
        user data such as drawn points or a probe sequence. Default: nothing."""

    def extra_state(self) -> dict:
        """Lab-specific state beyond models/optimizers/RNG (plain data or tensors)."""
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass

    def evaluate(self) -> dict[str, float]:
        """Optional metrics that need a forward pass (e.g. samples' quality), appended to the
        history at the current step. Called at snapshot time and periodically by the CLI."""
        return {}

    #: live snapshots re-run ``evaluate`` at most this often (``cached_evaluate``)
    eval_every_s: ClassVar[float] = 0.5

    def cached_evaluate(self) -> dict[str, float]:
        """``evaluate()`` for live snapshots: re-run at most every ``eval_every_s`` seconds, and only when
        training moved on (or went back: a loaded state). Call ``forget_evaluation()`` when something
        else changes what the evaluation sees (new data, another sampler)."""
        now = time.perf_counter()
        c = self.__dict__.get("_eval_cache")
        if c is None or c[2] > self.step_count or (c[2] != self.step_count and now - c[1] >= self.eval_every_s):
            c = self._eval_cache = (self.evaluate(), now, self.step_count)
        return c[0]

    def forget_evaluation(self) -> None:
        self._eval_cache = None

    def modules(self) -> dict[str, torch.nn.Module]:
        """Named modules whose weights are saved."""
        return {}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {}

    # -- shared machinery --------------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        for _ in range(int(n)):
            self.train_step()
            self.step_count += 1
            self._n_pending += 1
            if self._n_pending >= self.flush_every:
                self._compact()

    def _compact(self) -> None:
        """Bound the per-step bookkeeping without a host sync: on an accelerator, concatenate the
        recorded scalars into one device tensor per record call (4 bytes a value and step); on the CPU
        just flush."""
        if not self.compact_on_device:
            self.flush()
            return
        for key, (_, vals) in self._pending.items():
            if len(vals) > 1:
                vals[:] = [_stacked(vals, len(key))]
        self._n_pending = 0

    def record(self, **values: torch.Tensor) -> None:
        """Keep scalars of the step being trained on the device; they reach the history at the
        next flush (one host transfer for all of them). Values recorded in one call travel as one
        small tensor (one ``stack`` a step instead of one list entry per value)."""
        ts = []
        for v in values.values():
            v = v.detach()  # never keep a step's autograd graph alive
            if v.dim() or v.dtype != torch.float32:
                v = v.reshape(()).float()
            ts.append(v)
        key = tuple(values)
        steps, vals = self._pending.setdefault(key, ([], []))
        steps.append(self.step_count + 1)
        vals.append(ts[0] if len(ts) == 1 else torch.stack(ts))

    def flush(self) -> None:
        """Move recorded scalars to the history in one transfer; check for divergence."""
        self._n_pending = 0
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        flat = torch.cat([_stacked(vals, len(key)).reshape(-1) for key, (_, vals) in pending.items()])
        flat = flat.cpu().numpy().astype(np.float64)
        i = 0
        for key, (steps, _) in pending.items():
            block = flat[i: i + len(steps) * len(key)].reshape(len(steps), len(key))  # (steps, values)
            i += block.size
            for j, k in enumerate(key):
                row = block[:, j]
                self.history.extend(k, steps, row)
                if k in self.watch and self.diverged is None and not np.all(np.isfinite(row)):
                    n = int(np.argmax(~np.isfinite(row)))
                    self.diverged = (f"{k} became {row[n]} at step {steps[n]}: training diverged. "
                                     "Lower the learning rate or reset.")

    def metrics(self) -> dict[str, float]:
        """Latest value of every recorded metric (flushes)."""
        self.flush()
        return {k: self.history.last(k) for k in self.history.names()}


    def update_config(self, changes: dict[str, Any]) -> bool:
        """Validate and apply ``changes``. Returns True when they were all live (applied in
        place); False means the caller must rebuild the session. Raises ConfigError."""
        new = cfgmod.validate(type(self.config), changes, base=self.config)
        delta = cfgmod.diff(self.config, new)
        if not delta:
            return True
        if not set(delta) <= cfgmod.live_keys(type(self.config)):
            return False
        self.config = new
        self.apply_live(delta)
        return True

    # -- persistence -------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        self.flush()
        rng = {"torch": torch.get_rng_state(), "gen": self.gen.get_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        return {
            "lab": self.lab,
            "config": cfgmod.to_dict(self.config),
            "seed": self.seed,
            "step": self.step_count,
            "modules": {k: {n: t.detach().cpu() for n, t in m.state_dict().items()}
                        for k, m in self.modules().items()},
            "optimizers": {k: o.state_dict() for k, o in self.optimizers().items()},
            "rng": rng,
            "history": self.history.state_dict(),
            "extra": self.extra_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        if state.get("lab") != self.lab:
            raise ValueError(f"this checkpoint is for the '{state.get('lab')}' lab, not '{self.lab}'")
        mods = self.modules()
        if set(state["modules"]) != set(mods):
            raise ValueError("checkpoint does not match this lab's models")
        for k, m in mods.items():
            m.load_state_dict(state["modules"][k])
        for k, o in self.optimizers().items():
            o.load_state_dict(state["optimizers"][k])
        self.step_count = int(state["step"])
        self.forget_evaluation()
        torch.set_rng_state(state["rng"]["torch"])
        self.gen.set_state(state["rng"]["gen"])
        if "cuda" in state["rng"] and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["rng"]["cuda"], self.device)
        self.history.load_state_dict(state["history"])
        self.load_extra_state(state.get("extra", {}))
        self._pending, self._n_pending = {}, 0


def _stacked(vals: list[torch.Tensor], width: int = 1) -> torch.Tensor:
    """One record call's values over steps as a (steps, width) tensor (or (steps,) when width is 1);
    ``stack`` is ~4× cheaper than ``cat`` of views."""
    if all(v.dim() == (0 if width == 1 else 1) for v in vals):
        return torch.stack(vals)
    return torch.cat([v.reshape(-1, width) if width > 1 else v.reshape(-1) for v in vals])  # after _compact
