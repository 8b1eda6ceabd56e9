"""Configuration of the LSTM lab (torch-free: the window imports it before torch is loaded)."""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.config import ConfigError, param

TASKS = ("sine", "adding", "copy", "parentheses", "charlm")
CELLS = ("lstm", "gru", "rnn")
BUILTIN_TEXT = "builtin"
CHARLM = {"task": ("charlm",)}  # keys that only the character-level language model uses


@dataclass
class LstmConfig:
    # -- task -------------------------------------------------------------------------------------
    task: str = param("adding", "Task: sine forecast, adding problem, copy across a delay, bracket depth, "
                      "or a character-level language model", choices=TASKS, group="Task")
    seq_len: int = param(50, "Sequence length T (the distance the model must remember across)",
                         lo=4, hi=400, group="Task")
    waves: int = param(2, "sine: number of sine waves summed (difficulty)", lo=1, hi=5, group="Task",
                       when={"task": ("sine",)})
    noise: float = param(0.05, "sine: standard deviation of the input noise", lo=0.0, hi=1.0, group="Task",
                         when={"task": ("sine",)})
    copy_len: int = param(5, "copy: number of symbols to remember (difficulty)", lo=1, hi=20, group="Task",
                          when={"task": ("copy",)})
    vocab: int = param(8, "copy: number of distinct symbols", lo=2, hi=30, group="Task",
                       when={"task": ("copy",)})
    max_depth: int = param(4, "parentheses: deepest allowed nesting (difficulty)", lo=1, hi=12, group="Task",
                          when={"task": ("parentheses",)})
    text: str = param(BUILTIN_TEXT, "charlm: the text to learn, 'builtin' (shipped with the app) or a "
                      "path to a UTF-8 text file", choices=(BUILTIN_TEXT,), path_ok=True, group="Task",
                      when={"task": ("charlm",)})
    # -- model ------------------------------------------------------------------------------------
    cell: str = param("lstm", "Recurrent cell: LSTM, GRU or plain tanh RNN", choices=CELLS, group="Model")
    hidden_size: int = param(64, "Units per layer", lo=1, hi=512, group="Model")
    num_layers: int = param(1, "Stacked recurrent layers", lo=1, hi=4, group="Model")
    forget_bias: float = param(1.0, "Initial forget-gate bias (LSTM; GRU: update-gate bias). 1 keeps the "
                               "cell state by default, 0 starts half-forgetting", lo=-5.0, hi=5.0,
                               group="Model", when={"cell": ("lstm", "gru")})
    # -- compare mode -------------------------------------------------------------------------------
    compare: bool = param(False, "Train a second model B on the same data and seed, side by side",
                          group="Compare")
    cell_b: str = param("rnn", "Compare: cell of model B", choices=CELLS, group="Compare",
                      when={"compare": (True,)})
    forget_bias_b: float = param(0.0, "Compare: initial forget-gate bias of model B", lo=-5.0, hi=5.0,
                                 group="Compare", when={"compare": (True,), "cell_b": ("lstm", "gru")})
    # -- training ---------------------------------------------------------------------------------
    lr: float = param(2e-3, "Adam learning rate", lo=1e-5, hi=0.1, log=True, live=True, group="Training")
    batch_size: int = param(64, "Sequences per step", lo=1, hi=1024, group="Training")
    clip: float = param(1.0, "Gradient clipping: largest allowed gradient norm (0 = off)", lo=0.0, hi=100.0,
                        live=True, group="Training")
    # -- sampling (charlm) --------------------------------------------------------------------------
    temperature: float = param(0.8, "charlm sampling temperature (low = safe, high = wild)", lo=0.05, hi=3.0,
                               live=True, group="Sampling", when=CHARLM)
    top_k: int = param(0, "charlm: sample only among the k likeliest characters (0 = all)", lo=0, hi=256,
                       live=True, group="Sampling", when=CHARLM)
    prompt: str = param("The ", "charlm: text the generated sample starts from", live=True, group="Sampling",
                        when=CHARLM)
    gen_len: int = param(240, "charlm: characters generated per snapshot", lo=10, hi=1000, live=True,
                         group="Sampling", when=CHARLM)

    def check(self) -> None:
        if self.task == "copy" and self.seq_len < 2 * self.copy_len + 1:
            raise ConfigError("seq_len", self.seq_len, f"at least 2*copy_len+1 = {2 * self.copy_len + 1}",
                              "too short to hold the symbols, the delimiter and the answer")
        if self.task == "charlm" and self.text != BUILTIN_TEXT:
            from .corpus import text_problem

            problem = text_problem(self.text, min_chars=max(200, self.seq_len + 2))
            if problem:
                raise ConfigError("text", self.text, "a UTF-8 text file (200 characters to 20 MB)",
                                  problem.split(": ", 1)[-1])
        if self.compare and self.cell_b == self.cell and (self.forget_bias_b == self.forget_bias
                                                          or self.cell == "rnn"):  # an RNN has no gate bias
            allowed = "a different cell" + ("" if self.cell == "rnn" else " or forget_bias_b")
            raise ConfigError("cell_b", self.cell_b, allowed, "model B would be identical to model A")

    # labels used by the views and the CLI
    def label_a(self) -> str:
        return _label(self.cell, self.forget_bias, self.compare and self.cell_b == self.cell)

    def label_b(self) -> str:
        return _label(self.cell_b, self.forget_bias_b, self.cell_b == self.cell)


def _label(cell: str, bias: float, show_bias: bool) -> str:
    name = cell.upper()
    return f"{name} (bias {bias:g})" if show_bias else name
