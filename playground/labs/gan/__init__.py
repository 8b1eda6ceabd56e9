"""The GAN lab: a generator and a discriminator (or critic) fight over 2D data, live."""

from playground.core.registry import LabSpec

from .config import GanConfig

LAB = LabSpec(
    name="gan",
    title="GAN",
    config_cls=GanConfig,
    session="playground.labs.gan.session:GanSession",
    view="playground.labs.gan.view:GanView",
    default_preset="ring8-wgan-gp",
    description="Generator vs discriminator on 2D data: GAN, LSGAN, hinge, WGAN, WGAN-GP",
    order=10,
)
