"""Fixtures of the playground tests: one application with its workers for the API tests."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed")
pytest.importorskip("httpx", reason="the web extra is not installed")

with warnings.catch_warnings():
    # Starlette announces a future change of its test client's HTTP library.
    warnings.filterwarnings("ignore", message=".*starlette.testclient")
    from fastapi.testclient import TestClient

from steepest.web.app import create_app


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """A test client of the playground; its two workers live for the whole session."""
    with TestClient(create_app(workers=2)) as test_client:
        yield test_client
