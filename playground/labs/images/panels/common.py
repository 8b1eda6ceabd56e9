"""What the image lab's panels share: the real / generated / VAE colours, a tight column layout and a bar plot."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtWidgets

from playground.ui.widgets import GENERATED_COLOR, REAL_COLOR, make_plot

REAL = REAL_COLOR
FAKE = GENERATED_COLOR
VAE = "#9467bd"


def vbox(w: QtWidgets.QWidget) -> QtWidgets.QVBoxLayout:
    """A column layout on ``w`` with no margins and 2 px between panels."""
    lay = QtWidgets.QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    return lay


def bar_plot(title: str, x: str, y: str, bars: dict[str, str], *,
             width: float = 0.8) -> tuple[pg.PlotWidget, list[pg.BarGraphItem]]:
    """A plot holding one empty bar series per ``{name: colour}``, in that order (the panel fills them with
    ``setOpts(x=, height=, width=)``)."""
    plot = make_plot(title, x, y)
    items = []
    for name, colour in bars.items():
        item = pg.BarGraphItem(x=[], height=[], width=width, brush=colour, name=name)
        plot.addItem(item)
        items.append(item)
    return plot, items
