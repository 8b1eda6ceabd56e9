"""Find the top-level ``resources/`` folder from a checkout, an installed wheel or a frozen app (PyInstaller)."""

from __future__ import annotations

import sys
import tomllib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    pkg = Path(__file__).resolve().parent.parent  # .../playground
    cands = [pkg / "resources", pkg.parent / "resources"]  # wheel, then checkout
    frozen = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle's data folder (packaging/pyinstaller)
    if frozen:
        cands.insert(0, Path(frozen) / "playground" / "resources")
    for cand in cands:
        if (cand / "presets").is_dir():
            return cand
    raise FileNotFoundError(f"playground resources not found next to {pkg}")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def load_presets(lab: str) -> dict[str, dict]:
    """Presets of a lab from ``resources/presets/<lab>.toml``: {name: {description, values...}}."""
    path = resource("presets", f"{lab}.toml")
    if not path.exists():
        return {}
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return {name: dict(values) for name, values in data.items()}


def lesson_text(lab: str) -> str:
    path = resource("lessons", f"{lab}.md")
    return path.read_text(encoding="utf-8") if path.exists() else ""
