"""Sample-quality metrics for 2D GANs (numpy or torch in, floats out)."""

from __future__ import annotations

import numpy as np
import torch


def mode_stats(fake: torch.Tensor, centers: torch.Tensor, sigma: float) -> dict[str, float]:
    """Modes captured and high-quality fraction (the ring-8 / grid-25 protocol).

    A generated point is high quality when it lies within 3σ of its nearest mode centre. A mode is
    captured when it holds at least 1 % of its fair share of the high-quality points (and at least one).
    """
    d = torch.cdist(fake.float(), centers.float())  # (N, K)
    dist, nearest = d.min(1)
    hq = dist <= 3.0 * sigma
    k = centers.shape[0]
    counts = torch.bincount(nearest[hq], minlength=k)
    n_hq = int(hq.sum())
    need = max(1.0, 0.01 * n_hq / k)
    return {"modes_captured": float((counts >= need).sum()), "modes_total": float(k),
            "hq_fraction": n_hq / max(1, fake.shape[0])}


def projections(n_proj: int = 128, seed: int = 0) -> np.ndarray:
    """Fixed unit directions (P, 2), so that values are comparable across runs and losses."""
    theta = np.random.default_rng(seed).uniform(0, np.pi, n_proj)
    return np.stack([np.cos(theta), np.sin(theta)], 1)


def sliced_wasserstein(a, b, n_proj: int = 128, seed: int = 0) -> float:
    """Sliced Wasserstein-1 distance between two 2D samples of the same size (arrays or tensors).

    Sorting runs in numpy: torch's CPU sort is ~30× slower for this shape."""
    a = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    b = b.detach().cpu().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    n = min(len(a), len(b))
    dirs = projections(n_proj, seed)
    pa = np.sort(dirs @ a[:n].T.astype(np.float64), 1)  # (P, n)
    pb = np.sort(dirs @ b[:n].T.astype(np.float64), 1)
    return float(np.abs(pa - pb).mean())
