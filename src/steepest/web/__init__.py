"""The browser playground: ``steepest serve``.

A FastAPI application (:func:`create_app`) serves one static page in plain
JavaScript, Plotly.js from the installed ``plotly`` package (no network),
and a small JSON API whose computations are steepest's own, run in worker
processes under a time limit.  Needs the ``web`` extra:
``pip install 'steepest[web]'``.

>>> from steepest.web import requests
>>> requests.MAX_GRID
200
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # FastAPI loads only when the application is asked for, so the computations
    # (imported by the worker processes) do not pay for it.
    if name == "create_app":
        from steepest.web.app import create_app

        return create_app
    raise AttributeError(f"module 'steepest.web' has no attribute {name!r}")
