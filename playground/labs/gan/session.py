"""GanSession: trains a 2D GAN/WGAN and snapshots everything the GAN view draws."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from playground.core.session import Session
from playground.shared import metrics2d as metrics
from playground.shared.data2d import Dataset, make_dataset
from playground.shared.gan import Discriminator, Generator, d_loss, d_probability, g_loss, gradient_penalty

from .config import GanConfig

N_EVAL = metrics.MIN_EVAL_SAMPLES  # generated points for the metrics (2,500: the modes-captured rule's count)
N_ARROWS = 96


def _optimizer(name: str, params, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    return torch.optim.Adam(params, lr=lr, betas=betas)


class GanSession(Session):
    lab = "gan"
    eval_every_s = 0.4  # the metrics (2,500 samples) are refreshed at most this often in live snapshots
    Config = GanConfig
    watch = ("loss_d", "loss_g")
    light_snapshots = True

    def build(self) -> None:
        c: GanConfig = self.config
        self.drawn_points: np.ndarray | None = getattr(self, "drawn_points", None)
        self.data: Dataset = make_dataset(c.data, self.device, c.noise, self.drawn_points)
        self.G = Generator(c.latent_dim, c.g_layers, c.g_width, c.g_act).to(self.device)
        self.D = Discriminator(c.d_layers, c.d_width, c.d_act).to(self.device)
        betas = (c.beta1, c.beta2)
        self.opt_g = _optimizer(c.opt_g, self.G.parameters(), c.lr_g, betas)
        self.opt_d = _optimizer(c.opt_d, self.D.parameters(), c.lr_d, betas)
        # Everything the views and metrics use comes from a separate generator, so that drawing
        # never changes the training random stream (app runs equal headless runs bit for bit).
        g = torch.Generator(device=self.device).manual_seed(self.seed + 7919)
        self._view_gen = g
        self.z_eval = self._sample_z(N_EVAL, g)
        self.real_eval = self.data.sample(N_EVAL, g)
        self._build_grids()

    def _build_grids(self) -> None:
        c: GanConfig = self.config
        e = self.data.extent
        xs = torch.linspace(-e, e, c.grid, device=self.device)
        gy, gx = torch.meshgrid(xs.flip(0), xs, indexing="ij")  # row 0 = top (largest y)
        self.grid_xy = torch.stack([gx, gy], -1).reshape(-1, 2)  # (grid², 2)
        # latent grid for the manifold: 1D line or 2D mesh over the bulk of p(z)
        lim = 2.0 if c.latent == "normal" else 1.0
        if c.latent_dim == 1:
            self.z_grid = torch.linspace(-lim, lim, 200, device=self.device)[:, None]
        else:
            t = torch.linspace(-lim, lim, 21, device=self.device)
            zy, zx = torch.meshgrid(t, t, indexing="ij")
            z = torch.zeros(21 * 21, c.latent_dim, device=self.device)
            z[:, 0], z[:, 1] = zx.reshape(-1), zy.reshape(-1)
            self.z_grid = z

    def inherit(self, old: Session) -> None:
        """Keep the user's drawn points across a rebuild."""
        pts = getattr(old, "drawn_points", None)
        if pts is not None:
            self.drawn_points = pts
            if self.config.data == "drawn":
                self.data = make_dataset("drawn", self.device, self.config.noise, pts)
                self.real_eval = self.data.sample(N_EVAL, self._view_gen)
                self.forget_evaluation()

    def _sample_z(self, n: int, gen: torch.Generator | None = None) -> torch.Tensor:
        gen = gen or self.gen
        if self.config.latent == "uniform":
            return torch.rand(n, self.config.latent_dim, generator=gen, device=self.device) * 2 - 1
        return torch.randn(n, self.config.latent_dim, generator=gen, device=self.device)

    # -- training ----------------------------------------------------------------------------------
    def d_step(self) -> None:
        c: GanConfig = self.config
        real = self.data.sample(c.batch_size, self.gen)
        with torch.no_grad():
            fake = self.G(self._sample_z(c.batch_size))
        d_real, d_fake = self.D(real), self.D(fake)
        loss = d_loss(c.loss, d_real, d_fake)
        if c.loss == "wgan-gp" and c.gp_weight > 0:
            gp = gradient_penalty(self.D, real, fake, self.gen)
            loss = loss + c.gp_weight * gp
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        if c.loss == "wgan":
            with torch.no_grad():
                for p in self.D.parameters():
                    p.clamp_(-c.clip, c.clip)
        self._last_d = (loss, d_real, d_fake)  # the Wasserstein estimate is computed once a step, below

    def g_step(self, record: bool = True) -> torch.Tensor:
        c: GanConfig = self.config
        fake = self.G(self._sample_z(c.batch_size))
        loss = g_loss(c.loss, self.D(fake))
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        if record:
            self.record(loss_g=loss)
        return loss

    def _d_values(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The last critic step's loss and the Wasserstein estimate E D(x) - E D(G(z)) (once a step)."""
        loss, d_real, d_fake = self._last_d
        self._last_d = None
        with torch.no_grad():
            return loss, d_real.mean() - d_fake.mean()

    def _record_d(self) -> None:
        loss, w = self._d_values()
        self.record(loss_d=loss, w_estimate=w)

    def train_step(self) -> None:
        for _ in range(self.config.n_critic):
            self.d_step()
        loss_g = self.g_step(record=False)
        loss_d, w = self._d_values()
        self.record(loss_d=loss_d, w_estimate=w, loss_g=loss_g)  # one record call a step: the cheapest

    def command(self, name: str, **kw: Any) -> Any:
        if name == "d_step":  # teaching mode: only the discriminator learns
            self.d_step()
            self._record_d()
            self.step_count += 1
        elif name == "g_step":  # only the generator learns
            self.g_step()
            self.step_count += 1
        elif name == "both":
            self.step(1)
        elif name == "set_points":
            pts = np.asarray(kw["points"], np.float32).reshape(-1, 2)
            if len(pts) < 2:
                raise ValueError("Draw at least 2 points")
            self.drawn_points = pts
            if self.config.data == "drawn":
                self.data = make_dataset("drawn", self.device, self.config.noise, pts)
                self.real_eval = self.data.sample(N_EVAL, self._view_gen)
                self.forget_evaluation()
        else:
            super().command(name, **kw)

    def apply_live(self, changes: dict[str, Any]) -> None:
        c: GanConfig = self.config
        for opt, lr in ((self.opt_g, c.lr_g), (self.opt_d, c.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr
                if "betas" in group:
                    group["betas"] = (c.beta1, c.beta2)
        if "grid" in changes:
            self._build_grids()

    # -- persistence -------------------------------------------------------------------------------
    def modules(self) -> dict[str, torch.nn.Module]:
        return {"G": self.G, "D": self.D}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"G": self.opt_g, "D": self.opt_d}

    def extra_state(self) -> dict:
        return {"drawn_points": torch.from_numpy(self.drawn_points) if self.drawn_points is not None else None}

    def load_extra_state(self, state: dict) -> None:
        pts = state.get("drawn_points")
        if pts is not None:
            self.drawn_points = pts.numpy()
            if self.config.data == "drawn":
                self.data = make_dataset("drawn", self.device, self.config.noise, self.drawn_points)

    # -- evaluation and views ----------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Metrics on 2,500 generated points (fixed noise); also appended to the history."""
        was = self.G.training
        self.G.eval()
        fake = self.G(self.z_eval)
        self.G.train(was)
        if getattr(self, "_real_sorted", (None,))[0] is not self.real_eval:
            self._real_sorted = (self.real_eval, metrics.sorted_projections(self.real_eval))
        out: dict[str, float] = {"swd": metrics.sliced_wasserstein(fake, b_sorted=self._real_sorted[1])}
        if self.data.is_mixture:
            out.update(metrics.mode_stats(fake, self.data.centers, self.data.sigma))
        self.history.add(self.step_count, **{k: v for k, v in out.items() if k not in ("modes_total", "mode_counts")})
        return out

    def metrics(self) -> dict[str, float]:
        out = super().metrics()
        out.update(self.evaluate())
        return out

    def snapshot(self) -> dict:
        self.flush()
        c: GanConfig = self.config
        ev = self.cached_evaluate()
        n = min(c.show_samples, N_EVAL)
        with torch.no_grad():
            fake = self.G(self.z_eval[:n])
            scores = d_probability(c.loss, self.D(self.grid_xy)).reshape(c.grid, c.grid)
            manifold = self.G(self.z_grid)
        # where the generator's gradient pushes generated points: -∂L_G/∂x for each point
        x = fake[:N_ARROWS].detach().clone().requires_grad_(True)
        with torch.enable_grad():
            (grad,) = torch.autograd.grad(g_loss(c.loss, self.D(x)) * len(x), x)
        nz = 21 if c.latent_dim >= 2 else None
        mani = manifold.cpu().numpy()
        snap = {
            "step": self.step_count,
            "extent": self.data.extent,
            "loss": c.loss,
            "data_name": self.data.name,
            "real": self.real_eval[:n].cpu().numpy(),
            "fake": fake.cpu().numpy(),
            "d_grid": scores.cpu().numpy(),
            "d_is_prob": c.loss in ("minimax", "non-saturating"),
            "manifold": mani.reshape(nz, nz, 2) if nz else mani,
            "arrows_at": x.detach().cpu().numpy(),
            "arrows": (-grad).cpu().numpy(),
            "history": self.history.as_dict(),
            "metrics": ev,
            "centers": self.data.centers.cpu().numpy() if self.data.is_mixture else None,
            # the modes-captured rule, for the view's per-mode bars and tooltip (it imports no torch)
            "mode_min": metrics.MIN_MODE_SHARE * N_EVAL,
            "mode_rule": metrics.MODE_RULE,
            "diverged": self.diverged,
        }
        if self.data.kind == "points" and self.drawn_points is not None and self.data.name == "drawn":
            snap["drawn"] = self.drawn_points
        return snap
