"""The tabular lab: synthetic tables from a CSV (CTGAN, TVAE, a Gaussian copula), with live evidence of how
faithful, private and useful they are."""

from playground.core.registry import LabSpec

from .config import TabularConfig

LAB = LabSpec(
    name="tabular",
    title="Tabular",
    config_cls=TabularConfig,
    session="playground.labs.tabular.session:TabularSession",
    view="playground.labs.tabular.view:TabularView",
    default_preset="penguins-ctgan",
    description="Synthetic tables from a CSV: CTGAN, TVAE and a Gaussian copula; fidelity, privacy, usefulness",
    order=40,
)
