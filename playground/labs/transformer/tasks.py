"""Task generators. Every batch is made on the device from a seeded ``torch.Generator`` (no host sync).

Sequence-to-sequence tasks return ``(src, tgt)``: ``src`` (B, S) source tokens padded with ``<pad>``,
``tgt`` (B, T) answer tokens followed by ``</s>`` and padding. The decoder reads ``<s>`` + answer and
predicts answer + ``</s>``. ``charlm`` returns ``(x, y)`` windows of a text, ``y`` shifted by one.
"""

from __future__ import annotations

import torch

from .vocab import (
    BOS,
    DAYS_IN_MONTH,
    EOS,
    MONTHS,
    PAD,
    SPECIALS,
    addition_labels,
    corpus_path,
    day_words,
    load_text,
    symbol_labels,
    translate_labels,
)

NS = len(SPECIALS)  # first real token id


class Task:
    name = ""
    seq2seq = True
    labels: list[str]
    max_src: int  # longest source
    max_tgt: int  # longest answer including </s>

    def sample(self, n: int, gen: torch.Generator, device) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def source_spec(self) -> dict:
        raise NotImplementedError

    def solve(self, src: list[int]) -> list[int]:
        """The correct answer (without </s>) for one source, as token ids."""
        raise NotImplementedError

    def default_probe(self) -> list[int]:
        raise NotImplementedError

    def text(self, ids) -> str:
        return " ".join(self.labels[i] for i in ids if i != PAD)

    @property
    def vocab_size(self) -> int:
        return len(self.labels)


class SymbolTask(Task):
    """copy / reverse / sort a sequence of ``seq_len`` symbols drawn from ``vocab``."""

    def __init__(self, name: str, seq_len: int, vocab: int):
        self.name, self.L, self.V = name, seq_len, vocab
        self.labels = symbol_labels(vocab)
        self.max_src, self.max_tgt = seq_len, seq_len + 1

    def _answer(self, src: torch.Tensor) -> torch.Tensor:
        if self.name == "copy":
            return src.clone()
        if self.name == "reverse":
            return src.flip(-1)
        return src.sort(dim=-1).values

    def sample(self, n, gen, device):
        src = torch.randint(NS, NS + self.V, (n, self.L), generator=gen, device=device)  # (B, L)
        eos = torch.full((n, 1), EOS, dtype=torch.long, device=device)
        return src, torch.cat([self._answer(src), eos], 1)  # (B, L), (B, L+1)

    def solve(self, src):
        return self._answer(torch.tensor(src)).tolist()

    def source_spec(self):
        ex = "".join(self.labels[NS + (i * 7 + 3) % self.V] for i in range(self.L))
        return {"kind": "symbols", "labels": self.labels, "min_len": self.L, "max_len": self.L,
                "example": ex, "allowed": f"{self.labels[NS]}…{self.labels[-1]}"}

    def default_probe(self):
        # a fixed, readable probe: 0 1 2 ... cycling through the symbols, then shuffled deterministically
        g = torch.Generator().manual_seed(1234)
        return (torch.randint(NS, NS + self.V, (self.L,), generator=g)).tolist()


class AdditionTask(Task):
    """``a+b`` with 1..n-digit numbers, answer written out in digits (most significant first)."""

    name = "addition"

    def __init__(self, digits: int):
        self.n = max(1, min(9, digits))
        self.labels = addition_labels()
        self.plus = self.labels.index("+")
        self.max_src, self.max_tgt = 2 * self.n + 1, self.n + 2

    def _digits(self, v: torch.Tensor, nd: torch.Tensor, width: int, offset: torch.Tensor) -> torch.Tensor:
        """Tokens (B, width): the nd digits of v written from column ``offset``, else PAD."""
        pos = torch.arange(width, device=v.device).unsqueeze(0) - offset.unsqueeze(1)  # (B, W)
        inside = (pos >= 0) & (pos < nd.unsqueeze(1))
        power = (nd.unsqueeze(1) - 1 - pos).clamp(min=0)
        digit = (v.unsqueeze(1) // torch.pow(10, power)) % 10
        return torch.where(inside, digit + NS, torch.full_like(digit, PAD))

    def _random_number(self, n, gen, device):
        nd = torch.randint(1, self.n + 1, (n,), generator=gen, device=device)
        lo = torch.where(nd == 1, torch.zeros_like(nd), torch.pow(10, nd - 1))
        hi = torch.pow(10, nd)
        v = lo + (torch.rand(n, generator=gen, device=device, dtype=torch.float64) * (hi - lo)).long()
        return v, nd

    @staticmethod
    def _ndigits(v: torch.Tensor) -> torch.Tensor:
        nd = torch.ones_like(v)
        for k in range(1, 11):
            nd = nd + (v >= 10 ** k).long()
        return nd

    def sample(self, n, gen, device):
        a, na = self._random_number(n, gen, device)
        b, nb = self._random_number(n, gen, device)
        zero = torch.zeros_like(na)
        W = self.max_src
        src = torch.maximum(self._digits(a, na, W, zero), self._digits(b, nb, W, na + 1))
        pos = torch.arange(W, device=device).unsqueeze(0)
        src = torch.where(pos == na.unsqueeze(1), torch.full_like(src, self.plus), src)
        s = a + b
        ns = self._ndigits(s)
        tgt = self._digits(s, ns, self.max_tgt, zero)
        tgt = torch.where(torch.arange(self.max_tgt, device=device).unsqueeze(0) == ns.unsqueeze(1),
                          torch.full_like(tgt, EOS), tgt)
        return src, tgt

    def solve(self, src):
        text = "".join(self.labels[i] for i in src if i != PAD)
        a, b = text.split("+")
        return [self.labels.index(c) for c in str(int(a) + int(b))]

    def source_spec(self):
        ex = "4" * 1 + "2" * (self.n - 1) + "+" + "9" * self.n
        return {"kind": "addition", "labels": self.labels, "min_len": 3, "max_len": self.max_src,
                "digits": self.n, "example": ex, "allowed": "digits and '+'"}

    def default_probe(self):
        a = int("1234567890"[: self.n] or "1")
        b = int("9876543210"[: max(1, self.n - 1)])
        return [self.labels.index(c) for c in f"{a}+{b}"]


class TranslateTask(Task):
    """Spelled-out dates into ISO digits, with reordering: 'twenty first of march 1987' -> '1987-03-21'."""

    name = "translate"

    def __init__(self):
        self.labels = translate_labels()
        ix = {lab: i for i, lab in enumerate(self.labels)}
        self.ix = ix
        self.max_src, self.max_tgt = 8, 11  # 2 day words + 'of' + month + 4 year digits; 'YYYY-MM-DD' + </s>
        # day -> (2,) tokens (second one PAD for one-word days)
        table = torch.full((32, 2), PAD, dtype=torch.long)
        for d in range(1, 32):
            w = day_words(d)
            table[d, : len(w)] = torch.tensor([ix[x] for x in w])
        self.day_table = table
        self.dim = torch.tensor(DAYS_IN_MONTH)
        self.month_tok = torch.tensor([ix[m] for m in MONTHS])

    def sample(self, n, gen, device):
        month = torch.randint(0, 12, (n,), generator=gen, device=device)
        dim = self.dim.to(device)[month]
        day = 1 + (torch.rand(n, generator=gen, device=device) * dim).long().clamp(max=30)
        day = torch.minimum(day, dim)
        century = torch.randint(19, 21, (n,), generator=gen, device=device)
        yy = torch.randint(0, 100, (n,), generator=gen, device=device)
        year = century * 100 + yy
        ydig = torch.stack([(year // 10 ** k) % 10 for k in (3, 2, 1, 0)], 1) + NS  # (B, 4)
        dw = self.day_table.to(device)[day]  # (B, 2)
        of = torch.full((n, 1), self.ix["of"], dtype=torch.long, device=device)
        mt = self.month_tok.to(device)[month].unsqueeze(1)
        pad = torch.full((n, 1), PAD, dtype=torch.long, device=device)
        full = torch.cat([dw, of, mt, ydig, pad], 1)  # (B, 9)
        one = (dw[:, 1] == PAD).unsqueeze(1)  # one-word day: close the gap
        idx = torch.arange(8, device=device).unsqueeze(0).expand(n, 8)
        idx = torch.where(one & (idx >= 1), idx + 1, idx)
        src = full.gather(1, idx)  # (B, 8)
        m1 = month + 1
        mdig = torch.stack([m1 // 10, m1 % 10], 1) + NS
        ddig = torch.stack([day // 10, day % 10], 1) + NS
        dash = torch.full((n, 1), self.ix["-"], dtype=torch.long, device=device)
        eos = torch.full((n, 1), EOS, dtype=torch.long, device=device)
        tgt = torch.cat([ydig, dash, mdig, dash, ddig, eos], 1)  # (B, 11)
        return src, tgt

    def solve(self, src):
        words = [self.labels[i] for i in src if i != PAD]
        digits = [w for w in words if w.isdigit()]
        try:
            mi = next(i for i, w in enumerate(words) if w in MONTHS)
        except StopIteration:
            return []
        dwords = words[: words.index("of")] if "of" in words else words[:mi]
        day = next((d for d in range(1, 32) if day_words(d) == dwords), None)
        if day is None or len(digits) != 4:
            return []
        out = "".join(digits) + f"-{MONTHS.index(words[mi]) + 1:02d}-{day:02d}"
        return [self.ix[c] for c in out]

    def source_spec(self):
        return {"kind": "words", "labels": self.labels, "min_len": 1, "max_len": self.max_src,
                "example": "twenty first of march 1987",
                "allowed": "ordinal day words (first … thirty first), 'of', month names and year digits"}

    def default_probe(self):
        return [self.ix[w] for w in ["twenty", "first", "of", "march", "1", "9", "8", "7"]]


class CharTask(Task):
    """Next-character prediction on a text, windows of ``seq_len`` characters (last 10% held out)."""

    name = "charlm"
    seq2seq = False

    def __init__(self, text_name: str, seq_len: int):
        text = load_text(corpus_path(text_name))
        chars = sorted(set(text))
        self.labels = SPECIALS + chars
        self.ix = {c: i for i, c in enumerate(self.labels)}
        data = torch.tensor([self.ix[c] for c in text], dtype=torch.long)
        if len(data) < 2 * (seq_len + 1) + 10:
            raise ValueError(f"the text is too short ({len(text)} characters) for seq_len={seq_len}")
        self.L = seq_len
        cut = max(int(len(data) * 0.9), len(data) - 5000)
        cut = min(cut, len(data) - seq_len - 2)
        self.train, self.val = data[:cut], data[cut:]
        self.max_src, self.max_tgt = seq_len, seq_len
        self.n_chars = len(text)
        self._dev = None

    def to(self, device):
        if self._dev != device:
            self.train, self.val, self._dev = self.train.to(device), self.val.to(device), device
        return self

    def sample(self, n, gen, device, split="train"):
        self.to(device)
        data = self.train if split == "train" else self.val
        start = torch.randint(0, len(data) - self.L - 1, (n,), generator=gen, device=device)
        idx = start.unsqueeze(1) + torch.arange(self.L + 1, device=device).unsqueeze(0)  # (B, L+1)
        w = data[idx]
        return w[:, :-1], w[:, 1:]

    def source_spec(self):
        return {"kind": "chars", "labels": self.labels, "min_len": 1, "max_len": self.L,
                "example": "The ", "allowed": "characters of the text"}

    def default_probe(self):
        # the first seq_len characters of the held-out part
        return self.val[: self.L].tolist()

    def text(self, ids) -> str:
        return "".join(self.labels[i] for i in ids if i >= len(SPECIALS))


def make_task(cfg) -> Task:
    if cfg.task in ("copy", "reverse", "sort"):
        return SymbolTask(cfg.task, cfg.seq_len, cfg.vocab)
    if cfg.task == "addition":
        return AdditionTask(cfg.seq_len)
    if cfg.task == "translate":
        return TranslateTask()
    if cfg.task == "charlm":
        return CharTask(cfg.text, cfg.seq_len)
    raise ValueError(f"unknown task '{cfg.task}'")


__all__ = ["Task", "SymbolTask", "AdditionTask", "TranslateTask", "CharTask", "make_task", "PAD", "BOS",
           "EOS"]
