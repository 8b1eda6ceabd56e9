"""`playground --version` and `playground selftest`: exit codes, and a failing part named."""

from __future__ import annotations

import pytest

import playground
from playground import selftest
from playground.cli import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"playground {playground.__version__}"


@pytest.mark.parametrize("args", [["selftest", "--steps", "0"], ["selftest", "--device", "tpu"],
                                  ["selftest", "--steps", "x"]])
def test_selftest_bad_input_is_exit_2(args, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error:") and len(err.strip().splitlines()) == 1


def test_selftest_names_the_failing_part_and_goes_on(monkeypatch, qapp):
    calls = []

    def train(spec, steps, device, state):  # stands in for training: what is under test is the reporting
        calls.append(spec.name)
        if spec.name == "gan":
            raise RuntimeError("boom\nsecond line")
        state["ok"] = True
        return "trained"

    monkeypatch.setattr(selftest, "_train", train)
    monkeypatch.setattr(selftest, "_render", lambda spec, state, folder, size: f"rendered {sorted(state)}")
    monkeypatch.setattr(selftest, "_worker", lambda spec, device: "not started in this test")
    lines: list[str] = []
    from playground.core.registry import all_labs

    assert selftest.run_selftest(steps=1, device="cpu", out=lines.append) == 1
    assert calls == list(all_labs())  # every discovered lab was tried, after the failure too
    assert "  FAIL  gan train: RuntimeError: boom" in lines
    assert not any(line.startswith("  ok    gan snapshot") for line in lines)  # no render of an untrained lab
    assert any(line.startswith("  ok    lstm snapshot: rendered ['ok']") for line in lines)
    assert lines[-1].startswith("selftest failed: gan train (")


def test_selftest_unknown_lab_fails_the_labs_part(qapp):
    lines: list[str] = []
    assert selftest.run_selftest(labs=["nope"], out=lines.append) == 1
    assert lines[0].startswith("  FAIL  labs: RuntimeError: unknown lab 'nope'")
    assert lines[-1].startswith("selftest failed: labs")


def test_blank_render_is_a_failure(qapp, tmp_path):
    from PySide6 import QtGui

    img = QtGui.QImage(300, 200, QtGui.QImage.Format_RGB32)
    img.fill(QtGui.QColor("white"))
    img.save(str(tmp_path / "blank.png"))
    with pytest.raises(RuntimeError, match="looks blank"):
        selftest._check_image(tmp_path / "blank.png", (300, 200))
    with pytest.raises(RuntimeError, match="expected 400x200"):
        selftest._check_image(tmp_path / "blank.png", (400, 200))
