"""The Transformer lab's view fed with real snapshots: grid, zoom, ablation, inference box, compare, charlm."""

import numpy as np
import pytest
import torch
from PySide6 import QtCore

from playground.core.config import validate
from playground.core.registry import get_lab
from playground.labs.transformer.config import TransformerConfig
from playground.labs.transformer.session import TransformerSession

torch.set_num_threads(1)
SMALL = dict(d_model=32, n_heads=4, n_layers=2, d_ff=64, batch_size=64, eval_size=64)


def _session(**kw):
    over = {**SMALL, "task": "reverse", "seq_len": 6, "vocab": 6, **kw}
    return TransformerSession(validate(TransformerConfig, over), device="cpu", seed=0)


@pytest.fixture
def wired(qtbot):
    """A view connected to a session directly (commands run synchronously, as the runner would)."""
    from playground.labs.transformer.view import TransformerView

    def make(**kw):
        s = _session(**kw)
        v = TransformerView(get_lab("transformer"))
        qtbot.addWidget(v)
        v.resize(1000, 650)
        v.set_config(s.config)
        msgs, cmds = [], []
        v.message.connect(msgs.append)

        def run(name, kwargs):
            cmds.append((name, kwargs))
            s.command(name, **kwargs)
            v.set_snapshot(s.snapshot())
            v.flush_drawing()
        v.command.connect(run)
        v.show()
        return s, v, msgs, cmds
    return make


def _click_head(qtbot, grid, layer, head, button=QtCore.Qt.LeftButton):
    qtbot.waitExposed(grid)
    qtbot.wait(50)  # let the layout settle before mapping the head's centre to pixels
    img = grid.images[(layer, head)]
    scene_pt = img.mapToScene(img.boundingRect().center())
    pos = grid.layout_widget.mapFromScene(scene_pt)
    qtbot.mouseClick(grid.layout_widget.viewport(), button, pos=pos)


def test_grid_zoom_and_ablation_change_accuracy(wired, qtbot):
    s, v, msgs, cmds = wired()
    s.step(150)
    v.set_snapshot(s.snapshot())
    v.flush_drawing()
    before = s.metrics()["sequence_accuracy"]
    assert before > 0.5
    panel = v.attention
    assert [panel.kind_box.itemText(i) for i in range(panel.kind_box.count())] == [
        "Encoder self-attention", "Decoder self-attention", "Cross-attention"]
    assert panel.kind == "cross"  # the view opens on cross-attention
    grid = panel.grid
    assert grid.shape == (2, 4)
    img = grid.images[(1, 2)].image
    assert img.shape == (7, 6) and np.allclose(img.sum(1), 1, atol=1e-5)  # rows: 6 outputs + </s>
    ticks = grid.plots[(1, 0)].getAxis("bottom")._tickLevels[0]
    assert [t[1] for t in ticks] == [str(x) for x in s.snapshot()["probe"]["src"]]
    # click a head: the zoomed page shows it with labels and a colour bar fixed to [0, 1]
    _click_head(qtbot, grid, 1, 2)
    assert panel.zoomed == (1, 2) and panel.stack.currentIndex() == 1
    assert panel.zoom.levels == (0.0, 1.0) and panel.zoom.bar is not None
    assert "layer 2, head 3" in panel.zoom_title.text()
    # switch every cross-attention head of the last layer off from the UI: accuracy drops
    for head in range(4):
        panel.zoom_into(1, head)
        panel.off_box.setChecked(True)
    assert [c[0] for c in cmds].count("ablate_head") == 4
    snap = s.snapshot()
    assert len(snap["ablated"]) == 4
    assert snap["metrics"]["sequence_accuracy"] < before
    assert "head(s) off" in v.status.text()
    panel.unzoom()
    assert "off" in grid.plots[(1, 0)].titleLabel.text
    # right-click a head in the grid: back on; right-click again: off
    n = len(cmds)
    _click_head(qtbot, grid, 1, 0, QtCore.Qt.RightButton)
    assert cmds[n] == ("ablate_head", {"kind": "cross", "layer": 1, "head": 0, "off": False})
    assert len(s.snapshot()["ablated"]) == 3
    _click_head(qtbot, grid, 1, 0, QtCore.Qt.RightButton)
    assert cmds[n + 1][1]["off"] is True and len(s.snapshot()["ablated"]) == 4
    v.reset_heads.click()
    assert s.snapshot()["ablated"] == [] and s.metrics()["sequence_accuracy"] == before


def test_probe_and_inference_input_messages(wired, qtbot):
    s, v, msgs, cmds = wired()
    s.step(2)
    v.set_snapshot(s.snapshot())
    v.flush_drawing()
    # the probe box
    v.probe_edit.setText("12x")
    v.set_probe()
    assert msgs and "unknown symbol 'X'" in msgs[-1] and v.probe_error.isVisible()
    v.probe_edit.setText("5 4 3 2 1 0")
    v.set_probe()
    assert cmds[-1] == ("set_probe", {"text": "5 4 3 2 1 0"}) and not v.probe_error.isVisible()
    assert s.snapshot()["probe"]["src"] == list("543210")
    # the inference box: bad input gives a clear one-line message and sends nothing
    v.tabs.setCurrentWidget(v.inference)
    inf = v.inference
    n = len(cmds)
    for text, msg in (("", "empty"), ("12?456", "unknown symbol '?'"), ("1234501", "too long"),
                      ("12", "too short")):
        inf.edit.setText(text)
        qtbot.keyClick(inf.edit, QtCore.Qt.Key_Return)
        assert msg in msgs[-1] and msg in inf.error.text() and "\n" not in msgs[-1]
    assert len(cmds) == n
    inf.edit.setText("012345")
    inf.temp.setValue(0.0)
    inf.go.click()
    assert cmds[-1][0] == "infer" and cmds[-1][1]["temperature"] == 0.0
    assert "012345" in inf.output.text() and inf.steps.count() >= 1
    assert not inf.error.isVisible()
    assert inf.attn.grid.shape == (2, 4)
    inf.steps.setCurrentRow(0)
    assert inf.attn.grid.regions[0].isVisible()


def test_live_sampling_keys_are_config_requests(wired):
    s, v, msgs, cmds = wired()
    reqs = []
    v.config_request.connect(reqs.append)
    v.inference.topk.setValue(3)
    assert reqs[-1] == {"top_k": 3}


def test_other_tabs_and_modes_draw(wired, qtbot):
    s, v, msgs, cmds = wired(compare="pos_encoding", compare_value="learned")
    s.step(3)
    for i in range(v.tabs.count()):
        v.tabs.setCurrentIndex(i)
        v.set_snapshot(s.snapshot())
        v.flush_drawing()
    assert set(v.loss_curves.items) == {"loss", "loss_b"}
    assert v.loss_curves.items["loss_b"].getData()[0] is not None
    assert len(v.embeddings.texts) == len(s.snapshot()["embeddings"]["labels"])
    assert v.positions.matrix.img.image.shape[1] == 32


def test_charlm_view(wired, qtbot):
    s, v, msgs, cmds = wired(task="charlm", seq_len=24, arch="decoder")
    s.step(2)
    v.set_snapshot(s.snapshot())
    v.flush_drawing()
    assert v.attention.kinds == ["dec"] and v.inference.charlm
    assert set(v.acc_curves.items) == {"token_accuracy"}
    v.tabs.setCurrentWidget(v.inference)
    v.inference.edit.setText("The ")
    v.inference.length.setValue(20)
    v.inference.decode()
    assert v.inference.text_out.toPlainText().startswith("The ")
    assert len(v.inference.text_out.toPlainText()) == 24
    v.inference.edit.setText("\u00a7")
    v.inference.decode()
    assert "unknown character" in msgs[-1]


def test_compare_mode_shows_and_ablates_model_b(wired):
    s, v, msgs, cmds = wired(compare="n_heads", compare_value="1")
    s.step(2)
    v.set_snapshot(s.snapshot())
    v.flush_drawing()
    assert not v.model_box.isHidden() and v.model_box.itemText(1) == "B: n_heads=1"
    assert v.attention.grid.shape == (2, 4)
    v.model_box.setCurrentIndex(1)
    assert v.attention.grid.shape == (2, 1)
    v.attention.zoom_into(1, 0)
    v.attention.off_box.setChecked(True)
    assert cmds[-1] == ("ablate_head", {"kind": "cross", "layer": 1, "head": 0, "off": True, "model": "b"})
    snap = s.snapshot()
    assert snap["ablated"] == [] and snap["ablated_b"] == [["cross", 1, 0]]
    assert "1 head(s) off" in v.status.text()
    v.reset_heads.click()
    assert s.snapshot()["ablated_b"] == []
