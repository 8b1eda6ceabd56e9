"""Save and resume a whole session in one file, safely.

The file is a ``torch.save`` of plain data (dicts, lists, numbers, strings, tensors). Loading uses
``torch.load(weights_only=True)``, which refuses to run code: a crafted pickle is rejected, never
executed. Saving writes a temporary file next to the target, fsyncs it and renames it over the
target, so an interrupted save leaves the previous file intact.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from .files import atomic_write, check_user_file

FORMAT = "generative-ai-playground/checkpoint"
VERSION = 1
MAX_BYTES = 2 * 1024**3


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint; the message says why in one line."""


def save_state(state: dict, path: str | os.PathLike) -> Path:
    path = Path(path)
    payload = {"format": FORMAT, "version": VERSION, **state}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as f:
        torch.save(payload, f)
    return path


def load_state(path: str | os.PathLike, lab: str | None = None) -> dict[str, Any]:
    path = check_user_file(path, max_bytes=MAX_BYTES, error=CheckpointError, label=str(path))
    with open(path, "rb") as f:
        head = f.read(4)
    if head != b"PK\x03\x04" and head[:1] != b"\x80":  # neither torch's zip format nor a pickle
        raise CheckpointError(f"{path}: not a readable checkpoint (unknown file format)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle refused, truncated zip, random bytes...
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if "weights_only" in str(e) or "Unsupported global" in str(e):
            raise CheckpointError(f"{path}: refused: the file contains code or objects that are not plain "
                                  "data (it was not made by this app, or was tampered with)") from None
        raise CheckpointError(f"{path}: not a readable checkpoint ({first[:160]})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a Generative AI Playground checkpoint")
    if state.get("version") != VERSION:
        raise CheckpointError(f"{path}: checkpoint version {state.get('version')} is not supported "
                              f"(this app reads version {VERSION})")
    if lab is not None and state.get("lab") != lab:
        raise CheckpointError(f"{path}: this checkpoint is for the '{state.get('lab')}' lab, not '{lab}'")
    return state


def save_session(session, path) -> Path:
    return save_state(session.state_dict(), path)


def load_session(path, registry_lab=None, device: str = "auto"):
    """Rebuild a session from a checkpoint: its lab, config, weights, optimizers, RNG and history."""
    from . import config as cfgmod
    from .registry import get_lab

    state = load_state(path, lab=registry_lab)
    spec = get_lab(state["lab"])
    try:
        cfg = cfgmod.validate(spec.config_cls, state["config"])
    except cfgmod.ConfigError as e:
        raise CheckpointError(f"{path}: incompatible configuration ({e})") from None
    session = spec.session_cls()(cfg, device=device, seed=int(state.get("seed", 0)))
    try:
        session.load_state_dict(state)
    except (RuntimeError, ValueError, KeyError, TypeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CheckpointError(f"{path}: does not fit this lab's models ({first[:160]})") from None
    return session
