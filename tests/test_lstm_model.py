"""The step-by-step cells equal torch's nn.LSTM / nn.GRU / nn.RNN with the same weights."""

import pytest
import torch

from playground.labs.lstm.model import GATES, Recurrent, SeqModel, sample_logits

TORCH = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layers", [1, 2])
def test_equals_torch_with_copied_weights(cell, layers):
    torch.manual_seed(0)
    B, T, I, H = 3, 7, 5, 6
    ref = TORCH[cell](I, H, layers, batch_first=True).double()
    ours = Recurrent(cell, I, H, layers, forget_bias=0.3).double()
    ours.rnn.load_state_dict(ref.state_dict())  # same names, same layout
    x = torch.randn(B, T, I, dtype=torch.float64)
    if cell == "lstm":
        h0, c0 = torch.randn(2, layers, B, H, dtype=torch.float64)
        state = (h0, c0)
    else:
        state = torch.randn(layers, B, H, dtype=torch.float64)
    out_ref, st_ref = ref(x, state)
    out, st, gates, h_steps = ours.trace(x, state)
    torch.testing.assert_close(out, out_ref, atol=1e-5, rtol=0)
    if cell == "lstm":
        torch.testing.assert_close(st[0], st_ref[0], atol=1e-5, rtol=0)
        torch.testing.assert_close(st[1], st_ref[1], atol=1e-5, rtol=0)
        torch.testing.assert_close(gates["c"][:, :, -1], st_ref[1], atol=1e-5, rtol=0)
    else:
        torch.testing.assert_close(st, st_ref, atol=1e-5, rtol=0)
    assert tuple(gates) == GATES[cell]
    for name, g in gates.items():
        assert g.shape == (layers, B, T, H), name
    torch.testing.assert_close(gates["h"][-1], out, atol=0, rtol=0)
    assert len(h_steps) == T


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_float32_fast_and_slow_paths_agree(cell):
    torch.manual_seed(1)
    m = SeqModel(cell, 10, 4, 16, num_layers=2, tokens=True)
    x = torch.randint(0, 10, (4, 12))
    fast, _ = m(x)
    slow, _, _, _ = m.trace(x)
    torch.testing.assert_close(slow, fast, atol=1e-5, rtol=0)


def test_gates_in_range_and_lstm_identities():
    torch.manual_seed(2)
    m = Recurrent("lstm", 3, 8, 1)
    _, _, g, _ = m.trace(torch.randn(2, 9, 3))
    for n in "fio":
        assert g[n].min() >= 0 and g[n].max() <= 1
    c_prev = torch.cat([torch.zeros_like(g["c"][:, :, :1]), g["c"][:, :, :-1]], 2)
    torch.testing.assert_close(g["c"], g["f"] * c_prev + g["i"] * g["g"])
    torch.testing.assert_close(g["h"], g["o"] * torch.tanh(g["c"]))


def test_forget_bias_initialisation():
    m = Recurrent("lstm", 2, 4, 2, forget_bias=1.5)
    for k in range(2):
        b = getattr(m.rnn, f"bias_ih_l{k}") + getattr(m.rnn, f"bias_hh_l{k}")
        assert torch.allclose(b[4:8], torch.full((4,), 1.5))
    g = Recurrent("gru", 2, 4, 1, forget_bias=-2.0)
    assert torch.allclose(g.rnn.bias_ih_l0[4:8] + g.rnn.bias_hh_l0[4:8], torch.full((4,), -2.0))


def test_gradient_wrt_hidden_steps():
    torch.manual_seed(3)
    m = Recurrent("rnn", 2, 4, 1)
    out, _, _, hs = m.trace(torch.randn(1, 5, 2))
    grads = torch.autograd.grad(out[:, -1].sum(), hs)
    assert len(grads) == 5 and all(g.shape == (1, 4) for g in grads)
    assert torch.all(grads[-1] == 1)  # the last state is the output itself


def test_sampling_top_k_and_temperature():
    gen = torch.Generator().manual_seed(0)
    logits = torch.tensor([[0.0, 1.0, 5.0, 2.0]]).repeat(200, 1)
    ids = sample_logits(logits, 1.0, 1, gen)
    assert torch.all(ids == 2)
    ids = sample_logits(logits, 100.0, 2, gen)
    assert set(ids.tolist()) == {2, 3}
