"""The course's worked examples, computed by automatic differentiation."""

from __future__ import annotations

import numpy as np
import pytest

import steepest as st

# -- lesson 7: the gradient of the mean squared error -------------------------------
Y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])


def mse(theta, y):
    return np.mean((y - theta) ** 2)


def test_mse_gradient_at_12_is_minus_5_32():
    slope = st.grad(lambda th, y: np.mean((y - th) ** 2))(12.0, Y)
    assert isinstance(slope, float)
    assert slope == pytest.approx(-5.32, abs=1e-12)
    # The formula of the lesson: -(2/n) sum (y_i - theta).
    assert slope == pytest.approx(-2.0 / len(Y) * np.sum(Y - 12.0), abs=1e-12)


def test_mse_value_and_gradient_together():
    loss, slope = st.value_and_grad(mse)(12.0, Y)
    assert loss == pytest.approx(np.mean((Y - 12.0) ** 2), rel=1e-14)
    assert loss == pytest.approx(10.918, abs=1e-12)
    assert slope == pytest.approx(-5.32, abs=1e-12)


@pytest.mark.parametrize(
    ("theta", "rate", "expected"),
    [
        (12.0, 1.0, 17.32),  # the overshoot
        (12.0, 0.3, 13.596),
        (13.6, 0.3, 14.236),
        (14.24, 0.3, 14.492),
        (14.49, 0.3, 14.592),
    ],
)
def test_mse_gradient_steps(theta, rate, expected):
    assert theta - rate * st.grad(mse)(theta, Y) == pytest.approx(expected, abs=1e-9)


def test_mse_gradient_descent_reaches_the_mean():
    y = np.array([12.0, 13.0, 15.0, 16.0, 17.0])
    slope = st.grad(mse)
    theta = 0.0
    for _ in range(200):
        step = 0.2 * slope(theta, y)
        theta -= step
        if abs(step) < 1e-10:
            break
    assert theta == pytest.approx(np.mean(y), abs=1e-9)


def test_huber_gradient_matches_the_lesson_formula():
    y = np.array([12.0, 13.0, 15.0, 16.0, 17.0])
    delta = 1.0

    def huber(theta):
        r = y - theta
        return np.mean(np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - delta / 2)))

    for theta in (12.5, 14.6, 15.3, 16.8):
        r = y - theta
        formula = np.mean(np.where(np.abs(r) <= delta, -r, -delta * np.sign(r)))
        assert st.grad(huber)(theta) == pytest.approx(formula, abs=1e-14)


QUARTIC_DATA = np.array([0.0])


def quartic(theta, y=QUARTIC_DATA):
    u = y - theta
    return np.mean((u + 12) * (u + 23) * (u - 14) * (u - 15) / 5000 + 7)


@pytest.mark.parametrize(
    ("theta", "expected"),
    [(-21.0, -9.945), (-9.9, -12.641412), (-12.6, -14.162808), (-14.2, -14.497464)],
)
def test_nonconvex_quartic_steps_settle_in_the_local_minimum(theta, expected):
    u = -theta
    formula = -(2 * u**3 + 9 * u**2 - 529 * u - 327) / 2500
    assert st.grad(quartic)(theta) == pytest.approx(formula, rel=1e-12)
    assert theta - 2.5 * st.grad(quartic)(theta) == pytest.approx(expected, abs=5e-7)


# -- lesson 5: gradient descent ----------------------------------------------------
def test_gradient_descent_on_a_parabola():
    slope = st.grad(lambda x: x**2 - 4 * x + 4)
    x, path = 0.0, []
    for _ in range(5):
        x -= 0.4 * slope(x)
        path.append(x)
    np.testing.assert_allclose(path, [1.6, 1.92, 1.984, 1.9968, 1.99936], rtol=1e-12)


def test_exp_minus_log_steps():
    slope = st.grad(lambda x: np.exp(x) - np.log(x))
    assert slope(0.05) == pytest.approx(-18.9487, abs=5e-5)
    x1 = 0.05 - 0.005 * slope(0.05)
    assert x1 == pytest.approx(0.144744, abs=5e-7)
    assert slope(x1) == pytest.approx(-5.7530, abs=5e-5)
    assert x1 - 0.005 * slope(x1) == pytest.approx(0.173509, abs=5e-7)


def sauna(x, y):
    return 85 - x**2 * (x - 6) * y**2 * (y - 6) / 90


def test_sauna_gradient_descent_steps():
    gradient = st.grad(sauna, argnums=(0, 1))
    g1 = gradient(0.5, 0.6)
    np.testing.assert_allclose(g1, [-0.1134, -0.0935], atol=5e-5)
    p1 = np.array([0.5, 0.6]) - 0.05 * np.array(g1)
    np.testing.assert_allclose(p1, [0.50567, 0.604675], atol=5e-6)
    g2 = gradient(*p1)
    np.testing.assert_allclose(g2, [-0.116191, -0.096146], atol=5e-7)
    np.testing.assert_allclose(p1 - 0.05 * np.array(g2), [0.511480, 0.609482], atol=5e-7)


def test_sauna_coldest_point_has_zero_gradient_and_positive_definite_hessian():
    point = np.array([4.0, 4.0])
    f = lambda p: sauna(p[0], p[1])  # noqa: E731
    np.testing.assert_allclose(st.grad(f)(point), [0.0, 0.0], atol=1e-12)
    assert f(point) == pytest.approx(73.6222, abs=5e-5)
    assert np.all(np.linalg.eigvalsh(st.hessian(f)(point)) > 0)


# -- lesson 4: partial derivatives, chain rule, Jacobian --------------------------------
def test_partial_derivatives():
    assert st.grad(lambda x, y: x**2 + y**2, argnums=(0, 1))(2.0, 3.0) == (4.0, 6.0)
    x, y = 1.5, -0.7
    dx, dy = st.grad(lambda x, y: 3 * x**2 * y**3, argnums=(0, 1))(x, y)
    assert dx == pytest.approx(6 * x * y**3, rel=1e-14)
    assert dy == pytest.approx(9 * x**2 * y**2, rel=1e-14)
    g = st.grad(lambda v: 2 * v[0] + 3 * v[1] ** 2 - np.sin(v[2]))(np.array([1.0, 2.0, 0.5]))
    np.testing.assert_allclose(g, [2.0, 12.0, -np.cos(0.5)], rtol=1e-14)


def test_multivariable_chain_rule():
    def z_of_t(t):
        x, y = 3 * np.sin(2 * t), 4 * np.cos(2 * t)
        return x**2 - 3 * x * y + 2 * y**2

    for t in (0.0, 0.3, 1.1, 2.5):
        expected = -46 * np.sin(4 * t) - 72 * np.cos(4 * t)
        assert st.grad(z_of_t)(t) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_jacobian_rows_are_gradients():
    def f(v):
        return np.stack([v[0] ** 2 * v[1], 5 * v[0] + np.sin(v[1]), v[1] ** 3])

    v = np.array([1.0, 2.0])
    jac = st.jacobian(f)(v)
    assert jac.shape == (3, 2)
    np.testing.assert_allclose(jac, [[4.0, 1.0], [5.0, np.cos(2.0)], [0.0, 12.0]], rtol=1e-14)
    for i in range(3):
        np.testing.assert_allclose(jac[i], st.grad(lambda v, i=i: f(v)[i])(v), rtol=1e-14)


# -- lesson 6: linear regression by calculus -----------------------------------------
POINTS_X = np.array([1.0, 2.0, 3.0])
POINTS_Y = np.array([2.0, 5.0, 3.0])


def cost(m, b):
    return np.sum((m * POINTS_X + b - POINTS_Y) ** 2)


@pytest.mark.parametrize(("m", "b"), [(0.0, 0.0), (1.0, -2.0), (0.5, 7 / 3)])
def test_power_lines_cost_gradient(m, b):
    dm, db = st.grad(cost, argnums=(0, 1))(m, b)
    assert dm == pytest.approx(28 * m + 12 * b - 42, abs=1e-12)
    assert db == pytest.approx(6 * b + 12 * m - 20, abs=1e-12)


def test_power_lines_optimum_and_hessian():
    h = st.hessian(lambda p: cost(p[0], p[1]))(np.array([0.5, 7 / 3]))
    np.testing.assert_allclose(h, [[28.0, 12.0], [12.0, 6.0]], rtol=1e-14)
    assert cost(0.5, 7 / 3) == pytest.approx(4.1667, abs=5e-5)


# -- lesson 8: backpropagation in the small network ----------------------------------
DOSAGE = np.array([0.0, 0.5, 1.0])
OBSERVED = np.array([0.0, 1.0, 0.0])


def softplus(v):
    return np.log(1 + np.exp(v))


def prediction(b3, x=DOSAGE):
    blue = -1.22 * softplus(3.34 * x - 1.43)
    orange = -2.30 * softplus(-3.53 * x + 0.57)
    return blue + orange + b3


def ssr(b3):
    return np.sum((OBSERVED - prediction(b3)) ** 2)


def test_lesson8_predictions_and_ssr():
    np.testing.assert_allclose(prediction(0.0), [-2.60, -1.61, -2.61], atol=5e-3)
    assert ssr(0.0) == pytest.approx(20.4, abs=0.05)
    assert (round(ssr(1.0), 1), round(ssr(2.0), 2), round(ssr(3.0), 2)) == (7.8, 1.11, 0.46)


def test_lesson8_backward_gives_dssr_db3():
    b3 = st.Tensor(0.0, requires_grad=True)
    loss = ssr(b3)
    assert isinstance(loss, st.Tensor)
    assert loss.item() == pytest.approx(20.4, abs=0.05)
    loss.backward()
    assert round(float(b3.grad), 2) == -15.66
    # The chain rule of the lesson: sum of -2 (observed - predicted) times 1.
    assert float(b3.grad) == pytest.approx(np.sum(-2 * (OBSERVED - prediction(0.0))), rel=1e-14)


def test_lesson8_gradient_descent_on_b3():
    slope = st.grad(ssr)
    b3 = 0.0
    slopes, values = [], []
    for _ in range(100):
        s = slope(b3)
        step = 0.1 * s
        b3 -= step
        slopes.append(s)
        values.append(b3)
        if abs(step) < 0.001:
            break
    assert values[0] == pytest.approx(1.57, abs=0.005)
    assert slopes[1] == pytest.approx(-6.26, abs=0.005)
    assert values[1] == pytest.approx(2.19, abs=0.005)
    assert round(b3, 2) == 2.61


def test_lesson8_all_seven_parameters_by_backpropagation():
    names = ["w1", "b1", "w2", "b2", "w3", "w4", "b3"]
    start = [3.34, -1.43, -3.53, 0.57, -1.22, -2.30, 0.0]
    params = {n: st.Tensor(v, requires_grad=True) for n, v in zip(names, start)}
    p = params
    blue = p["w3"] * softplus(p["w1"] * DOSAGE + p["b1"])
    orange = p["w4"] * softplus(p["w2"] * DOSAGE + p["b2"])
    loss = np.sum((OBSERVED - (blue + orange + p["b3"])) ** 2)
    loss.backward()
    # Written out by hand, from the output backwards.
    residual = -2 * (OBSERVED - prediction(0.0))
    sigma1 = 1 / (1 + np.exp(-(3.34 * DOSAGE - 1.43)))
    sigma2 = 1 / (1 + np.exp(-(-3.53 * DOSAGE + 0.57)))
    expected = {
        "b3": np.sum(residual),
        "w3": np.sum(residual * softplus(3.34 * DOSAGE - 1.43)),
        "w4": np.sum(residual * softplus(-3.53 * DOSAGE + 0.57)),
        "b1": np.sum(residual * -1.22 * sigma1),
        "w1": np.sum(residual * -1.22 * sigma1 * DOSAGE),
        "b2": np.sum(residual * -2.30 * sigma2),
        "w2": np.sum(residual * -2.30 * sigma2 * DOSAGE),
    }
    for name in names:
        assert float(params[name].grad) == pytest.approx(expected[name], rel=1e-12), name
