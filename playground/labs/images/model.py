"""The image lab's models, read top to bottom: a DCGAN generator and discriminator/critic, and a
convolutional VAE. Written from the papers (Radford et al. 2015; Gulrajani et al. 2017; Kingma &
Welling 2013; Higgins et al. 2017 for β; Kingma et al. 2016 for free bits); the GAN objectives live
in ``playground.shared.gan`` (one implementation for the 2D lab and this one).

Shapes: B batch, C channels (1 grey, 3 RGB), S image side (16, 28, 32 or 64), W base width.
Images are in [-1, 1] for the GAN (tanh output) and in [0, 1] for the VAE (Bernoulli means).

Side lengths through the networks (``ladder``): two ×2 stages for S ≤ 32, three for 64, so
28 → 14 → 7, 16 → 8 → 4, 32 → 16 → 8, 64 → 32 → 16 → 8.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SIZES = (16, 28, 32, 64)


def ladder(size: int) -> list[int]:
    """Side lengths from the smallest feature map up to the image, e.g. 28 -> [7, 14, 28]."""
    if size not in SIZES:
        raise ValueError(f"image size {size}: allowed: one of {', '.join(map(str, SIZES))}")
    stages = 3 if size == 64 else 2
    return [size >> (stages - i) for i in range(stages + 1)]


def widths(width: int, stages: int) -> list[int]:
    """Channels per stage, widest at the smallest map: W·2^(stages-1), ..., W (e.g. 64, 32 for W=32)."""
    return [width << (stages - 1 - i) for i in range(stages)]


def init_dcgan(m: nn.Module) -> None:
    """DCGAN initialisation: conv weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02)."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


# -- DCGAN -----------------------------------------------------------------------------------------
class Generator(nn.Module):
    """z (B, Z) -> Linear -> (B, W·2^(k-1), s0, s0) -> [ConvT 4×4 /2 -> BN -> ReLU] × (k-1)
    -> ConvT 4×4 /2 -> tanh -> x (B, C, S, S)."""

    def __init__(self, z_dim: int, size: int, channels: int = 1, width: int = 32):
        super().__init__()
        sides = ladder(size)
        ch = widths(width, len(sides) - 1)
        self.s0, self.c0 = sides[0], ch[0]
        self.fc = nn.Linear(z_dim, ch[0] * sides[0] ** 2, bias=False)
        self.bn0 = nn.BatchNorm1d(ch[0] * sides[0] ** 2)
        ups: list[nn.Module] = []
        for a, b in zip(ch[:-1], ch[1:]):
            ups += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(True)]
        ups += [nn.ConvTranspose2d(ch[-1], channels, 4, 2, 1), nn.Tanh()]
        self.up = nn.Sequential(*ups)
        self.apply(init_dcgan)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn0(self.fc(z)))  # (B, c0·s0²)
        h = h.view(-1, self.c0, self.s0, self.s0)  # (B, c0, s0, s0), e.g. (B, 64, 7, 7)
        return self.up(h)  # (B, C, S, S) in [-1, 1]


class Discriminator(nn.Module):
    """x (B, C, S, S) -> [Conv 4×4 /2 -> (BN) -> LeakyReLU 0.2] × k -> flatten -> Linear -> score (B,).

    ``norm=False`` (the WGAN-GP critic: the gradient penalty is per sample, batch norm would mix samples);
    DCGAN's discriminator uses batch norm after every convolution but the first. ``features(x)`` is the
    flattened last feature map (what the score is a linear function of)."""

    def __init__(self, size: int, channels: int = 1, width: int = 32, norm: bool = False):
        super().__init__()
        sides = ladder(size)
        ch = list(reversed(widths(width, len(sides) - 1)))  # e.g. 32, 64
        layers: list[nn.Module] = []
        prev = channels
        for i, c in enumerate(ch):
            layers.append(nn.Conv2d(prev, c, 4, 2, 1, bias=not (norm and i > 0)))
            if norm and i > 0:
                layers.append(nn.BatchNorm2d(c))
            layers.append(nn.LeakyReLU(0.2, True))
            prev = c
        self.conv = nn.Sequential(*layers)
        self.out = nn.Linear(ch[-1] * sides[0] ** 2, 1)
        self.apply(init_dcgan)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x).flatten(1)  # (B, C_last · s0²)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(x)).squeeze(-1)  # (B,) raw score


# -- convolutional VAE ------------------------------------------------------------------------------
class ConvVAE(nn.Module):
    """Encoder q(z|x) = N(μ(x), diag σ²(x)): [Conv 4×4 /2 -> ReLU] × k -> flatten -> (Linear -> ReLU, H)
    -> Linear -> (μ, log σ²).
    Decoder p(x|z): (Linear -> ReLU, H) -> Linear -> (W·2^(k-1), s0, s0) -> [ConvT 4×4 /2 -> ReLU] × (k-1)
    -> ConvT -> logits.

    ``hidden`` H > 0 adds the dense layer in brackets on both sides (0: none). With a 2-D latent it is what
    lets the codes sort the classes faster: a single linear map between the feature maps and two numbers
    learns them more slowly (measured, with a smaller batch and KL warm-up too: 5-NN accuracy 0.38 -> 0.65
    after 40 CPU-seconds).

    ``decoder="bernoulli"``: pixels are Bernoulli with mean sigmoid(logits) (grey levels as soft targets);
    ``"gaussian"``: pixels are N(sigmoid(logits), σ²) with one learned σ (the σ-VAE's choice: no hand-set
    weight between reconstruction and KL)."""

    def __init__(self, size: int, channels: int = 1, latent: int = 2, width: int = 32,
                 decoder: str = "bernoulli", hidden: int = 0):
        super().__init__()
        sides = ladder(size)
        ch = widths(width, len(sides) - 1)  # decoder order: widest first
        self.s0, self.c0, self.latent, self.decoder = sides[0], ch[0], latent, decoder
        enc: list[nn.Module] = []
        prev = channels
        for c in reversed(ch):
            enc += [nn.Conv2d(prev, c, 4, 2, 1), nn.ReLU(True)]
            prev = c
        self.enc = nn.Sequential(*enc)
        flat = ch[0] * sides[0] ** 2
        if hidden:
            self.enc_fc = nn.Sequential(nn.Linear(flat, hidden), nn.ReLU(True))  # (B, H)
            self.to_stats = nn.Linear(hidden, 2 * latent)  # (μ, log σ²)
            self.fc = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(True), nn.Linear(hidden, flat))
        else:
            self.enc_fc = nn.Identity()
            self.to_stats = nn.Linear(flat, 2 * latent)  # (μ, log σ²)
            self.fc = nn.Linear(latent, flat)
        dec: list[nn.Module] = []
        for a, b in zip(ch[:-1], ch[1:]):
            dec += [nn.ConvTranspose2d(a, b, 4, 2, 1), nn.ReLU(True)]
        dec.append(nn.ConvTranspose2d(ch[-1], channels, 4, 2, 1))
        self.dec = nn.Sequential(*dec)
        self.log_sigma = nn.Parameter(torch.zeros(()))  # Gaussian decoder's shared log σ (unused by Bernoulli)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.enc_fc(self.enc(x).flatten(1))  # (B, c0·s0²), or (B, H) with a hidden layer
        mu, logvar = self.to_stats(h).chunk(2, dim=1)  # (B, L) each
        return mu, logvar.clamp(-12.0, 8.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.fc(z)).view(-1, self.c0, self.s0, self.s0)  # (B, c0, s0, s0)
        return self.dec(h)  # (B, C, S, S) logits; the image is sigmoid(logits)

    def forward(self, x: torch.Tensor, gen: torch.Generator | None = None):
        """Returns (logits (B,C,S,S), μ (B,L), log σ² (B,L), z (B,L)) with z = μ + σ·ε (reparameterised)."""
        mu, logvar = self.encode(x)
        eps = torch.randn(mu.shape, generator=gen, device=mu.device)
        z = mu + (0.5 * logvar).exp() * eps
        return self.decode(z), mu, logvar, z

    def recon_nll(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """-log p(x|z) summed over pixels, averaged over the batch (nats)."""
        if self.decoder == "gaussian":
            ls = self.log_sigma
            sq = (torch.sigmoid(logits) - x) ** 2 / (2 * torch.exp(2 * ls)) + ls + 0.5 * math.log(2 * math.pi)
            return sq.flatten(1).sum(1).mean()
        return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1).mean()


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) ‖ N(0, I)) per latent dimension, averaged over the batch: (L,) nats."""
    return 0.5 * (mu ** 2 + logvar.exp() - 1.0 - logvar).mean(0)


def vae_loss(kl_dims: torch.Tensor, recon: torch.Tensor, beta: float, free_bits: float) -> torch.Tensor:
    """The negative ELBO with weight β on the KL term; free bits λ: each dimension's KL counts as at least
    λ nats, so the encoder gains nothing by pushing a dimension's information below λ (no collapse)."""
    kl = kl_dims.clamp(min=free_bits) if free_bits > 0 else kl_dims
    return recon + beta * kl.sum()


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between codes a, b (L,) at fractions t (T,) -> (T, L); for Gaussian latents
    (a straight line would pass through the low-norm middle that the prior almost never samples)."""
    cos = (a @ b / (a.norm() * b.norm()).clamp(min=1e-8)).clamp(-1.0, 1.0)
    omega = torch.acos(cos)
    so = torch.sin(omega)
    if so.abs() < 1e-6:
        return (1 - t)[:, None] * a + t[:, None] * b
    return (torch.sin((1 - t) * omega) / so)[:, None] * a + (torch.sin(t * omega) / so)[:, None] * b
