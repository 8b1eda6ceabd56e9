"""Configuration of the four-families lab (torch-free)."""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.config import ConfigError, param

DATASETS = ("ring8", "grid25", "spiral", "moons", "circles", "line", "gaussian", "drawn")
FAMILIES = ("gan", "vae", "flow", "diffusion")
TITLES = {"gan": "GAN", "vae": "VAE", "flow": "Flow", "diffusion": "Diffusion"}
GAN_LOSSES = ("minimax", "non-saturating", "lsgan", "hinge", "wgan", "wgan-gp")


def parse_race(text: str) -> tuple[str, ...]:
    """'gan, flow' -> ('gan', 'flow'); 'all' -> every family; '' / 'off' -> (). Raises ValueError."""
    t = text.strip().lower()
    if t in ("", "off", "none", "no"):
        return ()
    if t == "all":
        return FAMILIES
    names = [n.strip() for n in t.replace(";", ",").replace(" ", ",").split(",") if n.strip()]
    bad = [n for n in names if n not in FAMILIES]
    if bad:
        raise ValueError(bad[0])
    return tuple(f for f in FAMILIES if f in names)


@dataclass
class FamiliesConfig:
    # data
    data: str = param("ring8", "Real data: a built-in 2D data set, 'drawn' (points drawn on a plane) or a path to a "
                      "CSV file of 2D points", choices=DATASETS, path_ok=True, group="Data")
    noise: float = param(1.0, "Scale of the Gaussian noise around the data (1 = the data set's usual spread)",
                         lo=0.0, hi=5.0, group="Data", step=0.1)
    # which families
    family: str = param("diffusion", "The generative family trained (and the one whose metrics the CLI reports)",
                        choices=FAMILIES, group="Family")
    race: str = param("", "Race mode: families trained side by side on the same data and seed, e.g. "
                      "'gan,vae,flow,diffusion' or 'all'; empty = only `family`", group="Family")
    # shared training
    batch_size: int = param(512, "Data points per step (every family)", lo=8, hi=8192, group="Training")
    lr: float = param(2e-3, "Adam learning rate of the VAE, the flow and the diffusion model", lo=1e-6, hi=1.0,
                      log=True, live=True, group="Training")
    # GAN (the shared 2D GAN: MLP generator and critic)
    gan_loss: str = param("wgan-gp", "GAN objective (as in the GAN lab)", choices=GAN_LOSSES, live=True, group="GAN")
    n_critic: int = param(5, "Critic steps per generator step: one GAN step trains D this many times", lo=1, hi=50,
                          live=True, group="GAN")
    gp_weight: float = param(1.0, "Gradient-penalty weight λ (WGAN-GP)", lo=0.0, hi=1000.0, live=True, group="GAN",
                             step=0.5)
    lr_g: float = param(1e-4, "Generator learning rate (Adam β = 0.5, 0.9)", lo=1e-6, hi=1.0, log=True, live=True,
                        group="GAN")
    lr_d: float = param(1e-4, "Critic learning rate (Adam β = 0.5, 0.9)", lo=1e-6, hi=1.0, log=True, live=True,
                        group="GAN")
    gan_width: int = param(128, "Units per hidden layer of G and D (3 hidden layers, ReLU)", lo=4, hi=512,
                           group="GAN")
    # VAE
    beta: float = param(1.0, "Weight β of the KL term (1 = the true ELBO; larger = blurrier, smoother latent)",
                        lo=0.0, hi=100.0, live=True, group="VAE", step=0.1)
    vae_width: int = param(128, "Units per hidden layer of encoder and decoder (3 hidden layers)", lo=4, hi=512,
                           group="VAE")
    # flow
    coupling: str = param("spline", "Coupling layers: 'spline' (monotone rational-quadratic splines, Durkan et al. "
                          "2019) or 'affine' (RealNVP: scale and shift)", choices=("spline", "affine"), group="Flow")
    couplings: int = param(6, "Coupling layers (a fixed rotation between consecutive ones)", lo=1, hi=32,
                           group="Flow")
    flow_width: int = param(64, "Units per hidden layer of each coupling's network (2 hidden layers)", lo=4, hi=512,
                            group="Flow")
    bins: int = param(8, "Spline bins per coupling", lo=2, hi=32, group="Flow")
    # diffusion
    T: int = param(100, "Diffusion steps T of the forward (noising) process", lo=2, hi=1000, group="Diffusion")
    schedule: str = param("linear", "Noise schedule β_t: linear (Ho et al., scaled to T) or cosine (Nichol & "
                          "Dhariwal)", choices=("linear", "cosine"), group="Diffusion")
    sampler: str = param("ddpm", "Reverse process: DDPM (ancestral, stochastic) or DDIM (η below; 0 = "
                         "deterministic)", choices=("ddpm", "ddim"), live=True, group="Diffusion")
    sample_steps: int = param(100, "Network calls per sample (at most T; fewer = faster, coarser; DDPM with fewer "
                              "steps than T is DDIM with η = 1)", lo=1, hi=1000, live=True, group="Diffusion")
    eta: float = param(0.0, "DDIM η: 0 = deterministic, 1 = as noisy as DDPM", lo=0.0, hi=1.0, live=True,
                       group="Diffusion", step=0.1)
    diff_width: int = param(128, "Units per hidden layer of the noise predictor (3 hidden layers, GELU)", lo=4,
                            hi=512, group="Diffusion")
    diff_emb: int = param(32, "Size of each sinusoidal embedding (x, y and t)", lo=4, hi=256, group="Diffusion")
    # views
    t_view: float = param(0.3, "Diffusion views: the step t shown, as a fraction of T (the t slider)", lo=0.0,
                          hi=1.0, live=True, group="View", step=0.05)
    diff_heat: str = param("density", "Diffusion heat-map: density of its samples, or the learned score's "
                           "magnitude at t", choices=("density", "score"), live=True, group="View")
    grid: int = param(40, "Resolution of the heat-maps (cells per side; drawn smoothed)", lo=8, hi=128, live=True,
                      group="View")
    show_samples: int = param(512, "Generated and real points drawn", lo=16, hi=2500, live=True, group="View")

    def families(self) -> tuple[str, ...]:
        """The families trained: ``family`` first, then the rest of the race in canonical order."""
        try:
            race = parse_race(self.race)
        except ValueError:
            race = ()
        return (self.family,) + tuple(f for f in race if f != self.family)

    def check(self) -> None:
        try:
            parse_race(self.race)
        except ValueError as e:
            raise ConfigError("race", self.race, "a comma list of " + ", ".join(FAMILIES) + ", 'all' or empty",
                              f"unknown family '{e}'") from None
        if self.couplings * self.flow_width > 4096:
            raise ConfigError("couplings", self.couplings, "couplings × flow_width ≤ 4,096", "flow too large")
