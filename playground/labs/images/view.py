"""The image lab's view: sample grids from fixed noise, real images, interpolation rows; GAN losses and D's
histograms; the VAE's terms, KL bars, reconstructions, latent scatter and manifold; a digit you draw;
the honest quality numbers. *Open image folder…* trains on your own pictures.

Panels (``panels.py``) each name the snapshot keys they read; this file lays them out and paints them in
parts (one panel per event-loop turn)."""

from __future__ import annotations

from PySide6 import QtWidgets

from playground.ui.livetext import LiveText
from playground.ui.widgets import LabView, snap_value

from .data import DATASETS_HELP, ImageFolderError, load_image_folder
from .panels.latent import DrawPanel, LatentPanel
from .panels.samples import PairsPanel, RealStrip, SamplesPanel
from .panels.training import GanPanel, QualityPanel, VaePanel


class ImagesView(LabView):
    max_fps = 12.0
    dense = True  # presentation mode: one zoom step less (three columns of panels)

    def __init__(self, spec=None, parent=None):
        super().__init__(spec, parent)
        self._build_ui()
        self._mode: tuple | None = None

    def _build_ui(self) -> None:
        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        root.setSpacing(2)
        bar = QtWidgets.QHBoxLayout()
        self.open_btn = QtWidgets.QPushButton("Open image folder…")
        self.open_btn.setToolTip("Train on a folder of your own pictures (" + DATASETS_HELP + ")")
        self.open_btn.clicked.connect(self._open_folder)
        bar.addWidget(self.open_btn)
        self.summary = LiveText("—")  # changes at every frame: no relayout (see LiveText)
        self.summary.setStyleSheet("font-weight:600;")
        bar.addWidget(self.summary, 1)
        root.addLayout(bar)

        cols = QtWidgets.QHBoxLayout()
        root.addLayout(cols, 1)
        # column 1: what the models draw, and how good it is
        c1 = QtWidgets.QVBoxLayout()
        grids = QtWidgets.QHBoxLayout()
        self.gan_samples = SamplesPanel("gan", "GAN samples (fixed noise)")
        self.vae_samples = SamplesPanel("vae", "VAE samples (fixed z ~ N(0, I))")
        grids.addWidget(self.gan_samples)
        grids.addWidget(self.vae_samples)
        c1.addLayout(grids, 7)
        strips = QtWidgets.QHBoxLayout()
        self.real = RealStrip()
        self.pairs = PairsPanel()
        strips.addWidget(self.real)
        strips.addWidget(self.pairs)
        c1.addLayout(strips, 3)
        self.quality = QualityPanel()
        c1.addWidget(self.quality, 3)
        c1.setSpacing(1)
        self.c1 = c1
        cols.addLayout(c1, 4)
        # column 2: training curves and distributions
        c2 = QtWidgets.QVBoxLayout()
        self.gan_panel = GanPanel()
        self.vae_panel = VaePanel()
        c2.addWidget(self.gan_panel, 1)
        c2.addWidget(self.vae_panel, 1)
        cols.addLayout(c2, 3)
        # column 3: latent space and a digit you draw
        c3 = QtWidgets.QVBoxLayout()
        self.latent = LatentPanel()
        c3.addWidget(self.latent, 5)
        self.draw = DrawPanel()
        self.draw.setMaximumHeight(210)
        self.draw.drawn.connect(lambda img: self.command.emit("draw", {"image": img}))
        self.draw.cleared.connect(lambda: self.command.emit("clear_drawing", {}))
        c3.addWidget(self.draw, 2)
        cols.addLayout(c3, 3)
        self.c3 = c3

    # -- LabView API -------------------------------------------------------------------------------
    def set_config(self, config) -> None:
        super().set_config(config)
        if config is not None and self.draw.canvas.size_px != config.size:
            self.draw.canvas.set_size(config.size)
        self._layout_for(config.trains_gan, config.trains_vae)

    def _layout_for(self, gan: bool, vae: bool) -> None:
        if self._mode == (gan, vae):
            return
        self._mode = (gan, vae)
        self.gan_samples.setVisible(gan)
        self.gan_panel.setVisible(gan)
        self.vae_samples.setVisible(vae)
        self.vae_panel.setVisible(vae)
        self.latent.setVisible(vae)
        self.pairs.setVisible(vae)
        self.draw.recon.setVisible(vae)  # the VAE redraws a drawn digit; a GAN alone only judges it
        # without a VAE the third column would hold only the canvas: the quality numbers move there
        target = self.c1 if vae else self.c3
        if self.quality.parentWidget() is not None and target.indexOf(self.quality) < 0:
            (self.c3 if vae else self.c1).removeWidget(self.quality)
            target.addWidget(self.quality, 3 if vae else 4)
        down, across = QtWidgets.QBoxLayout.TopToBottom, QtWidgets.QBoxLayout.LeftToRight
        self.quality.row.setDirection(across if vae else down)  # the narrow third column: one under the other
        self.quality.setMaximumHeight(250 if vae else 16777215)  # beside the grids: leave them the room

    def named_panels(self) -> dict:
        return {"GAN samples": self.gan_samples, "VAE samples": self.vae_samples, "Real digits": self.real,
                "Reconstructions": self.pairs, "Quality": self.quality, "GAN training": self.gan_panel,
                "VAE training": self.vae_panel, "Latent space": self.latent, "Draw": self.draw}

    def clear(self) -> None:
        self.cancel_drawing()
        for p in (self.gan_panel, self.vae_panel, self.quality):
            p.clear()

    def headline(self, snap: dict) -> list[tuple[str, str]]:
        out = []
        for key, label, pct in (("confident_fraction", "GAN confident", True), ("classes_covered", "classes", False),
                                ("vae_confident_fraction", "VAE confident", True), ("recon", "VAE recon", False),
                                ("loss_d", "D loss", False), ("loss_g", "G loss", False)):  # before any judging
            v = snap_value(snap, key)
            if v is not None and len(out) < 2:
                out.append((label, f"{100 * v:.0f} %" if pct else f"{v:.3g}"))
        return out or super().headline(snap)

    def set_snapshot(self, snap: dict) -> None:
        self._layout_for("gan_samples" in snap, "vae_samples" in snap)
        self.draw_later("curves", lambda: self._draw_curves(snap))
        if snap.get("light"):
            return
        if "gan_samples" in snap:
            self.draw_later("gan", lambda: (self.gan_samples.set(snap), self.gan_panel.set(snap)))
        if "vae_samples" in snap:
            self.draw_later("vae", lambda: (self.vae_samples.set(snap), self.vae_panel.set(snap),
                                            self.pairs.set(snap)))
            self.draw_later("latent", lambda: self.latent.set(snap))
        self.draw_later("misc", lambda: (self.real.set(snap), self.draw.set(snap), self.quality.set(snap)))

    def _draw_curves(self, snap: dict) -> None:
        if self.gan_panel.isVisible():
            self.gan_panel.set_curves(snap)
        if self.vae_panel.isVisible():
            self.vae_panel.set_curves(snap)
        self.quality.set_curves(snap)
        parts = [f"step {snap['step']:,}"]
        if snap.get("data_name"):
            parts.append(f"{snap['data_name']} ({snap.get('n_images', 0):,} images, {snap.get('size')}×"
                         f"{snap.get('size')})")
        acc = snap.get("classifier_accuracy")
        if acc:
            parts.append(f"judge: digit classifier, {100 * acc:.0f} % test accuracy")
        if snap.get("data_note"):
            parts.append(snap["data_note"])
        self.summary.setText("  ·  ".join(parts))

    # -- a folder of the user's pictures -----------------------------------------------------------
    def _open_folder(self) -> None:
        path = QtWidgets.QFileDialog.getExistingDirectory(self, "Open a folder of pictures")
        if path:
            self.open_folder(path)

    def open_folder(self, path: str) -> bool:
        """Train on a folder of pictures. A bad folder gets one line and changes nothing."""
        size = self.config.size if self.config is not None else 28
        channels = 3 if self.config is not None and self.config.color == "rgb" else 1
        try:
            data = load_image_folder(path, size, channels)
        except ImageFolderError as e:
            self.message.emit(f"Could not use that folder: {e}")
            return False
        note = f" ({data.note})" if data.note else ""
        self.message.emit(f"Training on {len(data.images):,} pictures from {path}{note}.")
        self.config_request.emit({"data": path})
        return True

