"""Training panels: GAN losses and D(x) histograms; the VAE's terms and KL bars; the quality numbers."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from playground.ui.panels.curves import Curves
from playground.ui.widgets import make_plot

from .common import FAKE, REAL, VAE, bar_plot, vbox


class GanPanel(QtWidgets.QWidget):
    """GAN losses and the Wasserstein estimate over time; histograms of D's output on real and generated
    images. Reads ``history`` (loss_d, loss_g, w_estimate), ``d_real``, ``d_fake`` (256 each), ``d_is_prob``."""

    def __init__(self):
        super().__init__()
        lay = vbox(self)
        self.loss_plot = make_plot("GAN losses", "step", "", legend=True)
        self.curves = Curves(self.loss_plot, {"loss_d": "D loss", "loss_g": "G loss",
                                              "w_estimate": "E D(x) − E D(G(z)) (W estimate)"})
        lay.addWidget(self.loss_plot, 3)
        self.hist_plot = make_plot("D(x) on real vs generated", "D(x)", "images", legend=True)
        self.hist_real = pg.PlotDataItem(stepMode="center", fillLevel=0, brush=pg.mkBrush(31, 119, 180, 90),
                                         pen=pg.mkPen(REAL, width=1.5), name="real")
        self.hist_fake = pg.PlotDataItem(stepMode="center", fillLevel=0, brush=pg.mkBrush(228, 87, 46, 90),
                                         pen=pg.mkPen(FAKE, width=1.5), name="generated")
        self.hist_plot.getPlotItem().getViewBox().setMouseEnabled(x=False, y=False)
        self.hist_plot.addItem(self.hist_real)
        self.hist_plot.addItem(self.hist_fake)
        lay.addWidget(self.hist_plot, 2)

    def set_curves(self, snap: dict) -> None:
        self.curves.update(snap["history"])

    def set(self, snap: dict) -> None:
        r, f = snap.get("d_real"), snap.get("d_fake")
        if r is None or f is None:
            return
        r, f = np.nan_to_num(np.asarray(r, np.float64)), np.nan_to_num(np.asarray(f, np.float64))
        if snap.get("d_is_prob"):
            edges = np.linspace(0, 1, 26)
            self.hist_plot.setLabel("bottom", "D(x) = P(real)")
            self.hist_plot.setXRange(-0.03, 1.03, padding=0)
        else:
            both = np.concatenate([r, f])
            lo, hi = np.percentile(both, 1), np.percentile(both, 99)
            edges = np.linspace(lo, hi + 1e-6, 26)
            self.hist_plot.setLabel("bottom", "critic score D(x)")
            self.hist_plot.setXRange(edges[0], edges[-1], padding=0.03)
        self.hist_real.setData(edges, np.histogram(np.clip(r, edges[0], edges[-1]), edges)[0])
        self.hist_fake.setData(edges, np.histogram(np.clip(f, edges[0], edges[-1]), edges)[0])

    def clear(self) -> None:
        if self.curves is not None:
            self.curves.clear()


class VaePanel(QtWidgets.QWidget):
    """The ELBO's two terms over time (log scale: reconstruction is ~100× the KL; linear once a Gaussian decoder's
    −log p(x|z) goes below 0), KL per latent dimension as
    bars (posterior collapse: bars at zero). Reads ``history`` (recon, kl), ``kl_dims`` (L,)."""

    def __init__(self):
        super().__init__()
        lay = vbox(self)
        self.recon_plot = make_plot("VAE terms (nats, log scale)", "step", "", legend=True, log_y=True)
        self.curves = Curves(self.recon_plot, {"recon": "reconstruction −log p(x|z)", "kl": "KL(q‖p)"})
        self._log = True
        lay.addWidget(self.recon_plot, 3)
        self.kl_plot, (self.bars,) = bar_plot("KL per latent dimension", "dimension", "nats", {"KL": VAE})
        lay.addWidget(self.kl_plot, 2)

    def set_curves(self, snap: dict) -> None:
        hist = snap["history"]
        # a Gaussian decoder's −log p(x|z) is a density's: it goes below 0 once σ is small, and a log axis would
        # drop the curve there; such a run is shown on a linear axis
        rec = np.asarray(hist["recon"][1], np.float64) if "recon" in hist else np.zeros(0)
        log = not bool((rec[np.isfinite(rec)] <= 0).any())
        if log != self._log:
            self._log = log
            pi = self.recon_plot.getPlotItem()
            pi.setLogMode(y=log)
            pi.setTitle("VAE terms (nats, log scale)" if log else "VAE terms (nats)", size="10pt")
            pi.getViewBox().enableAutoRange(y=True)  # the held range was in the other scale
        self.curves.update(hist)

    def set(self, snap: dict) -> None:
        kl = snap.get("kl_dims")
        if kl is not None:
            kl = np.nan_to_num(np.asarray(kl, np.float64))
            self.bars.setOpts(x=np.arange(1, len(kl) + 1), height=kl, width=0.8)
            self.kl_plot.setXRange(0.4, len(kl) + 0.6, padding=0)
            self.kl_plot.setYRange(0, max(1.0, float(kl.max()) * 1.1), padding=0)

    def clear(self) -> None:
        if self.curves is not None:
            self.curves.clear()


class QualityPanel(QtWidgets.QWidget):
    """Honest quality numbers and their history. Digit sets: confident fraction (> 0.9), classes covered,
    the confident samples' class histogram, the classifier Fréchet distance (not Inception FID). A folder:
    precision and recall with k-NN balls. Reads ``quality`` ({gan|vae: {...}}), ``feature_space``,
    ``labelled``, ``history`` (confident_fraction, vae_confident_fraction, precision, recall, ...)."""

    def __init__(self):
        super().__init__()
        lay = vbox(self)
        self.text = QtWidgets.QLabel("quality: —")
        self.text.setWordWrap(True)
        self.text.setTextFormat(QtCore.Qt.RichText)
        lay.addWidget(self.text)
        row = self.row = QtWidgets.QHBoxLayout()
        self.hist_plot, (self.bars_gan, self.bars_vae) = bar_plot(
            "confident, by class", "digit", "samples", {"GAN": FAKE, "VAE": VAE}, width=0.4)
        self.hist_plot.getPlotItem().getAxis("bottom").setTicks([[(k, str(k)) for k in range(10)]])
        row.addWidget(self.hist_plot, 1)
        self.curve_plot = make_plot("quality over time", "step", "", legend=True)
        # fractions in [0, 1]; the headroom above 1 keeps the legend off the curves (a 5-NN accuracy of ~0.7
        # ran under it)
        self.curve_plot.setYRange(0, 1.3, padding=0.02)
        self.curves: Curves | None = None
        self._mode: tuple | None = None
        row.addWidget(self.curve_plot, 1)
        lay.addLayout(row, 1)

    def set_mode(self, gan: bool, vae: bool, labelled: bool) -> None:
        """Only the curves that this run has (a legend of absent curves would only confuse)."""
        if self._mode == (gan, vae, labelled):
            return
        self._mode = (gan, vae, labelled)
        self.curve_plot.getPlotItem().clear()
        self.curve_plot.getPlotItem().legend.clear()
        names = {}
        if gan:
            names.update({"confident_fraction": "GAN confident"} if labelled else
                         {"precision": "GAN precision", "recall": "GAN recall"})
        if vae:
            names.update({"vae_confident_fraction": "VAE confident", "latent_knn_accuracy": "VAE 5-NN accuracy"}
                         if labelled else {"vae_precision": "VAE precision", "vae_recall": "VAE recall"})
        self.curves = Curves(self.curve_plot, names, width=2)
        title = "confident, by class" + (" (GAN orange, VAE purple)" if gan and vae else "")
        self.hist_plot.setTitle(title, size="9pt")

    def set_curves(self, snap: dict) -> None:
        self.set_mode("gan_samples" in snap, "vae_samples" in snap, bool(snap.get("labelled")))
        self.curves.update(snap["history"])

    def set(self, snap: dict) -> None:
        q = snap.get("quality") or {}
        lines = []
        for key, name in (("gan", "GAN"), ("vae", "VAE")):
            m = q.get(key)
            if not m:
                continue
            if "confident_fraction" in m:
                s = (f"<b>{name}</b>: confident {100 * m['confident_fraction']:.0f} % · classes "
                     f"{m['classes_covered']}/10 · classifier FD {m['classifier_fd']:.1f}")
                if "latent_knn_accuracy" in m:
                    s += f" · 5-NN {m['latent_knn_accuracy']:.2f}"
            else:
                s = f"<b>{name}</b>: precision {m['precision']:.2f} · recall {m['recall']:.2f}"
            lines.append(s)
        if lines:
            note = ("FD: Fréchet distance in the digit classifier's features, <i>not Inception FID</i>"
                    if snap.get("labelled") else
                    f"k-NN precision/recall (Kynkäänniemi et al. 2019) in {snap.get('feature_space', '')}")
            self.text.setText("<br>".join(lines) + f"<br><small>{note} · step {snap.get('quality_step', 0):,}"
                              "</small>")
        self.hist_plot.setVisible(bool(snap.get("labelled")))
        for key, bars, dx in (("gan", self.bars_gan, -0.2), ("vae", self.bars_vae, 0.2)):
            h = (q.get(key) or {}).get("class_hist")
            bars.setVisible(h is not None)
            if h is not None:
                bars.setOpts(x=np.arange(len(h)) + dx, height=np.asarray(h, float), width=0.4)
        top = max([1.0] + [float(max((q.get(k) or {}).get("class_hist") or [0])) for k in ("gan", "vae")])
        self.hist_plot.setYRange(0, top * 1.1, padding=0)
        self.hist_plot.setXRange(-0.6, 9.6, padding=0)

    def clear(self) -> None:
        if self.curves is not None:
            self.curves.clear()
