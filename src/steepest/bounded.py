"""Time limits for work that can run away (symbolic algebra above all).

:func:`within` runs a call under a wall-clock limit and turns an overrun into
one :class:`~steepest.errors.TimeLimitError` sentence saying what took too
long and what to try.  In the main thread of a Unix process the limit is a
real-time timer whose signal stops the computation where it stands; in any
other thread the call runs in a helper thread that is abandoned (left to
finish in the background) when the limit passes, so the caller is answered
in time either way.

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

import math
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from steepest.errors import TimeLimitError

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0


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


def _with_timer(call: Callable[[], T], limit: float, message: str) -> T:
    armed = [True]

    def expire(signum: int, frame: Any) -> None:
        if armed[0]:
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


__all__ = ["DEFAULT_TIMEOUT", "check_timeout", "within"]
