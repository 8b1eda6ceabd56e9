"""Layers point one way (docs/ARCHITECTURE.md, "Layers"):

    playground.core  <-  playground.shared  <-  playground.labs.<lab>  <-  playground.ui, cli, bench

``core`` is Qt-free and lab-free; ``shared`` is what several labs use; a lab never imports another lab,
the CLI or the bench, and only its view modules (``view*.py``, ``panel*.py`` or a ``views``/``panels``
package) import Qt. The bench may import the CLI's neighbours, never the CLI (the CLI imports the bench).

Two proofs, as napari proves its model layer Qt-free: the static imports of every file (``ast``), and a
fresh interpreter that imports every module of the lower layers and then looks at what got loaded.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import playground

ROOT = Path(playground.__file__).parent
QT = ("PySide6", "pyqtgraph", "shiboken6", "superqt", "qtpy")
ABOVE = ("playground.cli", "playground.bench", "playground.ui")


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_view(path: Path) -> bool:
    rel = path.relative_to(ROOT / "labs").parts[1:]  # below the lab's folder
    return any(p.startswith(("view", "panel")) for p in rel)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved, at any depth (lazy imports count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)  # "from playground.labs import gan"
    return out


def _files(sub: str) -> list[Path]:
    return sorted((ROOT / sub).rglob("*.py"))


def _labs() -> list[str]:
    return sorted(p.name for p in (ROOT / "labs").iterdir() if (p / "__init__.py").is_file())


def _lab_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["playground", "labs"] else None


@pytest.mark.parametrize("lab", _labs())
def test_a_lab_imports_no_other_lab_nor_the_layers_above(lab):
    bad = []
    for f in _files(f"labs/{lab}"):
        for m in _imports(f):
            other = _lab_of(m)
            if other is not None and other != lab:
                bad.append(f"{f.relative_to(ROOT)} imports {m} (another lab)")
            if m.startswith(("playground.cli", "playground.bench")):
                bad.append(f"{f.relative_to(ROOT)} imports {m}")
            if not _is_view(f) and (m.startswith("playground.ui") or m.split(".")[0] in QT):
                bad.append(f"{f.relative_to(ROOT)} imports {m} (only view modules may import Qt or the shell)")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("layer", ["core", "shared"])
def test_core_and_shared_import_no_lab_and_nothing_above(layer):
    bad = []
    forbidden = ABOVE + (("playground.shared",) if layer == "core" else ())
    for f in _files(layer):
        for m in _imports(f):
            if _lab_of(m) is not None or m.startswith(forbidden) or m.split(".")[0] in QT:
                bad.append(f"{f.relative_to(ROOT)} imports {m}")
    assert not bad, "\n".join(bad)


def test_bench_and_cli_import_each_other_one_way_only():
    bench = _imports(ROOT / "bench.py")
    assert not any(m.startswith("playground.cli") for m in bench), "the bench imports the CLI"


FRESH = r"""
import importlib, json, sys
mods = json.loads(sys.argv[1])
forbidden = json.loads(sys.argv[2])
culprits = {}
for name in mods:
    before = set(sys.modules)
    importlib.import_module(name)
    new = [m for m in set(sys.modules) - before
           if m.split('.')[0] in forbidden or any(m == f or m.startswith(f + '.') for f in forbidden)]
    if new:
        culprits[name] = sorted(new)[:5]
print('RESULT', json.dumps(culprits))
"""


def _lower_modules() -> list[str]:
    mods = [_module_name(f) for f in _files("core") + _files("shared")]
    mods += [_module_name(f) for f in _files("labs") if not _is_view(f)]
    return mods


def _fresh_import(mods: list[str], forbidden) -> dict:
    r = subprocess.run([sys.executable, "-c", FRESH, json.dumps(mods), json.dumps(list(forbidden))],
                       capture_output=True, text=True, timeout=300, cwd=ROOT.parent)
    assert r.returncode == 0, r.stderr[-2000:]
    line = next(x for x in r.stdout.splitlines() if x.startswith("RESULT"))
    return json.loads(line.split(" ", 1)[1])


def test_lower_layers_load_no_qt_cli_or_bench_in_a_fresh_interpreter():
    """Importing any module of core, shared, or a lab (views aside) loads no Qt, no CLI, no bench."""
    mods = _lower_modules()
    assert len(mods) > 10 and "playground.labs.gan.bare" in mods
    culprits = _fresh_import(mods, QT + ABOVE)
    assert not culprits, f"these imports pulled in an upper layer: {culprits}"


def test_the_bench_loads_without_the_cli():
    assert not _fresh_import(["playground.bench"], ("playground.cli", "PySide6", "pyqtgraph"))
