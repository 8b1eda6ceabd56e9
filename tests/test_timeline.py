"""The recording (Qt-free), the timeline (scrub back, branch, save, replay) and `playground record`."""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np
import pytest

from playground.core.recording import (
    Recording,
    RecordingError,
    cut_history,
    estimate_size,
    load_recording,
    save_recording,
)


def _snap(step: int, n: int = 256) -> dict:
    rng = np.random.default_rng(step)
    hist = {"loss": (np.arange(step + 1, dtype=np.float64), np.linspace(1, 0, step + 1))}
    return {"step": step, "fake": rng.normal(size=(n, 2)).astype(np.float32),
            "real": np.ones((n, 2), np.float32),  # the same every frame: stored once
            "metrics": {"loss": 0.5, "modes": np.int64(3)}, "pair": (1, 2.5), "names": ["a", "b"],
            "nested": [{"x": np.arange(3)}], "by_index": {0: "zero"}, "nan": float("nan"), "history": hist}


def _eq(x, y) -> bool:
    if isinstance(x, np.ndarray):
        return isinstance(y, np.ndarray) and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True)
    if isinstance(x, dict):
        return isinstance(y, dict) and x.keys() == y.keys() and all(_eq(x[k], y[k]) for k in x)
    if isinstance(x, (list, tuple)):
        return type(x) is type(y) and len(x) == len(y) and all(_eq(a, b) for a, b in zip(x, y))
    return x == y or (x != x and y != y)


def test_recording_caps_memory_thins_evenly_and_round_trips(tmp_path):
    rec = Recording("gan", {"lr_g": 1e-4}, max_bytes=200_000)
    for step in range(0, 4000, 10):
        rec.add(_snap(step))
        if step % 50 == 5:
            rec.add({"step": step + 1, "light": True, "history": {}})
    assert rec.nbytes <= 200_000 and len(rec) > 20
    steps = rec.steps()
    assert steps[0] == 0 and steps[-1] == 3990  # the first and the newest stay
    gaps = np.diff(steps[:-1])
    assert gaps.max() <= 2 * gaps.min()  # evenly spread over the run
    assert rec.frames[0][1]["real"] is rec.frames[-1][1]["real"]  # identical arrays are stored once
    f = rec.frame_at(steps[3] + 1)  # at or just before
    assert f["step"] == steps[3] and f["history"]["loss"][0][-1] == steps[3]
    assert _eq({k: v for k, v in f.items() if k not in ("history", "light")},
               {k: v for k, v in _snap(steps[3]).items() if k != "history"})

    path = tmp_path / "run.pgrec"
    est = estimate_size(rec)
    n = save_recording(rec, path)
    assert path.stat().st_size == n and 0.7 * n <= est <= 1.5 * n
    back = load_recording(path)
    assert back.lab == "gan" and back.config == {"lr_g": 1e-4} and back.app_version
    assert back.steps() == steps
    for s in (steps[0], steps[len(steps) // 2], steps[-1]):
        assert _eq(back.frame_at(s), rec.frame_at(s))

    rec.truncate_after(steps[5])  # branching
    assert rec.steps() == steps[:6] and cut_history(rec.history, 1e9)["loss"][0][-1] <= steps[5]
    rec.add(_snap(steps[5] - 5))  # a restored, earlier step drops the frames from it on
    assert rec.steps()[-1] == steps[5] - 5 and len(rec) == 6


def _crafted(tmp_path, name: str, entries: dict) -> str:
    p = tmp_path / name
    with zipfile.ZipFile(p, "w") as zf:
        for k, v in entries.items():
            zf.writestr(k, v)
    return str(p)


def test_bad_recording_files_are_refused_with_one_line(tmp_path):
    good = tmp_path / "good.pgrec"
    rec = Recording("gan", {})
    rec.add(_snap(0))
    save_recording(rec, good)
    raw = good.read_bytes()
    with zipfile.ZipFile(good) as zf:
        index, arrays = zf.read("recording.json"), zf.read("arrays.npy")
    obj = io.BytesIO()
    np.save(obj, np.array([{"x": 1}], dtype=object), allow_pickle=True)

    class Boom:
        def __reduce__(self):
            return (print, ("pwned",))

    cases = {
        "empty": (tmp_path / "e.pgrec").write_bytes(b"") and str(tmp_path / "e.pgrec") or str(tmp_path / "e.pgrec"),
        "truncated": str(tmp_path / "t.pgrec"),
        "random": str(tmp_path / "r.pgrec"),
        "pickle in the zip": _crafted(tmp_path, "p.pgrec", {"recording.json": index, "arrays.npy": arrays,
                                                            "data.pkl": pickle.dumps(Boom())}),
        "object array": _crafted(tmp_path, "o.pgrec", {"recording.json": index, "arrays.npy": obj.getvalue()}),
        "pickle as index": _crafted(tmp_path, "q.pgrec", {"recording.json": pickle.dumps(Boom()),
                                                          "arrays.npy": arrays}),
        "unknown lab": _crafted(tmp_path, "u.pgrec", {"recording.json": index.replace(b'"lab":"gan"',
                                                                                      b'"lab":"nope"'),
                                                      "arrays.npy": arrays}),
    }
    (tmp_path / "e.pgrec").write_bytes(b"")
    (tmp_path / "t.pgrec").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "r.pgrec").write_bytes(np.random.default_rng(0).bytes(5000))
    for what, path in cases.items():
        with pytest.raises(RecordingError) as e:
            load_recording(path)
        msg = str(e.value)
        assert "\n" not in msg and path in msg, (what, msg)
    assert "nope" in str(pytest.raises(RecordingError, load_recording, cases["unknown lab"]).value)
    assert "pickle" in str(pytest.raises(RecordingError, load_recording, cases["object array"]).value)


@pytest.mark.slow
def test_timeline_scrub_branch_save_and_replay(qtbot, small_gan, tmp_path, monkeypatch):
    from playground.ui import timeline as tlmod
    from playground.ui.main_window import MainWindow
    from playground.ui.replay import ReplayRunner, open_recording, save_recording_to

    monkeypatch.setattr(tlmod, "CKPT_EVERY_S", 0.3)
    monkeypatch.setattr("playground.core.loop.SNAPSHOT_SHARE", 0.5)  # full snapshots (frames) often
    win = MainWindow("gan", overrides={k: getattr(small_gan, k) for k in
                                       ("g_width", "d_width", "g_layers", "d_layers", "batch_size", "n_critic",
                                        "grid", "show_samples")})
    qtbot.addWidget(win)
    win.show()
    tl, runner = win.timeline, win.runner
    qtbot.waitUntil(lambda: runner.session is not None, timeout=60000)
    runner.play()
    qtbot.waitUntil(lambda: len(win.recording) >= 6 and len(tl._ckpts()) >= 3, timeout=60000)
    assert "frames" in tl.info.text() and "MB / 300 MB" in tl.info.text()

    # scrub back: training pauses, every view shows the recorded moment
    i = 2
    step, _ = win.recording.frames[i]
    tl.slider.setValue(i)
    qtbot.waitUntil(lambda: not runner.playing, timeout=5000)
    win.view.flush_drawing()
    frame = win.recording.frame_at(step)
    assert win.status_step.text() == f"step {step:,} (recorded)"
    assert f"step {step:,}" in win.view.metrics.summary.text()
    x, _y = win.view.plane.fake.getData()
    np.testing.assert_allclose(x, frame["fake"][:, 0], rtol=1e-6)
    qtbot.wait(300)  # late snapshots are recorded, not drawn
    assert win.status_step.text() == f"step {step:,} (recorded)" and tl.looking_back
    tl.step_frames(1)  # ]
    assert win.status_step.text() == f"step {win.recording.frames[i + 1][0]:,} (recorded)"

    # branch: back to the newest saved state at or before the frame, training goes on from there
    tl.step_frames(-1)
    end = win.recording.steps()[-1]
    ck_step = tl._branch_point()[0]
    assert ck_step <= step < end and tl.branch_btn.isEnabled()
    tl.branch()
    qtbot.waitUntil(lambda: runner.playing and not tl.looking_back, timeout=20000)
    assert win.recording.steps()[-1] <= end  # the later recording was discarded ...
    qtbot.waitUntil(lambda: len(win.recording) and win.recording.steps()[-1] > ck_step + 3, timeout=20000)
    steps = win.recording.steps()
    assert steps == sorted(steps) and ck_step in steps  # ... and training went on from the branch point
    runner.pause()

    # save, then replay in a fresh window: no training, the timeline plays the frames
    path = tmp_path / "run.pgrec"
    assert save_recording_to(win, str(path)) == path.stat().st_size
    win.close()
    fresh = MainWindow("lstm", start=False)
    qtbot.addWidget(fresh)
    fresh.show()
    bad = tmp_path / "bad.pgrec"
    bad.write_bytes(b"PK\x03\x04 not really")
    assert not open_recording(fresh, str(bad))
    assert fresh.last_banner[0] == "error" and fresh.spec.name == "lstm"  # nothing else changed
    assert open_recording(fresh, str(path))
    assert isinstance(fresh.runner, ReplayRunner) and fresh.spec.name == "gan"
    assert fresh.status_device.text() == "replay" and not fresh.params.isEnabled()
    n = len(fresh.recording)
    assert n == len(load_recording(path)) and fresh.timeline.index() == 0
    fresh.timeline.speed.setCurrentIndex(fresh.timeline.speed.count() - 1)  # 30 frames/s
    fresh.toggle_play()
    qtbot.waitUntil(lambda: fresh.timeline.index() >= min(3, n - 1), timeout=5000)
    fresh.toggle_play()
    fresh.view.flush_drawing()
    shown = fresh.recording.frames[fresh.timeline.index()][0]
    assert fresh.status_step.text() == f"step {shown:,}"
    fresh.timeline.end()
    assert fresh.timeline.index() == n - 1
    fresh.reset()  # Reset in a replay: back to the first frame
    assert fresh.timeline.index() == 0 and isinstance(fresh.runner, ReplayRunner)
    fresh.close()


@pytest.mark.slow
def test_record_cli_writes_a_recording_that_loads(tmp_path, capsys):
    from playground.cli import main

    out = tmp_path / "gan.pgrec"
    assert main(["record", "gan", "--set", "g_width=16", "--set", "d_width=16", "--set", "show_samples=64",
                 "--set", "grid=12", "--steps", "20", "--every", "5", "--out", str(out)]) == 0
    rec = load_recording(out)
    assert rec.lab == "gan" and rec.steps() == [0, 5, 10, 15, 20] and rec.config["g_width"] == 16
    assert set(rec.history) >= {"loss_d", "loss_g"}
    assert main(["record", "gan", "--steps", "5", "--out", str(tmp_path / "x.png")]) == 2
    assert main(["gui", "--replay", str(tmp_path / "missing.pgrec")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "missing.pgrec: no such file" in err[-1]


def test_branch_point_folders_of_killed_runs_are_swept(tmp_path):
    """A killed app never removes its branch-point folder; the next start removes folders whose process is
    gone and keeps those of live processes."""
    import subprocess
    import sys

    from playground.core.files import sweep_stale_folders

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = tmp_path / f"playground-timeline-{dead.pid}-abc"
    (gone / "run-1").mkdir(parents=True)
    (gone / "run-1" / "ckpt-000000010.pgs").write_bytes(b"x")
    mine = tmp_path / f"playground-timeline-{os.getpid()}-def"
    mine.mkdir()
    other = tmp_path / "playground-timeline-old"  # not in the pid format: not ours to judge
    other.mkdir()
    assert sweep_stale_folders("playground-timeline-", str(tmp_path)) == 1
    assert not gone.exists() and mine.exists() and other.exists()
