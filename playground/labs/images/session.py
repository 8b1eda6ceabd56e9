"""ImagesSession: a DCGAN / WGAN-GP and/or a convolutional VAE learning images, and everything the view draws.

Training draws every random number from ``self.gen``; the views and metrics use fixed codes and images
from a separate generator, so watching never changes a run (the app's run equals the headless one).
Full snapshots draw the cheap panels every time and refresh at most one heavy panel (latent scatter,
decoded manifold, quality numbers) each, in turn, so a snapshot's cost stays small and even.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch

from playground.core.session import Session
from playground.shared.gan import d_loss, g_loss, gradient_penalty

from . import metrics as M
from .config import ImagesConfig
from .data import ImageData, eval_indices, load
from .model import ConvVAE, Discriminator, Generator, kl_per_dim, slerp, vae_loss

N_QUALITY = 500  # fixed-noise samples judged by the classifier (the target counts these)
N_CODES = 2000  # images whose codes give the 5-NN accuracy
N_SCATTER = 1000  # of those, drawn in the live scatter
N_HIST = 128  # real and generated images scored by D for the histograms
N_INTERP = 10
MANIFOLD = 15  # decoded manifold: MANIFOLD × MANIFOLD images across the latent plane
HEAVY = ("scatter", "manifold", "quality")
QUALITY_PARTS = 5  # live quality numbers are computed in this many slices, one per snapshot


def to_uint8(x01: torch.Tensor) -> np.ndarray:
    """(N, C, S, S) in [0, 1] -> (N, S, S) or (N, S, S, 3) uint8 for the view."""
    a = (x01.clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()
    return a[:, 0] if a.shape[1] == 1 else a.transpose(0, 2, 3, 1)


class ImagesSession(Session):
    lab = "images"
    Config = ImagesConfig
    watch = ("loss_d", "loss_g", "recon", "kl")
    light_snapshots = True

    def build(self) -> None:
        c: ImagesConfig = self.config
        self.data: ImageData = load(c.data, c.size, c.channels)  # ImageFolderError (a ValueError) on bad input
        dev = self.device
        self.X = torch.from_numpy(self.data.images).to(dev)  # (N, C, S, S) in [0, 1]
        self.labels = torch.from_numpy(self.data.labels).to(dev) if self.data.labels is not None else None
        g = torch.Generator(device=dev).manual_seed(self.seed + 7919)  # views and metrics only
        self._view_gen = g
        idx = torch.from_numpy(eval_indices(self.data.labels, len(self.X), N_CODES)).to(dev)
        self.X_eval = self.X[idx]
        self.y_eval = self.labels[idx] if self.labels is not None else None
        self.real_strip = self.X_eval[torch.randperm(len(self.X_eval), generator=g, device=dev)[:16]]
        self._build_judge()
        self.G = self.G_ema = self.D = self.V = None
        if c.trains_gan:
            self.G = Generator(c.z_dim, c.size, c.channels, c.g_width).to(dev)
            self.G_ema = copy.deepcopy(self.G).requires_grad_(False)  # what the views and metrics sample
            self.D = Discriminator(c.size, c.channels, c.d_width, norm=c.gan_kind == "dcgan").to(dev)
            self.opt_g = torch.optim.Adam(self.G.parameters(), c.lr_g, betas=(c.beta1, c.beta2))
            self.opt_d = torch.optim.Adam(self.D.parameters(), c.lr_d, betas=(c.beta1, c.beta2))
            self.z_grid = torch.randn(64, c.z_dim, generator=g, device=dev)
            self.z_quality = torch.cat([self.z_grid, torch.randn(N_QUALITY - 64, c.z_dim, generator=g, device=dev)])
            ends = torch.randn(2, c.z_dim, generator=g, device=dev)
            self.z_interp = slerp(ends[0], ends[1], torch.linspace(0, 1, N_INTERP, device=dev))
        if c.trains_vae:
            self.V = ConvVAE(c.size, c.channels, c.latent, c.vae_width, c.decoder, c.vae_hidden).to(dev)
            # fused Adam: one kernel for all parameters (the VAE's steps are small: on a CPU the per-tensor
            # loop of plain Adam took a third of a step's time with the dense layers)
            self.opt_v = torch.optim.Adam(self.V.parameters(), c.lr_vae, fused=dev.type in ("cpu", "cuda"))
            self.v_grid = torch.randn(64, c.latent, generator=g, device=dev)
            self.v_quality = torch.cat([self.v_grid, torch.randn(N_QUALITY - 64, c.latent, generator=g, device=dev)])
            self.pair_images = self.X_eval[torch.randperm(len(self.X_eval), generator=g, device=dev)[:8]]
            self.interp_images = self._interp_pair()
        self.drawn: np.ndarray | None = getattr(self, "drawn", None)
        self._cache: dict[str, Any] = {}
        self._heavy_turn = 0
        self._quality_t = -1e9
        self._quality_state: dict = {}
        self._pca: np.ndarray | None = None

    def _interp_pair(self) -> torch.Tensor:
        """Two fixed real images of different classes (when labelled) whose codes the VAE row joins."""
        if self.y_eval is None:
            return self.X_eval[:2]
        a = 0
        b = int(torch.nonzero(self.y_eval != self.y_eval[a])[len(self.y_eval) // 3].item())
        return self.X_eval[[a, b]]

    def _build_judge(self) -> None:
        """The digit classifier (labelled grey data) or the PCA feature space of a user's folder."""
        self.clf = self.pca = None
        if self.labels is not None:
            from .classifier import get_classifier
            from .data import load_digits

            ref = load_digits(self.data.name, 28)  # one classifier per data set: it judges any size at 28 px
            self.clf, self.clf_accuracy, _ = get_classifier(self.data.name, self.data.digest, ref.images,
                                                            ref.labels, self.device)
            with torch.no_grad():
                self.real_stats = M.gaussian_stats(self.clf(self.X_eval[:1000])[1])
        else:
            self.pca = M.PixelPCA(self.X_eval[:1000])
            self.real_feats = self.pca(self.X_eval[:1000])
        self.feature_space = ("the digit classifier's 64 penultimate features" if self.clf is not None else
                              f"the first {self.pca.basis.shape[1]} principal components of the real pixels")

    # -- training ----------------------------------------------------------------------------------
    def _batch(self) -> torch.Tensor:
        idx = torch.randint(0, len(self.X), (self.config.batch_size,), generator=self.gen, device=self.device)
        return self.X[idx]  # (B, C, S, S) in [0, 1]

    def gan_step(self, x01: torch.Tensor) -> None:
        c: ImagesConfig = self.config
        kind = "wgan-gp" if c.gan_kind == "wgan-gp" else c.loss
        B = x01.shape[0]
        for i in range(c.n_critic):
            real = (x01 if i == 0 else self._batch()) * 2 - 1  # (B, C, S, S) in [-1, 1]
            fake = self.G(torch.randn(B, c.z_dim, generator=self.gen, device=self.device))
            d_real, d_fake = self.D(real), self.D(fake.detach())
            loss_d = d_loss(kind, d_real, d_fake)
            if kind == "wgan-gp" and c.gp_weight > 0:
                loss_d = loss_d + c.gp_weight * gradient_penalty(self.D, real, fake.detach(), self.gen)
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
        loss_g = g_loss(kind, self.D(fake))  # the last critic step's fakes, scored by the updated D
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self._update_ema()
        with torch.no_grad():
            w = d_real.mean() - d_fake.mean()
        self.record(loss_d=loss_d, loss_g=loss_g, w_estimate=w)

    @torch.no_grad()
    def _update_ema(self) -> None:
        """G_ema ← decay·G_ema + (1 − decay)·G, batch-norm statistics copied (decay 0: G_ema is G)."""
        decay = self.config.g_ema
        ema, raw = list(self.G_ema.parameters()), list(self.G.parameters())
        if decay > 0:
            torch._foreach_lerp_(ema, raw, 1.0 - decay)
        else:
            torch._foreach_copy_(ema, raw)
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
            b_ema.copy_(b)

    def vae_step(self, x01: torch.Tensor) -> None:
        c: ImagesConfig = self.config
        logits, mu, logvar, _ = self.V(x01, self.gen)
        kl_dims = kl_per_dim(mu, logvar)  # (L,)
        recon = self.V.recon_nll(logits, x01)
        warm = min(1.0, (self.step_count + 1) / c.kl_warmup) if c.kl_warmup > 0 else 1.0
        loss = vae_loss(kl_dims, recon, c.beta * warm, c.free_bits)
        self.opt_v.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_v.step()
        kl = kl_dims.detach().sum()
        self.record(recon=recon, kl=kl, neg_elbo=recon.detach() + kl)

    def train_step(self) -> None:
        x = self._batch()  # compare mode: both models see the same batch
        if self.G is not None:
            self.gan_step(x)
        if self.V is not None:
            self.vae_step(x)

    def apply_live(self, changes: dict[str, Any]) -> None:
        c: ImagesConfig = self.config
        if self.G is not None:
            for opt, lr in ((self.opt_g, c.lr_g), (self.opt_d, c.lr_d)):
                for group in opt.param_groups:
                    group["lr"], group["betas"] = lr, (c.beta1, c.beta2)
        if self.V is not None:
            for group in self.opt_v.param_groups:
                group["lr"] = c.lr_vae
        if "metrics_every" in changes:
            self._quality_t = -1e9

    # -- commands ----------------------------------------------------------------------------------
    def command(self, name: str, **kw: Any) -> Any:
        if name == "draw":
            img = np.asarray(kw["image"], np.float32)
            S = self.config.size
            if img.shape != (S, S) or not np.all(np.isfinite(img)):
                raise ValueError(f"a drawing must be {S}×{S} numbers")
            self.drawn = np.clip(img, 0, 1)
        elif name == "clear_drawing":
            self.drawn = None
        else:
            super().command(name, **kw)

    def inherit(self, old: Session) -> None:
        drawn = getattr(old, "drawn", None)
        if drawn is not None and drawn.shape == (self.config.size, self.config.size):
            self.drawn = drawn

    # -- persistence -------------------------------------------------------------------------------
    def modules(self) -> dict[str, torch.nn.Module]:
        return {k: m for k, m in (("G", self.G), ("G_ema", self.G_ema), ("D", self.D), ("V", self.V))
                if m is not None}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        out = {}
        if self.G is not None:
            out.update(G=self.opt_g, D=self.opt_d)
        if self.V is not None:
            out["V"] = self.opt_v
        return out

    def extra_state(self) -> dict:
        return {"drawn": torch.from_numpy(self.drawn) if self.drawn is not None else None}

    def load_extra_state(self, state: dict) -> None:
        d = state.get("drawn")
        self.drawn = d.numpy() if d is not None else None

    # -- evaluation --------------------------------------------------------------------------------
    @torch.no_grad()
    def _samples(self, which: str, z: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] from fixed codes, in eval mode (batch norm uses its running statistics)."""
        if which == "gan":
            self.G_ema.eval()  # always in eval mode: batch norm uses the running statistics
            return (self.G_ema(z) + 1) / 2
        was = self.V.training
        self.V.eval()
        x = torch.sigmoid(self.V.decode(z))
        self.V.train(was)
        return x

    @torch.no_grad()
    def quality(self, which: str) -> dict:
        """The judged quality of 500 fixed-code samples of the GAN or the VAE."""
        x = self._samples(which, self.z_quality if which == "gan" else self.v_quality)
        if self.clf is not None:
            return M.digit_quality(self.clf, x, self.real_stats)
        return M.precision_recall(self.real_feats, self.pca(x))

    @torch.no_grad()
    def codes_of(self, x01: torch.Tensor) -> torch.Tensor:
        """The VAE's mean codes μ(x) of images (N, C, S, S) -> (N, L)."""
        was = self.V.training
        self.V.eval()
        mu = torch.cat([self.V.encode(chunk)[0] for chunk in x01.split(500)])
        self.V.train(was)
        return mu

    def codes(self, n: int = N_CODES) -> torch.Tensor:
        return self.codes_of(self.X_eval[:n])  # (n, L)

    def evaluate(self) -> dict[str, float]:
        """Quality numbers (and the VAE's 5-NN accuracy), also appended to the history."""
        out: dict[str, Any] = {}
        shown: dict[str, dict] = {}  # the same numbers for the view (``playground snapshot`` shows them)
        if self.G is not None:
            shown["gan"] = self.quality("gan")
            out.update({k: v for k, v in shown["gan"].items() if k != "class_hist"})
        if self.V is not None:
            shown["vae"] = self.quality("vae")
            out.update({f"vae_{k}": v for k, v in shown["vae"].items() if k != "class_hist"})
            if self.y_eval is not None:
                out["latent_knn_accuracy"] = shown["vae"]["latent_knn_accuracy"] = \
                    M.knn_accuracy(self.codes(), self.y_eval, 5)
        self.history.add(self.step_count, **{k: float(v) for k, v in out.items()})
        plain = {w: {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in d.items()}
                 for w, d in shown.items()}
        self._cache.update(quality={"quality": plain, "quality_step": self.step_count},
                           quality_step=self.step_count)
        return out

    def metrics(self) -> dict[str, float]:
        out = super().metrics()
        out.update(self.evaluate())
        return out

    # -- snapshots ---------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        self.flush()
        from .snapshots import full_snapshot

        return full_snapshot(self)
