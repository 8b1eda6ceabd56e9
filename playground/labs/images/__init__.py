"""The image lab: a DCGAN / WGAN-GP and a convolutional VAE learn to draw digits (or your pictures), live."""

from playground.core.registry import LabSpec

from .config import ImagesConfig

LAB = LabSpec(
    name="images",
    title="Images",
    config_cls=ImagesConfig,
    session="playground.labs.images.session:ImagesSession",
    view="playground.labs.images.view:ImagesView",
    default_preset="mnist-dcgan",
    description="DCGAN, WGAN-GP and a convolutional VAE learning digits or your own pictures",
    order=40,
)
