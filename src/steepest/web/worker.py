"""Worker processes that run the playground's computations fairly, under time and memory limits.

A computation on user input can take long (solving a hard system for its
critical points, simplifying a large derivative) or grow without end, and a
Python thread cannot be stopped from outside.  So every computation runs in
a worker process, whose address space is capped (``memory_mb`` above what it
holds when it starts) and which is ended when the time limit passes.

Two lanes keep fast requests fast whatever else is running:

* the **fast lane**: ``size`` workers; every request starts here and waits at
  most ``wait`` seconds for one of them (then :class:`ServerBusy`, answered
  with 503 and ``Retry-After``);
* the **slow lane**: a computation still running after ``fast_seconds``, and
  that has used at least half of that in processor time (one starved by a
  busy machine is not heavy and stays), leaves the fast lane (a fresh worker
  takes its place there at once), runs on at idle priority, and is one of at
  most ``slow`` such computations.  When the slow lane is full the
  computation is stopped and waits, in its own queue, at most ``wait``
  seconds for a slot, then runs again from the start.  A request seen to be
  heavy goes straight to that queue the next time.  One client may hold or
  wait for at most ``per_client`` slow slots (:class:`TooManyRequests`,
  answered with 429 and ``Retry-After``).

Slow requests can therefore fill the slow lane but never the fast one.

A worker says when it has taken a task, before it computes.  One that ends
before then (killed while it was idle or starting, or by a signal still on its
way as the task was sent) never began the task, which goes to a fresh worker:
only a worker that ends while it computes a request fails that request.
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
import math
import multiprocessing
import os
import signal
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from steepest.web.requests import BadRequest

# Seconds a worker may take to start, and then to take a task it was sent.
STARTUP_SECONDS = 60.0
# Workers a request may try, in all, when the one it was given ends before it took the task.
START_TRIES = 3
PRELOAD = ["steepest.web.compute"]
# Memory one worker may allocate beyond what it holds when it starts, in MB.
DEFAULT_MEMORY_MB = 512
# Seconds a computation may run in the fast lane before it moves to the slow lane (if it
# has used HEAVY_SHARE of that in processor time by then).
DEFAULT_FAST_SECONDS = 0.5
DEFAULT_SLOW = 2
DEFAULT_PER_CLIENT = 2
DEFAULT_WAIT = 10.0
# Requests inside the pool at once (computing or waiting); more are refused at once.
DEFAULT_QUEUE_LIMIT = 64
# A task that has used this share of --fast-seconds in processor time is remembered as
# slow (it goes straight to the slow lane next time); one that was slow only because a
# busy machine starved it is not.
HEAVY_SHARE = 0.5
STARVED_POLL = 0.05
# Requests remembered as slow (they go straight to the slow lane next time).
KNOWN_SLOW = 1024
# Niceness of a worker in the slow lane: the fast lane gets the processor first.
SLOW_NICENESS = 19
# SIGKILL's bit in the masks of pending signals of /proc/<pid>/status.
_KILL_BIT = 1 << (signal.SIGKILL - 1)


try:
    _CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
except (AttributeError, ValueError, OSError):  # not a Unix system: /proc is absent anyway
    _CLOCK_TICKS = 100


class ComputationTimeout(Exception):
    """The computation did not finish within the time limit and was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the computation took longer than {seconds:g} s")
        self.seconds = seconds


class ServerBusy(Exception):
    """No worker (or slow-lane slot) became free for as long as a request may wait."""

    def __init__(self, message: str = "every worker is busy", *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyRequests(Exception):
    """This client already holds (or waits for) as many slow computations as it may."""

    def __init__(self, limit: int, *, retry_after: int = 5) -> None:
        super().__init__(f"a client may run {limit} slow computation(s) at once")
        self.limit = limit
        self.retry_after = retry_after


class WorkerFailure(Exception):
    """A worker ended without answering, or failed in a way that is not the user's mistake."""


def _limit_memory(extra_bytes: int | None) -> None:
    """Cap this process's address space at its present size plus ``extra_bytes``."""
    if not extra_bytes:
        return
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as status:
            sizes = [line.split()[1] for line in status if line.startswith("VmSize:")]
        limit = int(sizes[0]) * 1024 + extra_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError, IndexError):
        pass  # no /proc or no RLIMIT_AS (macOS, Windows): the time limit still holds


def _worker_main(connection: Connection, memory_bytes: int | None = None) -> None:
    """The loop of one worker process: receive ``(task, request)``, say it has taken
    it, send the answer.

    A message is ``(kind, value, retire)``: ``"ready"`` once, then ``"taken"``
    and the answer for each task; ``retire`` asks the pool to replace this worker
    (after it ran out of memory its heap is not worth keeping).
    """
    # Ctrl+C in the terminal reaches the whole process group; the server ends the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from steepest.errors import SteepestError
    from steepest.web import compute

    _limit_memory(memory_bytes)
    connection.send(("ready", None, False))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        # Running again after the task came proves that no kill sent before it is pending
        # (a killed process runs none of its own code again): from here on, an end of this
        # worker is this task's.
        connection.send(("taken", None, False))
        task, request = message
        try:
            result = compute.TASKS[task](request)
            payload = json.dumps(result, allow_nan=False, separators=(",", ":"))
            connection.send(("ok", payload.encode("utf-8"), False))
        except BadRequest as exc:
            connection.send(("bad", (exc.message, exc.status, exc.field, exc.column), False))
        except (SteepestError, ArithmeticError, ValueError) as exc:
            text = str(exc).strip().splitlines()
            connection.send(("bad", (text[0] if text else type(exc).__name__, 422, None, None),
                             False))  # fmt: skip
        except RecursionError:
            connection.send(("bad", ("the expression is nested too deeply", 422, None, None),
                             False))  # fmt: skip
        except MemoryError:
            message_text = (
                "the computation needs more memory than the playground allows; "
                "try a smaller grid, fewer iterations or a simpler expression"
            )
            connection.send(("bad", (message_text, 422, None, None), True))
        except Exception as exc:  # the worker must answer whatever happened
            connection.send(("fail", f"{type(exc).__name__}: {exc}", True))


def _context(start_method: str | None) -> Any:
    methods = multiprocessing.get_all_start_methods()
    if start_method is None:
        start_method = "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(start_method)
    if start_method == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    return context


class _Worker:
    def __init__(self, context: Any, memory_bytes: int | None) -> None:
        parent_end, child_end = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child_end, memory_bytes), name="steepest-web-worker",
            daemon=True,
        )  # fmt: skip
        self.process.start()
        child_end.close()
        self.connection: Connection = parent_end
        self.ready = False

    def take(self, job: _Job, seconds: float) -> None:
        """Hand ``job`` to this idle worker; return once the worker has taken it.

        A worker that ends before then (killed while it was idle or starting, or by
        a signal still on its way when the task was sent) never began the task:
        :class:`WorkerFailure`, and the pool gives the task to another worker.  No
        check before sending can tell (a process killed a moment ago is alive until
        the system has torn it down); the worker's own word after the task came can.
        """
        if not self.ready:
            self._expect("ready", seconds, "start")
            self.ready = True
        job.cpu_start = self.cpu_seconds()
        self.connection.send((job.task, job.request))
        self._expect("taken", seconds, "take its task")

    def _expect(self, kind: str, seconds: float, step: str) -> None:
        """Wait for the worker to say ``kind``; :class:`WorkerFailure` when it ends first,
        stays silent for ``seconds`` or says anything else."""
        try:
            if not self.connection.poll(seconds):
                raise WorkerFailure(f"a worker process did not {step} within {seconds:g} s")
            said = self.connection.recv()[0]
        except (EOFError, OSError):
            raise WorkerFailure(f"a worker process ended before it could {step}") from None
        if said != kind:
            raise WorkerFailure(f"a worker process was out of step where it should {step}")

    def cpu_seconds(self) -> float | None:
        """Processor time the worker has used so far (``None`` where /proc cannot tell)."""
        try:
            with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        except (OSError, ValueError, IndexError):
            return None

    def lower_priority(self) -> None:
        """Run only when the processor is otherwise idle (SCHED_IDLE where Linux offers it;
        else the lowest niceness): the fast lane, and the machine, come first."""
        pid = self.process.pid
        with contextlib.suppress(OSError, AttributeError, TypeError):
            os.setpriority(os.PRIO_PROCESS, pid, SLOW_NICENESS)
        with contextlib.suppress(OSError, AttributeError, TypeError):
            os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))

    def answer(self, seconds: float) -> tuple[str, Any, bool] | None:
        """The worker's answer, or ``None`` when it has not come within ``seconds``."""
        try:
            if not self.connection.poll(seconds):
                return None
            answer: tuple[str, Any, bool] = self.connection.recv()
            return answer
        except (EOFError, OSError):
            self.process.join(1.0)
            raise _ended(self.process.exitcode) from None

    def killed(self) -> bool:
        """Whether the worker has been killed and is still being torn down (``False``
        where /proc cannot tell).

        A killed process at idle priority may wait seconds for the processor on a busy
        machine before it ends, and its end of file comes only then.
        """
        try:
            with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
                return _kill_pending(status.read())
        except OSError:
            return False

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
    """Worker processes in a fast lane and a slow lane; :meth:`call` runs one task.

    ``size`` workers serve the fast lane; a request waits up to ``wait``
    seconds for one (then :class:`ServerBusy`).  A task still running after
    ``fast_seconds`` moves to the slow lane (at most ``slow`` at once, at
    most ``per_client`` per client).  A task that has not answered after
    ``timeout`` seconds in its lane is stopped by ending its process
    (:class:`ComputationTimeout`).  Each worker may allocate ``memory_mb``
    beyond its size at start (``None``: no cap).
    """

    def __init__(
        self,
        size: int = 2,
        *,
        start_method: str | None = None,
        wait: float = DEFAULT_WAIT,
        slow: int = DEFAULT_SLOW,
        fast_seconds: float = DEFAULT_FAST_SECONDS,
        memory_mb: int | None = DEFAULT_MEMORY_MB,
        per_client: int = DEFAULT_PER_CLIENT,
        queue_limit: int = DEFAULT_QUEUE_LIMIT,
    ) -> None:
        if size < 1 or slow < 1 or per_client < 1 or queue_limit < 1:
            raise ValueError("a worker pool needs at least one worker, slow slot and request")
        if not (wait > 0 and fast_seconds > 0):
            raise ValueError("wait and fast_seconds must be positive")
        self.size = size
        self.wait = wait
        self.slow = slow
        self.fast_seconds = fast_seconds
        self.memory_mb = memory_mb
        self.per_client = per_client
        self.queue_limit = queue_limit
        self._memory_bytes = memory_mb * 2**20 if memory_mb else None
        self._context = _context(start_method)
        self._idle = _Lane()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._slow_slots = threading.Semaphore(slow)
        self._slow_by_client: dict[str, int] = {}
        self._inside = 0
        self._known_slow: OrderedDict[str, None] = OrderedDict()
        self._started = False
        self._closed = False

    def start(self) -> None:
        """Start the fast lane's workers (done by the first :meth:`call` when not done before)."""
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
        for _ in range(self.size):
            self._idle.put(self._new_worker())

    def _new_worker(self) -> _Worker:
        worker = _Worker(self._context, self._memory_bytes)
        with self._lock:
            self._workers.add(worker)
        return worker

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (to watch their memory).

        >>> WorkerPool(size=1).worker_pids()
        []
        """
        with self._lock:
            return [w.process.pid for w in self._workers if w.process.pid is not None]

    @contextlib.contextmanager
    def _admitted(self, retry_after: int) -> Iterator[None]:
        with self._lock:
            if self._inside >= self.queue_limit:
                raise ServerBusy(
                    f"{self._inside} requests are already in the queue", retry_after=retry_after
                )
            self._inside += 1
        try:
            yield
        finally:
            with self._lock:
                self._inside -= 1

    def call(
        self, task: str, request: dict[str, Any], *, timeout: float, client: str = "local"
    ) -> bytes:
        """Run ``task`` on ``request`` in a worker; the answer as JSON bytes.

        Raises :class:`BadRequest` for the user's mistakes,
        :class:`ComputationTimeout`, :class:`ServerBusy`,
        :class:`TooManyRequests` or :class:`WorkerFailure`.
        """
        if self._closed:
            raise WorkerFailure("the server is shutting down")
        self.start()
        job = _Job(task, request, timeout, client, max(1, math.ceil(timeout)))
        with self._admitted(job.retry_after):
            if self._is_known_slow(job):  # straight to the slow lane
                return self._run_slow(job)
            worker = self._send_to_fast_lane(job)
            try:
                answer, ran = self._fast_lane(worker, job)
            except (WorkerFailure, OSError, ValueError) as exc:
                self._give_back(worker, replace=True)
                raise WorkerFailure(str(exc)) from None
            except BaseException:  # whatever happened, the fast lane keeps its size
                self._give_back(worker, replace=True)
                raise
            if answer is not None:
                self._give_back(worker, replace=answer[2])
                return _result(answer)
            if timeout - ran < 0.05:  # its time is up (a poll may wake a hair early)
                failure = self._no_answer(worker, job)
                self._give_back(worker, replace=True)
                raise failure
            if self._heavy(job, worker):  # next time it goes straight to the slow lane
                self._remember_slow(job, slow=True)
            return self._slow_lane(worker, job, ran)

    def _send_to_fast_lane(self, job: _Job) -> _Worker:
        """The fast-lane worker that has taken ``job``: the next idle one, or one
        that took its place (see :meth:`_take`); the lane keeps its size either way."""
        try:
            worker = self._idle.get(timeout=self.wait)
        except TimeoutError:
            raise ServerBusy(
                f"every worker stayed busy for {self.wait:g} s", retry_after=job.retry_after
            ) from None
        try:
            return self._take(job, worker)
        except BaseException:
            self._refill()
            raise

    def _take(self, job: _Job, worker: _Worker | None = None) -> _Worker:
        """A worker that has taken ``job``: ``worker``, or a fresh one in its place.

        A worker that ends before it has taken the job (killed while it was idle
        or starting, or as the job was sent) is no fault of this request: it is
        discarded and the job goes to a fresh worker.  Only when ``START_TRIES``
        workers in all have failed so is the request a :class:`WorkerFailure`.
        """
        failure = ""
        for _ in range(START_TRIES):
            if self._closed:
                raise WorkerFailure("the server is shutting down")
            if worker is None:
                worker = self._new_worker()
            try:
                worker.take(job, STARTUP_SECONDS)
                return worker
            except (WorkerFailure, OSError, ValueError) as exc:
                failure = str(exc)
            except BaseException:
                self._discard(worker)
                raise
            self._discard(worker)
            worker = None
        raise WorkerFailure(failure)

    def _fast_lane(self, worker: _Worker, job: _Job) -> tuple[tuple[str, Any, bool] | None, float]:
        """The answer within ``fast_seconds`` (or ``None``), and the seconds waited.

        A task that has used less than ``HEAVY_SHARE * fast_seconds`` of processor
        time by then was starved by a busy machine, not heavy: it stays until it
        has used that much, or has answered, or its time is up.
        """
        started = time.monotonic()
        answer = worker.answer(min(job.timeout, self.fast_seconds))
        while answer is None and not self._heavy(job, worker):
            ran = time.monotonic() - started
            if ran >= job.timeout:
                break
            answer = worker.answer(min(STARVED_POLL, job.timeout - ran))
        return answer, time.monotonic() - started

    def _slow_lane(self, worker: _Worker, job: _Job, ran: float) -> bytes:
        """Finish a task that outgrew the fast lane in the slow lane."""
        if not self._claim_slow(job.client, job.retry_after, blocking=False):
            self._give_back(worker, replace=True)
            return self._run_slow(job)
        # The worker leaves the fast lane and carries on; a fresh one takes its place.
        self._refill()
        worker.lower_priority()
        return self._finish_slow(worker, job, job.timeout - ran)

    def _run_slow(self, job: _Job) -> bytes:
        """Run a task in the slow lane from its start, in a new worker, once a slot is free.

        The worker starts and takes the task at the usual priority (milliseconds), so
        that a busy machine cannot starve that handshake; then it computes at idle
        priority.
        """
        self._claim_slow(job.client, job.retry_after, blocking=True)
        try:
            worker = self._take(job)
        except BaseException:
            self._release_slow(job.client)
            raise
        worker.lower_priority()
        started = time.monotonic()
        try:
            return self._finish_slow(worker, job, job.timeout)
        finally:
            if time.monotonic() - started < self.fast_seconds:
                self._remember_slow(job, slow=False)  # light after all: the fast lane again

    def _finish_slow(self, worker: _Worker, job: _Job, remaining: float) -> bytes:
        answer = None
        try:
            answer = worker.answer(remaining)
            if answer is None:
                raise self._no_answer(worker, job)
        finally:
            self._retire(worker, busy=answer is None)
            self._release_slow(job.client)
        return _result(answer)

    def _no_answer(self, worker: _Worker, job: _Job) -> Exception:
        """Why ``job`` has no answer at its time limit: it took too long, or (read before
        the pool ends the worker itself) its worker was killed and is still being torn down."""
        if worker.killed():
            return _ended(-signal.SIGKILL)
        return ComputationTimeout(job.timeout)

    def _heavy(self, job: _Job, worker: _Worker) -> bool:
        """Whether the task has used ``HEAVY_SHARE * fast_seconds`` of processor time
        (always, where /proc cannot tell)."""
        now = worker.cpu_seconds()
        if now is None or job.cpu_start is None:
            return True
        return now - job.cpu_start >= HEAVY_SHARE * self.fast_seconds

    def _remember_slow(self, job: _Job, *, slow: bool) -> None:
        key = job.signature
        with self._lock:
            if slow:
                self._known_slow[key] = None
                self._known_slow.move_to_end(key)
                while len(self._known_slow) > KNOWN_SLOW:
                    self._known_slow.popitem(last=False)
            else:
                self._known_slow.pop(key, None)

    def _is_known_slow(self, job: _Job) -> bool:
        with self._lock:
            return job.signature in self._known_slow

    def _claim_slow(self, client: str, retry_after: int, *, blocking: bool) -> bool:
        with self._lock:
            held = self._slow_by_client.get(client, 0)
            if held >= self.per_client:
                if not blocking:
                    return False
                raise TooManyRequests(self.per_client, retry_after=retry_after)
            self._slow_by_client[client] = held + 1
        if self._slow_slots.acquire(blocking=blocking, timeout=self.wait if blocking else None):
            return True
        self._forget_client(client)
        if not blocking:
            return False
        raise ServerBusy(f"the slow lane stayed full for {self.wait:g} s", retry_after=retry_after)

    def _release_slow(self, client: str) -> None:
        self._slow_slots.release()
        self._forget_client(client)

    def _forget_client(self, client: str) -> None:
        with self._lock:
            held = self._slow_by_client.get(client, 0) - 1
            if held > 0:
                self._slow_by_client[client] = held
            else:
                self._slow_by_client.pop(client, None)

    def _retire(self, worker: _Worker, *, busy: bool) -> None:
        with self._lock:
            self._workers.discard(worker)
        if busy:
            worker.kill()
        else:
            worker.stop()

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
        worker.kill()

    def _give_back(self, worker: _Worker, *, replace: bool) -> None:
        if replace:
            self._discard(worker)
            self._refill()
        elif self._closed:
            worker.stop()
        else:
            self._idle.put(worker)

    def _refill(self) -> None:
        """A fresh worker for the fast lane, in the place of one that left it."""
        if not self._closed:
            self._idle.put(self._new_worker())

    def close(self) -> None:
        """Stop every worker; calls after this fail with :class:`WorkerFailure`."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.stop()


class _Waiter:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.worker: _Worker | None = None


class _Lane:
    """Idle workers handed out first come, first served (a queue.Queue wakes its waiters
    in no particular order, so one request could wait while later ones are served)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: deque[_Worker] = deque()
        self._waiters: deque[_Waiter] = deque()

    def put(self, worker: _Worker) -> None:
        with self._lock:
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.worker = worker
                waiter.event.set()
            else:
                self._idle.append(worker)

    def get(self, timeout: float) -> _Worker:
        """The next idle worker, in the order of asking; ``TimeoutError`` after ``timeout``."""
        with self._lock:
            if self._idle:
                return self._idle.popleft()
            waiter = _Waiter()
            self._waiters.append(waiter)
        waiter.event.wait(timeout)
        with self._lock:
            if waiter.worker is not None:
                return waiter.worker
            self._waiters.remove(waiter)
        raise TimeoutError


class _Job:
    """One call: the task, its request and limits, and the worker's processor time at its start."""

    def __init__(
        self, task: str, request: dict[str, Any], timeout: float, client: str, retry_after: int
    ) -> None:
        self.task = task
        self.request = request
        self.timeout = timeout
        self.client = client
        self.retry_after = retry_after
        self.signature = json.dumps([task, request], sort_keys=True, default=str)
        self.cpu_start: float | None = None


def _ended(code: int | None) -> WorkerFailure:
    """The one sentence for a computation whose worker process ended under it."""
    return WorkerFailure(
        f"the computation ended its worker process (exit status {code}); it may have "
        "needed more memory than the playground allows"
    )


def _kill_pending(status: str) -> bool:
    """Whether a process's /proc/<pid>/status text shows it killed: SIGKILL pending for the
    process or for its thread (where every deadly signal puts it), or already a zombie.

    >>> killed = "State:\\tR (running)\\nSigPnd:\\t0000000000000000\\nShdPnd:\\t0000000000000100\\n"
    >>> _kill_pending(killed), _kill_pending(killed.replace("100", "000"))
    (True, False)
    """
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    pending = int(fields.get("SigPnd", "0"), 16) | int(fields.get("ShdPnd", "0"), 16)
    return bool(pending & _KILL_BIT) or fields.get("State", "").strip()[:1] in ("Z", "X")


def _result(answer: tuple[str, Any, bool]) -> bytes:
    kind, value, _ = answer
    if kind == "ok":
        payload: bytes = value
        return payload
    if kind == "bad":
        message, status, field, column = value
        raise BadRequest(message, status=status, field=field, column=column)
    raise WorkerFailure(value)


__all__ = [
    "ComputationTimeout",
    "ServerBusy",
    "TooManyRequests",
    "WorkerFailure",
    "WorkerPool",
]
