"""Degenerate critical points found by the numerical search.

- Near a point where f changes like y^4, the float gradient (4 y^3 = 4e-18 at
  y = 1e-6) lets the root finder stop anywhere within about 1e-6 of it, and f
  between those roots changes by y^4 = 1e-24: far below the change a short step
  off.  ``(y^4 + 1)(cos 3x + 2)`` had its minimum (pi/3, 0) and its saddle
  (2 pi/3, 0) reported as "regions where f looks constant, every point there is
  critical".  Roots a short step apart over which f is not constant to the 30
  digits the search checks with are now one point, the root with the smallest
  gradient (0 where that is no worse), kept degenerate unless f rises along one
  line and falls along another (a saddle).
- The corner (0, 0) was shown as (6.4e-126, -3.5e-37): a coordinate within the
  search's tolerance of a whole number is that number where the gradient there is no
  larger, and f there is then exact (1 - 3e-16 with f = 2.5e-62 is 1 with f = 0).
- A value was shown as ``f = 3.0000000000000000 (about 3)``: a double is shown
  in the digits it has.

Each point is checked against the gradient and f computed with mpmath at 50 digits.
"""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy as sp
from click.testing import CliRunner

from steepest.cli.main import cli
from steepest.symbolic.calculus import search_critical_points

x, y = sp.symbols("x y", real=True)


def _gradient_vanishes(f: sp.Expr, point: dict[str, sp.Expr]) -> bool:
    """Each slope at ``point`` (50 digits) is at most 1e-6 of its size a step of 1e-2 off."""
    variables = [x, y][: len(point)]
    at = [mpmath.mpf(float(point[v.name])) for v in variables]
    with mpmath.workdps(50):
        for v in variables:
            slope = sp.lambdify(variables, sp.diff(f, v), "mpmath")
            here = abs(slope(*at))
            beside = max(
                abs(slope(*[c + (s * mpmath.mpf("1e-2") if w == v else 0)
                            for c, w in zip(at, variables, strict=True)]))
                for s in (1, -1)
            )
            if here > mpmath.mpf("1e-6") * beside:
                return False
    return True


def test_a_quartic_point_is_one_point_not_a_flat_region() -> None:
    text = "(y^4 + 1)*(cos(3*x) + 2)"
    found = search_critical_points(text, {"x": (0, 3), "y": (-1, 1)})
    assert all(p.region is None for p in found), [p.where for p in found]
    f = sp.sympify("(y**4 + 1)*(cos(3*x) + 2)", locals={"x": x, "y": y})
    assert [p.kind for p in found] == ["saddle", "degenerate", "saddle"]
    for p, k in zip(found, range(3), strict=True):
        assert float(p.point["x"]) == pytest.approx(k * math.pi / 3, abs=1e-9)
        assert p.point["y"] == 0 and isinstance(p.point["y"], sp.Integer)
        assert _gradient_vanishes(f, p.point)
        assert float(p.value) == pytest.approx(2 + math.cos(3 * k * math.pi / 3), rel=1e-15)
    # The corner (0, 0): exact coordinates, and f there exactly.
    assert found[0].point == {"x": 0, "y": 0} and found[0].value == 3
    assert "looks constant" not in " ".join(p.note for p in found)


def test_the_command_shows_the_points_plainly() -> None:
    result = CliRunner().invoke(
        cli,
        ["critical", "(y^4+1)*(cos(3*x)+2)", "--domain", "x=0:3,y=-1:1", "--timeout", "0.01"],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()[1:]
    assert lines[0].startswith("saddle      (x = 0, y = 0), f = 3  [")
    assert lines[1].startswith("degenerate  (x = 1.0471975511965976, y = 0), f = 1.0  [")
    assert lines[2].startswith("saddle      (x = 2.0943951023931953, y = 0), f = 3.0  [")
    assert "looks constant" not in result.output and "e-" not in result.output
    assert "0000000" not in result.output


# g(x) with its critical points in the box and their kinds; g > 0 there, so that
# (y^(2k) + 1) g(x) has the critical points (c, 0): where g has a minimum, f has a
# degenerate point (a minimum in fact, which lines cannot prove); where g has a maximum,
# f falls along x and rises along y: a saddle.
PROFILES = {
    "cos(3*x) + 2": ((0.5, 3.0), [(math.pi / 3, "degenerate"), (2 * math.pi / 3, "saddle")]),
    "x^2 - 2*x + 3": ((-2.0, 3.0), [(1.0, "degenerate")]),
    "(x^2 - 1)^2 + 1": ((-2.0, 2.0), [(-1.0, "degenerate"), (0.0, "saddle"), (1.0, "degenerate")]),
    "3 - sin(x)": ((0.0, 6.0), [(math.pi / 2, "degenerate"), (3 * math.pi / 2, "saddle")]),
    "exp(-(x - 1/2)^2) + 1": ((-2.0, 2.0), [(0.5, "saddle")]),
}


@pytest.mark.parametrize("power", [4, 6])
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_even_powers_times_a_profile(profile: str, power: int) -> None:
    (low, high), expected = PROFILES[profile]
    text = f"(y^{power} + 1)*({profile})"
    found = search_critical_points(text, {"x": (low, high), "y": (-1, 1)})
    f = sp.sympify(text.replace("^", "**"), locals={"x": x, "y": y})
    assert all(p.region is None for p in found), (text, [p.where for p in found])
    assert [p.kind for p in found] == [kind for _, kind in expected], text
    for p, (at, _) in zip(found, expected, strict=True):
        assert float(p.point["x"]) == pytest.approx(at, abs=1e-8), text
        assert p.point["y"] == 0, (text, p.where)
        assert _gradient_vanishes(f, p.point), (text, p.where)
        with mpmath.workdps(50):
            truth = sp.lambdify([x, y], f, "mpmath")(mpmath.mpf(at), 0)
        assert float(p.value) == pytest.approx(float(truth), rel=1e-12), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # f changes like x^4 + y^4 at 0: all coordinates tiny
        ("(x^4 + 1)*(y^4 + 2)", [("degenerate", 0.0, 0.0)]),
        # one fourth power beside a square
        ("x^4 + y^2", [("degenerate", 0.0, 0.0)]),
        # a degenerate saddle: falls along y (-y^2), rises along x (x^4)
        ("x^4 - y^2", [("saddle", 0.0, 0.0)]),
        # away from 0: (1, -2)
        ("(x - 1)^4*(y^2 + 1) + (y + 2)^2*exp(sin(x))", [("degenerate", 1.0, -2.0)]),
    ],
)
def test_degenerate_points_in_two_variables(text: str, expected: list) -> None:
    found = search_critical_points(text, {"x": (-3, 3), "y": (-3, 3)})
    f = sp.sympify(text.replace("^", "**"), locals={"x": x, "y": y})
    assert [
        (p.kind, pytest.approx(float(p.point["x"]), abs=1e-5),
         pytest.approx(float(p.point["y"]), abs=1e-5))
        for p in found if p.region is None
    ] == expected, [p.where for p in found]
    assert all(p.region is None for p in found)
    assert all(_gradient_vanishes(f, p.point) for p in found)


@pytest.mark.parametrize(
    ("text", "where", "value"),
    [
        ("max(0, x)^2 + y^2", "a region within -9.92188 <= x <= 0, y = 0", 0),
        ("max(x, 0)*(y^2 + 1)", None, 0),
        # flat pieces narrower than the short step within which roots may be around one
        # point: f is constant on them (its roots at the edges, 2e-20 outside, change it
        # by 4e-40), so they stay regions
        ("max(0, abs(x) - 10^-3)^2 + y^2", "a region within -0.001 <= x <= 0.001, y = 0", 0),
        ("(max(0, abs(x) - 10^-3)^2 + 1)*(y^2 + 1)",
         "a region within -0.001 <= x <= 0.001, y = 0", 1),
    ],
)
def test_true_flat_regions_stay_regions(text: str, where: str | None, value: int) -> None:
    regions = [p for p in search_critical_points(text) if p.region is not None]
    assert len(regions) == 1, [p.where for p in search_critical_points(text)]
    assert "looks constant" in regions[0].note and float(regions[0].value) == value
    if where is not None:
        assert regions[0].where == where


def test_a_nondegenerate_point_near_zero_is_not_moved_to_zero() -> None:
    # The minimum is at 3e-9: within the search's tolerance of 0, but the gradient at 0
    # is larger than at the root, so the root stays.
    [p] = search_critical_points("(x - 3*10^-9)^2 + 1")
    assert isinstance(p.point["x"], sp.Float)
    assert float(p.point["x"]) == pytest.approx(3e-9, rel=1e-6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # found as 1 - 3e-16, with f = 2.5e-62 there
        ("(x - 1)^4*(x^2 + 1)", [("degenerate", 1, 0)]),
        ("x^6*exp(x)", [("maximum", -6, 46656 * sp.exp(-6)), ("degenerate", 0, 0)]),
        ("(x - 2)^4*cos(x/10) + 5", [("degenerate", 2, 5)]),
    ],
)
def test_a_whole_number_found_approximately_is_that_number(text: str, expected: list) -> None:
    found = search_critical_points(text, {"x": (-10, 10)})
    assert [(p.kind, p.point["x"], p.value) for p in found] == expected
    assert all(isinstance(p.point["x"], sp.Integer) for p in found)
