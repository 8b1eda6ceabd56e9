"""The Qt-free core: config validation, bounded history, device choice, registry, resources."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pytest

from playground.core.config import ConfigError, param, params, parse_assignments, validate
from playground.core.history import MetricHistory


@dataclass
class Cfg:
    lr: float = param(1e-3, "learning rate", lo=1e-6, hi=1.0, log=True, live=True)
    n: int = param(3, "count", lo=1, hi=10)
    kind: str = param("a", "kind", choices=("a", "b"))
    flag: bool = param(False, "flag")
    data: str = param("ring", "data", choices=("ring",), path_ok=True)


def test_validate_coerces_cli_strings():
    c = validate(Cfg, {"lr": "0.01", "n": "4", "kind": "b", "flag": "true", "data": "pts.csv"})
    assert (c.lr, c.n, c.kind, c.flag, c.data) == (0.01, 4, "b", True, "pts.csv")
    assert validate(Cfg, {"n": "1e1"}).n == 10


@pytest.mark.parametrize("key,value,needle", [
    ("lr", "-1", "out of range"), ("lr", "nan", "not finite"), ("lr", "inf", "not finite"),
    ("lr", "abc", "not a number"),
    ("lr", "5", "out of range"), ("n", "0", "out of range"), ("n", "2.5", "not an integer"), ("n", "x", "not a number"),
    ("n", True, "not a number"), ("kind", "c", "unknown choice"), ("flag", "maybe", "not a boolean"),
    ("nope", "1", "unknown key"), ("data", "spiral", "unknown choice"),
])
def test_validate_errors_name_key_value_and_range(key, value, needle):
    with pytest.raises(ConfigError) as e:
        validate(Cfg, {key: value})
    msg = str(e.value)
    assert e.value.key == key and key in msg and needle in msg and "allowed" in msg
    assert "\n" not in msg


def test_error_message_states_the_range():
    with pytest.raises(ConfigError, match=r"lr='-1': out of range; allowed: a number in \[1e-06, 1.0\]"):
        validate(Cfg, {"lr": "-1"})
    with pytest.raises(ConfigError, match="one of a, b"):
        validate(Cfg, {"kind": "z"})


def test_params_expose_help_ranges_and_liveness():
    ps = {p.name: p for p in params(Cfg)}
    assert ps["lr"].live and ps["lr"].log and ps["lr"].lo == 1e-6 and ps["lr"].help
    assert not ps["n"].live and ps["kind"].choices == ("a", "b")


def test_parse_assignments():
    assert parse_assignments(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    with pytest.raises(ConfigError):
        parse_assignments(["novalue"])


def test_history_keeps_recent_points_exact_and_memory_bounded():
    h = MetricHistory(recent=1000, older=1000)
    n = 1_000_000
    steps = np.arange(1, n + 1, dtype=np.float64)
    for i in range(0, n, 50_000):
        h.extend("loss", steps[i: i + 50_000], steps[i: i + 50_000] * 2)
    s, v = h.arrays("loss")
    assert len(s) <= 2000
    assert np.array_equal(s[-1000:], steps[-1000:]) and np.array_equal(v[-1000:], steps[-1000:] * 2)
    assert np.all(np.diff(s) > 0) and s[0] < 10_000  # old history decimated, still spans the whole run
    nbytes = h.nbytes()
    h.extend("loss", steps[:50_000] + n, steps[:50_000])
    assert h.nbytes() == nbytes  # flat memory


def test_history_decimation_averages_and_state_roundtrip():
    h = MetricHistory(recent=4, older=4)
    h.extend("x", np.arange(1, 21), np.arange(1, 21, dtype=float))
    s, v = h.arrays("x")
    assert list(s[-4:]) == [17, 18, 19, 20]
    assert np.isclose(v[:-4].mean(), np.mean(np.arange(1, 17)), rtol=0.3)
    h2 = MetricHistory(recent=4, older=4)
    h2.load_state_dict(h.state_dict())
    for a, b in zip(h.arrays("x"), h2.arrays("x")):
        assert np.array_equal(a, b)
    h.extend("x", [21], [float("nan")])  # NaN is kept, not a crash
    assert np.isnan(h.last("x"))


def test_device_choice():
    from playground.core.device import resolve_device

    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(ConfigError, match="device"):
        resolve_device("tpu")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="CUDA is not available"):
            resolve_device("cuda")


def test_registry_finds_labs_with_presets_and_lessons():
    from playground.core.registry import all_labs, get_lab

    labs = all_labs()
    assert "gan" in labs
    for spec in labs.values():
        assert spec.presets, spec.name
        assert spec.default_preset in spec.presets
        assert spec.lesson().strip(), f"{spec.name} has no lesson"
        for name in spec.presets:
            spec.make_config(name)  # every preset is a valid config
    with pytest.raises(ConfigError, match="unknown lab"):
        get_lab("nope")
    with pytest.raises(ConfigError, match="unknown preset"):
        get_lab("gan").make_config("nope")


QT_FREE = r"""
import sys, importlib, pkgutil
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt', 'shiboken6', 'qtpy'):
            raise ImportError('blocked for the test: ' + name)
sys.meta_path.insert(0, Block())
import playground.core, playground.core.checkpoint, playground.core.session, playground.core.device
import playground.core.loop
import playground.labs as labs
from playground.core.registry import all_labs
for spec in all_labs().values():
    mod = importlib.import_module(f'playground.labs.{spec.name}')
    for info in pkgutil.iter_modules(mod.__path__):
        if info.name != 'view' and not info.name.startswith('panels'):  # a lab's Qt files: view.py, panels*.py
            importlib.import_module(f'playground.labs.{spec.name}.{info.name}')
    spec.session_cls()
    s = spec.make_session(spec.make_config(spec.default_preset), device='cpu')
    s.step(1); s.snapshot()
assert not any(m.split('.')[0] in ('PySide6', 'pyqtgraph') for m in sys.modules)
print('qt-free ok', len(all_labs()))
"""


def test_core_and_lab_engines_import_without_qt():
    r = subprocess.run([sys.executable, "-c", QT_FREE], capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "qt-free ok" in r.stdout


def test_resources_found():
    from playground.core.resources import lesson_text, load_presets, resources_dir

    assert (resources_dir() / "presets" / "gan.toml").is_file()
    assert "ring8-wgan-gp" in load_presets("gan")
    assert lesson_text("gan")


def test_recorded_values_survive_accelerator_compaction():
    """On an accelerator, recorded scalars are compacted on the device every flush_every steps (no host
    sync); the history afterwards equals the CPU path's, value for value and step for step."""
    from playground.bench import GAN_LAB_SIZE
    from playground.core.registry import get_lab

    spec = get_lab("gan")
    cfg = spec.make_config(None, GAN_LAB_SIZE)
    runs = []
    for compact in (False, True):
        s = spec.make_session(cfg, device="cpu", seed=3)
        s.flush_every = 7
        s.compact_on_device = compact  # the accelerator's bookkeeping, on the CPU
        s.step(20)
        if compact:
            ((_, vals),) = s._pending.values()  # steps 1-14 compacted into one tensor, 15-20 still single
            assert vals[0].shape == (14, 3) and len(vals) == 7
        s.flush()
        runs.append(s.history.as_dict())
    for k in ("loss_d", "w_estimate", "loss_g"):
        np.testing.assert_array_equal(runs[0][k][0], np.arange(1, 21))
        np.testing.assert_array_equal(runs[0][k][0], runs[1][k][0])
        np.testing.assert_array_equal(runs[0][k][1], runs[1][k][1])


def test_a_preset_may_name_its_default_length():
    from playground.core.registry import get_lab

    gan = get_lab("gan")
    assert gan.preset_steps("grid25-wgan-gp") == 3000
    assert "steps" not in gan.preset_values("grid25-wgan-gp")  # not a config key
    assert gan.preset_steps("ring8-wgan-gp") is None and gan.preset_steps(None) is None


def test_live_snapshots_reuse_an_evaluation_until_training_moves_on():
    """``cached_evaluate``: paused, snapshots reuse the last evaluation; after steps and ``eval_every_s``
    it is re-run; going back (a loaded state) re-runs it at once."""
    from playground.core.registry import get_lab

    spec = get_lab("gan")
    s = spec.make_session(spec.make_config(None), device="cpu", seed=0)
    calls = []
    real = s.evaluate
    s.evaluate = lambda: calls.append(s.step_count) or real()
    s.eval_every_s = 0.0
    first = s.cached_evaluate()
    assert s.cached_evaluate() is first and calls == [0]  # paused: no new forward pass
    s.step(2)
    s.cached_evaluate()
    assert calls == [0, 2]
    s.eval_every_s = 1e9  # moved on, but too soon: reused
    s.step(1)
    s.cached_evaluate()
    assert calls == [0, 2]
    s.step_count = 1  # went back
    s.cached_evaluate()
    assert calls == [0, 2, 1]


def test_atomic_write_keeps_the_old_file_on_failure_and_normal_permissions(tmp_path):
    """Every writer (checkpoints, recordings, exports, the run history) goes through atomic_write: a failed
    write leaves the old file as it was and no temporary file behind; a new file is not owner-only."""
    import os
    import stat

    from playground.core.files import atomic_write
    from playground.core.metrics_csv import write_history_csv

    path = tmp_path / "metrics.csv"
    write_history_csv({"loss": ([1, 2], [0.5, 0.25])}, path)
    old = path.read_bytes()
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write(b"half a file")
            raise RuntimeError("interrupted")
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["metrics.csv"]
    if os.name == "posix":
        umask = os.umask(0o022)
        os.umask(umask)
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
