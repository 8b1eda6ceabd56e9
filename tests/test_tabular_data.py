"""Reading CSV files: types, overrides, missing values, every bad input (one line, nothing changed), the
encoders' round trip and the export."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from playground.labs.tabular import data as D
from playground.labs.tabular.encoders import TableEncoder


def write(tmp_path, text, name="t.csv", mode="w"):
    p = tmp_path / name
    if mode == "wb":
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return str(p)


def table_text(n=40, sep=",", header=True):
    rows = [f"a{sep}b{sep}c{sep}d"] if header else []
    for i in range(n):
        rows.append(sep.join([str(i * 1.5), ["x", "y", "z"][i % 3], str(i % 7), "" if i % 5 == 0 else str(i)]))
    return "\n".join(rows) + "\n"


def test_types_missing_and_sniffing(tmp_path):
    for sep in (",", ";", "\t"):
        t = D.load_table(write(tmp_path, table_text(sep=sep)))
        assert t.names == ["a", "b", "c", "d"]
        assert [c.kind for c in t.columns] == ["numeric", "categorical", "numeric", "numeric"]
        assert t.column("d").missing.sum() == 8 and t.column("c").integer and t.column("a").decimals == 1
    t = D.load_table(write(tmp_path, table_text(header=False)))
    assert t.names == ["column1", "column2", "column3", "column4"]


def test_overrides(tmp_path):
    p = write(tmp_path, table_text())
    t = D.load_table(p, categorical="c", exclude="a")
    assert t.names == ["b", "c", "d"] and t.column("c").kind == "categorical"
    with pytest.raises(D.TableError, match="no column 'nope'") as e:
        D.load_table(p, exclude="nope")
    assert e.value.key == "exclude"
    with pytest.raises(D.TableError, match="not numbers"):
        D.load_table(p, numeric="b")


@pytest.mark.parametrize("content, needle", [
    (None, "no such file"),
    ("", "the file is empty"),
    (b"\x00\x01\x02binary", "binary"),
    (b"a,b\n\xff\xfe,1\n", "not UTF-8"),
    ("a,b\n1,2\n", "1 data row;"),
    ("a\n" + "1\n" * 30, "only one column"),
    ("a,b,c\n" + "1,2,3\n" * 10 + "1,2\n" + "1,2,3\n" * 10, "line 12 has 2 fields, expected 3"),
])
def test_every_bad_file_gets_one_line(tmp_path, content, needle):
    if content is None:
        path = str(tmp_path / "missing.csv")
    else:
        path = write(tmp_path, content, mode="wb" if isinstance(content, bytes) else "w")
    with pytest.raises(D.TableError) as e:
        D.load_table(path)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_too_large_file_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(D, "MAX_BYTES", 100)
    with pytest.raises(D.TableError, match="too large"):
        D.load_table(write(tmp_path, table_text()))


def test_single_value_column_is_kept_constant_and_many_categories_are_capped(tmp_path):
    rows = ["id,k,v,n"] + [f"u{i},same,{i % 4},{i}" for i in range(300)]
    t = D.load_table(write(tmp_path, "\n".join(rows)))
    assert t.column("k").constant and any("single value" in n for n in t.notes)
    ids = t.column("id")
    assert len(ids.categories) == D.MAX_CATEGORIES and D.OTHER in ids.categories
    assert any("300 categories" in n and "exclude=id" in n for n in t.notes)


def test_holdout_is_a_fifth():
    t = D.load_table("penguins")
    train, test = D.split(t)
    assert len(t) == 344 and len(test) == 69 and len(train) == 275


def test_encoder_round_trip(tmp_path):
    rows = ["x,c,k,m"] + [f"{(i * 37) % 101 / 3:.2f},{'abc'[i % 3]},7,{'' if i % 9 == 0 else i * 2}" for i in range(90)]
    for t in (D.load_table(write(tmp_path, "\n".join(rows))), D.split(D.load_table("penguins"))[0]):
        for numeric in ("modes", "quantile"):  # the paper's mixture; the empirical quantiles
            enc = TableEncoder(t, seed=0, numeric=numeric)
            back = enc.decode(enc.encode(t, np.random.default_rng(1)))
            assert back.rows() == t.rows(), numeric


def test_export_keeps_columns_types_missing_and_order(tmp_path):
    from playground.core.registry import get_lab

    src = write(tmp_path, "\n".join(["name,size,kind,score,drop"] + [
        f"n{i % 4},{i % 13},{['x', 'y', ''][i % 3]},{'' if i % 6 == 0 else f'{i / 7:.3f}'},{i}" for i in range(80)]))
    spec = get_lab("tabular")
    s = spec.make_session(spec.make_config(None, {"data": src, "synth": "copula", "exclude": "drop"}), device="cpu")
    out = tmp_path / "synth.csv"
    assert s.command("export", path=str(out), rows=500) == 500
    with open(out, newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == ["name", "size", "kind", "score"] and len(got) == 501
    body = got[1:]
    assert {r[0] for r in body} <= {"n0", "n1", "n2", "n3"}
    assert all(r[1].lstrip("-").isdigit() for r in body)  # integers stay integers
    assert {r[2] for r in body} <= {"x", "y", ""} and any(r[2] == "" for r in body)  # missing as blanks
    scores = [r[3] for r in body]
    assert any(v == "" for v in scores) and all(v == "" or len(v.split(".")[1]) == 3 for v in scores)
