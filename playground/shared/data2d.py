"""2D data sets for the GAN lab, sampled on the session's device with its generator.

Each data set is a :class:`Dataset` with ``sample(n, gen) -> (n, 2) tensor``, a plot range and, for
Gaussian mixtures, the mode centres and σ used by the modes-captured metric. User points (drawn in
the view or read from a CSV file) become an empirical data set with a little smoothing noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .points2d import DataFileError, default_drawing, grid25_centers, load_points_csv, ring8_centers

__all__ = ["Dataset", "make_dataset", "DataFileError", "load_points_csv"]


@dataclass
class Dataset:
    name: str
    kind: str  # "mixture" | "param" | "points"
    extent: float  # the plot shows [-extent, extent]²
    centers: torch.Tensor | None = None  # (K, 2) for mixtures
    sigma: float = 0.0
    points: torch.Tensor | None = None  # (N, 2) for user data
    noise: float = 1.0

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        dev = gen.device
        if self.kind == "mixture":
            idx = torch.randint(len(self.centers), (n,), generator=gen, device=dev)
            return self.centers[idx] + self.sigma * torch.randn(n, 2, generator=gen, device=dev)
        if self.kind == "points":
            idx = torch.randint(len(self.points), (n,), generator=gen, device=dev)
            return self.points[idx] + self.sigma * torch.randn(n, 2, generator=gen, device=dev)
        return _PARAM[self.name](n, gen, self.noise)

    @property
    def is_mixture(self) -> bool:
        return self.kind == "mixture"


# -- parametric shapes: (n, gen, noise) -> (n, 2) --------------------------------------------------
def _randn(n, gen, *shape):
    return torch.randn(n, *shape, generator=gen, device=gen.device)


def _rand(n, gen, *shape):
    return torch.rand(n, *shape, generator=gen, device=gen.device)


def _spiral(n, gen, noise):
    t = torch.sqrt(_rand(n, gen)) * 3.0 * math.pi  # denser towards the outside, like a real spiral arm
    r = 0.25 + t / (3.0 * math.pi) * 2.0
    xy = torch.stack([r * torch.cos(t), r * torch.sin(t)], 1)
    return xy + 0.05 * noise * _randn(n, gen, 2)


def _moons(n, gen, noise):
    t = _rand(n, gen) * math.pi
    upper = _rand(n, gen) < 0.5
    x = torch.where(upper, torch.cos(t), 1.0 - torch.cos(t))
    y = torch.where(upper, torch.sin(t), 0.5 - torch.sin(t))
    xy = torch.stack([x - 0.5, y - 0.25], 1) * 1.6
    return xy + 0.06 * noise * _randn(n, gen, 2)


def _circles(n, gen, noise):
    t = _rand(n, gen) * 2.0 * math.pi
    r = torch.where(_rand(n, gen) < 0.5, torch.full_like(t, 1.0), torch.full_like(t, 2.0))
    xy = torch.stack([r * torch.cos(t), r * torch.sin(t)], 1)
    return xy + 0.04 * noise * _randn(n, gen, 2)


def _line(n, gen, noise):
    s = _rand(n, gen) * 4.0 - 2.0
    xy = torch.stack([s, 0.5 * s], 1)
    return xy + 0.03 * noise * _randn(n, gen, 2)


def _gaussian(n, gen, noise):
    mean = torch.tensor([0.5, -0.25], device=gen.device)
    cov_l = torch.tensor([[0.6, 0.0], [0.3, 0.3]], device=gen.device) * max(noise, 1e-3)
    return mean + _randn(n, gen, 2) @ cov_l.T


_PARAM = {"spiral": _spiral, "moons": _moons, "circles": _circles, "line": _line, "gaussian": _gaussian}


def make_dataset(name: str, device, noise: float = 1.0, points: np.ndarray | None = None) -> Dataset:
    """Build the data set ``name`` (a built-in name, 'drawn', or a CSV path) on ``device``."""
    if name == "ring8":
        return Dataset("ring8", "mixture", 3.0, torch.tensor(ring8_centers(), dtype=torch.float32, device=device),
                       sigma=0.04 * noise)
    if name == "grid25":
        return Dataset("grid25", "mixture", 3.0,
                       torch.tensor(grid25_centers(), dtype=torch.float32, device=device), sigma=0.05 * noise)
    if name in _PARAM:
        return Dataset(name, "param", 3.0, noise=noise)
    if name == "drawn":
        pts = default_drawing() if points is None or len(points) == 0 else np.asarray(points, np.float32)
        return Dataset("drawn", "points", 3.0, points=torch.tensor(pts, device=device), sigma=0.03 * noise)
    pts = load_points_csv(name)
    extent = float(max(3.0, np.abs(pts).max() * 1.2))
    return Dataset(Path(name).name, "points", extent, points=torch.tensor(pts, device=device),
                   sigma=0.01 * extent * noise)
