"""The image lab's Qt panels (imported by view.py only; the rest of the lab stays Qt-free)."""
