"""Critical points that were reported where there are none, each kind with its test.

- Units: c f has the critical points of f for every c > 0.  The numerical
  search (used where grad f = 0 cannot be solved exactly) took its tolerances
  as absolute numbers, so ``1e-20 (x - 5)^2 (x + cos x)``, whose gradient is
  below 1e-9 everywhere, was reported as "every point with -10.9 <= x <= 5 is
  critical: f looks constant there", where f has one maximum and one minimum.
  A small f is now searched over a power of two near its typical size (of its
  changes: ``1 + 1e-12 (x^2 - 1)^2`` too).
- Periodic cases: ``(x - 1)^2 + (y + cos x)^2`` (one minimum) was said to have
  "infinitely many critical points, repeating in x", from a case of the
  solver (sin x = 0 together with x - 1 = 0) that has no solution.
- Aliasing: two saddles of sin(x) + y^2 whole periods apart were joined into
  "a region where f is constant" by evenly spaced samples between them.
- Powers: x^x was taken as a factor that may vanish, so x^x had no exact
  critical point (the search reported a "degenerate" x = 0 besides 1/e).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp

import steepest as st

FUNCTIONS = [
    "(x - 5)^2*(x + cos(x))",
    "x^2 + cos(3*x)",
    "sin(x) + x^2/10",
    "(x - 1)^2*(2 + sin(x))",
    "x^2 + y^2 + cos(x)*sin(y)",
    "(x - 1)^2 + (y + cos(x))^2",
]


# None of these functions is solved exactly within the default 10 s (each ends in a time
# limit or in equations the exact solver cannot do), so what the tests below compare is the
# numerical search's answer; exact solving gets a short time before the search takes over.
EXACT_SECONDS = 0.5


@functools.cache  # each plain function is the reference of several tests
def _found(text: str) -> list[tuple[str, tuple[float, ...]]]:
    points = st.symbolic.critical_points(text, timeout=EXACT_SECONDS, fallback="numeric")
    assert all(p.found == "numerically" for p in points)  # the search's answer, as meant
    return sorted((p.kind, tuple(round(float(v), 5) for v in p.point.values())) for p in points)


@pytest.mark.parametrize("factor", ["1e-20", "1e20", "3/1000"])
@pytest.mark.parametrize("text", FUNCTIONS)
def test_a_positive_factor_leaves_the_critical_points(text: str, factor: str) -> None:
    plain = _found(text)
    assert plain  # the search finds something to compare
    assert _found(f"{factor}*({text})") == plain


@pytest.mark.parametrize(("text", "shift", "factor"), [
    *((text, "1", "1e-12") for text in FUNCTIONS),
    (FUNCTIONS[4], "1e6", "1e-3"), (FUNCTIONS[5], "-7", "1e-15"),
])
def test_a_constant_added_to_a_small_change_leaves_the_critical_points(
        text: str, shift: str, factor: str) -> None:
    # 1 + 1e-12 (x^2 - 1)^2 (searched) was "degenerate ... the Hessian is singular" at
    # its two minima and its maximum: the search's tolerances followed f's size, 1,
    # not the size of its changes, 1e-12.
    assert _found(f"{shift} + {factor}*({text})") == _found(text)


def test_values_are_those_of_the_scaled_function() -> None:
    (top, bottom) = sorted(st.symbolic.critical_points("1e-20*(x - 5)^2*(x + cos(x))",
                                                       timeout=EXACT_SECONDS,
                                                       fallback="numeric"),
                           key=lambda p: float(p.point["x"]))
    x = sp.Float(top.point["x"], 30)
    exact = sp.Rational(1, 10**20) * (x - 5) ** 2 * (x + sp.cos(x))
    assert top.kind == "maximum" and bottom.kind == "minimum"
    assert float(top.value) == pytest.approx(float(exact), rel=1e-12)


def test_a_periodic_factor_with_other_equations_is_no_periodic_family() -> None:
    # grad f = 0 split into the case sin(x) = 0 and x - 1 = 0, which has no solution; it
    # used to be read as "infinitely many critical points, repeating in x".  f has one
    # critical point, the minimum (1, -cos 1).
    for text, y in [("(x - 1)^2 + (y + cos(x))^2", -np.cos(1.0)),
                    ("(x - 1)^2 + (y + sin(x))^2", -np.sin(1.0))]:
        points = st.symbolic.critical_points(text, fallback="numeric")
        assert [p.kind for p in points] == ["minimum"]
        assert [float(v) for v in points[0].point.values()] == pytest.approx([1.0, y], abs=1e-9)


@pytest.mark.parametrize("text", ["sin(x) + y^2", "sin(x)*sin(y)", "cos(x) + (y - x)^2"])
def test_families_that_do_repeat_are_still_named(text: str) -> None:
    with pytest.raises(st.errors.SteepestError, match="repeat periodically"):
        st.symbolic.critical_points(text)


def test_a_power_vanishes_only_where_its_base_does() -> None:
    # x^x (ln x + 1) = 0: x^x is never 0, so the case solver gives x = 1/e exactly.
    [point] = st.symbolic.critical_points("x^x")
    assert point.kind == "minimum" and point.found == "exactly"
    assert point.point["x"] == sp.exp(-1)


def test_samples_between_two_roots_do_not_alias_a_period() -> None:
    # Two saddles of sin(x) + y^2 whole periods apart: evenly spaced samples between them
    # all fell on sin = 1, and they were joined into "a region where f is constant".
    from steepest.symbolic._search import search

    x, y = sp.symbols("x y", real=True)
    assert all(p.region is None for p in search(sp.sin(x) + y**2, [x, y]))
