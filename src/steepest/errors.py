"""The exceptions steepest raises for user mistakes.

Every error a user can cause derives from :class:`SteepestError`, so the
command line can turn any of them into one clear sentence and exit code 2.
"""

from __future__ import annotations


class SteepestError(ValueError):
    """Base class of every steepest error caused by input the user gave.

    >>> issubclass(DifferentiationError, SteepestError)
    True
    """


class DifferentiationError(SteepestError, TypeError):
    """Automatic differentiation cannot go through this code.

    The message names the function at fault and what to use instead.

    >>> import math, steepest as st
    >>> st.grad(lambda x: math.sin(x))(1.0)
    Traceback (most recent call last):
    ...
    steepest.errors.DifferentiationError: math.sin cannot take a traced value: ...np.sin...
    """


class NumericError(SteepestError, ArithmeticError):
    """A numerical derivative met a value that is not finite.

    >>> issubclass(NumericError, SteepestError)
    True
    """


class ParseError(SteepestError):
    """Text that is not a math expression steepest accepts.

    ``column`` is the 1-based position of the problem in the text, when known.

    >>> err = ParseError("unexpected ')'", text="x + )", column=5)
    >>> err.column
    5
    """

    def __init__(self, message: str, *, text: str | None = None, column: int | None = None):
        self.text = text
        self.column = column
        if column is not None and "column" not in message:
            message = f"{message} (at column {column})"
        super().__init__(message)


class OptimizationError(SteepestError):
    """Settings an optimizer cannot run with (unknown method, bad shapes...).

    >>> issubclass(OptimizationError, SteepestError)
    True
    """


class TimeLimitError(SteepestError, TimeoutError):
    """Work that did not finish within its time limit (``timeout=``).

    The message says what took too long and what to try instead.

    >>> issubclass(TimeLimitError, SteepestError)
    True
    """


class MemoryLimitError(SteepestError, MemoryError):
    """Work that needed more memory than its limit (``memory=``) and was stopped.

    The message says what was stopped, the limit, and what to try instead.

    >>> issubclass(MemoryLimitError, SteepestError)
    True
    """


class DataError(SteepestError):
    """A data set or column that cannot be used as asked.

    >>> issubclass(DataError, SteepestError)
    True
    """


__all__ = [
    "DataError",
    "DifferentiationError",
    "MemoryLimitError",
    "NumericError",
    "OptimizationError",
    "ParseError",
    "SteepestError",
    "TimeLimitError",
]
