"""Limits checked against the function's own values near the point, at infinity too.

Where f has sin, cos or tan, the values are also taken along points where the
oscillation is at a zero or a peak (x = 2*pi*k, pi/2 + 2*pi*k, ... at infinity):
powers of 10 never meet the zeros of sin x, so |sin x|^(1/x), which is 0 at every
multiple of pi, looked as if it tended to 1.

SymPy 1.14 takes b^u wrongly where u tends to -inf and b is a constant other than
e (2^x at -inf and 2^(1/x) at 0 from the left come back as inf), and some limits
at -inf wrongly where the same limit of f(-t) at +inf is right.  Every value,
one-sided value and sign of an unbounded limit here is compared with f computed
to 30 digits close to the point (or far out, at infinity).
"""

from __future__ import annotations

import math
import os

import pytest
import sympy as sp
from closing_in import closes_in
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sympy.core.evalf import PrecisionExhausted

from steepest.bounded import within
from steepest.errors import SteepestError
from steepest.symbolic import limit, parse, symbol
from steepest.symbolic.printing import shows_internals

X = symbol("x")
QUICK = 3.0  # seconds of symbolic work allowed per limit

UNARY = ["sin", "atan", "tanh", "exp", "ln", "sqrt", "abs", "floor", "sign", "cbrt"]
BASES = ["2", "1/2", "pi", "3/2", "10", "e"]
leaves = st.sampled_from(["x", "x", "-x", "1/x", "x^2", "2", "1/2", "x - 1"])


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        ),
        st.tuples(st.sampled_from(BASES), children).map(lambda t: f"({t[0]})^({t[1]})"),
        st.tuples(children, children).map(lambda t: f"({t[0]})^({t[1]})"),
    )


grammar = st.recursive(leaves, _grow, max_leaves=4)
POINTS = ["0", "1", "-1", "inf", "-inf"]

FUZZ = settings(
    max_examples=int(os.environ.get("STEEPEST_FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _value(expr: sp.Expr, at: sp.Expr) -> float | None:
    """f(at) to 30 digits, or None where it is not a finite real number (or too slow)."""
    try:
        try:
            if not at.is_Rational:
                raise PrecisionExhausted
            # evalf with subs never builds the exact number (2^(-10^9) has 10^9 digits).
            value = within(lambda: expr.evalf(30, subs={X: at}), timeout=1.0)
        except PrecisionExhausted:
            # At 2*pi*k no float is a zero of sin x, and floor(1/x) at 10^-6 sits on a
            # jump evalf cannot resolve: the exact value is needed.
            value = within(lambda: expr.subs(X, at).evalf(30), timeout=1.0)
    except (TypeError, ValueError, RecursionError, SteepestError, ArithmeticError, MemoryError):
        return None
    if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    real, imaginary = (float(part) for part in value.as_real_imag())
    if abs(imaginary) > 1e-12 * max(1.0, abs(real)) or not math.isfinite(real):
        return None
    return real


def _near(a: sp.Expr, side: int, closer: bool = False) -> list[sp.Expr]:
    """Points ever closer to ``a`` from one side (ever farther out at infinity); with
    ``closer``, the two next ones beyond them."""
    ks = (3, 6, 9) if a.is_infinite else (6, 9, 12)
    if closer:
        ks = (ks[-1] + 3, ks[-1] + 6)
    if a is sp.oo:
        return [sp.Integer(10) ** k for k in ks]
    if a is -sp.oo:
        return [-sp.Integer(10) ** k for k in ks]
    return [a + side * sp.Rational(1, 10**k) for k in ks]


def _in_step(a: sp.Expr, side: int, phase: sp.Expr) -> list[sp.Expr]:
    """Points ever closer to ``a`` where sin(x) (at infinity) or sin(1/(x - a)) is at
    the same phase: their zeros and peaks, which the powers of 10 never meet."""
    turns = [2 * sp.pi * sp.Integer(10) ** k + phase for k in (2, 5, 8)]
    if a is sp.oo:
        return turns
    if a is -sp.oo:
        return [-t for t in turns]
    return [a + side / t for t in turns]


PHASES = [sp.Integer(0), sp.pi / 2, sp.pi, 3 * sp.pi / 2]


def _approaches(expr: sp.Expr, a: sp.Expr, side: int, claimed: sp.Expr) -> bool:
    """f's values next to ``a`` on one side agree with the claimed one-sided limit,
    also where an oscillation of x or 1/(x - a) is at a zero or a peak."""
    sequences = [(_near(a, side), _near(a, side, closer=True))]
    if expr.has(sp.sin, sp.cos, sp.tan) and not expr.has(sp.floor, sp.ceiling):
        # (floor(x) at 2*pi*10^8 is an integer: 2^floor(x) would have 10^8 digits.)
        sequences += [(_in_step(a, side, phase), []) for phase in PHASES]
    return all(_approaches_along(expr, points, more, claimed) for points, more in sequences)


def _approaches_along(
    expr: sp.Expr, points: list[sp.Expr], more: list[sp.Expr], claimed: sp.Expr
) -> bool:
    values = [_value(expr, point) for point in points]
    if None in values:
        return True  # nothing to compare with
    if claimed in (sp.oo, -sp.oo):
        sign = 1 if claimed is sp.oo else -1
        return sign * values[-1] > max(1.0, sign * values[0])
    # Slow approaches (2*x^(1/9) at 0 is 0.09 away at 10^-12) are judged by their trend.
    return closes_in(values, float(claimed), lambda: [_value(expr, p) for p in more])


def _check(text: str, at: str) -> None:
    try:
        expr = parse(text)
    except SteepestError:
        return
    if not expr.free_symbols <= {X}:
        return
    try:
        result = limit(expr, "x", at, timeout=QUICK)
    except SteepestError as error:
        assert "\n" not in str(error) and not shows_internals(str(error)), str(error)
        return
    assert not shows_internals(result.message()), result.message()
    a = result.at
    if a.is_infinite:
        sides = [(0, result.left if a is sp.oo else result.right)]
    else:
        sides = [(-1, result.left), (1, result.right)]
    for side, claimed in sides:
        if claimed is None or claimed.has(sp.AccumBounds) or claimed.is_real is not True:
            continue
        assert _approaches(expr, a, side, claimed), (text, at, side, result.message())


@FUZZ
@given(grammar, st.sampled_from(POINTS))
@example("2^x", "-inf")
@example("(tanh(x^2) + (1/2)^x)^x", "-inf")
@example("2^(1/x)", "0")
@example("pi^(1/(x - 1))", "1")
@example("x^(2^(x^2))", "inf")  # its value at 10^6 once ended in a MemoryError
@example("x^(sin(x^2))", "-inf")  # SymPy ends in an AttributeError inside
@example("(abs(sin(x)))^(1/x)", "inf")  # 0 at every multiple of pi: once said to be 1
@example("(abs(sin(x)))^(1/x)", "-inf")
@example("(abs(sin(1/x)))^(x)", "0")
@example("(sin(x))^(2/x)", "inf")
@example("(abs(sin(x)))^(1/(x^2))", "inf")
@example("cbrt(cbrt(x)) + cbrt(cbrt(x))", "0")  # 2*x^(1/9): 0.09 from 0 at 10^-12
@example("(x)*(floor(1/x))", "0")  # 1 by a squeeze; evalf fails at floor(10^6)
@example("(tan(x))/(x)", "inf")
def test_limits_agree_with_values_near_the_point(text: str, at: str) -> None:
    _check(text, at)


@pytest.mark.parametrize(
    ("text", "at", "left", "right"),
    [
        ("2^x", "-inf", None, 0),
        ("pi^x", "-inf", None, 0),
        ("(3/2)^x", "-inf", None, 0),
        ("x*2^x", "-inf", None, 0),
        ("(tanh(x^2) + (1/2)^x)^x", "-inf", None, 0),
        ("2^(1/x)", "0", 0, sp.oo),
        ("(1/2)^(1/x)", "0", sp.oo, 0),
        ("2^(1/(x - 1))", "1", 0, sp.oo),
        ("(1 + 1/x)^x", "-inf", None, sp.E),
        ("atan(x)", "-inf", None, -sp.pi / 2),
    ],
)
def test_powers_of_constants_where_the_exponent_falls_without_bound(
    text: str, at: str, left: sp.Expr | None, right: sp.Expr
) -> None:
    result = limit(text, "x", at)
    assert (result.left, result.right) == (left, right), result.message()
