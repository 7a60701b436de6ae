"""The derivative where a piecewise function changes branch, against its definition.

SymPy differentiates a piecewise function branch by branch, so at the point where
the branch changes its formula gives the slope of one branch alone: x for x < 1
and 2x otherwise would have slope 2 at 1, where f jumps.  Here the derivative at
a switch point exists exactly when f is continuous there and both one-sided
slopes agree, and every path that reads a slope (gradient at a point, tangent
line, the compiled gradient) says the same.
"""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from steepest.errors import SteepestError
from steepest.symbolic import Function, gradient, parse, symbol, tangent_line
from steepest.symbolic.printing import shows_internals, text_form

X = symbol("x")

polynomials = st.lists(st.integers(-3, 3), min_size=1, max_size=3).map(
    lambda cs: sum((c * X**k for k, c in enumerate(cs)), sp.Integer(0))
)


def _slopes(text: str, at: float) -> list[float | str]:
    """The slope at ``at`` by each path, or the sentence each one answers with."""
    answers: list[float | str] = []
    for read in (
        lambda: gradient(text, at=[at])[0],  # the home of a slope at a point (tangents too)
        lambda: Function(text).grad(float(at))[0],
    ):
        try:
            answers.append(float(read()))
        except SteepestError as error:
            assert "\n" not in str(error) and not shows_internals(str(error)), str(error)
            answers.append("none")
    return answers


@settings(max_examples=15, deadline=None)
@given(polynomials, polynomials, st.integers(-2, 2), st.integers(0, 2),
       st.sampled_from(["<", "<="]))  # fmt: skip
def test_two_branches_meet_with_a_slope_only_when_value_and_slope_agree(
    left: sp.Expr, extra: sp.Expr, c: int, order: int, comparison: str
) -> None:
    # The right branch agrees with the left one to order ``order`` - 1 at c.
    right = sp.expand(left + (X - c) ** order * extra)
    text = f"piecewise(({text_form(left)}, x {comparison} {c}), ({text_form(right)}, otherwise))"
    assume(X in parse(text).free_symbols)
    continuous = left.subs(X, c) == right.subs(X, c)
    smooth = continuous and sp.diff(left, X).subs(X, c) == sp.diff(right, X).subs(X, c)
    expected: float | str = float(sp.diff(left, X).subs(X, c)) if smooth else "none"
    assert _slopes(text, c) == [expected] * 2, text


@settings(max_examples=8, deadline=None)
@given(polynomials, st.integers(-2, 2), st.integers(-2, 2))
def test_a_single_point_taken_out_has_a_slope_only_if_it_keeps_the_value(
    p: sp.Expr, c: int, k: int
) -> None:
    text = f"piecewise(({text_form(p)}, x != {c}), ({k}, otherwise))"
    assume(X in parse(text).free_symbols)
    expected: float | str = float(sp.diff(p, X).subs(X, c)) if p.subs(X, c) == k else "none"
    assert _slopes(text, c) == [expected] * 2, text


@pytest.mark.parametrize(
    ("text", "at", "expected"),
    [
        ("piecewise((x, x < 1), (2x, otherwise))", 1, "not continuous"),
        ("piecewise((x, x <= 1), (2x, otherwise))", 1, "not continuous"),
        ("piecewise((x^2, x != 1), (5, otherwise))", 1, "not continuous"),
        ("piecewise((x, x < 0), (2x, otherwise))", 0, "differ (1 and 2)"),
        ("piecewise((x sin(1/x), x != 0), (0, otherwise))", 0, "difference quotient oscillates"),
        ("piecewise((x^2 sin(1/x), x != 0), (0, otherwise))", 0, 0),
        ("piecewise((x^2, x < 0), (x^3, otherwise))", 0, 0),
        ("cbrt(x)", 0, "tends to inf from both sides (a vertical tangent)"),
        ("cbrt(x)^2", 0, "differ (-inf and inf)"),
    ],
)
def test_slopes_at_switch_points(text: str, at: int, expected: object) -> None:
    if isinstance(expected, str):
        with pytest.raises(SteepestError, match=r"does not exist") as error:
            tangent_line(text, at)
        assert expected in str(error.value)
    else:
        assert tangent_line(text, at).slope == expected


def test_a_slope_across_a_switch_in_another_variable_is_the_branch_there() -> None:
    f = Function("piecewise((x y, x < y), (0, otherwise))")
    assert f.grad(0.0, 1.0).tolist() == [1.0, 0.0]
    assert f.grad(2.0, 1.0).tolist() == [0.0, 0.0]
    with pytest.raises(SteepestError, match="not continuous"):
        f.grad(1.0, 1.0)


@pytest.mark.parametrize(
    "text",
    [
        "piecewise((x^2, x != 1), (5, otherwise))",
        "piecewise((x, x == 1), (0, otherwise))",
        "piecewise((x^2, x < 0 or x > 1), (5, otherwise))",
        "piecewise((x^2, x > 0 and x < 1), (5, otherwise))",
        "piecewise((x, x*y == 1 or x + y != 2), (0, otherwise))",
    ],
)
def test_conditions_are_shown_as_typed_and_read_back(text: str) -> None:
    expr = parse(text)
    shown = text_form(expr)
    assert not shows_internals(shown) and "|" not in shown and "&" not in shown, shown
    assert parse(shown) == expr
