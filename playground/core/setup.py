"""Shareable setups: a lab, a preset, a seed and the changed keys as a short TOML snippet.

```toml
lab = "gan"
preset = "ring8-wgan-gp"   # optional
seed = 3                   # optional
[set]                      # the changed keys, validated exactly like --set
lr_g = 0.0002
[classroom]                # optional: keys the parameter panel hides or locks
hide = ["beta1", "beta2"]
lock = ["loss"]
```

:func:`parse_setup` reads and validates one (a bad one raises :class:`SetupError` or
:class:`~playground.core.config.ConfigError`, one line naming the key and what is allowed);
:func:`format_setup` writes one (a small TOML writer: strings, numbers, booleans, lists of strings).
Qt-free and torch-free.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import config as cfgmod

TOP_KEYS = ("lab", "preset", "seed", "set", "classroom")
CLASSROOM_KEYS = ("hide", "lock")
MAX_SEED = 2**31 - 1
MAX_BYTES = 256 * 1024


class SetupError(ValueError):
    """A text that is not a usable setup; ``str(err)`` is one line saying why."""


@dataclass
class Setup:
    lab: str
    preset: str | None = None
    seed: int | None = None
    set: dict[str, Any] = field(default_factory=dict)
    hide: list[str] = field(default_factory=list)
    lock: list[str] = field(default_factory=list)

    def spec(self):
        from .registry import get_lab

        return get_lab(self.lab)

    def config(self):
        """The validated config: the preset (or defaults) plus the changed keys."""
        return self.spec().make_config(self.preset, self.set)


def parse_setup(text: str) -> Setup:
    """Parse and validate a setup. Raises SetupError (not TOML, a misplaced entry) or ConfigError (an
    unknown lab, preset or key, a value out of range), each one line."""
    from .registry import get_lab

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SetupError(f"not a setup: TOML error: {str(e).splitlines()[0]}") from None
    extra = [k for k in data if k not in TOP_KEYS]
    if extra:
        raise SetupError(f"unknown entry '{extra[0]}'; allowed: {', '.join(TOP_KEYS)}")
    lab = data.get("lab")
    if not isinstance(lab, str):
        raise SetupError("not a setup: `lab = \"NAME\"` is missing")
    spec = get_lab(lab)  # ConfigError: unknown lab, naming the labs
    preset = data.get("preset")
    if preset is not None:
        if not isinstance(preset, str):
            raise cfgmod.ConfigError("preset", preset, "one of " + ", ".join(spec.presets), "not a string")
        spec.preset_values(preset)  # ConfigError: unknown preset
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED):
        raise cfgmod.ConfigError("seed", seed, f"an integer in [0, {MAX_SEED}]")
    changes = data.get("set", {})
    if not isinstance(changes, dict):
        raise SetupError("[set] must be a table of KEY = VALUE")
    for k, v in changes.items():
        if isinstance(v, (dict, list)):
            raise cfgmod.ConfigError(k, v, _allowed(spec, k), "not a single value")
    spec.make_config(preset, changes)  # ConfigError naming the key and its range, exactly like --set
    room = data.get("classroom", {})
    if not isinstance(room, dict):
        raise SetupError("[classroom] must be a table with hide = [...] and lock = [...]")
    bad = [k for k in room if k not in CLASSROOM_KEYS]
    if bad:
        raise SetupError(f"[classroom] unknown entry '{bad[0]}'; allowed: hide, lock")
    keys = [p.name for p in cfgmod.params(spec.config_cls)]
    lists = {}
    for name in CLASSROOM_KEYS:
        items = room.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise SetupError(f"[classroom] {name} must be a list of key names")
        for i in items:
            if i not in keys:
                raise cfgmod.ConfigError(f"classroom.{name}", i, "one of " + ", ".join(keys), "unknown key")
        lists[name] = list(dict.fromkeys(items))
    return Setup(lab=lab, preset=preset, seed=seed, set=dict(changes), hide=lists["hide"], lock=lists["lock"])


def _allowed(spec, key: str) -> str:
    try:
        return cfgmod.param_info(spec.config_cls, key).allowed()
    except KeyError:
        return "a known key"


def load_setup(path: str | Path) -> Setup:
    """Read a setup file; a missing, huge or undecodable file raises SetupError naming it."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise SetupError(f"{path}: too large for a setup ({p.stat().st_size:,} bytes)")
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
        raise SetupError(f"{path}: cannot read ({why})") from None
    return parse_setup(text)


def setup_from_config(lab: str, preset: str | None, config, seed: int | None = None,
                      hide=(), lock=()) -> Setup:
    """The setup that rebuilds ``config``: the keys that differ from the preset (or the defaults)."""
    from .registry import get_lab

    base = get_lab(lab).make_config(preset)
    return Setup(lab=lab, preset=preset or None, seed=seed, set=cfgmod.diff(base, config),
                 hide=list(hide), lock=list(lock))


# -- writing ---------------------------------------------------------------------------------------
def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        text = repr(v)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a TOML basic string: JSON's escapes are TOML's
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(i) for i in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to a setup")


def _toml_key(k: str) -> str:
    return k if k and all(c.isalnum() or c in "_-" for c in k) else json.dumps(k)


def format_setup(setup: Setup) -> str:
    """The setup as TOML; ``parse_setup(format_setup(s))`` gives ``s`` back."""
    lines = [f"lab = {_toml_value(setup.lab)}"]
    if setup.preset:
        lines.append(f"preset = {_toml_value(setup.preset)}")
    if setup.seed is not None:
        lines.append(f"seed = {int(setup.seed)}")
    if setup.set:
        lines += ["", "[set]"] + [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in setup.set.items()]
    if setup.hide or setup.lock:
        lines += ["", "[classroom]"]
        if setup.hide:
            lines.append(f"hide = {_toml_value(list(setup.hide))}")
        if setup.lock:
            lines.append(f"lock = {_toml_value(list(setup.lock))}")
    return "\n".join(lines) + "\n"
