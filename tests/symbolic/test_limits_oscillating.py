"""Limits of functions that oscillate without settling: sin, cos, tan of an
argument that grows without bound (x at infinity, 1/x at 0).

SymPy bounds such functions with interval arithmetic and once gave confident
wrong answers: |sin x|^(1/x) at infinity "is 1" (it is 0 at every multiple of
pi), (2 + sin x)^(-x) "oscillates between 0 and inf" (it never exceeds 1),
sin x + cos x "between -2 and 2" (it never passes sqrt(2)).  A limit is now
stated only when it holds at every phase of the oscillation, and the bounds of
an oscillation are called its lowest and highest only when they are.
"""

from __future__ import annotations

import pytest
import sympy as sp

from steepest.symbolic import limit
from steepest.symbolic.printing import shows_internals

INF = "inf"


def _assert_oscillates(text: str, at: str, side: str, low: sp.Expr, high: sp.Expr) -> None:
    """The limit does not exist because f oscillates, between ``low`` and ``high``, said
    without SymPy's internal names."""
    result = limit(text, "x", at, side)
    assert result.exists is False and result.reason == "oscillates", result.message()
    bounds = result.left if result.left is not None else result.right
    assert (bounds.min, bounds.max) == (low, high), result.message()
    assert not shows_internals(result.message())


@pytest.mark.parametrize(
    ("text", "at", "side", "low", "high"),
    [
        ("abs(sin(x))^(1/x)", INF, "both", 0, 1),
        ("(sin(x)^2)^(1/x)", INF, "both", 0, 1),
        ("abs(sin(x))^(1/x^2)", INF, "both", 0, 1),
        ("abs(cos(x))^(1/x)", INF, "both", 0, 1),
        ("x^sin(x)", INF, "both", 0, sp.oo),
        ("x*sin(x)", INF, "both", -sp.oo, sp.oo),
        ("x^2*sin(x)", "-inf", "both", -sp.oo, sp.oo),
        ("exp(-x*sin(x)^2)", INF, "both", 0, 1),
        ("cos(x)^x", INF, "both", 0, 1),
        ("1/(2+sin(x))^x", INF, "both", 0, 1),
        ("(2+sin(x))^x", INF, "both", 1, sp.oo),
        ("sin(x)+cos(x)", INF, "both", -sp.sqrt(2), sp.sqrt(2)),
        ("abs(sin(1/x))^x", "0", "+", 0, 1),
    ],
)
def test_an_oscillation_is_never_taken_for_a_limit(
    text: str, at: str, side: str, low: sp.Expr, high: sp.Expr
) -> None:
    _assert_oscillates(text, at, side, low, high)


@pytest.mark.parametrize(
    ("text", "at", "wrong"),
    [
        ("1/(2+sin(x))^x", INF, "between 0 and inf"),
        ("sin(x)+cos(x)", INF, "between -2 and 2"),
    ],
)
def test_bounds_are_not_called_the_lowest_and_highest_unless_they_are(
    text: str, at: str, wrong: str
) -> None:
    message = limit(text, "x", at).message()
    assert wrong not in message
    assert "along some sequences of x" in message


@pytest.mark.parametrize(
    ("text", "at", "low", "high"),
    [
        ("sin(x)", INF, -1, 1),
        ("cos(2*x)", "-inf", -1, 1),
        ("sin(sin(x))", INF, -sp.sin(1), sp.sin(1)),
        ("sin(1/x)", "0", -1, 1),
        ("exp(sin(1/x))", "0", sp.exp(-1), sp.E),
    ],
)
def test_true_bounds_are_still_said_as_bounds(
    text: str, at: str, low: sp.Expr, high: sp.Expr
) -> None:
    result = limit(text, "x", at)
    assert result.reason == "oscillates" and not result.loose_sides, result.message()
    for bounds in (result.left, result.right):
        if bounds is not None:
            assert (bounds.min, bounds.max) == (low, high), result.message()
    assert "oscillates between" in result.message()


@pytest.mark.parametrize(
    ("text", "at", "value"),
    [
        ("sin(x)/x", INF, 0),
        ("sin(x^2)/x", INF, 0),
        ("exp(sin(x))/x", INF, 0),
        ("sin(x)/x + cos(x^2)/x", INF, 0),
        ("exp(-x)*sin(x)", INF, 0),
        ("(sin(x)+cos(x))^2 - 2*sin(x)*cos(x)", INF, 1),
        ("x*sin(1/x)", "0", 0),
        ("(x + sin(x))/x", INF, 1),
    ],
)
def test_limits_that_hold_at_every_phase_are_still_found(
    text: str, at: str, value: sp.Expr
) -> None:
    result = limit(text, "x", at)
    assert result.exists and result.value == value, result.message()


def test_an_unbounded_limit_through_an_oscillation_is_still_found() -> None:
    assert limit("x + sin(x)", "x", INF).value == sp.oo


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("abs(sin(x))^(1/x)", "-inf"),  # unbounded next to each multiple of pi
        ("tan(x)/x", INF),  # poles at every pi/2 + k*pi
        ("1/(x*sin(x))", INF),
        ("x*sin(x)^2/(1 + x^2*sin(x)^4)", INF),  # 1/2 where sin(x)^2 = 1/x
    ],
)
def test_what_cannot_be_verified_is_never_claimed(text: str, at: str) -> None:
    result = limit(text, "x", at)
    assert not result.exists, result.message()
    assert result.value is None or result.reason == "oscillates", result.message()


def test_the_words_say_which_sequences() -> None:
    message = limit("abs(sin(x))^(1/x)", "x", INF).message()
    assert message == (
        "the limit of |sin(x)|^(1/x) as x -> inf does not exist: the function "
        "oscillates: it tends to 0 along some sequences of x and to 1 along others"
    )


def test_not_real_far_out_is_said_without_a_side_of_infinity() -> None:
    message = limit("sqrt(-x)", "x", INF).message()
    assert message.endswith("is not defined (as a real number) at arbitrarily large x")


@pytest.mark.parametrize(
    ("text", "at", "side", "low", "high"),
    [
        # Poles at every pi/2 + k*pi: 0 along x = k*pi, unbounded next to the poles.
        ("tan(x)/x", INF, "both", -sp.oo, sp.oo),
        ("tan(x)", INF, "both", -sp.oo, sp.oo),  # once "tends to -1 ... and to 1"
        ("x + tan(x)", INF, "both", -sp.oo, sp.oo),
        ("tan(x)^2/x", INF, "both", 0, sp.oo),
        ("x*tan(1/x)", "0", "+", -sp.oo, sp.oo),
        ("1/(x*sin(x))", INF, "both", -sp.oo, sp.oo),
        ("sec(x)/x^3", "-inf", "both", -sp.oo, sp.oo),
    ],
)
def test_poles_at_every_period_make_the_function_unbounded(
    text: str, at: str, side: str, low: sp.Expr, high: sp.Expr
) -> None:
    _assert_oscillates(text, at, side, low, high)


def test_tan_x_over_x_says_where_it_goes() -> None:
    assert limit("tan(x)/x", "x", INF).message() == (
        "the limit of tan(x)/x as x -> inf does not exist: the function oscillates: it "
        "tends to -inf along some sequences of x and to inf along others"
    )


@pytest.mark.parametrize(
    ("text", "at", "value"),
    [
        ("tan(x)/exp(x^4)", INF, None),  # e^(-x^2) comes too slowly to the poles: unknown
        ("sin(x)*tan(x)/x^2", INF, None),
        ("cos(x)*tan(x)/x", INF, 0),  # sin(x)/x: the poles cancel
    ],
)
def test_a_pole_that_no_sequence_reaches_fast_enough_claims_nothing(
    text: str, at: str, value: sp.Expr | None
) -> None:
    result = limit(text, "x", at)
    if result.exists:
        assert result.value == value, result.message()
