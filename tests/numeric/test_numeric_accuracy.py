"""Accuracy against mpmath at 50 digits on smooth functions."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from steepest.numeric import derivative, estimate

mpmath.mp.dps = 50

SMOOTH = [
    ("exp", np.exp, mpmath.exp, [-3.0, 0.5, 1.0, 5.0]),
    ("sin", np.sin, mpmath.sin, [0.3, 1.0, 2.0, 10.0]),
    ("cos", np.cos, mpmath.cos, [0.3, 1.0, 3.0]),
    ("tan", np.tan, mpmath.tan, [0.2, 1.0, -1.2]),
    ("sqrt", np.sqrt, mpmath.sqrt, [0.5, 2.0, 10.0, 1e4, 1e8]),
    ("cbrt", np.cbrt, mpmath.cbrt, [0.5, 2.0, 27.0, 1e5]),
    ("power 0.3", lambda x: x**0.3, lambda x: x ** mpmath.mpf("0.3"), [0.7, 3.0, 1e3]),
    ("1/(1+x^2)", lambda x: 1 / (1 + x**2), lambda x: 1 / (1 + x**2), [-2.0, 0.7, 3.0, 40.0]),
    (
        "cubic ratio",
        lambda x: (x**3 - 2 * x + 1) / (x**2 + 3),
        lambda x: (x**3 - 2 * x + 1) / (x**2 + 3),
        [-1.0, 0.5, 2.5, 100.0],
    ),
    ("log", np.log, mpmath.log, [0.5, 2.0, 10.0, 1e3, 1e6, 1e9, 1e12]),
    ("atan", np.arctan, mpmath.atan, [2.0, 5.0, 10.0, 30.0, 100.0]),
    ("tanh", np.tanh, mpmath.tanh, [0.5, 2.0]),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), lambda x: 1 / (1 + mpmath.exp(-x)), [-3.0, 2.0]),
    ("gauss", lambda x: np.exp(-(x**2)), lambda x: mpmath.exp(-(x**2)), [0.3, 1.0, 2.0]),
]

CASES = [
    pytest.param(f, reference, x, id=f"{name}@{x:g}")
    for name, f, reference, points in SMOOTH
    for x in points
]


def exact_derivative(reference, x: float, order: int = 1) -> float:
    return float(mpmath.diff(reference, mpmath.mpf(x), order))


@pytest.mark.parametrize(("f", "reference", "x"), CASES)
def test_richardson_within_1e_12(f, reference, x):
    exact = exact_derivative(reference, x)
    est = estimate(f, x, method="richardson")
    assert est.reliable
    assert abs(est.value - exact) <= 1e-12 * abs(exact)
    assert est.error >= abs(est.value - exact) / 10


@pytest.mark.parametrize(("f", "reference", "x"), CASES)
def test_central_within_model_error(f, reference, x):
    exact = exact_derivative(reference, x)
    est = estimate(f, x, method="central")
    assert est.reliable
    # The error estimate tracks the actual error: rounding inside f (such as
    # x^3 - 2x + 1 near 0.5, where terms of size 1 cancel to 0.04) is only
    # partly visible from outside, hence the factor.
    assert abs(est.value - exact) <= 3 * est.error
    assert est.error <= 1e-7 * abs(exact)
    assert derivative(f, x) == est.value


@pytest.mark.parametrize(
    ("f", "reference", "x"),
    [
        (np.exp, mpmath.exp, 1.0),
        (np.sin, mpmath.sin, 1.0),
        (np.cos, mpmath.cos, 0.5),
        (np.sqrt, mpmath.sqrt, 2.0),
        (np.log, mpmath.log, 3.0),
        (np.arctan, mpmath.atan, 5.0),
        (lambda x: 1 / (1 + x**2), lambda x: 1 / (1 + x**2), 0.7),
        (np.log, mpmath.log, 1e6),
    ],
)
def test_default_central_within_1e_9(f, reference, x):
    exact = exact_derivative(reference, x)
    assert abs(derivative(f, x) - exact) <= 1e-9 * abs(exact)


@pytest.mark.parametrize(
    ("f", "reference", "x"),
    [(np.exp, mpmath.exp, 1.0), (np.sin, mpmath.sin, 2.0), (np.log, mpmath.log, 7.0)],
)
def test_complex_step_to_machine_precision(f, reference, x):
    exact = exact_derivative(reference, x)
    est = estimate(f, x, method="complex")
    assert est.reliable
    assert abs(est.value - exact) <= 4e-16 * abs(exact)
    assert est.error >= abs(est.value - exact)


@pytest.mark.parametrize(
    ("f", "reference", "x"),
    [(np.exp, mpmath.exp, 0.5), (np.sin, mpmath.sin, 1.0), (np.log, mpmath.log, 3.0)],
)
def test_second_derivatives(f, reference, x):
    exact = exact_derivative(reference, x, order=2)
    central = estimate(f, x, method="central", order=2)
    richardson = estimate(f, x, method="richardson", order=2)
    assert abs(central.value - exact) <= max(central.error, 1e-6 * abs(exact))
    assert abs(central.value - exact) <= 1e-6 * abs(exact)
    assert abs(richardson.value - exact) <= 1e-10 * abs(exact)
    assert richardson.error >= abs(richardson.value - exact) / 10


def test_third_and_fourth_derivatives_by_richardson():
    for order in (3, 4):
        exact = exact_derivative(mpmath.exp, 0.3, order)
        assert derivative(np.exp, 0.3, method="richardson", order=order) == pytest.approx(
            exact, rel=1e-8
        )


def test_elementwise_arrays_match_scalar_calls():
    x = np.array([[0.1, 1.0], [2.0, 10.0]])
    for method in ("forward", "backward", "central", "complex", "richardson"):
        together = derivative(np.log, x, method=method)
        assert together.shape == x.shape
        one_by_one = np.array([derivative(np.log, v, method=method) for v in x.ravel()])
        np.testing.assert_allclose(together.ravel(), one_by_one, rtol=1e-12)
        np.testing.assert_allclose(together, 1 / x, rtol=1e-5)


def test_function_written_for_single_numbers_works():
    import math

    assert derivative(math.sin, 1.0, method="richardson") == pytest.approx(math.cos(1.0), rel=1e-12)
    np.testing.assert_allclose(
        derivative(math.exp, [0.0, 1.0], method="central"), [1.0, math.e], rtol=1e-9
    )


def test_estimate_for_arrays_and_repr():
    est = estimate(np.sin, [0.0, 1.0])
    assert est.value.shape == (2,) and est.error.shape == (2,) and est.reliable.all()
    text = repr(estimate(np.exp, 1.0, method="richardson"))
    assert text.startswith("Estimate(value=2.71828182845")
    assert "reliable=True" in text and "method='richardson'" in text
    assert float(estimate(np.exp, 0.0)) == pytest.approx(1.0)
