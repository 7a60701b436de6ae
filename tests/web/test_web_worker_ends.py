"""A worker that ends while it is not computing a request costs that request nothing.

Only a worker killed while it computes a request fails that request (with one
sentence); one killed while it was idle, starting, or as the task was being
sent, is replaced and the request goes on in a fresh worker.  Each
interleaving is set up exactly, not by timing: the worker is stopped
(``SIGSTOP``, then the test waits until the system shows it stopped) at the
chosen point, so that it runs none of its own code after it, and then killed.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from steepest.web.worker import START_TRIES, WorkerFailure, WorkerPool

pytestmark = pytest.mark.skipif(
    not os.path.exists("/proc/self/stat"), reason="the states of processes are read in /proc"
)

CURVE = {"function": "x^2", "xlim": [0, 2], "n": 3}
# A run that only its own budget of seconds would stop (each step evaluates a kink and eight
# products of sines): it outgrows any fast lane and computes until it is ended.
HEAVY = "abs(x) + " + " + ".join(f"sin({k}x) cos({k}y)/{k * k}" for k in range(1, 9))
RUN = {"function": HEAVY, "x0": [1.0, 1.0], "lr": 1e-6, "method": "gd",
       "max_iter": 100_000, "tol": 0.0, "max_time": 60.0}  # fmt: skip
# Seconds a test waits for a state it is sure to reach (only a hang takes longer).
PATIENCE = 60.0


def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for ``condition``; fail (instead of hanging) if it never comes."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.005)


def stop(pid: int) -> None:
    """Stop a process and wait until it is stopped: it runs none of its own code after this."""
    os.kill(pid, signal.SIGSTOP)

    def stopped() -> bool:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in "tT"

    until(stopped, f"process {pid} stopped")


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


class KilledAsSent:
    """A worker's end of its pipe whose next task is sent to a worker stopped just before,
    and killed just after: the kill lands before the worker could have read the task."""

    def __init__(self, connection: Any, pid: int) -> None:
        self.connection = connection
        self.pid = pid
        self.armed = True

    def send(self, message: Any) -> None:
        if message is None or not self.armed:
            self.connection.send(message)
            return
        self.armed = False
        stop(self.pid)
        self.connection.send(message)
        kill(self.pid)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)


def kill_as_sent(worker: Any) -> None:
    worker.connection = KilledAsSent(worker.connection, worker.process.pid)


def kill_at_once(worker: Any) -> None:
    kill(worker.process.pid)


class Pool:
    """A one-worker pool whose new workers can be handed, as each is made, to a hook."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, **options: Any) -> None:
        self.made: list[Any] = []
        self.hooks: list[Callable[[Any], None]] = []
        self.pool = WorkerPool(size=1, **options)
        make = self.pool._new_worker

        def new_worker() -> Any:
            worker = make()
            self.made.append(worker)
            if self.hooks:
                self.hooks.pop(0)(worker)
            return worker

        monkeypatch.setattr(self.pool, "_new_worker", new_worker)

    def curve(self) -> list[float]:
        y: list[float] = json.loads(self.pool.call("curve", CURVE, timeout=30))["y"]
        return y

    def live(self) -> set[int]:
        return set(self.pool.worker_pids())

    def one_live_made_since(self, first: int) -> bool:
        """Whether one worker is left, made after the first ``first`` ones.  With a short
        ``fast_seconds`` a request itself may leave the fast lane on a busy machine (the
        curve once took longer than 0.05 s in a full test run), and a fresh worker take
        its place: which one is left then depends on the machine, not on the pool."""
        live = self.live()
        return len(live) == 1 and live <= {w.process.pid for w in self.made[first:]}


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[Pool]:
    made = Pool(monkeypatch)
    try:
        yield made
    finally:
        made.pool.close()


def test_an_idle_worker_killed_as_the_task_is_sent_costs_no_request(pool: Pool) -> None:
    # The signal is still on its way when the task goes out: the worker looks alive and has
    # nothing to read, yet it will never compute again.
    assert pool.curve() == [0.0, 1.0, 4.0]
    idle = pool.made[0]
    kill_as_sent(idle)
    assert pool.curve() == [0.0, 1.0, 4.0]
    assert pool.live() == {pool.made[1].process.pid}  # the lane keeps its one worker
    assert pool.curve() == [0.0, 1.0, 4.0]


def test_a_killed_slow_run_fails_alone_and_its_replacement_serves_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A run moves to the slow lane, a fresh worker takes its place; then every worker is
    # killed, the fresh one as the next task is sent to it.  The run fails with its worker;
    # the next request does not.
    made = Pool(monkeypatch, fast_seconds=0.05)
    try:
        failures: list[Exception] = []

        def slow_run() -> None:
            try:
                made.pool.call("minimize", RUN, timeout=60)
            except WorkerFailure as exc:
                failures.append(exc)

        thread = threading.Thread(target=slow_run, daemon=True)
        thread.start()
        until(lambda: len(made.made) == 2, "the run left the fast lane")
        slow, fresh = made.made
        kill_as_sent(fresh)
        kill(slow.process.pid)
        thread.join(PATIENCE)
        assert len(failures) == 1 and "ended its worker process" in str(failures[0])
        assert made.curve() == [0.0, 1.0, 4.0]
        assert made.one_live_made_since(2)
    finally:
        made.pool.close()


@pytest.mark.parametrize(
    "hook", [kill_at_once, kill_as_sent], ids=["before it was ready", "as the task was sent"]
)
def test_a_slow_lane_worker_killed_before_it_took_the_task_costs_no_request(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, hook: Callable[[Any], None]
) -> None:
    # A request known to be slow starts in a new worker of its own; that worker's end before
    # it took the task is no more the request's fault than an idle worker's.
    monkeypatch.setattr(pool.pool, "_is_known_slow", lambda job: True)
    pool.pool.start()
    pool.hooks.append(hook)
    assert pool.curve() == [0.0, 1.0, 4.0]
    assert len(pool.made) == 3  # the fast lane's worker, the killed one, its replacement
    assert pool.live() == {pool.made[0].process.pid}  # the slow lane's workers are gone


def test_workers_that_all_end_before_they_take_the_task_fail_it_after_bounded_tries(
    pool: Pool,
) -> None:
    pool.pool.start()
    pool.hooks.extend([kill_as_sent] * (START_TRIES - 1))  # the idle worker is the first try
    kill_as_sent(pool.made[0])
    with pytest.raises(WorkerFailure, match="ended before it could take its task"):
        pool.curve()
    assert len(pool.made) == START_TRIES + 1  # the tries, then the lane's replacement
    assert pool.live() == {pool.made[-1].process.pid}
    assert pool.curve() == [0.0, 1.0, 4.0]


@pytest.mark.parametrize("fast_seconds", [60.0, 0.05], ids=["in the fast lane", "in the slow lane"])
def test_a_worker_killed_but_not_yet_torn_down_at_the_time_limit_is_its_end(
    monkeypatch: pytest.MonkeyPatch, fast_seconds: float
) -> None:
    # At idle priority on a busy machine a killed worker may wait seconds to be torn down,
    # past the time limit, and its end of file comes only then.  Its request ends with the
    # worker's end, not as a computation that took too long.  (Here the run simply computes
    # on, and the worker's state says it was killed.)
    made = Pool(monkeypatch, fast_seconds=fast_seconds)
    try:
        made.pool.start()
        made.made[0].killed = lambda: True
        with pytest.raises(WorkerFailure, match=r"ended its worker process \(exit status -9\)"):
            made.pool.call("minimize", RUN, timeout=1.0)
        assert made.curve() == [0.0, 1.0, 4.0]
        assert made.one_live_made_since(1)
    finally:
        made.pool.close()


def test_a_live_worker_is_not_seen_killed(pool: Pool) -> None:
    pool.pool.start()
    (worker,) = pool.made
    assert not worker.killed()
    kill(worker.process.pid)
    assert worker.killed() or not os.path.exists(f"/proc/{worker.process.pid}")
