"""Linux desktop integration (packaging/linux): the .desktop file and the AppStream metainfo validate,
the icon PNGs are what their names say, and install.sh / uninstall.sh put and remove every file."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"
APP_ID = "io.github.genaiplayground.Playground"
ICONS = ROOT / "resources" / "icons"


def _need(tool: str):
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (Debian: apt-get install desktop-file-utils appstream)")


def test_desktop_file_validates():
    _need("desktop-file-validate")
    r = subprocess.run(["desktop-file-validate", str(LINUX / f"{APP_ID}.desktop")], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout + r.stderr


def test_metainfo_validates():
    _need("appstreamcli")
    r = subprocess.run(["appstreamcli", "validate", "--no-net", str(LINUX / f"{APP_ID}.metainfo.xml")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_icon_pngs_match_their_sizes(qapp):
    from PySide6 import QtGui

    names = sorted(ICONS.glob("playground-*.png"))
    assert {p.stem for p in names} >= {f"playground-{n}" for n in (16, 24, 32, 48, 64, 128, 256, 512)}
    for p in names:
        n = int(p.stem.split("-")[1])
        img = QtGui.QImage(str(p))
        assert (img.width(), img.height()) == (n, n), p.name
        assert img.pixelColor(n // 2, n // 2).alpha() == 255 and img.pixelColor(0, 0).alpha() < 255  # rounded


def test_install_and_uninstall_a_bundle(tmp_path):
    bundle = tmp_path / "bundle"
    (bundle / "_internal" / "playground" / "resources").mkdir(parents=True)
    shutil.copytree(ICONS, bundle / "_internal" / "playground" / "resources" / "icons")
    exe = bundle / "playground"
    exe.write_text("#!/bin/sh\necho frozen-playground \"$@\"\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    (bundle / "_internal" / "libx.so").write_text("")
    (bundle / "_internal" / "libx.so.1").symlink_to("libx.so")
    prefix = tmp_path / "pre fix"  # a space in the path, as a home folder may have
    r = subprocess.run(["bash", str(LINUX / "install.sh"), "--prefix", str(prefix), str(bundle)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    app = prefix / "lib" / "playground"
    assert (app / "_internal" / "libx.so.1").is_symlink()  # the bundle's symlinks stay symlinks
    out = subprocess.run([str(prefix / "bin" / "playground"), "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == "frozen-playground --version"
    desktop = prefix / "share" / "applications" / f"{APP_ID}.desktop"
    text = desktop.read_text()
    assert f'Exec="{app}/playground" gui' in text
    if shutil.which("desktop-file-validate"):
        r = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout
    assert (prefix / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    for n in (16, 48, 512):
        assert (prefix / "share" / "icons" / "hicolor" / f"{n}x{n}" / "apps" / f"{APP_ID}.png").is_file()
    assert (prefix / "share" / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()

    r = subprocess.run(["bash", str(app / "uninstall.sh"), "--prefix", str(prefix)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    left = [p for p in prefix.rglob("*") if p.is_file() or p.is_symlink()]
    assert all(p.name.endswith(".cache") or p.name == "icon-theme.cache" for p in left), left
    assert not app.exists()


def test_install_refuses_a_missing_bundle(tmp_path):
    r = subprocess.run(["bash", str(LINUX / "install.sh"), "--prefix", str(tmp_path), str(tmp_path / "none")],
                       capture_output=True, text=True, timeout=60, env={**os.environ})
    assert r.returncode == 2 and "no app at" in r.stderr
