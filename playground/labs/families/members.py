"""One trainer per family: its model(s), optimizer(s), training step, sampler and what its views draw.

Every member has its own random generator seeded with the session's seed and builds its networks right
after ``torch.manual_seed(seed)``, so a family trains the same, bit for bit, alone or in a race.
``step(record)`` never syncs with the host; ``sample``, ``belief`` and ``details`` run at snapshot time
under ``torch.no_grad()``.
"""

from __future__ import annotations

import math

import torch

from playground.shared.data2d import Dataset
from playground.shared.gan import Discriminator, Generator, d_loss, d_probability, g_loss, gradient_penalty

from .config import FamiliesConfig
from .diffusion import Diffusion
from .flow import Flow
from .vae import VAE

N_LINES, LINE_POINTS = 13, 60  # the flow's warped grid: lines per direction, points per line
N_POSTERIORS = 64  # VAE posterior ellipses drawn
N_PATHS = 16  # diffusion reverse trajectories drawn
ARROWS = 17  # diffusion score arrows per side


def standardisation(data: Dataset, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and overall standard deviation of the data (a fixed draw: the same for every seed)."""
    x = data.sample(20_000, torch.Generator(device=device).manual_seed(12345))
    return x.mean(0), x.std().clamp(min=1e-3)


def data_bound(data: Dataset, shift: torch.Tensor, scale: torch.Tensor) -> float:
    """The largest standardised coordinate of the data (a fixed draw), with a margin: where x̂_0 is clipped."""
    x = data.sample(20_000, torch.Generator(device=shift.device).manual_seed(12345))
    return float(((x - shift) / scale).abs().max()) * 1.1 + 0.2


def z_mesh(n: int, lim: float, device) -> torch.Tensor:
    """A regular n × n grid of latent points over [-lim, lim]² as (n², 2), row-major."""
    t = torch.linspace(-lim, lim, n, device=device)
    zy, zx = torch.meshgrid(t, t, indexing="ij")
    return torch.stack([zx.reshape(-1), zy.reshape(-1)], 1)


class Member:
    name = ""
    loss_keys: tuple[str, ...] = ()

    def __init__(self, cfg: FamiliesConfig, data: Dataset, device, seed: int):
        self.cfg, self.data, self.device = cfg, data, device
        self.gen = torch.Generator(device=device).manual_seed(seed)
        self.seconds = 0.0  # training time (wall clock of its steps)
        torch.manual_seed(seed)
        self.build()

    def build(self) -> None:
        raise NotImplementedError

    def step(self, record) -> None:
        raise NotImplementedError

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        raise NotImplementedError

    def belief(self, xy: torch.Tensor) -> tuple[torch.Tensor, str]:
        """What the model believes at each point of the plane (N,) and its label."""
        raise NotImplementedError

    def details(self, ctx: dict) -> dict:
        return {}

    def modules(self) -> dict[str, torch.nn.Module]:
        raise NotImplementedError

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    def apply_live(self, cfg: FamiliesConfig) -> None:
        self.cfg = cfg
        for opt in self.optimizers().values():
            for g in opt.param_groups:
                g["lr"] = cfg.lr

    def _adam(self, module: torch.nn.Module, lr: float, betas=(0.9, 0.999)) -> torch.optim.Optimizer:
        return torch.optim.Adam(module.parameters(), lr=lr, betas=betas)


# -- GAN: the shared 2D GAN (playground.shared.gan) ----------------------------------------------------
class GanMember(Member):
    name = "gan"
    loss_keys = ("gan_loss_d", "gan_loss_g")

    def build(self) -> None:
        c = self.cfg
        self.G = Generator(2, 3, c.gan_width, "relu").to(self.device)
        self.D = Discriminator(3, c.gan_width, "relu").to(self.device)
        self.opt_g = self._adam(self.G, c.lr_g, (0.5, 0.9))
        self.opt_d = self._adam(self.D, c.lr_d, (0.5, 0.9))

    def _z(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return torch.randn(n, 2, generator=gen, device=self.device)

    def step(self, record) -> None:
        c = self.cfg
        for _ in range(c.n_critic):
            real = self.data.sample(c.batch_size, self.gen)
            with torch.no_grad():
                fake = self.G(self._z(c.batch_size, self.gen))
            d_real, d_fake = self.D(real), self.D(fake)
            loss_d = d_loss(c.gan_loss, d_real, d_fake)
            if c.gan_loss == "wgan-gp" and c.gp_weight > 0:
                loss_d = loss_d + c.gp_weight * gradient_penalty(self.D, real, fake, self.gen)
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
            if c.gan_loss == "wgan":
                with torch.no_grad():
                    for p in self.D.parameters():
                        p.clamp_(-0.01, 0.01)
        loss_g = g_loss(c.gan_loss, self.D(self.G(self._z(c.batch_size, self.gen))))
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        record(gan_loss_d=loss_d, gan_loss_g=loss_g)

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return self.G(self._z(n, gen))

    def belief(self, xy):
        prob = self.cfg.gan_loss in ("minimax", "non-saturating")
        return d_probability(self.cfg.gan_loss, self.D(xy)), "D(x) = P(real)" if prob else "critic score D(x)"

    def details(self, ctx: dict) -> dict:
        return {"mesh": self.G(z_mesh(21, 2.0, self.device)).reshape(21, 21, 2).cpu().numpy()}

    def modules(self):
        return {"G": self.G, "D": self.D}

    def optimizers(self):
        return {"G": self.opt_g, "D": self.opt_d}

    def apply_live(self, cfg: FamiliesConfig) -> None:
        self.cfg = cfg
        for opt, lr in ((self.opt_g, cfg.lr_g), (self.opt_d, cfg.lr_d)):
            for g in opt.param_groups:
                g["lr"] = lr


# -- VAE -------------------------------------------------------------------------------------------------
class VaeMember(Member):
    name = "vae"
    loss_keys = ("vae_loss", "vae_recon", "vae_kl")

    def build(self) -> None:
        self.model = VAE(3, self.cfg.vae_width).to(self.device)
        self.model.set_standardisation(*standardisation(self.data, self.device))
        self.opt = self._adam(self.model, self.cfg.lr)

    def step(self, record) -> None:
        x = self.data.sample(self.cfg.batch_size, self.gen)
        loss, recon, kl = self.model.loss(x, self.gen, self.cfg.beta)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        record(vae_loss=loss, vae_recon=recon, vae_kl=kl)

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return self.model.sample(n, gen)

    def belief(self, xy):
        eps = torch.randn(4, xy.shape[0], 2, generator=torch.Generator(device=self.device).manual_seed(0),
                          device=self.device)
        return self.model.elbo(xy, eps), "ELBO (≤ log p(x))"

    def details(self, ctx: dict) -> dict:
        real = ctx["real"][:N_POSTERIORS]
        mu, logvar = self.model.encode(real)
        mu_all, _ = self.model.encode(ctx["real"][:512])
        return {"mesh": self.model.decode(z_mesh(21, 2.5, self.device)).reshape(21, 21, 2).cpu().numpy(),
                "post_mu": mu.cpu().numpy(), "post_sigma": torch.exp(0.5 * logvar).cpu().numpy(),
                "post_x": real.cpu().numpy(), "codes": mu_all.cpu().numpy(),
                "codes_x": ctx["real"][:512].cpu().numpy(),
                "sigma_x": (torch.exp(self.model.log_sigma_x) * self.model.scale).cpu().numpy()}

    def modules(self):
        return {"vae": self.model}

    def optimizers(self):
        return {"vae": self.opt}


# -- flow ------------------------------------------------------------------------------------------------
class FlowMember(Member):
    name = "flow"
    loss_keys = ("flow_nll",)

    def build(self) -> None:
        c = self.cfg
        self.model = Flow(c.couplings, 2, c.flow_width, c.coupling, c.bins).to(self.device)
        self.model.set_standardisation(*standardisation(self.data, self.device))
        self.opt = self._adam(self.model, c.lr)

    def step(self, record) -> None:
        loss = self.model.nll(self.data.sample(self.cfg.batch_size, self.gen))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        record(flow_nll=loss)

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return self.model.sample(n, gen)

    def belief(self, xy):
        return self.model.log_prob(xy), "log p(x) (exact)"

    def details(self, ctx: dict) -> dict:
        t = torch.linspace(-2.5, 2.5, LINE_POINTS, device=self.device)
        a = torch.linspace(-2.5, 2.5, N_LINES, device=self.device)
        rows = torch.stack([t[None].expand(N_LINES, -1), a[:, None].expand(-1, LINE_POINTS)], -1)  # (L, P, 2)
        lines = torch.cat([rows, rows.flip(-1)])  # (2L, P, 2): horizontal then vertical lines of z
        _, grid = self.model(lines.reshape(-1, 2), keep_layers=True)  # (K + 1, 2L·P, 2)
        _, pts = self.model(ctx["z"], keep_layers=True)  # (K + 1, n, 2)
        k1 = grid.shape[0]
        return {"layers_grid": grid.reshape(k1, 2 * N_LINES, LINE_POINTS, 2).cpu().numpy(),
                "layers_samples": pts.cpu().numpy()}

    def modules(self):
        return {"flow": self.model}

    def optimizers(self):
        return {"flow": self.opt}


# -- diffusion -------------------------------------------------------------------------------------------
class DiffusionMember(Member):
    name = "diffusion"
    loss_keys = ("diffusion_loss",)

    def build(self) -> None:
        c = self.cfg
        self.model = Diffusion(c.T, c.schedule, c.diff_width, 3, c.diff_emb).to(self.device)
        shift, scale = standardisation(self.data, self.device)
        self.model.set_standardisation(shift, scale, clip=data_bound(self.data, shift, scale))
        self.opt = self._adam(self.model, c.lr)
        self.paths = None  # reverse trajectories of the last evaluation

    def step(self, record) -> None:
        loss = self.model.loss(self.data.sample(self.cfg.batch_size, self.gen), self.gen)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        record(diffusion_loss=loss)

    def steps(self) -> int:
        return min(self.cfg.sample_steps, self.model.T)

    def sample(self, n: int, gen: torch.Generator, keep: int = 0):
        c = self.cfg
        return self.model.sample(n, gen, sampler=c.sampler, steps=self.steps(), eta=c.eta, keep=keep)

    def sample_for_eval(self, n: int, gen: torch.Generator) -> torch.Tensor:
        x, self.paths = self.sample(n, gen, keep=N_PATHS)
        return x

    def t_view(self) -> int:
        return max(1, min(self.model.T, round(self.cfg.t_view * self.model.T)))

    def belief(self, xy):
        t = self.t_view()
        return self.model.score(xy, t).norm(dim=1), f"|score| at t = {t}"

    def details(self, ctx: dict) -> dict:
        c, m, t = self.cfg, self.model, self.t_view()
        x0 = (ctx["real"] - m.shift) / m.scale
        eps = torch.randn(x0.shape, generator=torch.Generator(device=self.device).manual_seed(1), device=self.device)
        noised = m.sched.noise(x0, torch.full((len(x0),), t, device=self.device), eps) * m.scale + m.shift
        e = ctx["extent"]
        at = z_mesh(ARROWS, e * (ARROWS - 1) / ARROWS, self.device)  # (A², 2) arrow tails in data units
        score = m.score(at, t) * m.scale  # a step along the score in data units (standardised score × scale)
        key = (ctx.get("step"), c.sampler, self.steps(), c.eta)
        if getattr(self, "_gallery", (None,))[0] != key:  # the t slider moves often: sample only after training
            gallery = {}
            g = torch.Generator(device=self.device)
            for k in sorted({1, 10, 50, self.steps()}):
                if k <= self.steps():
                    g.manual_seed(4242)
                    gallery[k] = m.sample(256, g, sampler=c.sampler, steps=k, eta=c.eta).cpu().numpy()
            self._gallery = (key, gallery)
        gallery = self._gallery[1]
        return {"t": t, "T": m.T, "noised": noised.cpu().numpy(), "arrows_at": at.cpu().numpy(),
                "arrows": score.cpu().numpy(), "paths": None if self.paths is None else self.paths.cpu().numpy(),
                "gallery": gallery, "steps": self.steps(),
                "alpha_bar": float(m.sched.alpha_bar[t]), "noise_std": float((1 - m.sched.alpha_bar[t]).sqrt())}

    def modules(self):
        return {"diffusion": self.model}

    def optimizers(self):
        return {"diffusion": self.opt}


MEMBERS = {"gan": GanMember, "vae": VaeMember, "flow": FlowMember, "diffusion": DiffusionMember}


def density_grid(points: torch.Tensor, extent: float, n: int) -> torch.Tensor:
    """log density of a cloud of points on an n × n grid (row 0 = top), a histogram smoothed by one cell."""
    cell = 2 * extent / n
    ij = ((points + extent) / cell).floor().long()
    ok = ((ij >= 0) & (ij < n)).all(1)
    ij = ij[ok]
    hist = torch.zeros(n * n, device=points.device)
    hist.index_add_(0, (n - 1 - ij[:, 1]) * n + ij[:, 0], torch.ones(len(ij), device=points.device))
    hist = hist.reshape(1, 1, n, n)
    k = torch.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]], device=points.device) / 16
    hist = torch.nn.functional.conv2d(hist, k[None, None], padding=1)[0, 0]
    dens = hist / max(1, len(points)) / cell ** 2
    return torch.log(dens + 1e-3)


def sample_cost(seconds: float, n: int) -> float:
    """Samples per second (finite)."""
    return n / seconds if seconds > 0 else math.inf
