"""Derivatives, gradients and tangent planes at a point where a formula is 0/0.

SymPy's ``subs`` puts a point in one coordinate at a time, and x/sqrt(x^2 + y^2)
with x = 0 first reads 0 at the origin, where it is 0/0: the gradient of the cone
sqrt(x^2 + y^2) once read (0, undefined) there, and the tangent plane of
sqrt(x^2 + y^4) at the origin z = 0, although f(x, 0) = |x| has no slope.  Each
answer here is checked against an independent reference: one-sided difference
quotients of f itself, in 60-digit arithmetic (mpmath), along each axis and
each diagonal.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steepest.errors import SteepestError
from steepest.symbolic import gradient, tangent_line, tangent_plane

x, y = sp.symbols("x y", real=True)
STEP = mpmath.mpf("1e-24")


def _value(f: sp.Expr, a: mpmath.mpf, b: mpmath.mpf) -> mpmath.mpf | None:
    """f at (a, b) in 60-digit arithmetic; None where it is not a finite real number."""
    with mpmath.workdps(60):
        try:
            value = sp.lambdify((x, y), f, "mpmath")(a, b)
        except (ZeroDivisionError, ValueError):
            return None
        if not isinstance(value, mpmath.mpf) or not mpmath.isfinite(value):
            return None
        return value


def _slope(f: sp.Expr, dx: int, dy: int) -> mpmath.mpf | None:
    """The slope of f at the origin along (dx, dy), from difference quotients of f on both
    sides; None where f is not defined there or the two sides disagree."""
    with mpmath.workdps(60):
        here = _value(f, mpmath.mpf(0), mpmath.mpf(0))
        ahead = _value(f, dx * STEP, dy * STEP)
        behind = _value(f, -dx * STEP, -dy * STEP)
        if here is None or ahead is None or behind is None:
            return None
        right, left = (ahead - here) / STEP, (here - behind) / STEP
        return (left + right) / 2 if abs(right - left) < mpmath.mpf("1e-9") else None


def _close(value: sp.Expr, reference: mpmath.mpf) -> bool:
    return abs(float(value) - float(reference)) < 1e-9


# x^a y^b (x^2 + y^2)^p and x^a y^b (x^2 + y^4)^p: 0/0 at the origin for many of them.
@st.composite
def formulas(draw: st.DrawFn) -> sp.Expr:
    a, b = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    power = draw(st.sampled_from([sp.Rational(p) for p in ("-1", "-1/2", "1/3", "1/2", "3/2")]))
    inner = draw(st.sampled_from([x**2 + y**2, x**2 + y**4]))
    return x**a * y**b * inner**power + draw(st.sampled_from([0, x, 2 * y]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formulas())
def test_the_gradient_at_a_point_is_never_read_off_a_0_over_0(f: sp.Expr) -> None:
    references = [_slope(f, 1, 0), _slope(f, 0, 1)]
    try:
        found = gradient(f, at={"x": 0, "y": 0}, timeout=30)
    except SteepestError:
        # Refused: only right where f or one of its partial derivatives does not exist.
        assert None in references
        return
    assert None not in references, f"a gradient {tuple(found)} where there is none"
    assert all(_close(v, r) for v, r in zip(found, references, strict=True))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formulas())
def test_a_tangent_plane_only_where_every_line_has_its_slope(f: sp.Expr) -> None:
    directions = [(1, 0), (0, 1), (1, 1), (1, -1)]
    references = [_slope(f, dx, dy) for dx, dy in directions]
    try:
        plane = tangent_plane(f, at={"x": 0, "y": 0}, timeout=30)
    except SteepestError:
        assert None in references or not _close(references[0] + references[1], references[2])
        return
    assert None not in references, f"a tangent plane {plane.equation} where f has no slope"
    for (dx, dy), reference in zip(directions, references, strict=True):
        assert _close(plane.slopes["x"] * dx + plane.slopes["y"] * dy, reference)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("sqrt(x^2 + y^4)", "the slopes from the left and right differ (-1 and 1)"),
        ("x y/(x^2 + y^2)", "not defined"),
        ("sqrt(x^2 + y^2) - x", "differ (-2 and 0)"),
        ("cbrt(x^2 y)", "along the direction (1, 1) it has the slope 1, where the plane's is 0"),
        ("sqrt(abs(x y))", "along the direction (1, 1) it has no slope"),
    ],
)
def test_no_tangent_plane_where_f_is_not_differentiable(text: str, words: str) -> None:
    with pytest.raises(SteepestError) as caught:
        tangent_plane(text, at=(0, 0))
    assert words in str(caught.value)


def test_partial_derivatives_that_exist_where_their_formula_is_0_over_0() -> None:
    assert tuple(gradient("x sqrt(x^2 + y^2)", at=(0, 0))) == (0, 0)
    assert tuple(gradient("sqrt(abs(x y))", at=(0, 0))) == (0, 0)  # f(x, 0) = 0 = f(0, y)
    assert tangent_plane("(x^2 y^2)^(1/3)", at=(0, 0)).equation == 0  # |f| <= r^(4/3)


def test_tangent_lines_at_jumps_and_between_them() -> None:
    with pytest.raises(SteepestError, match="not continuous"):
        tangent_line("sign(x)", 0)  # once the slope 2 DiracDelta(0)
    assert tangent_line("floor(x)", sp.Rational(1, 2)).slope == 0  # once refused
    with pytest.raises(SteepestError, match="not continuous"):
        tangent_line("floor(x)", 1)
