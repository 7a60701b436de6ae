"""The two autodiff engines a test can run on: the compiled one, where this machine built it,
and Python's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from steepest.autodiff import engine

ENGINES = ["compiled", "python"] if engine.loaded() else ["python"]


def on_engine(which: str, fn: Callable[[], Any]) -> Any:
    """``fn()`` on the engine named ``which`` (``"compiled"`` or ``"python"``)."""
    if which == "python":
        with engine.python_engine():
            return fn()
    return fn()
