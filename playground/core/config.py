"""Config dataclasses with ranges and help text, and validation with clear errors.

A lab's config is a plain ``@dataclass`` whose fields are declared with :func:`param`::

    @dataclass
    class GanConfig:
        lr_g: float = param(1e-3, "Generator learning rate", lo=1e-6, hi=1.0, log=True, live=True)
        loss: str = param("wgan-gp", "Loss", choices=("minimax", "wgan-gp"))

``live=True`` marks keys that can change mid-run without rebuilding the session.
:func:`validate` builds a config from overrides (values or strings, as typed on the CLI) and
raises :class:`ConfigError` naming the key, the value and what is allowed.

Qt-free and torch-free: the GUI imports this before torch is loaded.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import Any


class ConfigError(ValueError):
    """A bad config value. ``str(err)`` is one line naming key, value and the allowed range."""

    def __init__(self, key: str, value: Any, allowed: str, reason: str = ""):
        self.key, self.value, self.allowed = key, value, allowed
        shown = repr(value) if not isinstance(value, str) else f"'{value}'"
        msg = f"{key}={shown}: {reason + '; ' if reason else ''}allowed: {allowed}"
        super().__init__(msg)


@dataclass(frozen=True)
class ParamInfo:
    """Metadata of one config key (what the parameter panel and `playground list` show)."""

    name: str
    type: type
    default: Any
    help: str
    lo: float | None = None
    hi: float | None = None
    choices: tuple | None = None
    live: bool = False
    log: bool = False
    path_ok: bool = False  # str keys: a file path is accepted besides the choices
    group: str = ""
    step: float | None = None
    when: tuple | None = None  # ((key, (values, ...)), ...): applies only when each named key has one of them

    def applies(self, config: Any) -> bool:
        """Whether this key matters for ``config`` (a dataclass or a dict); validation accepts it either way."""
        if not self.when:
            return True
        get = config.get if isinstance(config, Mapping) else (lambda k: getattr(config, k))
        return all(get(k) in vals for k, vals in self.when)

    def when_text(self) -> str:
        """When the key applies, as ``playground list`` and the panel say it: 'task: sine' ('' if always)."""

        def show(v: Any) -> str:
            return str(v).lower() if isinstance(v, bool) else str(v)

        return "; ".join(f"{k}: {', '.join(show(v) for v in vals)}" for k, vals in self.when or ())

    def allowed(self) -> str:
        if self.type is bool:
            return "true or false"
        if self.choices is not None:
            extra = " or a path to a file" if self.path_ok else ""
            return "one of " + ", ".join(str(c) for c in self.choices) + extra
        if self.type in (int, float) and (self.lo is not None or self.hi is not None):
            kind = "an integer" if self.type is int else "a number"
            return f"{kind} in [{_fmt(self.lo)}, {_fmt(self.hi)}]"
        if self.type is int:
            return "an integer"
        if self.type is float:
            return "a finite number"
        return "a string"


def _fmt(x: float | None) -> str:
    if x is None:
        return "…"
    if isinstance(x, float) and (abs(x) >= 1e4 or (x != 0 and abs(x) < 1e-3)):
        return f"{x:g}"
    return str(x)


def param(default: Any, help: str, *, lo: float | None = None, hi: float | None = None,
          choices: Sequence | None = None, live: bool = False, log: bool = False,
          path_ok: bool = False, group: str = "", step: float | None = None,
          when: Mapping[str, Sequence] | None = None) -> Any:
    """Declare a config field with its help text, allowed range/choices and mutability.

    ``when={"task": ("sine",)}`` says the key only applies to those values of another key (the panel hides
    it otherwise, ``playground list`` shows it per task); validation still accepts any value."""
    when_t = tuple((k, tuple(v)) for k, v in when.items()) if when else None
    meta = dict(help=help, lo=lo, hi=hi, choices=tuple(choices) if choices is not None else None,
                live=live, log=log, path_ok=path_ok, group=group, step=step, when=when_t)
    return field(default=default, metadata=meta)


def params(cls_or_obj) -> list[ParamInfo]:
    """The ParamInfo of every field of a config dataclass, in declaration order."""
    cls = cls_or_obj if isinstance(cls_or_obj, type) else type(cls_or_obj)
    out = []
    for f in fields(cls):
        m = f.metadata
        typ = f.type if isinstance(f.type, type) else {"int": int, "float": float, "str": str,
                                                       "bool": bool}[str(f.type)]
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        out.append(ParamInfo(f.name, typ, default, m.get("help", ""), m.get("lo"), m.get("hi"),
                             m.get("choices"), m.get("live", False), m.get("log", False),
                             m.get("path_ok", False), m.get("group", ""), m.get("step"), m.get("when")))
    return out


def param_info(cls_or_obj, key: str) -> ParamInfo:
    for p in params(cls_or_obj):
        if p.name == key:
            return p
    raise KeyError(key)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def coerce(p: ParamInfo, value: Any) -> Any:
    """Convert ``value`` (possibly a string from the CLI) to the key's type and check it."""
    v = value
    if p.type is bool:
        if isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
            v = v.strip().lower() in _TRUE
        elif isinstance(v, (bool, int)) and not isinstance(v, float) and v in (0, 1):
            v = bool(v)
        else:
            raise ConfigError(p.name, value, p.allowed(), "not a boolean")
        return v
    if p.type in (int, float):
        if isinstance(v, bool):
            raise ConfigError(p.name, value, p.allowed(), "not a number")
        if isinstance(v, str):
            try:
                v = _parse_int(v) if p.type is int and _is_int_text(v) else float(v.strip())
            except ValueError:
                raise ConfigError(p.name, value, p.allowed(), "not a number") from None
        if not isinstance(v, (int, float)):
            raise ConfigError(p.name, value, p.allowed(), "not a number")
        if isinstance(v, float) and not math.isfinite(v):
            raise ConfigError(p.name, value, p.allowed(), "not finite")
        if p.type is int:
            if isinstance(v, float):
                if not v.is_integer():
                    raise ConfigError(p.name, value, p.allowed(), "not an integer")
                v = int(v)
        else:
            v = float(v)
        if (p.lo is not None and v < p.lo) or (p.hi is not None and v > p.hi):
            raise ConfigError(p.name, value, p.allowed(), "out of range")
        return v
    # strings
    if not isinstance(v, str):
        raise ConfigError(p.name, value, p.allowed(), "not a string")
    if p.choices is not None and v not in p.choices:
        if p.path_ok and _looks_like_path(v):
            return v
        raise ConfigError(p.name, value, p.allowed(), "unknown choice")
    return v


def _is_int_text(s: str) -> bool:
    return s.strip().lstrip("+-").isdigit()


def _parse_int(s: str) -> int:
    s = s.strip()
    try:
        return int(s)
    except ValueError:
        f = float(s)  # accept "1e3"
        if not math.isfinite(f) or not f.is_integer():
            raise
        return int(f)


def _looks_like_path(v: str) -> bool:
    return any(c in v for c in "/\\.") or v.endswith((".csv", ".txt"))


def validate(cls: type, overrides: Mapping[str, Any] | None = None, base: Any = None) -> Any:
    """Build a ``cls`` instance from ``base`` (or defaults) plus ``overrides``, checking every key.

    Raises ConfigError for an unknown key, a wrong type or a value out of range. After the
    per-key checks the config's own ``check()`` method (if any) may reject combinations.
    """
    infos = {p.name: p for p in params(cls)}
    values = dataclasses.asdict(base) if base is not None else {k: p.default for k, p in infos.items()}
    for key, raw in (overrides or {}).items():
        if key not in infos:
            raise ConfigError(key, raw, "one of " + ", ".join(infos), "unknown key")
        values[key] = coerce(infos[key], raw)
    cfg = cls(**values)
    check = getattr(cfg, "check", None)
    if callable(check):
        check()
    return cfg


def diff(a: Any, b: Any) -> dict[str, Any]:
    """Keys whose values differ between two configs of the same class (values from ``b``)."""
    da, db = dataclasses.asdict(a), dataclasses.asdict(b)
    return {k: db[k] for k in db if da.get(k) != db[k]}


def live_keys(cls: type) -> set[str]:
    return {p.name for p in params(cls) if p.live}


def to_dict(cfg: Any) -> dict[str, Any]:
    return dataclasses.asdict(cfg)


def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    """Parse CLI ``KEY=VALUE`` strings. A malformed one raises ConfigError."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(item, item, "KEY=VALUE", "missing '='")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out
