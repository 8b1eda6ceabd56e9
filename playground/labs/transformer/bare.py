"""A bare training loop for `playground bench`: the same task batches and sizes as a TransformerSession,
trained with torch's own ``nn.Transformer`` (or a causal ``nn.TransformerEncoder`` for decoder-only), no
session, no recording, no weights to show: what the lab's readable model and its session cost.
Compare mode is not reproduced (model A only).
"""

from __future__ import annotations

import math
import warnings


def bare_transformer(config, device, seconds: float, steps: int | None = None) -> float:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    from .tasks import BOS, PAD, make_task

    task = make_task(config)
    gen = torch.Generator(device=device)
    gen.manual_seed(0)
    C, V = config.d_model, task.vocab_size
    decoder_only = config.arch == "decoder" or not task.seq2seq
    max_len = (task.max_src if not task.seq2seq else
               task.max_src + task.max_tgt + 1 if decoder_only else max(task.max_src, task.max_tgt) + 1)
    kw = dict(d_model=C, nhead=config.n_heads, dim_feedforward=config.d_ff, dropout=config.dropout,
              batch_first=True, norm_first=config.norm == "pre")
    if decoder_only:
        core = nn.TransformerEncoder(nn.TransformerEncoderLayer(**kw), config.n_layers,
                                     enable_nested_tensor=False)
    else:
        with warnings.catch_warnings():  # "enable_nested_tensor is True, but ... norm_first": irrelevant here
            warnings.simplefilter("ignore", UserWarning)
            core = nn.Transformer(num_encoder_layers=config.n_layers, num_decoder_layers=config.n_layers, **kw)
    emb, pos, head = nn.Embedding(V, C), nn.Embedding(max_len, C), nn.Linear(C, V)
    mods = nn.ModuleList([core, emb, pos, head]).to(device)
    opt = torch.optim.Adam(mods.parameters(), lr=config.lr)
    ar = torch.arange(max_len, device=device)

    def embed(x):
        return emb(x) * math.sqrt(C) + pos(ar[: x.size(1)])

    def step():
        src, tgt = task.sample(config.batch_size, gen, device)
        if task.seq2seq:
            tgt_in = torch.cat([torch.full_like(tgt[:, :1], BOS), tgt[:, :-1]], 1)
            if decoder_only:
                x, y = torch.cat([src, tgt_in], 1), torch.cat([torch.full_like(src, PAD), tgt], 1)
            else:
                x, y = tgt_in, tgt
        else:
            x, y = src, tgt
        causal = nn.Transformer.generate_square_subsequent_mask(x.size(1), device=device)
        if decoder_only:
            h = core(embed(x), mask=causal, is_causal=True)
        else:
            h = core(embed(src), embed(x), tgt_mask=causal, tgt_is_causal=True,
                     src_key_padding_mask=src == PAD, memory_key_padding_mask=src == PAD)
        logits = head(h)
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1), ignore_index=PAD)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if config.clip > 0:
            torch.nn.utils.clip_grad_norm_(mods.parameters(), config.clip)
        opt.step()

    from playground.core.timing import rate

    return rate(step, device, seconds, steps)  # the same timing (and GPU sync checks) as the session's
