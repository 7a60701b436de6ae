"""Honest error where f is a small sum of large terms (its rounding is the terms', not |f|'s).

f(x) = A e^(b x) - A e^(b x0) + s x is about s x0 at x0 while its terms are near
A: each value of f rounds like A, so a round-off bound made from |f| alone is too
small by about A / |f|.  The error an estimate reports must still cover what it
missed (checked against a 40-digit derivative), for one variable and for the
gradient of a function of several.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from steepest.numeric import estimate, jacobian_estimate

amplitude = st.floats(1.0, 1e4)
rate = st.floats(-2.0, 2.0).filter(lambda b: abs(b) > 1e-2)
start = st.floats(-2.0, 2.0)
slope = st.floats(-3.0, 3.0)


def _cancelling(A: float, b: float, x0: float, s: float):
    offset = A * np.exp(b * x0)

    def f(t):
        return A * np.exp(b * t) - offset + s * t

    mp.mp.dps = 40
    exact = float(mp.diff(lambda t: A * mp.exp(b * t) - mp.mpf(offset) + s * t, mp.mpf(x0)))
    return f, exact


@given(amplitude, rate, start, slope)
@example(A=2.9450599704136984, b=0.7413524696573686, x0=0.9966816775924707, s=-1.25)
def test_a_small_sum_of_large_terms_gets_an_honest_error(A, b, x0, s):
    f, exact = _cancelling(A, b, x0, s)
    for method in ("forward", "central", "richardson"):
        est = estimate(f, x0, method=method)
        actual = abs(est.value - exact)
        assert not est.reliable or est.error >= actual / 10, (method, est, exact)


@given(amplitude, rate, start, slope)
def test_the_gradient_of_a_small_sum_of_large_terms_too(A, b, x0, s):
    g, exact = _cancelling(A, b, x0, s)

    def f(v):
        return g(v[0]) + g(v[1])

    est = jacobian_estimate(f, np.array([x0, x0]), method="richardson")
    actual = np.abs(np.asarray(est.value) - exact)
    assert np.all(~np.asarray(est.reliable) | (np.asarray(est.error) >= actual / 10)), (est, exact)


def test_values_near_the_top_of_the_float_range_give_an_honest_estimate_not_a_traceback():
    # e^700 is about 1e304: the largest steps overflow, and the differences and their
    # round-off bounds come near the largest float. The answer is right or says it may not be.
    mp.mp.dps = 40
    for x in (700.0, 705.0, 709.0):
        exact = float(mp.exp(x))
        est = estimate(np.exp, x, method="richardson")
        assert not est.reliable or abs(est.value - exact) <= 10 * est.error, (x, est)
