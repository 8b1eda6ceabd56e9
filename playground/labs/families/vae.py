"""A variational autoencoder for 2D points with a 2-D latent (Kingma & Welling 2013; β-VAE, Higgins et al. 2017).

Encoder q(z | x) = N(μ(x), diag σ²(x)): an MLP from x (B, 2) to [μ, log σ²] (B, 2 + 2).
Decoder p(x | z) = N(m(z), diag σ_x²): an MLP from z (B, 2) to the mean m (B, 2); σ_x is one learned
number per coordinate (the decoder's own blur). Prior p(z) = N(0, I).

Training maximises the evidence lower bound, with a weight β on the KL term:

    ELBO_β(x) = E_{z ~ q(z|x)} log p(x | z) - β · KL(q(z | x) ‖ p(z))
              = -reconstruction                    - β · KL

using the reparameterisation z = μ + σ ⊙ ε, ε ~ N(0, I). β = 1 is the true bound on log p(x); a large β
pushes every posterior towards the prior: codes overlap and the decoder can only draw a blurry average.
Samples: z ~ N(0, I), x = m(z) + σ_x ⊙ ε' (the model's whole distribution, blur included).
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn

from playground.shared.gan import MLP, MLPConfig

LOG_2PI = math.log(2 * math.pi)


class VAE(nn.Module):
    def __init__(self, layers: int = 3, width: int = 128, latent: int = 2):
        super().__init__()
        self.latent = latent
        self.encoder = MLP(MLPConfig(2, 2 * latent, layers, width, "relu"))  # x -> [μ, log σ²]
        self.decoder = MLP(MLPConfig(latent, 2, layers, width, "relu"))  # z -> m(z)
        self.log_sigma_x = nn.Parameter(torch.full((2,), math.log(0.3)))  # decoder noise, learned
        self.register_buffer("shift", torch.zeros(2))
        self.register_buffer("scale", torch.ones(()))

    def set_standardisation(self, shift: torch.Tensor, scale: torch.Tensor) -> None:
        self.shift.copy_(shift)
        self.scale.copy_(scale)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, 2) in data units -> μ (B, latent), log σ² (B, latent)."""
        h = self.encoder((x - self.shift) / self.scale)
        mu, logvar = h.chunk(2, dim=1)
        return mu, logvar.clamp(-12.0, 6.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, latent) -> decoder mean m(z) (B, 2) in data units."""
        return self.decoder(z) * self.scale + self.shift

    def terms(self, x: torch.Tensor, eps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per point: reconstruction -log p(x | z) and KL(q(z|x) ‖ N(0, I)), both (B,), in nats, with
        z = μ + σ ε for the given ε (B, latent). Computed in standardised units, then corrected to data units."""
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * eps  # (B, latent)
        x_std = (x - self.shift) / self.scale
        m_std = self.decoder(z)  # (B, 2)
        log_s = self.log_sigma_x  # (2,)
        recon = 0.5 * (((x_std - m_std) / torch.exp(log_s)) ** 2 + 2 * log_s + LOG_2PI).sum(1)  # (B,)
        recon = recon + 2 * torch.log(self.scale)  # density in data units
        kl = 0.5 * (mu ** 2 + logvar.exp() - 1.0 - logvar).sum(1)  # (B,)
        return recon, kl

    def loss(self, x: torch.Tensor, gen: torch.Generator, beta: float) -> tuple[torch.Tensor, ...]:
        """(loss, reconstruction, KL): loss = mean(recon + β·KL) = -ELBO_β."""
        eps = torch.randn(x.shape[0], self.latent, generator=gen, device=x.device)
        recon, kl = self.terms(x, eps)
        recon, kl = recon.mean(), kl.mean()
        return recon + beta * kl, recon, kl

    @torch.no_grad()
    def elbo(self, x: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """ELBO (β = 1) per point (B,), averaged over the K noise draws in eps (K, B, latent): a lower
        bound on log p(x), the heat-map of what the VAE believes."""
        vals = [-(r + k) for r, k in (self.terms(x, e) for e in eps)]
        return torch.stack(vals).mean(0)

    def sample(self, n: int, gen: torch.Generator, noise: bool = True) -> torch.Tensor:
        z = torch.randn(n, self.latent, generator=gen, device=self.shift.device)  # (n, latent)
        m = self.decode(z)
        if not noise:
            return m
        eps = torch.randn(n, 2, generator=gen, device=m.device)
        return m + torch.exp(self.log_sigma_x) * self.scale * eps
