"""Every method on the standard test functions, checked against SciPy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

import steepest as st
from steepest.optim import schedules


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosenbrock_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


ROSENBROCK_START = [-1.2, 1.0]

# First-order methods get the hand-written gradient (fast); the others differentiate
# automatically, so both paths are exercised.
ROSENBROCK_RUNS = {
    "adam": {"lr": 0.1, "grad": rosenbrock_grad, "max_iter": 10_000},
    "momentum": {"lr": 2e-3, "grad": rosenbrock_grad, "max_iter": 10_000},
    "nesterov": {"lr": 1e-3, "grad": rosenbrock_grad, "max_iter": 10_000},
    "rmsprop": {
        "lr": schedules.exponential(1e-2, 0.999),
        "grad": rosenbrock_grad,
        "max_iter": 20_000,
    },
    "armijo": {"grad": rosenbrock_grad, "max_iter": 30_000, "gtol": 1e-6},
    "lbfgs": {},
    "newton": {},
}


@pytest.mark.parametrize("method", sorted(ROSENBROCK_RUNS))
def test_rosenbrock_reaches_one_one(method):
    res = st.minimize(
        rosenbrock, ROSENBROCK_START, method=method, tol=1e-10, **ROSENBROCK_RUNS[method]
    )
    assert res.status == "converged", res.message
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-4)
    assert res.fun < 1e-8


def test_rosenbrock_newton_and_lbfgs_are_fast_and_agree_with_scipy():
    newton = st.minimize(rosenbrock, ROSENBROCK_START, method="newton", tol=1e-12)
    assert newton.nit < 50
    lbfgs = st.minimize(rosenbrock, ROSENBROCK_START, method="lbfgs", tol=1e-12)
    assert lbfgs.nit < 100
    reference = scipy.optimize.minimize(
        rosenbrock, ROSENBROCK_START, jac=rosenbrock_grad, method="L-BFGS-B", tol=1e-12
    )
    np.testing.assert_allclose(newton.x, reference.x, atol=1e-6)
    np.testing.assert_allclose(lbfgs.x, reference.x, atol=1e-6)


def test_newton_with_expression_uses_exact_hessian():
    res = st.minimize("(1 - x)^2 + 100 (y - x^2)^2", ROSENBROCK_START, method="newton")
    assert res.status == "converged" and res.nit < 50
    np.testing.assert_allclose(res.x, [1, 1], atol=1e-8)


PROBLEMS = {
    "himmelblau": ("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", [0.0, 0.0]),
    "beale": ("(1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2", [1.0, 1.0]),
    "booth": ("(x + 2y - 7)^2 + (2x + y - 5)^2", [0.0, 0.0]),
    "six_hump_camel": ("(4 - 2.1 x^2 + x^4/3) x^2 + x y + (-4 + 4 y^2) y^2", [-1.0, -0.5]),
}

KNOWN_MINIMA = {
    "himmelblau": [
        (3.0, 2.0),
        (-2.805118, 3.131312),
        (-3.779310, -3.283186),
        (3.584428, -1.848126),
    ],
    "beale": [(3.0, 0.5)],
    "booth": [(1.0, 3.0)],
    "six_hump_camel": [(0.0898420, -0.7126564), (-0.0898420, 0.7126564)],
}

FIRST_ORDER = {
    "gd": {"lr": 0.01},
    "momentum": {"lr": 0.002},
    "nesterov": {"lr": 0.002},
    "adam": {"lr": 0.05},
    "adagrad": {"lr": 0.5},
}


@pytest.fixture(scope="module")
def scipy_answers():
    answers = {}
    for name, (text, start) in PROBLEMS.items():
        f = st.Function(text)
        answers[name] = scipy.optimize.minimize(
            lambda p, f=f: f(*p), start, jac=lambda p, f=f: f.grad(*p), method="BFGS", tol=1e-12
        )
    return answers


@pytest.mark.parametrize("name", sorted(PROBLEMS))
@pytest.mark.parametrize("method", ["lbfgs", "newton", "armijo"])
def test_second_order_and_line_search_agree_with_scipy(name, method, scipy_answers):
    text, start = PROBLEMS[name]
    res = st.minimize(text, start, method=method, tol=1e-12, gtol=1e-9, max_iter=5000)
    assert res.status == "converged", res.message
    reference = scipy_answers[name]
    assert res.fun == pytest.approx(reference.fun, abs=1e-8)
    assert _nearest(res.x, KNOWN_MINIMA[name]) < 1e-5
    if method != "newton":
        # Same start, descent directions: the same basin as SciPy's BFGS.
        np.testing.assert_allclose(res.x, reference.x, atol=1e-5)


@pytest.mark.parametrize("name", ["himmelblau", "booth", "six_hump_camel"])
@pytest.mark.parametrize("method", sorted(FIRST_ORDER))
def test_first_order_methods_reach_a_minimum(name, method, scipy_answers):
    text, start = PROBLEMS[name]
    res = st.minimize(
        text, start, method=method, tol=1e-10, gtol=1e-8, max_iter=20_000, **FIRST_ORDER[method]
    )
    assert res.status == "converged", res.message
    assert _nearest(res.x, KNOWN_MINIMA[name]) < 1e-5
    assert res.fun == pytest.approx(scipy_answers[name].fun, abs=1e-8)
    hessian = st.Function(text).hessian(*res.x)
    assert np.all(np.linalg.eigvalsh(hessian) > 0)  # a true local minimum, not a saddle


def _nearest(x, points):
    return min(float(np.linalg.norm(np.asarray(x) - np.asarray(p))) for p in points)


@pytest.mark.parametrize(
    "method",
    [
        "gd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "adamw",
        "armijo",
        "lbfgs",
        "newton",
    ],
)
def test_every_method_maximizes(method):
    # A concave bowl with its top at (1, -2): ascent finds the top, values are of f itself.
    f = "5 - (x - 1)^2 - 2 (y + 2)^2"
    settings = {"lr": 0.05} if method in ("gd", "momentum", "nesterov", "rmsprop", "adam") else {}
    if method == "adagrad":
        settings = {"lr": 0.5}
    if method == "adamw":
        settings = {"lr": 0.05, "weight_decay": 0.0}
    if method in ("rmsprop", "adam"):
        settings["lr"] = schedules.exponential(0.05, 0.995)
    res = st.maximize(
        f, [0.0, 0.0], method=method, tol=1e-10, gtol=1e-8, max_iter=20_000, **settings
    )
    assert res.status == "converged", res.message
    np.testing.assert_allclose(res.x, [1, -2], atol=1e-5)
    assert res.fun == pytest.approx(5.0, abs=1e-9)
    assert res.history.loss[-1] == pytest.approx(5.0, abs=1e-9)
    assert res.history.loss[-1] > res.history.loss[0]


def test_newton_modifies_an_indefinite_hessian_and_says_so():
    # Start beside the saddle of x^2 - y^2 + y^4/4: plain Newton would jump to the saddle.
    res = st.minimize("x^2 - y^2 + y^4/4", [1.0, 0.1], method="newton", gtol=1e-10)
    assert res.status == "converged"
    np.testing.assert_allclose(np.abs(res.x), [0.0, np.sqrt(2)], atol=1e-8)
    assert res.fun == pytest.approx(-1.0)
    assert "not positive definite" in res.message and "modified" in res.message


def test_newton_hessian_from_user_gradient_by_differences():
    hess_free = st.minimize(
        rosenbrock, ROSENBROCK_START, grad=rosenbrock_grad, method="newton", gtol=1e-8
    )
    assert hess_free.status == "converged" and hess_free.nit < 50
    np.testing.assert_allclose(hess_free.x, [1, 1], atol=1e-6)


def test_newton_with_user_hessian():
    def hess(p):
        x, y = p
        return np.array([[2 - 400 * (y - 3 * x**2), -400 * x], [-400 * x, 200.0]])

    res = st.minimize(
        rosenbrock,
        ROSENBROCK_START,
        grad=rosenbrock_grad,
        hessian=hess,
        method="newton",
        gtol=1e-10,
    )
    assert res.status == "converged" and res.nit < 50


def test_optimizer_objects_are_accepted():
    res = st.minimize(
        rosenbrock,
        ROSENBROCK_START,
        grad=rosenbrock_grad,
        method=st.optim.Momentum(2e-3, beta=0.9),
        tol=1e-10,
        max_iter=10_000,
    )
    assert res.status == "converged" and res.method == "momentum"
    np.testing.assert_allclose(res.x, [1, 1], atol=1e-4)
    adam = st.minimize(
        "x^2 + 10 y^2", [1.0, 1.0], method=st.optim.Adam(0.05), max_iter=3000, tol=None, gtol=1e-8
    )
    np.testing.assert_allclose(adam.x, [0, 0], atol=1e-6)


def test_optax_like_custom_rule():
    class HalfStep:
        def init(self, params):
            return None

        def update(self, grad, state, params, lr):
            return -0.5 * lr * grad, state

    res = st.minimize("(x - 3)^2", 0.0, method=HalfStep(), lr=0.5, max_iter=2)
    np.testing.assert_allclose(res.history.x, [0.0, 1.5, 2.25])


def test_unknown_method_and_bad_options():
    with pytest.raises(st.OptimizationError, match="unknown method 'sgd-ish'"):
        st.minimize("x^2", 1.0, method="sgd-ish")
    with pytest.raises(st.OptimizationError, match="beta"):
        st.minimize("x^2", 1.0, method="momentum", beta=1.5)
    with pytest.raises(st.OptimizationError, match="method gd"):
        st.minimize("x^2", 1.0, method="gd", bogus=1)
    with pytest.raises(st.OptimizationError, match="learning rate"):
        st.minimize("x^2", 1.0, lr=-0.1)


def test_gradient_clipping_limits_the_step():
    res = st.minimize("x^2", 100.0, lr=0.1, clip_norm=1.0, max_iter=3)
    np.testing.assert_allclose(np.diff(res.history.x), [-0.1, -0.1, -0.1])
