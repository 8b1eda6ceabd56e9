"""Long drawing must not crash: PySide6 6.12.0 drops a reference to None from every Python override
of a Qt virtual, and Python 3.11 aborts ('none_dealloc') after ~100k of them — about 10 s of live GAN
drawing. pyproject excludes that release; this test catches any Qt build with the same defect."""

from __future__ import annotations

import sys

from playground.ui.main_window import MainWindow


def test_redrawing_does_not_drain_none_refcount(qtbot, gan_spec, small_gan):
    s = gan_spec.make_session(small_gan, device="cpu")
    s.step(5)
    snap = s.snapshot()
    w = MainWindow("gan", "ring8-wgan-gp", device="cpu", start=False)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w._on_snapshot(snap)
    w.repaint()
    singletons = (None, True, False)
    r0 = [sys.getrefcount(x) for x in singletons]
    for _ in range(60):
        w._on_snapshot(snap)
        w.repaint()
    for x, r in zip(singletons, r0):
        per_frame = (sys.getrefcount(x) - r) / 60
        assert per_frame > -1, f"{x} loses {-per_frame:.0f} references per frame: this Qt binding will crash the app"
