"""The time limit on symbolic work: one sentence of advice for every SymPy call
that can run long (derivatives, limits, simplification, compilation).

It is :func:`steepest.bounded.within` with the advice symbolic work needs; every
function of :mod:`steepest.symbolic` that takes ``timeout=`` goes through it.

>>> timed(lambda: 6 * 7, 1.0, "multiplying")
42
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from steepest.bounded import DEFAULT_MEMORY, DEFAULT_TIMEOUT, isolated, within

T = TypeVar("T")

ADVICE = "try a simpler expression, a numeric method, or a larger timeout"


def timed(call: Callable[[], T], timeout: float | None, what: str) -> T:
    """``call()`` within ``timeout`` seconds, else one :class:`TimeLimitError` sentence.

    >>> timed(lambda: "done", None, "nothing")
    'done'
    """
    return within(call, timeout=timeout, what=what, advice=ADVICE)


def timed_apart(
    call: Callable[[], T], timeout: float | None, memory: int | None, what: str
) -> T:
    """``call()`` in a child process within ``timeout`` seconds and ``memory`` more bytes.

    For work whose size makes it risky: one :class:`TimeLimitError` or
    :class:`MemoryLimitError` sentence when a limit is passed.

    >>> timed_apart(lambda: "done", 5.0, 2**30, "nothing")
    'done'
    """
    return isolated(call, timeout=timeout, memory=memory, what=what, advice=MEMORY_ADVICE)


MEMORY_ADVICE = "try a simpler expression, a numeric method, or a larger timeout or memory limit"

__all__ = ["ADVICE", "DEFAULT_MEMORY", "DEFAULT_TIMEOUT", "MEMORY_ADVICE", "timed", "timed_apart"]
