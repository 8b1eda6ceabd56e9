"""GAN objectives for any data shape, and the MLP generator / discriminator of the 2D labs.

Generator G: z (B, latent_dim) -> x (B, 2).  Discriminator / critic D: x (B, 2) -> score (B,).
The objectives take raw scores (B,) and work the same for images (the image lab's DCGAN uses them).
D outputs a raw score (a logit for the minimax/non-saturating losses, a real number for the others);
each objective below says how it uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "tanh": nn.Tanh, "elu": nn.ELU,
               "gelu": nn.GELU}


@dataclass
class MLPConfig:
    d_in: int
    d_out: int
    layers: int = 3  # hidden layers
    width: int = 128
    act: str = "relu"


class MLP(nn.Module):
    """d_in -> [Linear(width) -> act] × layers -> Linear(d_out)."""

    def __init__(self, cfg: MLPConfig):
        super().__init__()
        dims = [cfg.d_in] + [cfg.width] * cfg.layers
        blocks: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:]):
            blocks += [nn.Linear(a, b), ACTIVATIONS[cfg.act]()]
        blocks.append(nn.Linear(dims[-1], cfg.d_out))
        self.net = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class Generator(MLP):
    def __init__(self, latent_dim: int, layers: int, width: int, act: str):
        super().__init__(MLPConfig(latent_dim, 2, layers, width, act))

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # (B, latent) -> (B, 2)
        return self.net(z)


class Discriminator(MLP):
    def __init__(self, layers: int, width: int, act: str):
        super().__init__(MLPConfig(2, 1, layers, width, act))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 2) -> (B,)
        return self.net(x).squeeze(-1)


# -- objectives ------------------------------------------------------------------------------------
# d_real, d_fake: raw D scores (B,). Each returns a scalar to *minimise*.

def d_loss(kind: str, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    if kind in ("minimax", "non-saturating"):
        # -[log σ(D(x)) + log(1 - σ(D(G(z))))]; softplus(-a) = -log σ(a), softplus(a) = -log(1 - σ(a))
        return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
    if kind == "lsgan":  # ½(D(x) - 1)² + ½ D(G(z))²
        return 0.5 * ((d_real - 1.0) ** 2).mean() + 0.5 * (d_fake ** 2).mean()
    if kind == "hinge":  # max(0, 1 - D(x)) + max(0, 1 + D(G(z)))
        return F.relu(1.0 - d_real).mean() + F.relu(1.0 + d_fake).mean()
    if kind in ("wgan", "wgan-gp"):  # critic maximises E D(x) - E D(G(z))
        return d_fake.mean() - d_real.mean()
    raise ValueError(f"unknown loss {kind}")


def g_loss(kind: str, d_fake: torch.Tensor) -> torch.Tensor:
    if kind == "minimax":  # minimise log(1 - σ(D(G(z)))) — saturates when D wins
        return -F.softplus(d_fake).mean()
    if kind == "non-saturating":  # minimise -log σ(D(G(z)))
        return F.softplus(-d_fake).mean()
    if kind == "lsgan":  # ½(D(G(z)) - 1)²
        return 0.5 * ((d_fake - 1.0) ** 2).mean()
    if kind in ("hinge", "wgan", "wgan-gp"):  # -E D(G(z))
        return -d_fake.mean()
    raise ValueError(f"unknown loss {kind}")


def gradient_penalty(D: nn.Module, real: torch.Tensor, fake: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """WGAN-GP: E[(‖∇D(x̂)‖₂ - 1)²] on x̂ = εx + (1-ε)G(z), ε ~ U[0,1] per sample (any sample shape)."""
    eps = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), generator=gen, device=real.device)  # (B, 1, ...)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)  # (B, ...)
    (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)  # (B, ...)
    return ((grad.flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()


def d_probability(kind: str, score: torch.Tensor) -> torch.Tensor:
    """What the heat-map shows: P(real) for the sigmoid losses, the raw score otherwise."""
    return torch.sigmoid(score) if kind in ("minimax", "non-saturating") else score
