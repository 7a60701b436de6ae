"""Function: compiled once, vectorized, exact gradient and Hessian."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import steepest as st_pkg
from steepest.errors import ParseError, SteepestError
from steepest.symbolic import Function, symbol
from steepest.symbolic import function as function_module

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"


def sauna_numpy(x, y):
    return 85 - x**2 * (x - 6) * y**2 * (y - 6) / 90


def sauna_gradient_numpy(x, y):
    # The lesson's partials: dT/dx = -(1/90) x (3x - 12) y^2 (y - 6), dT/dy likewise.
    return np.array(
        [
            -(1 / 90) * x * (3 * x - 12) * y**2 * (y - 6),
            -(1 / 90) * x**2 * (x - 6) * y * (3 * y - 12),
        ]
    )


def test_top_level_name_is_the_same_class() -> None:
    assert st_pkg.Function is Function


def test_scalar_inputs_give_python_floats() -> None:
    f = Function("x^2 - 4x + 4")
    value = f(2.0)
    assert value == 0.0 and type(value) is float
    assert type(f(3)) is float and f(3) == 1.0
    assert type(Function(SAUNA)(4, 4)) is float


def test_sauna_values_and_lesson_gradient_descent_steps() -> None:
    sauna = Function(SAUNA)
    assert sauna.variables == ("x", "y")
    assert sauna(4, 4) == pytest.approx(73.6222222, abs=1e-6)
    point = np.array([0.5, 0.6])
    first_gradient = sauna.grad(*point)
    np.testing.assert_allclose(first_gradient, sauna_gradient_numpy(*point), rtol=1e-12)
    np.testing.assert_allclose(first_gradient, [-0.1134, -0.0935], atol=5e-5)
    point = point - 0.05 * first_gradient
    np.testing.assert_allclose(point, [0.50567, 0.604675], atol=5e-6)
    second_gradient = sauna.grad(point)
    np.testing.assert_allclose(second_gradient, [-0.116191, -0.096146], atol=5e-6)
    point = point - 0.05 * second_gradient
    np.testing.assert_allclose(point, [0.511480, 0.609482], atol=5e-6)


def test_vectorized_evaluation_matches_numpy_and_broadcasts() -> None:
    sauna = Function(SAUNA)
    xs = np.linspace(0, 6, 7)
    ys = np.linspace(0, 6, 5)
    grid_x, grid_y = np.meshgrid(xs, ys)
    np.testing.assert_allclose(sauna(grid_x, grid_y), sauna_numpy(grid_x, grid_y), rtol=1e-13)
    # A column against a row broadcasts to a grid.
    values = sauna(xs[:, None], ys[None, :])
    assert values.shape == (7, 5)
    np.testing.assert_allclose(values, sauna_numpy(xs[:, None], ys[None, :]), rtol=1e-13)
    # One array whose first axis holds the coordinates.
    stacked = np.stack([grid_x, grid_y])
    np.testing.assert_allclose(sauna(stacked), sauna(grid_x, grid_y))
    assert sauna([0.5, 0.6]) == sauna(0.5, 0.6)
    assert sauna(np.array([0.5, 0.6])) == sauna(0.5, 0.6)
    assert sauna(x=0.5, y=0.6) == sauna(0.5, 0.6)


def test_gradient_and_hessian_shapes_broadcast() -> None:
    f = Function("x^2 + 3y")  # constant gradient parts and a constant Hessian
    grid_x, grid_y = np.meshgrid(np.arange(4.0), np.arange(3.0))
    gradient = f.grad(grid_x, grid_y)
    assert gradient.shape == (2, 3, 4)
    np.testing.assert_array_equal(gradient[0], 2 * grid_x)
    np.testing.assert_array_equal(gradient[1], np.full((3, 4), 3.0))
    hessian = f.hessian(grid_x, grid_y)
    assert hessian.shape == (2, 2, 3, 4)
    np.testing.assert_array_equal(hessian[0, 0], np.full((3, 4), 2.0))
    np.testing.assert_array_equal(hessian[1, 1], np.zeros((3, 4)))
    assert f.grad(1.0, 2.0).shape == (2,)
    assert f.hessian(1.0, 2.0).shape == (2, 2)
    assert Function("x^3").grad(2.0).shape == (1,)


def test_hessian_matches_sympy() -> None:
    text = "x^3 y + sin(x y) + e^(x - y^2)"
    f = Function(text)
    x, y = symbol("x"), symbol("y")
    expected = sympy.hessian(f.expr, (x, y))
    for point in [(0.3, -0.7), (1.2, 0.4)]:
        exact = np.array(expected.subs({x: point[0], y: point[1]}).evalf(), dtype=float)
        np.testing.assert_allclose(f.hessian(*point), exact, rtol=1e-12)


def test_gradient_matches_pytorch_autograd() -> None:
    torch = pytest.importorskip("torch")
    f = Function("sin(x) e^y + x^2 y^3 - ln(1 + x^2)")
    for point in [(0.3, -0.7), (1.5, 0.25), (-2.0, 1.1)]:
        tx = torch.tensor(point[0], dtype=torch.float64, requires_grad=True)
        ty = torch.tensor(point[1], dtype=torch.float64, requires_grad=True)
        value = torch.sin(tx) * torch.exp(ty) + tx**2 * ty**3 - torch.log(1 + tx**2)
        value.backward()
        np.testing.assert_allclose(f.grad(*point), [tx.grad.item(), ty.grad.item()], rtol=1e-12)
        assert f(*point) == pytest.approx(value.item(), rel=1e-13)


@given(
    st.floats(-3, 3, allow_nan=False),
    st.floats(-3, 3, allow_nan=False),
)
def test_gradient_agrees_with_central_differences(px: float, py: float) -> None:
    f = Function("x^2 y - cos(x) + y^3/3 + tanh(x y)")
    h = 1e-6
    numeric = [(f(px + h, py) - f(px - h, py)) / (2 * h), (f(px, py + h) - f(px, py - h)) / (2 * h)]
    np.testing.assert_allclose(f.grad(px, py), numeric, rtol=1e-5, atol=1e-5)


def test_complex_inputs_support_the_complex_step() -> None:
    f = Function("sin(x) e^x / (1 + x^2)")
    h = 1e-30
    for point in (0.2, 1.7, -0.9):
        complex_step = f(point + 1j * h).imag / h
        assert complex_step == pytest.approx(f.grad(point)[0], rel=1e-13)
    assert isinstance(f(0.5 + 0.1j), complex)
    constant = Function("3", variables=["x"])
    assert constant(1.0 + 2j) == 3 + 0j


def test_non_finite_values_are_returned_not_raised() -> None:
    assert Function("1/x")(0.0) == np.inf
    assert np.isnan(Function("ln x")(-1.0))
    np.testing.assert_array_equal(Function("sqrt(x)")(np.array([-1.0, 4.0])), [np.nan, 2.0])
    assert Function("x^-1")(2) == 0.5  # integer input is not an integer power error


def test_variables_order_and_choice() -> None:
    assert Function("b + z + a + y + x").variables == ("x", "y", "z", "a", "b")
    assert Function("theta_1 + theta_0").variables == ("theta_0", "theta_1")
    f = Function("x y^2", variables=["y", "x"])
    assert f.variables == ("y", "x")
    assert f(3, 2) == 2 * 3**2
    np.testing.assert_array_equal(f.grad(3, 2), [2 * 2 * 3, 3**2])
    assert Function("x^2", variables="x, y").grad(1, 5).tolist() == [2.0, 0.0]
    with pytest.raises(ParseError, match="also uses y"):
        Function("x y", variables=["x"])
    with pytest.raises(ParseError, match="listed twice"):
        Function("x", variables=["x", "x"])
    with pytest.raises(ParseError, match="not a variable name"):
        Function("x", variables=["x1"])


def test_constants_and_no_variables() -> None:
    f = Function("3")
    assert f.variables == () and f() == 3.0
    g = Function("2", variables=["x"])
    np.testing.assert_array_equal(g(np.arange(3)), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(g.grad(np.arange(3)), [[0.0, 0.0, 0.0]])


def test_wrong_arguments_are_clear_errors() -> None:
    f = Function(SAUNA)
    with pytest.raises(SteepestError, match="takes 2 coordinates"):
        f(1.0, 2.0, 3.0)
    with pytest.raises(SteepestError, match="first axis has length 2"):
        f(np.zeros((3, 4)))
    with pytest.raises(SteepestError, match="unknown variable 'z'"):
        f(x=1, z=2)
    with pytest.raises(SteepestError, match="missing a value for 'y'"):
        f(x=1)
    with pytest.raises(SteepestError, match="numbers"):
        f("a", "b")
    with pytest.raises(ParseError):
        Function("import os")


def test_compiled_once_and_reused(monkeypatch) -> None:
    calls = []
    original = sympy.lambdify

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(function_module.sympy, "lambdify", counting)
    f = Function("x^2 + sin(y)")
    assert len(calls) == 1
    for value in range(5):
        f(value, value)
        f(np.arange(10.0), np.arange(10.0))
    assert len(calls) == 1
    for value in range(3):
        f.grad(value, 1.0)
        f.hessian(value, 1.0)
    assert len(calls) == 3  # one each for the gradient and the Hessian, on first use


def test_piecewise_and_abs_evaluate_elementwise() -> None:
    f = Function("Piecewise((x^2, x < 1), (2x + 1, True))")
    np.testing.assert_array_equal(f(np.array([0.5, 2.0])), [0.25, 5.0])
    np.testing.assert_array_equal(f.grad(np.array([0.5, 2.0])), [[1.0, 2.0]])
    np.testing.assert_array_equal(Function("|x - 1|")(np.array([-1.0, 3.0])), [2.0, 2.0])


def test_derive_and_derivative() -> None:
    f = Function("3x^2 y^3")
    derivation = f.derive("y")
    assert derivation.result == 9 * symbol("x") ** 2 * symbol("y") ** 2
    assert derivation.held_constant == (symbol("x"),)
    g = Function("x^3 - 2x")
    assert g.derive().result == 3 * symbol("x") ** 2 - 2
    assert g.derivative()(2.0) == 10.0
    assert Function(SAUNA).derivative("y")(4.0, 4.0) == pytest.approx(0.0, abs=1e-12)


def test_gradient_and_hessian_expressions() -> None:
    f = Function("x^2 + y^2")
    x, y = symbol("x"), symbol("y")
    assert f.gradient_expr == (2 * x, 2 * y)
    assert f.hessian_expr == sympy.Matrix([[2, 0], [0, 2]])
    np.testing.assert_array_equal(f.grad(2, 3), [4.0, 6.0])


def test_sympy_expressions_with_plain_symbols() -> None:
    x = sympy.Symbol("x")
    f = Function(x**2 + sympy.exp(x))
    assert f.variables == ("x",)
    assert f.grad(0.0)[0] == 1.0
    copy = Function(f)
    assert copy.variables == f.variables and copy(1.0) == f(1.0)


def test_display() -> None:
    f = Function(SAUNA)
    assert repr(f) == f"Function({SAUNA!r}, variables=('x', 'y'))"
    assert str(f).startswith("f(x, y) = ")
    assert "x^2" in str(f)
    assert f._repr_latex_().startswith("$f(x, y) = ")
    assert Function(sympy.Symbol("x") ** 2).text == "x^2"
