"""Guided lessons: the format's validation (one line naming the step and the field), `playground lesson
--list` and `--check`, and a lesson walked through the lesson panel in the window (Next, a question
answered with its feedback, conditions met, a highlighted panel, a bad panel name refused)."""

from __future__ import annotations

import textwrap

import pytest

from playground.cli import main
from playground.core import lesson as L

HEAD = 'title = "T"\nlab = "transformer"\n'


def _lesson(tmp_path, body: str, name: str = "t.toml"):
    p = tmp_path / name
    p.write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
    return p


@pytest.mark.parametrize("body, expected", [
    ('[[step]]\ntitle = "A"\n', "step 1 (A): field 'text': missing"),
    ('[[step]]\ntext = "x"\n[[step]]\ntext = "y"\nlab = "nolab"\n', "step 2: field 'lab': 'nolab' is not a lab"),
    ('[[step]]\ntext = "x"\npreset = "reverse2"\n', "step 1: field 'preset': 'reverse2' is not a preset of the "
                                                    "transformer lab"),
    ('[[step]]\ntext = "x"\nset = { n_hedas = 2 }\n', "step 1: field 'set': "),
    ('[[step]]\ntext = "x"\nset = { n_heads = 0 }\n', "step 1: field 'set': n_heads=0"),
    ('[[step]]\ntext = "x"\n[[step]]\ntext = "y"\nplay_until = "loss <<< 2"\n',
     "step 2: field 'play_until': 'loss <<< 2' is not 'metric op number'"),
    ('[[step]]\ntext = "x"\nplay_until = "__import__(\'os\') > 1"\n', "field 'play_until'"),
    ('[[step]]\ntext = "x"\nplay_until = 5\ntimeout = { minutes = 3 }\n', "step 1: field 'timeout'"),
    ('[[step]]\ntext = "x"\nshwo = "Curves"\n', "step 1: field 'shwo': unknown field"),
    ('[[step]]\ntext = "x"\n[step.question]\nask = "?"\nchoices = ["a", "b"]\nfeedback = ["a"]\n',
     "step 1: field 'question.feedback': one message per choice (2)"),
    ('[[step]]\ntext = "x"\n[step.question]\nask = "?"\nchoices = ["a", "b"]\nanswer = 3\n',
     "step 1: field 'question.answer'"),
    ('[[step]]\ntext = "x"\nablate = { head = -1 }\n', "step 1: field 'ablate.head'"),
])
def test_bad_lesson_files_name_the_step_and_the_field(tmp_path, body, expected):
    path = _lesson(tmp_path, body)
    with pytest.raises(L.LessonError) as e:
        L.load(path)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("t.toml: ") and expected in msg, msg


def test_not_toml_and_unknown_lesson_are_one_line(tmp_path, capsys):
    bad = tmp_path / "x.toml"
    bad.write_text("title = \n", encoding="utf-8")
    assert main(["lesson", str(bad), "--check"]) == 2
    assert main(["lesson", "no-such-lesson"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "not valid TOML" in err[0] and "unknown lesson 'no-such-lesson'" in err[1]


def test_conditions_parse_without_eval():
    c = L.Condition.parse("modes_captured >= 8")
    assert (c.metric, c.op, c.value) == ("modes_captured", ">=", 8.0) and c.met(8) and not c.met(7.9)
    assert L.Condition.parse("loss < 1e-2").met(0.005) and L.Condition.parse("x ≤ 2").op == "<="
    assert L.Condition.parse(300).steps == 300 and not L.Condition.parse("loss < 0.1").met(float("nan"))
    for bad in ("loss", "loss < x", "a.b > 1", "loss < 1 or 1", True, 0, 1.5):
        with pytest.raises(ValueError):
            L.Condition.parse(bad)
    # per-step metrics are judged on their recent mean; evaluated ones on their latest value
    hist = {"loss": (list(range(1, 101)), [1.0] * 90 + [0.0] * 10), "acc": ([10, 20], [0.2, 0.9])}
    assert L.metric_value("loss", 100, hist) == pytest.approx(40 / 50)  # steps 51-100
    assert L.metric_value("acc", 20, hist) == 0.9 and L.metric_value("step", 7, hist) == 7.0
    assert L.metric_value("m", 1, hist, {"m": 3}) == 3.0 and L.metric_value("nope", 1, hist) is None


def test_every_shipped_lesson_is_valid_and_listed(capsys):
    shipped = L.shipped()
    assert len(shipped) >= 12
    for name, path in shipped.items():
        les = L.load(path)
        assert les.minutes <= 10 and les.steps and all(s.text for s in les.steps), name
    assert main(["lesson", "--list"]) == 0
    assert capsys.readouterr().out.split() == list(shipped)


def test_check_prints_a_line_per_step_and_fails_on_an_unmet_condition(tmp_path, capsys):
    path = _lesson(tmp_path, """
        [[step]]
        text = "set up"
        preset = "reverse"
        set = { d_model = 16, n_heads = 1, n_layers = 1, d_ff = 16, seq_len = 4, vocab = 4, batch_size = 16 }
        [[step]]
        text = "a few steps"
        play_until = 5
        [[step]]
        text = "impossible"
        play_until = "loss < -1"
        timeout = { seconds = 30, steps = 3 }
    """)
    assert main(["lesson", str(path), "--check", "--device", "cpu"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "step 1: set-up" in out[1] and "step 2: met: 5 steps at step 5" in out[2]
    assert "step 3: NOT MET within 30 s / 3 steps: loss < -1" in out[3] and out[-1].startswith("FAILED: 1 of 3")


SMALL = ('{ d_model = 32, n_heads = 2, n_layers = 1, d_ff = 64, seq_len = 6, vocab = 6, batch_size = 64, '
         'eval_size = 64 }')


def test_a_lesson_walked_through_the_panel(qtbot, tmp_path):
    from playground.ui.main_window import MainWindow

    path = _lesson(tmp_path, f"""
        [[step]]
        title = "Set up"
        text = "# Reverse\\n\\nThe **attention** panel."
        preset = "reverse"
        set = {SMALL}
        highlight = "Attention"
        pause = true
        [[step]]
        title = "Guess"
        text = "Train a little."
        play_until = 20
        [step.question]
        ask = "What does a reverser read first?"
        choices = ["The first symbol", "The last symbol"]
        feedback = ["No: that is copying.", "Yes: the last one."]
        answer = 2
        [[step]]
        text = "Predict, then see."
        play_until = 5
        [step.question]
        ask = "Guess?"
        predict = true
        choices = ["Yes", "No"]
        reveal = "Revealed."
        [[step]]
        text = "Train until the loss is low enough."
        show = "Curves"
        play_until = "token_accuracy >= 0.3"
        timeout = {{ seconds = 60, steps = 3000 }}
    """)
    bad = _lesson(tmp_path, '[[step]]\ntext = "x"\nhighlight = "Atention"\n', "bad.toml")
    w = MainWindow("transformer", "reverse", device="cpu", runner="thread")
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    d = w.lesson_driver
    assert any(a.text() == "&Lessons" for a in w.menuBar().actions())
    # a bad panel name: one line, nothing else changes
    assert not d.open(bad) and d.lesson is None
    kind, msg = w.last_banner
    assert kind == "error" and "step 1: field 'highlight': no panel 'Atention'" in msg and "\n" not in msg
    assert w.side_tabs.indexOf(w.lesson) >= 0

    assert d.open(path)
    p = d.panel
    assert w.side_tabs.currentWidget() is p and w.side_tabs.indexOf(w.lesson) < 0
    assert p.progress.text() == "Step 1 of 4 · Set up" and not p.back_btn.isEnabled()
    qtbot.waitUntil(lambda: w.runner.session is not None and w.runner.session.config.d_model == 32, timeout=90000)
    assert d.spotlight.isVisible() and not d.spotlight.hole().isEmpty()
    assert d.spotlight.target is w.view.panels()["Attention"]

    p.next_btn.click()
    assert p.progress.text() == "Step 2 of 4 · Guess" and p.qbox.isVisible() and len(p.choice_buttons) == 2
    assert not d.spotlight.isVisible()
    p.choice_buttons[0].click()
    assert p.feedback.isVisible() and "copying" in p.feedback.text()
    p.choice_buttons[1].click()
    assert "the last one" in p.feedback.text()
    qtbot.waitUntil(lambda: "Reached 20 steps" in p.status.text(), timeout=90000)
    assert not w.runner.playing

    # a predict question: Next alone runs it, then shows the reveal; Back goes one step back
    p.next_btn.click()
    assert p.progress.text() == "Step 3 of 4" and p.next_btn.text() == "Run and see" and not w.runner.playing
    p.back_btn.click()
    assert p.progress.text().startswith("Step 2 of 4")
    p.next_btn.click()
    p.next_btn.click()
    qtbot.waitUntil(lambda: "Reached 5 steps" in p.status.text(), timeout=90000)
    assert p.progress.text() == "Step 3 of 4" and "Revealed." in p.feedback.text()

    p.next_btn.click()
    assert p.next_btn.text() == "Finish" and not p.qbox.isVisible()
    qtbot.waitUntil(lambda: "Reached token accuracy ≥ 0.3" in p.status.text(), timeout=90000)
    assert not w.runner.playing and w.view.tabs.currentWidget() is not None
    # the lesson's text follows the app's font (presentation mode enlarges it)
    from PySide6 import QtGui, QtWidgets

    app = QtWidgets.QApplication.instance()
    f0 = QtGui.QFont(app.font())
    big = QtGui.QFont(f0)
    big.setPointSizeF(f0.pointSizeF() * 2)
    app.setFont(big)
    try:
        qtbot.waitUntil(lambda: p.text.document().defaultFont().pointSizeF() >= 1.9 * f0.pointSizeF(), timeout=3000)
        assert p.ask.font().pointSizeF() >= 1.9 * f0.pointSizeF()
    finally:
        app.setFont(f0)
    p.next_btn.click()  # Finish: the lab's own lesson page comes back
    assert d.lesson is None and w.side_tabs.indexOf(w.lesson) >= 0 and w.side_tabs.indexOf(p) < 0
    w.close()


def test_every_shipped_lesson_names_real_panels(qtbot):
    from playground.ui.main_window import MainWindow

    w = MainWindow("gan", start=False)
    qtbot.addWidget(w)
    for name in L.shipped():
        w.lesson_driver.check_panels(L.load(name))  # raises LessonError naming the step and field
    w.close()


def test_transformer_without_positions_sees_a_bag_of_tokens():
    """Lesson 6's key: pos_encoding = none adds nothing, so the encoder's output is permutation-equivariant."""
    import torch

    from playground.core.registry import get_lab

    spec = get_lab("transformer")
    cfg = spec.make_config("reverse", {"pos_encoding": "none", "d_model": 16, "n_heads": 2, "n_layers": 1,
                                       "d_ff": 16, "batch_size": 8, "eval_size": 16})
    s = spec.make_session(cfg, device="cpu")
    s.step(2)
    pos = s.snapshot()["positions"]
    assert pos["kind"] == "none" and not pos["matrix"].any()
    x = torch.randn(1, 6, 16)
    assert torch.equal(s.model.pos(x), x)
