"""Fuzzing numeric.estimate: generated functions at generated points.

Every estimate is right within its stated error, or says reliable=False, or
raises a SteepestError (NumericError) sentence; nothing else.  Functions are
random expression trees, built twice: in NumPy for the estimate and in
mpmath at 50 digits for the reference derivative.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from steepest.errors import SteepestError
from steepest.numeric import EPS, METHODS, estimate

UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "sin": (np.sin, mpmath.sin),
    "cos": (np.cos, mpmath.cos),
    "tanh": (np.tanh, mpmath.tanh),
    "exp": (np.exp, mpmath.exp),
    "abs": (np.abs, abs),
    "relu": (lambda u: np.maximum(u, 0.0), lambda u: max(u, 0)),
    "floor": (np.floor, mpmath.floor),
    "log1p(u^2)": (lambda u: np.log1p(u * u), lambda u: mpmath.log(1 + u * u)),
    "sqrt(1+u^2)": (lambda u: np.sqrt(1 + u * u), lambda u: mpmath.sqrt(1 + u * u)),
}
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}

leaves = st.one_of(st.just("t"), st.integers(-3, 3).map(float))
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), children),
        st.tuples(st.sampled_from(sorted(BINARY)), children, children),
    ),
    max_leaves=6,
)


def build(tree: Any, numeric: bool) -> Callable[[Any], Any]:
    if tree == "t":
        return lambda t: t
    if isinstance(tree, float):
        constant = tree if numeric else mpmath.mpf(tree)
        return lambda t: constant + 0 * t
    if len(tree) == 2:
        name, child = tree
        inner = build(child, numeric)
        outer = UNARY[name][0 if numeric else 1]
        return lambda t: outer(inner(t))
    name, left, right = tree
    a, b = build(left, numeric), build(right, numeric)
    return lambda t: BINARY[name](a(t), b(t))


PRECISION = {"forward": EPS**0.5, "backward": EPS**0.5, "central": EPS ** (2 / 3)}
points = st.one_of(st.floats(-3, 3), st.sampled_from([0.0, 1.0, -1.0, 0.5]))


@settings(max_examples=80, deadline=None)
@given(trees, points, st.sampled_from(METHODS))
def test_fuzz_estimate_is_right_or_says_it_is_not(tree, x, method) -> None:
    f = build(tree, numeric=True)
    try:
        est = estimate(f, x, method=method)
    except SteepestError as error:
        assert "\n" not in str(error)
        return
    if not est.reliable:
        assert est.note
        return
    reference_f = build(tree, numeric=False)
    with mpmath.workdps(50):
        exact = float(mpmath.diff(reference_f, mpmath.mpf(x)))
        size = float(abs(reference_f(mpmath.mpf(x))))
    actual = abs(est.value - exact)
    # Plain differences divide the round-off of f's own intermediate terms
    # (e^t - (t + 1) near 0 cancels terms of size 1) by h; their error bar
    # sees only the values of f, so they are held to their documented
    # precision (h for forward and backward, h^2 for central) on that scale.
    floor = PRECISION.get(method, 16 * EPS) * (1 + abs(exact) + size + abs(x))
    assert actual <= est.error + floor, (tree, x, method, est, exact)
