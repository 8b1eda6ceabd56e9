"""Image lab data: the shipped digit sets and every bad-folder case, with generated picture files."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from playground.labs.images import data as d


def _pictures(folder, n, size=(40, 30), mode="L", fmt="png"):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        arr = rng.integers(0, 255, size[::-1] + ((3,) if mode == "RGB" else ()), dtype=np.uint8)
        Image.fromarray(arr, "RGB" if mode == "RGB" else "L").convert(mode).save(folder / f"p{i:03d}.{fmt}")
    return folder


def test_shipped_sets_have_their_documented_shapes_and_classes():
    mn = d.load_digits("mnist", 28)
    assert mn.images.shape == (5000, 1, 28, 28) and mn.images.dtype == np.float32
    assert np.bincount(mn.labels).tolist() == [500] * 10
    assert 0 <= mn.images.min() and mn.images.max() == 1.0
    dg = d.load_digits("digits", 16)
    assert dg.images.shape == (1797, 1, 16, 16) and set(dg.labels.tolist()) == set(range(10))
    assert mn.digest != dg.digest and len(mn.digest) == 12


@pytest.mark.parametrize("size", [16, 32, 64])
def test_shipped_sets_resize(size):
    assert d.load_digits("digits", size).images.shape[-2:] == (size, size)


def test_eval_indices_are_stratified_and_fixed():
    labels = np.repeat(np.arange(10), 50)
    idx = d.eval_indices(labels, 500, 200)
    assert np.bincount(labels[idx]).tolist() == [20] * 10
    assert len(set(labels[idx[:30]].tolist())) >= 8  # shuffled: a prefix mixes the classes
    assert np.array_equal(idx, d.eval_indices(labels, 500, 200))


def test_a_folder_of_mixed_sizes_and_modes_loads(tmp_path):
    f = tmp_path / "pics"
    _pictures(f, 6, (40, 30), "L", "png")
    _pictures(f / "sub", 6, (17, 50), "RGB", "jpg")
    _pictures(f / "b", 3, (64, 64), "P", "bmp")
    _pictures(f / "w", 3, (20, 20), "RGB", "webp")
    Image.new("RGBA", (30, 30), (255, 0, 0, 0)).save(f / "alpha.png")
    Image.new("1", (30, 30), 1).save(f / "onebit.png")
    (f / "notes.txt").write_text("not a picture")
    grey = d.load_image_folder(f, 32, 1)
    assert grey.images.shape == (20, 1, 32, 32) and grey.labels is None and grey.note == ""
    rgb = d.load_image_folder(f, 16, 3)
    assert rgb.images.shape == (20, 3, 16, 16)
    assert 0 <= rgb.images.min() and rgb.images.max() <= 1


def test_corrupt_and_truncated_files_are_skipped_and_counted(tmp_path):
    f = _pictures(tmp_path / "pics", 16)
    (f / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    whole = (f / "p000.png").read_bytes()
    (f / "truncated.png").write_bytes(whole[: len(whole) // 2])
    Image.fromarray(np.zeros((50, 50), np.uint8)).save(f / "cut.jpg")
    (f / "cut.jpg").write_bytes((f / "cut.jpg").read_bytes()[:200])
    data = d.load_image_folder(f, 16)
    assert len(data.images) == 16
    assert "skipped 3 unreadable files" in data.note


def test_a_decompression_bomb_is_refused_unread(tmp_path, monkeypatch):
    f = _pictures(tmp_path / "pics", 16)
    Image.new("L", (300, 300)).save(f / "huge.png")
    monkeypatch.setattr(d, "MAX_PIXELS", 200 * 200)
    data = d.load_image_folder(f, 16)
    assert len(data.images) == 16 and "refused 1 oversized picture" in data.note


def test_too_many_files_are_capped_and_said(tmp_path, monkeypatch):
    f = _pictures(tmp_path / "pics", 25)
    monkeypatch.setattr(d, "MAX_FILES", 20)
    data = d.load_image_folder(f, 16)
    assert len(data.images) == 20 and "first 20" in data.note


@pytest.mark.parametrize("case, message", [
    ("missing", "no such folder"), ("file", "not a folder"), ("empty", "the folder is empty"),
    ("no_images", "no PNG, JPEG, BMP or WebP pictures"), ("too_few", "at least 16 are needed"),
    ("all_corrupt", "skipped 20 unreadable files"),
])
def test_bad_folders_get_one_clear_line(tmp_path, case, message):
    f = tmp_path / "pics"
    if case == "file":
        f.write_text("x")
    elif case == "empty":
        f.mkdir()
    elif case == "no_images":
        f.mkdir()
        (f / "a.txt").write_text("hello")
    elif case == "too_few":
        _pictures(f, 5)
    elif case == "all_corrupt":
        f.mkdir()
        for i in range(20):
            (f / f"{i}.png").write_bytes(b"not a png")
    with pytest.raises(d.ImageFolderError) as e:
        d.load_image_folder(f, 28)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_cli_refuses_a_bad_folder_with_exit_2(tmp_path, capsys):
    from playground.cli import main

    rc = main(["train", "images", "--preset", "digits-dcgan", "--steps", "1", "--set", f"data={tmp_path}/nope"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "no such folder" in err[0]
