"""LstmSession: trains one recurrent model (or two, in compare mode) on a task, and computes
what the views show: every gate on a fixed probe sequence, gradient flow ‖∂L_T/∂h_t‖, gate
saturation, cell-finder correlations and, for charlm, generated text with its activations."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from playground.core.session import Session

from .config import LstmConfig
from .model import GATES, SIGMOID, SeqModel, sample_logits
from .tasks import CharLMTask, Probe, SineTask, Task, make_task

PROBE_BATCH = 16  # probe sequences: #0 is drawn; all 16 feed gradient flow, saturation and correlations


class LstmSession(Session):
    lab = "lstm"
    Config = LstmConfig
    watch = ("loss", "loss_b")
    light_snapshots = True

    # -- building ------------------------------------------------------------------------------------
    def build(self) -> None:
        cfg: LstmConfig = self.config
        self.task: Task = make_task(cfg, self.device)
        specs = [("a", cfg.cell, cfg.forget_bias, cfg.label_a())]
        if cfg.compare:
            specs.append(("b", cfg.cell_b, cfg.forget_bias_b, cfg.label_b()))
        self.models: dict[str, SeqModel] = {}
        self.opts: dict[str, torch.optim.Optimizer] = {}
        self.labels: dict[str, str] = {}
        for key, cell, bias, label in specs:
            torch.manual_seed(self.seed)  # same initial draw for both models of a comparison
            m = SeqModel(cell, self.task.n_in, self.task.n_out, cfg.hidden_size, cfg.num_layers, bias,
                         tokens=self.task.tokens).to(self.device)
            self.models[key] = m
            self.opts[key] = torch.optim.Adam(m.parameters(), lr=cfg.lr)
            self.labels[key] = label
        self.probe_seed = 1000 + self.seed
        self._probe: Probe | None = None

    def inherit(self, old: Session) -> None:
        """After a rebuild, keep the user's probe choice (the probe stays fixed until they pick another)."""
        self.probe_seed = getattr(old, "probe_seed", self.probe_seed)
        self._probe = None

    def modules(self) -> dict[str, torch.nn.Module]:
        return dict(self.models)

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return dict(self.opts)

    def extra_state(self) -> dict:
        return {"probe_seed": int(self.probe_seed)}

    def load_extra_state(self, state: dict) -> None:
        self.probe_seed = int(state.get("probe_seed", self.probe_seed))
        self._probe = None

    # -- training --------------------------------------------------------------------------------------
    def train_step(self) -> None:
        x, y = self.task.batch(self.config.batch_size, self.gen)  # the same batch for A and B
        clip = self.config.clip if self.config.clip > 0 else float("inf")
        values: dict[str, torch.Tensor] = {}
        for key, model in self.models.items():
            opt = self.opts[key]
            pred, _ = model(x)
            loss, metric = self.task.loss(pred, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)  # a tensor: no host sync
            opt.step()
            sfx = "" if key == "a" else "_b"
            values[f"loss{sfx}"] = loss
            values[f"{self.task.metric}{sfx}"] = metric
            values[f"grad_norm{sfx}"] = gnorm
        self.record(**values)

    def apply_live(self, changes: dict[str, Any]) -> None:
        if "lr" in changes:
            for opt in self.opts.values():
                for group in opt.param_groups:
                    group["lr"] = self.config.lr
        # clip and the sampling keys are read from self.config where they are used

    def metrics(self) -> dict[str, float]:
        out = super().metrics()
        if self.task.baseline is not None:
            out["baseline"] = float(self.task.baseline)
        if self.task.baseline_loss is not None:
            out["baseline_loss"] = float(self.task.baseline_loss)
        return out

    def command(self, name: str, **kwargs) -> Any:
        if name in ("new_probe", "set_probe"):
            self.probe_seed = int(kwargs.get("seed", self.probe_seed + 1))
            self._probe = None
            return self.probe_seed
        return super().command(name, **kwargs)

    # -- snapshot ----------------------------------------------------------------------------------------
    def probe(self) -> Probe:
        if self._probe is None:
            self._probe = self.task.probe(PROBE_BATCH, self.probe_seed)
        return self._probe

    def snapshot(self) -> dict:
        self.flush()
        task, pr = self.task, self.probe()
        snap: dict[str, Any] = {
            "step": self.step_count,
            "history": self.history.as_dict(),
            "task": task.name,
            "metric": task.metric,
            "baseline": task.baseline,
            "baseline_loss": task.baseline_loss,
            "labels": list(pr.labels),
            "probe_seed": int(self.probe_seed),
            "signals": {k: np.asarray(v[0], np.float64) for k, v in pr.signals.items()},
            "compare": len(self.models) > 1,
            "models": {},
        }
        for key, model in self.models.items():
            model.eval()
            try:
                snap["models"][key] = self._model_snapshot(key, model, pr)
            finally:
                model.train()
        return snap

    def _model_snapshot(self, key: str, model: SeqModel, pr: Probe) -> dict:
        task = self.task
        with torch.enable_grad():
            pred, _, gates, h_steps = model.trace(pr.x)
            last = task.last_loss(pred, pr.y)
            grads = torch.autograd.grad(last, h_steps)  # T tensors (B, H): ∂L_T/∂h_t
        with torch.no_grad():
            gnorm = torch.stack([g.norm(dim=-1) for g in grads], 1).mean(0)  # (T,) mean over the probe batch
            maps = {n: g[:, 0].float().cpu().numpy() for n, g in gates.items()}  # name -> (L, T, H)
            sat = {}
            for n, g in gates.items():
                if n in SIGMOID:
                    top = g[-1]  # (B, T, H) top layer
                    low = (top < 0.1).float().mean((0, 1))
                    high = (top > 0.9).float().mean((0, 1))
                    sat[n] = torch.stack([low, high], 1).cpu().numpy()  # (H, 2)
            corr = {}
            state_names = [n for n in ("c", "h") if n in gates]
            for sname, sig in pr.signals.items():
                s = torch.as_tensor(sig, dtype=torch.float32, device=pred.device).reshape(-1)  # (B*T,)
                corr[sname] = {n: _pearson(gates[n][-1].reshape(-1, gates[n].shape[-1]), s).cpu().numpy()
                               for n in state_names}
            out: dict[str, Any] = {
                "label": self.labels[key],
                "cell": model.rnn.cell,
                "gate_order": list(GATES[model.rnn.cell]),
                "maps": maps,
                "grad": gnorm.cpu().numpy().astype(np.float64),
                "saturation": sat,
                "corr": corr,
                "probe_loss": float(task.loss(pred, pr.y)[0]),
            }
            out.update(self._output(model, pred, pr))
        return out

    def _output(self, model: SeqModel, pred: torch.Tensor, pr: Probe) -> dict:
        """Task-specific data for the output panel (sequence 0 of the probe)."""
        task = self.task
        if isinstance(task, SineTask):
            T = task.T
            warm = T // 2
            p, state = model(pr.x[:1, :warm])  # teacher-forced warm-up
            free = [p[0, -1, 0]]
            for _ in range(T - warm - 1):  # then feed the model its own forecasts
                p, state = model(free[-1].reshape(1, 1, 1), state)
                free.append(p[0, -1, 0])
            free_arr = np.full(T, np.nan)
            free_arr[warm:] = torch.stack(free).cpu().numpy()
            return {"input": pr.x[0, :, 0].cpu().numpy().astype(np.float64),
                    "target": pr.y[0, :, 0].cpu().numpy().astype(np.float64),
                    "pred": pred[0, :, 0].cpu().numpy().astype(np.float64),
                    "free": free_arr, "free_from": warm}
        if task.name == "adding":
            return {"input": pr.x[0, :, 0].cpu().numpy().astype(np.float64),
                    "marker": pr.x[0, :, 1].cpu().numpy().astype(np.float64),
                    "target": float(pr.y[0, 0]),
                    "pred": pred[0, :, 0].cpu().numpy().astype(np.float64)}
        if isinstance(task, CharLMTask):
            return self._generate(model, task)
        y = pr.y[0].cpu().numpy()
        p = pred[0].argmax(-1).cpu().numpy()
        mask = y != -100
        return {"target": np.where(mask, y, -1).astype(np.float64),
                "pred": np.where(mask, p, -1).astype(np.float64)}

    def _generate(self, model: SeqModel, task: CharLMTask) -> dict:
        """Sample text from the prompt, recording the top layer's h and c for every character.
        A fixed sampling seed makes the text change only because the model does."""
        cfg = self.config
        ids = task.encode(cfg.prompt) or [task.stoi.get("\n", 0)]
        gen = torch.Generator(device=self.device)
        gen.manual_seed(4321)
        rnn = model.rnn
        states = rnn.zero_state(1, self.device)
        prompt = torch.tensor(ids, device=self.device)  # (P,)
        hs, cs, toks = [], [], []
        nxt = prompt[:1]
        for k in range(len(ids) + cfg.gen_len):
            tok = prompt[k: k + 1] if k < len(ids) else nxt  # (1,) stays on the device: no sync
            x_t = model.embed(tok)  # (1, E)
            for layer in range(rnn.num_layers):
                states[layer], gates = rnn.step(layer, x_t, states[layer])
                x_t = states[layer][0]
            hs.append(gates["h"][0])
            cs.append(gates.get("c", gates["h"])[0])
            toks.append(tok)
            logits = model.head(x_t)  # (1, V)
            nxt = sample_logits(logits, cfg.temperature, cfg.top_k, gen)  # (1,)
        out_ids = torch.cat(toks).cpu().tolist()
        return {"text": task.decode(out_ids), "n_prompt": len(ids),
                "text_h": torch.stack(hs).cpu().numpy(), "text_c": torch.stack(cs).cpu().numpy()}


def _pearson(a: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """Correlation of every column of a (N, H) with s (N,); 0 where either is constant."""
    a = a.float() - a.float().mean(0)
    s = s - s.mean()
    den = a.norm(dim=0) * s.norm()
    r = (a * s[:, None]).sum(0) / den.clamp_min(1e-12)
    return torch.where(den > 1e-9, r, torch.zeros_like(r))
