"""A denoising diffusion model for 2D points (DDPM, Ho, Jain & Abbeel 2020; DDIM, Song, Meng & Ermon 2020).

Forward process: T steps of Gaussian noise with variances β_1..β_T. With α_t = 1 - β_t and
ᾱ_t = α_1·…·α_t, a noised point at any step has a closed form:

    q(x_t | x_0) = N(√ᾱ_t · x_0, (1 - ᾱ_t) I)         x_t = √ᾱ_t x_0 + √(1 - ᾱ_t) ε,  ε ~ N(0, I)

Model: an MLP ε_θ(x_t, t) predicts the noise ε that was added; the loss is ‖ε - ε_θ(x_t, t)‖² at a
uniformly random t. The prediction is also a score: ∇ log q(x_t) ≈ -ε_θ(x_t, t) / √(1 - ᾱ_t).

Sampling runs the process backwards from x_T ~ N(0, I):
- DDPM (ancestral): x_{t-1} = 1/√α_t · (x_t - β_t/√(1 - ᾱ_t) · ε_θ) + σ_t z, σ_t² = β̃_t
  = (1 - ᾱ_{t-1})/(1 - ᾱ_t) β_t. Every one of the T steps is one network call: the cost you watch.
- DDIM: any decreasing subsequence of steps; predict x̂_0 = (x_t - √(1 - ᾱ_t) ε_θ)/√ᾱ_t, then
  x_s = √ᾱ_s x̂_0 + √(1 - ᾱ_s - σ²) ε_θ + σ z with σ = η √((1 - ᾱ_s)/(1 - ᾱ_t)) √(1 - ᾱ_t/ᾱ_s).
  η = 0 is deterministic; η = 1 with every step is exactly DDPM.

Steps are numbered 1..T as in the papers; index 0 of the schedule tensors is "no noise" (ᾱ_0 = 1).
Points have shape (B, 2); ``shift`` / ``scale`` standardise the data so one schedule suits every data set.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn


def sinusoidal(v: torch.Tensor, dim: int, scale: float) -> torch.Tensor:
    """(B,) values -> (B, dim) [sin(v·ω_k), cos(v·ω_k)] with ω_k = scale · 10000^(-k/(dim/2))."""
    half = dim // 2
    freqs = scale * torch.exp(-math.log(10000.0) * torch.arange(half, device=v.device) / half)  # (half,)
    arg = v[:, None] * freqs[None]  # (B, half)
    return torch.cat([torch.sin(arg), torch.cos(arg)], 1)


class Schedule(nn.Module):
    """β_t, α_t, ᾱ_t for t = 0..T (index 0: no noise). ``linear``: β from 1e-4 to 0.02 scaled by 1000/T
    (so ᾱ_T ≈ 0 for any T); ``cosine``: ᾱ_t = cos²((t/T + s)/(1 + s) · π/2) (Nichol & Dhariwal 2021)."""

    def __init__(self, T: int, kind: str = "linear"):
        super().__init__()
        if kind == "linear":
            k = 1000.0 / T
            betas = torch.linspace(1e-4 * k, min(0.02 * k, 0.999), T, dtype=torch.float64)
        else:
            s = 0.008
            t = torch.arange(T + 1, dtype=torch.float64) / T
            f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
            ab = f / f[0]
            betas = (1 - ab[1:] / ab[:-1]).clamp(max=0.999)
        betas = torch.cat([torch.zeros(1, dtype=torch.float64), betas])  # (T + 1,)
        alpha_bar = torch.cumprod(1 - betas, 0)
        self.T = T
        self.register_buffer("betas", betas.float())
        self.register_buffer("alphas", (1 - betas).float())
        self.register_buffer("alpha_bar", alpha_bar.float())

    def noise(self, x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """q(x_t | x_0) in closed form: x0, eps (B, 2), t (B,) integers in 1..T -> x_t (B, 2)."""
        ab = self.alpha_bar[t][:, None]  # (B, 1)
        return ab.sqrt() * x0 + (1 - ab).sqrt() * eps


class NoiseNet(nn.Module):
    """ε_θ(x_t, t): sinusoidal embeddings of x, y and t, concatenated, through an MLP (GELU) to 2 numbers."""

    def __init__(self, T: int, width: int = 128, layers: int = 3, emb: int = 64, x_scale: float = 25.0):
        super().__init__()
        self.T, self.emb, self.x_scale = T, emb, x_scale
        dims = [3 * 2 * (emb // 2)] + [width] * layers  # three embeddings of 2·(emb//2) numbers
        blocks: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:]):
            blocks += [nn.Linear(a, b), nn.GELU()]
        blocks.append(nn.Linear(dims[-1], 2))
        self.net = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """x (B, 2) standardised, t (B,) step numbers -> predicted noise (B, 2)."""
        h = torch.cat([sinusoidal(x[:, 0], self.emb, self.x_scale),  # (B, emb)
                       sinusoidal(x[:, 1], self.emb, self.x_scale),  # (B, emb)
                       sinusoidal(t.float(), self.emb, 1.0)], 1)  # (B, 3·emb)
        return self.net(h)


class Diffusion(nn.Module):
    def __init__(self, T: int = 100, schedule: str = "linear", width: int = 128, layers: int = 3, emb: int = 64):
        super().__init__()
        self.sched = Schedule(T, schedule)
        self.eps_net = NoiseNet(T, width, layers, emb)
        self.register_buffer("shift", torch.zeros(2))
        self.register_buffer("scale", torch.ones(()))
        self.register_buffer("clip", torch.tensor(float("inf")))  # |x̂_0| bound while sampling (standardised)

    @property
    def T(self) -> int:
        return self.sched.T

    def set_standardisation(self, shift: torch.Tensor, scale: torch.Tensor, clip: float = float("inf")) -> None:
        """Standardise the data as (x - shift) / scale; ``clip`` bounds the predicted clean point x̂_0 while
        sampling (Ho et al. clip x̂_0 to the data range, [-1, 1] for images)."""
        self.shift.copy_(shift)
        self.scale.copy_(scale)
        self.clip.fill_(clip)

    def clipped_eps(self, x_t: torch.Tensor, t: int, eps: torch.Tensor) -> torch.Tensor:
        """The noise consistent with x̂_0 = (x_t - √(1-ᾱ_t) ε)/√ᾱ_t clipped to ±clip (ε itself when inside)."""
        ab = self.sched.alpha_bar[t]
        x0 = ((x_t - (1 - ab).sqrt() * eps) / ab.sqrt()).clamp(-self.clip, self.clip)
        return (x_t - ab.sqrt() * x0) / (1 - ab).sqrt()

    def loss(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """The simple DDPM objective: E_{t, ε} ‖ε - ε_θ(√ᾱ_t x_0 + √(1-ᾱ_t) ε, t)‖² (mean over B and 2)."""
        x0 = (x - self.shift) / self.scale  # (B, 2)
        t = torch.randint(1, self.T + 1, (x.shape[0],), generator=gen, device=x.device)  # (B,)
        eps = torch.randn(x0.shape, generator=gen, device=x.device)  # (B, 2)
        return ((eps - self.eps_net(self.sched.noise(x0, t, eps), t)) ** 2).mean()

    def predict(self, x_t: torch.Tensor, t: int) -> torch.Tensor:
        """ε_θ at one step t for all points (standardised units)."""
        return self.eps_net(x_t, torch.full((x_t.shape[0],), t, device=x_t.device, dtype=torch.long))

    # -- reverse process ---------------------------------------------------------------------------
    def ddpm_mean(self, x_t: torch.Tensor, t: int, eps: torch.Tensor) -> torch.Tensor:
        """μ_θ(x_t, t) = 1/√α_t · (x_t - β_t/√(1 - ᾱ_t) · ε_θ)."""
        s = self.sched
        return (x_t - s.betas[t] / (1 - s.alpha_bar[t]).sqrt() * eps) / s.alphas[t].sqrt()

    def ddpm_sigma(self, t: int) -> torch.Tensor:
        """σ_t = √β̃_t, the posterior's standard deviation (0 at t = 1)."""
        s = self.sched
        return ((1 - s.alpha_bar[t - 1]) / (1 - s.alpha_bar[t]) * s.betas[t]).sqrt()

    def ddim_step(self, x_t: torch.Tensor, t: int, t_prev: int, eps: torch.Tensor, eta: float,
                  z: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """One DDIM update from step t to an earlier step t_prev (0 = clean). Returns (mean, σ)."""
        ab_t, ab_s = self.sched.alpha_bar[t], self.sched.alpha_bar[t_prev]
        x0_hat = (x_t - (1 - ab_t).sqrt() * eps) / ab_t.sqrt()
        sigma = eta * ((1 - ab_s) / (1 - ab_t) * (1 - ab_t / ab_s)).clamp(min=0).sqrt()
        mean = ab_s.sqrt() * x0_hat + (1 - ab_s - sigma ** 2).clamp(min=0).sqrt() * eps
        return mean, sigma

    def timesteps(self, steps: int) -> list[int]:
        """``steps`` evenly spaced step numbers from T down to 1 (all T when steps ≥ T)."""
        steps = max(1, min(int(steps), self.T))
        ts = torch.linspace(self.T, 1, steps).round().long().tolist()
        return sorted(set(ts), reverse=True)

    @torch.no_grad()
    def sample(self, n: int, gen: torch.Generator, *, sampler: str = "ddpm", steps: int | None = None,
               eta: float = 1.0, keep: int = 0, x_T: torch.Tensor | None = None):
        """Run the reverse process for n points. ``sampler='ddpm'`` with every step is ancestral DDPM;
        otherwise (or with fewer steps) DDIM with ``eta`` over a strided subsequence (DDPM with fewer steps
        is DDIM with η = 1). Both clip x̂_0 to ±``clip``. Returns x_0 (n, 2) in data units and, when
        ``keep`` > 0, the paths of the first ``keep`` points: (len(timesteps) + 1, keep, 2) in data units."""
        dev = self.shift.device
        x = torch.randn(n, 2, generator=gen, device=dev) if x_T is None else (x_T - self.shift) / self.scale
        ts = self.timesteps(self.T if steps is None else steps)
        if sampler == "ddpm":
            eta = 1.0
        paths = [x[:keep].clone()] if keep else None
        for i, t in enumerate(ts):
            eps = self.clipped_eps(x, t, self.predict(x, t))
            t_prev = ts[i + 1] if i + 1 < len(ts) else 0
            if sampler == "ddpm" and t_prev == t - 1:
                mean, sigma = self.ddpm_mean(x, t, eps), self.ddpm_sigma(t)
            else:
                mean, sigma = self.ddim_step(x, t, t_prev, eps, eta, None)
            x = mean + sigma * torch.randn(x.shape, generator=gen, device=dev) if t_prev > 0 else mean
            if keep:
                paths.append(x[:keep].clone())
        out = x * self.scale + self.shift
        if keep:
            return out, torch.stack(paths) * self.scale + self.shift
        return out

    @torch.no_grad()
    def score(self, x: torch.Tensor, t: int) -> torch.Tensor:
        """The learned score ∇ log q_t(x) ≈ -ε_θ(x̃, t)/√(1 - ᾱ_t), in standardised units; x in data units."""
        x_t = (x - self.shift) / self.scale
        return -self.predict(x_t, t) / (1 - self.sched.alpha_bar[t]).sqrt()
