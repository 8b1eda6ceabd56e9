"""The Transformer lab: watch attention learn, layer by layer and head by head."""

from playground.core.registry import LabSpec

from .config import TransformerConfig

LAB = LabSpec(
    name="transformer", title="Transformer", config_cls=TransformerConfig,
    session="playground.labs.transformer.session:TransformerSession",
    view="playground.labs.transformer.view:TransformerView",
    default_preset="reverse",
    description="Attention you can watch: every layer and head, live, on tasks you can edit",
    order=30,
)
