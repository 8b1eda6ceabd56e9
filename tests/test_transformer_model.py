"""The Transformer lab's model equals torch's own attention and layers, and masks do what they say."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from playground.labs.transformer.model import (
    Block,
    MultiHeadAttention,
    Transformer,
    causal_mask,
    key_mask,
    sinusoidal_table,
)

torch.set_num_threads(1)
TOL = 1e-5


def _qkv(mha, x, mem=None):
    B, T, C = x.shape
    src = x if mem is None else mem
    S = src.size(1)
    q = mha.q(x).view(B, T, mha.nh, mha.hs).transpose(1, 2)
    k = mha.k(src).view(B, S, mha.nh, mha.hs).transpose(1, 2)
    v = mha.v(src).view(B, S, mha.nh, mha.hs).transpose(1, 2)
    return q, k, v


@pytest.mark.parametrize("mask_kind", ["none", "causal", "padding", "both"])
def test_explicit_attention_equals_sdpa(mask_kind):
    torch.manual_seed(0)
    B, T, C, nh = 3, 7, 32, 4
    mha = MultiHeadAttention(C, nh).eval()
    x = torch.randn(B, T, C)
    tokens = torch.randint(1, 9, (B, T))
    tokens[0, 5:] = 0  # padding at the end of the first example
    mask = {"none": None, "causal": causal_mask(T), "padding": key_mask(tokens),
            "both": causal_mask(T) & key_mask(tokens)}[mask_kind]
    y_explicit, att = mha(x, mask=mask, need_weights=True)
    y_fused, none = mha(x, mask=mask, need_weights=False)
    assert none is None
    assert att.shape == (B, nh, T, T)
    q, k, v = _qkv(mha, x)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # (B, nh, T, hs)
    mine = att @ v
    assert torch.allclose(mine, ref, atol=TOL)
    assert torch.allclose(y_explicit, y_fused, atol=TOL)
    assert torch.allclose(att.sum(-1), torch.ones(B, nh, T), atol=TOL)  # rows are distributions
    if mask is not None:
        assert (att.masked_select(~mask.expand(B, nh, T, T)) == 0).all()


def test_cross_attention_equals_sdpa():
    torch.manual_seed(1)
    B, T, S, C, nh = 2, 5, 9, 24, 3
    mha = MultiHeadAttention(C, nh).eval()
    x, mem = torch.randn(B, T, C), torch.randn(B, S, C)
    src = torch.randint(1, 5, (B, S))
    src[1, 6:] = 0
    mask = key_mask(src)
    _, att = mha(x, mem, mask=mask, need_weights=True)
    assert att.shape == (B, nh, T, S)
    q, k, v = _qkv(mha, x, mem)
    assert torch.allclose(att @ v, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), atol=TOL)
    assert (att[1, :, :, 6:] == 0).all()


def test_attention_equals_nn_multihead_attention():
    torch.manual_seed(2)
    C, nh = 32, 4
    mha = MultiHeadAttention(C, nh).eval()
    ref = nn.MultiheadAttention(C, nh, batch_first=True).eval()
    _copy_mha(ref, mha)
    x = torch.randn(2, 6, C)
    y, att = mha(x, mask=causal_mask(6), need_weights=True)
    y_ref, att_ref = ref(x, x, x, attn_mask=~causal_mask(6), average_attn_weights=False)
    assert torch.allclose(y, y_ref, atol=TOL)
    assert torch.allclose(att, att_ref, atol=TOL)


def _copy_mha(ref: nn.MultiheadAttention, mine: MultiHeadAttention):
    C = ref.embed_dim
    with torch.no_grad():
        for i, lin in enumerate((mine.q, mine.k, mine.v)):
            lin.weight.copy_(ref.in_proj_weight[i * C:(i + 1) * C])
            lin.bias.copy_(ref.in_proj_bias[i * C:(i + 1) * C])
        mine.proj.weight.copy_(ref.out_proj.weight)
        mine.proj.bias.copy_(ref.out_proj.bias)


def _copy_ln(ref: nn.LayerNorm, mine: nn.LayerNorm):
    with torch.no_grad():
        mine.weight.copy_(ref.weight)
        mine.bias.copy_(ref.bias)


def _copy_ff(ref, mine: Block):
    with torch.no_grad():
        mine.ff.fc1.weight.copy_(ref.linear1.weight)
        mine.ff.fc1.bias.copy_(ref.linear1.bias)
        mine.ff.fc2.weight.copy_(ref.linear2.weight)
        mine.ff.fc2.bias.copy_(ref.linear2.bias)


def _randomize_norms(module):
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_block_equals_torch_layer(norm_first):
    torch.manual_seed(3)
    C, nh, dff = 32, 4, 64
    ref = nn.TransformerEncoderLayer(C, nh, dff, dropout=0.0, batch_first=True, norm_first=norm_first).eval()
    _randomize_norms(ref)
    mine = Block(C, nh, dff, 0.0, "pre" if norm_first else "post").eval()
    _copy_mha(ref.self_attn, mine.self_attn)
    _copy_ff(ref, mine)
    _copy_ln(ref.norm1, mine.ln1)
    _copy_ln(ref.norm2, mine.ln2)
    x = torch.randn(3, 8, C)
    src = torch.randint(1, 5, (3, 8))
    src[2, 5:] = 0
    y, _ = mine(x, self_mask=key_mask(src))
    y_ref = ref(x, src_key_padding_mask=src == 0)
    real = (src != 0).unsqueeze(-1)  # torch's fast path may zero padded rows; compare real tokens
    assert torch.allclose(y * real, y_ref * real, atol=TOL)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_block_equals_torch_layer(norm_first):
    torch.manual_seed(4)
    C, nh, dff, T, S = 32, 4, 64, 6, 9
    ref = nn.TransformerDecoderLayer(C, nh, dff, dropout=0.0, batch_first=True, norm_first=norm_first).eval()
    _randomize_norms(ref)
    mine = Block(C, nh, dff, 0.0, "pre" if norm_first else "post", cross=True).eval()
    _copy_mha(ref.self_attn, mine.self_attn)
    _copy_mha(ref.multihead_attn, mine.cross_attn)
    _copy_ff(ref, mine)
    _copy_ln(ref.norm1, mine.ln1)
    _copy_ln(ref.norm2, mine.ln_cross)
    _copy_ln(ref.norm3, mine.ln2)
    x, mem = torch.randn(2, T, C), torch.randn(2, S, C)
    src = torch.randint(1, 5, (2, S))
    src[0, 7:] = 0
    y, w = mine(x, mem, self_mask=causal_mask(T), mem_mask=key_mask(src), need_weights=True)
    y_ref = ref(x, mem, tgt_mask=~causal_mask(T), memory_key_padding_mask=src == 0)
    assert torch.allclose(y, y_ref, atol=TOL)
    y2, _ = mine(x, mem, self_mask=causal_mask(T), mem_mask=key_mask(src), need_weights=False)
    assert torch.allclose(y, y2, atol=TOL)
    assert w["self"].shape == (2, nh, T, T) and w["cross"].shape == (2, nh, T, S)


@pytest.mark.parametrize("arch", ["encdec", "decoder"])
def test_decoder_never_attends_to_the_future(arch):
    torch.manual_seed(5)
    m = Transformer(12, d_model=32, n_heads=4, n_layers=2, d_ff=64, max_len=16, arch=arch).eval()
    src = torch.randint(3, 12, (2, 6))
    tgt = torch.randint(3, 12, (2, 7))
    logits, w = m(src if arch == "encdec" else None, tgt, need_weights=True)
    for att in w["dec"]:  # (B, nh, T, T)
        above = torch.triu(torch.ones(7, 7, dtype=torch.bool), 1)
        assert (att[..., above] == 0).all()
    # changing future tokens leaves earlier outputs unchanged
    for t in range(7):
        changed = tgt.clone()
        changed[:, t:] = torch.randint(3, 12, changed[:, t:].shape)
        logits2, _ = m(src if arch == "encdec" else None, changed)
        assert torch.allclose(logits[:, :t], logits2[:, :t], atol=TOL)


def test_head_ablation_zeroes_that_head_only():
    torch.manual_seed(6)
    mha = MultiHeadAttention(16, 4).eval()
    x = torch.randn(1, 5, 16)
    with torch.no_grad():
        mha.proj.weight.copy_(torch.eye(16))
        mha.proj.bias.zero_()
    y, _ = mha(x)
    mha.head_mask[2] = 0
    y_off, _ = mha(x)
    assert (y_off[..., 8:12] == 0).all()
    assert torch.allclose(y_off[..., :8], y[..., :8]) and torch.allclose(y_off[..., 12:], y[..., 12:])


def test_sinusoidal_table_values():
    pe = sinusoidal_table(50, 16)
    assert pe.shape == (50, 16)
    assert torch.allclose(pe[0, 0::2], torch.zeros(8)) and torch.allclose(pe[0, 1::2], torch.ones(8))
    assert abs(pe[3, 0].item() - torch.sin(torch.tensor(3.0)).item()) < 1e-6
    assert abs(pe[3, 2].item() - torch.sin(torch.tensor(3.0 / 10000 ** (2 / 16))).item()) < 1e-6
