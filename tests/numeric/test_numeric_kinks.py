"""Corners and jumps at random points: a derivative that does not exist is never reliable.

Each function below has a corner (|t - c|, max(t - c, 0), a piecewise line
with two slopes) or a jump (sign, floor, a piecewise line with a gap) at a
random point c, plus a smooth part.  At the feature every method must say
reliable=False (or raise NumericError); anywhere else a reliable estimate
must be within its stated error of the true derivative, however close the
point is to the feature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steepest.errors import NumericError
from steepest.numeric import EPS, METHODS, estimate, jacobian_estimate


@dataclass(frozen=True)
class Case:
    name: str
    f: Callable[[np.ndarray], np.ndarray]
    slope: Callable[[float], float]  # the derivative where it exists
    broken: Callable[[float], bool]  # no derivative at this point
    size: float  # the size of the terms, for the reference's own rounding
    feature: float = 0.0  # where the corner or jump is


size_of = st.floats(0.1, 3.0)
signs = st.sampled_from([-1.0, 1.0])


@st.composite
def cases(draw) -> Case:
    c = draw(st.floats(-2, 2))
    a = draw(size_of) * draw(signs)
    s = draw(st.floats(-2, 2))
    kind = draw(st.sampled_from(["abs", "relu", "sign", "floor", "corner line", "gap line"]))
    if kind == "abs":
        return Case(
            kind,
            lambda t: a * np.abs(t - c) + s * np.sin(t),
            lambda t: a * np.sign(t - c) + s * np.cos(t),
            lambda t: t - c == 0,
            abs(a) * (3 + abs(c)) + abs(s),
            c,
        )
    if kind == "relu":
        return Case(
            kind,
            lambda t: a * np.maximum(t - c, 0.0) + s * np.sin(t),
            lambda t: a * (t - c > 0) + s * np.cos(t),
            lambda t: t - c == 0,
            abs(a) * (3 + abs(c)) + abs(s),
            c,
        )
    if kind == "sign":
        return Case(
            kind,
            lambda t: a * np.sign(t - c) + s * t,
            lambda t: s,
            lambda t: t - c == 0,
            3 + abs(s),
            c,
        )
    if kind == "floor":
        return Case(
            kind,
            lambda t: a * np.floor(t - c) + s * t,
            lambda t: s,
            lambda t: float(t - c).is_integer(),
            abs(a) * 6 + abs(s) * 3,
            c,
        )
    p, r = draw(st.floats(-3, 3)), draw(st.floats(-3, 3))
    gap = 0.0 if kind == "corner line" else draw(size_of) * draw(signs)
    if kind == "corner line" and abs(p - r) < 0.1:
        r = p + 1.0
    return Case(
        kind,
        lambda t: np.where(t < c, p * (t - c), r * (t - c) + gap),
        lambda t: p if t < c else r,
        lambda t: t - c == 0,
        (abs(p) + abs(r)) * 5 + abs(gap),
        c,
    )


def honest(case: Case, x: float, method: str) -> None:
    try:
        est = estimate(case.f, x, method=method)
    except NumericError:
        return  # the complex step cannot run through abs, floor...: said in one sentence
    if case.broken(x):
        assert not est.reliable, (case.name, x, method, est)
        assert est.note
    elif est.reliable:
        actual = abs(est.value - case.slope(x))
        # Error bars cover the round-off in the values of f, not in its terms
        # (a floor(t) + s t can cancel to a small f): allow that, divided by h.
        rounding = 8 * EPS * case.size / min(float(est.h), 1.0)
        assert actual <= est.error + rounding, (case.name, x, method, est)


@st.composite
def offsets(draw) -> float:
    """Where to look: at the feature, within a few steps of it, or anywhere."""
    where = draw(st.sampled_from(["at", "near", "far"]))
    if where == "at":
        return 0.0
    if where == "near":
        return draw(signs) * 10 ** draw(st.floats(-13, -3))
    return draw(st.floats(-3, 3))


@settings(max_examples=150, deadline=None)
@given(cases(), offsets(), st.sampled_from(METHODS))
def test_features_at_random_points_are_never_confidently_differentiated(case, offset, method):
    x = case.feature + offset
    honest(case, x, method)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("f", "x"),
    [
        (np.abs, 0.0),
        (lambda t: np.maximum(t, 0.0), 0.0),
        (np.floor, 2.0),
        (np.sign, 0.0),
        (lambda t: np.where(t < 0.7, 2 * t, 3 * t - 0.7), 0.7),
        (lambda t: np.where(t < 0.7, t, t + 1), 0.7),
        (lambda t: np.sqrt(np.abs(t)), 0.0),
    ],
    ids=["abs", "relu", "floor", "sign", "two slopes", "gap", "cusp"],
)
def test_no_derivative_is_never_reliable(f, x, method):
    try:
        est = estimate(f, x, method=method)
    except NumericError as error:
        assert "complex" in str(error)
        return
    assert not est.reliable
    assert any(word in est.note for word in ("corner", "settle", "shrink", "complex", "scatter"))


def test_forward_difference_at_a_corner_is_not_reliable():
    # The one-sided slope of |x| at 0 is 1 at every step: only the other side tells.
    est = estimate(np.abs, 0.0, method="forward")
    assert (est.value, est.reliable) == (1.0, False)
    assert "corner" in est.note and est.error >= 1.0


@settings(max_examples=30, deadline=None)
@given(st.floats(-2, 2), size_of, st.sampled_from([None, *METHODS]))
def test_jacobian_entries_at_a_corner_are_not_reliable(c, a, method):
    def f(v):
        return a * np.abs(v[0] - c) + v[1] ** 2

    try:
        result = jacobian_estimate(f, [c, 0.5], method=method)
    except NumericError:
        return
    assert not result.reliable[0]
    # The rounding is measured moving every coordinate at once, so the corner's scatter
    # may make the smooth entry unreliable too; it is never confidently wrong.
    assert not result.reliable[1] or abs(result.value[1] - 1.0) <= result.error[1] + 1e-15


SECOND_ORDER_METHODS = ["forward", "backward", "central", "richardson"]


@settings(max_examples=40, deadline=None)
@given(st.floats(-2, 2), size_of, signs, st.sampled_from(SECOND_ORDER_METHODS))
def test_no_second_derivative_where_the_slope_has_a_corner(c, a, sign, method):
    # a (t - c)|t - c| has slope 2a|t - c|: a corner at c, so no f'' there,
    # while every one-sided second difference is a clean +-2a.
    def f(t):
        return sign * a * (t - c) * np.abs(t - c) + np.cos(t)

    est = estimate(f, c, method=method, order=2)
    assert not est.reliable and est.note
    assert est.error >= abs(a) - 1e-9  # half the gap 4a between the two sides


@pytest.mark.parametrize("method", SECOND_ORDER_METHODS)
def test_second_derivatives_of_smooth_functions_stay_reliable(method):
    for f, x, exact in [(np.sin, 1.0, -np.sin(1.0)), (np.exp, 0.3, np.exp(0.3))]:
        est = estimate(f, x, method=method, order=2)
        assert est.reliable and abs(est.value - exact) <= est.error
