"""Token vocabularies and parsing of user-typed sources (torch-free, shared by session and view).

Every task has a vocabulary whose first three tokens are the specials ``<pad>`` (0), ``<s>`` (1, start of
the answer) and ``</s>`` (2, end of the answer). A *source spec* (a small dict of plain data, sent to the
view in every snapshot) says how text typed by the user becomes token ids; :func:`parse_source` applies it
and raises ``ValueError`` with a one-line message for empty input, unknown symbols or a wrong length.
"""

from __future__ import annotations

from pathlib import Path

from playground.core.files import read_user_text

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ["<pad>", "<s>", "</s>"]
SYMBOLS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
            "eighteenth", "nineteenth", "twentieth", "thirtieth"]
TENS = ["twenty", "thirty"]
DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

MAX_TEXT_BYTES = 20 * 1024 * 1024
MAX_CHARS = 256


def day_words(day: int) -> list[str]:
    """Spell a day of the month as an ordinal: 21 -> ['twenty', 'first']."""
    if not 1 <= day <= 31:
        raise ValueError(f"day {day} is not in 1..31")
    if day <= 20:
        return [ORDINALS[day - 1]]
    if day < 30:
        return ["twenty", ORDINALS[day - 21]]
    return ["thirtieth"] if day == 30 else ["thirty", "first"]


def symbol_labels(n: int) -> list[str]:
    return SPECIALS + list(SYMBOLS[:n])


def translate_labels() -> list[str]:
    return SPECIALS + list("0123456789") + ["-", "of"] + MONTHS + ORDINALS + TENS


def addition_labels() -> list[str]:
    return SPECIALS + list("0123456789") + ["+"]


def _shown(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def parse_source(spec: dict, text: str) -> list[int]:
    """Token ids of a source typed by the user, checked against ``spec``. Raises ValueError."""
    kind, labels = spec["kind"], spec["labels"]
    index = {lab: i for i, lab in enumerate(labels)}
    lo, hi = int(spec.get("min_len", 1)), int(spec["max_len"])
    if kind == "chars":
        if not text:
            raise ValueError("the prompt is empty: type a few characters")
        bad = sorted({c for c in text if c not in index or index[c] < len(SPECIALS)})
        if bad:
            shown = ", ".join(repr(c) for c in bad[:5])
            raise ValueError(f"unknown character(s) {shown}: not in this text's alphabet")
        if len(text) > hi:
            raise ValueError(f"the prompt is too long: {len(text)} characters, at most {hi}")
        return [index[c] for c in text]
    stripped = text.strip()
    if not stripped:
        raise ValueError("the input is empty: type a source sequence" +
                         (f", e.g. {spec['example']}" if spec.get("example") else ""))
    if kind == "words":
        toks: list[str] = []
        for w in stripped.lower().replace(",", " ").split():
            toks.extend(list(w) if w.isdigit() else [w])
    elif kind == "symbols":
        toks = [c.upper() for c in stripped if not c.isspace() and c != ","]
    else:  # addition
        toks = [c for c in stripped if not c.isspace()]
    bad = [t for t in toks if t not in index or index[t] < len(SPECIALS)]
    if bad:
        allowed = spec.get("allowed") or ", ".join(labels[len(SPECIALS):])
        raise ValueError(f"unknown symbol '{_shown(bad[0], 16)}': allowed are {allowed}")
    if kind == "addition":
        parts = "".join(toks).split("+")
        nd = int(spec["digits"])
        if len(parts) != 2 or not parts[0] or not parts[1]:
            ex = spec.get("example", "12+345")
            raise ValueError(f"write a sum as two numbers joined by '+', e.g. {ex}")
        for p in parts:
            if len(p) > nd:
                raise ValueError(f"the number {_shown(p)} is too long: at most {nd} digits")
    if len(toks) > hi:
        raise ValueError(f"the input is too long: {len(toks)} symbols, at most {hi}")
    if len(toks) < lo:
        what = f"exactly {hi}" if lo == hi else f"at least {lo}"
        raise ValueError(f"the input is too short: {len(toks)} symbols, this model reads {what}")
    return [index[t] for t in toks]


# -- text loading for charlm --------------------------------------------------------------------------------
def load_text(path: str | Path) -> str:
    """Read a UTF-8 text file for charlm. Raises ValueError with a one-line reason when it is unusable."""
    p = Path(path).expanduser()
    text = read_user_text(p, max_bytes=MAX_TEXT_BYTES, label=str(p))
    if not text.strip():
        raise ValueError(f"{p}: the file has no text (only white space)")
    if len(text) < 64:
        raise ValueError(f"{p}: the text is too short ({len(text)} characters, at least 64)")
    n = len(set(text))
    if n > MAX_CHARS:
        raise ValueError(f"{p}: {n} distinct characters, at most {MAX_CHARS} for a character model")
    return text


def corpus_path(name: str) -> Path:
    """'tiny' -> the shipped corpus; anything else is a user path."""
    if name == "tiny":
        from playground.core.resources import resource

        return resource("corpora", "transformer_tiny.txt")
    return Path(name).expanduser()
