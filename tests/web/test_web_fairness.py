"""Fair service under slow requests: the fast and slow lanes, 503 and 429 with Retry-After,
the memory cap of a worker, and a worker that dies.

Each test runs its own small server on a free port; the slow requests are
optimizer runs that go on until their time budget stops them (``stopped``).
The assertions are on the order in which requests complete and on what they
answer, not on how long they take.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from steepest.web.app import create_app
from steepest.web.server import BackgroundServer

# A run that only its time budget stops (status "stopped"): each step evaluates a kink (which
# keeps it off the fast path over floats) and eight products of sines, so that 100,000 steps take
# far longer than the budget on any machine.
HEAVY = "abs(x) + " + " + ".join(f"sin({k}x) cos({k}y)/{k * k}" for k in range(1, 9))
SLOW = {"function": HEAVY, "x0": [1, 1], "lr": 1e-6, "method": "gd",
        "max_iter": 100_000, "tol": 0}  # fmt: skip
FAST = {"function": "x^2 - x", "xlim": [-1, 1], "n": 5}


class Answer:
    """One request's status, headers, JSON body and the moment it completed."""

    def __init__(self, status: int, headers: dict[str, str], body: Any) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.done = time.monotonic()


def post(url: str, path: str, body: dict[str, Any]) -> Answer:
    request = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return Answer(response.status, dict(response.headers), json.load(response))
    except urllib.error.HTTPError as error:
        headers = {k.lower(): v for k, v in error.headers.items()}
        return Answer(error.code, headers, json.loads(error.read()))


def in_background(url: str, path: str, body: dict[str, Any]) -> tuple[threading.Thread, list]:
    out: list[Answer] = []
    thread = threading.Thread(target=lambda: out.append(post(url, path, body)), daemon=True)
    thread.start()
    return thread, out


def wait_for_workers(url: str) -> None:
    """One answered request: the workers have started."""
    assert post(url, "/api/curve", FAST).status == 200


def test_fast_requests_are_answered_while_slow_ones_fill_the_slow_lane() -> None:
    app = create_app(workers=2, slow_workers=2, fast_seconds=0.3, time_limit=5.0, per_client=4)
    with BackgroundServer(app) as server:
        wait_for_workers(server.url)
        # The first slow run shows the server that this request is heavy.
        assert post(server.url, "/api/minimize", SLOW).body["status"] == "stopped"
        slow = []
        for _ in range(3):  # two fill the slow lane, the third waits in its queue
            slow.append(in_background(server.url, "/api/minimize", SLOW))
            time.sleep(0.1)
        fast = [post(server.url, "/api/curve", FAST) for _ in range(3)]
        fast.append(post(server.url, "/api/derive", {"expression": "x^3", "wrt": "x"}))
        for thread, _ in slow:
            thread.join(60)
        slow_answers = [out[0] for _, out in slow]
        assert [a.status for a in fast] == [200] * 4
        assert fast[0].body["y"] == [2.0, 0.75, 0.0, -0.25, 0.0]
        assert fast[-1].body["result"] == "3*x^2"
        assert [a.status for a in slow_answers] == [200] * 3
        assert {a.body["status"] for a in slow_answers} == {"stopped"}
        # Every fast request was answered before the first slow one finished.
        assert max(a.done for a in fast) < min(a.done for a in slow_answers)
        assert post(server.url, "/api/curve", FAST).status == 200


def test_a_request_new_to_the_server_leaves_the_fast_lane_once_it_is_heavy() -> None:
    app = create_app(workers=1, slow_workers=1, fast_seconds=0.3, time_limit=5.0, per_client=4)
    with BackgroundServer(app) as server:
        wait_for_workers(server.url)
        thread, out = in_background(server.url, "/api/minimize", SLOW)
        time.sleep(0.2)
        # The one fast worker is busy with the run until it moves to the slow lane.
        fast = post(server.url, "/api/curve", FAST)
        thread.join(60)
        assert fast.status == 200 and out[0].body["status"] == "stopped"
        assert fast.done < out[0].done


def test_a_full_slow_lane_answers_503_with_retry_after() -> None:
    app = create_app(workers=1, slow_workers=1, fast_seconds=0.3, wait=0.5, time_limit=4.0,
                     per_client=4)  # fmt: skip
    with BackgroundServer(app) as server:
        wait_for_workers(server.url)
        thread, first = in_background(server.url, "/api/minimize", SLOW)
        time.sleep(0.6)  # the first run is in the slow lane by now
        second = post(server.url, "/api/minimize", SLOW)
        thread.join(60)
        assert second.status == 503
        assert second.headers["retry-after"] == "4"
        assert "busy" in second.body["error"] and "try again in 4 s" in second.body["error"]
        assert first[0].status == 200 and first[0].body["status"] == "stopped"
        assert second.done < first[0].done


def test_one_client_may_hold_only_its_share_of_the_slow_lane() -> None:
    app = create_app(workers=2, slow_workers=2, fast_seconds=0.3, time_limit=4.0, per_client=1)
    with BackgroundServer(app) as server:
        wait_for_workers(server.url)
        # Once seen heavy, both runs below go straight to the slow lane, in order.
        assert post(server.url, "/api/minimize", SLOW).status == 200
        thread, first = in_background(server.url, "/api/minimize", SLOW)
        time.sleep(0.6)
        second = post(server.url, "/api/minimize", SLOW)
        thread.join(60)
        assert second.status == 429
        assert second.headers["retry-after"] == "4"
        assert "1 slow computation" in second.body["error"]
        assert first[0].status == 200 and second.done < first[0].done


def test_a_computation_over_the_memory_cap_ends_in_one_sentence() -> None:
    app = create_app(workers=1, memory_mb=4, time_limit=20.0)
    with BackgroundServer(app) as server:
        grid = {"function": "sin(x) y", "xlim": [-1, 1], "ylim": [-1, 1], "n": 200}
        answer = post(server.url, "/api/surface", grid)
        assert answer.status == 422
        assert answer.body["error"].startswith(
            "the computation needs more memory than the playground allows"
        )
        # The worker was replaced; small work still fits.
        assert post(server.url, "/api/curve", FAST).body["y"][0] == 2.0
        assert post(server.url, "/api/health", {}).status == 405


def test_a_worker_that_dies_is_one_json_error_and_is_replaced() -> None:
    app = create_app(workers=1, fast_seconds=0.3, time_limit=4.0)
    with BackgroundServer(app) as server:
        wait_for_workers(server.url)
        thread, out = in_background(server.url, "/api/minimize", SLOW)
        time.sleep(0.8)
        for pid in app.state.pool.worker_pids():
            os.kill(pid, signal.SIGKILL)
        thread.join(60)
        assert out[0].status == 500
        assert "ended its worker process" in out[0].body["error"]
        assert post(server.url, "/api/curve", FAST).status == 200
