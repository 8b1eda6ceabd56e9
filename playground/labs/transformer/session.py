"""TransformerSession: trains the Transformer of ``model.py`` on a task of ``tasks.py``.

``train_step`` never syncs with the host: loss and token accuracy are recorded as device tensors.
``snapshot`` does the visual work under ``no_grad`` in eval mode: exact-sequence accuracy by greedy decoding
of held-out examples, every attention map on the probe example, positional encodings, PCA of embeddings.
Compare mode trains a second model B (differing in one key) on the very same batches.
"""

from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F

from playground.core.session import Session

from .config import TransformerConfig
from .model import Transformer
from .tasks import BOS, EOS, PAD, make_task
from .vocab import SPECIALS, parse_source

KIND_NAMES = {"enc": "encoder self-attention", "dec": "decoder self-attention", "cross": "cross-attention"}
KIND_ALIASES = {"enc": "enc", "encoder": "enc", "enc_self": "enc", "dec": "dec", "decoder": "dec",
                "dec_self": "dec", "cross": "cross"}


class _Net:
    """One model with its optimizer and how it reads a batch (encoder-decoder or decoder-only)."""

    def __init__(self, cfg: TransformerConfig, task, device):
        self.cfg = cfg
        self.decoder_only = cfg.arch == "decoder" or not task.seq2seq
        if not task.seq2seq:
            max_len = task.max_src
        elif self.decoder_only:
            max_len = task.max_src + task.max_tgt + 1
        else:
            max_len = max(task.max_src, task.max_tgt) + 1
        self.model = Transformer(task.vocab_size, cfg.d_model, cfg.n_heads, cfg.n_layers, cfg.d_ff,
                                 cfg.dropout, max_len, cfg.pos_encoding, cfg.norm,
                                 "decoder" if self.decoder_only else "encdec").to(device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)

    def inputs(self, src, tgt, seq2seq=True):
        """(model input, targets). Targets are PAD where nothing is predicted (ignored by the loss)."""
        if not seq2seq:
            return (None, src), tgt
        bos = torch.full((src.size(0), 1), BOS, dtype=torch.long, device=src.device)
        tgt_in = torch.cat([bos, tgt[:, :-1]], 1)  # (B, T): <s> + answer
        if not self.decoder_only:
            return (src, tgt_in), tgt
        seq = torch.cat([src, tgt_in], 1)  # (B, S+T): source, <s>, answer
        return (None, seq), torch.cat([torch.full_like(src, PAD), tgt], 1)

    def loss(self, src, tgt, seq2seq=True):
        (a, b), y = self.inputs(src, tgt, seq2seq)
        logits, _ = self.model(a, b)  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), ignore_index=PAD)
        mask = y != PAD
        acc = ((logits.argmax(-1) == y) & mask).sum() / mask.sum().clamp(min=1)
        return loss, acc

    @torch.no_grad()
    def exact_match(self, src, tgt) -> torch.Tensor:
        """(B,) True where greedy decoding would produce every non-pad target token, computed in one
        teacher-forced pass: greedy decoding gets a sequence exactly right if and only if, fed the right
        prefix at every position, the model predicts the next target token everywhere (by induction
        over positions). One forward pass instead of one per output token (tested against greedy)."""
        (a, b), y = self.inputs(src, tgt)
        logits, _ = self.model(a, b)  # (B, T, V)
        return ((logits.argmax(-1) == y) | (y == PAD)).all(1)

    @torch.no_grad()
    def greedy(self, src, n_out: int) -> torch.Tensor:
        """Greedy decoding of a batch of sources (B, S) -> (B, n_out) predicted tokens."""
        m = self.model
        B = src.size(0)
        out = torch.full((B, 1), BOS, dtype=torch.long, device=src.device)
        if self.decoder_only:
            seq = torch.cat([src, out], 1)
            for _ in range(n_out):
                logits, _ = m(None, seq)
                seq = torch.cat([seq, logits[:, -1].argmax(-1, keepdim=True)], 1)
            return seq[:, src.size(1) + 1:]
        keys = (src != PAD)[:, None, None, :]
        mem, _ = m.encode(src, keys)
        for _ in range(n_out):
            logits, _, _ = m.decode(out, mem, keys)
            out = torch.cat([out, logits[:, -1].argmax(-1, keepdim=True)], 1)
        return out[:, 1:]


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy()


class TransformerSession(Session):
    lab = "transformer"
    Config = TransformerConfig
    watch = ("loss", "loss_b")
    light_snapshots = True

    def build(self) -> None:
        cfg = self.config
        self.task = make_task(cfg)
        self.a = _Net(cfg, self.task, self.device)
        self.b = _Net(cfg.config_b(), self.task, self.device) if cfg.compare != "off" else None
        # held-out examples, from their own generator (never drawn by training)
        g = torch.Generator(device=self.device)
        g.manual_seed(self.seed + 7919)
        if self.task.seq2seq:
            self.eval_src, self.eval_tgt = self.task.sample(cfg.eval_size, g, self.device)
        else:
            n = min(cfg.eval_size, 128)
            self.eval_src, self.eval_tgt = self.task.sample(n, g, self.device, split="val")
        self.probe: list[int] = list(self.task.default_probe())
        self.inference: dict | None = None
        self._seq_acc_step = -1
        self._eval_time = 0.0
        self._snaps_since_eval = 0

    def inherit(self, old) -> None:
        """After a rebuild, keep the user's probe when it still fits the new task."""
        if getattr(old, "task", None) is not None and old.task.name == self.task.name:
            sep = "" if self.task.name == "charlm" else " "
            try:
                self.probe = self.parse(sep.join(old.task.labels[i] for i in old.probe))
            except ValueError:
                pass

    @property
    def model(self) -> Transformer:
        return self.a.model

    # -- training ------------------------------------------------------------------------------
    def train_step(self) -> None:
        src, tgt = self.task.sample(self.config.batch_size, self.gen, self.device)
        seq2seq = self.task.seq2seq
        for net, sfx in ((self.a, ""), (self.b, "_b")):
            if net is None:
                continue
            net.model.train()
            loss, acc = net.loss(src, tgt, seq2seq)
            net.opt.zero_grad(set_to_none=True)
            loss.backward()
            if self.config.clip > 0:
                torch.nn.utils.clip_grad_norm_(net.model.parameters(), self.config.clip)
            net.opt.step()
            self.record(**{"loss" + sfx: loss, "token_accuracy" + sfx: acc})

    def apply_live(self, changes) -> None:
        if "lr" in changes:
            for g in self.a.opt.param_groups:
                g["lr"] = self.config.lr
            if self.b is not None and self.config.compare != "lr":
                for g in self.b.opt.param_groups:
                    g["lr"] = self.config.lr

    # -- evaluation -----------------------------------------------------------------------------
    #: live snapshots re-evaluate the held-out set at most this often (seconds of wall time) and with at
    #: least ``eval_every`` cheap snapshots in between (the runner spaces snapshots by their cost); the
    #: probe, attention maps, positions and embeddings are fresh in every snapshot
    eval_interval = 1.0
    eval_every = 4

    @torch.no_grad()
    def _evaluate(self, throttle: bool = False) -> None:
        """Exact-sequence accuracy (greedy decoding) on held-out examples, into the history once per step.
        For charlm (no sequences to get exactly right) the held-out loss is recorded instead."""
        if self._seq_acc_step == self.step_count:
            return
        now = time.perf_counter()
        if throttle and self._seq_acc_step >= 0:
            self._snaps_since_eval += 1
            if now - self._eval_time < self.eval_interval or self._snaps_since_eval <= self.eval_every:
                return
        self._seq_acc_step, self._eval_time, self._snaps_since_eval = self.step_count, now, 0
        vals = {}
        for net, sfx in ((self.a, ""), (self.b, "_b")):
            if net is None:
                continue
            net.model.eval()
            if self.task.seq2seq:
                vals["sequence_accuracy" + sfx] = float(net.exact_match(self.eval_src, self.eval_tgt).float().mean())
            else:
                loss, _ = net.loss(self.eval_src, self.eval_tgt, False)
                vals["val_loss" + sfx] = float(loss)
        self.history.add(self.step_count, **vals)

    def evaluate(self) -> dict[str, float]:
        """Held-out accuracy now (the CLI calls this along the way, so headless curves have points)."""
        self._evaluate()
        return {}

    def metrics(self) -> dict[str, float]:
        self.flush()
        self._evaluate()
        return super().metrics()

    # -- snapshot -------------------------------------------------------------------------------
    def light_snapshot(self) -> dict:
        snap = super().light_snapshot()
        snap["metrics"] = super().metrics()  # the latest recorded values (no held-out evaluation)
        return snap

    @torch.no_grad()
    def probe_forward(self, src_ids: list[int], net: _Net | None = None) -> dict:
        """Decode one source greedily and return labels and every attention map (plain numpy)."""
        net = net or self.a
        m = net.model
        m.eval()
        labels = self.task.labels
        dev = self.device
        src = torch.tensor([src_ids], dtype=torch.long, device=dev)
        out: dict = {"src": [labels[i] for i in src_ids]}
        if not self.task.seq2seq:
            logits, w = m(None, src, need_weights=True)
            pred = logits[0].argmax(-1).tolist()
            toks = [labels[i] for i in src_ids]
            out.update(pred=[labels[i] for i in pred], q={"dec": toks}, k={"dec": toks}, charlm=True,
                       attn={"dec": np.stack([_np(a[0]) for a in w["dec"]])})
            return out
        pred = net.greedy(src, self.task.max_tgt)[0].tolist()
        if EOS in pred:
            pred = pred[: pred.index(EOS) + 1]
        dec_in = [BOS] + pred[:-1]
        outs = [labels[i] for i in pred]
        ins = [labels[i] for i in dec_in]
        if net.decoder_only:
            seq = torch.tensor([src_ids + dec_in], dtype=torch.long, device=dev)
            _, w = m(None, seq, need_weights=True)
            toks = out["src"] + ins
            out.update(q={"dec": toks}, k={"dec": toks}, decoder_only=True,
                       attn={"dec": np.stack([_np(a[0]) for a in w["dec"]])})
        else:
            _, w = m(src, torch.tensor([dec_in], dtype=torch.long, device=dev), need_weights=True)
            out.update(q={"enc": out["src"], "dec": outs, "cross": outs},
                       k={"enc": out["src"], "dec": ins, "cross": out["src"]},
                       attn={k: np.stack([_np(a[0]) for a in w[k]]) for k in ("enc", "dec", "cross")})
        answer = self.task.solve(src_ids)
        out.update(pred=outs, dec_in=ins, target=[labels[i] for i in answer] + ["</s>"],
                   correct=pred == answer + [EOS])
        return out

    @torch.no_grad()
    def _positions(self) -> dict:
        table = self.model.pos.table.detach()
        P = min(table.size(0), 128)
        pe = table[:P]
        unit = pe / pe.norm(dim=1, keepdim=True).clamp(min=1e-8)
        return {"kind": self.config.pos_encoding, "matrix": _np(pe), "similarity": _np(unit @ unit.T)}

    @torch.no_grad()
    def _embeddings(self) -> dict:
        w = self.model.tok.weight.detach()[len(SPECIALS) - 2:] * self.model.emb_scale  # drop <pad>
        labels = self.task.labels[len(SPECIALS) - 2:]
        x = w - w.mean(0, keepdim=True)
        if not torch.isfinite(x).all():  # a diverged model: nothing to project (the banner says why)
            n = x.size(0)
            return {"xy": np.zeros((n, 2), np.float32), "labels": labels, "explained": np.zeros(2, np.float32)}
        U, S, V = torch.linalg.svd(x.float().cpu(), full_matrices=False)
        xy = x.float().cpu() @ V[:2].T  # (V, 2)
        # fix the sign of each axis so the picture does not flip between frames
        sign = torch.sign(V[:2].sum(1) + 1e-12)
        xy = xy * sign
        var = (S ** 2) / (S ** 2).sum().clamp(min=1e-12)
        return {"xy": xy.numpy(), "labels": labels, "explained": var[:2].numpy()}

    def snapshot(self) -> dict:
        self.flush()
        self._evaluate(throttle=True)
        cfg = self.config
        snap = {
            "step": self.step_count,
            "history": self.history.as_dict(),
            "metrics": {k: self.history.last(k) for k in self.history.names()},
            "task": cfg.task, "seq2seq": self.task.seq2seq, "decoder_only": self.a.decoder_only,
            "n_layers": cfg.n_layers, "n_heads": cfg.n_heads, "kinds": self.model.kinds(),
            "source_spec": self.task.source_spec(),
            "probe": self.probe_forward(self.probe),
            "ablated": [list(x) for x in self.model.ablated()],
            "positions": self._positions(),
            "embeddings": self._embeddings(),
            "inference": self.inference,
            "compare": None if self.b is None else {"a": cfg.label_a(), "b": cfg.label_b()},
        }
        if self.b is not None:  # model B's attention on the same probe, for the view's A/B switch
            snap["probe_b"] = self.probe_forward(self.probe, self.b)
            snap["ablated_b"] = [list(x) for x in self.b.model.ablated()]
            snap["n_layers_b"], snap["n_heads_b"] = self.b.model.n_layers, self.b.model.n_heads
        return snap

    # -- commands -------------------------------------------------------------------------------
    def parse(self, text: str) -> list[int]:
        return parse_source(self.task.source_spec(), text)

    def command(self, name: str, **kw):
        if name == "set_probe":
            self.probe = self.parse(str(kw.get("text", "")))
            return self.probe
        if name == "ablate_head":
            return self.ablate_head(kw.get("kind", "cross"), int(kw.get("layer", 0)), int(kw.get("head", 0)),
                                    bool(kw.get("off", True)), str(kw.get("model", "a")))
        if name == "reset_heads":
            for net in (self.a, self.b):
                if net is None:
                    continue
                for kind in net.model.kinds():
                    for layer in range(net.model.n_layers):
                        net.model.attention(kind, layer).head_mask.fill_(1.0)
            self._seq_acc_step = -1
            return []
        if name == "infer":
            return self.infer(str(kw.get("text", "")), kw.get("temperature"), kw.get("top_k"),
                              int(kw.get("length", 200)))
        return super().command(name, **kw)

    def ablate_head(self, kind: str, layer: int, head: int, off: bool = True, model: str = "a") -> list:
        """Switch one head off (its output zeroed) or back on, in model A (or B in compare mode)."""
        if model not in ("a", "b") or (model == "b" and self.b is None):
            raise ValueError(f"no model '{model}' (compare mode is {'on' if self.b else 'off'})")
        m = (self.a if model == "a" else self.b).model
        k = KIND_ALIASES.get(str(kind).lower())
        if k is None or k not in m.kinds():
            raise ValueError(f"no {kind} attention in this model (it has {', '.join(m.kinds())})")
        if not 0 <= layer < m.n_layers:
            raise ValueError(f"layer {layer} does not exist (0..{m.n_layers - 1})")
        if not 0 <= head < m.n_heads:
            raise ValueError(f"head {head} does not exist (0..{m.n_heads - 1})")
        m.attention(k, layer).head_mask[head] = 0.0 if off else 1.0
        self._seq_acc_step = -1  # re-evaluate accuracy with the head switched off
        return [list(x) for x in m.ablated()]

    @torch.no_grad()
    def infer(self, text: str, temperature=None, top_k=None, length: int = 200) -> dict:
        """Decode a user-typed source (or continue a charlm prompt) token by token, sampling with
        temperature / top-k (temperature 0 = greedy). The result also goes into the next snapshot."""
        ids = self.parse(text)
        T = self.config.temperature if temperature is None else float(temperature)
        K = self.config.top_k if top_k is None else int(top_k)
        m = self.model
        m.eval()
        labels, dev = self.task.labels, self.device
        g = torch.Generator(device=dev)
        g.manual_seed(self.seed + 31 + self.step_count)

        def pick(logits: torch.Tensor) -> tuple[int, list]:
            logits = logits.float()
            logits[PAD] = float("-inf")  # padding is never a token to write
            if not self.task.seq2seq:
                logits[: len(SPECIALS)] = float("-inf")  # a text has no <s> or </s>
            probs = F.softmax(logits / max(T, 1e-6), -1) if T > 0 else F.softmax(logits, -1)
            top = torch.topk(probs, min(5, probs.numel()))
            vals, idx = top.values.tolist(), top.indices.tolist()
            cand = [(labels[i], float(p)) for p, i in zip(vals, idx, strict=True)]
            if T <= 0:
                return int(probs.argmax()), cand
            p = probs.clone()
            if 0 < K < p.numel():
                kth = torch.topk(p, K).values[-1]
                p[p < kth] = 0
            return int(torch.multinomial(p / p.sum(), 1, generator=g)), cand

        steps = []
        if not self.task.seq2seq:
            seq = list(ids)
            L = self.task.max_src
            for _ in range(max(1, length)):
                x = torch.tensor([seq[-L:]], device=dev)
                logits, _ = m(None, x)
                nxt, cand = pick(logits[0, -1])
                seq.append(nxt)
                steps.append({"token": labels[nxt], "top": cand})
            window = seq[-L:]
            _, w = m(None, torch.tensor([window], device=dev), need_weights=True)
            toks = [labels[i] for i in window]
            res = {"source": text, "output": self.task.text(seq[len(ids):]), "prompt": text, "steps": steps,
                   "charlm": True,
                   "q": {"dec": toks}, "k": {"dec": toks},
                   "attn": {"dec": np.stack([_np(a[0]) for a in w["dec"]])}, "expected": None}
        else:
            dec = [BOS]
            net = self.a
            src = torch.tensor([ids], device=dev)
            for _ in range(self.task.max_tgt):
                if net.decoder_only:
                    logits, _ = m(None, torch.tensor([ids + dec], device=dev))
                else:
                    logits, _ = m(src, torch.tensor([dec], device=dev))
                nxt, cand = pick(logits[0, -1])
                dec.append(nxt)
                steps.append({"token": labels[nxt], "top": cand})
                if nxt == EOS:
                    break
            pred = dec[1:]
            dec_in = dec[:-1]
            outs, ins = [labels[i] for i in pred], [labels[i] for i in dec_in]
            srcl = [labels[i] for i in ids]
            if net.decoder_only:
                _, w = m(None, torch.tensor([ids + dec_in], device=dev), need_weights=True)
                q = k = {"dec": srcl + ins}
                attn = {"dec": np.stack([_np(a[0]) for a in w["dec"]])}
            else:
                _, w = m(src, torch.tensor([dec_in], device=dev), need_weights=True)
                q = {"enc": srcl, "dec": outs, "cross": outs}
                k = {"enc": srcl, "dec": ins, "cross": srcl}
                attn = {kk: np.stack([_np(a[0]) for a in w[kk]]) for kk in ("enc", "dec", "cross")}
            answer = self.task.solve(ids)
            res = {"source": text, "output": " ".join(o for o in outs if o != "</s>"), "steps": steps,
                   "q": q, "k": k, "attn": attn,
                   "expected": " ".join(labels[i] for i in answer) if answer else None,
                   "correct": pred == answer + [EOS] if answer else None, "decoder_only": net.decoder_only}
        res.update(temperature=T, top_k=K, step=self.step_count)
        self.inference = res
        return res

    # -- persistence ----------------------------------------------------------------------------
    def modules(self):
        mods = {"model": self.a.model}
        if self.b is not None:
            mods["model_b"] = self.b.model
        return mods

    def optimizers(self):
        opts = {"model": self.a.opt}
        if self.b is not None:
            opts["model_b"] = self.b.opt
        return opts

    def extra_state(self) -> dict:
        return {"probe": list(self.probe)}

    def load_extra_state(self, state: dict) -> None:
        if "probe" in state:
            self.probe = [int(i) for i in state["probe"]]
        self._seq_acc_step = -1
