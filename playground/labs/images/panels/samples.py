"""Image panels: samples from fixed codes with their interpolation row, real images, VAE pairs."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from playground.ui.panels.image_grid import ImageGrid

from .common import vbox


class SamplesPanel(QtWidgets.QWidget):
    """An 8×8 grid of samples from fixed codes (the same cells evolve) and the interpolation row under it.
    Reads ``<prefix>_samples`` (64, S, S[, 3]) and ``<prefix>_interp`` (10, S, S[, 3]) (prefix gan or vae)."""

    def __init__(self, prefix: str, title: str):
        super().__init__()
        self.prefix = prefix
        lay = vbox(self)
        self.grid = ImageGrid(title, min_size=(150, 150))
        self.interp = ImageGrid("interpolation (slerp)", min_size=(150, 52))
        self.interp.setToolTip("Images along a great circle between two fixed codes (slerp: Gaussian codes "
                               "live near a sphere, a straight line would cut through its empty middle)")
        lay.addWidget(self.grid, 5)
        lay.addWidget(self.interp, 1)

    def set(self, snap: dict) -> None:
        self.grid.set_images(snap.get(self.prefix + "_samples"), 8)
        self.interp.set_images(snap.get(self.prefix + "_interp"), 10)


class RealStrip(ImageGrid):
    """Sixteen real training images. Reads ``real`` (16, S, S[, 3])."""

    def __init__(self):
        super().__init__("real images", min_size=(120, 50))

    def set(self, snap: dict) -> None:
        self.set_images(snap.get("real"), 8)


class PairsPanel(ImageGrid):
    """Eight fixed training images over their VAE reconstructions. Reads ``vae_pairs`` (2, 8, S, S[, 3])."""

    def __init__(self):
        super().__init__("VAE: inputs over reconstructions", min_size=(120, 50))

    def set(self, snap: dict) -> None:
        p = snap.get("vae_pairs")
        if p is not None:
            self.set_images(np.concatenate([p[0], p[1]]), len(p[0]))
