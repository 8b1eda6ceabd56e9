"""Image lab configuration (torch-free)."""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.config import ConfigError, param

DATASETS = ("mnist", "digits")
MODELS = ("dcgan", "wgan-gp", "vae")
GAN_LOSSES = ("non-saturating", "minimax", "lsgan", "hinge")
SIZES = (16, 28, 32, 64)
GAN = {"model": ("dcgan", "wgan-gp")}
VAE_KEYS = {"model": ("vae",)}


@dataclass
class ImagesConfig:
    # data
    data: str = param("mnist", "Real images: 5,000 MNIST digits (28×28), the 1,797 UCI digits (8×8, upscaled) "
                      "or a path to a folder of PNG/JPEG/BMP/WebP pictures", choices=DATASETS, path_ok=True,
                      group="Data")
    size: int = param(28, "Image side in pixels: 16, 28, 32 or 64 (pictures are centre-cropped and resized)",
                      lo=16, hi=64, group="Data")
    color: str = param("grey", "Colour of a folder's pictures (the digit sets are grey)", choices=("grey", "rgb"),
                       group="Data")
    # what to train
    model: str = param("dcgan", "dcgan: DCGAN with batch norm and a GAN loss; wgan-gp: DCGAN generator and a "
                       "critic without batch norm, Wasserstein loss with gradient penalty; vae: convolutional VAE",
                       choices=MODELS, group="Model")
    compare: bool = param(False, "Compare mode: train a GAN and a VAE on the same data and seed at once (the "
                          "GAN is 'model' when it is a GAN, else a DCGAN)", group="Model")
    batch_size: int = param(64, "Images per batch", lo=2, hi=1024, group="Model")
    # GAN
    z_dim: int = param(32, "Generator's noise size (GAN latent)", lo=1, hi=256, group="GAN")
    g_width: int = param(16, "Generator base width (channels of the last stage; doubled per stage inward)",
                         lo=4, hi=256, group="GAN")
    d_width: int = param(16, "Discriminator/critic base width", lo=4, hi=256, group="GAN")
    loss: str = param("non-saturating", "DCGAN objective (wgan-gp always uses the Wasserstein loss)",
                      choices=GAN_LOSSES, live=True, group="GAN", when={"model": ("dcgan", "vae")})
    gp_weight: float = param(10.0, "Gradient-penalty weight λ (WGAN-GP)", lo=0.0, hi=1000.0, live=True,
                             group="GAN", when={"model": ("wgan-gp",)})
    n_critic: int = param(1, "Discriminator (critic) steps per generator step", lo=1, hi=20, live=True, group="GAN")
    lr_g: float = param(5e-4, "Generator learning rate (Adam)", lo=1e-6, hi=1.0, log=True, live=True, group="GAN")
    lr_d: float = param(5e-4, "Discriminator learning rate (Adam)", lo=1e-6, hi=1.0, log=True, live=True,
                        group="GAN")
    beta1: float = param(0.5, "Adam β1 of both GAN networks", lo=0.0, hi=0.999, live=True, group="GAN", step=0.05)
    g_ema: float = param(0.995, "Samples come from an exponential moving average of G's weights with this decay "
                         "(Yazıcı et al. 2019: sharper, steadier samples; 0 = the raw G)", lo=0.0, hi=0.9999,
                         live=True, group="GAN", step=0.001)
    beta2: float = param(0.999, "Adam β2 of both GAN networks", lo=0.0, hi=0.9999, live=True, group="GAN",
                         step=0.01)
    # VAE
    latent: int = param(2, "VAE latent size (2 shows the latent plane directly; more: by PCA)", lo=2, hi=64,
                        group="VAE")
    vae_width: int = param(16, "VAE base width", lo=4, hi=256, group="VAE")
    vae_hidden: int = param(0, "VAE dense hidden layer between the feature maps and the latent, both sides "
                            "(0 = none; with a 2-D latent it sorts the classes much faster)", lo=0, hi=1024,
                            group="VAE")
    decoder: str = param("bernoulli", "VAE decoder: Bernoulli pixels (cross-entropy) or Gaussian with a learned σ",
                         choices=("bernoulli", "gaussian"), group="VAE")
    beta: float = param(1.0, "β: weight of the KL term (β > 1 trades sharpness for a smoother latent)", lo=0.0,
                        hi=100.0, live=True, group="VAE", step=0.1)
    kl_warmup: int = param(0, "KL warm-up: β grows from 0 to its value over this many steps (0 = off)", lo=0,
                           hi=100_000, live=True, group="VAE")
    free_bits: float = param(0.0, "Free bits λ: each latent dimension's KL counts as at least λ nats "
                             "(0 = off; a fix for posterior collapse)", lo=0.0, hi=10.0, live=True, group="VAE",
                             step=0.1)
    lr_vae: float = param(1e-3, "VAE learning rate (Adam)", lo=1e-6, hi=1.0, log=True, live=True, group="VAE")
    # views
    metrics_every: float = param(2.0, "Seconds between refreshes of the quality numbers in the app (they run "
                                 "the classifier on 500 samples)", lo=0.2, hi=60.0, live=True, group="View")

    def check(self) -> None:
        if self.size not in SIZES:
            raise ConfigError("size", self.size, "one of " + ", ".join(map(str, SIZES)), "unsupported size")
        if self.color == "rgb" and self.data in DATASETS:
            raise ConfigError("color", self.color, "grey for the digit sets", "the digit sets are grey")
        for key in ("g_width", "d_width", "vae_width"):
            if getattr(self, key) * self.size > 256 * 32:
                raise ConfigError(key, getattr(self, key), f"at most {256 * 32 // self.size} at size {self.size}",
                                  "network too large (keeps the app responsive)")

    @property
    def trains_gan(self) -> bool:
        return self.model != "vae" or self.compare

    @property
    def trains_vae(self) -> bool:
        return self.model == "vae" or self.compare

    @property
    def gan_kind(self) -> str:
        return self.model if self.model != "vae" else "dcgan"

    @property
    def channels(self) -> int:
        return 3 if self.color == "rgb" and self.data not in DATASETS else 1
