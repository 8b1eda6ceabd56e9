"""Reading files a user opens (points, text corpora), with one-line reasons for refusing them.

Torch-free and Qt-free: views call it before anything reaches a session.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

_umask: int | None = None


def _current_umask() -> int:
    """The process's umask, read once when first needed (not at import): from /proc where Linux offers it,
    else by setting it and putting it back (os.umask can only be read that way)."""
    global _umask
    if _umask is None:
        try:
            with open("/proc/self/status") as f:
                _umask = next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
        except (OSError, StopIteration, ValueError, IndexError):
            _umask = os.umask(0o022)
            os.umask(_umask)
    return _umask


@contextmanager
def atomic_write(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` only once it is fully written and synced to disk; on any error
    (a crash, Ctrl+C) the temporary file is removed and ``path`` is left as it was. The new file gets the
    old one's permissions, or those ``open`` would give (mkstemp's own are owner-only)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_current_umask()
            os.chmod(tmp, mode)
        except OSError:
            pass  # permissions are a nicety: the write still goes through
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def check_user_file(path: str | Path, *, max_bytes: int, error: type[Exception] = ValueError,
                    label: str | None = None) -> Path:
    """The path, if it names a non-empty file of at most ``max_bytes``; else ``error`` with one line."""
    p = Path(path).expanduser()
    name = label or p.name or str(p)
    if not p.exists():
        raise error(f"{name}: no such file")
    if not p.is_file():
        raise error(f"{name}: not a file")
    size = p.stat().st_size
    if size == 0:
        raise error(f"{name}: the file is empty")
    if size > max_bytes:
        raise error(f"{name}: {size / 1e6:.1f} MB is too large (over the {max_bytes // 2**20} MB limit)")
    return p


def read_user_text(path: str | Path, *, max_bytes: int, error: type[Exception] = ValueError,
                   label: str | None = None) -> str:
    """The text of a UTF-8 file (BOM removed, newlines normalised to ``\\n``).

    Raises ``error`` with a one-line message naming the file for a missing, empty, too large, unreadable,
    binary or non-UTF-8 file. Size is checked before anything is read, so a huge file costs nothing.
    """
    p = check_user_file(path, max_bytes=max_bytes, error=error, label=label)
    name = label or p.name or str(p)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise error(f"{name}: cannot be read ({e.strerror or e})") from None
    if b"\x00" in raw[:65536]:
        raise error(f"{name}: looks like a binary file, not text (it contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise error(f"{name}: not UTF-8 text (invalid byte 0x{raw[e.start]:02x} at offset {e.start}); "
                    "save it as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sweep_stale_folders(prefix: str, tmp: str | None = None) -> int:
    """Remove temp folders named ``<prefix><pid>-...`` whose process is gone (a killed app never ran its
    clean-up). Folders of live processes, of other users and of this process are kept; nothing is done on
    Windows (no cheap, safe liveness check there). Returns how many were removed."""
    if os.name == "nt":
        return 0
    tmp = tmp or tempfile.gettempdir()
    pattern = re.compile(re.escape(prefix) + r"(\d+)-")
    try:
        names = os.listdir(tmp)
    except OSError:
        return 0
    removed = 0
    for name in names:
        m = pattern.match(name)
        if m is None or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
            continue  # alive
        except ProcessLookupError:
            pass
        except (OverflowError, OSError):
            continue  # another user's process, or an impossible id: not ours to judge
        shutil.rmtree(os.path.join(tmp, name), ignore_errors=True)
        removed += 1
    return removed
