"""Qt-free engine: config validation, device choice, Session protocol, metric history, checkpoints."""

from .config import ConfigError, param, params, validate
from .history import MetricHistory
from .registry import LabSpec, all_labs, get_lab

__all__ = ["ConfigError", "param", "params", "validate", "MetricHistory", "LabSpec", "all_labs", "get_lab"]
