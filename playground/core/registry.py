"""Lab registry. Each ``playground/labs/<name>/__init__.py`` defines ``LAB = LabSpec(...)``; labs are
discovered by scanning the package, so a new lab slots in without touching the shell or the CLI.

Importing a lab package must stay cheap and torch-free: the Session and the view are named as
``"module:attr"`` strings and imported on first use.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache

from . import config as cfgmod
from .resources import lesson_text, load_presets

PRESET_META = ("description", "steps")  # preset entries that are not config keys


@dataclass
class LabSpec:
    name: str
    title: str
    config_cls: type
    session: str  # "module:Class" of the Session subclass (imports torch)
    view: str  # "module:Class" of the Qt view (imports Qt)
    default_preset: str = ""
    description: str = ""
    order: int = 100
    _presets: dict | None = field(default=None, repr=False)

    def session_cls(self):
        return _load(self.session)

    def view_cls(self):
        return _load(self.view)

    @property
    def presets(self) -> dict[str, dict]:
        if self._presets is None:
            self._presets = load_presets(self.name)
        return self._presets

    def preset_values(self, name: str) -> dict:
        if name not in self.presets:
            raise cfgmod.ConfigError("preset", name, "one of " + ", ".join(self.presets), "unknown preset")
        return {k: v for k, v in self.presets[name].items() if k not in PRESET_META}

    def preset_steps(self, name: str | None) -> int | None:
        """The preset's default length (``steps = N`` in its TOML table), or None."""
        if not name or name not in self.presets:
            return None
        steps = self.presets[name].get("steps")
        return int(steps) if steps is not None else None

    def make_config(self, preset: str | None = None, overrides: dict | None = None):
        """Config from the preset (or defaults) plus overrides, validated."""
        values = dict(self.preset_values(preset)) if preset else {}
        base = cfgmod.validate(self.config_cls, values)
        return cfgmod.validate(self.config_cls, overrides or {}, base=base)

    def make_session(self, config, device: str = "auto", seed: int = 0):
        return self.session_cls()(config, device=device, seed=seed)

    def lesson(self) -> str:
        return lesson_text(self.name)


def _load(path: str):
    mod, _, attr = path.partition(":")
    return getattr(importlib.import_module(mod), attr)


@lru_cache(maxsize=1)
def all_labs() -> dict[str, LabSpec]:
    import playground.labs as labs_pkg

    found = []
    for info in pkgutil.iter_modules(labs_pkg.__path__):
        if not info.ispkg:
            continue
        mod = importlib.import_module(f"playground.labs.{info.name}")
        spec = getattr(mod, "LAB", None)
        if isinstance(spec, LabSpec):
            found.append(spec)
    found.sort(key=lambda s: (s.order, s.name))
    return {s.name: s for s in found}


def get_lab(name: str) -> LabSpec:
    labs = all_labs()
    if name not in labs:
        raise cfgmod.ConfigError("lab", name, "one of " + ", ".join(labs), "unknown lab")
    return labs[name]
