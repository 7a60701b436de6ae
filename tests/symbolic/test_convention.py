"""One calling convention (expression, point, options) and a time limit on symbolic work."""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp

import steepest as st
from steepest.errors import TimeLimitError
from steepest.symbolic import (
    continuity,
    derive,
    gradient,
    hessian,
    jacobian,
    limit,
    partial,
    tangent_line,
    tangent_plane,
)

SLOW_LIMIT = "(sin(tan x) - tan(sin x))/(asin(atan x) - atan(asin x))"


def test_symbolic_and_numeric_take_the_point_second() -> None:
    text, point = "x^2 y + sin(y) x", [1.0, 2.0]
    f = st.Function(text)
    exact_gradient = np.array(gradient(text, point), dtype=float)
    exact_hessian = np.array(hessian(text, point), dtype=float)
    exact_jacobian = np.array(jacobian([text, "x y"], point), dtype=float)
    np.testing.assert_allclose(st.numeric.gradient(lambda v: f(v), point), exact_gradient)
    np.testing.assert_allclose(st.numeric.hessian(lambda v: f(v), point), exact_hessian, rtol=1e-6)
    both = lambda v: np.array([f(v), v[0] * v[1]])  # noqa: E731
    np.testing.assert_allclose(st.numeric.jacobian(both, point), exact_jacobian, rtol=1e-8)


def test_variables_are_an_option_after_the_point() -> None:
    x, y = sp.symbols("x y", real=True)
    assert jacobian(["x^2 y"], {"x": 1, "y": 2}, ["y", "x"]) == sp.Matrix([[1, 4]])
    assert hessian("x^2 y", {"x": 1, "y": 2}, variables=["y", "x"]) == sp.Matrix([[0, 2], [2, 4]])
    assert tuple(gradient("x^2 y", None, ["y", "x"])) == (x**2, 2 * x * y)


@pytest.mark.parametrize("function", [jacobian, hessian])
def test_old_spelling_still_works_with_a_deprecation_warning(function) -> None:
    new = function("x^2 y", (1, 2), variables=["y", "x"])
    with pytest.warns(DeprecationWarning, match="point now comes second"):
        assert function("x^2 y", ["y", "x"], (1, 2)) == new
    with pytest.warns(DeprecationWarning, match="vars="):
        assert function("x^2 y", at=(1, 2), vars=["y", "x"]) == new
    with pytest.warns(DeprecationWarning):
        assert function("x^2 y", "x").shape == (1, 1)


def test_a_point_of_constants_is_not_taken_for_variable_names() -> None:
    assert hessian("sin(x)", ["pi"]) == sp.Matrix([[0]])
    assert jacobian(["x^2"], ["e"]) == sp.Matrix([[2 * sp.E]])


@pytest.mark.parametrize(
    "call",
    [
        lambda: limit(SLOW_LIMIT, at=0, timeout=0.2),
        lambda: continuity(SLOW_LIMIT, 0, timeout=0.2),
    ],
    ids=["limit", "continuity"],
)
def test_slow_symbolic_work_ends_with_one_sentence_in_time(call) -> None:
    started = time.monotonic()
    with pytest.raises(TimeLimitError) as caught:
        call()
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert "took longer than the time limit of 0.2 s" in message
    assert "larger timeout" in message and "\n" not in message
    assert elapsed < 5  # generous: the bound is 0.2 s; never the 10 s default


def test_every_symbolic_entry_point_takes_a_timeout() -> None:
    assert derive("x^2", timeout=1).result == 2 * sp.Symbol("x", real=True)
    assert partial("x y", "x", timeout=1).result == sp.Symbol("y", real=True)
    assert gradient("x y", (1, 2), timeout=1) == (2, 1)
    assert tangent_plane("x y", (1, 2), timeout=1).value == 2
    assert limit("1/x", at="inf", timeout=None).value == 0
    assert tangent_line("x^2", 3, timeout=1).slope == 6
    with pytest.raises(TimeLimitError, match="positive number"):
        derive("x", timeout=0)
