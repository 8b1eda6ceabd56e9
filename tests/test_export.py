"""Export: PNG/SVG of the view and its panels, metrics CSV (GUI and ``train --csv``), TensorBoard event files,
videos (MP4 decoded back, GIF), cancel, and the panel right-click entry. Frames come from a session's own
snapshots; windows get them directly (no training thread)."""

from __future__ import annotations

import csv
import os
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

SMALL = {"g_width": 16, "d_width": 16, "g_layers": 1, "d_layers": 1, "batch_size": 32, "n_critic": 1, "grid": 16,
         "show_samples": 64}


@pytest.fixture(scope="module")
def gan_frames():
    """(spec, config, [(step, snapshot)] * 4) of a small GAN."""
    from playground.core.registry import get_lab

    spec = get_lab("gan")
    config = spec.make_config("ring8-wgan-gp", SMALL)
    session = spec.make_session(config, device="cpu", seed=0)
    frames = []
    for _ in range(4):
        session.step(3)
        frames.append((session.step_count, session.snapshot()))
    return spec, config, frames


@pytest.fixture(scope="module")
def win(qapp, gan_frames):
    """One window for the module (no training thread): the tests only read it and export from it."""
    from playground.ui.main_window import MainWindow

    spec, config, frames = gan_frames
    w = MainWindow("gan", "ring8-wgan-gp", device="cpu", overrides=SMALL, start=False)
    w.resize(1366, 768)
    w.show()
    w.show_config(config)
    w._on_snapshot(frames[-1][1])
    w.view.flush_drawing()
    for _ in range(3):
        qapp.processEvents()
    yield w
    w.close()
    w.deleteLater()


def _variance(path: str) -> float:
    from PIL import Image

    return float(np.asarray(Image.open(path).convert("L"), np.float32).var())


def test_png_of_the_view_and_a_panel_svg_of_a_plot(win, qtbot, tmp_path):
    from playground.ui.export import ExportViewDialog, export_png, export_svg, plot_view

    view = win.view
    size = export_png(view, str(tmp_path / "view.png"), 2)
    assert size == (view.width() * 2, view.height() * 2)
    panel = view.panels()["Metrics"]
    assert export_png(panel, str(tmp_path / "metrics.png"), 1) == (panel.width(), panel.height())
    from PIL import Image

    assert Image.open(tmp_path / "view.png").size == size
    assert _variance(str(tmp_path / "view.png")) > 100 and _variance(str(tmp_path / "metrics.png")) > 100

    plane = view.panels()["Data plane"]
    assert plot_view(plane) is not None and plot_view(panel) is None  # one plot vs several
    export_svg(plane, str(tmp_path / "plane.svg"))
    root = ET.parse(tmp_path / "plane.svg").getroot()
    assert root.tag.endswith("svg")
    assert len([e for e in root.iter() if e.tag.endswith("path")]) > 10
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no temporary files left

    dlg = ExportViewDialog(win, panel="Data plane")
    assert dlg.fmt.model().item(1).isEnabled()  # SVG offered for a plot
    dlg.what.setCurrentIndex(0)  # the whole view: PNG only
    assert not dlg.fmt.model().item(1).isEnabled() and dlg.fmt.currentIndex() == 0
    assert f"{view.width() * 2} × {view.height() * 2}" in dlg.info.text()


def test_panel_right_click_offers_export(win, qtbot):
    import pyqtgraph as pg
    from PySide6 import QtCore, QtGui, QtWidgets
    from PySide6.QtTest import QTest

    def popup_entry():
        qtbot.waitUntil(lambda: QtWidgets.QApplication.activePopupWidget() is not None)
        menu = QtWidgets.QApplication.activePopupWidget()
        found = [a for a in menu.actions() if a.text() == "Export this panel…"]
        menu.close()
        return found

    # a plot whose own menu is off (the data plane): a right-click shows the entry alone
    vp = win.view.panels()["Data plane"].findChildren(pg.GraphicsView)[0].viewport()
    pos = QtCore.QPoint(vp.width() // 2, vp.height() // 2)
    QTest.mouseMove(vp, pos)
    QTest.mouseClick(vp, QtCore.Qt.MouseButton.RightButton, QtCore.Qt.KeyboardModifier.NoModifier, pos)
    assert popup_entry()
    # a panel's plain widget area (the metrics' summary line)
    metrics = win.view.panels()["Metrics"]
    ev = QtGui.QContextMenuEvent(QtGui.QContextMenuEvent.Reason.Mouse, QtCore.QPoint(2, 2),
                                 metrics.mapToGlobal(QtCore.QPoint(2, 2)))
    QtWidgets.QApplication.sendEvent(metrics, ev)
    (act,) = popup_entry()
    act.trigger()
    assert win._export_dialog.what.currentText() == "Metrics"
    win._export_dialog.close()
    # plots with pyqtgraph's own menu get the entry there, beside its "Export..."
    assert all("Export this panel…" in [a.text() for a in v.scene().contextMenu]
               for v in metrics.findChildren(pg.GraphicsView))


def test_metrics_csv_matches_the_history(win, qtbot, tmp_path):
    from playground.ui.export import export_metrics_csv

    hist = win._last_snapshot["history"]
    n = export_metrics_csv(win, str(tmp_path / "m.csv"))
    rows = list(csv.reader(open(tmp_path / "m.csv")))
    assert rows[0] == ["step", *hist]
    steps = sorted({int(s) for k in hist for s in hist[k][0]})
    assert n == len(rows) - 1 == len(steps) and [int(r[0]) for r in rows[1:]] == steps
    col = rows[0].index("loss_d")
    s, v = hist["loss_d"]
    by_step = {int(r[0]): r[col] for r in rows[1:]}
    assert float(by_step[int(s[-1])]) == pytest.approx(v[-1])
    sparse = [k for k in hist if len(hist[k][0]) < len(steps)]  # held-out metrics: empty cells between
    assert sparse and any(r[rows[0].index(sparse[0])] == "" for r in rows[1:])


def test_train_csv_and_tensorboard_events(tmp_path, monkeypatch, capsys):
    import importlib.util

    from playground.cli import main

    sets = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]
    args = ["train", "gan", "--preset", "ring8-wgan-gp", "--steps", "12", *sets, "--csv", str(tmp_path / "t.csv")]
    have_tb = importlib.util.find_spec("tensorboard") is not None
    assert main([*args, *(["--tensorboard", str(tmp_path / "tb")] if have_tb else [])]) == 0
    rows = list(csv.reader(open(tmp_path / "t.csv")))
    assert rows[0][:2] == ["step", "loss_d"] and rows[-1][0] == "12" and len(rows) >= 13

    saved = {m: sys.modules[m] for m in sys.modules if m == "tensorboard" or m.startswith("tensorboard.")}
    for name in saved:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # not installed: one line, exit 2
    capsys.readouterr()
    assert main([*args, "--tensorboard", str(tmp_path / "tb2")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install" in err and not (tmp_path / "tb2").exists()
    monkeypatch.undo()

    if not have_tb:
        pytest.skip("the optional tensorboard package is not installed: event files not read back")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (run,) = os.listdir(tmp_path / "tb")
    assert run.endswith("_gan") and run[:3].isalpha()  # Nov29_13-28-05_host_gan
    ea = EventAccumulator(str(tmp_path / "tb" / run), size_guidance={"scalars": 0, "images": 0})
    ea.Reload()
    tags = ea.Tags()
    assert {"Loss/loss_d", "Loss/loss_g", "Metrics/swd"} <= set(tags["scalars"])
    assert [e.step for e in ea.Scalars("Loss/loss_d")] == list(range(1, 13))
    assert "Images/plane" in tags["images"] and ea.Images("Images/plane")[-1].width > 100


def test_gui_tensorboard_toggle_and_image_grids(win, qtbot, tmp_path, monkeypatch):
    from playground.core import tblog

    tb = win.tensorboard
    tb.root = str(tmp_path)
    with monkeypatch.context() as m:  # not installed: a banner, the toggle stays off
        m.setattr(tblog, "available", lambda: False)
        tb.action.setChecked(True)
        assert not tb.action.isChecked() and "pip install" in win.last_banner[1] and not os.listdir(tmp_path)
    pytest.importorskip("tensorboard", reason="the optional tensorboard package is not installed")
    from playground.core.tblog import snapshot_images

    tb.action.setChecked(True)
    assert tb.logger is not None and tb.logger.scalars_written > 0 and tb.logger.images_written == 1
    tb.action.setChecked(False)
    assert tb.logger is None and len(os.listdir(tmp_path)) == 1
    grid = snapshot_images({"gan_samples": np.random.default_rng(0).random((64, 28, 28))})["Images/gan_samples"]
    assert grid.dtype == np.uint8 and grid.shape[0] == grid.shape[1] >= 256  # an 8 × 8 grid, enlarged


def test_video_cli_mp4_and_cancel(qapp, gan_frames, tmp_path):
    import imageio_ffmpeg

    from playground.cli import main
    from playground.core.config import to_dict
    from playground.core.recording import Recording, save_recording
    from playground.ui.video import VideoCancelled, export_video

    spec, config, frames = gan_frames
    rec = Recording("gan", to_dict(config))
    for _, snap in frames:
        rec.add(snap)
    save_recording(rec, tmp_path / "run.pgrec")
    out = tmp_path / "run.mp4"
    assert main(["video", str(tmp_path / "run.pgrec"), "--out", str(out), "--fps", "10", "--size", "320x240",
                 "--from", str(frames[1][0])]) == 0
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    decoded = [np.frombuffer(f, np.uint8).reshape(240, 320, 3) for f in reader]
    assert meta["size"] == (320, 240) and len(decoded) == 3  # frames 2-4 of the recording
    assert decoded[-1].std() > 10  # a drawn frame, not a blank one
    assert main(["video", str(tmp_path / "run.pgrec"), "--out", str(out), "--panel", "nope"]) == 2
    os.remove(tmp_path / "run.pgrec")

    before = out.read_bytes()
    with pytest.raises(VideoCancelled):  # over the same name: the old file stays whole, nothing partial is left
        export_video(frames, spec, config, out, size=(320, 240), progress=lambda i, n: i < 2)
    assert sorted(os.listdir(tmp_path)) == ["run.mp4"] and out.read_bytes() == before


def test_export_video_dialog_uses_the_window_recording(win, qtbot, gan_frames, tmp_path, monkeypatch):
    from PIL import Image

    from playground.ui.video_dialog import SIZES, open_video_dialog

    spec, config, frames = gan_frames
    w = win
    with monkeypatch.context() as m:
        m.setattr(w, "recording", None)
        assert open_video_dialog(w) is None and "Nothing recorded" in w.last_banner[1]
    for _, snap in frames:  # the window records what it is shown (from the first step again: a new recording)
        w._on_snapshot(snap)
    assert [s for s, _ in w.recording.frames] == [s for s, _ in frames]
    dlg = open_video_dialog(w)
    dlg.what.setCurrentText("Metrics")
    dlg.size.setCurrentIndex(SIZES.index((480, 480)))
    dlg.start.setValue(frames[1][0])
    assert "3 recorded frames" in dlg.info.text()
    r = dlg.export_to(str(tmp_path / "metrics.gif"))  # recorded frames keep no history: cut from the run's
    with Image.open(tmp_path / "metrics.gif") as im:
        assert im.n_frames == r["frames"] == 3 and im.size == (480, 480)
        im.seek(0)
        first = np.asarray(im.convert("L"), np.float32)
        im.seek(2)
        assert np.abs(np.asarray(im.convert("L"), np.float32) - first).mean() > 0.1  # the curves grew

    # Export… then Cancel in the progress dialog: no file, a notice
    from PySide6 import QtCore, QtWidgets

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "c.gif"), "Animated GIF (*.gif)")))
    QtCore.QTimer.singleShot(0, lambda: [p.cancel() for p in dlg.findChildren(QtWidgets.QProgressDialog)])
    dlg._export()
    assert not (tmp_path / "c.gif").exists() and "cancelled" in w.last_banner[1]
    assert sorted(os.listdir(tmp_path)) == ["metrics.gif"]
    dlg.close()
