"""Quality numbers for generated images and latent codes (torch and numpy, no Qt).

- digit sets: the share of samples the classifier labels with confidence > 0.9, the classes among them
  (mode coverage), their histogram, and the Fréchet distance between the classifier's features of real
  and generated images (a *classifier* Fréchet distance: not Inception FID);
- a user's folder: precision and recall with k-NN balls (Kynkäänniemi et al. 2019) in a stated feature
  space (here: the first 32 principal components of the real pictures' pixels);
- VAE: 5-NN accuracy of the latent codes (leave-one-out), how well the code separates the classes.
"""

from __future__ import annotations

import numpy as np
import torch

CONFIDENT = 0.9


def gaussian_stats(feats: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    f = feats.double().cpu().numpy()
    return f.mean(0), np.cov(f, rowvar=False)


def frechet(mu1: np.ndarray, c1: np.ndarray, mu2: np.ndarray, c2: np.ndarray) -> float:
    """‖μ1-μ2‖² + tr C1 + tr C2 - 2 tr (C1^½ C2 C1^½)^½, with symmetric eigen-decompositions (no scipy)."""
    w, v = np.linalg.eigh(c1)
    s1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T  # C1^½
    m = s1 @ c2 @ s1
    ev = np.linalg.eigvalsh((m + m.T) / 2)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(c1) + np.trace(c2) - 2 * np.sqrt(np.clip(ev, 0, None)).sum())


@torch.no_grad()
def digit_quality(clf, fake01: torch.Tensor, real_stats: tuple[np.ndarray, np.ndarray]) -> dict:
    """fake01 (N, 1, S, S) in [0, 1] -> confident_fraction, classes_covered, class_hist (10 counts of the
    confident samples), classifier_fd."""
    return digit_quality_of(*clf(fake01), real_stats)


def digit_quality_of(logits: torch.Tensor, feats: torch.Tensor, real_stats: tuple[np.ndarray, np.ndarray]) -> dict:
    """The same from the classifier's outputs: logits (N, 10), features (N, 64)."""
    prob = logits.softmax(1)
    conf, cls = prob.max(1)
    sure = conf > CONFIDENT
    hist = torch.bincount(cls[sure], minlength=logits.shape[1]).cpu().numpy()
    mu, cov = gaussian_stats(feats)
    return {"confident_fraction": float(sure.float().mean()), "classes_covered": int((hist > 0).sum()),
            "class_hist": hist.astype(np.int64), "classifier_fd": frechet(real_stats[0], real_stats[1], mu, cov)}


class PixelPCA:
    """The feature space for a user's folder: pixels projected on the first ``k`` principal components of
    the real pictures (fit once)."""

    def __init__(self, real01: torch.Tensor, k: int = 32):
        x = real01.flatten(1).float()
        self.mean = x.mean(0)
        _, _, v = torch.linalg.svd(x - self.mean, full_matrices=False)
        self.basis = v[: min(k, v.shape[0])].T  # (D, k)

    def __call__(self, x01: torch.Tensor) -> torch.Tensor:
        return (x01.flatten(1).float() - self.mean) @ self.basis


def _radii(feats: torch.Tensor, k: int) -> torch.Tensor:
    d = torch.cdist(feats, feats)
    return d.kthvalue(k + 1, dim=1).values  # distance to the k-th neighbour (index 0 is the point itself)


@torch.no_grad()
def precision_recall(real_f: torch.Tensor, fake_f: torch.Tensor, k: int = 3) -> dict:
    """Kynkäänniemi et al. 2019: precision = share of generated points inside some real point's k-NN ball;
    recall = share of real points inside some generated point's k-NN ball."""
    rr, rf = _radii(real_f, k), _radii(fake_f, k)
    d = torch.cdist(fake_f, real_f)  # (F, R)
    precision = (d <= rr[None, :]).any(1).float().mean()
    recall = (d.T <= rf[None, :]).any(1).float().mean()
    return {"precision": float(precision), "recall": float(recall)}


@torch.no_grad()
def knn_accuracy(codes: torch.Tensor, labels: torch.Tensor, k: int = 5) -> float:
    """Leave-one-out k-NN classification accuracy of ``codes`` (N, L) with ``labels`` (N,)."""
    d = torch.cdist(codes.float(), codes.float())
    d.fill_diagonal_(float("inf"))
    nn_idx = d.topk(k, largest=False).indices  # (N, k)
    votes = torch.nn.functional.one_hot(labels[nn_idx], int(labels.max()) + 1).sum(1)  # (N, classes)
    return float((votes.argmax(1) == labels).float().mean())


def pca2(x: np.ndarray) -> np.ndarray:
    """(N, L) -> (N, 2): the first two principal components (the latent scatter for L > 2)."""
    x = x - x.mean(0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    return x @ vt[:2].T
