"""The worked examples of lessons 5 and 7, computed for real."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.optimize
import scipy.special

import steepest as st

Y_LESSON = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
Y_GRID = np.array([12.0, 13.0, 15.0, 16.0, 17.0])
SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"


def course_mse(theta, y):
    return np.mean((y - theta) ** 2)


def course_grad_mse(theta, y):
    return -2 * np.mean(y - theta)


def course_huber(theta, y, delta=1.0):
    d = np.abs(y - theta)
    return np.mean(np.where(d <= delta, (y - theta) ** 2 / 2.0, delta * (d - delta / 2.0)))


def course_grad_huber(theta, y, delta=1.0):
    d = y - theta
    return np.mean(np.where(np.abs(d) <= delta, -d, -delta * np.sign(d)))


def course_minimize(loss_fn, grad_loss_fn, dataset, alpha=0.2):
    """The course's loop, verbatim in spirit: print, step, stop on a small step."""
    theta, printed = 0, []
    while True:
        printed.append(f"theta: {theta:.2f} | loss: {loss_fn(theta, dataset):.2f}")
        new_theta = theta - alpha * grad_loss_fn(theta, dataset)
        if abs(new_theta - theta) < 0.001:
            return new_theta, printed
        theta = new_theta


@pytest.fixture(scope="module")
def tip_percent() -> np.ndarray:
    tips = st.datasets.load("tips")
    return (100 * tips["tip"] / tips["total_bill"]).to_numpy()


# -- lesson 5 -------------------------------------------------------------------------------


FIVE_STEPS = [1.6, 1.92, 1.984, 1.9968, 1.99936]


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x**2 - 4 * x + 4,  # automatic differentiation
        "x^2 - 4x + 4",  # exact symbolic gradient
    ],
)
def test_five_descent_steps(f):
    res = st.minimize(f, 0.0, lr=0.4, max_iter=5)
    np.testing.assert_allclose(res.history.x[1:], FIVE_STEPS, rtol=1e-12)
    assert res.nit == 5 and res.status == "max_iter"
    assert isinstance(res.x, float)


def test_five_descent_steps_with_user_gradient():
    res = st.minimize(lambda x: x**2 - 4 * x + 4, 0.0, grad=lambda x: 2 * x - 4, lr=0.4, max_iter=5)
    np.testing.assert_allclose(res.history.x[1:], FIVE_STEPS, rtol=1e-12)


@pytest.mark.parametrize("f", [lambda x: -(x**2 - 4 * x + 4), "-(x^2 - 4x + 4)"])
def test_five_ascent_steps_on_minus_f(f):
    res = st.maximize(f, 0.0, lr=0.4, max_iter=5)
    np.testing.assert_allclose(res.history.x[1:], FIVE_STEPS, rtol=1e-12)
    # Values and gradients are of f itself, not of the negated function the loop descends.
    assert res.fun == pytest.approx(-((1.99936 - 2) ** 2))
    assert res.grad == pytest.approx(-2 * 1.99936 + 4)
    assert np.all(np.diff(res.history.loss) > 0)


def test_learning_rates_overshoot_and_creep():
    fast = st.minimize("x^2 - 4x + 4", 0.0, lr=0.9, max_iter=5).history.x - 2
    slow = st.minimize("x^2 - 4x + 4", 0.0, lr=0.1, max_iter=5).history.x - 2
    assert np.all(np.sign(fast[1:]) == -np.sign(fast[:-1]))  # back and forth across 2
    assert np.all(np.diff(slow) > 0) and slow[-1] < 0  # creeping up from below


def test_exp_minus_log_steps_and_minimum():
    f = lambda x: np.exp(x) - np.log(x)  # noqa: E731
    res = st.minimize(f, 0.05, lr=0.005, max_iter=2)
    np.testing.assert_allclose(res.history.grad[:2], [-18.9487, -5.7530], atol=5e-5)
    np.testing.assert_allclose(res.history.x[1:], [0.144744, 0.173509], atol=5e-7)
    omega = scipy.special.lambertw(1.0).real  # Omega e^Omega = 1 solves e^x = 1/x
    assert omega == pytest.approx(0.5671432904, abs=1e-10)
    for method, settings in [("gd", {"lr": 0.1}), ("newton", {})]:
        best = st.minimize(f, 0.05, method=method, tol=1e-12, max_iter=10_000, **settings)
        assert best.status == "converged"
        assert best.x == pytest.approx(omega, abs=1e-9)


@pytest.mark.parametrize("f", [SAUNA, "autodiff"])
def test_sauna_first_two_steps(f):
    if f == "autodiff":

        def f(p):
            x, y = p[0], p[1]
            return 85 - x**2 * (x - 6) * y**2 * (y - 6) / 90

    res = st.minimize(f, [0.5, 0.6], lr=0.05, max_iter=2)
    np.testing.assert_allclose(res.history.grad[0], [-0.1134, -0.0935], atol=1e-12)
    np.testing.assert_allclose(res.history.x[1], [0.50567, 0.604675], atol=1e-12)
    np.testing.assert_allclose(res.history.grad[1], [-0.116191, -0.096146], atol=5e-7)
    np.testing.assert_allclose(res.history.x[2], [0.511480, 0.609482], atol=5e-7)


@pytest.mark.parametrize("method", ["gd", "newton", "armijo"])
def test_sauna_coldest_point(method):
    settings = {"lr": 0.05, "max_iter": 5000} if method == "gd" else {}
    res = st.minimize(SAUNA, [0.5, 0.6], method=method, tol=1e-10, gtol=1e-7, **settings)
    assert res.status == "converged"
    np.testing.assert_allclose(res.x, [4, 4], atol=1e-6)
    assert res.fun == pytest.approx(85 - 16 * (-2) * 16 * (-2) / 90, abs=1e-9)
    assert round(res.fun, 4) == 73.6222


def test_sauna_lbfgs_runs_off_the_domain_and_says_so():
    # Outside 0 <= x, y <= 6 the temperature falls without bound; L-BFGS's long steps find that.
    res = st.minimize(SAUNA, [0.5, 0.6], method="lbfgs", tol=1e-10)
    assert res.status == "diverged"
    assert "unbounded below" in res.message
    assert res.fun < -1e10


# -- lesson 7 -------------------------------------------------------------------------------


def test_grid_search_mse_and_huber():
    grid = np.arange(12, 18, 0.1)
    mse = st.minimize(course_mse, method="grid", grid=grid, data=Y_GRID)
    huber = st.minimize(course_huber, method="grid", grid=grid, data=Y_GRID)
    assert mse.x == pytest.approx(14.6) and mse.x == pytest.approx(Y_GRID.mean())
    assert huber.x == pytest.approx(15.0)
    # Every grid loss is kept, in grid order.
    assert len(mse.history) == grid.size
    np.testing.assert_allclose(mse.history.loss, [course_mse(t, Y_GRID) for t in grid])
    np.testing.assert_allclose(mse.history.x, grid)


def test_grid_search_with_library_losses():
    grid = np.arange(12, 18, 0.1)
    mse = st.minimize(lambda t, y: st.losses.mse(y, t), method="grid", grid=grid, data=Y_GRID)
    huber = st.minimize(st.losses.huber(1), method="grid", grid=grid, data=Y_GRID)
    assert (mse.x, huber.x) == (pytest.approx(14.6), pytest.approx(15.0))


def test_tips_mse_mae_huber(tip_percent):
    assert round(tip_percent.mean(), 2) == 16.08
    assert round(float(np.median(tip_percent)), 2) == 15.48
    mse = st.minimize(st.losses.mse, method="grid", grid=np.arange(0, 50, 0.01), data=tip_percent)
    assert round(mse.x, 2) == 16.08
    mae = st.minimize(st.losses.mae, method="grid", grid=np.arange(0, 50, 0.01), data=tip_percent)
    middle = np.sort(tip_percent)[121:123]  # MAE is flat between the two middle values
    assert middle[0] - 0.01 <= mae.x <= middle[1] + 0.01
    assert middle[0] <= 15.48 <= middle[1]
    huber = st.minimize(
        st.losses.huber(1), method="grid", grid=np.arange(0, 50, 0.1), data=tip_percent
    )
    assert huber.x == pytest.approx(15.5)
    exact = scipy.optimize.minimize_scalar(
        lambda t: course_huber(t, tip_percent), bracket=(14, 17), tol=1e-12
    ).x
    assert abs(huber.x - exact) < 0.05


def test_mse_gradient_and_single_steps():
    assert st.losses.mse.grad(Y_LESSON, 12.0) == pytest.approx(-5.32)
    assert float(st.grad(course_mse)(12.0, Y_LESSON)) == pytest.approx(-5.32)
    for start, rate, expected in [
        (12.0, 1.0, 17.32),
        (12.0, 0.3, 13.596),
        (13.6, 0.3, 14.236),
        (14.24, 0.3, 14.492),
        (14.49, 0.3, 14.592),
    ]:
        res = st.minimize(course_mse, start, data=Y_LESSON, lr=rate, max_iter=1)
        assert res.x == pytest.approx(expected, abs=5e-4)


def test_course_minimize_exactly():
    expected, printed = course_minimize(course_mse, course_grad_mse, Y_LESSON)
    assert expected == 14.658511131035242
    res = st.minimize(course_mse, 0.0, grad=course_grad_mse, data=Y_LESSON, lr=0.2, tol=0.001)
    assert res.x == 14.658511131035242
    assert res.nit == 18 and res.status == "converged"
    lines = res.table().splitlines()
    assert lines == printed and len(lines) == 18
    assert lines[:3] == [
        "theta: 0.00 | loss: 218.76",
        "theta: 5.86 | loss: 81.21",
        "theta: 9.38 | loss: 31.70",
    ]
    assert round(Y_LESSON.mean(), 2) == 14.66


def test_course_minimize_with_automatic_gradient():
    res = st.minimize(course_mse, 0.0, data=Y_LESSON, lr=0.2, tol=0.001)
    assert res.x == pytest.approx(14.658511131035242, abs=1e-12)
    assert res.nit == 18


def test_huber_minimize_on_tips(tip_percent):
    expected, _ = course_minimize(course_huber, course_grad_huber, tip_percent)
    assert expected == 15.506849531471964
    res = st.minimize(
        course_huber, 0.0, grad=course_grad_huber, data=tip_percent, lr=0.2, tol=0.001
    )
    assert res.x == 15.506849531471964
    # A pandas Series works with a user gradient too, and the library's loss agrees.
    series = pd.Series(tip_percent)
    res = st.minimize(course_huber, 0, grad=course_grad_huber, data=series, lr=0.2, tol=0.001)
    assert res.x == 15.506849531471964
    huber = st.losses.huber(1)
    auto = st.minimize(huber, 0.0, data=tip_percent, lr=0.2, tol=0.001)
    assert auto.x == pytest.approx(15.506849531471964, abs=1e-12)
    from_series = st.minimize(course_huber, 0.0, data=series, lr=0.2, tol=0.001)
    assert from_series.x == pytest.approx(15.506849531471964, abs=1e-12)


def quartic(theta, y):
    u = y - theta
    return np.mean((u + 12) * (u + 23) * (u - 14) * (u - 15) / 5000 + 7)


def quartic_grad(theta, y):
    u = y - theta
    return np.mean(-(2 * u**3 + 9 * u**2 - 529 * u - 327) / 2500)


def test_quartic_steps_and_local_minimum():
    y = np.array([0.0])
    assert float(st.grad(quartic)(-21.0, y)) == pytest.approx(quartic_grad(-21.0, y))
    for start, expected in [
        (-21, -9.945),
        (-9.9, -12.641412),
        (-12.6, -14.162808),
        (-14.2, -14.497464),
    ]:
        res = st.minimize(quartic, float(start), data=y, lr=2.5, max_iter=1)
        assert res.x == pytest.approx(expected, abs=1e-6)
    local = st.minimize(quartic, -21.0, data=y, lr=2.5, tol=0.001)
    assert local.status == "converged"
    assert local.x == pytest.approx(-14.5, abs=0.05)
    reference = scipy.optimize.minimize(lambda t: quartic(t[0], y), [-21.0]).x[0]
    assert local.x == pytest.approx(reference, abs=1e-3)
    best = st.minimize(quartic, method="grid", grid=np.arange(-30, 30, 0.01), data=y)
    assert best.x > 0 and best.fun < local.fun - 6  # the global minimum is elsewhere


def test_convexity_chord_test():
    y = np.array([0.0])
    a, b = -12.0, 12.0
    t = np.linspace(0, 1, 101)
    chord_quartic = t * quartic(a, y) + (1 - t) * quartic(b, y)
    curve_quartic = np.array([quartic(v, y) for v in t * a + (1 - t) * b])
    assert np.any(chord_quartic < curve_quartic - 1e-9)  # the chord dips below: not convex
    chord_mse = t * course_mse(a, Y_LESSON) + (1 - t) * course_mse(b, Y_LESSON)
    curve_mse = np.array([course_mse(v, Y_LESSON) for v in t * a + (1 - t) * b])
    assert np.all(chord_mse >= curve_mse - 1e-9)
