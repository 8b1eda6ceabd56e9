"""Save/resume exactly, atomically, and never run code from a file."""

from __future__ import annotations

import os
import pickle
import random
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from playground.core.checkpoint import CheckpointError, load_session, load_state, save_session


def test_resume_continues_exactly(gan_spec, small_gan, tmp_path):
    a = gan_spec.make_session(small_gan, device="cpu", seed=1)
    a.step(10)
    f = save_session(a, tmp_path / "a.pgs")
    a.step(10)
    b = load_session(f, device="cpu")
    assert b.step_count == 10
    b.step(10)
    for k in ("loss_d", "loss_g", "w_estimate"):
        assert np.array_equal(a.history.arrays(k)[1], b.history.arrays(k)[1]), k
    for p, q in zip(a.G.parameters(), b.G.parameters()):
        assert torch.equal(p, q)


def test_resume_keeps_drawn_points(gan_spec, small_gan, tmp_path):
    from playground.core.config import validate

    s = gan_spec.make_session(validate(type(small_gan), {"data": "drawn"}, base=small_gan), device="cpu")
    s.command("set_points", points=np.array([[0, 0], [1, 1], [2, 0]], np.float32))
    f = save_session(s, tmp_path / "d.pgs")
    t = load_session(f, device="cpu")
    assert np.array_equal(t.drawn_points, s.drawn_points)


class Payload:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_pickle_payload_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pgs"
    torch.save({"format": "generative-ai-playground/checkpoint", "version": 1, "x": Payload(marker)}, evil)
    with pytest.raises(CheckpointError, match="refused"):
        load_state(evil)
    raw = tmp_path / "evil.pkl"
    raw.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(CheckpointError):
        load_state(raw)
    assert not marker.exists()


@pytest.mark.parametrize("content,needle", [
    (b"", "empty"), (random.Random(0).randbytes(2000), "not a readable checkpoint"),  # seeded: the same bytes
    (b"PK\x03\x04garbage", "not a readable"),
])
def test_bad_files_get_a_clear_message(tmp_path, content, needle):
    f = tmp_path / "bad.pgs"
    f.write_bytes(content)
    with pytest.raises(CheckpointError, match=needle):
        load_state(f)


def test_truncated_other_lab_and_foreign_checkpoints(gan_spec, small_gan, tmp_path):
    s = gan_spec.make_session(small_gan, device="cpu")
    f = save_session(s, tmp_path / "ok.pgs")
    data = f.read_bytes()
    cut = tmp_path / "cut.pgs"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_state(cut)
    with pytest.raises(CheckpointError, match="for the 'gan' lab, not 'lstm'"):
        load_state(f, lab="lstm")
    other = tmp_path / "plain.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(CheckpointError, match="not a Generative AI Playground checkpoint"):
        load_state(other)
    bad_cfg = tmp_path / "badcfg.pgs"
    state = s.state_dict()
    state["config"]["lr_g"] = -5.0
    from playground.core.checkpoint import save_state

    save_state(state, bad_cfg)
    with pytest.raises(CheckpointError, match="incompatible configuration"):
        load_session(bad_cfg, device="cpu")


def test_killing_a_save_leaves_the_previous_file_intact(gan_spec, small_gan, tmp_path):
    s = gan_spec.make_session(small_gan, device="cpu")
    f = save_session(s, tmp_path / "keep.pgs")
    before = f.read_bytes()
    script = textwrap.dedent(f"""
        import os, torch
        from playground.core import checkpoint
        real_save = torch.save
        def slow_save(obj, fh):
            real_save(obj, fh)
            fh.flush()
            os._exit(9)  # killed in the middle of the save, before the rename
        torch.save = slow_save
        checkpoint.save_state({{"lab": "gan", "junk": torch.zeros(1000)}}, {str(f)!r})
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 9
    assert f.read_bytes() == before
    load_state(f)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.pgs"] or all(
        p.name == "keep.pgs" or p.name.endswith(".tmp") for p in tmp_path.iterdir())
