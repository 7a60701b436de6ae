"""Partials, gradient, Jacobian, Hessian, tangents and the chain rule (lesson 4)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from steepest.errors import ParseError, SteepestError
from steepest.symbolic.calculus import (
    Gradient,
    chain_rule,
    gradient,
    hessian,
    jacobian,
    partial,
    tangent_line,
    tangent_plane,
    variables_of,
)

x, y, z, t = sp.symbols("x y z t", real=True)


# --- partial derivatives -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wrt", "expected"),
    [
        ("x^2 + y^2", "x", 2 * x),
        ("x^2 + y^2", "y", 2 * y),
        ("3x^2 y^3", "x", 6 * x * y**3),
        ("3x^2 y^3", "y", 9 * x**2 * y**2),
        ("tanh(x) + tanh(y)", "x", 1 - sp.tanh(x) ** 2),
        ("tanh(x) + tanh(y)", "y", sp.sech(y) ** 2),
        ("-x^2 - (-y^3)", "x", -2 * x),
        ("-x^2 - (-y^3)", "y", 3 * y**2),
        ("x^5 + y^2", "x", 5 * x**4),
        ("x^5 + y^2", "y", 2 * y),
    ],
)
def test_lesson_partials(text: str, wrt: str, expected: sp.Expr) -> None:
    d = partial(text, wrt)
    assert sp.simplify(d.result - expected) == 0
    assert sp.simplify(sp.sympify(d) - expected) == 0  # behaves as its result in SymPy


def test_partial_names_the_variables_held_constant() -> None:
    d = partial("3x^2 y^3 z", "y")
    assert d.held_constant == ("x", "z")
    assert "x, z are held constant" in d.heading()
    assert "held constant" in d.text()
    assert d.steps.rule == "constant multiple"
    assert d == 9 * x**2 * y**2 * z
    assert d != 6 * x * y**3 * z
    assert d.to_dict()["held_constant"] == ["x", "z"]


def test_partial_with_respect_to_an_absent_variable_is_zero() -> None:
    assert partial("x^2", "y").result == 0


def test_partial_rejects_a_bad_variable_name() -> None:
    with pytest.raises(SteepestError, match="'2x' is not a variable name"):
        partial("x^2", "2x")


# --- gradient ----------------------------------------------------------------------


def test_gradient_of_lesson_examples() -> None:
    assert gradient("x^2 + y^2") == (2 * x, 2 * y)
    assert gradient("x^2 + y^2", at=(2, 3)) == (4, 6)
    g = gradient("2x + 3y^2 - sin z")
    assert g == (2, 6 * y, -sp.cos(z))
    assert g.variables == (x, y, z)
    assert g["z"] == -sp.cos(z)


def test_gradient_at_a_point_is_exact_and_converts_to_numpy() -> None:
    g = gradient("x^2 + y^2", at={"y": 3, "x": 2})
    assert isinstance(g, Gradient)
    assert g.at == {"x": 2, "y": 3}
    assert all(isinstance(c, sp.Integer) for c in g)
    assert g.magnitude == 2 * sp.sqrt(13)
    np.testing.assert_allclose(np.asarray(g), [4.0, 6.0])
    assert g.to_dict()["values"] == [4.0, 6.0]
    assert g.to_dict()["magnitude_value"] == pytest.approx(np.hypot(4, 6))


def test_gradient_magnitude_is_the_euclidean_norm() -> None:
    g = gradient("2x + 3y^2 - sin z", at=(0, 1, sp.pi))
    assert g == (2, 6, 1)
    assert g.magnitude == sp.sqrt(41)


def test_gradient_at_exact_values_from_text() -> None:
    g = gradient("sin(x) y", at=("pi/3", "1/2"))
    assert g == (sp.Rational(1, 4), sp.sqrt(3) / 2)


def test_gradient_chooses_variables_and_order() -> None:
    assert gradient("x^2", variables=["x", "y"]) == (2 * x, 0)
    assert gradient("x y^2", variables=["y", "x"]) == (2 * x * y, y**2)
    with pytest.raises(SteepestError, match="only once"):
        gradient("x y", variables=["x", "x"])


def test_variable_order_is_x_y_z_then_alphabetical() -> None:
    a, b, x_2, x_10 = sp.symbols("a b x_2 x_10", real=True)
    assert variables_of(b + a + z + y + x) == (x, y, z, a, b)
    assert variables_of(x_10 + x_2 + x) == (x, x_2, x_10)


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ((1, 2, 3), "the point has 3 values but the expression has 2 variables (x, y)"),
        ({"x": 1, "w": 2}, "unknown variable 'w' in the point; the variables are x, y"),
        ({"x": 1}, "the point gives no value for y"),
        ((1, True), "True is not a number"),
        ((1, float("nan")), "nan is not a number"),
        ((1, "2 +"), "ends too early"),
    ],
)
def test_gradient_point_errors(at: object, message: str) -> None:
    with pytest.raises(SteepestError) as error:
        gradient("x^2 + y^2", at=at)
    assert message in str(error.value)


def test_malformed_expression_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        gradient("x^^2")
    with pytest.raises(SteepestError, match="expected a math expression"):
        gradient(object())


def test_gradient_accepts_a_steepest_function_like_object() -> None:
    class Wrapped:
        expr = x**3 * y

    assert gradient(Wrapped(), at=(1, 2)) == (6, 1)


small_ints = st.integers(min_value=-4, max_value=4)
rationals = st.fractions(min_value=-3, max_value=3, max_denominator=7)


@st.composite
def polynomials(draw: st.DrawFn) -> sp.Expr:
    terms = draw(
        st.lists(
            st.tuples(small_ints, st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=5
        )
    )
    return sp.Add(*[c * x**i * y**j for c, i, j in terms])


@given(polynomials(), rationals, rationals)
def test_gradient_at_a_point_matches_central_differences(f: sp.Expr, a, b) -> None:
    g = gradient(f, at=(a, b), variables=["x", "y"])
    numeric = sp.lambdify((x, y), f)
    h = 1e-5
    fa, fb = float(a), float(b)
    fd = [
        (numeric(fa + h, fb) - numeric(fa - h, fb)) / (2 * h),
        (numeric(fa, fb + h) - numeric(fa, fb - h)) / (2 * h),
    ]
    np.testing.assert_allclose(np.asarray(g), fd, rtol=1e-6, atol=1e-6)


@given(polynomials())
def test_partials_equal_sympy_diff(f: sp.Expr) -> None:
    for var in (x, y):
        assert sp.expand(partial(f, var).result - sp.diff(f, var)) == 0


# --- Jacobian and Hessian ----------------------------------------------------------


def test_jacobian_is_m_by_n_with_gradients_as_rows() -> None:
    components = ["x^2 y", "5x + sin y", "x y z"]
    J = jacobian(components)
    assert J.shape == (3, 3)
    reference = sp.Matrix([x**2 * y, 5 * x + sp.sin(y), x * y * z]).jacobian([x, y, z])
    assert (J - reference).applyfunc(sp.simplify) == sp.zeros(3, 3)
    for i, text in enumerate(components):
        assert tuple(J.row(i)) == tuple(gradient(text, variables=["x", "y", "z"]))


def test_jacobian_with_chosen_variables_and_at_a_point() -> None:
    J = jacobian(["x^2 y", "5x + sin y"], variables=["y", "x"])
    assert sp.Matrix([[x**2, 2 * x * y], [sp.cos(y), 5]]) == J
    assert jacobian([x * y, x + y], at=(1, 2)) == sp.Matrix([[2, 1], [1, 1]])
    assert jacobian("x y").shape == (1, 2)
    with pytest.raises(SteepestError, match="at least one function"):
        jacobian([])


def test_hessian_matches_sympy_and_is_symmetric() -> None:
    f = sp.exp(x * y) + x**3 * z - sp.sin(y * z)
    H = hessian(f)
    assert sp.hessian(f, (x, y, z)) == H
    assert H == H.T
    at = hessian("x^2 y + y^3", at={"x": 1, "y": 2})
    assert at == sp.Matrix([[4, 2], [2, 12]])


# --- tangent lines and planes ------------------------------------------------------


def test_tangent_plane_of_the_lesson() -> None:
    plane = tangent_plane("x^2 + y^2", at=(2, 4))
    assert plane.slopes == {"x": 4, "y": 8}
    assert plane.value == 20
    assert str(plane) == "z = 20 + 4(x - 2) + 8(y - 4)"
    assert sp.expand(plane.equation - (20 + 4 * (x - 2) + 8 * (y - 4))) == 0
    assert plane(2, 4) == 20.0
    np.testing.assert_allclose(plane(np.array([3.0, 2.0]), np.array([4.0, 5.0])), [24.0, 28.0])
    assert plane.to_dict()["slopes"] == {"x": "4", "y": "8"}


def test_tangent_plane_contains_both_tangent_lines() -> None:
    plane = tangent_plane("x^2 + y^2", at=(2, 4))
    along_x, along_y = plane.lines["x"], plane.lines["y"]
    assert along_x.slope == 4 and along_y.slope == 8
    assert sp.expand(plane.equation.subs(y, 4) - along_x.equation) == 0
    assert sp.expand(plane.equation.subs(x, 2) - along_y.equation) == 0
    assert str(along_x) == "z = 20 + 4(x - 2)"


def test_tangent_plane_is_the_first_order_taylor_polynomial() -> None:
    f = sp.exp(x) * sp.sin(y) + x * y
    plane = tangent_plane(f, at={"x": 0, "y": sp.pi / 2})
    series = f.subs({x: 0, y: sp.pi / 2}) + sum(
        sp.diff(f, v).subs({x: 0, y: sp.pi / 2}) * (v - c) for v, c in ((x, 0), (y, sp.pi / 2))
    )
    assert sp.simplify(plane.equation - series) == 0


def test_tangent_line_of_one_variable() -> None:
    line = tangent_line("x^2", 3)
    assert (line.slope, line.intercept, line.value) == (6, -9, 9)
    assert line.equation == 6 * x - 9
    assert str(line) == "y = 9 + 6(x - 3)"
    assert line(np.array([3.0, 4.0])).tolist() == [9.0, 15.0]
    assert str(tangent_line("x^3 - 2x", -1)) == "y = 1 + (x + 1)"
    assert str(tangent_line("sin x", 0)) == "y = x"
    assert str(tangent_line("-x^2", 1)) == "y = -1 - 2(x - 1)"


@given(polynomials(), rationals, rationals)
def test_tangent_plane_touches_with_the_same_slopes(f: sp.Expr, a, b) -> None:
    assume(f.free_symbols == {x, y})
    plane = tangent_plane(f, at=(a, b))
    assert plane.value == f.subs({x: a, y: b})
    assert sp.expand(sp.diff(plane.equation, x) - sp.diff(f, x).subs({x: a, y: b})) == 0
    assert sp.expand(sp.diff(plane.equation, y) - sp.diff(f, y).subs({x: a, y: b})) == 0


def test_tangent_line_refuses_where_there_is_no_derivative() -> None:
    with pytest.raises(SteepestError, match="does not exist at x = 0: the slopes from the left"):
        tangent_line("|x|", 0)
    with pytest.raises(SteepestError, match="is not defined at x = 0"):
        tangent_line("1/x", 0)
    with pytest.raises(SteepestError, match="give wrt="):
        tangent_line("x^2 + y^2", (1, 2))
    with pytest.raises(SteepestError, match="a tangent plane needs two"):
        tangent_plane("x^2", 1)


def test_tangent_line_of_a_slice() -> None:
    line = tangent_line("x^2 y", at=(3, 2), wrt="y")
    assert line.fixed == {"x": 3}
    assert line.slope == 9 and line.value == 18


# --- chain rule --------------------------------------------------------------------


def test_chain_rule_of_the_lesson_with_the_slip_corrected() -> None:
    rule = chain_rule("x^2 - 3x y + 2y^2", {"x": "3 sin(2t)", "y": "4 cos(2t)"}, "t")
    expected = -46 * sp.sin(4 * t) - 72 * sp.cos(4 * t)
    assert sp.expand(rule.result - expected) == 0
    slide = -64 * sp.sin(4 * t) - 72 * sp.cos(4 * t)
    assert sp.simplify(rule.result - slide) != 0
    names = [v for v, _, _ in rule.terms]
    assert names == ["x", "y"]
    partials = {v: p for v, p, _ in rule.terms}
    assert partials == {"x": 2 * x - 3 * y, "y": -3 * x + 4 * y}
    inner = {v: d for v, _, d in rule.terms}
    assert inner == {"x": 6 * sp.cos(2 * t), "y": -8 * sp.sin(2 * t)}
    composed = (x**2 - 3 * x * y + 2 * y**2).subs({x: 3 * sp.sin(2 * t), y: 4 * sp.cos(2 * t)})
    assert sp.simplify(rule.result - sp.diff(composed, t)) == 0
    assert "(2*x - 3*y)(6*cos(2*t))" in rule.text()
    assert rule.to_dict()["result"] == str(rule.result)


@pytest.mark.parametrize(
    ("z_text", "inner"),
    [
        ("x y", {"x": "t^2", "y": "e^t"}),
        ("x^2 + y^2 + z^2", {"x": "cos t", "y": "sin t", "z": "t"}),
        ("ln(x) + x y", {"x": "t^2 + 1", "y": "sin(3t)"}),
    ],
)
def test_chain_rule_equals_differentiating_the_composition(z_text: str, inner: dict) -> None:
    rule = chain_rule(z_text, inner, "t")
    from steepest.symbolic.parser import parse

    composed = parse(z_text).subs({sp.Symbol(k, real=True): parse(v) for k, v in inner.items()})
    assert sp.simplify(rule.result - sp.diff(composed, t)) == 0


def test_chain_rule_errors() -> None:
    with pytest.raises(SteepestError, match="unknown variable 'w'"):
        chain_rule("x y", {"w": "t"}, "t")
    with pytest.raises(SteepestError, match="at least one inner function"):
        chain_rule("x y", {}, "t")
