"""Request checking, worker processes and error mapping, without a browser."""

from __future__ import annotations

import json
import math
import os
import signal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steepest.web import requests as checks
from steepest.web.app import create_app
from steepest.web.requests import BadRequest
from steepest.web.worker import (
    ComputationTimeout,
    ServerBusy,
    TooManyRequests,
    WorkerFailure,
    WorkerPool,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children,
                                                                      max_size=4),
    max_leaves=12,
)  # fmt: skip


@given(st.binary(max_size=300))
def test_any_bytes_give_an_object_or_a_client_error(raw: bytes) -> None:
    try:
        body = checks.parse_body(raw)
    except BadRequest as exc:
        assert exc.status in (400, 413)
        assert "\n" not in exc.message
    else:
        assert isinstance(body, dict)


@given(st.dictionaries(st.sampled_from(["function", "x0", "lr", "method", "max_iter", "tol", "x"]),
                       json_values, max_size=7))  # fmt: skip
def test_minimize_requests_are_in_bounds_or_rejected(body: dict[str, Any]) -> None:
    try:
        out = checks.minimize_request(body)
    except BadRequest as exc:
        assert 400 <= exc.status < 500
        assert exc.message and "\n" not in exc.message
        return
    assert 0 < len(out["function"]) <= checks.MAX_EXPRESSION_CHARS
    assert 1 <= len(out["x0"]) <= 10 and all(math.isfinite(v) for v in out["x0"])
    assert 0 < out["lr"] <= 100 and out["method"] in checks.METHODS
    assert isinstance(out["max_iter"], int) and 1 <= out["max_iter"] <= checks.MAX_ITER


def test_limits_are_exact() -> None:
    base = {"function": "x", "x0": [0], "lr": 1, "method": "gd"}
    assert checks.minimize_request({**base, "max_iter": 100_000})["max_iter"] == 100_000
    with pytest.raises(BadRequest):
        checks.minimize_request({**base, "max_iter": 100_001})
    assert checks.minimize_request({**base, "function": "x" * 2000})["function"]
    with pytest.raises(BadRequest):
        checks.minimize_request({**base, "function": "x" * 2001})
    grid = {"function": "x y", "xlim": [0, 1], "ylim": [0, 1]}
    assert checks.surface_request({**grid, "n": 200})["n"] == 200
    with pytest.raises(BadRequest, match="between 2 and 200"):
        checks.surface_request({**grid, "n": 201})
    exact = json.dumps({"padding": "x" * (checks.MAX_BODY_BYTES - 15)}).encode()
    assert len(exact) == checks.MAX_BODY_BYTES
    assert checks.parse_body(exact)
    with pytest.raises(BadRequest) as caught:
        checks.parse_body(exact + b" ")
    assert caught.value.status == 413


def test_a_stuck_worker_is_replaced() -> None:
    pool = WorkerPool(size=1)
    try:
        # A run that only its own budget of seconds would stop (each step evaluates a kink
        # and eight products of sines): the pool's deadline of 0.3 s comes first.
        heavy = "abs(x) + " + " + ".join(f"sin({k}x) cos({k}y)/{k * k}" for k in range(1, 9))
        run = {"function": heavy, "x0": [1.0, 1.0], "lr": 1e-6, "method": "gd",
               "max_iter": 100_000, "tol": 0.0, "max_time": 30.0}  # fmt: skip
        with pytest.raises(ComputationTimeout):
            pool.call("minimize", run, timeout=0.3)
        answer = json.loads(pool.call("derive", {"expression": "x^2", "wrt": "x"}, timeout=30))
        assert answer["result"] == "2*x"
        with pytest.raises(BadRequest, match="could not read"):
            pool.call("inspect", {"function": "x +* 2"}, timeout=30)
    finally:
        pool.close()
    with pytest.raises(WorkerFailure):
        pool.call("derive", {"expression": "x", "wrt": "x"}, timeout=1)


CURVE = {"function": "x^2", "xlim": [0, 2], "n": 3}


def _kill_every_worker(pool: WorkerPool) -> None:
    for pid in pool.worker_pids():
        os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("ready", [True, False], ids=["while idle", "before it was ready"])
def test_a_worker_ended_from_outside_costs_no_request_and_no_worker(ready: bool) -> None:
    # A worker that ended while it waited (killed by the system, say) is no fault of the
    # next request: that request goes to a replacement, and the lane keeps its size.
    for _ in range(3):
        pool = WorkerPool(size=1, wait=5.0)
        try:
            if ready:
                assert json.loads(pool.call("curve", CURVE, timeout=30))["y"] == [0.0, 1.0, 4.0]
                # The next request meets the kill at once, often before the system has torn
                # the worker down: it still goes to a replacement.
                _kill_every_worker(pool)
            else:  # a fresh worker, ended before it could say it is ready: the next request
                pool.start()  # reaches it before its parent has even seen it end
                _kill_every_worker(pool)
            for _ in range(2):
                assert json.loads(pool.call("curve", CURVE, timeout=30))["y"] == [0.0, 1.0, 4.0]
            assert len(pool.worker_pids()) == 1
        finally:
            pool.close()


class _FailingPool:
    """Stands in for the worker pool and fails the way a real one can."""

    def __init__(self, failure: Exception) -> None:
        self.failure = failure

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def call(
        self, task: str, request: dict[str, Any], *, timeout: float, client: str = ""
    ) -> bytes:
        raise self.failure


@pytest.mark.parametrize(
    ("failure", "status", "words"),
    [
        (ComputationTimeout(5.0), 422, "longer than the 5 s limit"),
        (ServerBusy("busy", retry_after=7), 503, "busy"),
        (TooManyRequests(2, retry_after=7), 429, "2 slow computation(s)"),
        (WorkerFailure("the worker process ended"), 500, "failed"),
    ],
)
def test_failures_of_the_workers_answer_json(failure: Exception, status: int, words: str) -> None:
    from fastapi.testclient import TestClient  # imported quietly by conftest.py already

    client = TestClient(create_app(pool=_FailingPool(failure)))  # type: ignore[arg-type]
    response = client.post("/api/derive", json={"expression": "x^2", "wrt": "x"})
    assert response.status_code == status
    assert words in response.json()["error"]
    if status in (429, 503):
        assert response.headers["retry-after"] == "7"
    assert client.get("/api/health").json() == {"status": "ok"}


def test_an_unexpected_failure_is_a_json_500_not_plain_text() -> None:
    from fastapi.testclient import TestClient

    app = create_app(pool=_FailingPool(RuntimeError("a bug")))  # type: ignore[arg-type]
    client = TestClient(app, raise_server_exceptions=False)
    response = client.post("/api/derive", json={"expression": "x^2", "wrt": "x"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "the server could not answer this request (RuntimeError)"}
    assert client.get("/api/health").json() == {"status": "ok"}


def test_host_names_are_checked_when_asked() -> None:
    from fastapi.testclient import TestClient

    client = TestClient(create_app(pool=_FailingPool(ServerBusy()), allowed_hosts=["127.0.0.1"]))
    response = client.get("/api/health")  # the test client says Host: testserver
    assert response.status_code == 400
    assert "127.0.0.1" in response.json()["error"]
    assert client.get("/api/health", headers={"host": "127.0.0.1:8000"}).status_code == 200


@given(st.text(max_size=60))
def test_any_text_as_a_function_is_answered_without_a_server_error(client, text: str) -> None:
    response = client.post("/api/inspect", json={"function": text})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["error"]
