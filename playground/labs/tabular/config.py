"""Tabular lab configuration (torch-free)."""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.config import ConfigError, param

SYNTHS = ("ctgan", "tvae", "copula")
TABLES = ("penguins", "diamonds")
GAN = {"synth": ("ctgan",)}
VAE = {"synth": ("tvae",)}
NEURAL = {"synth": ("ctgan", "tvae")}


@dataclass
class TabularConfig:
    # data
    data: str = param("penguins", "Real table: penguins (344 rows), diamonds (53,940 rows) or a path to a CSV file",
                      choices=TABLES, path_ok=True, group="Data")
    categorical: str = param("", "Columns to read as categories (comma-separated names)", group="Data")
    numeric: str = param("", "Columns to read as numbers although they have few distinct values", group="Data")
    exclude: str = param("", "Columns to leave out (comma-separated names); they are not in the export",
                         group="Data")
    target: str = param("auto", "Column the usefulness test predicts (auto: the first categorical column)",
                        live=True, group="Data")
    # synthesizer
    synth: str = param("ctgan", "Synthesizer: CTGAN (conditional GAN), TVAE (tabular VAE) or a Gaussian copula "
                       "(fitted at once; the yardstick)", choices=SYNTHS, group="Synthesizer")
    encoding: str = param("modes", "Numeric columns: modes (mode-specific normalisation with a Gaussian mixture, "
                          "the paper's) or quantile (normal scores of the training values' empirical CDF, decoded "
                          "by their quantiles)", choices=("modes", "quantile"), group="Synthesizer", when=NEURAL)
    max_modes: int = param(10, "Most Gaussian modes per numeric column (mode-specific normalisation)", lo=1, hi=20,
                           group="Synthesizer", when={**NEURAL, "encoding": ("modes",)})
    batch_size: int = param(500, "Rows per batch (CTGAN: a multiple of pac)", lo=10, hi=10_000,
                            group="Training", when=NEURAL)
    # CTGAN
    pac: int = param(10, "PacGAN: rows the critic judges together", lo=1, hi=32, group="CTGAN", when=GAN)
    z_dim: int = param(128, "Generator noise dimension", lo=1, hi=512, group="CTGAN", when=GAN)
    g_width: int = param(256, "Generator units per residual layer", lo=8, hi=1024, group="CTGAN", when=GAN)
    d_width: int = param(256, "Critic units per layer", lo=8, hi=1024, group="CTGAN", when=GAN)
    lr_g: float = param(2e-4, "Generator learning rate", lo=1e-6, hi=1.0, log=True, live=True, group="CTGAN",
                        when=GAN)
    lr_d: float = param(2e-4, "Critic learning rate", lo=1e-6, hi=1.0, log=True, live=True, group="CTGAN",
                        when=GAN)
    n_critic: int = param(1, "Critic steps per generator step", lo=1, hi=20, live=True, group="CTGAN", when=GAN)
    gp_weight: float = param(10.0, "Gradient-penalty weight λ (WGAN-GP)", lo=0.0, hi=100.0, live=True,
                             group="CTGAN", when=GAN, step=1.0)
    g_ema: float = param(0.0, "Sample from an exponential moving average of the generator's weights with this "
                         "decay (0: the last weights, as in the paper; 0.99: an average over ~100 steps)", lo=0.0,
                         hi=0.9999, group="CTGAN", when=GAN, step=0.001)
    lr_decay_steps: int = param(0, "Anneal both CTGAN learning rates to lr_floor of their value along a cosine over "
                                "this many steps, then hold them there (0: constant, as in the paper)", lo=0,
                                hi=1_000_000, group="CTGAN", when=GAN)
    lr_floor: float = param(0.0, "Fraction of the learning rates left at the end of lr_decay_steps", lo=0.0, hi=1.0,
                            group="CTGAN", when=GAN, step=0.05)
    alpha_scale: float = param(1.0, "Factor on every numeric value α as the critic sees it (real and generated "
                               "alike; 1: as in the paper)", lo=0.1, hi=20.0, group="CTGAN", when=GAN, step=0.5)
    cond_on: str = param("all", "Column(s) of the conditional vector: all (each categorical column in turn, the "
                         "paper's training-by-sampling), rows (all of them at once, as a random real row has "
                         "them), auto (only the one most linked to the others, as the copula splits) or a column's "
                         "name", group="CTGAN", when=GAN)
    tau: float = param(0.2, "Gumbel-softmax temperature of the one-hot outputs", lo=0.05, hi=5.0, live=True,
                       group="CTGAN", when=GAN, step=0.05)
    # TVAE
    latent: int = param(128, "TVAE latent dimension", lo=1, hi=512, group="TVAE", when=VAE)
    vae_width: int = param(128, "TVAE units per hidden layer", lo=8, hi=1024, group="TVAE", when=VAE)
    lr_vae: float = param(1e-3, "TVAE learning rate", lo=1e-6, hi=1.0, log=True, live=True, group="TVAE", when=VAE)
    beta: float = param(1.0, "β: weight of the KL term (1 = the ELBO)", lo=0.0, hi=10.0, live=True, group="TVAE",
                        when=VAE, step=0.1)

    def check(self) -> None:
        if self.synth == "ctgan" and self.batch_size % self.pac:
            raise ConfigError("batch_size", self.batch_size, f"a multiple of pac={self.pac}",
                              "PacGAN packs rows in groups of pac")
        from .data import TableError, check_source

        try:
            check_source(self.data, self.categorical, self.numeric, self.exclude)
        except TableError as e:
            key = getattr(e, "key", "data")
            raise ConfigError(key, getattr(self, key), "a readable CSV table" if key == "data" else
                              "column names of the table", str(e).splitlines()[0]) from None
