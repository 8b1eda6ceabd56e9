"""Settings that stick, setups on the clipboard, classroom locks, the run history and autosave, driven through
the main window (the autouse ``_isolated_settings`` fixture gives every test its own settings and data folder)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from playground.core.checkpoint import load_state
from playground.ui import settings as st
from playground.ui.main_window import MainWindow

SMALL = {"g_width": 16, "d_width": 16, "g_layers": 1, "d_layers": 1, "batch_size": 64, "n_critic": 2, "grid": 12,
         "show_samples": 64}
ROOT = Path(__file__).resolve().parents[1]


def _window(qtbot, *args, ready=True, **kwargs):
    w = MainWindow(*args, device="cpu", **kwargs)
    qtbot.addWidget(w)
    w.show()
    if ready:
        qtbot.waitUntil(lambda: w.runner.session is not None, timeout=60000)
    return w


def _config_is(qtbot, w, **values):
    qtbot.waitUntil(lambda: all(getattr(w.runner.config, k) == v for k, v in values.items()), timeout=20000)


def _steps(qtbot, w, n):
    """``n`` steps of the current session, seen by the run history (call after its session_ready)."""
    seen: list[int] = []
    w.runner.call(lambda session: seen.append(session.step_count))
    qtbot.waitUntil(lambda: bool(seen), timeout=20000)
    w.runner.step_once(n)
    qtbot.waitUntil(lambda: w.runs._snap is not None and w.runs._snap["step"] >= seen[0] + n, timeout=20000)


def test_settings_stick_drop_what_no_longer_validates_reset_and_survive_a_corrupt_file(qtbot):
    w = _window(qtbot, "gan", "ring8-wgan", overrides=SMALL)
    w.resize(1000, 590)
    qtbot.wait(10)
    height = w.height()
    dock = w.findChild(QtWidgets.QDockWidget, "controls")
    dock.hide()
    w._on_param_changed({"lr_g": 0.0005})  # live
    _config_is(qtbot, w, lr_g=0.0005)
    st.remember_dir("session", str(ROOT / "README.md"))
    w.close()

    w2 = _window(qtbot, ready=False)  # no lab asked for: the remembered lab, preset, changed keys, window
    assert w2.spec.name == "gan" and w2.preset_combo.currentData() == "ring8-wgan"
    assert w2.runner.config.lr_g == 0.0005 and w2.runner.config.g_width == 16
    assert w2.height() == height and w2.findChild(QtWidgets.QDockWidget, "controls").isHidden()  # (offscreen
    # screens are 800 px wide: Qt fits the restored width to the screen)
    assert st.last_dir("session") == str(ROOT)
    w2.close()

    stored = json.loads(st.settings().value("labs/gan"))
    stored["config"].update({"lr_g": 99.0, "gone_key": 1})  # out of range, no longer a key
    st.write_json("labs/gan", stored)
    w3 = _window(qtbot, ready=False)
    assert w3.runner.config.lr_g == w3.spec.make_config("ring8-wgan").lr_g  # dropped
    assert w3.runner.config.g_width == 16  # the valid keys stay
    qtbot.waitUntil(lambda: w3.banner.isVisible(), timeout=5000)
    assert "lr_g=99.0" in w3.banner_text.text() and "gone_key" in w3.banner_text.text()
    w3.prefs.reset()  # Settings ▸ Reset settings
    assert w3.runner.config.g_width == w3.spec.make_config(w3.spec.default_preset).g_width
    assert w3.height() == st.DEFAULT_SIZE[1] and json.loads(st.settings().value("labs/gan"))["config"] == {}
    w3.close()

    ini = Path(st.settings().fileName())
    ini.write_bytes(b"\x00\xff[[garbage\nlab=\x00\n[sect")
    w4 = _window(qtbot, ready=False)
    qtbot.waitUntil(lambda: w4.banner.isVisible(), timeout=5000)
    assert "unreadable" in w4.banner_text.text() and ini.with_name(ini.name + ".corrupt").exists()
    assert w4.spec.name == "gan"
    w4.close()


def test_copy_paste_setup_round_trip_bad_setups_and_classroom_locks(qtbot):
    w = _window(qtbot, "gan", "ring8-wgan-gp", overrides=SMALL)
    w._on_param_changed({"lr_g": 0.0003})
    _config_is(qtbot, w, lr_g=0.0003)
    text = w.setups.copy()
    assert QtWidgets.QApplication.clipboard().text() == text
    assert 'lab = "gan"' in text and "lr_g = 0.0003" in text and "seed = 0" in text
    clip = QtWidgets.QApplication.clipboard()
    before, runner = w.runner.config, w.runner
    for bad in ("lab = gan", 'lab = "nope"', 'lab = "gan"\n[set]\nwho = 1', 'lab = "gan"\n[set]\nlr_g = 50.0'):
        clip.setText(bad)
        assert not w.setups.paste()
        assert w.last_banner[0] == "error" and "\n" not in w.last_banner[1]
        assert w.runner is runner and w.runner.config == before
    # a setup with another seed and classroom locks: the same run as the copied one, with two keys hidden
    clip.setText(text.replace("seed = 0", "seed = 3") + '\n[classroom]\nhide = ["beta1", "beta2"]\nlock = ["loss"]\n')
    assert w.setups.paste()
    assert w.seed == 3 and w.runner is not runner
    _config_is(qtbot, w, lr_g=0.0003, g_width=16)
    p = w.params
    assert not p.rows["beta1"][1].isVisible() and not p.widgets["loss"].isEnabled()
    assert p.lock_notes["loss"].isVisible() and p.locks_note.isVisible() and p.widgets["lr_g"].isEnabled()
    w.close()
    w2 = _window(qtbot, "gan", "ring8-wgan-gp", overrides=SMALL, ready=False)  # locks stick until cleared
    assert not w2.params.widgets["loss"].isEnabled()
    w2.prefs.reset()
    assert w2.params.widgets["loss"].isEnabled() and w2.params.rows["beta1"][1].isVisible()
    w2.close()


def _overlays(w, name):
    """The run overlays on the plot that draws ``name`` (one per series of each shown run drawn there)."""
    plot = w.view.overlay_plots()[name]
    ours = {id(it) for _p, it in w.runs.overlay.items}
    return [i for i in plot.items if id(i) in ours]


def test_run_history_closes_runs_overlays_restores_and_survives_a_restart(qtbot):
    w = _window(qtbot, "gan", "ring8-wgan-gp", overrides=SMALL)
    _steps(qtbot, w, 12)
    w.reset()
    qtbot.waitUntil(lambda: len(w.runs.lab_runs()) == 1, timeout=20000)
    run1 = w.runs.lab_runs()[0]
    assert run1["steps"] >= 12 and run1["changes"] == "preset ring8-wgan-gp" and "loss_d" in run1["metrics"]
    per_run = len(_overlays(w, "loss_d"))  # the closed run, dashed on the loss plot: D, G, W estimate
    styles = {i.opts["pen"].style() for i in _overlays(w, "loss_d")}  # dashed, one pattern per metric
    assert per_run == 3 and len(styles) == 3 and QtCore.Qt.PenStyle.SolidLine not in styles
    _steps(qtbot, w, 5)
    w._on_param_changed({"g_width": 24})  # restarts training: closes run 2
    _config_is(qtbot, w, g_width=24)
    _steps(qtbot, w, 5)
    w._on_param_changed({"g_width": 20})
    qtbot.waitUntil(lambda: len(w.runs.lab_runs()) == 3, timeout=20000)
    run3 = w.runs.lab_runs()[-1]
    assert w.runs.lab_runs()[1]["changes"] == "same config"
    assert run3["changes"] == "g_width 16→24" and len({r["color"] for r in w.runs.lab_runs()}) == 3
    assert w.runs.panel.tree.topLevelItemCount() == 3
    assert len(_overlays(w, "loss_d")) == 3 * per_run
    w.runs.set_visible(run1["id"], False)
    assert len(_overlays(w, "loss_d")) == 2 * per_run
    w.runs.rename(run1["id"], "baseline")
    assert w.runs.restore(run1["id"])  # the first run's config comes back
    _config_is(qtbot, w, g_width=16)
    _steps(qtbot, w, 3)
    w.runs.delete(w.runs.lab_runs()[1]["id"])
    w.close()
    w2 = _window(qtbot, "gan", "ring8-wgan-gp", overrides=SMALL, ready=False)
    names = [r["name"] for r in w2.runs.lab_runs()]
    assert names[0] == "baseline" and len(names) == 3  # 3 closed, 1 deleted, the one running at close kept
    assert all(len(s) <= 500 for r in w2.runs.lab_runs() for s, _v in r["series"].values())
    w2.close()


def test_autosave_after_a_killed_process_is_offered_and_restored(qtbot, tmp_path):
    env = {**os.environ, "PLAYGROUND_AUTOSAVE_S": "0.5", "PLAYGROUND_RUNNER": "thread", "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    sets = [a for k, v in SMALL.items() for a in ("--set", f"{k}={v}")]
    proc = subprocess.Popen([sys.executable, "-c", "from playground.cli import main; main()", "gui", "--lab", "gan",
                             "--preset", "ring8-wgan-gp", *sets, "--device", "cpu", "--autostart"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    meta = st.data_dir() / "autosave.json"
    try:
        qtbot.waitUntil(lambda: meta.exists() or proc.poll() is not None, timeout=90000)
        assert proc.poll() is None, "the app exited before it autosaved"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    saved = json.loads(meta.read_text())
    assert saved["lab"] == "gan" and saved["step"] > 0

    w = _window(qtbot, "gan", "ring8-gan", overrides=SMALL, ready=False)
    assert w.autosave.banner is not None and w.autosave.banner.isVisible()
    assert f"step {saved['step']:,}" in w.autosave.banner_text.text()
    step = int(load_state(str(st.data_dir() / "recovered.pgs"))["step"])
    assert step >= saved["step"]
    w.autosave.restore_btn.click()
    assert not w.autosave.banner.isVisible()
    qtbot.waitUntil(lambda: w.runner.session is not None and w.runner.session.step_count == step, timeout=60000)
    assert w.runner.config.g_width == 16  # the saved session's config came back with it
    w.close()
    w2 = _window(qtbot, "gan", overrides=SMALL, ready=False)  # a clean exit: nothing offered
    assert w2.autosave.banner is None
    w2.close()
