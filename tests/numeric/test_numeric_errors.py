"""Bad input and non-finite values: one clear NumericError that names the point."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

from steepest import NumericError, SteepestError
from steepest.numeric import derivative, error_sweep, estimate, gradient, hessian, optimal_step


def test_not_finite_at_x_names_point_and_value():
    with pytest.raises(NumericError) as info:
        derivative(lambda x: np.sin(x) / x, 0.0)
    assert str(info.value) == "f is not finite at x = 0.0: f(0.0) = nan"


def test_not_finite_next_to_x_names_the_neighbour():
    with pytest.raises(NumericError) as info:
        derivative(np.sqrt, 1e-8)  # central: x - h < 0
    message = str(info.value)
    assert message.startswith("f is not finite next to x = 1e-08: f(-6.0")
    assert message.endswith(") = nan")
    point = float(re.search(r"f\((.*?)\)", message).group(1))
    assert point < 0


def test_overflow_is_reported_as_inf():
    with pytest.raises(NumericError, match=r"at x = 710\.0: f\(710\.0\) = inf"):
        estimate(np.exp, 710.0)
    with pytest.raises(NumericError, match=r"next to x = 709\.78.*= inf"):
        derivative(np.exp, 709.78, method="forward", h=1.0)


def test_array_points_are_named_by_index():
    with pytest.raises(NumericError, match=r"at x\[2\] = 0\.0: f\(0\.0\) = inf"):
        derivative(lambda x: 1 / x, np.array([1.0, 2.0, 0.0]))


def test_richardson_falls_back_to_small_steps_but_not_forever():
    # Large steps leave the domain of sqrt; smaller ones are fine.
    assert derivative(np.sqrt, 1e-8, method="richardson") == pytest.approx(5000.0, rel=1e-12)
    # At the edge of the domain no step works.
    with pytest.raises(NumericError, match=r"next to x = 0\.0: f\(-.*\) = nan"):
        estimate(np.sqrt, 0.0, method="richardson")


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: derivative(np.sin, 1.0, method="fancy"), r"unknown method 'fancy'; choose one of"),
        (lambda: derivative(np.sin, 1.0, order=0), r"order must be a positive integer"),
        (lambda: derivative(np.sin, 1.0, method="complex", order=2), r"up to order 1"),
        (lambda: derivative(np.sin, 1.0, method="forward", order=3), r"up to order 2"),
        (lambda: derivative(np.sin, 1.0, h=0.0), r"h must be a positive number"),
        (lambda: derivative(np.sin, 1.0, h=-1e-3), r"h must be a positive number"),
        (lambda: derivative(np.sin, 1.0, h="big"), r"h must be a positive number"),
        (lambda: derivative(np.sin, "one"), r"x must be a real number"),
        (lambda: derivative(np.sin, 1 + 2j), r"x must be a real number"),
        (lambda: optimal_step("secant"), r"unknown method 'secant'"),
        (lambda: error_sweep(np.sin, 1.0, method="richardson"), r"varies the step h"),
        (lambda: error_sweep(np.sin, [1.0, 2.0]), r"one point x"),
        (lambda: gradient(lambda v: v, [1.0, 2.0]), r"gradient needs f to return one number"),
        (lambda: hessian(lambda v: v, [1.0, 2.0]), r"hessian needs f to return one number"),
        (lambda: gradient(np.sum, []), r"x is empty"),
    ],
)
def test_bad_arguments(call, pattern):
    with pytest.raises(NumericError, match=pattern) as info:
        call()
    assert isinstance(info.value, SteepestError)
    assert "\n" not in str(info.value)


def test_complex_step_needs_complex_support():
    with pytest.raises(NumericError, match=r"complex-step method needs f to"):
        derivative(lambda t: math.sin(t), 1.0, method="complex")
    with pytest.raises(NumericError, match=r"returned real values for complex input"):
        derivative(np.abs, 1.0, method="complex")


def test_gradient_names_the_offending_point():
    f = lambda v: np.log(v[0]) + v[1]  # noqa: E731
    with pytest.raises(NumericError) as info:
        gradient(f, [1e-8, 1.0], method="central")
    assert str(info.value) == (
        "f is not finite next to x = [1e-08, 1.0]: f([-6.045454452393343e-06, 1.0]) = nan"
    )
    with pytest.raises(
        NumericError, match=r"^f is not finite at x = \[-1\.0, 1\.0\]: f\(x\) = nan$"
    ):
        gradient(lambda v: np.sqrt(v[0]) + v[1], [-1.0, 1.0])
    # The default method adapts its steps instead of leaving the domain.
    np.testing.assert_allclose(gradient(f, [1e-8, 1.0]), [1e8, 1.0], rtol=1e-12)


@pytest.mark.parametrize("method", ["forward", "central", "complex", "richardson"])
@pytest.mark.parametrize("x", [1e308, -1.79e308, [1e308, 1.0], [1e-310, 5e-324]])
def test_huge_and_tiny_x_give_an_answer_or_one_sentence_in_every_function(method, x):
    # Richardson's first step overflowed (math range error), naming a complex point
    # failed (TypeError), and overflow in the error bounds printed RuntimeWarnings.
    from steepest.numeric import check_grad, jacobian

    def total(v):
        return np.sum(np.sin(v))

    calls = [
        lambda: estimate(np.sin, x, method=method),
        lambda: derivative(lambda t: t * t, x, method=method),
        lambda: gradient(total, x, method=method),
        lambda: jacobian(lambda v: 2 * np.sin(v), x, method=method),
        lambda: hessian(total, np.atleast_1d(x), method=method),
        lambda: check_grad(total, x, method=method),
        lambda: check_grad(total, x, grad=np.cos, method=method),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for call in calls:
            try:
                call()
            except NumericError as exc:
                assert "\n" not in str(exc)
