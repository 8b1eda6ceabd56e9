"""Run history: every reset, preset load or config change that restarts training closes a run; the *Runs* tab
lists the lab's runs (time, steps, keys changed against the previous run, final metrics), each with a colour
and a show/hide eye, and overlays the checked runs' curves (dashed, smoothed with TensorBoard's debiased EMA)
on the lab's loss/metric plots (``LabView.overlay_plots``). Runs can be renamed, deleted and restored (their
config re-applied, training restarts).

Runs survive a restart: ``runs.json`` in the app's data folder (``settings.data_dir``), the last
``MAX_RUNS`` runs per lab, each curve decimated to ``MAX_POINTS`` points, written atomically.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from playground.core import config as cfgmod
from playground.core.files import atomic_write

from . import settings as st
from .panels.curves import Curves, CurvesPanel, ema_debiased

MAX_RUNS = 50
MAX_POINTS = 500
# apart from the first colours of the live curves (blue, red, green): each run keeps one colour on every plot
RUN_COLORS = ["#9467bd", "#ff7f0e", "#17becf", "#e377c2", "#8c564b", "#bcbd22", "#000000", "#7f7f7f", "#6a3d9a",
              "#b15928"]
# one dash pattern per metric of a plot, so a run's D and G losses are told apart on the same plot
DASHES = (QtCore.Qt.PenStyle.DashLine, QtCore.Qt.PenStyle.DotLine, QtCore.Qt.PenStyle.DashDotLine,
          QtCore.Qt.PenStyle.DashDotDotLine)


# -- data ------------------------------------------------------------------------------------------
def decimate(steps, values, n: int = MAX_POINTS) -> tuple[list, list]:
    """At most ``n`` evenly spaced points (the first and last kept), non-finite values as None."""
    s, v = np.asarray(steps), np.asarray(values, np.float64)
    if len(s) > n:
        idx = np.unique(np.linspace(0, len(s) - 1, n).round().astype(int))
        s, v = s[idx], v[idx]
    vals = [float(f"{x:.6g}") if math.isfinite(x) else None for x in v.tolist()]
    return [int(x) for x in s.tolist()], vals


def _last_finite(values) -> float | None:
    for x in reversed(list(values)):
        if x is not None and math.isfinite(float(x)):
            return float(x)
    return None


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def changes_text(prev: dict | None, config: dict, preset: str | None) -> str:
    if prev is None:
        return f"preset {preset}" if preset else "defaults"
    delta = [(k, prev.get(k), v) for k, v in config.items() if prev.get(k) != v]
    if not delta:
        return "same config"
    return ", ".join(f"{k} {_fmt(a)}→{_fmt(b)}" for k, a, b in delta)


class RunStore:
    """The runs of every lab, ``{lab: [run, ...]}`` oldest first, kept in one JSON file (or in memory)."""

    def __init__(self, path: Path | None):
        self.path = path
        self.labs: dict[str, list[dict]] = {}
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                labs = data.get("labs", {}) if isinstance(data, dict) else {}
                self.labs = {k: [r for r in v if isinstance(r, dict) and "id" in r]
                             for k, v in labs.items() if isinstance(v, list)}
            except (OSError, ValueError, AttributeError):
                self.labs = {}  # an unreadable history starts afresh

    def runs(self, lab: str) -> list[dict]:
        return self.labs.setdefault(lab, [])

    def add(self, run: dict) -> None:
        runs = self.runs(run["lab"])
        runs.append(run)
        del runs[:-MAX_RUNS]
        self.save()

    def find(self, run_id: str) -> dict | None:
        return next((r for runs in self.labs.values() for r in runs if r["id"] == run_id), None)

    def delete(self, run_id: str) -> None:
        for runs in self.labs.values():
            runs[:] = [r for r in runs if r["id"] != run_id]
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(self.path) as f:
                f.write(json.dumps({"version": 1, "labs": self.labs}).encode("utf-8"))
        except OSError:
            pass  # the history is a convenience: never a reason to fail


# -- overlay ---------------------------------------------------------------------------------------
def find_overlay_plots(view: QtWidgets.QWidget) -> dict[str, pg.PlotItem]:
    """``{metric name: PlotItem}`` for every curve of a ``CurvesPanel`` or ``Curves`` in the view (the first
    plot drawing a metric wins): the default of ``LabView.overlay_plots``."""
    out: dict[str, pg.PlotItem] = {}
    for w in [view, *view.findChildren(QtWidgets.QWidget)]:
        if isinstance(w, CurvesPanel):
            for sc in w.curves.values():
                for name in sc.items:
                    out.setdefault(name, sc.plot.getPlotItem())
        for v in list(getattr(w, "__dict__", {}).values()):
            if isinstance(v, Curves):
                for name in v.items:
                    out.setdefault(name, v.plot.getPlotItem())
    return out


class Overlay:
    """Dashed curves of earlier runs laid on the view's plots."""

    def __init__(self):
        self.items: list[tuple[pg.PlotItem, pg.PlotDataItem]] = []
        self.x_max: dict[int, tuple[pg.PlotItem, float]] = {}  # id(plot) -> (plot, the longest run shown)

    def clear(self) -> None:
        for plot, item in self.items:
            try:
                plot.removeItem(item)
            except RuntimeError:  # the view (and its plots) is gone already
                pass
        self.items = []
        self.x_max = {}

    def forget(self) -> None:
        self.items = []
        self.x_max = {}

    def keep_x(self) -> None:
        """Widen a plot's x range to the longest run overlaid on it (the live curve holds it to its own
        steps otherwise, cutting a longer earlier run off)."""
        for plot, x_max in self.x_max.values():
            try:
                vb = plot.getViewBox()
                if vb.viewRange()[0][1] < x_max:
                    vb.enableAutoRange(x=False)
                    vb.setXRange(0, x_max, padding=0)
            except RuntimeError:
                pass

    def draw(self, plots: dict[str, pg.PlotItem], runs: list[dict], weight: float) -> None:
        self.clear()
        order: dict[int, list[str]] = {}  # the metrics of each plot, in order: their dash patterns
        for name, plot in plots.items():
            order.setdefault(id(plot), []).append(name)
        for run in runs:
            if not run.get("visible"):
                continue
            for name, (s, v) in run.get("series", {}).items():
                plot = plots.get(name)
                if plot is None or not s:
                    continue
                dash = DASHES[order[id(plot)].index(name) % len(DASHES)]
                pen = pg.mkPen(run.get("color", RUN_COLORS[0]), width=1.6, style=dash)
                y = np.array([np.nan if x is None else x for x in v], np.float64)
                y = ema_debiased(y, weight) if weight > 0 else y
                x = np.asarray(s, np.float64)
                ok = np.isfinite(y)
                item = pg.PlotDataItem(x[ok], y[ok], pen=pen)
                item.setZValue(-5)
                item.setToolTip(f"{run.get('name', 'run')}: {name}")
                plot.addItem(item)
                self.items.append((plot, item))
                if ok.any():
                    prev = self.x_max.get(id(plot), (plot, 0.0))[1]
                    self.x_max[id(plot)] = (plot, max(prev, float(x[ok][-1]) * 1.02))
        self.keep_x()


# -- controller ------------------------------------------------------------------------------------
class Runs(QtCore.QObject):
    """Tracks the current run of the window's runner and closes it into the store."""

    changed = QtCore.Signal()

    def __init__(self, window, prefs):
        super().__init__(window)
        self.w, self.prefs = window, prefs
        self.store = RunStore(st.data_dir() / "runs.json" if prefs.active else None)
        self.overlay = Overlay()
        self.current: dict | None = None  # {lab, config, preset, seed, started}
        self._snap: dict | None = None
        from .runs_panel import RunsPanel

        self.panel = RunsPanel(self)
        self.tab = QtWidgets.QScrollArea()  # the dock may be narrower than the panel's buttons
        self.tab.setWidgetResizable(True)
        self.tab.setFrameShape(QtWidgets.QFrame.NoFrame)
        self.tab.setWidget(self.panel)
        window.side_tabs.addTab(self.tab, "Runs")
        window.lab_loaded.connect(self._on_lab)

    # -- tracking --
    def _on_lab(self, _name: str) -> None:
        self.close_current()
        self.overlay.forget()  # the old view's plots went with it
        r = self.w.runner
        if r is not None:
            r.snapshot.connect(self._on_snapshot)
            r.session_ready.connect(self._on_session_ready)
            r.config_changed.connect(self._on_config)
            self._begin(r.config)
        self.changed.emit()
        self.redraw()

    def _begin(self, config) -> None:
        w = self.w
        self._snap = None
        self.current = {"lab": w.spec.name, "config": config, "preset": w.preset_combo.currentData() or None,
                        "seed": w.seed, "started": time.time()}

    def _on_snapshot(self, snap: dict) -> None:
        self._snap = snap
        if self.overlay.x_max:
            self.overlay.keep_x()

    def _on_session_ready(self, config) -> None:
        self.close_current()
        self._begin(config)

    def _on_config(self, config) -> None:
        if self.current is not None:
            self.current["config"] = config

    def close_current(self) -> dict | None:
        """Close the current run into the history (a run without a step is dropped)."""
        cur, snap = self.current, self._snap
        self.current, self._snap = None, None
        if cur is None or snap is None or int(snap.get("step", 0)) <= 0 or not self.prefs.active:
            return None
        runs = self.store.runs(cur["lab"])
        config = cfgmod.to_dict(cur["config"])
        prev = runs[-1]["config"] if runs else None
        series, metrics = {}, {}
        for name, (s, v) in (snap.get("history") or {}).items():
            series[name] = decimate(s, v)
            last = _last_finite(series[name][1])
            if last is not None:
                metrics[name] = last
        n = len(runs)
        used = {r.get("color") for r in runs[-len(RUN_COLORS) + 1:]}
        color = next((c for c in RUN_COLORS[n % len(RUN_COLORS):] + RUN_COLORS if c not in used),
                     RUN_COLORS[n % len(RUN_COLORS)])
        run = {"id": uuid.uuid4().hex[:10], "lab": cur["lab"], "name": f"run {self._next_number(cur['lab'])}",
               "started": cur["started"], "ended": time.time(), "steps": int(snap.get("step", 0)),
               "preset": cur["preset"], "seed": cur["seed"], "config": config,
               "changes": changes_text(prev, config, cur["preset"]), "metrics": metrics, "series": series,
               "color": color, "visible": True}
        self.store.add(run)
        self.changed.emit()
        self.redraw()
        return run

    def _next_number(self, lab: str) -> int:
        nums = [int(r["name"].split()[-1]) for r in self.store.runs(lab)
                if r.get("name", "").startswith("run ") and r["name"].split()[-1].isdigit()]
        return max(nums, default=0) + 1

    # -- what the panel asks --
    def lab_runs(self) -> list[dict]:
        return self.store.runs(self.w.spec.name) if self.w.spec is not None else []

    def redraw(self) -> None:
        view = self.w.view
        if view is None:
            return
        plots = view.overlay_plots() if hasattr(view, "overlay_plots") else find_overlay_plots(view)
        self.overlay.draw(plots, self.lab_runs(), self.panel.weight)

    def set_visible(self, run_id: str, on: bool) -> None:
        run = self.store.find(run_id)
        if run is not None:
            run["visible"] = bool(on)
            self.store.save()
            self.redraw()

    def rename(self, run_id: str, name: str) -> None:
        run = self.store.find(run_id)
        if run is not None and name.strip():
            run["name"] = name.strip()[:60]
            self.store.save()

    def delete(self, run_id: str) -> None:
        self.store.delete(run_id)
        self.changed.emit()
        self.redraw()

    def restore(self, run_id: str) -> bool:
        """Re-apply a run's config (and its preset and seed); training restarts. Keys that no longer
        validate are dropped with a notice."""
        from playground.core.setup import Setup

        run = self.store.find(run_id)
        w = self.w
        if run is None or w.spec is None or run["lab"] != w.spec.name:
            return False
        spec = w.spec
        preset = run.get("preset") if run.get("preset") in spec.presets else None
        base = cfgmod.to_dict(spec.make_config(preset))
        wanted = {k: v for k, v in run.get("config", {}).items() if base.get(k, object()) != v}
        kept, dropped = st.valid_overrides(spec, preset, wanted)
        w.setups.apply(Setup(lab=spec.name, preset=preset, seed=run.get("seed"), set=kept), keep_locks=True,
                       what=f"Run '{run['name']}' restored")
        if dropped:
            w.show_banner(f"Run '{run['name']}' restored without: " + "; ".join(dropped), kind="info")
        return True


def install(window, prefs) -> Runs:
    return Runs(window, prefs)
