"""Shared widgets: the LabView base class, cheap live plots and heat-maps.

Plots stay cheap as history grows: histories are decimated by the core, and every curve uses
``setDownsampling(auto=True, mode='peak')`` and ``setClipToView(True)``. Heat-maps use fixed
levels (no per-frame autoscaling) and a colour bar.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

from . import theme  # noqa: E402

pg.setConfigOptions(antialias=False, background="w", foreground="#222", imageAxisOrder="row-major")


def _cached_axis_init(self, *args, _init=pg.AxisItem.__init__, **kwargs):
    """Every axis paints from a pixmap cache. With the grid on, an axis's bounding box spans its whole
    plot, so any change inside the plot (a new curve point) repainted every axis and re-rendered its
    tick text: 2 ms per axis, 60-70 % of a GAN frame. Cached, an axis is re-rendered only when its
    ticks or size change (pyqtgraph calls ``update()`` then)."""
    _init(self, *args, **kwargs)
    self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


if not getattr(pg.AxisItem.__init__, "_playground_cached", False):
    _cached_axis_init._playground_cached = True  # type: ignore[attr-defined]
    pg.AxisItem.__init__ = _cached_axis_init

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#7f7f7f", "#bcbd22"]
REAL_COLOR = "#1f77b4"  # real data, in every lab
GENERATED_COLOR = "#e4572e"  # what a model generated, in every lab


PART_GAP_MS = 16  # between two queued drawing parts (see ``LabView._run_job``)


class LabView(QtWidgets.QWidget):
    """Base of every lab's view. Views only draw: they receive snapshots (plain numpy data) and
    send user actions back as signals, which the shell queues to the worker thread.

    Signals
      command(name, kwargs)  a lab-specific Session.command, run between steps
      config_request(dict)   change config keys (validated by the shell, may reset the session)
      message(str)           a one-line notice for the user (e.g. a refused file)
    """

    command = QtCore.Signal(str, dict)
    config_request = QtCore.Signal(dict)
    message = QtCore.Signal(str)
    #: snapshots per second this view wants at most; the runner asks for fewer when a frame costs more
    #: than the UI's CPU budget allows (``playground.ui.runner.UI_BUDGET``)
    max_fps: float = 30.0
    #: many panels side by side: presentation mode zooms a step less (``presentation.auto_zoom``)
    dense: bool = False

    def __init__(self, spec=None, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.config = None
        self._lv_jobs: dict[str, tuple[Callable[[], None], QtWidgets.QWidget | None, object]] = {}
        self._lv_parked: dict[str, tuple[Callable[[], None], QtWidgets.QWidget, object]] = {}
        self._lv_sigs: dict[str, object] = {}  # key -> signature of the data it last drew
        self._lv_watched: set[int] = set()
        self.draw_seconds = 0.0  # CPU time spent in queued parts (the benchmark's paint account)
        self.parts_skipped = 0  # parts not run: hidden panel or unchanged data
        self._job_timer = QtCore.QTimer(self)
        self._job_timer.setSingleShot(True)
        self._job_timer.setInterval(0)
        self._job_timer.timeout.connect(self._run_job)

    # -- staggered drawing -----------------------------------------------------------------------
    def draw_later(self, key: str, job: Callable[[], None], widget: QtWidgets.QWidget | None = None,
                   sig: object = None) -> None:
        """Queue one part of a frame (a panel's ``setData`` calls). Parts run one at a time,
        ``PART_GAP_MS`` apart, so Qt paints each part in its own short turn instead of the whole
        window in one long one: input and timers get in between (the benchmark's UI stall). A part
        queued again before it ran is replaced: the newest data wins.

        ``widget``: the panel the part draws into. While it is hidden (another tab, a collapsed
        splitter, a minimised window) the part is kept, not run, and runs when the panel is shown.
        ``sig``: any comparable signature of the data (a step, a snapshot's id); a part whose
        signature equals the one it last drew is skipped: unchanged panels are not redrawn."""
        self._lv_jobs.pop(key, None)
        self._lv_jobs[key] = (job, widget, sig)
        if not self._job_timer.isActive():
            self._job_timer.start(0)

    def _run_part(self, key: str, job, widget, sig) -> bool:
        """Run a part unless its panel is hidden or its data unchanged; whether it ran."""
        if sig is not None and key in self._lv_sigs and self._lv_sigs[key] == sig:
            self.parts_skipped += 1
            return False
        if widget is not None and not self._shown(widget):
            self._lv_parked[key] = (job, widget, sig)
            self._watch(widget)
            self.parts_skipped += 1
            return False
        self._lv_parked.pop(key, None)
        c0 = time.thread_time()
        try:
            job()
        finally:
            self.draw_seconds += time.thread_time() - c0
        if sig is not None:
            self._lv_sigs[key] = sig
        return True

    @staticmethod
    def _shown(widget: QtWidgets.QWidget) -> bool:
        win = widget.window()
        return widget.isVisible() and not (win is not None and win.isMinimized())

    def _watch(self, widget: QtWidgets.QWidget) -> None:
        """Run a parked part when its panel (or the window) is shown again."""
        for w in {widget, widget.window()}:
            if w is not None and id(w) not in self._lv_watched:
                self._lv_watched.add(id(w))
                w.installEventFilter(self)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt's name
        if ev.type() in (QtCore.QEvent.Type.Show, QtCore.QEvent.Type.WindowStateChange) and self._lv_parked:
            for key, (job, widget, sig) in list(self._lv_parked.items()):
                if key not in self._lv_jobs:
                    self.draw_later(key, job, widget, sig)
        return False

    def _run_job(self) -> None:
        if not self._lv_jobs:
            return
        key = next(iter(self._lv_jobs))
        part = self._lv_jobs.pop(key)
        ran = False
        try:
            ran = self._run_part(key, *part)
        finally:
            # the next part a tick later: this one's paint and any timer or input due meanwhile go first
            # (back to back, part + paint + part ran as one block: the late 16-ms ticks all met one)
            if self._lv_jobs:
                self._job_timer.start(PART_GAP_MS if ran else 0)

    def flush_drawing(self) -> None:
        """Run every queued part now (tests, ``playground snapshot``); hidden panels' parts included."""
        self._job_timer.stop()
        for key, part in self._lv_parked.items():
            self._lv_jobs.setdefault(key, part)
        self._lv_parked.clear()
        while self._lv_jobs:
            key = next(iter(self._lv_jobs))
            job, _widget, sig = self._lv_jobs.pop(key)
            self._run_part(key, job, None, sig)

    def cancel_drawing(self) -> None:
        self._job_timer.stop()
        self._lv_jobs.clear()
        self._lv_parked.clear()
        self._lv_sigs.clear()

    def set_config(self, config) -> None:
        """Called with the current config after every change or reset (before snapshots)."""
        self.config = config

    def set_snapshot(self, snap: dict) -> None:
        """Draw one snapshot. Must be cheap: it runs on the UI thread at up to ~30 Hz."""
        raise NotImplementedError

    def clear(self) -> None:
        """Called when the session is reset."""

    def overlay_plots(self) -> dict:
        """``{metric name: pg.PlotItem}``: where the run history draws earlier runs' curves. The default finds
        every ``CurvesPanel`` and ``Curves`` (``ui/panels/curves.py``) of the view; a view with other plots
        overrides it."""
        from .runs import find_overlay_plots

        return find_overlay_plots(self)

    # -- presentation mode -------------------------------------------------------------------------
    def headline(self, snap: dict) -> list[tuple[str, str]]:
        """The one or two numbers that matter, for presentation mode's bar: ``[(label, text)]``. Labs
        override it; the default shows the first of a few usual metrics the snapshot has."""
        for key, label, pct in (("sequence_accuracy", "sequence accuracy", True), ("accuracy", "accuracy", True),
                                ("mse", "MSE", False), ("loss", "loss", False)):
            v = snap_value(snap, key)
            if v is not None:
                return [(label, f"{100 * v:.0f} %" if pct else f"{v:.3g}")]
        return []

    # -- named panels ------------------------------------------------------------------------------
    def named_panels(self) -> dict[str, QtWidgets.QWidget]:
        """Every panel of the view by name, in reading order. Views override this; names are short,
        human and stable (lessons use them)."""
        return {}

    def panels(self) -> dict[str, QtWidgets.QWidget]:
        """The panels that apply now (what export, spotlight and lessons address; ``show_panel``): a
        panel the current config hides (the VAE's panels in GAN mode) is left out; one on a tab that
        is not current is in."""
        def applies(w: QtWidgets.QWidget) -> bool:
            while w is not None and w is not self:
                if w.isHidden() and not isinstance(w.parentWidget(), QtWidgets.QStackedWidget):
                    return False
                w = w.parentWidget()
            return True

        return {k: w for k, w in self.named_panels().items() if applies(w)}

    def show_panel(self, name: str) -> QtWidgets.QWidget | None:
        """Make a panel visible: every tab or stacked page holding it becomes current. Returns the
        panel, or None when the view has no panel of that name (case-insensitive)."""
        found = {k.lower(): w for k, w in self.panels().items()}.get(name.lower())
        if found is None:
            return None
        child, parent = found, found.parentWidget()
        while parent is not None and parent is not self:
            if isinstance(parent, QtWidgets.QStackedWidget):
                parent.setCurrentWidget(child)
                tabs = parent.parentWidget()
                if isinstance(tabs, QtWidgets.QTabWidget):
                    tabs.setCurrentIndex(parent.indexOf(child))
            child, parent = parent, parent.parentWidget()
        return found


def snap_value(snap: dict, key: str) -> float | None:
    """The latest value of a metric: the snapshot's ``metrics`` first, else the last point of its history."""
    met = snap.get("metrics") or {}
    if key in met and met[key] is not None:
        return float(met[key])
    h = (snap.get("history") or {}).get(key)
    if h is not None and len(h[1]):
        return float(h[1][-1])
    return None


def make_plot(title: str = "", x: str = "", y: str = "", *, log_y: bool = False,
              legend: bool = False) -> pg.PlotWidget:
    w = pg.PlotWidget()
    w.setMinimumSize(160, 120)
    pi = w.getPlotItem()
    if title:
        pi.setTitle(title, size="10pt")
    if x:
        pi.setLabel("bottom", x)
    if y:
        pi.setLabel("left", y)
    pi.showGrid(x=True, y=True, alpha=0.25)
    pi.setDownsampling(auto=True, mode="peak")
    pi.setClipToView(True)
    if log_y:
        pi.setLogMode(y=True)
    if legend:
        pi.addLegend(offset=(-4, 4), labelTextSize="8pt", brush=pg.mkBrush(255, 255, 255, 210))  # readable over curves
    theme.adopt(w)  # the current theme and zoom (a view built after a switch)
    return w


def nice_ceil(x: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k) at or above x (1 for x ≤ 0 or not
    finite)."""
    if not x > 0 or not np.isfinite(x):
        return 1.0
    k = 10.0 ** np.floor(np.log10(x))
    return float(next(m * k for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * k >= x * (1 - 1e-9)))


def hold_x_range(plot: pg.PlotWidget, last_step: float, at_least: float = 1.0) -> None:
    """Keep a growing curve's x range on round bounds, from 0 to 1.25× the last step (at least ``at_least``),
    rounded up to a round number: a lone point sits inside the plot, and the axis is not re-laid out and
    re-rendered at every new point, only when the range grows (profiled: tick text re-rendering and autorange
    were half of a light frame's cost). A range the user panned or zoomed to is kept until a point leaves it."""
    vb = plot.getPlotItem().getViewBox()
    hi = vb.viewRange()[0][1]
    auto = vb.autoRangeEnabled()[0]
    if auto or last_step > hi:
        vb.enableAutoRange(x=False)
        vb.setXRange(0, nice_ceil(1.25 * max(last_step, at_least)), padding=0)


def hold_y_range(plot: pg.PlotWidget, values, shrink: float | None = None, headroom: float = 0.0) -> None:
    """The y axis on round bounds that hold while the data stays inside them (scrubbing or a new point
    re-lays out and re-renders no axis): like ``hold_x_range`` they grow when a value leaves them; every
    finite value is inside (a curve is always fully visible as it grows). With ``shrink`` they are also fitted
    afresh when the data spans less than that share of them (a loss that fell, smoothing turned on). Auto-range
    (a new run, another metric, the "A" button) fits them afresh; a range the user panned or zoomed to is kept.
    On a log axis pass the values as they are: the range is held in decades. ``headroom``: the share of the
    height kept free above the data (a legend sits there, over no curve)."""
    v = np.asarray(values, np.float64).ravel()
    log_y = plot.getPlotItem().ctrl.logYCheck.isChecked()
    if log_y:
        v = np.log10(v[v > 0])
    v = v[np.isfinite(v)]
    if not v.size:
        return
    lo, hi = float(v.min()), float(v.max())
    vb = plot.getPlotItem().getViewBox()
    cur = tuple(vb.viewRange()[1])
    held = getattr(vb, "_held_y", None)
    if not vb.autoRangeEnabled()[1]:
        if held is None or not np.allclose(cur, held, rtol=1e-6, atol=1e-12):
            return  # the user's range
        inside = cur[0] <= lo and hi <= cur[1] - headroom * (cur[1] - cur[0])
        if inside and not (shrink and hi - lo < shrink * (cur[1] - cur[0])):
            return  # the data is inside (and fills enough of it): nothing to redo
        if not shrink:
            lo, hi = min(lo, cur[0]), max(hi, cur[1])  # grow only
    span = hi - lo if hi > lo else (0.2 * abs(hi) or 1.0)  # one value: a range around it
    step = nice_ceil(span / 4)
    nlo = np.floor((lo - 0.05 * span) / step) * step
    nhi = np.ceil((hi + 0.05 * span) / step) * step
    if lo >= 0 > nlo and not log_y:
        nlo = 0.0  # a non-negative metric starts at 0, not below
    if 0 < headroom < 0.5:
        nhi = nlo + (nhi - nlo) / (1 - headroom)
    vb.enableAutoRange(y=False)
    vb.setYRange(float(nlo), float(nhi), padding=0)
    vb._held_y = tuple(vb.viewRange()[1])


class HeatMap(pg.GraphicsLayoutWidget):
    """An image with fixed colour levels, a colour bar, a title and optional tick labels.

    ``set(data)`` takes a (rows, cols) array; row 0 is drawn at the top. ``set_labels`` puts
    token/time labels on the axes.
    """

    clicked = QtCore.Signal(int, int)  # row, col

    def __init__(self, title: str = "", levels=(0.0, 1.0), cmap: str = "viridis", *, colorbar: bool = True,
                 x: str = "", y: str = ""):
        super().__init__()
        self.setMinimumSize(120, 90)
        self.plot = self.addPlot()
        if title:
            self.plot.setTitle(title, size="9pt")
        if x:
            self.plot.setLabel("bottom", x)
        if y:
            self.plot.setLabel("left", y)
        self.plot.invertY(True)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.getViewBox().setMouseEnabled(x=False, y=False)
        self.img = pg.ImageItem()
        self.levels = levels
        self.img.setLevels(levels)
        self.img.setColorMap(pg.colormap.get(cmap))
        self.plot.addItem(self.img)
        self.bar = None
        if colorbar:
            self.bar = pg.ColorBarItem(values=levels, colorMap=pg.colormap.get(cmap), interactive=False, width=10)
            self.bar.setImageItem(self.img)
            self.addItem(self.bar)
        self._shape = None
        self.highlight = pg.LinearRegionItem(orientation="horizontal", movable=False,
                                             brush=pg.mkBrush(255, 255, 255, 0), pen=pg.mkPen("r", width=2))
        self.highlight.setVisible(False)
        self.plot.addItem(self.highlight)
        self.img.mouseClickEvent = self._on_click  # type: ignore[method-assign]
        theme.adopt(self)

    def set(self, data: np.ndarray) -> None:
        data = np.asarray(data, np.float32)
        data = np.nan_to_num(data, nan=0.0, posinf=self.levels[1], neginf=self.levels[0])
        self.img.setImage(data, autoLevels=False, levels=self.levels)
        if data.shape != self._shape:
            self._shape = data.shape
            self.plot.setXRange(0, data.shape[1], padding=0)
            self.plot.setYRange(0, data.shape[0], padding=0)

    def set_levels(self, levels) -> None:
        self.levels = tuple(levels)
        self.img.setLevels(self.levels)
        if self.bar is not None:
            self.bar.setLevels(self.levels)

    def set_labels(self, x: list[str] | None = None, y: list[str] | None = None, *, max_ticks: int = 40) -> None:
        for axis, labels in (("bottom", x), ("left", y)):
            if labels is None:
                continue
            step = max(1, int(np.ceil(len(labels) / max_ticks)))
            ticks = [(i + 0.5, str(lab)) for i, lab in enumerate(labels) if i % step == 0]
            self.plot.getAxis(axis).setTicks([ticks, []])

    def highlight_row(self, row: int | None) -> None:
        if row is None:
            self.highlight.setVisible(False)
        else:
            self.highlight.setRegion((row, row + 1))
            self.highlight.setVisible(True)

    def _on_click(self, ev) -> None:
        pos = ev.pos()
        self.clicked.emit(int(pos.y()), int(pos.x()))
        ev.accept()


def banner_label() -> QtWidgets.QLabel:
    lab = QtWidgets.QLabel()
    lab.setWordWrap(True)
    lab.setStyleSheet("QLabel{background:#fff3cd;color:#5c4400;border:1px solid #e0c36c;padding:4px;}")
    lab.setVisible(False)
    return lab


def small_font(w: QtWidgets.QWidget, delta: int = -1) -> None:
    """A font ``delta`` points off the app's unzoomed size (the zoom scales explicit fonts: ``theme``)."""
    f = w.font()
    f.setPointSize(max(6, round(theme.base_point_size()) + delta))
    w.setFont(f)
