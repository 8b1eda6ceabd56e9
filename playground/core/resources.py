"""Find the top-level ``resources/`` folder from a checkout or from an installed wheel."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    pkg = Path(__file__).resolve().parent.parent  # .../playground
    for cand in (pkg / "resources", pkg.parent / "resources"):  # wheel, then checkout
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
