"""How many threads the linear algebra under NumPy (BLAS) may use.

On a machine with few cores that also runs other work, a second BLAS
thread on small matrices costs more in hand-offs than it computes: a
784x128 layer on a batch of 64 ran slower with two threads than with one
on a shared 2-core machine.  :func:`blas_threads` sets the number for a
block of code; steepest's own networks train with one thread while their
matrices are small (see :class:`steepest.nn.MLPRegressor`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from steepest.errors import DataError

SMALL_MATRIX = 1 << 20  # elements: below this, one BLAS thread is as fast or faster


def blas_threads(count: int | None) -> Any:
    """Limit BLAS to ``count`` threads; as a ``with`` block, only inside it.

    ``None`` leaves the setting as it is.  Called alone, the limit holds
    from then on; used as a context manager, the previous limits come back
    at the end of the block.

    >>> import steepest as st
    >>> with st.blas_threads(1):
    ...     st.blas_threads_in_use() in (None, 1)
    True
    >>> st.blas_threads(0)
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: the number of BLAS threads must be a whole number >= 1 ...
    """
    if count is not None and (isinstance(count, bool) or not isinstance(count, int | np.integer)
                              or count < 1):
        raise DataError(
            f"the number of BLAS threads must be a whole number >= 1 (or None), not {count!r}")
    return threadpool_limits(limits=None if count is None else int(count), user_api="blas")


def blas_threads_in_use() -> int | None:
    """The number of threads BLAS uses now (None when no BLAS library is loaded).

    >>> import steepest as st
    >>> isinstance(st.blas_threads_in_use(), int | None)
    True
    """
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(counts) if counts else None


__all__ = ["SMALL_MATRIX", "blas_threads", "blas_threads_in_use"]
