"""Critical points and flat regions that were reported on tails where f fades or grows.

- Tails: where f and its gradient both fade towards 0 (``exp(x) (x + cos x)^2`` far
  left, ``(x^2 + 1)^x`` likewise), the numerical search's tolerances, absolute on the
  scale of f over the box, took the tail for roots of the gradient, and the roots for
  samples of "a region where f looks constant" (-155.3 <= x <= -149.9 at f = 9e-64).
  A root must now be a zero of the gradient on f's own scale there: each component
  far smaller than a short step away on both sides along some line (on a tail it
  shrinks towards one side), checked with 30 digits (no underflow), and where f's
  quadratic model puts the critical point (each slope can have a zero nearby without
  a common one).  A flat region must be flat next to how much f changes a short step
  off it.
- A degenerate point found as several roots a root finder's tolerance apart
  (``(x^2 + 1) e^(-x^2)`` at 0) was joined into a "region" of one point, and the
  search failed on it; it is now that one point.

Every reported point and region of generated products of exponentials, powers,
polynomials and trigonometric functions is checked against mpmath at 50 digits.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from steepest.symbolic.calculus import critical_points, search_critical_points

x = sp.Symbol("x", real=True)

# The critical points of each function, decided from its derivative (see the tests).
TAILS = {
    # f' = f (ln(1 + x^2) + 2x^2 / (1 + x^2)) >= 0, zero only at 0: an inflection.
    "(x^2 + 1)^x": [("degenerate", 0.0)],
    # f' = e^x (x + cos x)(x + 2 + cos x - 2 sin x): x + cos x is increasing, and the
    # second factor, x + 2 plus a wave of amplitude sqrt(5), has one root in
    # [-2 - sqrt 5, -2 + sqrt 5] (mpmath on a fine grid).
    "exp(x)*(x + cos(x))^2": [("maximum", -2.4673756546653238), ("minimum", -0.7390851332151606)],
    # f' = e^x (x - 1)^2 (x + 2)
    "(x - 1)^3*exp(x)": [("minimum", -2.0), ("degenerate", 1.0)],
    # f underflows to 0.0 for x < -5.2: "constant" in floating point, not in fact.
    "exp(-x^4)*(x + cos(x))^2": [
        ("maximum", -1.1177285992985073),
        ("minimum", -0.7390851332151606),
        ("maximum", 0.5529738035431866),
    ],
}


@pytest.mark.parametrize("text", ["(x^2 + 1)^x", "exp(x)*(x + cos(x))^2"])
def test_a_fading_tail_is_no_region_where_f_is_constant(text: str) -> None:
    points = critical_points(text, fallback="numeric")
    assert all(p.region is None for p in points)
    found = [(p.kind, float(p.point["x"])) for p in points]
    assert [kind for kind, _ in found] == [kind for kind, _ in TAILS[text]]
    for (_, at), (_, expected) in zip(found, TAILS[text], strict=True):
        assert at == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("text", sorted(TAILS))
def test_the_search_finds_exactly_the_critical_points(text: str) -> None:
    found = search_critical_points(text)
    assert [p.kind for p in found] == [kind for kind, _ in TAILS[text]]
    for p, (_, expected) in zip(found, TAILS[text], strict=True):
        assert float(p.point["x"]) == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the slope in y is no scale for the fading one in x
        ("exp(x)*(x + cos(x))^2 + y^2", [("saddle", -2.46737566), ("minimum", -0.73908513)]),
        ("(x^2 + 1)^x*(y^2 + 1)", [("degenerate", 0.0)]),
    ],
)
def test_a_tail_in_one_of_two_variables(text: str, expected: list) -> None:
    found = search_critical_points(text)
    assert [(p.kind, round(float(p.point["x"]), 8), float(p.point["y"])) for p in found] == [
        (kind, pytest.approx(at, abs=1e-8), pytest.approx(0.0, abs=1e-8)) for kind, at in expected
    ]


def test_slopes_that_each_vanish_nearby_but_not_together() -> None:
    # On x = 1 the slope in y is e^y, tiny far down, and grows both ways in x through
    # (x - 1)^3 (1 - cos y): each slope has a zero near (1, -150), with no common one.
    assert search_critical_points("(x - 1)^3*(y - sin(y)) + exp(y)") == []


def test_each_coordinate_is_stepped_on_its_own_scale() -> None:
    # The critical points are the line y = 0 and (1, 2 k pi); (195.1, 0.0425) on the
    # fading tail passed when y was stepped by 2 (1% of 1 + |x|), where 1 - cos y had
    # grown on both sides.
    for p in search_critical_points("x*(y - sin(y))*exp(-x)"):
        if p.region is not None:
            assert all(abs(float(y)) < 1e-5 for y in p.region.sets[1].boundary), p.where
            continue
        turns = float(p.point["y"]) / (2 * np.pi)
        assert float(p.point["x"]) == pytest.approx(1.0), p.where
        assert turns == pytest.approx(round(turns), abs=1e-6), p.where


def test_values_near_one_another_are_no_flat_region() -> None:
    # f differs between its critical points by 1e-12 of its size: below the search's
    # tolerances on the scale of 1, far above f's precision.
    found = search_critical_points("1 + 10^-12*(x^2 - 1)^2")
    assert all(p.region is None for p in found)
    assert [round(float(p.point["x"]), 9) for p in found] == [-1.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("abs(x - 1) + abs(x + 1)", "every point with -0.957031 <= x <= 0.957031"),
        ("max(0, x)^2", "every point with -9.84375 <= x <= -0.3125"),
    ],
)
def test_true_flat_regions_stay(text: str, where: str) -> None:
    regions = [p for p in search_critical_points(text) if p.region is not None]
    assert [p.where for p in regions] == [where]


def test_a_degenerate_point_stays_one_point() -> None:
    # f' = -2x^3 e^(-x^2): roots a root finder's tolerance from 0 on both sides.
    [point] = search_critical_points("(x^2 + 1)*exp(-x^2)")
    assert point.region is None and float(point.point["x"]) == 0.0
    [cube] = search_critical_points("x^3")
    assert cube.kind == "degenerate" and float(cube.point["x"]) == 0.0


# ---------------------------------------------------------------------------
# Fuzzing: products of pieces whose tails fade or grow, checked with mpmath.

PIECES = [
    "exp(x)", "exp(-2*x)", "exp(-x^2)", "exp(-x^4)", "(x - 1)^3", "(x + 2)^2", "x^2 + 4",
    "(x^2 + 1)^x", "(x^2 + 1)^(-x/2)", "x + cos(x)", "x - 3*sin(x)", "exp(sin(2*x))",
    "2 + cos(3*x)", "(x^2 + 1)^(-2)", "x*exp(-x)", "exp(x) + 1", "atan(x) - 2",
    "1/(1 + exp(-3*x))", "(x + cos(x))^2",
]


def _derivative_vanishes(f: sp.Expr, at: float) -> bool:
    """f' = 0 at ``at`` on f's own scale: |f'| h is at most 1e-3 of f's change over h."""
    slope = sp.lambdify([x], sp.diff(f, x), "mpmath")
    value = sp.lambdify([x], f, "mpmath")
    p = mpmath.mpf(at)
    h = mpmath.mpf("1e-3") * (1 + abs(p))
    change = max(abs(value(p + h) - value(p)), abs(value(p - h) - value(p)))
    return abs(slope(p)) * h <= mpmath.mpf("1e-3") * change


def _constant(f: sp.Expr, low: sp.Expr, high: sp.Expr) -> bool:
    """f on [low, high] changes by at most 1e-9 of its change a step of 1e-3 off it."""
    value = sp.lambdify([x], f, "mpmath")
    a, b = mpmath.mpf(float(low)), mpmath.mpf(float(high))
    values = [value(a + (b - a) * k / 9) for k in range(10)]
    h = mpmath.mpf("1e-3") * (1 + abs(a))
    change = max(abs(value(a + h) - values[0]), abs(value(a - h) - values[0]))
    return max(abs(v - values[0]) for v in values) <= mpmath.mpf("1e-9") * change


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=2, max_size=3))
@example(["exp(x)", "(x + cos(x))^2"])
@example(["(x^2 + 1)^x", "(x - 1)^3"])
@example(["exp(-x^4)", "(x + cos(x))^2"])
@example(["(x^2 + 1)^(-x/2)", "x^2 + 4"])
@example(["exp(x) + 1", "atan(x) - 2"])  # a region of one point: the search failed
@example(["x - 3*sin(x)", "exp(-x^4)"])
def test_every_reported_point_is_critical_at_high_precision(pieces: list[str]) -> None:
    text = "*".join(f"({piece})" for piece in pieces)
    f = sp.sympify(text.replace("^", "**"), locals={"x": x})
    with mpmath.workdps(50):
        for p in search_critical_points(text):
            if p.region is not None:
                assert _constant(f, p.region.inf, p.region.sup), (text, p.where)
            else:
                assert _derivative_vanishes(f, float(p.point["x"])), (text, p.where)
