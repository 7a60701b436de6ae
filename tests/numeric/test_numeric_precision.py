"""Honest error where f's values round more coarsely than eps |f| says.

f computed in float32, or as (x + C) - C + ..., takes values on a grid far
coarser than float64's: over the few ulps of x where the rounding is measured
it may not change at all, and at a zero of f the grid is still set by the
larger values at the steps.  Every estimate that says it is reliable must be
within its stated error of a 50-digit derivative; otherwise it says why not.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from steepest.numeric import estimate, jacobian_estimate

INNER = {
    "sin": (np.sin, mp.sin),
    "exp": (np.exp, mp.exp),
    "cubic": (lambda u: u**3 - 2 * u, lambda u: u**3 - 2 * u),
}


def _exact(g, x: float, order: int = 1) -> float:
    with mp.workdps(50):
        return float(mp.diff(g, mp.mpf(x), order))


def _single(name: str):
    f, g = INNER[name]
    return (lambda t: f(np.asarray(t, dtype=np.float32)).astype(np.float64)), g


def _assert_honest(est, exact) -> None:
    value, error = np.asarray(est.value), np.asarray(est.error)
    reliable = np.asarray(est.reliable)
    wrong = reliable & (np.abs(value - exact) > error)
    assert not np.any(wrong), (est, exact)
    if not np.all(reliable):
        assert est.note if hasattr(est, "note") else True


@given(st.sampled_from(sorted(INNER)), st.floats(-3.0, 3.0),
       st.sampled_from(["forward", "backward", "central", "richardson"]))
@example(name="cubic", x=-2.5, method="forward")  # 0.0 +- 2.5e-07 for 16.75
@example(name="sin", x=-2.5, method="central")
@example(name="sin", x=0.0, method="richardson")  # 0.99999998 +- 8e-16 for 1
@example(name="exp", x=-2.5, method="richardson")  # 0.0 +- 1.6e-09 for 0.08
@example(name="cubic", x=0.8338, method="richardson")  # 0.0 +- 4e-09 for 0.0857
# near a peak: every rounding length is flat, the stencil's values step by float32's ulp
@example(name="sin", x=1.5972122148209582, method="central")  # -0.02465 +- 4.8e-11 for -0.02641
def test_f_in_float32_gets_an_honest_error(name, x, method):
    f, g = _single(name)
    _assert_honest(estimate(f, x, method=method), _exact(g, x))


@given(st.sampled_from([1e4, 1e6, 1e8]), st.floats(-3.0, 3.0), st.floats(-3.0, 3.0),
       st.sampled_from(["forward", "backward", "central", "richardson"]))
@example(C=1e8, a=0.5, x=-2.5, method="central")  # -1.49994 +- 3.4e-10 for -1.5
@example(C=1e8, a=0.5, x=0.3, method="richardson")
@example(C=1e6, a=0.0, x=0.0, method="central")  # 1.0000008 +- 7e-11 for 1
def test_a_large_offset_that_cancels_gets_an_honest_error(C, a, x, method):
    def f(t):
        return (t + C) - C + a * t**2

    _assert_honest(estimate(f, x, method=method), 1.0 + 2 * a * x)


@pytest.mark.xfail(strict=True, reason="the rounding of these values is measured too small")
def test_a_large_offset_near_zero_with_a_small_curve_still_gives_a_tight_wrong_error():
    """Known wrong (found by the test above on a random seed; the same before and after the
    numeric fixes of its round): a grid of 1.2e-10 from the offset, a curve of 3.6e-15
    across the stencil on top of it, and the central difference's error taken from a
    rounding measured too small: 1.00000093 +- 7.3e-11 for 1.00000012."""
    def f(t):
        return (t + 1e6) - 1e6 + t**2

    x = 5.960464477539063e-08
    _assert_honest(estimate(f, x, method="central"), 1.0 + 2 * x)


@pytest.mark.parametrize("order", [2, 3])
def test_higher_derivatives_of_f_in_float32_are_honest(order):
    f, g = _single("sin")
    for x in (0.0, 0.3, -2.5):
        for method in ("central", "richardson"):
            _assert_honest(estimate(f, x, method=method, order=order), _exact(g, x, order))


@given(st.floats(-3.0, 3.0), st.sampled_from([None, "richardson", "central", "forward"]))
@example(x=0.0, method="richardson")
@example(x=-2.5, method="forward")
def test_the_gradient_of_f_in_float32_too(x, method):
    def f(v):
        w = np.asarray(v, dtype=np.float32)
        return float(np.sin(w[0]) + w[1] ** 3)

    est = jacobian_estimate(f, np.array([x, 0.5 * x]), method=method)
    exact = np.array([np.cos(x), 3 * (0.5 * x) ** 2])
    _assert_honest(est, exact)


def test_a_function_far_below_the_smallest_step_from_zero_gets_an_honest_gradient():
    # x = 6e-288: lengths made from |x| are far too short to see f's rounding, which
    # is set by the large terms A e^t - A; the steps are not.
    A, x0 = 3517.089365149031, 6.071087237472672e-288
    offset = A * np.exp(x0)

    def f(v):
        return A * np.exp(v[0]) - offset + A * np.exp(v[1]) - offset

    est = jacobian_estimate(f, np.array([x0, x0]), method="richardson")
    _assert_honest(est, np.array([A, A]))


def test_a_jump_at_x_says_so_in_one_sentence():
    est = estimate(np.sign, 0.0, method="central")
    assert not est.reliable
    assert "scatter" in est.note and "\n" not in est.note
