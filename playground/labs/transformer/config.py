"""Configuration of the Transformer lab (torch-free: the window imports it before torch)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from playground.core.config import ConfigError, param, param_info

TASKS = ("copy", "reverse", "sort", "addition", "translate", "charlm")
#: keys that compare mode can vary for the second model ("B")
COMPARE_KEYS = ("off", "n_heads", "n_layers", "d_model", "d_ff", "pos_encoding", "norm", "arch", "dropout",
                "lr")


@dataclass
class TransformerConfig:
    task: str = param("reverse", "What the model learns: copy, reverse or sort a sequence, add two "
                      "numbers, translate a spelled-out date into digits, or predict the next character of a "
                      "text (charlm)",
                      choices=TASKS, group="Task")
    seq_len: int = param(10, "Sequence length (symbols per sequence; digits per number for "
                         "addition, at most 9; context length for charlm; translate has a fixed format)",
                         lo=2, hi=128, group="Task",
                         when={"task": tuple(t for t in TASKS if t != "translate")})
    vocab: int = param(10, "Number of distinct symbols for copy, reverse and sort (digits, then letters)",
                       lo=2, hi=36, group="Task", when={"task": ("copy", "reverse", "sort")})
    text: str = param("tiny", "Text for charlm: the shipped 'tiny' corpus or a path to a UTF-8 text file",
                      choices=("tiny",), path_ok=True, group="Task", when={"task": ("charlm",)})
    arch: str = param("encdec", "Encoder-decoder (source read by an encoder, cross-attention) or "
                      "decoder-only (source and answer in one causal sequence; charlm always uses it)",
                      choices=("encdec", "decoder"), group="Model",
                      when={"task": tuple(t for t in TASKS if t != "charlm")})
    d_model: int = param(64, "Width of every token vector (must be divisible by n_heads)", lo=8, hi=512,
                         group="Model")
    n_heads: int = param(4, "Attention heads per layer", lo=1, hi=16, group="Model")
    n_layers: int = param(2, "Layers in the encoder and in the decoder", lo=1, hi=8, group="Model")
    d_ff: int = param(128, "Hidden width of the feed-forward network in each layer", lo=8, hi=2048,
                      group="Model")
    dropout: float = param(0.0, "Dropout on attention weights and residual branches", lo=0.0, hi=0.5,
                           group="Model")
    pos_encoding: str = param("sinusoidal", "Positional encoding: fixed sine/cosine waves, learned vectors, or "
                              "none (the model sees a bag of tokens: order is lost)",
                              choices=("sinusoidal", "learned", "none"), group="Model")
    norm: str = param("pre", "Layer norm before each sub-layer (pre, stable) or after the residual sum "
                      "(post, the 2017 paper)", choices=("pre", "post"), group="Model")
    lr: float = param(1e-3, "Adam learning rate", lo=1e-5, hi=0.1, log=True, live=True, group="Training")
    batch_size: int = param(128, "Examples per training step", lo=1, hi=2048, group="Training")
    clip: float = param(1.0, "Gradient norm clipping (0 = off)", lo=0.0, hi=100.0, live=True,
                        group="Training")
    eval_size: int = param(128, "Held-out examples for exact-sequence accuracy (greedy decoding)", lo=16,
                           hi=4096, group="Training")
    temperature: float = param(0.0, "Sampling temperature for inference (0 = greedy: always the most likely "
                               "token)", lo=0.0, hi=5.0, live=True, group="Inference")
    top_k: int = param(0, "Sample only among the k most likely tokens (0 = all)", lo=0, hi=1000, live=True,
                       group="Inference")
    compare: str = param("off", "Compare mode: train a second model B that differs from A in this key",
                         choices=COMPARE_KEYS, group="Compare")
    compare_value: str = param("", "Value of the compared key for model B (e.g. 1 for n_heads, learned for "
                               "pos_encoding)", group="Compare",
                               when={"compare": COMPARE_KEYS[1:]})

    def check(self) -> None:
        if self.d_model % self.n_heads:
            raise ConfigError("n_heads", self.n_heads, f"a divisor of d_model={self.d_model}",
                              "d_model must split evenly into heads")
        if self.compare != "off":
            b = self.config_b()
            if b.d_model % b.n_heads:
                raise ConfigError("compare_value", self.compare_value,
                                  "a value that keeps d_model divisible by n_heads for model B",
                                  "model B would have d_model not divisible by n_heads")

    def config_b(self) -> TransformerConfig:
        """The configuration of compare model B: A with ``compare`` set to ``compare_value``."""
        if self.compare == "off":
            raise ValueError("compare mode is off")
        from playground.core.config import coerce

        p = param_info(type(self), self.compare)
        raw = self.compare_value.strip()
        if not raw:
            raise ConfigError("compare_value", self.compare_value, p.allowed(),
                              f"give the value of {self.compare} for model B")
        try:
            value = coerce(p, raw)
        except ConfigError as e:
            raise ConfigError("compare_value", self.compare_value, e.allowed,
                              f"not a valid {self.compare}") from None
        return dataclasses.replace(self, compare="off", compare_value="", **{self.compare: value})

    def label_a(self) -> str:
        return "A" if self.compare == "off" else f"A: {self.compare}={getattr(self, self.compare)}"

    def label_b(self) -> str:
        return "" if self.compare == "off" else f"B: {self.compare}={self.compare_value.strip()}"
