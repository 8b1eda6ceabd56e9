"""Every lab names its panels, and show_panel brings a panel hidden in a tab to the front."""

import pytest

from playground.core.registry import all_labs


@pytest.mark.parametrize("lab", sorted(all_labs()))
def test_every_view_names_its_panels(qtbot, lab):
    spec = all_labs()[lab]
    view = spec.view_cls()(spec)
    qtbot.addWidget(view)
    view.set_config(spec.make_config(spec.default_preset or None))
    view.resize(1200, 700)
    view.show()
    panels = view.panels()
    assert len(panels) >= 2
    for name, w in panels.items():
        assert view.show_panel(name) is w
        qtbot.waitUntil(w.isVisible, timeout=3000)
        assert view.isAncestorOf(w)
    assert view.show_panel("no such panel") is None
