"""One sub-package per lab. Each defines ``LAB`` (see playground.core.registry)."""
