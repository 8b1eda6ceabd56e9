"""The GAN lab's view, assembled from panels: the data plane (samples over D's heat-map, manifold, gradient
arrows, drawing tool, teaching-mode step buttons) on the left; losses, modes captured with per-mode counts,
and quality on the right."""

from __future__ import annotations

from PySide6 import QtWidgets

from playground.ui.widgets import LabView

from .panels import GanMetrics
from .panels_plane import DataPlane


class GanView(LabView):
    max_fps = 12.0  # smooth enough to watch; every frame the UI paints slows training next door a little

    def __init__(self, spec=None, parent=None):
        super().__init__(spec, parent)
        self._last_snap: dict | None = None
        root = QtWidgets.QHBoxLayout(self)
        root.setContentsMargins(2, 2, 2, 2)
        self.plane = DataPlane(self)
        self.metrics = GanMetrics()
        root.addWidget(self.plane, 3)
        root.addWidget(self.metrics, 2)
        # handles the tests use
        self.loss_curves, self.teach_btns = self.metrics.loss_curves, self.plane.teach_btns
        self.draw_mode, self.vb = self.plane.draw_mode, self.plane.vb

    @property
    def _drawn(self):
        return self.plane.tools.drawn

    def _clear_drawing(self) -> None:
        self.plane.tools.clear()

    def open_points(self, path: str) -> bool:
        return self.plane.tools.open_points(path)

    # -- LabView API -------------------------------------------------------------------------------
    def named_panels(self) -> dict:
        return {"Data plane": self.plane, "Metrics": self.metrics}

    def clear(self) -> None:
        self.cancel_drawing()
        self.metrics.clear()
        self._last_snap = None

    def headline(self, snap: dict) -> list[tuple[str, str]]:
        m = snap.get("metrics") or {}
        if "modes_captured" in m:
            return [("modes captured", f"{int(m['modes_captured'])}/{int(m['modes_total'])}"),
                    ("high quality", f"{100 * m['hq_fraction']:.0f} %")]
        return [("sliced W", f"{m['swd']:.3f}")] if "swd" in m else super().headline(snap)

    def set_snapshot(self, snap: dict) -> None:
        """Three parts, painted in separate event-loop turns: the data plane, losses, metrics."""
        self._last_snap = snap
        if not snap.get("light"):  # a light snapshot (curves only) leaves the plane as it is
            self.draw_later("plane", lambda: self.plane.draw(snap))
        self.draw_later("losses", lambda: self.metrics.draw_losses(snap))
        self.draw_later("metrics", lambda: self.metrics.draw_metrics(snap))
