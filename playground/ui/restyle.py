"""Restyle what is already built for the current theme and zoom (``theme.apply``).

Every styled property keeps its light-theme, zoom-1 original on the item the first time it is seen, and
each restyle derives the new value from that original, so switching back and forth never drifts. A value
a panel set itself since (a new pen, a new title size) becomes the new original. Nothing here runs per
frame: only when the theme or zoom changes and when views or panels are built.
"""

from __future__ import annotations

import re

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from . import theme

_HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
_PT = re.compile(r"font-size:\s*([0-9.]+)pt")


# -- small helpers -------------------------------------------------------------------------------------
def _slot(item, name: str, current, same=lambda a, b: a == b):
    """The original value of one property: the stored one while the item still shows what we set,
    else the current value (the owner changed it)."""
    rec = item.__dict__.setdefault("_th", {})
    if name in rec and same(current, rec[name][1]):
        return rec[name][0]
    return current


def _done(item, name: str, original, shown) -> None:
    item.__dict__.setdefault("_th", {})[name] = (original, shown)


def _width() -> float:
    return theme.zoom() * theme.current().pen_scale


def pen_for(pen: QtGui.QPen) -> QtGui.QPen:
    out = QtGui.QPen(pen)
    if pen.style() == QtCore.Qt.PenStyle.NoPen:
        return out
    out.setColor(theme.tone(pen.color()))
    k = _width()
    if k != 1.0:
        out.setWidthF(max(pen.widthF(), 1.0) * k)
    return out


def brush_for(brush: QtGui.QBrush) -> QtGui.QBrush:
    if brush.style() != QtCore.Qt.BrushStyle.SolidPattern:
        return QtGui.QBrush(brush)
    return QtGui.QBrush(theme.tone(brush.color()))


def _restyle_pen(item, get, set_, name="pen") -> None:
    cur = get()
    if cur is None:
        return
    cur = pg.mkPen(cur)
    orig = _slot(item, name, cur)
    new = pen_for(orig)
    if new != cur:
        set_(new)
    _done(item, name, orig, pg.mkPen(get()))


def _restyle_brush(item, get, set_, name="brush") -> None:
    cur = get()
    if cur is None:
        return
    cur = pg.mkBrush(cur)
    orig = _slot(item, name, cur)
    new = brush_for(orig)
    if new != cur:
        set_(new)
    _done(item, name, orig, pg.mkBrush(get()))


# -- plot items ------------------------------------------------------------------------------------
def _axis(ax: pg.AxisItem) -> None:
    _restyle_pen(ax, ax.pen, ax.setPen, "pen")
    _restyle_pen(ax, ax.textPen, ax.setTextPen, "textpen")
    cur = ax.style.get("tickFont")
    orig = _slot(ax, "tick", cur, lambda a, b: a is b)
    z = theme.zoom()
    if z == 1.0:
        new = orig
    else:
        new = QtGui.QFont(orig) if orig is not None else QtGui.QFont()
        base = orig.pointSizeF() if orig is not None and orig.pointSizeF() > 0 else theme.base_point_size()
        new.setPointSizeF(base * z)
    if new is not cur:
        ax.setTickFont(new)
    _done(ax, "tick", orig, new)
    # the label: its CSS font size
    style = dict(ax.labelStyle)
    orig_size = _slot(ax, "label", style.get("font-size"))
    size = theme.scale_pt(orig_size) if orig_size else (f"{theme.base_point_size() * z:.3g}pt" if z != 1 else None)
    if size != style.get("font-size"):
        if size is None:
            style.pop("font-size", None)
        else:
            style["font-size"] = size
        ax.labelStyle = style
        ax._updateLabel()
    _done(ax, "label", orig_size, size)


_ORIG_SET_TEXT = pg.LabelItem.setText


def _label_args(orig: dict) -> dict:
    out = {}
    if orig.get("size"):
        out["size"] = theme.scale_pt(orig["size"])
    elif theme.zoom() != 1.0:
        out["size"] = f"{theme.base_point_size() * theme.zoom():.3g}pt"
    out["color"] = None if orig.get("color") is None else theme.tone(orig["color"])
    return out


def _label_set_text(self, text, **args):
    """``LabelItem.setText`` for labels seen by a restyle: sizes and colours a panel passes (a title reset
    each frame), and colours inside the rich text, are taken as light-theme, zoom-1 values and shown
    scaled and toned. ``.text`` keeps the text as given (owners compare it)."""
    orig = self.__dict__.get("_th_label")
    if orig is None:
        _ORIG_SET_TEXT(self, text, **args)
        return
    for k in ("size", "color"):
        if k in args:
            orig[k] = args[k]
    args.update(_label_args(orig))
    shown = text
    if theme.current().name != "light" and isinstance(text, str) and "#" in text:
        shown = _HEX.sub(lambda m: theme.tone(m.group(0)).name(), text)
    _ORIG_SET_TEXT(self, shown, **args)
    self.text = text


if not getattr(pg.LabelItem.setText, "_playground_themed", False):
    _label_set_text._playground_themed = True  # type: ignore[attr-defined]
    pg.LabelItem.setText = _label_set_text


def _label(lab: pg.LabelItem) -> None:
    if "_th_label" not in lab.__dict__:
        lab._th_label = {"size": lab.opts.get("size"), "color": lab.opts.get("color")}
    lab.setText(lab.text)


def _legend(leg: pg.LegendItem) -> None:
    _restyle_pen(leg, leg.pen, leg.setPen)
    _restyle_brush(leg, leg.brush, leg.setBrush)


def _text_item(t: pg.TextItem) -> None:
    orig = _slot(t, "color", QtGui.QColor(t.color))
    t.setColor(theme.tone(orig))
    _done(t, "color", orig, QtGui.QColor(t.color))
    font = t.textItem.font()
    forig = _slot(t, "font", font.pointSizeF())
    if forig > 0:
        f = QtGui.QFont(font)
        f.setPointSizeF(forig * theme.zoom())
        t.setFont(f)
        _done(t, "font", forig, f.pointSizeF())


def _scatter(s: pg.ScatterPlotItem) -> None:
    _restyle_pen(s, lambda: s.opts["pen"], s.setPen)
    _restyle_brush(s, lambda: s.opts["brush"], s.setBrush)
    size = s.opts.get("size")
    if isinstance(size, (int, float)):
        orig = _slot(s, "size", size)
        new = orig * theme.zoom()
        if new != size:
            s.setSize(new)
        _done(s, "size", orig, new)


def _curve(c: pg.PlotCurveItem) -> None:
    _restyle_pen(c, lambda: c.opts["pen"], c.setPen)
    if c.opts.get("brush") is not None:
        _restyle_brush(c, lambda: c.opts["brush"], c.setBrush)


def _data_item(d: pg.PlotDataItem) -> None:
    _restyle_pen(d, lambda: d.opts["pen"], d.setPen)
    if d.opts.get("symbol") is not None:
        _restyle_pen(d, lambda: d.opts["symbolPen"], d.setSymbolPen, "spen")
        _restyle_brush(d, lambda: d.opts["symbolBrush"], d.setSymbolBrush, "sbrush")
        size = d.opts.get("symbolSize")
        if isinstance(size, (int, float)):
            orig = _slot(d, "ssize", size)
            new = orig * theme.zoom()
            if new != size:
                d.setSymbolSize(new)
            _done(d, "ssize", orig, new)
    if d.opts.get("fillBrush") is not None:
        _restyle_brush(d, lambda: d.opts["fillBrush"], d.setFillBrush, "fill")


def _bars(b: pg.BarGraphItem) -> None:
    for key in ("pen", "brush"):
        val = b.opts.get(key)
        if val is None:
            continue
        mk, fn = (pg.mkPen, pen_for) if key == "pen" else (pg.mkBrush, brush_for)
        try:
            cur = mk(val)
        except Exception:  # noqa: BLE001 - an unusual spec: leave it
            continue
        orig = _slot(b, key, cur)
        new = fn(orig)
        if new != cur:
            b.setOpts(**{key: new})
        _done(b, key, orig, new)


def _line(line) -> None:
    _restyle_pen(line, lambda: line.pen, line.setPen)


def _image(img: pg.ImageItem) -> None:
    cm = img.getColorMap()
    if cm is None or not getattr(cm, "name", None):
        return
    orig = _slot(img, "cmap", cm.name)
    want = theme.cmap_name(orig)
    if want != cm.name:
        img.setColorMap(pg.colormap.get(want))
    _done(img, "cmap", orig, want)


def _colorbar(bar: pg.ColorBarItem) -> None:
    cm = bar.colorMap()
    if cm is None or not getattr(cm, "name", None):
        return
    orig = _slot(bar, "cmap", cm.name)
    want = theme.cmap_name(orig)
    if want != cm.name:
        bar.setColorMap(pg.colormap.get(want))
    _done(bar, "cmap", orig, want)


_HANDLERS = ((pg.AxisItem, _axis), (pg.LabelItem, _label), (pg.LegendItem, _legend), (pg.TextItem, _text_item),
             (pg.PlotDataItem, _data_item), (pg.ScatterPlotItem, _scatter), (pg.PlotCurveItem, _curve),
             (pg.BarGraphItem, _bars), (pg.InfiniteLine, _line), (pg.ColorBarItem, _colorbar),
             (pg.ImageItem, _image))


def restyle_scene(view: pg.GraphicsView) -> None:
    view.setBackground(theme.current().background)
    scene = view.scene()
    if scene is None:
        return
    for item in scene.items():
        parent = item.parentItem()
        if isinstance(parent, pg.PlotDataItem):  # its curve and scatter follow the data item's opts
            continue
        for cls, fn in _HANDLERS:
            if isinstance(item, cls):
                fn(item)
                break


# -- widgets ------------------------------------------------------------------------------------------
# Widgets keep their originals in Qt properties: a widget Qt created (not Python) gets a new Python
# wrapper at each lookup, so attributes set on the wrapper would be lost.
def _wslot(w: QtWidgets.QWidget, name: str, current):
    shown = w.property(f"_th_{name}_shown")
    if shown is not None and shown == current:
        return w.property(f"_th_{name}")
    return current


def _wdone(w: QtWidgets.QWidget, name: str, original, shown) -> None:
    w.setProperty(f"_th_{name}", original)
    w.setProperty(f"_th_{name}_shown", shown)


def _stylesheet(w: QtWidgets.QWidget) -> None:
    ss = w.styleSheet()
    if not ss:
        return
    orig = _wslot(w, "ss", ss)
    new = _HEX.sub(lambda m: theme.tone(m.group(0)).name(), orig)
    new = _PT.sub(lambda m: f"font-size:{float(m.group(1)) * theme.zoom():.3g}pt", new)
    z = theme.zoom()
    if new != ss or w.property("_th_ss_zoom") != z:
        if new == ss:  # the same sheet: a widget with a style sheet takes the app's new font only when re-polished
            w.setStyleSheet("")
        w.setStyleSheet(new)
        w.setProperty("_th_ss_zoom", z)
    _wdone(w, "ss", orig, new)


def _font(w: QtWidgets.QWidget) -> None:
    if not w.testAttribute(QtCore.Qt.WidgetAttribute.WA_SetFont):
        return
    f = w.font()
    orig = float(_wslot(w, "pt", f.pointSizeF()))
    if orig <= 0:
        return
    new = orig * theme.zoom()
    if abs(new - f.pointSizeF()) > 1e-6:
        f.setPointSizeF(new)
        w.setFont(f)
    _wdone(w, "pt", orig, f.pointSizeF())


def restyle_tree(root: QtWidgets.QWidget) -> None:
    widgets = [root, *root.findChildren(QtWidgets.QWidget)]
    for w in widgets:
        if isinstance(w, pg.GraphicsView):
            restyle_scene(w)
        _stylesheet(w)
        _font(w)
