"""A small Transformer written out in one file, in the spirit of nanoGPT.

Shapes in comments: B batch, T target (decoder) length, S source (encoder) length, C = d_model,
nh heads, hs = C // nh head size, V vocabulary size.

Masks follow ``F.scaled_dot_product_attention``: a boolean mask is True where a query MAY attend to a
key. Every attention module can return its per-head weights (B, nh, T, S) for the views, and any head
can be switched off (its output zeroed) through ``head_mask``.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# -- positional encoding ---------------------------------------------------------------------------------
def sinusoidal_table(n_pos: int, d_model: int) -> torch.Tensor:
    """(n_pos, C): PE[p, 2i] = sin(p / 10000^(2i/C)), PE[p, 2i+1] = cos(p / 10000^(2i/C))."""
    pos = torch.arange(n_pos, dtype=torch.float32).unsqueeze(1)  # (P, 1)
    freq = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    pe = torch.zeros(n_pos, d_model)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq)[:, : d_model // 2]
    return pe


class PositionalEncoding(nn.Module):
    """Adds a vector per position to the token embeddings: fixed sine waves, learned, or none (zeros:
    without positions self-attention cannot tell one order of the tokens from another)."""

    def __init__(self, max_len: int, d_model: int, kind: str = "sinusoidal"):
        super().__init__()
        self.kind = kind
        if kind == "learned":
            self.table = nn.Parameter(torch.randn(max_len, d_model) * 0.5)
        elif kind == "none":
            self.register_buffer("table", torch.zeros(max_len, d_model), persistent=False)
        else:
            self.register_buffer("table", sinusoidal_table(max_len, d_model), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T, C)
        return x + self.table[: x.size(1)]  # (B, T, C)


# -- attention ------------------------------------------------------------------------------------------
class MultiHeadAttention(nn.Module):
    """Scaled dot-product attention with ``n_heads`` heads.

    Self-attention when ``mem`` is None (queries, keys and values from ``x``); cross-attention otherwise
    (queries from ``x``, keys and values from the encoder output ``mem``).
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float = 0.0):
        super().__init__()
        assert d_model % n_heads == 0, "d_model must be divisible by n_heads"
        self.nh, self.hs = n_heads, d_model // n_heads
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.attn_drop = nn.Dropout(dropout)
        self.register_buffer("head_mask", torch.ones(n_heads))  # 1 = head on, 0 = switched off

    def forward(self, x: torch.Tensor, mem: torch.Tensor | None = None, mask: torch.Tensor | None = None,
                need_weights: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x (B, T, C), mem (B, S, C) or None, mask broadcastable to (B, nh, T, S), True = may attend.
        Returns y (B, T, C) and, if ``need_weights``, the attention weights (B, nh, T, S)."""
        B, T, C = x.shape
        src = x if mem is None else mem
        S = src.size(1)
        q = self.q(x).view(B, T, self.nh, self.hs).transpose(1, 2)  # (B, nh, T, hs)
        k = self.k(src).view(B, S, self.nh, self.hs).transpose(1, 2)  # (B, nh, S, hs)
        v = self.v(src).view(B, S, self.nh, self.hs).transpose(1, 2)  # (B, nh, S, hs)
        att = None
        if need_weights:
            # written out, so the weights can be shown: softmax(q k^T / sqrt(hs)) per head
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.hs)  # (B, nh, T, S)
            if mask is not None:
                scores = scores.masked_fill(~mask, float("-inf"))
            att = F.softmax(scores, dim=-1)  # (B, nh, T, S), rows sum to 1
            y = self.attn_drop(att) @ v  # (B, nh, T, hs)
        else:
            # the same computation, fused (faster); tests check both paths agree
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                               dropout_p=self.attn_drop.p if self.training else 0.0)
        y = y * self.head_mask.view(1, self.nh, 1, 1)  # ablation: a switched-off head contributes zeros
        y = y.transpose(1, 2).reshape(B, T, C)  # (B, T, C): heads side by side
        return self.proj(y), att


class FeedForward(nn.Module):
    """Position-wise MLP: Linear(C, d_ff) -> ReLU -> Linear(d_ff, C), applied to every token alone."""

    def __init__(self, d_model: int, d_ff: int, dropout: float = 0.0):
        super().__init__()
        self.fc1 = nn.Linear(d_model, d_ff)
        self.fc2 = nn.Linear(d_ff, d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):  # (B, T, C) -> (B, T, C)
        return self.fc2(self.drop(F.relu(self.fc1(x))))


class Block(nn.Module):
    """One Transformer layer: self-attention, optional cross-attention, feed-forward, each wrapped in a
    residual connection with layer norm before (``norm='pre'``) or after (``'post'``) the sub-layer."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float = 0.0, norm: str = "pre",
                 cross: bool = False):
        super().__init__()
        self.pre = norm == "pre"
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout)
        self.ln1 = nn.LayerNorm(d_model)
        self.cross_attn = MultiHeadAttention(d_model, n_heads, dropout) if cross else None
        self.ln_cross = nn.LayerNorm(d_model) if cross else None
        self.ff = FeedForward(d_model, d_ff, dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.drop = nn.Dropout(dropout)

    def _sub(self, x, ln, fn):
        """Residual sub-layer: x + f(LN(x)) (pre-norm) or LN(x + f(x)) (post-norm)."""
        if self.pre:
            y, att = fn(ln(x))
            return x + self.drop(y), att
        y, att = fn(x)
        return ln(x + self.drop(y)), att

    def forward(self, x, mem=None, self_mask=None, mem_mask=None, need_weights=False):
        """x (B, T, C); mem (B, S, C) for cross-attention. Returns x (B, T, C) and the weights
        {'self': (B, nh, T, T), 'cross': (B, nh, T, S)} (None unless ``need_weights``)."""
        nw = need_weights
        x, a_self = self._sub(x, self.ln1, lambda h: self.self_attn(h, mask=self_mask, need_weights=nw))
        a_cross = None
        if self.cross_attn is not None:
            x, a_cross = self._sub(x, self.ln_cross,
                                   lambda h: self.cross_attn(h, mem, mask=mem_mask, need_weights=nw))
        x, _ = self._sub(x, self.ln2, lambda h: (self.ff(h), None))
        return x, {"self": a_self, "cross": a_cross}


def causal_mask(T: int, device=None) -> torch.Tensor:
    """(T, T) True on and below the diagonal: position t may attend to positions <= t only."""
    return torch.ones(T, T, dtype=torch.bool, device=device).tril()


def key_mask(tokens: torch.Tensor, pad: int = 0) -> torch.Tensor:
    """(B, 1, 1, S) True where the key is a real token (not padding)."""
    return (tokens != pad)[:, None, None, :]


# -- the two architectures ------------------------------------------------------------------------------
class Transformer(nn.Module):
    """Encoder-decoder (``arch='encdec'``) or decoder-only (``arch='decoder'``) Transformer.

    One token embedding table is shared by encoder and decoder (one vocabulary per task). The output
    layer maps the final decoder states to logits over the vocabulary.
    """

    def __init__(self, vocab_size: int, d_model: int = 64, n_heads: int = 4, n_layers: int = 2,
                 d_ff: int = 128, dropout: float = 0.0, max_len: int = 64, pos_encoding: str = "sinusoidal",
                 norm: str = "pre", arch: str = "encdec"):
        super().__init__()
        self.arch, self.pre, self.max_len = arch, norm == "pre", max_len
        self.n_layers, self.n_heads = n_layers, n_heads
        self.tok = nn.Embedding(vocab_size, d_model)
        # as in "Attention is all you need": small stored vectors, multiplied by sqrt(C) when used, so the
        # embeddings start like unit-variance noise but Adam moves them sqrt(C) times faster
        nn.init.normal_(self.tok.weight, std=d_model ** -0.5)
        self.emb_scale = math.sqrt(d_model)
        self.pos = PositionalEncoding(max_len, d_model, pos_encoding)
        self.drop = nn.Dropout(dropout)
        if arch == "encdec":
            self.encoder = nn.ModuleList(Block(d_model, n_heads, d_ff, dropout, norm)
                                         for _ in range(n_layers))
            self.ln_enc = nn.LayerNorm(d_model) if self.pre else nn.Identity()
        self.decoder = nn.ModuleList(Block(d_model, n_heads, d_ff, dropout, norm, cross=arch == "encdec")
                                     for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model) if self.pre else nn.Identity()
        self.head = nn.Linear(d_model, vocab_size)

    def embed(self, idx: torch.Tensor) -> torch.Tensor:  # (B, T) -> (B, T, C)
        return self.drop(self.pos(self.tok(idx) * self.emb_scale))

    def encode(self, src, src_keys=None, need_weights=False):
        """src (B, S) -> memory (B, S, C) and the encoder self-attention weights per layer."""
        x, weights = self.embed(src), []
        for blk in self.encoder:
            x, w = blk(x, self_mask=src_keys, need_weights=need_weights)
            weights.append(w["self"])
        return self.ln_enc(x), weights

    def decode(self, tgt_in, mem=None, src_keys=None, tgt_keys=None, need_weights=False):
        """tgt_in (B, T) -> logits (B, T, V), decoder self- and cross-attention weights per layer."""
        T = tgt_in.size(1)
        mask = causal_mask(T, tgt_in.device)  # (T, T)
        if tgt_keys is not None:
            mask = mask & tgt_keys  # (B, 1, T, T)
        x, w_self, w_cross = self.embed(tgt_in), [], []
        for blk in self.decoder:
            x, w = blk(x, mem, self_mask=mask, mem_mask=src_keys, need_weights=need_weights)
            w_self.append(w["self"])
            w_cross.append(w["cross"])
        return self.head(self.ln_f(x)), w_self, w_cross

    def forward(self, src, tgt_in, need_weights=False, pad: int = 0):
        """Encoder-decoder: src (B, S), tgt_in (B, T) = <s> + answer. Decoder-only: ``src`` is None and
        ``tgt_in`` the whole sequence. Returns logits (B, T, V) and {'enc', 'dec', 'cross'}: lists with one
        (B, nh, ., .) weight tensor per layer (or None)."""
        if self.arch == "encdec":
            keys = key_mask(src, pad)
            mem, w_enc = self.encode(src, keys, need_weights)
            logits, w_dec, w_cross = self.decode(tgt_in, mem, keys, None, need_weights)
            return logits, {"enc": w_enc, "dec": w_dec, "cross": w_cross}
        keys = key_mask(tgt_in, pad)  # (B, 1, 1, T): padding inside the sequence is never attended to
        logits, w_dec, _ = self.decode(tgt_in, None, None, keys, need_weights)
        return logits, {"enc": [], "dec": w_dec, "cross": []}

    # -- heads -------------------------------------------------------------------------------------
    def attention(self, kind: str, layer: int) -> MultiHeadAttention:
        if kind == "enc":
            if self.arch != "encdec":
                raise ValueError("a decoder-only model has no encoder")
            return self.encoder[layer].self_attn
        if kind == "dec":
            return self.decoder[layer].self_attn
        if kind == "cross":
            if self.arch != "encdec":
                raise ValueError("a decoder-only model has no cross-attention")
            return self.decoder[layer].cross_attn
        raise ValueError(f"unknown attention kind '{kind}' (enc, dec or cross)")

    def kinds(self) -> list[str]:
        return ["enc", "dec", "cross"] if self.arch == "encdec" else ["dec"]

    def ablated(self) -> list[tuple[str, int, int]]:
        out = []
        for kind in self.kinds():
            for layer in range(self.n_layers):
                hm = self.attention(kind, layer).head_mask
                out.extend((kind, layer, h) for h in range(len(hm)) if hm[h] == 0)
        return out
