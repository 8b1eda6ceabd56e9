"""Guided lessons: a TOML file of steps that set up a lab, train until something happens, and ask.

The format is documented in ``resources/lessons/guided/README.md``. This module reads and validates a
lesson (Qt-free, torch-free, lab-free: labs, presets and keys are checked through the registry at run
time) into the types of :mod:`playground.core.lesson_steps` (steps, questions, conditions such as
``"modes_captured >= 8"``, parsed without ``eval``), which it re-exports. The headless runner
(``playground lesson NAME --check``) is in :mod:`playground.core.lesson_check`.

A bad file raises :class:`LessonError` whose text is one line naming the file, the step and the field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from . import config as cfgmod
from .lesson_steps import (  # noqa: F401 - the lesson's types are importable from here too
    DEFAULT_TIMEOUT_S,
    MAX_STEPS,
    OPS,
    SHOWN_OP,
    WINDOW_STEPS,
    Condition,
    Lesson,
    LessonError,
    Question,
    Step,
    metric_value,
)
from .resources import resource

GUIDED_DIR = ("lessons", "guided")
MAX_REPEAT = 10_000

LESSON_KEYS = {"title", "summary", "lab", "minutes", "step"}
STEP_KEYS = {"title", "text", "lab", "preset", "set", "seed", "command", "commands", "d_step", "g_step",
             "ablate", "restore_heads", "probe", "step", "play_until", "timeout", "fallback", "pause", "play",
             "show", "highlight", "question"}
QUESTION_KEYS = {"ask", "choices", "feedback", "answer", "predict", "reveal"}
COMMAND_KEYS = {"name", "args", "repeat"}
ABLATE_KEYS = {"kind", "layer", "head", "off", "model"}
TIMEOUT_KEYS = {"seconds", "steps"}


def guided_dir() -> Path:
    return resource(*GUIDED_DIR)


def shipped() -> dict[str, Path]:
    """The shipped guided lessons {name: path}, in file-name order (names start with their number)."""
    d = guided_dir()
    return {p.stem: p for p in sorted(d.glob("*.toml"))} if d.is_dir() else {}


def find(name_or_path: str) -> Path:
    """A shipped lesson by name (or a unique prefix, or its number) or a .toml file on disk."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise FileNotFoundError(f"{name_or_path}: no such lesson file")
        return p
    lessons = shipped()
    if name_or_path in lessons:
        return lessons[name_or_path]
    hits = [n for n in lessons if n.startswith(name_or_path) or n.split("-", 1)[-1].startswith(name_or_path)]
    if len(hits) == 1:
        return lessons[hits[0]]
    raise LessonError(f"unknown lesson '{name_or_path}': one of {', '.join(lessons)} or a .toml file")


def load(name_or_path: str | Path) -> Lesson:
    path = find(str(name_or_path))
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise LessonError(f"{path.name}: not valid TOML: {e}") from None
    except OSError as e:
        raise LessonError(f"{path.name}: cannot read: {e.strerror or e}") from None
    return parse(data, name=path.stem, where=path.name, path=str(path))


def parse(data: dict, *, name: str = "lesson", where: str = "lesson", path: str = "") -> Lesson:
    """Validate a lesson read from TOML. Raises LessonError (one line: file, step, field)."""

    def bad(fld: str, why: str, step: Step | None = None) -> LessonError:
        at = f"{step.label()}: " if step is not None else ""
        return LessonError(f"{where}: {at}field '{fld}': {why}")

    for k in data:
        if k not in LESSON_KEYS:
            raise bad(k, f"unknown field (allowed: {', '.join(sorted(LESSON_KEYS))})")
    title = _text(data, "title", bad, required=True)
    summary = _text(data, "summary", bad)
    minutes = data.get("minutes", 10)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 10:
        raise bad("minutes", "an integer in [1, 10] (a lesson takes ten minutes at most)")
    lab = data.get("lab")
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps or not all(isinstance(s, dict) for s in raw_steps):
        raise bad("step", "at least one [[step]] table")
    from .registry import all_labs, get_lab

    if not isinstance(lab, str) or lab not in all_labs():
        raise bad("lab", f"'{lab}' is not a lab (one of {', '.join(all_labs())})" if lab else "missing")
    steps = []
    cur_lab, cur_preset, cur_set = lab, None, {}
    for i, raw in enumerate(raw_steps, 1):
        st = Step(index=i, text="", title=raw.get("title", "") if isinstance(raw.get("title"), str) else "")
        sbad = _bound(bad, st)
        for k in raw:
            if k not in STEP_KEYS:
                raise bad(k, f"unknown field (allowed: {', '.join(sorted(STEP_KEYS))})", st)
        st.text = _text(raw, "text", sbad, required=True)
        st.title = _text(raw, "title", sbad)
        # -- set-up: lab, preset, set, seed --------------------------------------------------------
        if "lab" in raw:
            if raw["lab"] not in all_labs():
                raise bad("lab", f"'{raw['lab']}' is not a lab (one of {', '.join(all_labs())})", st)
            if raw["lab"] != cur_lab:
                cur_preset, cur_set = None, {}
            cur_lab = raw["lab"]
        spec = get_lab(cur_lab)
        if "preset" in raw:
            p = raw["preset"]
            if not isinstance(p, str) or p not in spec.presets:
                raise bad("preset", f"'{p}' is not a preset of the {cur_lab} lab (one of {', '.join(spec.presets)})",
                          st)
            st.preset, cur_preset, cur_set = p, p, {}
        if "seed" in raw:
            if not isinstance(raw["seed"], int) or isinstance(raw["seed"], bool) or not 0 <= raw["seed"] < 2**31:
                raise bad("seed", "an integer in [0, 2147483647]", st)
            st.seed = raw["seed"]
        st.setup = i == 1 or any(k in raw for k in ("lab", "preset", "seed"))
        if st.setup and st.preset is None:
            st.preset = cur_preset or spec.default_preset or None
            cur_preset = st.preset
        if "set" in raw:
            if not isinstance(raw["set"], dict) or not raw["set"]:
                raise bad("set", "a table of config keys, e.g. set = { lr = 0.001 }", st)
            st.set = dict(raw["set"])
        try:
            base = spec.make_config(cur_preset, {} if st.setup else cur_set)
            cfgmod.validate(spec.config_cls, st.set, base=base)
        except cfgmod.ConfigError as e:
            raise bad("set", str(e), st) from None
        cur_set = {**({} if st.setup else cur_set), **st.set}
        st.lab = cur_lab
        # -- lab commands ----------------------------------------------------------------------------
        st.commands = _commands(raw, sbad)
        if "step" in raw:
            st.step = _int(raw, "step", 1, MAX_REPEAT, sbad)
        # -- play until --------------------------------------------------------------------------------
        if "play_until" in raw:
            try:
                st.until = Condition.parse(raw["play_until"])
            except ValueError as e:
                raise bad("play_until", str(e), st) from None
        if "timeout" in raw:
            if st.until is None:
                raise bad("timeout", "only with play_until", st)
            st.timeout_s, st.timeout_steps = _timeout(raw["timeout"], sbad)
        st.fallback = _text(raw, "fallback", sbad)
        for flag in ("pause", "play"):
            if flag in raw:
                if not isinstance(raw[flag], bool):
                    raise bad(flag, "true or false", st)
                setattr(st, flag, raw[flag])
        for f in ("show", "highlight"):
            setattr(st, f, _text(raw, f, sbad))
        if "question" in raw:
            st.question = _question(raw["question"], _bound(lambda f, w, _st: bad(f"question.{f}", w, _st), st))
            if st.question.predict and st.until is None:
                raise bad("question.predict", "a predict question needs the step's play_until (what runs "
                          "after the guess)", st)
        steps.append(st)
    return Lesson(name=name, title=title, summary=summary, lab=lab, minutes=minutes, steps=steps, path=path)


# -- field helpers -----------------------------------------------------------------------------------
def _bound(bad, step: Step):
    return lambda fld, why: bad(fld, why, step)


def _text(raw: dict, key: str, bad, required: bool = False) -> str:
    if key not in raw:
        if required:
            raise bad(key, "missing")
        return ""
    v = raw[key]
    if not isinstance(v, str) or (required and not v.strip()):
        raise bad(key, "a non-empty string" if required else "a string")
    return v.strip()


def _int(raw: dict, key: str, lo: int, hi: int, bad) -> int:
    v = raw[key]
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise bad(key, f"an integer in [{lo}, {hi:,}]")
    return v


def _timeout(v: Any, bad) -> tuple[float, int | None]:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if not 0 < v <= 3600:
            raise bad("timeout", "seconds in (0, 3600], or { seconds = 60, steps = 5000 }")
        return float(v), None
    if not isinstance(v, dict) or not v or set(v) - TIMEOUT_KEYS:
        raise bad("timeout", "seconds, or a table { seconds = 60, steps = 5000 }")
    secs = v.get("seconds", DEFAULT_TIMEOUT_S)
    if not isinstance(secs, (int, float)) or isinstance(secs, bool) or not 0 < secs <= 3600:
        raise bad("timeout.seconds", "a number in (0, 3600]")
    steps = v.get("steps")
    if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= MAX_STEPS):
        raise bad("timeout.steps", f"an integer in [1, {MAX_STEPS:,}]")
    return float(secs), steps


def _commands(raw: dict, bad) -> list[tuple[str, dict, int]]:
    """Friendly aliases first (d_step, g_step, ablate, restore_heads, probe), then command(s)."""
    out: list[tuple[str, dict, int]] = []
    for alias in ("d_step", "g_step"):
        if alias in raw:
            out.append((alias, {}, _int(raw, alias, 1, MAX_REPEAT, bad)))
    if "ablate" in raw:
        heads = raw["ablate"] if isinstance(raw["ablate"], list) else [raw["ablate"]]
        for h in heads:
            if not isinstance(h, dict) or set(h) - ABLATE_KEYS or "head" not in h:
                raise bad("ablate", "a table { kind = 'cross', layer = 0, head = 1 } (kind: enc, dec, cross; "
                          "off = false switches it back on)")
            for k in ("layer", "head"):
                if not isinstance(h.get(k, 0), int) or isinstance(h.get(k, 0), bool) or h.get(k, 0) < 0:
                    raise bad(f"ablate.{k}", "an integer ≥ 0")
            out.append(("ablate_head", {"kind": str(h.get("kind", "cross")), "layer": h.get("layer", 0),
                                        "head": h["head"], "off": bool(h.get("off", True)),
                                        "model": str(h.get("model", "a"))}, 1))
    if "restore_heads" in raw:
        if raw["restore_heads"] is not True:
            raise bad("restore_heads", "true (switches every head back on)")
        out.append(("reset_heads", {}, 1))
    if "probe" in raw:
        p = raw["probe"]
        if isinstance(p, bool) or not isinstance(p, (str, int)):
            raise bad("probe", "a sequence to probe (text) or a probe seed (integer)")
        out.append(("set_probe", {"text": p} if isinstance(p, str) else {"seed": p}, 1))
    cmds = []
    if "command" in raw:
        cmds.append(("command", raw["command"]))
    if "commands" in raw:
        if not isinstance(raw["commands"], list):
            raise bad("commands", "a list of { name = ..., args = { ... }, repeat = n }")
        cmds += [(f"commands[{j}]", c) for j, c in enumerate(raw["commands"], 1)]
    for fld, c in cmds:
        if isinstance(c, str):
            c = {"name": c}
        if not isinstance(c, dict) or set(c) - COMMAND_KEYS or not isinstance(c.get("name"), str) or not c["name"]:
            raise bad(fld, "{ name = 'd_step', args = { ... }, repeat = n } (args and repeat optional)")
        args = c.get("args", {})
        if not isinstance(args, dict):
            raise bad(f"{fld}.args", "a table of the command's arguments")
        rep = c.get("repeat", 1)
        if not isinstance(rep, int) or isinstance(rep, bool) or not 1 <= rep <= MAX_REPEAT:
            raise bad(f"{fld}.repeat", f"an integer in [1, {MAX_REPEAT:,}]")
        out.append((c["name"], dict(args), rep))
    return out


def _question(q: Any, bad) -> Question:
    if not isinstance(q, dict):
        raise bad("ask", "a [step.question] table with ask = '...'")
    for k in q:
        if k not in QUESTION_KEYS:
            raise bad(k, f"unknown field (allowed: {', '.join(sorted(QUESTION_KEYS))})")
    out = Question(ask=_text(q, "ask", bad, required=True), reveal=_text(q, "reveal", bad))
    if "predict" in q:
        if not isinstance(q["predict"], bool):
            raise bad("predict", "true or false")
        out.predict = q["predict"]
    choices = q.get("choices", [])
    if not isinstance(choices, list) or not all(isinstance(c, str) and c.strip() for c in choices):
        raise bad("choices", "a list of answers (strings)")
    if len(choices) == 1 or len(choices) > 8:
        raise bad("choices", "2 to 8 answers (or none: the student writes a guess)")
    if not choices and not out.predict:
        raise bad("choices", "missing (only a predict question may leave the guess free)")
    out.choices = [c.strip() for c in choices]
    fb = q.get("feedback", [])
    if not isinstance(fb, list) or not all(isinstance(c, str) for c in fb) or (fb and len(fb) != len(choices)):
        raise bad("feedback", f"one message per choice ({len(choices)})")
    out.feedback = [c.strip() for c in fb]
    if "answer" in q:
        a = q["answer"]
        if not isinstance(a, int) or isinstance(a, bool) or not 1 <= a <= len(choices):
            raise bad("answer", f"the number of the right choice, 1 to {len(choices)}")
        out.answer = a - 1
    if not out.feedback and out.answer is None and not out.reveal:
        raise bad("feedback", "give feedback per choice, an answer, or a reveal text")
    return out
