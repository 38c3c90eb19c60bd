"""Modules imported on first use, so that a command pays at start-up only for what it needs
(``matdiff check`` of a valid document never needs lark: the fast parser reads it)."""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for the module ``name``: the first attribute read imports it (``import`` takes
    the interpreter's import lock, so threads may race here safely), and every attribute
    read is kept, so later reads cost what a module's do."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(importlib.import_module(self._name), attribute)
        setattr(self, attribute, value)
        return value
