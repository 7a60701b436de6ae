"""Independent references for the autodiff tests: central differences, and memory peaks.

Written here on purpose (not taken from ``steepest.numeric``) so that the
automatic derivatives are checked against code that shares nothing with them.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# The central difference's best step is about eps^(1/3): truncation error
# O(h^2) against round-off O(eps / h).
CENTRAL_STEP = float(np.finfo(np.float64).eps) ** (1.0 / 3.0)


def central_gradient(f: Callable[..., float], args: Sequence[Any], argnum: int) -> np.ndarray:
    """d f / d args[argnum] by central differences, one element at a time."""
    base = [np.array(a, dtype=np.float64) for a in args]
    x = base[argnum]
    out = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        h = CENTRAL_STEP * max(1.0, abs(x[index]))
        plus = [a.copy() for a in base]
        minus = [a.copy() for a in base]
        plus[argnum][index] += h
        minus[argnum][index] -= h
        out[index] = (float(f(*plus)) - float(f(*minus))) / (2.0 * h)
    return out


def central_derivative(f: Callable[[float], float], x: float) -> float:
    """f'(x) by one central difference."""
    h = CENTRAL_STEP * max(1.0, abs(x))
    return (f(x + h) - f(x - h)) / (2.0 * h)


def assert_close(actual: Any, expected: Any, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """allclose, with the absolute tolerance scaled by the size of the expected value."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale)


def peak_memory(call):
    """Bytes ``call()`` allocated at its peak beyond what was held before (tracemalloc)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        call()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
