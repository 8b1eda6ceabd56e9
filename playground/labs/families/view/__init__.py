"""The four-families view: one samples plane per family (the race), the chosen family's own views, the
shared metric curves against steps and training time, and a summary line per family with its sampling cost.

The lab's only Qt code lives in this package (one module per panel: ``plane``, ``details``, ``diffusion``,
``race``), so that every other module of the lab imports without Qt."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from playground.ui.livetext import LiveText
from playground.ui.panels.draw2d import DrawTools
from playground.ui.widgets import LabView

from ..config import TITLES
from .details import FlowDetail, GanDetail, VaeDetail
from .diffusion import DiffusionDetail
from .plane import COLORS, SamplesPlane
from .race import RacePanel

LAYERS = (("heat", "Heat-map", "What each model believes over the plane (see the colour bar)"),
          ("real", "Real", "Samples of the real data"),
          ("samples", "Samples", "The model's samples"),
          ("mesh", "Mesh", "The image of a regular latent grid (GAN generator, VAE decoder, flow)"),
          ("paths", "Paths", "Diffusion: reverse trajectories of a few dozen samples, from noise to data"))


class FamiliesView(LabView):
    max_fps = 12.0
    dense = True  # presentation mode: one zoom step less (up to four planes beside the details)

    def __init__(self, spec=None, parent=None):
        super().__init__(spec, parent)
        self._families: list[str] = []
        self.planes: dict[str, SamplesPlane] = {}
        self._build_ui()

    def _build_ui(self) -> None:
        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        root.setSpacing(2)
        bar = QtWidgets.QHBoxLayout()
        self.layer_boxes: dict[str, QtWidgets.QCheckBox] = {}
        for key, label, tip in LAYERS:
            cb = QtWidgets.QCheckBox(label)
            cb.setChecked(True)
            cb.setToolTip(tip)
            cb.toggled.connect(self._apply_layers)
            self.layer_boxes[key] = cb
            bar.addWidget(cb)
        bar.addSpacing(8)
        self.tools = DrawTools(self, learner="the models", label="Draw on the first plane:")
        self.tools.drawn_changed.connect(self._show_drawn)
        self.draw_mode = self.tools.mode
        bar.addWidget(self.tools, 1)
        root.addLayout(bar)

        body = QtWidgets.QHBoxLayout()
        root.addLayout(body, 1)
        self.plane_box = QtWidgets.QWidget()
        self.plane_grid = QtWidgets.QGridLayout(self.plane_box)
        self.plane_grid.setContentsMargins(0, 0, 0, 0)
        self.plane_grid.setSpacing(2)
        body.addWidget(self.plane_box, 5)

        right = QtWidgets.QVBoxLayout()
        right.setSpacing(2)
        body.addLayout(right, 4)
        self.summary = LiveText("—", rich=True)  # changes at every frame: no relayout (see LiveText)
        right.addWidget(self.summary)
        pick = QtWidgets.QHBoxLayout()
        pick.addWidget(QtWidgets.QLabel("Details of:"))
        self.detail_choice = QtWidgets.QComboBox()
        self.detail_choice.setToolTip("Which family's own views to show below (race mode)")
        self.detail_choice.currentIndexChanged.connect(self._on_detail_choice)
        pick.addWidget(self.detail_choice, 1)
        right.addLayout(pick)
        self.details = {"gan": GanDetail(), "vae": VaeDetail(), "flow": FlowDetail(), "diffusion": DiffusionDetail()}
        self.details["diffusion"].changed.connect(lambda f: self.config_request.emit({"t_view": f}))
        self.detail_stack = QtWidgets.QStackedWidget()
        for w in self.details.values():
            self.detail_stack.addWidget(w)
        right.addWidget(self.detail_stack, 5)
        self.race = RacePanel()
        # the race plot's legend covered its newest points (top right) and was cut at 768 lines: a key line
        # above the two plots names the colours instead (the summary above uses the same ones)
        leg = getattr(self.race.by_step.getPlotItem(), "legend", None)
        if leg is not None:
            leg.setVisible(False)
        self.race_key = QtWidgets.QLabel()
        self.race_key.setTextFormat(QtCore.Qt.RichText)
        self.race.layout().insertWidget(1, self.race_key)
        right.addWidget(self.race, 3)
        self._last: dict | None = None

    # -- LabView API -------------------------------------------------------------------------------
    def set_config(self, config) -> None:
        super().set_config(config)
        fams = list(config.families())
        if fams != self._families:
            self._set_families(fams)
        self.details["diffusion"].set_t(config.t_view)

    def _set_families(self, fams: list[str]) -> None:
        self._families = fams
        for p in self.planes.values():
            self.plane_grid.removeWidget(p)
            p.deleteLater()
        self.planes = {}
        cols = 1 if len(fams) == 1 else 2
        for i, f in enumerate(fams):
            p = SamplesPlane(f, f"{TITLES[f]}")
            self.planes[f] = p
            self.plane_grid.addWidget(p, i // cols, i % cols)
        self.tools.attach(self.planes[fams[0]].vb)
        self.detail_choice.blockSignals(True)
        self.detail_choice.clear()
        for f in fams:
            self.detail_choice.addItem(TITLES[f], f)
        self.detail_choice.blockSignals(False)
        self.detail_choice.setEnabled(len(fams) > 1)
        self._on_detail_choice()
        self.race.set_families(fams)
        self.race_key.setText("&nbsp;&nbsp;".join(f"<span style='color:{COLORS[f]}'>━━ {TITLES[f]}</span>"
                                                  for f in fams))
        self._apply_layers()

    def named_panels(self) -> dict:
        return {"Samples": self.plane_box, "Details": self.detail_stack, "Race": self.race}

    def clear(self) -> None:
        self.cancel_drawing()
        for d in self.details.values():
            d.clear()
        self.race.clear()
        self._last = None

    def headline(self, snap: dict) -> list[tuple[str, str]]:
        m = snap.get("metrics") or {}
        modes = [f"{TITLES[f]} {int(m[f'{f}_modes_captured'])}" for f in self._families if f"{f}_modes_captured" in m]
        if modes:
            return [(f"modes (of {int(m['modes_total'])})", " · ".join(modes))]
        swd = [f"{TITLES[f]} {m[f'{f}_swd']:.3f}" for f in self._families if f"{f}_swd" in m]
        return [("sliced W", " · ".join(swd))] if swd else super().headline(snap)

    def set_snapshot(self, snap: dict) -> None:
        self._last = snap
        self.tools.set_extent(snap.get("extent", 3.0))
        if list(snap.get("families", self._families)) != self._families:
            self._set_families(list(snap["families"]))
        if not snap.get("light"):
            for f in self._families:
                self.draw_later(f"plane-{f}", lambda f=f: self._draw_plane(f, snap))
            self.draw_later("detail", lambda: self._draw_detail(snap))
            self.draw_later("race", lambda: self.race.set_log(snap["log"], snap.get("centers") is not None))
        self.draw_later("summary", lambda: self._draw_summary(snap))

    # -- drawing -----------------------------------------------------------------------------------
    def _draw_plane(self, f: str, snap: dict) -> None:
        if f not in self.planes or f not in snap["members"]:
            return
        real = self._drawn if (self.draw_mode.currentText() != "Off" and f == self._families[0]) else None
        self.planes[f].draw(snap, real)

    def _draw_detail(self, snap: dict) -> None:
        f = self.detail_choice.currentData()
        if f in snap["members"]:
            self.details[f].draw(snap)

    def _on_detail_choice(self) -> None:
        f = self.detail_choice.currentData()
        if f is None:
            return
        self.detail_stack.setCurrentWidget(self.details[f])
        if self._last is not None and f in self._last.get("members", {}):
            self.details[f].draw(self._last)

    def _draw_summary(self, snap: dict) -> None:
        met = snap.get("metrics") or {}
        lines = [f"step {snap['step']:,}"]
        for f in self._families:
            parts = []
            if f"{f}_modes_captured" in met:
                parts.append(f"modes {int(met[f'{f}_modes_captured'])}/{int(met['modes_total'])}")
                parts.append(f"high quality {100 * met[f'{f}_hq_fraction']:.0f}%")
            if f"{f}_swd" in met:
                parts.append(f"sliced W {met[f'{f}_swd']:.3f}")
            if f"{f}_samples_per_s" in met:
                parts.append(f"{_rate(met[f'{f}_samples_per_s'])} samples/s")
            secs = (snap.get("seconds") or {}).get(f, snap["members"].get(f, {}).get("seconds")) \
                if snap.get("members") else None
            if secs is not None:
                parts.append(f"trained {secs:.0f} s")
            lines.append(f"<b style='color:{COLORS[f]}'>{TITLES[f]}</b>: " + " · ".join(parts))
        self.summary.setText("<br>".join(lines))
        for f, p in self.planes.items():
            if f"{f}_modes_captured" in met:
                title = f"{TITLES[f]} — {int(met[f'{f}_modes_captured'])}/{int(met['modes_total'])} modes, " \
                        f"{100 * met[f'{f}_hq_fraction']:.0f}% high quality"
            elif f"{f}_swd" in met:
                title = f"{TITLES[f]} — sliced W {met[f'{f}_swd']:.3f}"
            else:
                title = TITLES[f]
            p.set_title(title)

    def _apply_layers(self) -> None:
        on = {k: cb.isChecked() for k, cb in self.layer_boxes.items()}
        for p in self.planes.values():
            p.set_layers(on)

    # -- drawing data ------------------------------------------------------------------------------
    @property
    def _drawn(self) -> np.ndarray:
        return self.tools.drawn

    def _show_drawn(self, points: np.ndarray) -> None:
        if self._families:
            self.planes[self._families[0]].show_real(points)

    def _clear_drawing(self) -> None:
        self.tools.clear()

    def open_points(self, path: str) -> bool:
        return self.tools.open_points(path)


def _rate(v: float) -> str:
    if not np.isfinite(v):
        return "∞"
    return f"{v / 1000:.1f}k" if v >= 1000 else f"{v:.0f}"

