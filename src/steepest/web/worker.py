"""Worker processes that run the playground's computations under a deadline.

A computation on user input can take long (solving a hard system for its
critical points, simplifying a large derivative) and a Python thread cannot
be stopped from outside.  So every computation runs in one of a few worker
processes: the server sends it the checked request, waits at most the time
limit, and ends the process if the answer has not come, starting a fresh
one in its place.  One slow request therefore holds one worker for a
bounded time and never the server.

Workers are forked from a server process that has already imported
steepest, NumPy and SymPy (``forkserver`` start method, where the platform
has it), so replacing one costs milliseconds.

>>> pool = WorkerPool(size=1)
>>> pool.call("curve", {"function": "x^2", "xlim": [0, 2], "n": 3}, timeout=10)
b'{"variables":["x"],"x":[0.0,1.0,2.0],"y":[0.0,1.0,4.0]}'
>>> pool.close()
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import queue
import signal
import threading
from multiprocessing.connection import Connection
from typing import Any

from steepest.web.requests import BadRequest

STARTUP_SECONDS = 60.0
PRELOAD = ["steepest.web.compute"]


class ComputationTimeout(Exception):
    """The computation did not finish within the time limit and was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the computation took longer than {seconds:g} s")
        self.seconds = seconds


class ServerBusy(Exception):
    """Every worker stayed busy for as long as a request may wait."""


class WorkerFailure(Exception):
    """A worker ended without answering, or failed in a way that is not the user's mistake."""


def _worker_main(connection: Connection) -> None:
    """The loop of one worker process: receive ``(task, request)``, send the answer."""
    # Ctrl+C in the terminal reaches the whole process group; the server ends the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from steepest.errors import SteepestError
    from steepest.web import compute

    connection.send(("ready", None))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        task, request = message
        try:
            result = compute.TASKS[task](request)
            payload = json.dumps(result, allow_nan=False, separators=(",", ":"))
            connection.send(("ok", payload.encode("utf-8")))
        except BadRequest as exc:
            connection.send(("bad", (exc.message, exc.status, exc.field, exc.column)))
        except (SteepestError, ArithmeticError, ValueError) as exc:
            text = str(exc).strip().splitlines()
            connection.send(("bad", (text[0] if text else type(exc).__name__, 422, None, None)))
        except RecursionError:
            connection.send(("bad", ("the expression is nested too deeply", 422, None, None)))
        except MemoryError:
            message_text = "the computation needs more memory than the playground allows"
            connection.send(("bad", (message_text, 422, None, None)))
        except Exception as exc:  # the worker must answer whatever happened
            connection.send(("fail", f"{type(exc).__name__}: {exc}"))


def _context(start_method: str | None) -> Any:
    methods = multiprocessing.get_all_start_methods()
    if start_method is None:
        start_method = "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(start_method)
    if start_method == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    return context


class _Worker:
    def __init__(self, context: Any) -> None:
        parent_end, child_end = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child_end,), name="steepest-web-worker", daemon=True
        )
        self.process.start()
        child_end.close()
        self.connection: Connection = parent_end
        self.ready = False

    def wait_ready(self, seconds: float) -> None:
        if self.ready:
            return
        if not self.connection.poll(seconds):
            raise WorkerFailure(f"a worker process did not start within {seconds:g} s")
        kind, _ = self.connection.recv()
        if kind != "ready":
            raise WorkerFailure("a worker process started in an unexpected state")
        self.ready = True

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(None)
        self.process.join(0.5)
        self.kill()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(2.0)
        self.connection.close()


class WorkerPool:
    """A fixed number of worker processes; :meth:`call` runs one task on an idle one.

    ``size`` workers run at once; a request waits up to ``wait`` seconds for
    one to be free (then :class:`ServerBusy`).  A task that has not answered
    after ``timeout`` seconds is stopped by ending its process
    (:class:`ComputationTimeout`) and the pool starts a new worker.
    """

    def __init__(self, size: int = 2, *, start_method: str | None = None, wait: float = 15.0):
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.size = size
        self.wait = wait
        self._context = _context(start_method)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def start(self) -> None:
        """Start the workers (done by the first :meth:`call` when not done before)."""
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
            for _ in range(self.size):
                self._idle.put(self._new_worker())

    def _new_worker(self) -> _Worker:
        worker = _Worker(self._context)
        self._workers.add(worker)
        return worker

    def call(self, task: str, request: dict[str, Any], *, timeout: float) -> bytes:
        """Run ``task`` on ``request`` in a worker; the answer as JSON bytes.

        Raises :class:`BadRequest` for the user's mistakes,
        :class:`ComputationTimeout`, :class:`ServerBusy` or :class:`WorkerFailure`.
        """
        if self._closed:
            raise WorkerFailure("the server is shutting down")
        self.start()
        try:
            worker = self._idle.get(timeout=self.wait)
        except queue.Empty:
            raise ServerBusy(f"every worker stayed busy for {self.wait:g} s") from None
        replace = False
        try:
            worker.wait_ready(STARTUP_SECONDS)
            worker.connection.send((task, request))
            if not worker.connection.poll(timeout):
                replace = True
                raise ComputationTimeout(timeout)
            kind, value = worker.connection.recv()
        except (EOFError, OSError) as exc:
            replace = True
            raise WorkerFailure(f"the worker process ended without answering ({exc})") from None
        except WorkerFailure:
            replace = True
            raise
        finally:
            self._give_back(worker, replace)
        if kind == "ok":
            return value
        if kind == "bad":
            message, status, field, column = value
            raise BadRequest(message, status=status, field=field, column=column)
        raise WorkerFailure(value)

    def _give_back(self, worker: _Worker, replace: bool) -> None:
        if replace:
            with self._lock:
                self._workers.discard(worker)
            worker.kill()
            if self._closed:
                return
            with self._lock:
                worker = self._new_worker()
        if self._closed:
            worker.stop()
            return
        self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker; calls after this fail with :class:`WorkerFailure`."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.stop()


__all__ = ["ComputationTimeout", "ServerBusy", "WorkerFailure", "WorkerPool"]
