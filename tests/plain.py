"""Snapshots and recordings are plain data: numpy arrays, numbers, strings, lists and dicts of those."""

import numpy as np


def assert_plain(v, path: str = "snapshot") -> None:
    if isinstance(v, dict):
        for k, x in v.items():
            assert isinstance(k, (str, int)), f"{path}: key {k!r} is neither a string nor an int"
            assert_plain(x, f"{path}.{k}")
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            assert_plain(x, f"{path}[{i}]")
    else:
        assert v is None or isinstance(v, (np.ndarray, int, float, str, bool, np.floating, np.integer)), \
            f"{path}: {type(v).__name__}"
