"""Generative AI Playground: watch a GAN, an LSTM and a Transformer learn, live."""

__version__ = "0.1.0"
