"""Panels that several labs draw (one module per panel; import each from its module)."""
