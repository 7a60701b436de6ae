"""Lesson 2: the derivative from its limit definition, and what round-off does to it."""

from __future__ import annotations

import numpy as np
import pytest

from steepest.numeric import EPS, derivative, error_sweep, estimate, optimal_step


def square(x):
    return x**2


def test_machine_epsilon_facts():
    assert EPS == 2.220446049250313e-16
    assert np.finfo(float).eps == EPS
    assert 1 + 1e-16 == 1.0
    assert 1 + EPS > 1


@pytest.mark.parametrize(
    ("h", "expected"),
    [(1e-2, 6.01), (1e-3, 6.001), (1e-4, 6.0001), (1e-5, 6.00001)],
)
def test_forward_differences_of_x_squared_at_3(h, expected):
    # (f(3 + h) - f(3)) / h = 6 + h exactly in real arithmetic.
    value = derivative(square, 3.0, method="forward", h=h)
    assert value == pytest.approx(expected, abs=1e-9)
    assert value == pytest.approx(6 + h, rel=1e-9)


def test_forward_difference_with_h_1e_16_is_zero():
    # 3 + 1e-16 rounds back to 3, so the numerator is exactly zero.
    assert 3.0 + 1e-16 == 3.0
    assert derivative(square, 3.0, method="forward", h=1e-16) == 0.0


def test_forward_difference_with_h_1e_16_is_flagged():
    est = estimate(square, 3.0, method="forward", h=1e-16)
    assert est.value == 0.0
    assert not est.reliable
    assert est.error >= 6.0 / 10  # honest about being wrong by 6
    assert "round-off" in est.note


def test_central_difference_with_h_1e_15_is_far_from_6():
    value = derivative(square, 3.0, method="central", h=1e-15)
    assert abs(value - 6.0) > 0.1
    est = estimate(square, 3.0, method="central", h=1e-15)
    assert not est.reliable
    assert est.error >= abs(est.value - 6.0) / 10


def test_best_forward_step_is_about_sqrt_eps_and_gives_6():
    assert optimal_step("forward") == pytest.approx(np.sqrt(EPS))
    assert derivative(square, 3.0, method="forward", h=np.sqrt(EPS)) == pytest.approx(6.0, abs=1e-7)


def test_best_central_step_is_about_cbrt_eps():
    assert optimal_step("central") == pytest.approx(EPS ** (1 / 3))
    assert derivative(square, 3.0, method="central") == pytest.approx(6.0, rel=1e-9)


def test_definition_examples():
    # d/dx 3 = 0, d/dx 3x = 3, d/dx x^2 = 2x
    points = np.array([-2.0, 0.5, 3.0, 10.0])
    np.testing.assert_allclose(derivative(lambda x: 3.0 + 0 * x, points), 0.0, atol=1e-9)
    np.testing.assert_allclose(derivative(lambda x: 3 * x, points), 3.0, rtol=1e-9)
    np.testing.assert_allclose(derivative(square, points), 2 * points, rtol=1e-9)


def test_error_curve_is_v_shaped_for_forward_differences():
    sweep = error_sweep(square, 3.0, exact=6.0, method="forward")
    best = int(np.argmin(sweep.error))
    assert 0 < best < len(sweep.h) - 1
    # Truncation side: the error falls with h (it is h itself for x^2).
    right = sweep.h > 1e-4
    np.testing.assert_allclose(sweep.error[right], sweep.h[right], rtol=1e-5)
    # Round-off side: much worse again at tiny steps.
    assert sweep.error[sweep.h < 1e-13].min() > 100 * sweep.error[best]
    # The minimum sits near sqrt(eps) * max(1, |x|).
    assert 1e-9 < sweep.best_h < 3e-7
    assert sweep.best_error < 1e-7


def test_central_beats_forward_at_their_best_steps():
    f = np.exp
    forward = error_sweep(f, 1.0, exact=np.e, method="forward")
    central = error_sweep(f, 1.0, exact=np.e, method="central")
    assert central.best_error < forward.best_error / 100
    assert central.best_h > forward.best_h
