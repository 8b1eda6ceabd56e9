"""The LSTM lab: gates you can watch, and why LSTMs beat plain RNNs. Torch-free (imported by the window)."""

from playground.core.registry import LabSpec

from .config import LstmConfig

LAB = LabSpec(
    name="lstm",
    title="LSTM",
    config_cls=LstmConfig,
    session="playground.labs.lstm.session:LstmSession",
    view="playground.labs.lstm.view:LstmView",
    default_preset="adding",
    description="Gates you can watch: forget, input and output gates, cell state, vanishing gradients",
    order=20,
)
