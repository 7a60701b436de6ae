"""Learning-rate schedules and every stopping rule."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hst

import steepest as st
from steepest.optim import schedules

# -- schedules --------------------------------------------------------------------------------


@given(k=hst.integers(0, 10_000), lr=hst.floats(1e-4, 10.0))
def test_schedule_formulas(k, lr):
    assert schedules.constant(lr)(k) == lr
    assert schedules.step(lr, every=7, factor=0.3)(k) == pytest.approx(lr * 0.3 ** (k // 7))
    assert schedules.exponential(lr, 0.99)(k) == pytest.approx(lr * 0.99**k)
    assert schedules.inverse_time(lr, 0.1, 0.5)(k) == pytest.approx(lr / (1 + 0.1 * k) ** 0.5)
    cosine = schedules.cosine(lr, period=500, final=0.1 * lr)(k)
    expected = 0.1 * lr + 0.9 * lr * 0.5 * (1 + math.cos(math.pi * min(k, 500) / 500))
    assert cosine == pytest.approx(expected)
    warm = schedules.warmup(lr, steps=20)(k)
    assert warm == pytest.approx(lr * min(1.0, (k + 1) / 20))


def test_schedules_are_monotone_where_they_should_be():
    ks = np.arange(2000)
    for schedule in [
        schedules.step(1.0, 100, 0.5),
        schedules.exponential(1.0, 0.995),
        schedules.inverse_time(1.0, 0.01),
        schedules.cosine(1.0, 1000),
    ]:
        rates = np.array([schedule(k) for k in ks])
        assert np.all(np.diff(rates) <= 0) and rates[0] == 1.0
    ramp = np.array([schedules.warmup(schedules.exponential(1.0, 0.9), steps=10)(k) for k in ks])
    assert np.all(np.diff(ramp[:10]) > 0) and ramp[10] == 1.0 and ramp[11] == pytest.approx(0.9)


def test_parse_round_trips_and_rejects():
    assert schedules.parse("exponential:0.99", 0.1)(2) == pytest.approx(0.1 * 0.99**2)
    assert schedules.parse("step,10,0.5", 1.0)(25) == 0.25
    assert schedules.parse("warmup:4", 0.2)(0) == pytest.approx(0.05)
    assert schedules.parse("constant", 0.3)(99) == 0.3
    for bad, match in [
        ("exponential:fast", "decay must be a number"),
        ("step:1:2:3", "at most 2"),
        ("zigzag", "unknown schedule"),
    ]:
        with pytest.raises(st.OptimizationError, match=match):
            schedules.parse(bad, 0.1)
    with pytest.raises(st.OptimizationError, match="positive"):
        schedules.parse("constant", -1.0)


@pytest.mark.parametrize(
    "lr",
    [schedules.exponential(0.4, 0.9), schedules.step(0.4, 2, 0.5), lambda k: 0.4 / (k + 1)],
)
def test_minimize_uses_and_records_the_schedule(lr):
    res = st.minimize("x^2 - 4x + 4", 0.0, lr=lr, max_iter=6)
    np.testing.assert_allclose(res.history.lr[1:], [lr(k) for k in range(6)])
    x = 0.0
    for k in range(6):
        x -= lr(k) * (2 * x - 4)
    assert res.x == pytest.approx(x, rel=1e-14)


def test_schedule_that_reaches_zero_stops_honestly():
    res = st.minimize("x^2", 1.0, lr=schedules.cosine(0.01, period=20), max_iter=100)
    assert res.status == "stopped"
    assert "learning rate reached 0" in res.message
    with pytest.raises(st.OptimizationError, match="rates must be >= 0"):
        st.minimize("x^2", 1.0, lr=lambda k: -0.1)


# -- stopping ---------------------------------------------------------------------------------


def test_tol_takes_the_small_step_and_returns_its_end():
    res = st.minimize("x^2", 1.0, lr=0.25, tol=1e-3)
    # x_k = 0.5^k; the step into x_k is 0.5^k long; the first shorter than 1e-3 is k = 10.
    assert res.nit == 10 and res.x == 0.5**10
    assert res.status == "converged" and "tol = 0.001" in res.message


def test_gtol_and_ftol():
    res = st.minimize("x^2", 1.0, lr=0.25, tol=None, gtol=1e-3)
    assert res.status == "converged" and abs(res.grad) <= 1e-3 < abs(2 * 0.5 ** (res.nit - 1))
    at_start = st.minimize("x^2", 0.0, gtol=1e-8)
    assert at_start.nit == 0 and at_start.status == "converged"
    res = st.minimize("x^2 + 1", 1.0, lr=0.25, tol=None, ftol=1e-6)
    assert res.status == "converged" and "ftol" in res.message
    losses = res.history.loss
    assert abs(losses[-1] - losses[-2]) <= 1e-6 * max(abs(losses[-2]), 1.0)
    assert abs(losses[-2] - losses[-3]) > 1e-6 * max(abs(losses[-3]), 1.0)


def test_max_iter_zero_and_default():
    assert st.minimize("x^2", 1.0, max_iter=0).nit == 0
    res = st.minimize("x^2 + y^2", [3.0, 4.0], lr=1e-4, tol=None)
    assert res.nit == 1000 and res.status == "max_iter"
    assert "still improving" in res.message


def test_max_time_stops_the_run():
    def slow(x):
        time.sleep(0.002)
        return x**2

    res = st.minimize(
        slow, 1.0, grad=lambda x: 2 * x, lr=1e-6, max_time=0.05, max_iter=10**6, tol=None
    )
    assert res.status == "stopped" and "max_time" in res.message
    assert 1 <= res.nit < 1000


def test_callback_sees_each_step_and_can_stop():
    seen = []

    def callback(info):
        seen.append(info)
        return info.loss < 0.01

    res = st.minimize("x^2", 1.0, lr=0.25, callback=callback)
    assert res.status == "stopped" and "callback" in res.message
    assert [info.iteration for info in seen] == list(range(1, res.nit + 1))
    assert seen[-1].loss < 0.01 <= seen[-2].loss
    assert seen[0].x == 0.5 and seen[0].grad == 1.0 and seen[0].lr == 0.25
    assert seen[0].step == 0.5


def test_bad_settings_are_clear_errors():
    for kwargs, match in [
        ({"tol": -1}, "tol"),
        ({"max_iter": 2.5}, "max_iter"),
        ({"batch_size": 0, "data": np.ones(3)}, "batch_size"),
        ({"callback": 3}, "callback"),
        ({"clip_norm": 0}, "clip_norm"),
    ]:
        with pytest.raises(st.OptimizationError, match=match):
            st.minimize("x^2", 1.0, **kwargs)
    with pytest.raises(st.OptimizationError, match="starting point"):
        st.minimize("x^2", "one")
    with pytest.raises(st.OptimizationError, match="2 variables"):
        st.minimize("x^2 + y^2", [1.0, 2.0, 3.0])
    with pytest.raises(st.OptimizationError, match="x0 is required"):
        st.minimize("x^2")
    with pytest.raises(st.SteepestError, match="one number"):
        st.minimize(lambda x: x * np.ones(3), 1.0)
    with pytest.raises(st.OptimizationError, match="gradient has 3 entries"):
        st.minimize(lambda x: x @ x, np.ones(2), grad=lambda x: np.ones(3))
    with pytest.raises(st.ParseError):
        st.minimize("x^^2", 1.0)
    with pytest.raises(st.OptimizationError, match="needs grid="):
        st.minimize("x^2", method="grid")


def test_differentiation_errors_propagate():
    with pytest.raises(st.DifferentiationError):
        st.minimize(lambda x: math.sin(x), 1.0)


# -- a schedule's rates run out -------------------------------------------------------------

ROSENBROCK = "(1-x)^2 + 100*(y-x^2)^2"


@pytest.mark.parametrize("callback", [None, lambda _iterate: None])
def test_more_steps_are_not_advised_where_the_rates_have_run_out(callback):
    rate = schedules.exponential(0.5, 0.99)
    res = st.minimize(ROSENBROCK, [0.3, -0.1], method="rmsprop", lr=rate, callback=callback)
    assert res.status == "max_iter" and "allow more steps" not in res.message
    assert "the learning rate has decayed to 2.2e-05 (exponential(0.5, decay=0.99))" in (
        res.message)
    # Followed anyway, ten times more steps barely move the point.
    more = st.minimize(ROSENBROCK, [0.3, -0.1], method="rmsprop", lr=rate, max_iter=10000)
    assert np.linalg.norm(more.x - res.x) < 0.01 and more.fun > 0.02


@pytest.mark.parametrize(("rate", "method"), [
    (schedules.inverse_time(0.001, decay=0.1), "gd"), (schedules.exponential(1e-4, 0.9999),
                                                       "gd"),
    (schedules.inverse_time(0.01, decay=0.1), "adam"),
])
def test_a_schedule_with_rates_left_keeps_allow_more_steps(rate, method):
    res = st.minimize("x^2", 5.0, lr=rate, method=method)
    assert res.message.endswith("allow more steps or a larger learning rate"), res.message


def test_a_step_made_short_by_a_decayed_rate_is_no_convergence():
    # The rate fell 10^4 times, the gradient 7 times: x stops at 0.67 on x^2.
    res = st.minimize("x^2", 5.0, lr=schedules.exponential(0.01, 0.99))
    assert res.status == "stalled" and abs(res.x - 0.67) < 0.01
    assert "the steps are short because the learning rate" in res.message
    # A schedule under which the gradient vanishes first still converges.
    res = st.minimize("x^2", 5.0, lr=schedules.exponential(0.1, 0.999))
    assert res.status == "converged" and abs(res.x) < 1e-5
