"""Reading a text for the character-level language model, with one-line errors (torch-free:
the view checks a file the user opens before asking for a reset)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

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
    if not p.exists():
        raise ValueError(f"{name}: no such file")
    if not p.is_file():
        raise ValueError(f"{name}: not a file")
    size = p.stat().st_size
    if size == 0:
        raise ValueError(f"{name}: the file is empty")
    if size > MAX_BYTES:
        raise ValueError(f"{name}: {size / 1e6:.1f} MB is too large "
                         f"(at most {MAX_BYTES // 2**20} MB of text)")
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ValueError(f"{name}: cannot be read ({e.strerror or e})") from None
    if b"\x00" in raw[:65536]:
        raise ValueError(f"{name}: looks like a binary file, not text (it contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"{name}: not UTF-8 text (invalid byte 0x{raw[e.start]:02x} at offset {e.start}); "
                         "save it as UTF-8") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
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
