"""The four-families lab: a GAN, a VAE, a normalizing flow and a diffusion model race on the same 2D data."""

from playground.core.registry import LabSpec

from .config import FamiliesConfig

LAB = LabSpec(
    name="families",
    title="GAN · VAE · Flow · Diffusion",
    config_cls=FamiliesConfig,
    session="playground.labs.families.session:FamiliesSession",
    view="playground.labs.families.view:FamiliesView",
    default_preset="ring8-race",
    description="Four generative families on the same 2D data, with the same metrics: race them",
    order=15,
)
