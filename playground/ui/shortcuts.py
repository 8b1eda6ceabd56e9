"""Help ▸ Keyboard shortcuts: every key of the window, read at run time from its actions and shortcuts
(so keys other modules add appear too), grouped by menu or by the ``shortcut_group`` property."""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

# the window's QShortcuts carry no text: what they do, by key
KNOWN = {"Space": ("Transport", "Play / pause training"), "Right": ("Transport", "One training step"),
         ".": ("Transport", "One training step"), "Ctrl+R": ("Transport", "Reset training (new random weights)"),
         "F11": ("View", "Full screen")}
ORDER = ("Transport", "Presentation", "View", "File", "Help")


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _keys(seqs) -> str:
    keys = [s.toString(QtGui.QKeySequence.NativeText) for s in seqs if not s.isEmpty()]
    if "Shift+Tab" in keys:  # the same key, as Qt delivers it
        keys = [k for k in keys if k != "Backtab"]
    return "  or  ".join(keys)


def _join(keys: list[str]) -> str:
    if len(keys) > 3 and all(len(k) == 1 and k.isdigit() for k in keys):
        return f"{keys[0]} – {keys[-1]}"
    return "  or  ".join(keys)


def _menu_path(act: QtGui.QAction) -> str:
    for obj in act.associatedObjects():
        if isinstance(obj, QtWidgets.QMenu):
            parts, menu = [], obj
            while isinstance(menu, QtWidgets.QMenu):
                parts.insert(0, _clean(menu.title()))
                parent_act = menu.menuAction()
                menu = next((o for o in parent_act.associatedObjects() if isinstance(o, QtWidgets.QMenu)), None)
            return parts[0] if parts else ""
    return ""


def collect(window: QtWidgets.QWidget) -> dict[str, list[tuple[str, str]]]:
    """{group: [(what, keys)]} for every action and shortcut of ``window`` that has a key."""
    rows: dict[tuple[str, str], list[str]] = {}
    seen: set[int] = set()
    for act in [*window.actions(), *window.findChildren(QtGui.QAction)]:
        if id(act) in seen or not act.shortcuts():
            continue
        seen.add(id(act))
        group = act.property("shortcut_group") or _menu_path(act) or "Window"
        what = _clean(act.text()) or _clean(act.toolTip())
        rows.setdefault((group, what), []).append(_keys(act.shortcuts()))
    for sc in window.findChildren(QtGui.QShortcut):
        key = sc.key().toString()
        if not key:
            continue
        group, what = KNOWN.get(key, (sc.property("shortcut_group") or "Window", sc.whatsThis() or key))
        if sc.whatsThis():
            what = sc.whatsThis()
        rows.setdefault((group, what), []).append(_keys([sc.key()]))
    out: dict[str, list[tuple[str, str]]] = {}
    for (group, what), keys in rows.items():
        uniq = list(dict.fromkeys(k for k in keys if k))
        out.setdefault(group, []).append((what, _join(uniq)))
    return dict(sorted(out.items(), key=lambda kv: (ORDER.index(kv[0]) if kv[0] in ORDER else len(ORDER), kv[0])))


class ShortcutsDialog(QtWidgets.QDialog):
    def __init__(self, window: QtWidgets.QWidget):
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        lay = QtWidgets.QVBoxLayout(self)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Action", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        for group, rows in collect(window).items():
            top = QtWidgets.QTreeWidgetItem([group + (" (in presentation mode)" if group == "Presentation" else "")])
            f = top.font(0)
            f.setBold(True)
            top.setFont(0, f)
            top.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(top)
            for what, keys in rows:
                top.addChild(QtWidgets.QTreeWidgetItem([what, keys]))
            top.setExpanded(True)
        self.tree.resizeColumnToContents(0)
        self.tree.header().setStretchLastSection(True)
        lay.addWidget(self.tree)
        box = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Close)
        box.rejected.connect(self.reject)
        lay.addWidget(box)
        fm = self.fontMetrics()
        self.resize(fm.horizontalAdvance("M") * 46, fm.height() * 34)


def install(window) -> None:
    help_menu = next((a.menu() for a in window.menuBar().actions()
                      if a.menu() is not None and _clean(a.text()) == "Help"), None)
    if help_menu is None:
        help_menu = window.menuBar().addMenu("&Help")
    act = QtGui.QAction("&Keyboard shortcuts…", window)
    act.setShortcut(QtGui.QKeySequence("F1"))
    act.setProperty("shortcut_group", "Help")
    act.triggered.connect(lambda: show(window))
    window.addAction(act)
    first = help_menu.actions()[0] if help_menu.actions() else None
    help_menu.insertAction(first, act)
    window.shortcuts_act = act


def show(window) -> ShortcutsDialog:
    window.shortcuts_dialog = ShortcutsDialog(window)
    window.shortcuts_dialog.open()
    return window.shortcuts_dialog
