"""Task generators: shapes, labels correct on hand-checked cases, baselines, text loading errors."""

import math

import numpy as np
import pytest
import torch

from playground.core.config import ConfigError, validate
from playground.labs.lstm.config import LstmConfig
from playground.labs.lstm.corpus import load_text
from playground.labs.lstm.tasks import CharLMTask, make_task


def cfg(**kw):
    return validate(LstmConfig, kw)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_adding_shapes_markers_and_sum():
    t = make_task(cfg(task="adding", seq_len=20), "cpu")
    x, y = t.batch(32, gen())
    assert x.shape == (32, 20, 2) and y.shape == (32, 1)
    m = x[..., 1]
    assert torch.all(m.sum(1) == 2)
    assert torch.all(m[:, :10].sum(1) == 1) and torch.all(m[:, 10:].sum(1) == 1)
    for b in range(32):
        idx = torch.nonzero(m[b]).flatten()
        assert torch.isclose(y[b, 0], x[b, idx[0], 0] + x[b, idx[1], 0])
    assert t.baseline == pytest.approx(1 / 6)
    # predicting 1.0 everywhere scores the baseline
    x, y = t.batch(20000, gen(1))
    assert float(((y - 1.0) ** 2).mean()) == pytest.approx(1 / 6, abs=0.01)
    loss, mse = t.loss(torch.ones(5, 20, 1), torch.full((5, 1), 1.5))
    assert float(loss) == pytest.approx(0.25) and float(mse) == pytest.approx(0.25)


def test_adding_loss_uses_only_last_step():
    t = make_task(cfg(task="adding", seq_len=8), "cpu")
    pred = torch.zeros(2, 8, 1)
    pred[:, -1] = 1.0
    loss, _ = t.loss(pred, torch.ones(2, 1))
    assert float(loss) == 0.0


def test_copy_layout_hand_checked():
    t = make_task(cfg(task="copy", seq_len=12, copy_len=3, vocab=4), "cpu")
    x, y = t.batch(16, gen())
    assert x.shape == (16, 12) and y.shape == (16, 12)
    for b in range(16):
        sym = x[b, :3]
        assert torch.all((sym >= 1) & (sym <= 4))
        assert torch.all(x[b, 3:8] == 0)
        assert x[b, 8] == 5  # the delimiter, at T - L - 1
        assert torch.all(x[b, 9:] == 0)
        assert torch.all(y[b, :9] == -100)
        assert torch.equal(y[b, 9:], sym - 1)
    assert t.n_in == 6 and t.n_out == 4
    assert t.baseline == 0.25 and t.baseline_loss == pytest.approx(math.log(4))
    # a perfect prediction gets accuracy 1
    pred = torch.nn.functional.one_hot(y.clamp_min(0), 4).float() * 10
    _, acc = t.loss(pred, y)
    assert float(acc) == 1.0
    p = t.probe(4, 7)
    assert p.labels[8] == "▶" and p.labels[3] == "·" and len(p.labels) == 12


def test_copy_too_short_is_a_config_error():
    with pytest.raises(ConfigError, match="seq_len"):
        cfg(task="copy", seq_len=8, copy_len=5)


def test_parentheses_depth_hand_checked():
    t = make_task(cfg(task="parentheses", seq_len=30, max_depth=3), "cpu")
    x, y = t.batch(64, gen())
    assert x.shape == (64, 30) and y.shape == (64, 30)
    step = torch.where(x == 0, 1, -1)
    assert torch.equal(torch.cumsum(step, 1), y)  # depth = running count of '(' minus ')'
    assert y.min() >= 0 and y.max() <= 3
    assert torch.all(x[:, 0] == 0)  # a string starts by opening
    p = t.probe(2, 5)
    s = "".join(p.labels)
    depth = np.cumsum([1 if c == "(" else -1 for c in s])
    assert np.array_equal(depth, p.signals["depth"][0])
    assert 0 < t.baseline < 1


def test_sine_shapes_and_target_is_next_clean_value():
    t = make_task(cfg(task="sine", seq_len=40, noise=0.0, waves=3), "cpu")
    x, y = t.batch(8, gen())
    assert x.shape == (8, 40, 1) and y.shape == (8, 40, 1)
    torch.testing.assert_close(x[:, 1:], y[:, :-1])  # without noise the input is the shifted target
    assert x.abs().max() <= 1.0
    assert t.baseline > 0


def test_charlm_builtin_and_batches():
    t = make_task(cfg(task="charlm", seq_len=32), "cpu")
    x, y = t.batch(4, gen())
    assert x.shape == (4, 32) and y.shape == (4, 32)
    assert torch.equal(x[:, 1:], y[:, :-1])
    s = t.decode(x[0].tolist())
    assert s in t.text
    assert 0 < t.baseline < 1 and t.baseline_loss > 1
    p = t.probe(3, 0)
    assert set(p.signals) == {"inside quotes", "position in word"}
    assert p.signals["inside quotes"].shape == (3, 32)


def test_charlm_signals_hand_checked(tmp_path):
    text = 'ab "cd" ef\n' * 30
    t = CharLMTask(cfg(task="charlm", seq_len=8), "cpu", text=text)
    assert list(t.inside_quotes[:11]) == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]
    assert list(t.pos_in_word[:11]) == [1, 2, 0, 1, 2, 3, 4, 0, 1, 2, 0]


@pytest.mark.parametrize("content,match", [
    (b"", "empty"),
    (b"\x00\x01\x02binary" * 50, "binary"),
    ("caf\u00e9 ".encode("latin-1") * 100, "not UTF-8"),
    (b"   \n\n  ", "whitespace"),
    (b"short", "only 5 characters"),
])
def test_bad_text_files_give_one_line_errors(tmp_path, content, match):
    p = tmp_path / "t.txt"
    p.write_bytes(content)
    with pytest.raises(ValueError, match=match) as e:
        load_text(p)
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match=match):
        make_task(cfg(task="charlm", text=str(p)), "cpu")


def test_missing_text_file():
    with pytest.raises(ValueError, match="no such file"):
        load_text("/nonexistent/dir/x.txt")


def test_user_text_with_many_characters(tmp_path):
    p = tmp_path / "u.txt"
    p.write_text("".join(chr(0x4E00 + i) for i in range(400)) * 2, encoding="utf-8")
    t = make_task(cfg(task="charlm", text=str(p), seq_len=16), "cpu")
    assert t.n_in == CharLMTask.MAX_VOCAB and t.chars[-1] == CharLMTask.UNK
