"""Doctests that need an optional dependency skip, with the reason, where it is missing;
compiled kernels go to a cache directory of the run's own, removed at its end, and every
test runs on the compiled engine where this machine builds it."""

from __future__ import annotations

import contextlib
import importlib.util
import linecache
import os
import shutil
import tempfile
from typing import Any

import pytest

# Doctests (by module or page) that run Dask.
NEEDS_DASK = ("steepest.optim.distributed", "steepest.models.lazy", "scale.md")


_CACHE = tempfile.mkdtemp(prefix="steepest-test-cache-")


def _tolerant_checkcache(filename: str | None = None) -> None:
    """``linecache.checkcache`` that lets entries vanish while it runs.

    SymPy's ``lambdify`` puts the source it generates in ``linecache`` and takes it out
    when the function is collected; a collection inside ``checkcache``'s loop (run by
    every doctest as it sets up its debugger) raised ``KeyError: '<lambdifygenerated-..>'``
    in an unrelated doctest.
    """
    names = [filename] if filename is not None else list(linecache.cache)
    for name in names:
        with contextlib.suppress(KeyError):
            _checkcache(name)


_checkcache = linecache.checkcache
linecache.checkcache = _tolerant_checkcache


def pytest_configure(config: Any) -> None:
    # Before anything is imported or compiled: no library of a test run lands in the
    # user's cache (nor in the checkout).
    os.environ["STEEPEST_CACHE_DIR"] = _CACHE


def pytest_sessionstart(session: Any) -> None:
    # The eager path's engine compiles in the background; waited for, so that which engine
    # a test runs on never depends on timing.
    from steepest.autodiff import engine

    engine.wait(120)


@pytest.fixture(autouse=True)
def _the_engine_in_use_is_kept() -> Any:
    # A test (or doctest) that switches the autodiff engine must switch it back: the
    # tests after it, in whatever order they run, expect the one in use at the start.
    from steepest.autodiff import core

    in_use = core.compiled_engine()
    yield
    if core.compiled_engine() is not in_use:
        core.use_compiled(in_use)
        pytest.fail("the test left another autodiff engine in use (see core.use_compiled)")


def pytest_unconfigure(config: Any) -> None:
    shutil.rmtree(_CACHE, ignore_errors=True)


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if all(importlib.util.find_spec(name) is not None for name in ("dask", "distributed")):
        return
    skip = pytest.mark.skip(reason="needs Dask: pip install 'steepest[dask]'")
    for item in items:
        if type(item).__name__ == "DoctestItem" and any(
                name in item.name or name in item.nodeid for name in NEEDS_DASK):
            item.add_marker(skip)
