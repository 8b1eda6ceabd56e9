"""FamiliesSession: one to four generative families trained side by side on the same 2D data and seed.

Each family is a :class:`~.members.Member`. A session step is one step of every family (for the GAN:
``n_critic`` critic steps and one generator step). Metrics are the GAN lab's, on 2,500 samples from fixed
noise: modes captured, high-quality fraction (mixtures), sliced Wasserstein distance; plus each family's
sampling cost. History keys carry the family as a prefix (``flow_hq_fraction``); :meth:`evaluate` also
returns the first family's metrics under the plain names (``modes_captured``, ``hq_fraction``, ``swd``).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from playground.core.session import Session
from playground.shared import metrics2d as metrics
from playground.shared.data2d import Dataset, make_dataset

from .config import FamiliesConfig
from .members import MEMBERS, Member, density_grid

N_EVAL = metrics.MIN_EVAL_SAMPLES  # generated points for the metrics (the modes-captured rule's count)
MAX_LOG = 4000  # evaluation-log rows kept per family (thinned by half beyond)
METRIC_KEYS = ("modes_captured", "hq_fraction", "swd", "samples_per_s")


class FamiliesSession(Session):
    lab = "families"
    eval_every_s = 1.0  # live snapshots refresh the metrics at most this often
    Config = FamiliesConfig
    watch = ("gan_loss_d", "gan_loss_g", "vae_loss", "flow_nll", "diffusion_loss")
    light_snapshots = True

    def build(self) -> None:
        c: FamiliesConfig = self.config
        self.drawn_points: np.ndarray | None = getattr(self, "drawn_points", None)
        self.data: Dataset = make_dataset(c.data, self.device, c.noise, self.drawn_points)
        self.members: dict[str, Member] = {f: MEMBERS[f](c, self.data, self.device, self.seed) for f in c.families()}
        self.primary = c.family
        # views and metrics use their own generators: drawing never changes the training random streams
        self._view_gen = torch.Generator(device=self.device).manual_seed(self.seed + 7919)
        self.real_eval = self.data.sample(N_EVAL, self._view_gen)
        self.z_view = torch.randn(N_EVAL, 2, generator=self._view_gen, device=self.device)
        self._build_grid()
        self.log: dict[str, list[tuple]] = {f: [] for f in self.members}  # (step, seconds, modes, hq, swd)
        self.firsts: dict[str, dict[str, tuple[int, float]]] = {f: {} for f in self.members}
        self._fakes: dict[str, torch.Tensor] = {}

    def _build_grid(self) -> None:
        n, e = self.config.grid, self.data.extent
        xs = torch.linspace(-e, e, n, device=self.device)
        gy, gx = torch.meshgrid(xs.flip(0), xs, indexing="ij")  # row 0 = top (largest y)
        self.grid_xy = torch.stack([gx, gy], -1).reshape(-1, 2)  # (grid², 2)

    def inherit(self, old: Session) -> None:
        """Keep the user's drawn points across a rebuild."""
        pts = getattr(old, "drawn_points", None)
        if pts is not None:
            self.drawn_points = pts
            if self.config.data == "drawn":
                self._set_data(make_dataset("drawn", self.device, self.config.noise, pts))

    def _set_data(self, data: Dataset) -> None:
        self.data = data
        for m in self.members.values():
            m.data = data
        self.real_eval = data.sample(N_EVAL, torch.Generator(device=self.device).manual_seed(self.seed + 7919))
        self.forget_evaluation()

    # -- training ----------------------------------------------------------------------------------
    def train_step(self) -> None:
        for m in self.members.values():
            t0 = time.perf_counter()  # a host clock: no device sync (on a GPU it counts launch time only)
            m.step(self.record)
            m.seconds += time.perf_counter() - t0

    def command(self, name: str, **kw: Any) -> Any:
        if name == "set_points":
            pts = np.asarray(kw["points"], np.float32).reshape(-1, 2)
            if len(pts) < 2:
                raise ValueError("Draw at least 2 points")
            self.drawn_points = pts
            if self.config.data == "drawn":
                self._set_data(make_dataset("drawn", self.device, self.config.noise, pts))
        else:
            super().command(name, **kw)

    def apply_live(self, changes: dict[str, Any]) -> None:
        for m in self.members.values():
            m.apply_live(self.config)
        if "grid" in changes:
            self._build_grid()
        if {"sampler", "sample_steps", "eta"} & set(changes):
            self.forget_evaluation()  # diffusion's samples change with its sampler

    # -- persistence -------------------------------------------------------------------------------
    def modules(self) -> dict[str, torch.nn.Module]:
        return {f"{f}.{k}": v for f, m in self.members.items() for k, v in m.modules().items()}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {f"{f}.{k}": v for f, m in self.members.items() for k, v in m.optimizers().items()}

    def extra_state(self) -> dict:
        return {"drawn_points": torch.from_numpy(self.drawn_points) if self.drawn_points is not None else None,
                "gens": {f: m.gen.get_state() for f, m in self.members.items()},
                "seconds": {f: m.seconds for f, m in self.members.items()},
                "log": {f: [list(r) for r in rows] for f, rows in self.log.items()},
                "firsts": {f: {k: list(v) for k, v in d.items()} for f, d in self.firsts.items()}}

    def load_extra_state(self, state: dict) -> None:
        pts = state.get("drawn_points")
        if pts is not None:
            self.drawn_points = pts.numpy()
            if self.config.data == "drawn":
                self._set_data(make_dataset("drawn", self.device, self.config.noise, self.drawn_points))
        for f, m in self.members.items():
            if f in state.get("gens", {}):
                m.gen.set_state(state["gens"][f])
            m.seconds = float(state.get("seconds", {}).get(f, 0.0))
        self.log = {f: [tuple(r) for r in state.get("log", {}).get(f, [])] for f in self.members}
        self.firsts = {f: {k: tuple(v) for k, v in state.get("firsts", {}).get(f, {}).items()} for f in self.members}
        self.forget_evaluation()

    # -- evaluation --------------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Every family's metrics on 2,500 samples from fixed noise; appended to the history and the log."""
        if getattr(self, "_real_sorted", (None,))[0] is not self.real_eval:
            self._real_sorted = (self.real_eval, metrics.sorted_projections(self.real_eval))
        out: dict[str, float] = {}
        for f, m in self.members.items():
            gen = torch.Generator(device=self.device).manual_seed(self.seed + 104729)
            t0 = time.perf_counter()
            fake = m.sample_for_eval(N_EVAL, gen) if hasattr(m, "sample_for_eval") else m.sample(N_EVAL, gen)
            fake = fake.cpu()  # the cost of sampling includes finishing it
            cost = time.perf_counter() - t0
            self._fakes[f] = fake
            r: dict[str, float] = {"swd": metrics.sliced_wasserstein(fake, b_sorted=self._real_sorted[1]),
                                   "samples_per_s": N_EVAL / max(cost, 1e-9)}
            if self.data.is_mixture:
                st = metrics.mode_stats(fake, self.data.centers, self.data.sigma)
                r.update(modes_captured=st["modes_captured"], hq_fraction=st["hq_fraction"])
                out["modes_total"] = st["modes_total"]
                self._note_firsts(f, st, m.seconds)
            self.history.add(self.step_count, **{f"{f}_{k}": v for k, v in r.items()})
            self._log(f, (self.step_count, m.seconds, r.get("modes_captured", np.nan), r.get("hq_fraction", np.nan),
                          r["swd"]))
            out.update({f"{f}_{k}": v for k, v in r.items()})
            out[f"{f}_train_s"] = m.seconds
            out[f"{f}_ms_per_1k_samples"] = 1000.0 * 1000.0 / r["samples_per_s"]
            if f == self.primary:
                out.update(r)
        for f, d in self.firsts.items():
            for k, (step, secs) in d.items():
                out[f"{f}_first_{k}_step"], out[f"{f}_first_{k}_s"] = step, round(secs, 3)
        return out

    def _note_firsts(self, f: str, st: dict, seconds: float) -> None:
        d = self.firsts[f]
        if "all_modes" not in d and st["modes_captured"] == st["modes_total"]:
            d["all_modes"] = (self.step_count, seconds)
        if "hq70" not in d and st["hq_fraction"] >= 0.7:
            d["hq70"] = (self.step_count, seconds)

    def _log(self, f: str, row: tuple) -> None:
        rows = self.log[f]
        if rows and rows[-1][0] == row[0]:
            rows[-1] = row
        else:
            rows.append(row)
        if len(rows) > MAX_LOG:
            self.log[f] = rows[::2] if rows[-1] is rows[::2][-1] else rows[::2] + [rows[-1]]

    def metrics(self) -> dict[str, float]:
        out = super().metrics()
        out.update(self.evaluate())
        return out

    # -- snapshot ------------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        self.flush()
        c: FamiliesConfig = self.config
        ev = self.cached_evaluate()
        n = min(c.show_samples, N_EVAL)
        ctx = {"real": self.real_eval[:n], "z": self.z_view[:n], "extent": self.data.extent, "step": self.step_count}
        fams: dict[str, dict] = {}
        with torch.no_grad():
            for f, m in self.members.items():
                was = [mod.training for mod in m.modules().values()]
                for mod in m.modules().values():
                    mod.eval()
                if f == "diffusion" and c.diff_heat == "density":
                    heat, label = density_grid(self._fakes[f], self.data.extent, c.grid), "log density of samples"
                    heat = heat.reshape(-1)
                else:
                    heat, label = m.belief(self.grid_xy)
                d = {"samples": self._fakes[f][:n].numpy(), "heat": heat.reshape(c.grid, c.grid).cpu().numpy(),
                     "heat_label": label, "seconds": m.seconds}
                d.update(m.details(ctx))
                fams[f] = d
                for mod, w in zip(m.modules().values(), was):
                    mod.train(w)
        snap = {
            "step": self.step_count,
            "extent": self.data.extent,
            "data_name": self.data.name,
            "families": list(self.members),
            "primary": self.primary,
            "real": self.real_eval[:n].cpu().numpy(),
            "centers": self.data.centers.cpu().numpy() if self.data.is_mixture else None,
            "members": fams,
            "log": {f: np.asarray(rows, np.float64).reshape(-1, 5) for f, rows in self.log.items()},
            "metrics": ev,
            "history": self.history.as_dict(),
            "diverged": self.diverged,
        }
        if self.data.kind == "points" and self.drawn_points is not None and self.data.name == "drawn":
            snap["drawn"] = self.drawn_points
        return snap

    def light_snapshot(self) -> dict:
        snap = super().light_snapshot()
        snap["seconds"] = {f: m.seconds for f, m in self.members.items()}
        return snap
