"""The frozen app (packaging/pyinstaller) builds, and runs `--version`, `list` and `selftest`.

Marked ``packaging``: the build takes minutes, so the default run leaves it out. Run it with

    QT_QPA_PLATFORM=offscreen python -m pytest -m packaging tests/test_bundle.py

It builds with the current environment (``build-linux.sh --no-venv``: PyInstaller must be installed,
``pip install -e ".[bundle]"``); ``packaging/build-linux.sh`` alone builds from a fresh venv. To check a
bundle built already (by ``packaging/build-linux.sh``, say) instead of building one, name its folder:

    PLAYGROUND_BUNDLE_DIST=dist QT_QPA_PLATFORM=offscreen python -m pytest -m packaging tests/test_bundle.py
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

import playground

ROOT = Path(__file__).resolve().parent.parent
BUILD_TIMEOUT_S = 3600  # ~3 min on a quiet 2-core machine; 35 min were seen under a load average of 20
pytestmark = [pytest.mark.packaging, pytest.mark.timeout(BUILD_TIMEOUT_S + 900)]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    built = os.environ.get("PLAYGROUND_BUNDLE_DIST")
    if built:
        return Path(built).resolve()
    if sys.platform != "linux":
        pytest.skip("the bundle test builds the Linux bundle (build-linux.sh)")
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip('PyInstaller is not installed: pip install -e ".[bundle]" (or pyinstaller) to build the bundle')
    out = tmp_path_factory.mktemp("bundle")
    t0 = time.perf_counter()
    r = subprocess.run(["bash", str(ROOT / "packaging" / "build-linux.sh"), "--no-venv", "--dist", str(out / "dist"),
                        "--work", str(out / "work")], capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
                       env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    print(f"\nbuilt in {time.perf_counter() - t0:.0f} s:\n{r.stdout[-600:]}")
    return out / "dist"


def _frozen(bundle: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([str(bundle / "playground" / "playground"), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=bundle)


def test_frozen_version_and_list(bundle):
    r = _frozen(bundle, "--version")
    assert r.returncode == 0 and r.stdout.strip() == f"playground {playground.__version__}", r.stderr
    r = _frozen(bundle, "list")
    from playground.core.registry import all_labs

    assert r.returncode == 0, r.stderr
    for name in all_labs():  # every lab of this checkout was frozen in, presets (resources) included
        assert f"{name}: " in r.stdout
    assert "ring8-wgan-gp (default)" in r.stdout


def test_frozen_selftest(bundle):
    r = _frozen(bundle, "selftest", "--quick")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "(frozen)" in r.stdout and "_internal" in r.stdout  # resources found inside the bundle
    assert "ok    worker: process" in r.stdout  # freeze_support: the spawned worker trained and stopped
    assert r.stdout.strip().splitlines()[-1].startswith("selftest passed")


def test_tarball_keeps_symlinks_and_desktop_files(bundle):
    (tarball,) = bundle.glob(f"playground-{playground.__version__}-linux-*.tar.gz")
    with tarfile.open(tarball) as tf:
        members = {m.name: m for m in tf.getmembers()}
    assert members["playground/playground"].mode & 0o111
    for name in ("install.sh", "uninstall.sh", "io.github.genaiplayground.Playground.desktop",
                 "io.github.genaiplayground.Playground.metainfo.xml",
                 "_internal/playground/resources/icons/playground-256.png"):
        assert f"playground/{name}" in members
    links = [m for m in members.values() if m.issym()]
    on_disk = [p for p in (bundle / "playground").rglob("*") if p.is_symlink()]
    assert len(links) == len(on_disk)
