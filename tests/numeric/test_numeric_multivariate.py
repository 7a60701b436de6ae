"""Gradients, Jacobians and Hessians against SciPy's exact Rosenbrock, formulas and PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der, rosen_hess

from steepest.numeric import gradient, hessian, jacobian, jacobian_estimate


def relative(actual: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(actual - expected)) / np.max(np.abs(expected)))


@pytest.fixture(scope="module")
def point50() -> np.ndarray:
    return np.random.default_rng(0).uniform(-2, 2, 50)


@pytest.mark.parametrize(
    ("method", "tolerance"),
    [(None, 1e-12), ("complex", 1e-13), ("richardson", 1e-12), ("central", 1e-8)],
)
def test_rosenbrock_50_gradient(point50, method, tolerance):
    assert relative(gradient(rosen, point50, method=method), rosen_der(point50)) <= tolerance


@pytest.mark.parametrize(("method", "tolerance"), [(None, 1e-9), ("central", 1e-6)])
def test_rosenbrock_50_hessian(point50, method, tolerance):
    assert relative(hessian(rosen, point50, method=method), rosen_hess(point50)) <= tolerance


@pytest.mark.parametrize(
    ("method", "tolerance"),
    [("richardson", 1e-9), ("complex", 1e-9), ("central", 1e-6), ("forward", 1e-4)],
)
def test_rosenbrock_6_hessian_methods(method, tolerance):
    x = np.array([-1.2, 1.0, 0.5, -0.3, 2.0, 1.1])
    assert relative(hessian(rosen, x, method=method), rosen_hess(x)) <= tolerance


def test_backward_hessian():
    x = np.array([0.3, -0.7])
    f = lambda v: np.exp(v[0]) * np.sin(v[1])  # noqa: E731
    exact = np.array(
        [
            [np.exp(x[0]) * np.sin(x[1]), np.exp(x[0]) * np.cos(x[1])],
            [np.exp(x[0]) * np.cos(x[1]), -np.exp(x[0]) * np.sin(x[1])],
        ]
    )
    np.testing.assert_allclose(hessian(f, x, method="backward"), exact, atol=1e-4)


def lesson_function(v):
    # Gradient of 2x + 3y^2 - sin z is (2, 6y, -cos z).
    return 2 * v[0] + 3 * v[1] ** 2 - np.sin(v[2])


@pytest.mark.parametrize(
    "method", [None, "forward", "backward", "central", "complex", "richardson"]
)
def test_lesson_gradient(method):
    x = np.array([1.0, 2.0, 0.5])
    expected = np.array([2.0, 12.0, -np.cos(0.5)])
    tolerance = 1e-6 if method in ("forward", "backward") else 1e-9
    np.testing.assert_allclose(
        gradient(lesson_function, x, method=method), expected, atol=tolerance
    )


def test_sauna_gradient_from_the_lesson():
    sauna = lambda v: 85 - v[0] ** 2 * (v[0] - 6) * v[1] ** 2 * (v[1] - 6) / 90  # noqa: E731
    np.testing.assert_allclose(gradient(sauna, [0.5, 0.6]), [-0.1134, -0.0935], atol=1e-15)


def test_jacobian_shape_and_values():
    def f(v):
        return np.array([v[0] * v[1], np.sin(v[0]) + v[1] ** 2, np.exp(v[1])])

    x = np.array([1.0, 2.0])
    expected = np.array([[2.0, 1.0], [np.cos(1.0), 4.0], [0.0, np.exp(2.0)]])
    for method in (None, "central", "richardson", "complex"):
        result = jacobian(f, x, method=method)
        assert result.shape == (3, 2)
        np.testing.assert_allclose(result, expected, rtol=1e-8, atol=1e-10)


def test_gradient_keeps_the_shape_of_x():
    x = np.arange(6.0).reshape(2, 3) / 5
    g = gradient(lambda m: np.sum(m**3), x)
    assert g.shape == (2, 3)
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-13, atol=1e-15)


def test_functions_without_complex_support_use_richardson():
    f = lambda v: math.sin(v[0]) * math.exp(v[1])  # noqa: E731
    result = jacobian_estimate(f, [0.4, -0.2])
    assert result.method == "richardson"
    expected = [math.cos(0.4) * math.exp(-0.2), math.sin(0.4) * math.exp(-0.2)]
    np.testing.assert_allclose(result.value, expected, rtol=1e-12)
    assert np.all(result.error < 1e-12) and result.reliable.all()


def test_non_analytic_code_fails_the_complex_cross_check():
    f = lambda v: np.sum(np.abs(v) ** 2)  # noqa: E731  gradient 2v
    result = jacobian_estimate(f, [0.5, -1.5])
    assert result.method == "richardson"
    np.testing.assert_allclose(result.value, [1.0, -3.0], rtol=1e-12)


def test_hessian_against_torch():
    torch = pytest.importorskip("torch")

    def f_np(v):
        return np.log(1 + np.exp(v[0] * v[1])) + np.tanh(v[2]) * v[0] ** 2

    def f_torch(v):
        return torch.log(1 + torch.exp(v[0] * v[1])) + torch.tanh(v[2]) * v[0] ** 2

    x = np.array([0.3, -1.1, 0.7])
    expected = torch.autograd.functional.hessian(f_torch, torch.tensor(x, dtype=torch.float64))
    np.testing.assert_allclose(hessian(f_np, x), expected.numpy(), rtol=1e-9, atol=1e-11)
    expected_grad = torch.func.grad(f_torch)(torch.tensor(x, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(gradient(f_np, x), expected_grad, rtol=1e-13)


def test_hessian_is_symmetric():
    h = hessian(lambda v: np.exp(v[0] * v[1]) + v[2] * np.sin(v[0]), [0.2, 0.4, 1.0])
    np.testing.assert_array_equal(h, h.T)


@pytest.mark.parametrize("method", ["forward", "central", "complex", "richardson", None])
def test_hessian_of_one_variable(method):
    # forward and central raised ValueError (no pairs of coordinates to move together)
    value = hessian(lambda v: np.sum(np.sin(v)), [1.0], method=method)
    assert value.shape == (1, 1) and abs(value[0, 0] + np.sin(1.0)) < 1e-5
