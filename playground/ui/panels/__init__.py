"""Shared view panels; import each from its module."""
