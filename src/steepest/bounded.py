"""Time and memory limits for work that can run away (symbolic algebra above all).

:func:`within` runs a call under a wall-clock limit and turns an overrun into
one :class:`~steepest.errors.TimeLimitError` sentence saying what took too
long and what to try.  In the main thread of a Unix process the limit is a
real-time timer whose signal stops the computation where it stands; in any
other thread the call runs in a helper thread that is abandoned (left to
finish in the background) when the limit passes, so the caller is answered
in time either way.

:func:`isolated` runs a call in a child process (a fork of this one) under an
address-space limit as well as the time limit: the child is killed when the
time is up, and a computation that asks for more memory than ``memory=``
bytes ends in one :class:`~steepest.errors.MemoryLimitError` sentence.  It
works the same from any thread (the web server's workers included), and it
also stops work a signal cannot interrupt (one huge integer power inside
SymPy).  Starting the child costs a few milliseconds, so steepest sends only
work whose size makes it risky there (see :func:`steepest.symbolic.derive`).

>>> from steepest.bounded import within
>>> within(lambda: 2 + 2, timeout=1.0, what="adding")
4
>>> import time
>>> within(lambda: time.sleep(5), timeout=0.05, what="sleeping", advice="sleep less")
Traceback (most recent call last):
...
steepest.errors.TimeLimitError: sleeping took longer than the time limit of 0.05 s; sleep less
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from steepest.errors import MemoryLimitError, SteepestError, TimeLimitError

try:  # Unix only: without it isolated() keeps the time limit alone.
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
"""Seconds of symbolic work allowed by default, in the library and on the command line."""

DEFAULT_MEMORY = 1 << 30
"""Bytes of memory (address space) an isolated computation may add, by default: 1 GiB."""


class _Expired(BaseException):
    """Raised inside the timed call; a BaseException so that broad ``except Exception``
    blocks in the libraries we call cannot swallow it."""


def check_timeout(timeout: Any) -> float | None:
    """``timeout`` as seconds (``None``: no limit), or one sentence on what is wrong.

    >>> check_timeout(2), check_timeout(None)
    (2.0, None)
    """
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise TimeLimitError(
            f"timeout must be a positive number of seconds or None, not {timeout!r}"
        )
    return float(timeout)


def within(
    call: Callable[[], T],
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    what: str = "the computation",
    advice: str = "try a simpler expression or a larger timeout=",
) -> T:
    """``call()``, or a :class:`TimeLimitError` once ``timeout`` seconds have passed."""
    limit = check_timeout(timeout)
    if limit is None or math.isinf(limit):
        return call()
    message = f"{what} took longer than the time limit of {limit:g} s; {advice}"
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _with_timer(call, limit, message)
    return _in_thread(call, limit, message)


# After the limit the timer keeps firing at this interval until the computation stops: an
# expiry raised while the interpreter runs a garbage-collection callback is swallowed.
REPEAT = 0.05
# An expiry that lands in a garbage-collection callback tries again this much later.
SOON = 0.0013


def _in_swallowing_frame(frame: Any) -> bool:
    """Whether ``frame`` runs inside a garbage-collection callback or the hook that reports
    exceptions raised there: an expiry raised in either is swallowed or breaks the report,
    so it waits for the timer's next tick, back in the timed code."""
    hooks = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    hooks.add(getattr(sys.unraisablehook, "__code__", None))
    hooks.discard(None)
    while frame is not None and hooks:
        if frame.f_code in hooks:
            return True
        frame = frame.f_back
    return False


def _with_timer(call: Callable[[], T], limit: float, message: str) -> T:
    armed = [True]

    def expire(signum: int, frame: Any) -> None:
        if not armed[0]:
            return
        if _in_swallowing_frame(frame):
            signal.setitimer(signal.ITIMER_REAL, SOON, REPEAT)  # try again in a moment
            return
        raise _Expired

    previous_handler = signal.signal(signal.SIGALRM, expire)
    # An enclosing limit keeps running: the inner one may only be shorter.
    outer_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_remaining and outer_remaining < limit:
        signal.signal(signal.SIGALRM, previous_handler)
        return call()
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, limit, REPEAT)
    try:
        return call()
    except _Expired:
        armed[0] = False
        raise TimeLimitError(message) from None
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_remaining:
            left = outer_remaining - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


def _in_thread(call: Callable[[], T], limit: float, message: str) -> T:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True, name="steepest-bounded")
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise TimeLimitError(message)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def check_memory(memory: Any) -> int | None:
    """``memory`` as a number of bytes (``None``: no limit), or one sentence on what is wrong.

    >>> check_memory(512 * 2**20), check_memory(None)
    (536870912, None)
    """
    if memory is None:
        return None
    if isinstance(memory, bool) or not isinstance(memory, int) or memory < 2**20:
        raise MemoryLimitError(
            f"memory must be a whole number of bytes, at least 1 MiB (1048576), or None, "
            f"not {memory!r}"
        )
    return memory


def can_isolate() -> bool:
    """Whether :func:`isolated` can run work in a child process here (Unix with fork).

    >>> isinstance(can_isolate(), bool)
    True
    """
    return hasattr(os, "fork")


def isolated(
    call: Callable[[], T],
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    memory: int | None = DEFAULT_MEMORY,
    what: str = "the computation",
    advice: str = "try a simpler expression, or a larger timeout= or memory=",
) -> T:
    """``call()`` in a child process limited to ``timeout`` seconds and ``memory`` more bytes.

    The result (or the error the call raised) comes back to the caller; the
    child is killed when the time is up (:class:`TimeLimitError`), and a call
    that runs out of its memory ends in :class:`MemoryLimitError`.  It works
    in any thread, and in a daemon worker process too (the child is a plain
    fork).  Where processes cannot be forked (Windows) only the time limit
    applies, through :func:`within`.

    >>> isolated(lambda: sum(range(10)), timeout=5.0, what="adding")
    45
    >>> isolated(lambda: bytearray(2**31), memory=2**28, what="a buffer")
    Traceback (most recent call last):
    ...
    steepest.errors.MemoryLimitError: a buffer needed more memory than the limit of 256 MiB; try ...
    """
    limit = check_timeout(timeout)
    budget = check_memory(memory)
    if not can_isolate():  # pragma: no cover - Windows
        return within(call, timeout=timeout, what=what, advice=advice)
    deadline = None if limit is None or math.isinf(limit) else time.monotonic() + limit
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        os.close(reader)
        try:
            _run_child(call, writer, budget)
        finally:
            os._exit(0)
    os.close(writer)
    try:
        data = _read_until_closed(reader, deadline)
    finally:
        os.close(reader)
        status = _reap(pid)
    if data is None:
        raise TimeLimitError(f"{what} took longer than the time limit of {limit:g} s; {advice}")
    size = "the limit" if budget is None else f"the limit of {_in_mebibytes(budget)}"
    try:
        kind, payload = pickle.loads(data) if data else ("died", None)
    except MemoryError:
        kind, payload = "memory", None
    if kind == "value":
        return payload  # type: ignore[no-any-return]
    if kind == "error":
        raise payload
    if kind == "memory":
        raise MemoryLimitError(f"{what} needed more memory than {size}; {advice}")
    raise MemoryLimitError(
        f"{what} stopped without an answer ({status}), most likely out of memory "
        f"({size}); {advice}"
    )


def _read_until_closed(reader: int, deadline: float | None) -> bytes | None:
    """Everything written to the pipe until the child closes it, or None at the deadline."""
    chunks: list[bytes] = []
    while True:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            return None
        ready, _, _ = select.select([reader], [], [], wait)
        if not ready:
            return None
        chunk = os.read(reader, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int) -> str:
    """Kill the child if it still runs, wait for it, and describe how it ended."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _in_mebibytes(size: int) -> str:
    return f"{size / 2**30:g} GiB" if size >= 2**30 else f"{size / 2**20:g} MiB"


def _address_space() -> int:
    """Bytes of address space this process uses now (VmSize), 0 when unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _run_child(call: Callable[[], Any], writer: int, budget: int | None) -> None:
    """In the child: limit the address space, run ``call``, write back what happened."""
    # The caller's timer and its handler belong to the parent.
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    if budget is not None and resource is not None:
        used = _address_space()
        if used:
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            soft = used + budget if hard == resource.RLIM_INFINITY else min(used + budget, hard)
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    try:
        outcome: tuple[str, Any] = ("value", call())
    except MemoryError:
        outcome = ("memory", None)
    except BaseException as error:  # handed to the parent, which raises it
        outcome = ("error", error)
    try:
        data = pickle.dumps(outcome)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    except Exception as error:  # the result or the error could not be pickled
        failure = SteepestError(f"the result could not be handed back ({error})")
        data = pickle.dumps(("error", failure))
    view = memoryview(data)
    while view:
        view = view[os.write(writer, view) :]
    os.close(writer)


__all__ = [
    "DEFAULT_MEMORY",
    "DEFAULT_TIMEOUT",
    "can_isolate",
    "check_memory",
    "check_timeout",
    "isolated",
    "within",
]
