"""The image lab's data, torch-free and Qt-free (the view checks a folder before anything reaches a session).

- ``mnist``: 5,000 MNIST digits (28×28, 500 per class), ``resources/datasets/mnist_5k.csv.gz``;
- ``digits``: the 1,797 UCI optical digits (8×8, grey levels 0–16), ``resources/datasets/uci_digits.csv.gz``;
- a folder of PNG/JPEG/BMP/WebP pictures, decoded with Pillow, converted to grey or RGB, centre-cropped
  and resized. Bad folders raise :class:`ImageFolderError` with one line; unreadable files are skipped
  and counted, never fatal.

Every loader returns an :class:`ImageData`: float32 images (N, C, S, S) in [0, 1] plus labels for the
digit sets.
"""

from __future__ import annotations

import gzip
import hashlib
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from playground.core.resources import resource

SHIPPED = {"mnist": ("mnist_5k.csv.gz", 28, 255.0), "digits": ("uci_digits.csv.gz", 8, 16.0)}
EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
MAX_FILES = 5000  # a folder's first this-many images (sorted by path) are used; the rest are ignored
MAX_PIXELS = 40_000_000  # a picture with more pixels is refused unread (a decompression bomb guard)
MAX_FILE_BYTES = 50 * 2**20
MIN_IMAGES = 16
DATASETS_HELP = "PNG, JPEG, BMP or WebP; grey or RGB; centre-cropped and resized to the image size"


class ImageFolderError(ValueError):
    """A folder that cannot be used; the message is one line naming the problem."""


@dataclass
class ImageData:
    images: np.ndarray  # (N, C, S, S) float32 in [0, 1]
    labels: np.ndarray | None  # (N,) int64 class of each image, or None (a user's folder)
    name: str  # "mnist", "digits" or the folder's name
    note: str = ""  # what happened while loading (skipped files, a cap)
    digest: str = ""  # a short hash of the source data (the classifier cache's key)

    @property
    def size(self) -> int:
        return int(self.images.shape[-1])

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])


# -- shipped digit sets ---------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _raw(name: str) -> tuple[np.ndarray, np.ndarray, str]:
    """(pixels (N, side, side) uint8 scaled to 0..255, labels (N,), sha256 prefix) of a shipped set."""
    fname, side, top = SHIPPED[name]
    blob = resource("datasets", fname).read_bytes()
    text = gzip.decompress(blob).replace(b"\n", b",")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        flat = np.fromstring(text, dtype=np.float64, sep=",")  # 10× faster than loadtxt here
    rows = flat.reshape(-1, side * side + 1)
    pix = np.clip(np.rint(rows[:, :-1] * (255.0 / top)), 0, 255).astype(np.uint8).reshape(-1, side, side)
    return pix, rows[:, -1].astype(np.int64), hashlib.sha256(blob).hexdigest()[:12]


def _resize_stack(pix: np.ndarray, size: int) -> np.ndarray:
    """(N, h, w) uint8 -> (N, size, size) float32 in [0, 1] (bilinear; unchanged when already that size)."""
    if pix.shape[-1] == size:
        return pix.astype(np.float32) / 255.0
    from PIL import Image

    out = np.empty((len(pix), size, size), np.float32)
    for i, p in enumerate(pix):
        out[i] = np.asarray(Image.fromarray(p).resize((size, size), Image.BILINEAR), np.float32)
    return out / 255.0


def load_digits(name: str, size: int) -> ImageData:
    """A shipped digit set at ``size`` × ``size`` (grey, one channel)."""
    pix, labels, digest = _raw(name)
    return ImageData(_resize_stack(pix, size)[:, None], labels, name, digest=digest)


# -- a user's folder -----------------------------------------------------------------------------------
def _candidates(folder: Path) -> tuple[list[Path], bool]:
    """Image files under ``folder`` (recursively, sorted), at most MAX_FILES; and whether more were left out."""
    found: list[Path] = []
    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() in EXTENSIONS and p.is_file():
            if len(found) == MAX_FILES:
                return found, True
            found.append(p)
    return found, False


def _decode(path: Path, size: int, rgb: bool) -> np.ndarray:
    """One picture -> (size, size) or (size, size, 3) uint8, centre-cropped to a square and resized."""
    from PIL import Image, ImageOps

    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError("file too large")
    with Image.open(path) as im:
        w, h = im.size
        if w * h > MAX_PIXELS:
            raise OverflowError(f"{w}×{h} pixels")
        im.draft("RGB" if rgb else "L", (2 * size, 2 * size))  # JPEG: decode at a reduced scale, much faster
        im = ImageOps.exif_transpose(im)
        if im.mode in ("RGBA", "LA", "P", "PA") or "transparency" in im.info:
            im = im.convert("RGBA")
            bg = Image.new("RGBA", im.size, (255, 255, 255, 255))  # transparent areas become white
            im = Image.alpha_composite(bg, im)
        im = im.convert("RGB" if rgb else "L")
        im = ImageOps.fit(im, (size, size), Image.BILINEAR, centering=(0.5, 0.5))
        return np.asarray(im, np.uint8)


def load_image_folder(path: str | Path, size: int, channels: int = 1) -> ImageData:
    """Every PNG/JPEG/BMP/WebP picture under ``path`` as (N, C, size, size) in [0, 1].

    Raises ImageFolderError (one line) for a missing or empty folder, a folder without readable pictures
    or with fewer than MIN_IMAGES. Corrupt, truncated and oversized files are skipped and counted in
    ``note``; more than MAX_FILES pictures are capped (also said in ``note``)."""
    from PIL import Image

    folder = Path(path).expanduser()
    label = str(folder)
    if not folder.exists():
        raise ImageFolderError(f"{label}: no such folder")
    if not folder.is_dir():
        raise ImageFolderError(f"{label}: not a folder (choose a folder of pictures)")
    try:
        files, capped = _candidates(folder)
    except OSError as e:
        raise ImageFolderError(f"{label}: cannot be read ({e.strerror or e})") from None
    if not files:
        empty = not any(folder.iterdir())
        raise ImageFolderError(f"{label}: " + ("the folder is empty" if empty else
                                               "no PNG, JPEG, BMP or WebP pictures in it"))
    rgb = channels == 3
    images, bad, bombs = [], 0, 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        for f in files:
            try:
                images.append(_decode(f, size, rgb))
            except (OverflowError, Image.DecompressionBombError, Image.DecompressionBombWarning):
                bombs += 1
            except Exception:  # noqa: BLE001 - corrupt, truncated, unsupported: skipped and counted
                bad += 1
    notes = []
    if bad:
        notes.append(f"skipped {bad} unreadable file{'s' if bad > 1 else ''} (corrupt or truncated)")
    if bombs:
        notes.append(f"refused {bombs} oversized picture{'s' if bombs > 1 else ''} "
                     f"(over {MAX_PIXELS // 1_000_000} million pixels)")
    if capped:
        notes.append(f"used the first {MAX_FILES:,} pictures only")
    if len(images) < MIN_IMAGES:
        why = f"; {'; '.join(notes)}" if notes else ""
        raise ImageFolderError(f"{label}: {len(images)} usable picture{'s' if len(images) != 1 else ''}, "
                               f"at least {MIN_IMAGES} are needed{why}")
    arr = np.stack(images).astype(np.float32) / 255.0  # (N, S, S) or (N, S, S, 3)
    arr = arr[:, None] if arr.ndim == 3 else arr.transpose(0, 3, 1, 2)
    digest = hashlib.sha256(arr[: min(64, len(arr))].tobytes()).hexdigest()[:12]
    return ImageData(np.ascontiguousarray(arr), None, folder.name or label, "; ".join(notes), digest)


def load(data: str, size: int, channels: int = 1) -> ImageData:
    """``data`` is "mnist", "digits" or a folder path."""
    if data in SHIPPED:
        return load_digits(data, size)
    return load_image_folder(data, size, channels)


def eval_indices(labels: np.ndarray | None, n: int, count: int, seed: int = 1234) -> np.ndarray:
    """A fixed subset of ``count`` images for the metrics and views, stratified by class when labelled, in a
    shuffled order (so any prefix of it is a fair mix of classes too)."""
    rng = np.random.default_rng(seed)
    if labels is None or count >= n:
        return rng.permutation(n)[: min(count, n)]
    classes = np.unique(labels)
    per = count // len(classes)
    idx = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:per] for c in classes])
    return rng.permutation(idx)
