"""The wheel carries resources/ and the app finds them from an installed wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    (whl,) = out.glob("*.whl")
    return whl


def test_wheel_contains_resources_and_entry_point(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for labfile in (ROOT / "resources" / "presets").glob("*.toml"):
        assert f"playground/resources/presets/{labfile.name}" in names
    for lesson in (ROOT / "resources" / "lessons").glob("*.md"):
        assert f"playground/resources/lessons/{lesson.name}" in names
    assert "playground/labs/gan/view.py" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "playground = playground.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_installed_wheel_finds_its_resources(wheel, tmp_path):
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
                        str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    code = ("import playground, sys; from playground.core.resources import resources_dir, load_presets;"
            "d = resources_dir(); assert str(d).startswith(sys.argv[1]), d;"
            "assert 'ring8-wgan-gp' in load_presets('gan'); print('ok', d)")
    env = {**os.environ, "PYTHONPATH": str(target)}
    r = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, cwd=tmp_path,
                       env=env, timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-2000:]


@pytest.mark.slow
def test_installed_wheel_passes_selftest(wheel, tmp_path):
    """What a person who pip-installs the app gets: `playground selftest` passes from the installed wheel
    (every lab trains and renders, the worker process starts and stops)."""
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
                        str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    env = {**os.environ, "PYTHONPATH": str(target), "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([sys.executable, "-m", "playground", "--version"], capture_output=True, text=True,
                       cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("playground "), r.stderr[-2000:]
    r = subprocess.run([sys.executable, "-m", "playground", "selftest", "--quick", "--device", "cpu"],
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert f"resources in {target}" in r.stdout
    assert r.stdout.strip().splitlines()[-1].startswith("selftest passed")
