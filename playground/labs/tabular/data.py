"""Tables from CSV files: reading (delimiter and header sniffing), column types, missing values, the
held-out split and writing synthetic rows back out. Torch-free and Qt-free: the view reads a file with
these functions to show its columns before anything reaches a session.

A :class:`Table` keeps every column as a NumPy array:
  numeric      float64 values, NaN where missing
  categorical  int64 codes into ``categories`` (a list of strings; ``None`` is the missing value's own
               category, written back as a blank)
Bad input raises :class:`TableError` (a ``ValueError``) with one line naming the problem.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from playground.core.files import read_user_text
from playground.core.resources import resource

MAX_BYTES = 50 * 2**20
MAX_ROWS = 200_000
MAX_COLUMNS = 64
MIN_ROWS = 20
MAX_CATEGORIES = 50  # a categorical column keeps its 49 most frequent values; the rest become OTHER
OTHER = "(other)"
NUMERIC_MIN_UNIQUE = 6  # numbers with fewer distinct values are read as categories (years, ratings)
MISSING = {"", "na", "n/a", "nan", "null", "none", "?", "#n/a"}
BUILTIN = {"penguins": "penguins.csv", "diamonds": "diamonds.csv.gz"}
HOLDOUT = 0.2
SPLIT_SEED = 20190101  # the held-out split does not depend on the training seed


class TableError(ValueError):
    """A CSV file that cannot be used; the message is one line. ``key``: the config key to blame."""

    def __init__(self, msg: str, key: str = "data"):
        super().__init__(msg)
        self.key = key


@dataclass
class Column:
    name: str
    kind: str  # "numeric" | "categorical"
    values: np.ndarray  # numeric: float64 with NaN; categorical: int64 codes
    categories: list = field(default_factory=list)  # categorical: code -> str (None = missing)
    decimals: int = 0  # numeric: digits after the point written on export
    integer: bool = False  # numeric: every value is a whole number

    @property
    def missing(self) -> np.ndarray:  # (N,) bool
        if self.kind == "numeric":
            return np.isnan(self.values)
        if None not in self.categories:
            return np.zeros(len(self.values), bool)
        return self.values == self.categories.index(None)

    @property
    def constant(self) -> bool:
        if self.kind == "numeric":
            v = self.values[~np.isnan(self.values)]
            if v.size == 0:
                return True
            return bool(np.all(v == v[0])) and v.size == len(self.values)
        return len(np.unique(self.values)) <= 1


@dataclass
class Table:
    columns: list[Column]
    name: str = ""
    notes: list[str] = field(default_factory=list)
    infos: list = field(default_factory=list)  # ColumnInfo of every column of the file (excluded ones too)

    def __len__(self) -> int:
        return len(self.columns[0].values) if self.columns else 0

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return self.columns[self.names.index(name)]

    def take(self, idx: np.ndarray) -> Table:
        return Table([replace(c, values=c.values[idx]) for c in self.columns], self.name, list(self.notes))

    def like(self, values: dict[str, np.ndarray]) -> Table:
        """A table with these columns' metadata and new values (synthetic rows)."""
        return Table([replace(c, values=values[c.name]) for c in self.columns], self.name)

    def rows(self) -> list[list[str]]:
        """Every row as strings, as written on export (missing values blank)."""
        cols = [format_column(c) for c in self.columns]
        return [list(r) for r in zip(*cols)] if cols else []


def format_column(c: Column) -> list[str]:
    if c.kind == "categorical":
        cats = ["" if v is None else str(v) for v in c.categories]
        return [cats[i] for i in c.values]
    out = []
    for v in c.values:
        if math.isnan(v):
            out.append("")
        elif c.integer:
            out.append(str(int(round(v))))
        else:
            out.append(f"{v:.{c.decimals}f}")
    return out


def write_csv(table: Table, path: str | Path) -> None:
    """Write ``table`` as a comma-separated file with a header (missing values as blanks)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(table.names)
        w.writerows(table.rows())


# -- reading ---------------------------------------------------------------------------------------
def _as_number(s: str) -> float | None:
    try:
        v = float(s)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _is_missing(s: str) -> bool:
    return s.strip().lower() in MISSING


def read_text(data: str) -> tuple[str, str]:
    """(name, text) of a built-in table name or a CSV path."""
    if data in BUILTIN:
        p = resource("datasets", BUILTIN[data])
        raw = p.read_bytes()
        if p.suffix == ".gz":
            raw = gzip.decompress(raw)
        return data, raw.decode("utf-8")
    text = read_user_text(data, max_bytes=MAX_BYTES, error=TableError)
    return Path(data).name, text


def parse_csv(text: str, name: str = "table") -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV text: the delimiter is sniffed (comma, semicolon, tab, bar); the first
    row is a header unless one of its cells is a number. Ragged rows are refused, naming the line."""
    lines = text.split("\n")
    sample = "\n".join(lines[:50])
    try:
        delim = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = lines[0] if lines else ""
        counts = {d: first.count(d) for d in ",;\t|"}
        delim = max(counts, key=counts.get) if max(counts.values()) else ","
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if not row or all(not c.strip() for c in row):
                continue
            rows.append((reader.line_num, [c.strip() for c in row]))
            if len(rows) > MAX_ROWS + 1:
                raise TableError(f"{name}: more than {MAX_ROWS:,} rows (the limit); use a sample of it")
    except csv.Error as e:
        raise TableError(f"{name}: not a readable CSV file (line {reader.line_num}: {e})") from None
    if not rows:
        raise TableError(f"{name}: no rows")
    width = len(rows[0][1])
    for line, row in rows:
        if len(row) != width:
            raise TableError(f"{name}: line {line} has {len(row)} fields, expected {width} like line {rows[0][0]}")
    if width < 2:
        raise TableError(f"{name}: only one column (found no delimiter); a table needs at least 2 columns")
    if width > MAX_COLUMNS:
        raise TableError(f"{name}: {width} columns; at most {MAX_COLUMNS} are allowed (exclude some first)")
    first = rows[0][1]
    has_header = not any(_as_number(c) is not None for c in first)
    if has_header:
        header, body = first, [r for _, r in rows[1:]]
    else:
        header, body = [f"column{i + 1}" for i in range(width)], [r for _, r in rows]
    seen: dict[str, int] = {}
    names = []
    for i, h in enumerate(header):
        h = h or f"column{i + 1}"
        if h in seen:
            seen[h] += 1
            h = f"{h}_{seen[h]}"
        seen.setdefault(h, 1)
        names.append(h)
    if len(body) < MIN_ROWS:
        raise TableError(f"{name}: {len(body)} data row{'s' if len(body) != 1 else ''}; at least {MIN_ROWS} are "
                         "needed (a fifth is held out for testing)")
    return names, body


@dataclass
class ColumnInfo:
    """What the view's column table shows: the inferred type and whether the column is used."""
    name: str
    kind: str
    inferred: str
    n_missing: int
    n_unique: int
    numeric_ok: bool
    excluded: bool = False


def _split_names(s: str | list | tuple) -> list[str]:
    if isinstance(s, (list, tuple)):
        return [str(x) for x in s]
    return [x.strip() for x in str(s).split(",") if x.strip()]


def infer(names: list[str], body: list[list[str]], *, categorical="", numeric="", exclude="",
          name: str = "table") -> list[ColumnInfo]:
    """Each column's type: numeric when every present value is a number and there are at least
    NUMERIC_MIN_UNIQUE distinct ones, else categorical; ``categorical``/``numeric``/``exclude`` (comma-
    separated names) override. Unknown names and impossible overrides raise TableError."""
    cat_o, num_o, exc_o = (_split_names(x) for x in (categorical, numeric, exclude))
    for key, lst in (("categorical", cat_o), ("numeric", num_o), ("exclude", exc_o)):
        for n in lst:
            if n not in names:
                raise TableError(f"no column '{n}' in {name} (columns: {', '.join(names)})", key)
    infos = []
    for j, n in enumerate(names):
        present = [r[j] for r in body if not _is_missing(r[j])]
        nums = [_as_number(v) for v in present]
        numeric_ok = bool(present) and all(v is not None for v in nums)
        uniq = len(set(present))
        inferred = "numeric" if numeric_ok and uniq >= NUMERIC_MIN_UNIQUE else "categorical"
        kind = inferred
        if n in cat_o:
            kind = "categorical"
        if n in num_o:
            if not numeric_ok:
                bad = next(v for v, x in zip(present, nums) if x is None) if present else "(all missing)"
                raise TableError(f"column '{n}' has values that are not numbers, e.g. '{bad}'", "numeric")
            kind = "numeric"
        infos.append(ColumnInfo(n, kind, inferred, len(body) - len(present), uniq, numeric_ok, n in exc_o))
    if sum(not i.excluded for i in infos) < 2:
        raise TableError(f"{name}: fewer than 2 columns left after exclude; a table needs at least 2", "exclude")
    return infos


def build_table(names, body, infos: list[ColumnInfo], name: str = "table") -> Table:
    cols, notes = [], []
    for j, info in enumerate(infos):
        if info.excluded:
            continue
        raw = [r[j] for r in body]
        if info.kind == "numeric":
            vals = np.array([np.nan if _is_missing(v) else float(v) for v in raw], np.float64)
            present = [v for v in raw if not _is_missing(v)]
            decimals = max((len(v.split(".")[1]) if "." in v and "e" not in v.lower() else 0 for v in present),
                           default=0)
            integer = bool(np.all(np.isnan(vals) | (vals == np.round(vals)))) and decimals == 0
            cols.append(Column(info.name, "numeric", vals, [], min(decimals, 8), integer))
        else:
            keyed = [None if _is_missing(v) else v for v in raw]
            counts: dict = {}
            for v in keyed:
                counts[v] = counts.get(v, 0) + 1
            if len(counts) > MAX_CATEGORIES:
                keep = sorted(counts, key=lambda v: -counts[v])[: MAX_CATEGORIES - 1]
                notes.append(f"column '{info.name}': {len(counts):,} categories; kept the {MAX_CATEGORIES - 1} "
                             f"most frequent, the rest became '{OTHER}' (exclude={info.name} leaves it out)")
                keepset = set(keep)
                keyed = [v if v in keepset else OTHER for v in keyed]
                counts = {}
                for v in keyed:
                    counts[v] = counts.get(v, 0) + 1
            cats = sorted((c for c in counts if c is not None), key=_sort_key) + ([None] if None in counts else [])
            index = {c: i for i, c in enumerate(cats)}
            cols.append(Column(info.name, "categorical", np.array([index[v] for v in keyed], np.int64), cats))
        if cols[-1].constant:
            notes.append(f"column '{info.name}' has a single value: it is kept constant")
    return Table(cols, name, notes)


def _sort_key(v: str):
    x = _as_number(v)
    return (0, x, "") if x is not None else (1, 0.0, v)


def load_table(data: str, *, categorical="", numeric="", exclude="") -> Table:
    """Read, type and build the table named by ``data`` (a built-in name or a CSV path)."""
    name, text = read_text(data)
    names, body = parse_csv(text, name)
    infos = infer(names, body, categorical=categorical, numeric=numeric, exclude=exclude, name=name)
    table = build_table(names, body, infos, name)
    table.infos = infos
    return table


def inspect(data: str) -> list[ColumnInfo]:
    """The inferred columns of a file, for the view's column table (raises TableError)."""
    name, text = read_text(data)
    names, body = parse_csv(text, name)
    return infer(names, body, name=name)


def split(table: Table, holdout: float = HOLDOUT) -> tuple[Table, Table]:
    """(train, test): a fixed random ``holdout`` share of the rows is the real test set."""
    n = len(table)
    perm = np.random.default_rng(SPLIT_SEED).permutation(n)
    n_test = max(1, int(round(holdout * n)))
    return table.take(np.sort(perm[n_test:])), table.take(np.sort(perm[:n_test]))


_checked: dict[tuple, str | None] = {}


def check_source(data: str, categorical="", numeric="", exclude="") -> None:
    """Raise TableError if ``data`` with these overrides cannot be loaded (cached by file size and time, so
    config validation stays cheap). Built-in tables only have their column names checked."""
    if data in BUILTIN:
        p = resource("datasets", BUILTIN[data])
        opener = gzip.open if p.suffix == ".gz" else open
        with opener(p, "rt", encoding="utf-8") as f:
            names = next(csv.reader(f))
        for key, lst in (("categorical", categorical), ("numeric", numeric), ("exclude", exclude)):
            for n in _split_names(lst):
                if n not in names:
                    raise TableError(f"no column '{n}' in {data} (columns: {', '.join(names)})", key)
        if len(names) - len(set(_split_names(exclude))) < 2:
            raise TableError(f"{data}: fewer than 2 columns left after exclude", "exclude")
        return
    p = Path(data).expanduser()
    try:
        st = p.stat()
        stamp = (st.st_size, st.st_mtime_ns)
    except OSError:
        stamp = None
    key = (str(p), stamp, str(categorical), str(numeric), str(exclude))
    if key not in _checked:
        try:
            name, text = read_text(data)
            names, body = parse_csv(text, name)
            infer(names, body, categorical=categorical, numeric=numeric, exclude=exclude, name=name)
            _checked[key] = None
        except TableError as e:
            _checked[key] = (str(e), e.key)
        if len(_checked) > 64:
            _checked.pop(next(iter(_checked)))
    err = _checked[key]
    if err is not None:
        raise TableError(*err)
