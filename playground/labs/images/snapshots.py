"""What an ImagesSession sends to the view (plain numpy data), computed under ``torch.no_grad()``.

Every full snapshot carries every key the view reads (``playground.labs.images.view`` names them per
panel). Cheap panels are recomputed each time: the 8×8 sample grids, the interpolation rows, D's scores
for the histograms, the VAE's input/reconstruction pairs and KL per dimension, the drawn digit's results.
Heavy ones are refreshed one per snapshot, in turn: the latent scatter (1,000 codes), the decoded
manifold (15 × 15 images), the quality numbers (500 samples through the classifier, at most every
``metrics_every`` seconds); the others are carried over from the cache.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
import torch

from . import metrics as M
from .model import slerp
from .session import HEAVY, MANIFOLD, N_HIST, N_INTERP, N_SCATTER, QUALITY_PARTS, to_uint8

if TYPE_CHECKING:
    from .session import ImagesSession


@torch.no_grad()
def _gan_part(s: ImagesSession) -> dict:
    c = s.config
    kind = "wgan-gp" if c.gan_kind == "wgan-gp" else c.loss
    was = s.D.training
    s.D.eval()
    fake = s._samples("gan", s.z_quality[:N_HIST])  # (the first 64 are the grid's)
    d_real = _score(s, s.X_eval[:N_HIST] * 2 - 1, kind)
    d_fake = _score(s, fake * 2 - 1, kind)
    s.D.train(was)
    return {"gan_samples": to_uint8(fake[:64]), "gan_interp": to_uint8(s._samples("gan", s.z_interp)),
            "d_real": d_real, "d_fake": d_fake, "d_is_prob": kind in ("minimax", "non-saturating")}


def _score(s: ImagesSession, x: torch.Tensor, kind: str) -> np.ndarray:
    from playground.shared.gan import d_probability

    return d_probability(kind, s.D(x)).float().cpu().numpy()


@torch.no_grad()
def _vae_part(s: ImagesSession) -> dict:
    V = s.V
    was = V.training
    V.eval()
    mu, logvar = V.encode(s.X_eval[:N_HIST])
    from .model import kl_per_dim

    kl_dims = kl_per_dim(mu, logvar)
    pairs = torch.sigmoid(V.decode(V.encode(s.pair_images)[0]))
    ends = V.encode(s.interp_images)[0]
    line = slerp(ends[0], ends[1], torch.linspace(0, 1, N_INTERP, device=mu.device))
    out = {"vae_samples": to_uint8(torch.sigmoid(V.decode(s.v_grid))),
           "vae_interp": to_uint8(torch.sigmoid(V.decode(line))),
           "vae_pairs": np.stack([to_uint8(s.pair_images), to_uint8(pairs)]),
           "kl_dims": kl_dims.cpu().numpy().astype(np.float64)}
    V.train(was)
    return out


@torch.no_grad()
def _scatter(s: ImagesSession) -> dict:
    mu = s.codes(N_SCATTER).cpu().numpy().astype(np.float64)  # (n, L)
    if mu.shape[1] == 2:
        xy, axes, s._pca = mu, ("z₁", "z₂"), None
    else:
        mean = mu.mean(0)
        _, _, vt = np.linalg.svd(mu - mean, full_matrices=False)
        s._pca = (mean, vt[:2])
        xy, axes = (mu - mean) @ vt[:2].T, ("PC 1 of z", "PC 2 of z")
    labels = s.y_eval[:N_SCATTER].cpu().numpy() if s.y_eval is not None else None
    return {"scatter": xy.astype(np.float32), "scatter_labels": labels, "scatter_axes": axes}


@torch.no_grad()
def _manifold(s: ImagesSession) -> dict:
    """A MANIFOLD × MANIFOLD grid of decoded images across [-2.5, 2.5]² of the latent plane (2-D latent) or
    across the plane of the scatter's first two principal directions (more dimensions)."""
    L, dev = s.config.latent, s.device
    t = torch.linspace(-2.5, 2.5, MANIFOLD, device=dev)
    zy, zx = torch.meshgrid(t.flip(0), t, indexing="ij")  # row 0 = top (largest z₂)
    plane = torch.stack([zx, zy], -1).reshape(-1, 2)  # (M², 2)
    if L == 2:
        z = plane
    else:
        if s._pca is None:
            _scatter(s)
        mean, basis = (torch.as_tensor(a, dtype=torch.float32, device=dev) for a in s._pca)
        z = mean + plane @ basis  # the plane through the codes' mean spanned by PC 1 and PC 2
    was = s.V.training
    s.V.eval()
    img = to_uint8(torch.sigmoid(s.V.decode(z)))
    s.V.train(was)
    return {"manifold": img, "manifold_n": MANIFOLD, "manifold_extent": 2.5}


@torch.no_grad()
def _quality_part(s: ImagesSession) -> dict | None:
    """One of QUALITY_PARTS slices of the quality numbers: 1/QUALITY_PARTS of the 500 fixed codes through
    each generator and the judge (and of the 2,000 codes for the 5-NN accuracy). When the last slice is in,
    the numbers are computed over all of them and returned (else None): live numbers thus describe the models
    over the last few snapshots, at a fifth of the cost per snapshot. ``evaluate()`` (the CLI) computes
    them in one go."""
    st = s._quality_state
    i = st.setdefault("i", 0)
    n = len(s.z_quality if s.G is not None else s.v_quality)
    lo, hi = n * i // QUALITY_PARTS, n * (i + 1) // QUALITY_PARTS
    for which, z in (("gan", getattr(s, "z_quality", None)), ("vae", getattr(s, "v_quality", None))):
        if (s.G if which == "gan" else s.V) is None:
            continue
        x = s._samples(which, z[lo:hi])
        out = s.clf(x) if s.clf is not None else (s.pca(x),)
        st.setdefault(which, []).append(out)
    if s.V is not None and s.y_eval is not None:
        m = len(s.X_eval)
        st.setdefault("codes", []).append(s.codes_of(s.X_eval[m * i // QUALITY_PARTS: m * (i + 1) // QUALITY_PARTS]))
    st["i"] = i + 1
    if st["i"] < QUALITY_PARTS:
        return None
    q = {}
    for which in ("gan", "vae"):
        if which not in st:
            continue
        parts = list(zip(*st[which]))
        cat = [torch.cat(p) for p in parts]
        q[which] = _plain(M.digit_quality_of(cat[0], cat[1], s.real_stats) if s.clf is not None else
                          M.precision_recall(s.real_feats, cat[0]))
    if "codes" in st:
        q["vae"]["latent_knn_accuracy"] = M.knn_accuracy(torch.cat(st["codes"]), s.y_eval, 5)
    s._quality_state = {}
    return {"quality": q, "quality_step": s.step_count}


def _plain(d: dict) -> dict:
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in d.items()}


@torch.no_grad()
def _drawn(s: ImagesSession) -> dict | None:
    """The drawn digit judged by every model: the VAE's code (in the scatter's coordinates) and its
    reconstruction, D's score, the classifier's label."""
    if s.drawn is None:
        return None
    x = torch.as_tensor(s.drawn, device=s.device)[None, None]  # (1, 1, S, S)
    if s.config.channels == 3:
        x = x.expand(1, 3, -1, -1)
    out: dict = {}
    if s.V is not None:
        was = s.V.training
        s.V.eval()
        mu = s.V.encode(x)[0]
        out["recon"] = to_uint8(torch.sigmoid(s.V.decode(mu)))[0]
        s.V.train(was)
        code = mu[0].cpu().numpy().astype(np.float64)
        if s._pca is not None:
            code = (code - s._pca[0]) @ s._pca[1].T
        out["code"] = code[:2]
    if s.G is not None:
        kind = "wgan-gp" if s.config.gan_kind == "wgan-gp" else s.config.loss
        was = s.D.training
        s.D.eval()
        out["d_score"] = float(_score(s, x * 2 - 1, kind)[0])
        s.D.train(was)
    if s.clf is not None:
        p = s.clf(x)[0].softmax(1)[0]
        out["label"], out["confidence"] = int(p.argmax()), float(p.max())
    return out


def _next_heavy(s: ImagesSession) -> list[str]:
    """The heavy part this snapshot refreshes: the next in turn; a round of quality slices starts at most
    every ``metrics_every`` seconds, and once started it gets every other turn until it is complete."""
    if any(s._cache.get(h + "_step", -1) > s.step_count for h in HEAVY):  # a checkpoint from the past
        s._cache.clear()
        s._quality_state = {}
        return list(HEAVY)
    for _ in range(len(HEAVY)):
        h = HEAVY[s._heavy_turn % len(HEAVY)]
        s._heavy_turn += 1
        if h == "quality" and not s._quality_state and \
                time.perf_counter() - s._quality_t < s.config.metrics_every:
            continue
        if h != "quality" and s._quality_state and s._heavy_turn % 2:
            return ["quality"]
        return [h]
    return []


def full_snapshot(s: ImagesSession) -> dict:
    c = s.config
    snap = {"step": s.step_count, "history": s.history.as_dict(), "diverged": s.diverged, "model": c.model,
            "compare": c.compare, "gan_kind": c.gan_kind, "size": c.size, "data_name": s.data.name,
            "data_note": s.data.note, "n_images": len(s.X), "feature_space": s.feature_space,
            "labelled": s.clf is not None, "latent": c.latent,
            "classifier_accuracy": getattr(s, "clf_accuracy", None),
            "real": to_uint8(s.real_strip)}
    if s.G is not None:
        snap.update(_gan_part(s))
    if s.V is not None:
        snap.update(_vae_part(s))
    # one heavy part per snapshot, in turn (the first ones compute what is missing, quality in slices)
    missing = [h for h in HEAVY if h not in s._cache]  # the first snapshots fill in what is missing
    for h in missing or _next_heavy(s):
        if h in ("scatter", "manifold") and s.V is None:
            s._cache[h] = {}
        elif h == "scatter":
            s._cache[h] = _scatter(s)
        elif h == "manifold":
            s._cache[h] = _manifold(s)
        else:
            if not s._quality_state:
                s._quality_t = time.perf_counter()
            q = _quality_part(s)  # one slice; the first numbers arrive after a few snapshots
            if q is not None:
                s._cache[h] = q
        if h in s._cache:
            s._cache[h + "_step"] = s.step_count
    for h in HEAVY:
        snap.update(s._cache.get(h, {}))
    snap["drawn"] = _drawn(s)
    return snap
