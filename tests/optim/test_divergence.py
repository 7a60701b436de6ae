"""Divergence, oscillation and stalls end the run at once, with advice from what was measured."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hst
from sklearn.datasets import load_diabetes

import steepest as st


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)  # as shipped: already centred and scaled
    return X, y


def mse_with_intercept(p, X, y):
    w, b = p[:-1], p[-1]
    return np.mean((X @ w + b - y) ** 2)


def mse_with_intercept_grad(p, X, y):
    w, b = p[:-1], p[-1]
    r = X @ w + b - y
    return np.concatenate([2 / len(y) * X.T @ r, [2 * np.mean(r)]])


def _threshold_in(message: str) -> float:
    match = re.search(r"2/L = ([0-9.e+-]+)", message)
    assert match, message
    return float(match.group(1))


def test_diabetes_critical_rate_is_one(diabetes):
    X, y = diabetes
    design = np.hstack([X, np.ones((len(y), 1))])
    lipschitz = np.linalg.eigvalsh(2 / len(y) * design.T @ design).max()
    assert 2 / lipschitz == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("automatic", [False, True])
def test_diabetes_diverges_just_above_two_over_l(diabetes, automatic):
    X, y = diabetes
    grad = None if automatic else mse_with_intercept_grad
    res = st.minimize(
        mse_with_intercept, np.zeros(X.shape[1] + 1), args=(X, y), grad=grad, lr=1.01, max_iter=1000
    )
    assert res.status == "diverged"
    assert res.nit < 1000
    assert _threshold_in(res.message) == pytest.approx(1.0, abs=0.02)
    assert "learning rate 1.01 is above 2/L" in res.message
    assert "try 0.5" in res.message
    assert res.lipschitz == pytest.approx(2.0, rel=0.02)
    # The loss really was growing when the run stopped.
    assert res.history.loss[-1] > 3 * res.history.loss[0]


def test_diabetes_does_not_diverge_just_below(diabetes):
    X, y = diabetes
    res = st.minimize(
        mse_with_intercept,
        np.zeros(X.shape[1] + 1),
        args=(X, y),
        grad=mse_with_intercept_grad,
        lr=0.99,
        max_iter=1000,
    )
    assert res.status != "diverged"
    assert res.status == "max_iter"
    assert np.all(np.diff(res.history.loss) <= 1e-9)  # below 2/L the loss never rises


def test_fast_blow_up_is_caught_and_explained():
    res = st.minimize(lambda x: x**2, 1.0, lr=1.5)
    assert res.status == "diverged" and res.nit <= 10
    assert _threshold_in(res.message) == pytest.approx(1.0, abs=1e-6)
    assert "try 0.5" in res.message and "grew" in res.message


def test_non_finite_loss_ends_the_run_at_once():
    # exp overflows to inf after a few huge steps
    res = st.minimize(lambda x: np.exp(x) + x**2, 3.0, lr=50.0, max_iter=1000)
    assert res.status == "diverged"
    assert res.nit < 10
    assert "inf" in res.message or "nan" in res.message


def test_unbounded_below_is_named():
    res = st.minimize(lambda x: -(x**2), 1.0, lr=0.5, max_iter=5000)
    assert res.status == "diverged"
    assert "no minimum" in res.message


def test_oscillation_without_progress_is_reported():
    res = st.minimize(lambda x: x**2, 1.0, lr=1.0, max_iter=1000)  # exactly 2/L: +1, -1, +1...
    assert res.status == "stalled"
    assert "oscillating" in res.message
    assert _threshold_in(res.message) == pytest.approx(1.0)
    assert res.nit < 1000


def test_momentum_advice_uses_its_own_limit():
    # f = x^2 has L = 2; heavy ball with beta 0.5 is stable while lr < 2(1 + 0.5)/2 = 1.5.
    res = st.minimize(lambda x: x**2, 1.0, method="momentum", lr=1.6, beta=0.5, max_iter=2000)
    assert res.status == "diverged"
    assert re.search(r"2\(1 \+ beta\)/L \(beta = 0.5\) = 1.5", res.message), res.message
    stable = st.minimize(lambda x: x**2, 1.0, method="momentum", lr=1.4, beta=0.5, max_iter=5000)
    assert stable.status == "converged"


def test_nesterov_advice_uses_its_own_limit():
    # Nesterov with beta 0.5 on L = 2: stable while lr < 2(1.5)/(2 * 2) = 0.75.
    res = st.minimize(lambda x: x**2, 1.0, method="nesterov", lr=0.8, beta=0.5, max_iter=5000)
    assert res.status == "diverged"
    assert "= 0.750" in res.message
    stable = st.minimize(lambda x: x**2, 1.0, method="nesterov", lr=0.7, beta=0.5, max_iter=5000)
    assert stable.status == "converged"


def test_start_where_the_function_is_not_finite():
    with pytest.raises(st.OptimizationError, match="not finite at the start"):
        st.minimize(lambda x: np.log(x), 0.0)


def test_maximize_divergence_reports_values_of_f():
    res = st.maximize(lambda x: x**2 - 10 * x**4, 1.0, lr=0.5, max_iter=1000)
    assert res.status == "diverged"
    assert res.fun < -1e6 or not np.isfinite(res.fun)


@given(
    eigenvalues=hst.lists(hst.floats(0.1, 10.0), min_size=2, max_size=5),
    factor=hst.floats(1.1, 1.6),
    seed=hst.integers(0, 2**32 - 1),
)
def test_quadratic_divergence_threshold_property(eigenvalues, factor, seed):
    """GD on a random quadratic diverges above 2/L, and the advice names 2/L within 5%."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    hessian = q @ np.diag(eigenvalues) @ q.T
    top = max(eigenvalues)
    start = rng.normal(size=len(eigenvalues)) + q[:, int(np.argmax(eigenvalues))]

    def f(x):
        return 0.5 * x @ hessian @ x

    def grad(x):
        return hessian @ x

    above = st.minimize(f, start, grad=grad, lr=factor * 2 / top, max_iter=5000)
    assert above.status == "diverged"
    assert _threshold_in(above.message) == pytest.approx(2 / top, rel=0.05)
    below = st.minimize(f, start, grad=grad, lr=0.9 * 2 / top, max_iter=300, tol=None)
    assert below.status != "diverged"
    assert np.all(np.diff(below.history.loss) <= 1e-12 * below.history.loss[0])


# -- the monitor's statements, against the rule they were first written as -------------------

_ATTRIBUTES = ("k", "last", "best", "best_at", "since_best", "reversals", "rises", "rise_start",
               "rise_start_at", "lipschitz", "window_loss", "previous_len", "window_step",
               "window_lr", "settled", "fell")


def _reference_observe(m, k, f, f_new, step_len, lr, turn, lengths):
    """The monitor's watch over a step as first written, test by test, to check that
    the statements arranged for fewer operations reach the same state and verdict."""
    from steepest.optim import divergence as d

    change, gradient_length, point_length = lengths
    verdict = None
    m.k, m.last = k, f_new
    if f_new < m.best:
        m.best, m.best_at, m.since_best, m.reversals = f_new, k, 0, 0
        m.window_loss = f_new
    else:
        m.since_best += 1
    if f_new > f:
        if m.rises == 0:
            m.rise_start, m.rise_start_at = f, k - 1
        m.rises += 1
    else:
        m.rises = 0
    if (f_new > f or (f_new == f and m.lipschitz is None)) and step_len > 0:
        secant = change / step_len
        if np.isfinite(secant) and (m.lipschitz is None or secant > m.lipschitz):
            m.lipschitz = secant
    rise = f_new - m.best
    if rise > 0.0 and rise > d.GROWTH_FACTOR * m.f0 and rise > -d.GROWTH_FACTOR * m.f0:
        scale = max(abs(m.f0), abs(m.best), abs(m.f0 - m.best), m.floor)
        if rise > d.BLOWUP_FACTOR * scale or (
                m.rises >= d.GROWTH_PATIENCE and rise > d.GROWTH_FACTOR * scale):
            verdict = "diverged"
    if verdict is None:
        previous = m.previous_len
        m.previous_len = step_len
        if m.since_best:
            if turn is not None and turn < -0.5 * step_len * previous:
                m.reversals += 1
            if m.since_best == 1:
                m.window_step, m.window_lr = step_len, lr
            if m.since_best % d.OSCILLATION_WINDOW == 0:
                m.settled = step_len <= 1e-9 * (1.0 + point_length) or (
                    step_len * gradient_length <= 1e3 * d.EPS * abs(f_new))
                m.fell = m.window_loss - f_new
                m.window_loss = f_new
                if not m.settled:
                    if m.rises >= m.since_best:
                        verdict = "diverged"
                    elif (m.reversals >= 0.8 * m.since_best
                          and step_len >= 0.5 * m.window_step and lr >= m.window_lr):
                        verdict = "oscillating"
                    elif m.since_best >= d.STALL_WINDOW:
                        verdict = "stalled"
    return verdict


# A loss that falls, rises, stays where it was, or blows up; steps of any length (0 too),
# turning back or not; rates that fall or not; with or without a secant known.
_steps = hst.lists(hst.tuples(
    hst.sampled_from(["fall", "rise", "same", "best", "blow"]),
    hst.floats(0.0, 2.0), hst.sampled_from([None, -1.0, 0.0, 0.5]),
    hst.sampled_from([0.1, 0.05]), hst.floats(0.0, 5.0), hst.floats(0.0, 5.0),
    hst.floats(0.0, 5.0)), min_size=1, max_size=400)


@given(f0=hst.sampled_from([0.0, 1.0, -3.0, 85.0, 1e-9, -1e12]),
       lipschitz=hst.sampled_from([None, 0.5]), steps=_steps,
       stretch=hst.sampled_from([1, 60, 1100]))
def test_the_watch_over_a_step_is_the_one_first_written(f0, lipschitz, steps, stretch):
    from steepest.optim.divergence import Monitor

    watched, reference = Monitor(f0), Monitor(f0)
    for m in (watched, reference):
        m.lipschitz, m.floor = lipschitz, 1e-3
    f = f0
    # Repeat the last step's pattern to reach the windows of 50 and the stall at 1000.
    steps = steps + [steps[-1]] * (stretch - 1)
    for k, (kind, size, turn, lr, change, gradient, point) in enumerate(steps, start=1):
        f_new = {"fall": f - size * 1e-3, "rise": f + size, "same": f,
                 "best": reference.best - 1.0 - size, "blow": f + 1e7 * (1.0 + abs(f))}[kind]
        lengths = (change, gradient, point)
        got = watched.observe_numbers(k, f, f_new, size, lr, turn, lambda v: v, lengths)
        expected = _reference_observe(reference, k, f, f_new, size, lr, turn, lengths)
        assert got == expected
        assert all(getattr(watched, name) == getattr(reference, name)
                   or (getattr(watched, name) != getattr(watched, name)
                       and getattr(reference, name) != getattr(reference, name))
                   for name in _ATTRIBUTES), k
        if got is not None:
            break
        f = f_new


_LENGTH = hst.one_of(hst.floats(0.0, allow_infinity=True), hst.just(float("nan")))


@given(turn=hst.floats(allow_nan=True, allow_infinity=True), step_len=_LENGTH,
       previous_len=_LENGTH)
def test_a_step_that_does_not_turn_back_is_told_by_its_sign(turn, step_len, previous_len):
    # The monitor tests ``turn < 0.0`` before it computes the bound of a reversal: lengths
    # are at least 0 (or nan), so the bound is never above 0, and the verdict is the same.
    bound = -0.5 * step_len * previous_len
    assert (turn < 0.0 and turn < bound) == (turn < bound)
