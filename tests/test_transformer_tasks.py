"""Task generators on hand-checked cases, source parsing and text loading of the Transformer lab."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.labs.transformer.config import TransformerConfig
from playground.labs.transformer.tasks import (
    EOS,
    PAD,
    AdditionTask,
    CharTask,
    SymbolTask,
    TranslateTask,
    make_task,
)
from playground.labs.transformer.vocab import day_words, load_text, parse_source

torch.set_num_threads(1)


def _ids(task, text):
    return parse_source(task.source_spec(), text)


def _labels(task, ids):
    return [task.labels[i] for i in ids]


def test_symbol_tasks_hand_checked():
    for name, want in (("copy", "3 1 4 1 5"), ("reverse", "5 1 4 1 3"), ("sort", "1 1 3 4 5")):
        t = SymbolTask(name, 5, 10)
        src = _ids(t, "31415")
        assert " ".join(_labels(t, t.solve(src))) == want
    t = SymbolTask("reverse", 4, 12)
    assert _labels(t, _ids(t, "a b 0 9")) == ["A", "B", "0", "9"]  # letters after the digits, any case


@pytest.mark.parametrize("name", ["copy", "reverse", "sort"])
def test_symbol_batches(name):
    t = SymbolTask(name, 6, 7)
    g = torch.Generator().manual_seed(0)
    src, tgt = t.sample(64, g, "cpu")
    assert src.shape == (64, 6) and tgt.shape == (64, 7)
    assert (tgt[:, -1] == EOS).all() and (src >= 3).all() and (src < 10).all()
    for s, y in zip(src.tolist(), tgt.tolist(), strict=True):
        assert t.solve(s) == y[:-1]


def test_addition_hand_checked():
    t = AdditionTask(3)
    assert "".join(_labels(t, t.solve(_ids(t, "123+989")))) == "1112"
    assert "".join(_labels(t, t.solve(_ids(t, "0+7")))) == "7"
    g = torch.Generator().manual_seed(1)
    src, tgt = t.sample(500, g, "cpu")
    assert src.shape == (500, 7) and tgt.shape == (500, 5)
    for s, y in zip(src.tolist(), tgt.tolist(), strict=True):
        text = "".join(t.labels[i] for i in s if i != PAD)
        a, b = text.split("+")
        assert 1 <= len(a) <= 3 and 1 <= len(b) <= 3 and (len(a) == 1 or a[0] != "0")
        answer = "".join(t.labels[i] for i in y if i not in (PAD, EOS))
        assert int(answer) == int(a) + int(b)
        assert y[len(answer)] == EOS


def test_translate_hand_checked():
    t = TranslateTask()
    src = _ids(t, "twenty first of march 1987")
    assert _labels(t, src) == ["twenty", "first", "of", "march", "1", "9", "8", "7"]
    assert "".join(_labels(t, t.solve(src))) == "1987-03-21"
    assert "".join(_labels(t, t.solve(_ids(t, "Fifth of December 2003")))) == "2003-12-05"
    assert "".join(_labels(t, t.solve(_ids(t, "thirtieth of june 1900")))) == "1900-06-30"
    assert day_words(31) == ["thirty", "first"] and day_words(20) == ["twentieth"]
    g = torch.Generator().manual_seed(2)
    src, tgt = t.sample(300, g, "cpu")
    assert src.shape == (300, 8) and tgt.shape == (300, 11)
    for s, y in zip(src.tolist(), tgt.tolist(), strict=True):
        words = [t.labels[i] for i in s if i != PAD]
        assert "of" in words and words.count("of") == 1
        assert t.solve([i for i in s if i != PAD]) + [EOS] == y  # generator and solver agree
        assert PAD not in s[: len(words)]  # padding only at the end


def test_charlm_windows_shift_by_one():
    cfg = TransformerConfig(task="charlm", seq_len=16)
    t = make_task(cfg)
    assert isinstance(t, CharTask) and not t.seq2seq
    g = torch.Generator().manual_seed(3)
    x, y = t.sample(8, g, "cpu")
    assert x.shape == y.shape == (8, 16)
    assert (x[:, 1:] == y[:, :-1]).all()


@pytest.mark.parametrize("task,text,msg", [
    ("reverse", "", "empty"),
    ("reverse", "   ", "empty"),
    ("reverse", "12345x7890", "unknown symbol 'X'"),
    ("reverse", "12345678901", "too long: 11 symbols, at most 10"),
    ("reverse", "123", "too short"),
    ("addition", "12+", "two numbers joined by '+'"),
    ("addition", "1234+1", "too long: at most 3 digits"),
    ("addition", "12*3", "unknown symbol '*'"),
    ("translate", "first of smarch 1999", "unknown symbol 'smarch'"),
    ("translate", "twenty first of march 1987 1", "too long"),
])
def test_bad_sources_give_clear_messages(task, text, msg):
    t = make_task(TransformerConfig(task=task, seq_len=10 if task != "addition" else 3))
    with pytest.raises(ValueError, match=msg.replace("+", r"\+").replace("*", r"\*")):
        _ids(t, text)


def test_charlm_prompt_checks():
    t = make_task(TransformerConfig(task="charlm", seq_len=32))
    assert _labels(t, _ids(t, "The sea")) == list("The sea")
    with pytest.raises(ValueError, match="empty"):
        _ids(t, "")
    with pytest.raises(ValueError, match="unknown character"):
        _ids(t, "The §ea")
    with pytest.raises(ValueError, match="too long"):
        _ids(t, "a" * 33)


def test_load_text_refuses_bad_files(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 ".encode("latin-1") * 100)
    (tmp_path / "blank.txt").write_text("   \n\n   ")
    (tmp_path / "ok.txt").write_text("hello world, " * 20)
    for name, msg in (("empty.txt", "empty"), ("bin.txt", "binary"), ("latin1.txt", "not UTF-8"),
                      ("blank.txt", "no text"), ("missing.txt", "no such file")):
        with pytest.raises(ValueError, match=msg) as e:
            load_text(tmp_path / name)
        assert "\n" not in str(e.value)
    assert load_text(tmp_path / "ok.txt").startswith("hello")
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(21 * 1024 * 1024)
    with pytest.raises(ValueError, match="too large"):
        load_text(big)


@given(st.lists(st.integers(0, 11), min_size=7, max_size=7), st.sampled_from([" ", "", ", "]))
@settings(max_examples=60, deadline=None)
def test_symbol_sources_round_trip(symbols, sep):
    t = SymbolTask("sort", 7, 12)
    text = sep.join(t.labels[3 + i] for i in symbols)
    ids = _ids(t, text.lower())
    assert ids == [3 + i for i in symbols]
    assert t.solve(ids) == sorted(ids)
