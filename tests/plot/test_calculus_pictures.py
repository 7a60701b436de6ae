"""What the pictures of one-variable calculus claim, read back from the figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st_h

import steepest as st
from steepest.errors import SteepestError

X = sympy.Symbol("x")
# Expressions in steepest's notation and the same functions written directly in SymPy.
CURVES = [
    ("x^2", X**2),
    ("x^3 - 2x", X**3 - 2 * X),
    ("sin(3x)", sympy.sin(3 * X)),
    ("e^x - ln(x)", sympy.exp(X) - sympy.log(X)),
    ("x^2/(x+1)", X**2 / (X + 1)),
]


def lines_by_gid(fig, prefix):
    return {
        line.get_gid(): line
        for ax in fig.axes
        for line in ax.lines
        if (line.get_gid() or "").startswith(prefix)
    }


def slope_of(line):
    xs, ys = (np.asarray(v, dtype=float) for v in line.get_data())
    return (ys[-1] - ys[0]) / (xs[-1] - xs[0])


@pytest.mark.parametrize(("text", "exact"), CURVES)
def test_tangent_slope_is_the_derivative(text, exact):
    points = [0.4, 1.3, 2.0]
    fig = st.plot.function(text, at=points, xlim=(0.1, 3))
    tangents = lines_by_gid(fig, "tangent:")
    assert len(tangents) == len(points)
    derivative = sympy.diff(exact, X)
    for a in points:
        line = tangents[f"tangent:{a:.4g}"]
        assert slope_of(line) == pytest.approx(float(derivative.subs(X, a)), rel=1e-9, abs=1e-12)
        # The tangent touches the curve at its point.
        (point,) = lines_by_gid(fig, f"point:{a:.4g}").values()
        assert point.get_ydata()[0] == pytest.approx(float(exact.subs(X, a)), rel=1e-12)
        xs, ys = line.get_data()
        middle = (xs[0] + xs[-1]) / 2
        assert middle == pytest.approx(a)
        assert (ys[0] + ys[-1]) / 2 == pytest.approx(float(exact.subs(X, a)), rel=1e-12)


@given(st_h.floats(-3, 3, allow_nan=False))
def test_tangent_of_numpy_code_uses_automatic_derivative(a):
    fig = st.plot.function(lambda x: np.sin(x) * x, at=a, xlim=(-4, 4))
    (line,) = lines_by_gid(fig, "tangent:").values()
    assert slope_of(line) == pytest.approx(np.cos(a) * a + np.sin(a), abs=1e-9)


def test_secant_slopes_are_difference_quotients():
    fig = st.plot.function("x^2", at=3, secants=[2, 1, 0.5])
    secants = lines_by_gid(fig, "secant:")
    slopes = sorted(slope_of(line) for line in secants.values())
    assert slopes == pytest.approx([(9 + 6 * h + h * h - 9) / h for h in (0.5, 1, 2)])


def test_function_refuses_points_outside_the_domain_and_two_variables():
    with pytest.raises(SteepestError, match="not defined"):
        st.plot.function("ln(x)", at=-1)
    with pytest.raises(SteepestError, match="one variable"):
        st.plot.function("x y", at=1)


def test_math_title_and_labels():
    fig = st.plot.function("x^2 - 4x + 4")
    ax = fig.axes[0]
    assert ax.get_title() == "$f(x) = x^{2} - 4 x + 4$"
    assert ax.get_xlabel() == "$x$"
    fig.canvas.draw()  # mathtext must be able to typeset every label


# -- limits -------------------------------------------------------------------------------------


def test_limit_of_one_over_x_approaches_from_both_sides():
    fig = st.plot.limit("1/x", 0)
    ax = fig.axes[0]
    right = lines_by_gid(fig, "approach:+")["approach:+"]
    left = lines_by_gid(fig, "approach:-")["approach:-"]
    for line, sign in ((right, 1), (left, -1)):
        xs, ys = (np.asarray(v) for v in line.get_data())
        assert np.all(sign * xs > 0)
        assert np.all(np.diff(np.abs(xs)) < 0)  # marching towards 0
        np.testing.assert_allclose(ys, 1 / xs)
    assert "does not exist" in ax.get_title()
    assert r"-\infty" in ax.get_title() and r"+\infty" in ax.get_title()


def test_one_sided_limit_draws_one_side_and_finite_limits_as_open_circles():
    fig = st.plot.limit("1/x", 0, side="+")
    assert set(lines_by_gid(fig, "approach:")) == {"approach:+"}
    fig = st.plot.limit("sin(x)/x", 0)
    circles = lines_by_gid(fig, "limit:")
    assert set(circles) == {"limit:+", "limit:-"}
    for circle in circles.values():
        assert circle.get_ydata()[0] == pytest.approx(1.0)
    assert fig.axes[0].get_title().endswith("= 1$")


def test_limit_at_infinity_shows_the_band_of_an_oscillation():
    fig = st.plot.limit("sin(x)", "inf")
    band = [p for p in fig.axes[0].patches if p.get_gid() == "band"]
    assert len(band) == 1
    low, height = band[0].get_y(), band[0].get_height()
    assert (low, low + height) == pytest.approx((-1.0, 1.0))
    assert "oscillates" in fig.axes[0].get_title()


def test_limit_rejects_a_bad_side():
    with pytest.raises(SteepestError, match="side"):
        st.plot.limit("1/x", 0, side="left")


# -- convexity ----------------------------------------------------------------------------------

QUARTIC = "(1/5000)(12 - theta)(23 - theta)(-14 - theta)(-15 - theta) + 7"


def quartic(theta):
    u = -theta
    return (u + 12) * (u + 23) * (u - 14) * (u - 15) / 5000 + 7


def test_chord_test_matches_an_independent_computation():
    fig = st.plot.convexity("theta^2", QUARTIC, a=-12, b=12)
    assert len(fig.axes) == 2
    for ax, f in zip(fig.axes, (np.square, quartic)):
        (chord,) = [line for line in ax.lines if line.get_gid() == "chord"]
        xs, ys = (np.asarray(v) for v in chord.get_data())
        # The chord joins two points of the curve inside [a, b] ...
        assert min(xs) >= -12.0 and max(xs) <= 12.0
        np.testing.assert_allclose(ys[[0, -1]], f(xs[[0, -1]]), rtol=1e-12)
        # ... and, when the verdict is "not convex", it is a chord that fails.
        below = np.any(ys < f(xs) - 1e-9)
        verdict = ax.get_title().splitlines()[1]
        assert verdict.startswith("not convex" if below else "convex")
    assert fig.axes[0].get_title().splitlines()[1].startswith("convex")
    assert fig.axes[1].get_title().splitlines()[1].startswith("not convex")


@pytest.mark.parametrize(
    ("text", "a", "b"),
    [("x^3", -1, 2), ("x^3", 0.5, 2), ("sin(x)", 0, 6), ("x^4 - x^2", -2, 2), ("e^x", -3, 3)],
)
def test_convexity_is_decided_by_the_second_derivative_not_one_chord(text, a, b):
    import sympy

    x = sympy.Symbol("x", real=True)
    expr = st.symbolic.parse(text)
    grid = np.linspace(a, b, 2001)
    second = sympy.lambdify(x, sympy.diff(expr, x, 2), "numpy")(grid) * np.ones_like(grid)
    convex = bool(np.all(second >= -1e-12))
    ax = st.plot.convexity(text, a=a, b=b).axes[0]
    assert ax.get_title().splitlines()[1].startswith("convex" if convex else "not convex")
    (chord,) = [line for line in ax.lines if line.get_gid() == "chord"]
    xs, ys = (np.asarray(v) for v in chord.get_data())
    f = st.Function(text)
    assert np.any(ys < f(xs) - 1e-12) == (not convex)


@pytest.mark.parametrize(
    ("text", "a", "b", "convex"),
    [("|x|", -1, 1, True), ("relu(x)", -1, 1, True), ("-|x|", -1, 1, False),
     ("x^2 - |x|", -1, 1, False), ("floor(x)", 0.5, 2, False), ("max(x^2, 1)", -2, 2, True)],
)  # fmt: skip
def test_kinks_and_jumps_count_in_the_convexity_verdict(text, a, b, convex):
    ax = st.plot.convexity(text, a=a, b=b).axes[0]
    assert ax.get_title().splitlines()[1].startswith("convex" if convex else "not convex")
    (chord,) = [line for line in ax.lines if line.get_gid() == "chord"]
    xs, ys = (np.asarray(v) for v in chord.get_data())
    assert np.any(ys < st.Function(text)(xs) - 1e-12) == (not convex)


@given(st_h.floats(-20, 0), st_h.floats(0.5, 20))
def test_chord_gap_is_never_negative_for_a_convex_function(a, width):
    gap = st.plot.chord_gap("x^4 + x^2", a, a + width)
    assert gap.min() >= -1e-9 * max(1.0, (abs(a) + width) ** 4)


def test_chord_gap_finds_the_dip_of_the_quartic():
    gap = st.plot.chord_gap(QUARTIC, -12, 12)
    t = np.linspace(0, 1, gap.size)
    inner = t * -12 + (1 - t) * 12
    expected = t * quartic(-12.0) + (1 - t) * quartic(12.0) - quartic(inner)
    np.testing.assert_allclose(gap, expected, rtol=1e-9, atol=1e-12)
    assert gap.min() < 0


def test_convexity_needs_both_ends():
    with pytest.raises(SteepestError, match="both ends"):
        st.plot.convexity("x^2", a=1)
    assert math.isfinite(st.plot.chord_gap("x^2", 0, 1).sum())


@pytest.mark.parametrize("text, a, b", [("relu(x)", -2, 1), ("max(x, 1)", -3, 2),
                                        ("max(x^2, 1)", -1.5, 1.5), ("relu(x)^2", -1, 1)])
def test_flat_then_rising_functions_are_convex(text, a, b):
    title = st.plot.convexity(text, a=a, b=b).axes[0].get_title()
    assert "not convex" not in title and "convex on" in title
