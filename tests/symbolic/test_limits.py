"""Limits and continuity (lesson 1), honest where SymPy alone is not."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from steepest.errors import SteepestError
from steepest.symbolic.calculus import continuity, limit

x, a = sp.symbols("x a", real=True)


# --- lesson 1 ----------------------------------------------------------------------


def test_limit_of_2x_at_3_is_6() -> None:
    lim = limit("2x", "x", 3)
    assert (lim.value, lim.left, lim.right, lim.exists, lim.reason) == (6, 6, 6, True, None)
    assert str(lim) == "the limit of 2*x as x -> 3 is 6"


def test_one_over_x_at_zero_from_each_side_and_both() -> None:
    right = limit("1/x", "x", 0, side="+")
    assert (right.value, right.exists, right.reason) == (sp.oo, False, "unbounded")
    left = limit("1/x", "x", 0, side="-")
    assert (left.value, left.exists, left.reason) == (-sp.oo, False, "unbounded")
    both = limit("1/x", "x", 0)
    assert both.value is None
    assert (both.left, both.right) == (-sp.oo, sp.oo)
    assert both.exists is False
    assert both.reason == "one-sided limits differ"
    assert "one-sided limits differ (-inf from the left, inf from the right)" in str(both)
    # SymPy alone answers +oo for the two-sided question: that is the right-hand limit.
    assert sp.limit(1 / x, x, 0) == sp.oo


def test_sin_at_infinity_oscillates() -> None:
    lim = limit("sin(x)", "x", "inf")
    assert lim.exists is False and lim.reason == "oscillates"
    assert lim.left == sp.AccumBounds(-1, 1)
    assert "oscillates between -1 and 1" in str(lim)


def test_sin_at_a_is_sin_a() -> None:
    lim = limit("sin x", "x", a)
    assert lim.value == sp.sin(a) and lim.exists


def test_table_of_one_over_x_grows_without_bound() -> None:
    table = limit("1/x", "x", 0, side="+").table()
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["side", "x", "f(x)"]
    np.testing.assert_allclose(table["x"], [0.1, 0.01, 1e-3, 1e-4, 1e-5, 1e-6])
    np.testing.assert_allclose(table["f(x)"], [10, 100, 1e3, 1e4, 1e5, 1e6], rtol=1e-12)
    both = limit("1/x", "x", 0).table(3)
    assert list(both["side"]) == ["+", "+", "+", "-", "-", "-"]
    np.testing.assert_allclose(both["f(x)"], [10, 100, 1000, -10, -100, -1000])


def test_table_is_exact_where_floats_cancel() -> None:
    # (1 - cos x)/x^2 -> 1/2; in float64 at x = 1e-8 it would print 0.
    table = limit("(1 - cos x)/x^2", "x", 0, side="+").table(8)
    assert table["f(x)"].iloc[-1] == pytest.approx(0.5, rel=1e-12)


def test_table_at_infinity_and_errors() -> None:
    table = limit("sin(x)", "x", "inf").table(3)
    np.testing.assert_allclose(table["x"], [10, 100, 1000])
    np.testing.assert_allclose(table["f(x)"], np.sin([10, 100, 1000]))
    with pytest.raises(SteepestError, match="numeric point"):
        limit("sin x", "x", a).table()
    with pytest.raises(SteepestError, match="at least one row"):
        limit("x", "x", 0).table(0)


# --- more limits -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at", "value"),
    [
        ("sin(x)/x", 0, 1),
        ("(x^2 - 1)/(x - 1)", 1, 2),
        ("(1 + 1/x)^x", "inf", sp.E),
        ("e^-x", "inf", 0),
        ("e^x", "-inf", 0),
        ("x sin(1/x)", 0, 0),
        ("(sqrt(x + 4) - 2)/x", 0, sp.Rational(1, 4)),
        ("tan(x)/x", 0, 1),
    ],
)
def test_limits_that_exist(text: str, at: object, value: sp.Expr) -> None:
    lim = limit(text, "x", at)
    assert lim.exists is True and lim.reason is None
    assert sp.simplify(lim.value - value) == 0


@pytest.mark.parametrize(
    ("text", "at", "reason"),
    [
        ("1/x^2", 0, "unbounded"),
        ("sin(1/x)", 0, "oscillates"),
        ("|x|/x", 0, "one-sided limits differ"),
        ("tan x", "pi/2", "one-sided limits differ"),
        ("x^2", "inf", "unbounded"),
        ("sqrt(x)", 0, "undefined"),
    ],
)
def test_limits_that_do_not_exist(text: str, at: object, reason: str) -> None:
    lim = limit(text, "x", at)
    assert lim.exists is False
    assert lim.reason == reason


def test_unbounded_limit_keeps_its_sign() -> None:
    lim = limit("1/x^2", "x", 0)
    assert lim.value == sp.oo and lim.left == sp.oo and lim.right == sp.oo
    assert "unbounded (inf)" in str(lim)


def test_sqrt_from_the_right_exists_but_not_from_the_left() -> None:
    assert limit("sqrt(x)", "x", 0, side="+").value == 0
    left = limit("sqrt(x)", "x", 0, side="-")
    assert left.reason == "undefined"
    assert "not defined (as a real number) just to the left of 0" in str(left)


# --- piecewise functions -----------------------------------------------------------

PIECEWISE = "Piecewise((x^2, x < 1), (2x + 1, True))"


def test_piecewise_one_sided_limits_use_the_branch_on_each_side() -> None:
    lim = limit(PIECEWISE, "x", 1)
    assert (lim.left, lim.right) == (1, 3)
    assert lim.reason == "one-sided limits differ"
    assert limit(PIECEWISE, "x", 1, side="-").value == 1
    assert limit(PIECEWISE, "x", 1, side="+").value == 3
    # Away from the break both sides use one branch.
    assert limit(PIECEWISE, "x", 0).value == 0
    assert limit(PIECEWISE, "x", 2).value == 5


def test_sympy_alone_gets_the_left_limit_wrong() -> None:
    xr = sp.Symbol("x", real=True)
    f = sp.Piecewise((xr**2, xr < 1), (2 * xr + 1, True))
    sympy_left = sp.limit(f, xr, 1, "-")
    ours = limit(f, "x", 1, side="-").value
    assert ours == 1
    assert sympy_left in (1, 3)  # 3 in SymPy 1.14; if fixed upstream both agree


@given(
    st.integers(min_value=-5, max_value=5),
    st.integers(min_value=-5, max_value=5),
    st.integers(min_value=-3, max_value=3),
)
def test_piecewise_linear_sides_match_the_branch_formulas(p: int, q: int, c: int) -> None:
    f = sp.Piecewise((p * x + 1, x < c), (q * x - 1, True))
    lim = limit(f, "x", c)
    assert lim.left == p * c + 1
    assert lim.right == q * c - 1
    assert lim.exists == (p * c + 1 == q * c - 1)


# --- points, sides and errors ------------------------------------------------------


@pytest.mark.parametrize("spelling", ["+", "right", "r", "RIGHT"])
def test_side_spellings(spelling: str) -> None:
    assert limit("1/x", "x", 0, side=spelling).value == sp.oo


@pytest.mark.parametrize("at", ["inf", "oo", "+inf", "infinity", float("inf"), sp.oo])
def test_infinity_spellings(at: object) -> None:
    lim = limit("1/x", "x", at)
    assert lim.value == 0 and lim.at == sp.oo
    assert lim.left == 0 and lim.right is None


def test_limit_infers_the_only_variable() -> None:
    assert limit("x^2 + 1", at=2).value == 5
    with pytest.raises(SteepestError, match="say which one approaches"):
        limit("x y", at=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"expr": "1/x", "var": "x", "at": 0, "side": "up"}, "side must be '+', '-' or 'both'"),
        ({"expr": "1/x", "var": "x"}, "say which point"),
        ({"expr": "1/x", "var": "x", "at": "x + 1"}, "cannot contain the variable x"),
        ({"expr": "1/x", "var": "x", "at": float("nan")}, "nan is not a number"),
    ],
)
def test_limit_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(SteepestError) as error:
        limit(**kwargs)
    assert message in str(error.value)


def test_limit_to_dict() -> None:
    data = limit("1/x", "x", 0).to_dict()
    assert data["left"] == "-inf" and data["right"] == "inf" and data["value"] is None
    assert data["exists"] is False and data["reason"] == "one-sided limits differ"


@given(
    st.lists(st.integers(min_value=-6, max_value=6), min_size=1, max_size=5),
    st.fractions(min_value=-4, max_value=4, max_denominator=9),
)
def test_polynomials_are_continuous_everywhere(coefficients: list[int], at) -> None:
    f = sp.Add(*[c * x**k for k, c in enumerate(coefficients)])
    result = continuity(f, sp.Rational(at.numerator, at.denominator), "x")
    assert result.continuous is True and result.kind is None
    assert result.limit.value == f.subs(x, sp.Rational(at.numerator, at.denominator))


# --- continuity --------------------------------------------------------------------


def test_continuous_function_reports_all_three_conditions() -> None:
    c = continuity("x^2", 3)
    assert (c.defined, c.limit_exists, c.equal, c.continuous, c.kind) == (
        True,
        True,
        True,
        True,
        None,
    )
    assert bool(c) is True
    assert c.message == (
        "continuous at x = 3: f(3) = 9 is defined, the limit is 9, and they are equal"
    )


def test_removable_discontinuity_where_f_is_undefined() -> None:
    c = continuity("sin(x)/x", 0)
    assert (c.defined, c.limit_exists, c.equal, c.continuous) == (False, True, False, False)
    assert c.kind == "removable"
    assert c.message == (
        "not continuous at x = 0: f(0) is not defined (the limit is 1); a removable discontinuity"
    )


def test_removable_discontinuity_where_f_has_the_wrong_value() -> None:
    f = sp.Piecewise((x**2, x < 1), (5, sp.Eq(x, 1)), (x, True))
    c = continuity(f, 1, "x")
    assert (c.defined, c.limit_exists, c.equal) == (True, True, False)
    assert c.value == 5 and c.limit.value == 1
    assert c.kind == "removable"
    assert "f(1) = 5 but the limit is 1" in c.message


def test_jump_discontinuity() -> None:
    c = continuity("Piecewise((x, x < 0), (x + 1, True))", 0)
    assert (c.defined, c.limit_exists, c.continuous, c.kind) == (True, False, False, "jump")
    assert "the one-sided limits differ: 0 from the left, 1 from the right" in c.message


def test_infinite_and_oscillatory_discontinuities() -> None:
    c = continuity("1/x", 0)
    assert (c.defined, c.limit_exists, c.kind) == (False, False, "infinite")
    assert "an infinite discontinuity" in c.message
    c = continuity("1/x^2", 0)
    assert c.kind == "infinite"
    c = continuity("sin(1/x)", 0)
    assert (c.defined, c.limit_exists, c.kind) == (False, False, "oscillatory")


def test_continuity_of_sin_at_a_symbol() -> None:
    c = continuity("sin x", a, "x")
    assert c.continuous is True and c.limit.value == sp.sin(a)


def test_continuity_needs_a_finite_point() -> None:
    with pytest.raises(SteepestError, match="finite point"):
        continuity("1/x", "inf")


def test_continuity_to_dict() -> None:
    data = continuity("sin(x)/x", 0).to_dict()
    assert data["kind"] == "removable" and data["defined"] is False
    assert data["limit"]["value"] == "1"
    assert not math.isnan(len(data["message"]))


# --- floor and ceil of an unbounded argument: a squeeze ----------------------------


@pytest.mark.parametrize(
    ("text", "at", "value"),
    [
        ("x*floor(1/x)", 0, 1),  # 1 - x < x*floor(1/x) <= 1 for x > 0, and the same for x < 0
        ("x*ceil(1/x)", 0, 1),
        ("x^2*floor(1/x)", 0, 0),
        ("x*(floor(1/x) + ceil(1/x))", 0, 2),
        ("x^2*floor(1/x^2)", 0, 1),
        ("(x - 1)*floor(1/(x - 1))", 1, 1),
        ("floor(1/x)/ceil(1/x)*0 + x*floor(2/x)", 0, 2),
    ],
)
def test_floor_of_an_unbounded_argument_is_squeezed(text: str, at: int, value: int) -> None:
    result = limit(text, "x", at)
    assert result.exists and result.value == value, result.message()


@pytest.mark.parametrize(
    ("text", "left", "right"),
    [
        ("floor(1/x)", -sp.oo, sp.oo),
        ("sign(1/x)", -1, 1),
        ("x*floor(1/x) + floor(1/x)", -sp.oo, sp.oo),
    ],
)
def test_jumps_of_an_unbounded_argument_from_each_side(
    text: str, left: sp.Expr, right: sp.Expr
) -> None:
    result = limit(text, "x", 0)
    assert (result.left, result.right) == (left, right), result.message()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("sin(x*floor(1/x))", sp.sin(1)),  # not affine in the fraction: no squeeze here
        ("x*floor(1/x)^2", None),  # about 1/x: unbounded
        ("x*floor(1/x) - floor(1/x)*x", 0),
    ],
)
def test_without_a_squeeze_nothing_wrong_is_claimed(text: str, value: sp.Expr | None) -> None:
    result = limit(text, "x", 0)
    if result.exists:
        assert result.value == value, result.message()


def test_a_table_next_to_the_jumps_of_floor_of_one_over_x() -> None:
    # floor(1/x) at x = 1/10 sits on a jump: evalf alone cannot resolve it.
    table = limit("x*floor(1/x)", "x", 0).table(3)
    assert list(table["f(x)"]) == [1.0] * 6
