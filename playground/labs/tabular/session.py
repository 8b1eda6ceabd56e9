"""TabularSession: trains CTGAN or TVAE (or fits a Gaussian copula) on a table's training rows and
snapshots how the synthetic rows compare with the real ones (see ``metrics``)."""

from __future__ import annotations

import copy
import math
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from playground.core.session import Session
from playground.shared.gan import d_loss, g_loss, gradient_penalty

from . import metrics as M
from . import report
from .config import TabularConfig
from .copula import GaussianCopula, split_column
from .data import BUILTIN, Table, load_table, split, write_csv
from .encoders import TableEncoder
from .model import (
    CondSampler,
    Critic,
    Decoder,
    Encoder,
    Generator,
    SpanIndex,
    activate,
    cond_loss,
    ema_update,
    gumbel,
    pack,
    tvae_loss,
)

HEAVY_EVERY_S = 10.0  # privacy and usefulness (a nearest-neighbour search, a small model) at most this often
MAX_EXPORT_ROWS = 1_000_000


@lru_cache(maxsize=4)
def _tables(data: str, categorical: str, numeric: str, exclude: str, stamp) -> tuple:
    table = load_table(data, categorical=categorical, numeric=numeric, exclude=exclude)
    return (table, *split(table))


@lru_cache(maxsize=4)
def _encoder(data: str, categorical: str, numeric: str, exclude: str, max_modes: int, stamp,
             encoding: str = "modes") -> TableEncoder:
    return TableEncoder(_tables(data, categorical, numeric, exclude, stamp)[1], seed=0, max_modes=max_modes,
                        numeric=encoding)


def _prepared(data: str, categorical: str, numeric: str, exclude: str, max_modes: int, stamp,
              encoder: bool = True, encoding: str = "modes") -> tuple:
    """(table, train, test, encoder or None), cached: rebuilding the session (another synthesizer, a new
    seed) reuses them. The copula needs no encoder (no mixture models to fit)."""
    t = _tables(data, categorical, numeric, exclude, stamp)
    return (*t, _encoder(data, categorical, numeric, exclude, max_modes, stamp, encoding) if encoder else None)


def _stamp(data: str):
    if data in BUILTIN:
        return None
    try:
        st = Path(data).expanduser().stat()
        return st.st_size, st.st_mtime_ns
    except OSError:
        return None


class TabularSession(Session):
    lab = "tabular"
    Config = TabularConfig
    watch = ("loss_d", "loss_g", "loss")
    light_snapshots = True

    def build(self) -> None:
        c: TabularConfig = self.config
        self.table, self.train_t, self.test_t, self.encoder = _prepared(
            c.data, c.categorical, c.numeric, c.exclude, c.max_modes, _stamp(c.data), c.synth != "copula",
            c.encoding)
        self.notes = list(self.table.notes)
        self.n_eval = int(min(max(len(self.train_t), 1000), 5000))
        self._heavy: dict | None = None
        self._heavy_t = 0.0
        self._trtr: dict[str, float] = {}
        self._quality_step = -1
        self._notice = ""
        self._assoc_real = M.association(self.train_t)
        self._strong = M.strong_pairs(self.train_t)
        self.G = self.C = self.enc = self.dec = self.G_ema = None
        self.opts: dict[str, torch.optim.Optimizer] = {}
        if c.synth == "copula":
            self.copula = GaussianCopula(self.train_t, 0, self.device)  # fitted the same whatever the seed
            return
        rng = np.random.default_rng(0)  # the encoded rows do not depend on the seed (a resumed run needs the same)
        self.x = torch.from_numpy(self.encoder.encode(self.train_t, rng)).to(self.device)  # (N, D)
        self.ix = SpanIndex(self.encoder.spans, self.device)
        d = self.encoder.dim
        if c.synth == "ctgan":
            self.sampler = CondSampler(self.x, self.encoder.discrete, self.ix, self._cond_only())
            self.G = Generator(c.z_dim, self.sampler.c, d, c.g_width).to(self.device)
            self.C = Critic(d + self.sampler.c, c.pac, c.d_width).to(self.device)
            self.C.gen = self.gen
            self.view_w = torch.ones(d, device=self.device)  # (D,) how the critic sees a row: α scaled
            self.view_w[self.ix.tanh_idx] = c.alpha_scale
            if c.g_ema > 0:  # the averaged generator that samples (never trained itself)
                self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
            self.opts = {"G": torch.optim.Adam(self.G.parameters(), lr=c.lr_g, betas=(0.5, 0.9), weight_decay=1e-6),
                         "C": torch.optim.Adam(self.C.parameters(), lr=c.lr_d, betas=(0.5, 0.9), weight_decay=1e-6)}
        else:
            self.enc = Encoder(d, c.latent, c.vae_width).to(self.device)
            self.dec = Decoder(c.latent, d, c.vae_width).to(self.device)
            params = list(self.enc.parameters()) + list(self.dec.parameters())
            self.opts = {"vae": torch.optim.Adam(params, lr=c.lr_vae, weight_decay=1e-5)}

    def _cond_only(self) -> int | None:
        """Index among the conditional vector's columns of ``cond_on`` (None: all of them)."""
        c: TabularConfig = self.config
        names = [s.column for s in self.encoder.discrete]
        if c.cond_on == "all" or not names:
            return None
        if c.cond_on == "rows":
            return -1
        if c.cond_on == "auto":
            j = split_column(self.train_t)
            name = self.train_t.columns[j].name if j is not None else None
        else:
            name = c.cond_on
        if name not in names:
            if c.cond_on == "auto":  # no column links with the others: the paper's way
                return None
            self.notes.append(f"cond_on={c.cond_on}: not a categorical column of this table; conditioning on "
                              "each categorical column in turn")
            return None
        return names.index(name)

    # -- training ----------------------------------------------------------------------------------
    def _cond_batch(self, b: int, train: bool = True):
        """cond (B, C), column, category, real rows (B, D) — training-by-sampling."""
        if self.sampler.q == 0:
            rows = torch.randint(len(self.x), (b,), generator=self.gen, device=self.device)
            return self.x.new_zeros(b, 0), None, None, self.x[rows]
        cond, col, cat, rows = self.sampler.sample(b, self.gen, train)
        return cond, col, cat, self.x[rows]

    def _fake(self, cond: torch.Tensor):
        z = torch.randn(cond.shape[0], self.config.z_dim, generator=self.gen, device=self.device)
        raw = self.G(torch.cat([z, cond], 1))  # (B, D)
        return raw, activate(raw, self.ix, self.gen, self.config.tau)

    def train_step(self) -> None:
        c: TabularConfig = self.config
        if c.synth == "copula":
            return  # fitted in build: nothing to train
        if c.synth == "tvae":
            idx = torch.randint(len(self.x), (c.batch_size,), generator=self.gen, device=self.device)
            x = self.x[idx]  # (B, D)
            mu, logvar = self.enc(x)
            eps = torch.randn(mu.shape, generator=self.gen, device=self.device)
            raw = self.dec(mu + torch.exp(0.5 * logvar) * eps)
            loss, recon, kl = tvae_loss(x, raw, self.dec.log_sigma, mu, logvar, self.ix, c.beta)
            opt = self.opts["vae"]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            self.record(loss=loss, recon=recon, kl=kl)
            return
        pac, b = c.pac, c.batch_size
        if c.lr_decay_steps:
            self._set_lrs()
        for _ in range(c.n_critic):
            cond, _, _, real = self._cond_batch(b)
            with torch.no_grad():
                _, fake = self._fake(cond)
            real_p = pack(torch.cat([real * self.view_w, cond], 1), pac)
            fake_p = pack(torch.cat([fake * self.view_w, cond], 1), pac)
            loss_d = d_loss("wgan-gp", self.C(real_p), self.C(fake_p))
            if c.gp_weight > 0:
                loss_d = loss_d + c.gp_weight * gradient_penalty(self.C, real_p, fake_p, self.gen)
            self.opts["C"].zero_grad(set_to_none=True)
            loss_d.backward()
            self.opts["C"].step()
        cond, col, cat, _ = self._cond_batch(b)
        raw, fake = self._fake(cond)
        adv = g_loss("wgan-gp", self.C(pack(torch.cat([fake * self.view_w, cond], 1), pac)))
        ce = cond_loss(raw, self.ix, self.sampler, col, cat) if col is not None else adv.new_zeros(())
        loss_g = adv + ce
        self.opts["G"].zero_grad(set_to_none=True)
        loss_g.backward()
        self.opts["G"].step()
        if self.G_ema is not None:
            ema_update(self.G_ema, self.G, c.g_ema)
        self.record(loss_d=loss_d.detach(), loss_g=loss_g.detach(), cond_ce=ce.detach())

    def lr_factor(self) -> float:
        """Cosine annealing of the CTGAN learning rates: 1 at step 0, lr_floor from lr_decay_steps on
        (plain Python arithmetic on the step counter: no host sync)."""
        c: TabularConfig = self.config
        if c.synth != "ctgan" or not c.lr_decay_steps:
            return 1.0
        t = min(self.step_count / c.lr_decay_steps, 1.0)
        return c.lr_floor + (1.0 - c.lr_floor) * 0.5 * (1.0 + math.cos(math.pi * t))

    def _set_lrs(self) -> None:
        c: TabularConfig = self.config
        f = self.lr_factor()
        lrs = {"G": c.lr_g * f, "C": c.lr_d * f, "vae": c.lr_vae}
        for k, opt in self.opts.items():
            for group in opt.param_groups:
                group["lr"] = lrs[k]

    def apply_live(self, changes: dict[str, Any]) -> None:
        self._set_lrs()
        if "target" in changes:
            self._heavy = None  # the usefulness test is redone for the new target

    # -- sampling ----------------------------------------------------------------------------------
    @torch.no_grad()
    def sample_table(self, n: int, gen: torch.Generator) -> Table:
        """``n`` synthetic rows (eval mode, the given random generator: training's stream is untouched)."""
        if self.config.synth == "copula":
            return self.copula.sample(n, gen)
        G = self.G_ema if self.G_ema is not None else self.G
        mods = [m for m in (G, self.dec) if m is not None]
        was = [m.training for m in mods]
        for m in mods:
            m.eval()
        out = []
        for i in range(0, n, 4096):
            b = min(4096, n - i)
            if G is not None:
                cond = (self.sampler.sample(b, gen, train=False)[0] if self.sampler.q else self.x.new_zeros(b, 0))
                z = torch.randn(b, self.config.z_dim, generator=gen, device=self.device)
                out.append(activate(G(torch.cat([z, cond], 1)), self.ix, gen, hard=True))
            else:
                raw = self.dec(torch.randn(b, self.config.latent, generator=gen, device=self.device))
                ti = self.ix.tanh_idx
                a = torch.tanh(raw[:, ti]) + torch.exp(self.dec.log_sigma[ti].clamp(-5, 0)) * torch.randn(
                    b, len(ti), generator=gen, device=self.device)
                lg = self.ix.logits(raw)
                hard = torch.nn.functional.one_hot((lg + gumbel(lg.shape, gen, self.device)).argmax(-1),
                                                   self.ix.width).float()
                out.append(self.ix.assemble(a, hard))
        for m, w in zip(mods, was):
            m.train(w)
        return self.encoder.decode(torch.cat(out).cpu().numpy())

    def _view_gen(self, salt: int = 0) -> torch.Generator:
        return torch.Generator(device=self.device).manual_seed(self.seed * 1000 + 7919 + salt)

    def export(self, path: str, rows: int) -> int:
        rows = int(rows)
        if not 1 <= rows <= MAX_EXPORT_ROWS:
            raise ValueError(f"rows={rows}: allowed: an integer in [1, {MAX_EXPORT_ROWS:,}]")
        synth = self.sample_table(rows, self._view_gen(1 + self.step_count))
        try:
            write_csv(synth, path)
        except OSError as e:
            raise ValueError(f"Could not write {path}: {e.strerror or e}") from None
        return rows

    def command(self, name: str, **kw: Any) -> Any:
        if name == "export":
            n = self.export(kw["path"], kw.get("rows", len(self.table)))
            self._notice = f"Wrote {n:,} synthetic rows to {kw['path']}"
            return n
        return super().command(name, **kw)

    # -- persistence -------------------------------------------------------------------------------
    def modules(self) -> dict[str, torch.nn.Module]:
        return {k: m for k, m in (("G", self.G), ("C", self.C), ("enc", self.enc), ("dec", self.dec),
                                  ("G_ema", self.G_ema)) if m is not None}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return dict(self.opts)

    # -- evaluation --------------------------------------------------------------------------------
    def target(self) -> str:
        t = self.config.target
        return t if t in self.train_t.names else M.default_target(self.train_t)

    def _quality(self, synth: Table) -> dict:
        q = M.quality(self.train_t, synth, self._strong)
        if self._quality_step != self.step_count:
            self._quality_step = self.step_count
            self.history.add(self.step_count, column_shapes=q["column_shapes"], pair_trends=q["pair_trends"],
                             quality=q["quality"])
        return q

    def evaluate(self) -> dict[str, float]:
        q = self._quality(self.sample_table(self.n_eval, self._view_gen()))
        return {k: q[k] for k in ("column_shapes", "pair_trends", "pair_trends_strong", "quality")}

    def _train_rows(self) -> set:
        if getattr(self, "_row_set", None) is None:
            self._row_set = M.row_set(self.train_t)
        return self._row_set

    def _heavy_metrics(self, synth: Table) -> dict:
        """Privacy (DCR, exact copies) and usefulness (TSTR, TRTR) on at most a few thousand rows."""
        rng = np.random.default_rng(0)
        train = self.train_t.take(np.sort(rng.permutation(len(self.train_t))[:10_000]))
        s = synth.take(np.arange(min(len(synth), 1000)))
        hold = self.test_t.take(np.arange(min(len(self.test_t), 1000)))
        d_s, d_h = M.dcr(s, train), M.dcr(hold, train)
        target = self.target()
        n_fit = min(len(self.train_t), 5000)
        if target not in self._trtr:
            self._trtr[target] = M.ml_score(self.train_t.take(np.arange(n_fit)), self.test_t, target)
        tstr = M.ml_score(synth.take(np.arange(min(len(synth), n_fit))), self.test_t, target)
        out = {"dcr_synth": d_s, "dcr_holdout": d_h, "dcr_ratio": M.dcr_ratio(d_s, d_h),
               "exact_copies": M.exact_copies(synth, self._train_rows()), "target": target,
               "target_kind": self.train_t.column(target).kind, "tstr_score": tstr, "trtr_score": self._trtr[target]}
        self.history.add(self.step_count, dcr_ratio=out["dcr_ratio"], tstr_score=tstr, trtr_score=out["trtr_score"])
        return out

    def metrics(self) -> dict[str, float]:
        out = super().metrics()
        synth = self.sample_table(self.n_eval, self._view_gen())
        q = self._quality(synth)
        h = self._heavy_metrics(synth)
        out.update({k: q[k] for k in ("column_shapes", "pair_trends", "pair_trends_strong", "quality")})
        out.update({k: h[k] for k in ("dcr_ratio", "exact_copies", "tstr_score", "trtr_score")})
        return out

    def snapshot(self) -> dict:
        self.flush()
        synth = self.sample_table(self.n_eval, self._view_gen())
        q = self._quality(synth)
        now = time.perf_counter()
        if self._heavy is None or now - self._heavy_t >= HEAVY_EVERY_S:
            self._heavy, self._heavy_t = self._heavy_metrics(synth), now
        notice, self._notice = self._notice, ""
        snap = report.build(self.train_t, self.test_t, synth, q, self._heavy, self._assoc_real)
        snap.update({"step": self.step_count, "history": self.history.as_dict(), "synth": self.config.synth,
                     "table": self.table.name, "rows": len(self.table), "n_train": len(self.train_t),
                     "n_test": len(self.test_t), "notes": self.notes, "data": self.config.data,
                     "column_info": [dict(vars(i)) for i in self.table.infos], "notice": notice,
                     "diverged": self.diverged})
        return snap
