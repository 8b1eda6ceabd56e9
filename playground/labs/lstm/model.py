"""LSTM, GRU and plain RNN, written out one time step at a time so every gate can be watched.

Read this file top to bottom. Shapes are in comments: B batch, T time steps, I input size,
H hidden units, L layers, V vocabulary/output size.

The weights live in a ``torch.nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` module, with torch's names and
layout (``weight_ih_l0`` is (4H, I) for an LSTM, gates stacked in the order i, f, g, o). Training
calls that module directly (torch's fused kernel: fast). The views call :meth:`Recurrent.trace`,
our own step-by-step loop over the *same* weights, which returns every gate at every time step;
tests check that both give the same outputs and final states (within 1e-5).

The LSTM, one step (σ = sigmoid, ⊙ = element-wise product)::

    i = σ(W_ii x + b_ii + W_hi h + b_hi)      input gate   how much of the candidate to write
    f = σ(W_if x + b_if + W_hf h + b_hf)      forget gate  how much of the old cell state to keep
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)   candidate    what could be written
    o = σ(W_io x + b_io + W_ho h + b_ho)      output gate  how much of the cell to show
    c' = f ⊙ c + i ⊙ g                        cell state   the long-term memory (additive update)
    h' = o ⊙ tanh(c')                         hidden state what the next layer / the head sees

The GRU (torch's convention)::

    r = σ(W_ir x + b_ir + W_hr h + b_hr)      reset gate
    z = σ(W_iz x + b_iz + W_hz h + b_hz)      update gate: 1 keeps the old state
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    h' = (1 - z) ⊙ n + z ⊙ h

The plain (Elman) RNN::

    h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

#: what :meth:`Recurrent.trace` returns per cell type, in display order
GATES: dict[str, tuple[str, ...]] = {
    "lstm": ("f", "i", "o", "g", "c", "h"),
    "gru": ("r", "z", "n", "h"),
    "rnn": ("h",),
}
#: quantities in [0, 1] (sigmoid gates); the others are symmetric around 0
SIGMOID = frozenset({"f", "i", "o", "r", "z"})
GATE_NAMES = {
    "f": "forget gate f", "i": "input gate i", "o": "output gate o", "g": "candidate g",
    "c": "cell state c", "h": "hidden state h", "r": "reset gate r", "z": "update gate z",
    "n": "candidate n",
}
_TORCH = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class Recurrent(nn.Module):
    """A stack of ``num_layers`` recurrent layers of one cell type, batch-first."""

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 forget_bias: float = 1.0):
        super().__init__()
        if cell not in _TORCH:
            raise ValueError(f"cell must be one of {', '.join(_TORCH)}, not '{cell}'")
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.rnn = _TORCH[cell](input_size, hidden_size, num_layers, batch_first=True)
        self.set_forget_bias(forget_bias)

    def set_forget_bias(self, value: float) -> None:
        """Initialise the bias that decides 'keep' by default: the LSTM forget gate (rows H:2H of
        the i, f, g, o stack) or the GRU update gate z (rows H:2H of r, z, n). We put the whole
        value in ``bias_ih`` and zero the matching part of ``bias_hh`` so the sum is ``value``."""
        if self.cell == "rnn":
            return
        H = self.hidden_size
        with torch.no_grad():
            for k in range(self.num_layers):
                getattr(self.rnn, f"bias_ih_l{k}")[H: 2 * H].fill_(value)
                getattr(self.rnn, f"bias_hh_l{k}")[H: 2 * H].zero_()

    # -- fast path (training) ------------------------------------------------------------------------
    def forward(self, x: torch.Tensor, state=None):
        """x (B, T, I) -> outputs (B, T, H), final state (torch's fused kernel)."""
        return self.rnn(x, state)

    # -- slow, readable path (views) -------------------------------------------------------------------
    def weights(self, k: int):
        r = self.rnn
        return (getattr(r, f"weight_ih_l{k}"), getattr(r, f"weight_hh_l{k}"),
                getattr(r, f"bias_ih_l{k}"), getattr(r, f"bias_hh_l{k}"))

    def zero_state(self, B: int, device=None, dtype=None) -> list[tuple[torch.Tensor, ...]]:
        """Per layer: (h, c) for an LSTM, (h,) otherwise; each (B, H)."""
        z = torch.zeros(B, self.hidden_size, device=device, dtype=dtype)
        return [(z, z) if self.cell == "lstm" else (z,) for _ in range(self.num_layers)]

    def from_torch_state(self, state) -> list[tuple[torch.Tensor, ...]]:
        """torch's (h0, c0) with (L, B, H) tensors (or h0 alone) -> our per-layer list."""
        if self.cell == "lstm":
            h0, c0 = state
            return [(h0[k], c0[k]) for k in range(self.num_layers)]
        return [(state[k],) for k in range(self.num_layers)]

    def to_torch_state(self, state: list[tuple[torch.Tensor, ...]]):
        h = torch.stack([s[0] for s in state])  # (L, B, H)
        if self.cell == "lstm":
            return h, torch.stack([s[1] for s in state])
        return h

    def step(self, k: int, x_t: torch.Tensor, s: tuple[torch.Tensor, ...]):
        """One time step of layer k. x_t (B, I_k), s = (h, c) or (h,), each (B, H).
        Returns the new state and a dict of every gate, each (B, H)."""
        W_ih, W_hh, b_ih, b_hh = self.weights(k)
        gx = x_t @ W_ih.T + b_ih  # (B, nG*H) the input's contribution to every gate
        gh = s[0] @ W_hh.T + b_hh  # (B, nG*H) the previous hidden state's contribution
        if self.cell == "lstm":
            h, c = s
            i, f, g, o = (gx + gh).chunk(4, dim=1)  # each (B, H); torch's order is i, f, g, o
            i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)
            g = torch.tanh(g)
            c = f * c + i * g  # keep part of the old memory, write part of the candidate
            h = o * torch.tanh(c)  # expose part of the memory
            return (h, c), {"f": f, "i": i, "o": o, "g": g, "c": c, "h": h}
        if self.cell == "gru":
            (h,) = s
            r_x, z_x, n_x = gx.chunk(3, dim=1)  # each (B, H)
            r_h, z_h, n_h = gh.chunk(3, dim=1)
            r = torch.sigmoid(r_x + r_h)
            z = torch.sigmoid(z_x + z_h)
            n = torch.tanh(n_x + r * n_h)
            h = (1 - z) * n + z * h
            return (h,), {"r": r, "z": z, "n": n, "h": h}
        h = torch.tanh(gx + gh)  # the plain RNN: everything is squashed through one tanh
        return (h,), {"h": h}

    def trace(self, x: torch.Tensor, state=None):
        """The step-by-step loop. x (B, T, I); ``state`` in torch's format or None.

        Returns ``out`` (B, T, H) top-layer outputs, ``final`` (torch's state format), ``gates``
        {name: (L, B, T, H)}, and ``h_steps``: the list of the top layer's T hidden states (each
        (B, H)) as used in the graph, so ∂loss/∂h_t can be taken with ``torch.autograd.grad``.
        """
        B, T, _ = x.shape
        states = self.zero_state(B, x.device, x.dtype) if state is None else self.from_torch_state(state)
        layer_in = x  # (B, T, I) for layer 0, then (B, T, H)
        all_gates: dict[str, list[torch.Tensor]] = {n: [] for n in GATES[self.cell]}
        h_steps: list[torch.Tensor] = []
        for k in range(self.num_layers):
            s = states[k]
            per_t: dict[str, list[torch.Tensor]] = {n: [] for n in GATES[self.cell]}
            hs = []
            for t in range(T):
                s, gates = self.step(k, layer_in[:, t], s)
                hs.append(s[0])
                for n, v in gates.items():
                    per_t[n].append(v)
            states[k] = s
            for n, vs in per_t.items():
                all_gates[n].append(torch.stack(vs, dim=1))  # (B, T, H)
            layer_in = torch.stack(hs, dim=1)  # (B, T, H) feeds the next layer
            h_steps = hs
        gates = {n: torch.stack(v) for n, v in all_gates.items()}  # (L, B, T, H)
        return layer_in, self.to_torch_state(states), gates, h_steps


class SeqModel(nn.Module):
    """Input layer -> Recurrent -> linear head applied at every time step.

    Token tasks (copy, parentheses, charlm) embed token ids; value tasks (sine, adding) take
    (B, T, I) floats directly.
    """

    def __init__(self, cell: str, n_in: int, n_out: int, hidden_size: int, num_layers: int = 1,
                 forget_bias: float = 1.0, tokens: bool = False, emb_dim: int = 32):
        super().__init__()
        self.tokens = tokens
        self.embed = nn.Embedding(n_in, min(emb_dim, n_in)) if tokens else None
        rnn_in = self.embed.embedding_dim if tokens else n_in
        self.rnn = Recurrent(cell, rnn_in, hidden_size, num_layers, forget_bias)
        self.head = nn.Linear(hidden_size, n_out)

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed(x) if self.embed is not None else x  # (B, T, I)

    def forward(self, x: torch.Tensor, state=None):
        """x (B, T) token ids or (B, T, I) values -> logits/predictions (B, T, V), final state."""
        out, state = self.rnn(self.inputs(x), state)  # (B, T, H)
        return self.head(out), state

    def trace(self, x: torch.Tensor, state=None):
        """Like forward, through the step-by-step loop: (pred, final, gates, h_steps)."""
        out, state, gates, h_steps = self.rnn.trace(self.inputs(x), state)
        return self.head(out), state, gates, h_steps


def sample_logits(logits: torch.Tensor, temperature: float, top_k: int, gen: torch.Generator) -> torch.Tensor:
    """Sample one id per row from logits (B, V) with a temperature and optional top-k."""
    logits = logits / max(temperature, 1e-6)
    if 0 < top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]  # (B, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = F.softmax(logits, dim=-1)
    return torch.multinomial(probs, 1, generator=gen).squeeze(-1)  # (B,)
