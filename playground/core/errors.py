"""Errors every front end shares (Qt-free)."""

from __future__ import annotations


class UsageError(Exception):
    """Bad input on the command line: printed as one line, exit code 2."""
