"""Doctests that need an optional dependency skip, with the reason, where it is missing."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

# Doctests (by module or page) that run Dask.
NEEDS_DASK = ("steepest.optim.distributed", "steepest.models.lazy", "scale.md")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if all(importlib.util.find_spec(name) is not None for name in ("dask", "distributed")):
        return
    skip = pytest.mark.skip(reason="needs Dask: pip install 'steepest[dask]'")
    for item in items:
        if type(item).__name__ == "DoctestItem" and any(
                name in item.name or name in item.nodeid for name in NEEDS_DASK):
            item.add_marker(skip)
