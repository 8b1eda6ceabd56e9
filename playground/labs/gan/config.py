"""GAN lab configuration (torch-free)."""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.config import ConfigError, param

DATASETS = ("ring8", "grid25", "spiral", "moons", "circles", "line", "gaussian", "drawn")
LOSSES = ("minimax", "non-saturating", "lsgan", "hinge", "wgan", "wgan-gp")
OPTIMIZERS = ("sgd", "adam", "rmsprop")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "elu", "gelu")


@dataclass
class GanConfig:
    # data
    data: str = param("ring8", "Real data: a built-in 2D data set, 'drawn' (points drawn in the data view) or a "
                      "path to a CSV file of 2D points", choices=DATASETS, path_ok=True, group="Data")
    noise: float = param(1.0, "Scale of the Gaussian noise around the data (1 = the data set's usual spread)",
                         lo=0.0, hi=5.0, group="Data", step=0.1)
    # objective
    loss: str = param("wgan-gp", "GAN objective: minimax (saturating), non-saturating, least squares (LSGAN), "
                      "hinge, WGAN with weight clipping, WGAN with gradient penalty", choices=LOSSES, live=True,
                      group="Objective")
    gp_weight: float = param(1.0, "Gradient-penalty weight λ (WGAN-GP); 0.1–1 suits these small 2D sets",
                             lo=0.0, hi=1000.0, live=True,
                             group="Objective", step=1.0, when={"loss": ("wgan-gp",)})
    clip: float = param(0.01, "Critic weight clipping bound c (WGAN)", lo=1e-4, hi=10.0, live=True, log=True,
                        group="Objective", when={"loss": ("wgan",)})
    n_critic: int = param(5, "Discriminator (critic) steps per generator step", lo=1, hi=50, live=True,
                          group="Objective")
    # optimisation
    batch_size: int = param(256, "Samples per batch (real and generated)", lo=1, hi=8192, group="Training")
    opt_g: str = param("adam", "Generator optimizer", choices=OPTIMIZERS, group="Training")
    opt_d: str = param("adam", "Discriminator optimizer", choices=OPTIMIZERS, group="Training")
    lr_g: float = param(1e-4, "Generator learning rate", lo=1e-6, hi=10.0, log=True, live=True, group="Training")
    lr_d: float = param(1e-4, "Discriminator learning rate", lo=1e-6, hi=10.0, log=True, live=True,
                        group="Training")
    beta1: float = param(0.5, "Adam β1 (momentum), both networks", lo=0.0, hi=0.999, live=True, group="Training",
                         step=0.05)
    beta2: float = param(0.9, "Adam β2, both networks", lo=0.0, hi=0.9999, live=True, group="Training", step=0.01)
    # generator
    latent_dim: int = param(2, "Dimension of the generator's input noise z", lo=1, hi=64, group="Generator")
    latent: str = param("normal", "Distribution of z", choices=("normal", "uniform"), group="Generator")
    g_layers: int = param(3, "Generator hidden layers", lo=1, hi=8, group="Generator")
    g_width: int = param(128, "Generator units per hidden layer", lo=1, hi=1024, group="Generator")
    g_act: str = param("relu", "Generator activation", choices=ACTIVATIONS, group="Generator")
    # discriminator
    d_layers: int = param(3, "Discriminator hidden layers", lo=1, hi=8, group="Discriminator")
    d_width: int = param(128, "Discriminator units per hidden layer", lo=1, hi=1024, group="Discriminator")
    d_act: str = param("relu", "Discriminator activation", choices=ACTIVATIONS, group="Discriminator")
    # views
    grid: int = param(40, "Resolution of the discriminator heat-map (cells per side; drawn smoothed)", lo=8,
                      hi=256, live=True, group="View")
    show_samples: int = param(512, "Generated and real points drawn", lo=16, hi=4096, live=True, group="View")

    def check(self) -> None:
        if self.g_layers * self.g_width * self.g_width > 8_000_000 or \
                self.d_layers * self.d_width * self.d_width > 8_000_000:
            raise ConfigError("g_width" if self.g_layers * self.g_width ** 2 > 8e6 else "d_width",
                              max(self.g_width, self.d_width),
                              "layers × width² ≤ 8,000,000 (keeps the app responsive)", "network too large")
