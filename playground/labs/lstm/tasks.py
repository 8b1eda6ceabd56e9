"""The lab's tasks: data generators, losses, metrics, baselines and ground-truth signals.

Every task makes batches on the session's device from the session's ``torch.Generator`` (so runs
are reproducible bit for bit) and defines:

- ``batch(B, gen) -> (x, y)``: x is (B, T, I) floats or (B, T) token ids; y the targets;
- ``loss(pred, y) -> (loss, metric)``: scalar tensors; ``metric`` is named ``self.metric``
  ("mse" or "accuracy");
- ``last_loss(pred, y)``: the loss of the last supervised time step only (its gradient w.r.t. every
  earlier hidden state is the gradient-flow view);
- ``baseline`` / ``baseline_loss``: what a model without memory achieves (None when undefined);
- ``probe(B, seed) -> Probe``: fixed sequences for the views, with input labels for the time axis
  and ground-truth signals for the cell finder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from .corpus import load_text

IGNORE = -100


@dataclass
class Probe:
    x: torch.Tensor  # (B, T, I) or (B, T)
    y: torch.Tensor
    labels: list[str]  # one label per time step of sequence 0, drawn under the time axis
    signals: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (B, T) ground truth
    extra: dict = field(default_factory=dict)  # task-specific plain data for the output panel


class Task:
    name = ""
    metric = "mse"
    tokens = False
    n_in = 1
    n_out = 1
    baseline: float | None = None
    baseline_loss: float | None = None

    def __init__(self, cfg, device):
        self.cfg, self.device, self.T = cfg, torch.device(device), int(cfg.seq_len)

    def batch(self, B: int, gen: torch.Generator):
        raise NotImplementedError

    def loss(self, pred: torch.Tensor, y: torch.Tensor):
        raise NotImplementedError

    def last_loss(self, pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def probe(self, B: int, seed: int) -> Probe:
        raise NotImplementedError

    def _gen(self, seed: int) -> torch.Generator:
        g = torch.Generator(device=self.device)
        g.manual_seed(int(seed))
        return g

    def _rand(self, *shape, gen):
        return torch.rand(*shape, generator=gen, device=self.device)


class PerStepClassTask(Task):
    """Tasks whose target is a class at every time step (parentheses depth, next character)."""

    def loss(self, pred, y):
        loss = F.cross_entropy(pred.reshape(-1, self.n_out), y.reshape(-1))
        acc = (pred.argmax(-1) == y).float().mean()
        return loss, acc

    def last_loss(self, pred, y):
        return F.cross_entropy(pred[:, -1], y[:, -1])


# ---------------------------------------------------------------------------------------------------
class SineTask(Task):
    """Forecast the next value of a noisy sum of sines. Input x_t = s(t) + noise, target s(t+1)."""

    name, metric = "sine", "mse"
    FREQS = (0.23, 0.41, 0.11, 0.67, 0.17)

    def __init__(self, cfg, device):
        super().__init__(cfg, device)
        self.waves, self.noise = int(cfg.waves), float(cfg.noise)
        # the baseline repeats the last input: MSE of x_t as a forecast of s(t+1)
        x, y = self.batch(4096, self._gen(12345))
        self.baseline = self.baseline_loss = float(F.mse_loss(x, y))

    def signal(self, B: int, gen, T: int):
        """Clean signal (B, T) with random amplitudes and phases."""
        t = torch.arange(T, device=self.device, dtype=torch.float32)  # (T,)
        w = torch.tensor(self.FREQS[: self.waves], device=self.device)  # (K,)
        amp = 0.5 + 0.5 * self._rand(B, self.waves, 1, gen=gen)  # (B, K, 1)
        phase = 2 * math.pi * self._rand(B, self.waves, 1, gen=gen)
        s = (amp * torch.sin(w[None, :, None] * t + phase)).sum(1) / self.waves  # (B, T)
        return s

    def batch(self, B, gen, T=None):
        T = T or self.T
        s = self.signal(B, gen, T + 1)  # (B, T+1)
        eps = torch.randn(B, T, generator=gen, device=self.device)
        x = (s[:, :T] + self.noise * eps).unsqueeze(-1)  # (B, T, 1)
        y = s[:, 1:].unsqueeze(-1)  # (B, T, 1)
        return x, y

    def loss(self, pred, y):
        loss = F.mse_loss(pred, y)
        return loss, loss

    def last_loss(self, pred, y):
        return F.mse_loss(pred[:, -1], y[:, -1])

    def probe(self, B, seed):
        x, y = self.batch(B, self._gen(seed), T=self.T)
        labels = [f"{v:+.1f}" for v in x[0, :, 0].tolist()]
        clean = torch.cat([x[:, :1, 0], y[:, :-1, 0]], 1)  # s(t) (B, T) (first step: noisy)
        # the whole next stretch of signal, to compare with free-running generation
        return Probe(x, y, labels, {"signal s(t)": clean.cpu().numpy()})


class AddingTask(Task):
    """The adding problem (Hochreiter & Schmidhuber 1997): values in [0, 1] and a marker channel
    with two 1s, one in each half of the sequence. At the last step, output the sum of the two
    marked values. Predicting the mean (1.0) always scores MSE 1/6 ≈ 0.167."""

    name, metric, n_in = "adding", "mse", 2
    baseline = baseline_loss = 1.0 / 6.0

    def batch(self, B, gen):
        T, half = self.T, self.T // 2
        v = self._rand(B, T, gen=gen)  # (B, T) values
        a = (self._rand(B, gen=gen) * half).long()  # first marker in [0, T/2)
        b = half + (self._rand(B, gen=gen) * (T - half)).long()  # second in [T/2, T)
        m = torch.zeros(B, T, device=self.device)
        rows = torch.arange(B, device=self.device)
        m[rows, a] = 1.0
        m[rows, b] = 1.0
        x = torch.stack([v, m], -1)  # (B, T, 2)
        y = (v * m).sum(1, keepdim=True)  # (B, 1)
        return x, y

    def loss(self, pred, y):
        loss = F.mse_loss(pred[:, -1], y)  # only the last step is supervised
        return loss, loss

    def last_loss(self, pred, y):
        return F.mse_loss(pred[:, -1], y)

    def probe(self, B, seed):
        x, y = self.batch(B, self._gen(seed))
        v, m = x[0, :, 0].tolist(), x[0, :, 1].tolist()
        labels = [f"▲{vi:.2f}" if mi > 0 else "" for vi, mi in zip(v, m, strict=True)]
        vm = (x[..., 0] * x[..., 1]).cpu().numpy()
        return Probe(x, y, labels, {"marked sum so far": np.cumsum(vm, 1), "marker": x[..., 1].cpu().numpy()})


_SYMBOLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class CopyTask(Task):
    """Read ``copy_len`` symbols, wait through blanks, see the delimiter, then reproduce them.
    Input tokens: 0 blank, 1..V symbols, V+1 delimiter. Targets (classes 0..V-1) only on the
    last ``copy_len`` steps. Guessing scores accuracy 1/V and loss ln V."""

    name, metric, tokens = "copy", "accuracy", True

    def __init__(self, cfg, device):
        super().__init__(cfg, device)
        self.L, self.V = int(cfg.copy_len), int(cfg.vocab)
        if self.T < 2 * self.L + 1:
            raise ValueError(f"copy: seq_len {self.T} is shorter than 2*copy_len+1 = {2 * self.L + 1}")
        self.n_in, self.n_out = self.V + 2, self.V
        self.baseline, self.baseline_loss = 1.0 / self.V, math.log(self.V)
        self.delim = self.T - self.L - 1

    def batch(self, B, gen):
        T, L = self.T, self.L
        sym = torch.randint(1, self.V + 1, (B, L), generator=gen, device=self.device)  # (B, L)
        x = torch.zeros(B, T, dtype=torch.long, device=self.device)
        x[:, :L] = sym
        x[:, self.delim] = self.V + 1
        y = torch.full((B, T), IGNORE, dtype=torch.long, device=self.device)
        y[:, T - L:] = sym - 1
        return x, y

    def loss(self, pred, y):
        loss = F.cross_entropy(pred.reshape(-1, self.n_out), y.reshape(-1), ignore_index=IGNORE)
        mask = y != IGNORE
        acc = ((pred.argmax(-1) == y) & mask).sum() / mask.sum()
        return loss, acc

    def last_loss(self, pred, y):
        return F.cross_entropy(pred[:, -1], y[:, -1])

    def token_label(self, tok: int) -> str:
        return "·" if tok == 0 else ("▶" if tok == self.V + 1 else _SYMBOLS[tok - 1])

    def probe(self, B, seed):
        x, y = self.batch(B, self._gen(seed))
        labels = [self.token_label(t) for t in x[0].tolist()]
        T = self.T
        t = np.broadcast_to(np.arange(T, dtype=np.float64), (B, T))
        since = np.clip(np.arange(T) - self.delim, 0, None).astype(np.float64)
        return Probe(x, y, labels, {"time step": np.array(t),
                                    "steps since delimiter": np.tile(since, (B, 1))})


class ParenthesesTask(PerStepClassTask):
    """Read a random bracket string (depth kept within [0, max_depth]); at each step output the
    current nesting depth. Tokens 0 '(' and 1 ')'. The baseline always guesses the commonest depth."""

    name, metric, tokens, n_in = "parentheses", "accuracy", True, 2

    def __init__(self, cfg, device):
        super().__init__(cfg, device)
        self.D = int(cfg.max_depth)
        self.n_out = self.D + 1
        _, y = self.batch(2048, self._gen(12345))
        freq = torch.bincount(y.reshape(-1), minlength=self.n_out).double() / y.numel()
        self.baseline = float(freq.max())
        nz = freq[freq > 0]
        self.baseline_loss = float(-(nz * nz.log()).sum())  # entropy of the depth distribution

    def batch(self, B, gen):
        u = self._rand(B, self.T, gen=gen)  # (B, T)
        d = torch.zeros(B, dtype=torch.long, device=self.device)
        toks, depths = [], []
        for t in range(self.T):
            opening = (d == 0) | ((d < self.D) & (u[:, t] < 0.5))
            toks.append(torch.where(opening, 0, 1))
            d = d + torch.where(opening, 1, -1)
            depths.append(d)
        return torch.stack(toks, 1), torch.stack(depths, 1)  # (B, T) tokens, (B, T) depth after each

    def probe(self, B, seed):
        x, y = self.batch(B, self._gen(seed))
        labels = ["()"[t] for t in x[0].tolist()]
        return Probe(x, y, labels, {"depth": y.double().cpu().numpy()})


def _show_char(ch: str) -> str:
    return {"\n": "↵", " ": "␣", "\t": "⇥"}.get(ch, ch)


class CharLMTask(PerStepClassTask):
    """Predict the next character of a text. The baseline knows only character frequencies:
    loss = the unigram entropy, accuracy = share of the commonest character."""

    name, metric, tokens = "charlm", "accuracy", True
    MAX_VOCAB = 200
    UNK = "\ufffd"

    def __init__(self, cfg, device, text: str | None = None):
        super().__init__(cfg, device)
        self.text = text if text is not None else load_text(cfg.text, min_chars=max(200, self.T + 2))
        if len(self.text) < self.T + 2:
            raise ValueError(f"text: only {len(self.text)} characters; seq_len {self.T} needs at least "
                             f"{self.T + 2}")
        counts: dict[str, int] = {}
        for ch in self.text:
            counts[ch] = counts.get(ch, 0) + 1
        common = sorted(counts, key=lambda c: (-counts[c], c))
        keep = common[: self.MAX_VOCAB - 1] if len(common) > self.MAX_VOCAB else common
        self.chars = sorted(keep) + ([self.UNK] if len(common) > len(keep) else [])
        self.stoi = {c: i for i, c in enumerate(self.chars)}
        unk = self.stoi.get(self.UNK, 0)
        ids = np.fromiter((self.stoi.get(c, unk) for c in self.text), np.int64, len(self.text))
        self.ids = ids
        self.data = torch.from_numpy(ids).to(self.device)
        self.n_in = self.n_out = len(self.chars)
        freq = np.bincount(ids, minlength=self.n_out) / len(ids)
        nz = freq[freq > 0]
        self.baseline, self.baseline_loss = float(freq.max()), float(-(nz * np.log(nz)).sum())
        # ground truths for the cell finder, over the whole text
        is_quote = np.array([c in "\"“”" for c in self.text])
        self.inside_quotes = (np.cumsum(is_quote) % 2).astype(np.float64)
        pos, p = np.zeros(len(self.text)), 0
        for k, c in enumerate(self.text):
            p = 0 if c.isspace() else p + 1
            pos[k] = p
        self.pos_in_word = pos

    def encode(self, s: str) -> list[int]:
        return [self.stoi[c] for c in s if c in self.stoi]

    def decode(self, ids) -> str:
        return "".join(self.chars[i] for i in ids)

    def batch(self, B, gen):
        n = len(self.ids) - self.T - 1
        off = torch.randint(0, n, (B,), generator=gen, device=self.device)  # (B,)
        idx = off[:, None] + torch.arange(self.T + 1, device=self.device)  # (B, T+1)
        seq = self.data[idx]
        return seq[:, :-1], seq[:, 1:]

    def probe(self, B, seed):
        g = np.random.default_rng(int(seed))
        n = len(self.ids) - self.T - 1
        off = g.integers(0, n, B)
        # start the first probe at a word boundary when possible, for readability
        idx = off[:, None] + np.arange(self.T + 1)
        seq = torch.from_numpy(self.ids[idx]).to(self.device)
        x, y = seq[:, :-1], seq[:, 1:]
        labels = [_show_char(self.chars[i]) for i in x[0].tolist()]
        sig_idx = idx[:, :-1]
        return Probe(x, y, labels, {"inside quotes": self.inside_quotes[sig_idx],
                                    "position in word": self.pos_in_word[sig_idx]})


TASK_CLASSES = {c.name: c for c in (SineTask, AddingTask, CopyTask, ParenthesesTask, CharLMTask)}


def make_task(cfg, device) -> Task:
    return TASK_CLASSES[cfg.task](cfg, device)
