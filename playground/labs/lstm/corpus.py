"""Reading a text for the character-level language model, with one-line errors (torch-free:
the view checks a file the user opens before asking for a reset)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from playground.core.files import read_user_text
from playground.core.resources import resource

MAX_BYTES = 20 * 1024 * 1024
MIN_CHARS = 200


def builtin_path() -> Path:
    return resource("corpora", "lstm_tiny.txt")


def load_text(path: str | Path, min_chars: int = MIN_CHARS) -> str:
    """The text of a UTF-8 file. Raises ValueError with a one-line reason for a missing, empty,
    binary, non-UTF-8, too short or too large file."""
    if str(path) in ("", "builtin"):
        path = builtin_path()
    p = Path(path).expanduser()
    name = p.name or str(p)
    text = read_user_text(p, max_bytes=MAX_BYTES)
    if not text.strip():
        raise ValueError(f"{name}: the file contains only whitespace")
    if len(text) < min_chars:
        raise ValueError(f"{name}: only {len(text)} characters; at least {min_chars} are needed")
    return text


def text_problem(path: str, min_chars: int = MIN_CHARS) -> str | None:
    """The one-line reason ``path`` cannot be used as a text, or None when it can. Cached on the
    file's size and modification time, so validating a config again is free."""
    try:
        st = os.stat(Path(path).expanduser())
        key = (st.st_size, st.st_mtime_ns)
    except OSError:
        key = None
    return _problem(str(path), key, min_chars)


@lru_cache(maxsize=16)
def _problem(path: str, _key, min_chars: int) -> str | None:
    try:
        load_text(path, min_chars=min_chars)
    except ValueError as e:
        return str(e)
    return None
