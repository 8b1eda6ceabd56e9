"""A run's recording saved to one ``.pgrec`` file that loads without running code (Qt-free, torch-free:
NumPy, JSON and a zip file; no pickle anywhere). The in-memory :class:`Recording` (every full snapshot,
within a byte budget) is :mod:`playground.core.recording_frames`; it is importable from here too.

The file is a zip holding ``recording.json`` (format, version, lab, app version, config, the frames'
plain data with arrays referenced by number, the history) and ``arrays.npy``: one flat byte array
holding every array, each at a 16-byte-aligned offset given in the JSON with its dtype and shape.
Loading reads the JSON and one ``.npy`` with ``allow_pickle=False``; the arrays are views into it.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np

from .files import atomic_write
from .recording_frames import Recording, RecordingError, _iter_arrays, cut_history  # noqa: F401 - re-exported

FORMAT = "generative-ai-playground/recording"
VERSION = 1
EXTENSION = ".pgrec"
MAX_FILE_BYTES = 4 * 1024**3
_ALIGN = 16


# -- plain data <-> JSON + arrays -----------------------------------------------------------------------
_MARKERS = ("__array__", "__tuple__", "__items__")


def _encode(x, arrays: list, index: dict):
    """JSON-able form of a snapshot value; arrays go into ``arrays`` (once per object) and are
    referenced by number."""
    if isinstance(x, np.ndarray):
        key = id(x)
        if key not in index:
            index[key] = len(arrays)
            arrays.append(x)
        return {"__array__": index[key]}
    if isinstance(x, dict):
        if all(isinstance(k, str) for k in x) and not any(m in x for m in _MARKERS):
            return {k: _encode(v, arrays, index) for k, v in x.items()}
        return {"__items__": [[_encode(k, arrays, index), _encode(v, arrays, index)] for k, v in x.items()]}
    if isinstance(x, tuple):
        return {"__tuple__": [_encode(v, arrays, index) for v in x]}
    if isinstance(x, list):
        return [_encode(v, arrays, index) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    return str(x)


def _decode(x, arrays: list):
    if isinstance(x, dict):
        if "__array__" in x:
            return arrays[x["__array__"]]
        if "__tuple__" in x:
            return tuple(_decode(v, arrays) for v in x["__tuple__"])
        if "__items__" in x:
            return {_decode(k, arrays): _decode(v, arrays) for k, v in x["__items__"]}
        return {k: _decode(v, arrays) for k, v in x.items()}
    if isinstance(x, list):
        return [_decode(v, arrays) for v in x]
    return x


# -- files ------------------------------------------------------------------------------------------------
def _manifest(rec: Recording) -> tuple[dict, list[np.ndarray]]:
    arrays: list[np.ndarray] = []
    index: dict = {}
    frames = [{"step": s, "snap": _encode(f, arrays, index)} for s, f in rec.frames]
    history = _encode(rec.history, arrays, index)
    from .registry import all_labs

    spec = all_labs().get(rec.lab)
    man = {"format": FORMAT, "version": VERSION, "lab": rec.lab, "lab_version": getattr(spec, "version", 1),
           "app_version": rec.app_version, "config": rec.config, "meta": rec.meta, "stride": rec.stride,
           "frames": frames, "history": history}
    return man, arrays


def _layout(arrays: list[np.ndarray]) -> tuple[list[list], int]:
    table, off = [], 0
    for a in arrays:
        off = -(-off // _ALIGN) * _ALIGN
        table.append([off, a.dtype.str, list(a.shape)])
        off += a.nbytes
    return table, off


def estimate_size(rec: Recording) -> int:
    """Bytes the file will take (arrays, plus the JSON estimated per frame): shown before saving."""
    arrays = {id(a): a for _, f in rec.frames for a in _iter_arrays(f)}
    arrays.update({id(a): a for a in _iter_arrays(rec.history)})
    _, blob = _layout(list(arrays.values()))
    return blob + 200 + sum(16 + 16 * len(f) for _, f in rec.frames) * 12 // 10 + 4096


def save_recording(rec: Recording, path: str | os.PathLike) -> int:
    """Write the recording to ``path`` atomically (a temporary file renamed over it); returns its size."""
    path = Path(path)
    man, arrays = _manifest(rec)
    table, total = _layout(arrays)
    man["arrays"] = table
    blob = np.zeros(total, np.uint8)
    for (off, _, _), a in zip(table, arrays):
        blob[off: off + a.nbytes] = np.ascontiguousarray(a).view(np.uint8).reshape(-1)
    text = json.dumps(man, separators=(",", ":")).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(zipfile.ZipInfo("recording.json"), text, compress_type=zipfile.ZIP_DEFLATED)
        with zf.open("arrays.npy", "w", force_zip64=True) as out:
            np.lib.format.write_array(out, blob, allow_pickle=False)
    return path.stat().st_size


def load_recording(path: str | os.PathLike) -> Recording:
    """Read a ``.pgrec`` file. Anything else (empty, truncated, random bytes, pickled objects, a lab
    this app does not have) raises :class:`RecordingError` with one line naming the file."""
    from .files import check_user_file

    p = check_user_file(path, max_bytes=MAX_FILE_BYTES, error=RecordingError, label=str(path))
    name = str(path)
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            if names != {"recording.json", "arrays.npy"}:
                extra = sorted(names - {"recording.json", "arrays.npy"})
                why = f"unexpected entry '{extra[0]}'" if extra else "entries missing"
                raise RecordingError(f"{name}: not a Generative AI Playground recording ({why})")
            if zf.getinfo("recording.json").file_size > 512 * 2**20:
                raise RecordingError(f"{name}: not a Generative AI Playground recording (index too large)")
            man = json.loads(zf.read("recording.json").decode("utf-8"))
            blob = _map_block(p, zf) if zf.getinfo("arrays.npy").compress_type == zipfile.ZIP_STORED else None
            if blob is None:
                with zf.open("arrays.npy") as f:
                    blob = np.load(io.BytesIO(f.read()), allow_pickle=False)
    except RecordingError:
        raise
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise RecordingError(f"{name}: refused: the file contains pickled objects (it was not made by this "
                                 "app, or was tampered with)") from None
        raise RecordingError(f"{name}: not a readable recording ({_first_line(e)})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, UnicodeDecodeError) as e:
        raise RecordingError(f"{name}: not a readable recording ({_first_line(e)})") from None
    except Exception as e:  # noqa: BLE001 - a damaged file may fail in any reader; one line
        raise RecordingError(f"{name}: not a readable recording ({type(e).__name__}: {_first_line(e)})") from None
    return _from_manifest(man, blob, name)


def _map_block(path: Path, zf: zipfile.ZipFile) -> np.ndarray | None:
    """The stored (uncompressed) array block, memory-mapped copy-on-write: opening costs no reading or
    copying, pages load when a frame is shown. None when the entry is not a plain 1-D uint8 ``.npy``."""
    info = zf.getinfo("arrays.npy")
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local header")
        start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + \
            int.from_bytes(local[28:30], "little")
        f.seek(start)
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        data = f.tell()
    if dtype != np.uint8 or len(shape) != 1 or data + shape[0] > path.stat().st_size:
        return None if dtype == np.uint8 and len(shape) == 1 else _refuse_block(dtype)
    if shape[0] == 0:
        return np.zeros(0, np.uint8)
    return np.asarray(np.memmap(path, np.uint8, mode="c", offset=data, shape=(shape[0],)))  # plain ndarray views


def _refuse_block(dtype) -> None:
    if np.dtype(dtype).hasobject:
        raise ValueError("Object arrays cannot be loaded when allow_pickle=False")
    return None


def _first_line(e: BaseException) -> str:
    s = str(e).strip()
    return (s.splitlines()[0] if s else type(e).__name__)[:160]


def _from_manifest(man, blob, name: str) -> Recording:
    if not isinstance(man, dict) or man.get("format") != FORMAT:
        raise RecordingError(f"{name}: not a Generative AI Playground recording")
    if man.get("version") != VERSION:
        raise RecordingError(f"{name}: recording version {man.get('version')} is not supported "
                             f"(this app reads version {VERSION})")
    from .registry import all_labs

    lab = man.get("lab")
    labs = all_labs()
    if lab not in labs:
        raise RecordingError(f"{name}: a recording of the lab '{lab}', which this app does not have "
                             f"(it has: {', '.join(labs)})")
    if not isinstance(blob, np.ndarray) or blob.dtype != np.uint8 or blob.ndim != 1:
        raise RecordingError(f"{name}: not a readable recording (bad array block)")
    try:
        arrays = []
        for off, dt, shape in man["arrays"]:
            dtype = np.dtype(dt)
            if dtype.hasobject:
                raise RecordingError(f"{name}: refused: the file contains object arrays")
            n = math.prod(int(d) for d in shape) * dtype.itemsize
            if off < 0 or off + n > blob.size:
                raise RecordingError(f"{name}: not a readable recording (truncated array block)")
            a = blob[off: off + n].view(dtype).reshape(shape)
            arrays.append(a)
        frames = [(int(fr["step"]), _decode(fr["snap"], arrays)) for fr in man["frames"]]
        history = _decode(man.get("history", {}), arrays)
        config = man["config"]
        if not isinstance(config, dict):
            raise TypeError("config is not a table")
    except RecordingError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise RecordingError(f"{name}: not a readable recording (damaged index: {_first_line(e)})") from None
    from . import config as cfgmod

    try:
        cfgmod.validate(labs[lab].config_cls, config)
    except cfgmod.ConfigError as e:
        raise RecordingError(f"{name}: incompatible configuration ({e})") from None
    rec = Recording(lab, config, app_version=str(man.get("app_version", "")), meta=man.get("meta") or {},
                    max_bytes=max(300 * 2**20, blob.nbytes * 2))
    rec.lab_version = man.get("lab_version")
    rec.frames = sorted(frames, key=lambda f: f[0])
    rec._steps = [s for s, _ in rec.frames]
    rec._ids = list(range(len(rec.frames)))
    rec._count = len(rec.frames)
    rec.history = history if isinstance(history, dict) else {}
    rec._arrays_bytes = sum(a.nbytes for a in arrays)  # each array once: the file stores them so
    return rec
