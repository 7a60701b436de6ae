"""check_grad: reverse-mode autodiff (or a given gradient) against the numerical gradient."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import rosen_der

import steepest as st
from steepest.numeric import check_grad

y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])


def mse(theta):
    return np.mean((y - theta) ** 2)


def rosen(v):
    # Written with plain operations so that autodiff can trace it (scipy's
    # version calls np.asarray); its exact gradient comes from scipy.
    return np.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)


def test_lesson_mse_gradient():
    result = check_grad(mse, 12.0)
    assert result.ok
    assert result.source == "autodiff" and result.method == "complex"
    assert float(result.numeric) == pytest.approx(-5.32, abs=1e-12)
    assert float(result.analytic) == pytest.approx(-5.32, abs=1e-12)
    assert result.max_abs_error < 1e-12


def test_top_level_name():
    assert st.check_grad is check_grad


@pytest.mark.parametrize(
    "f",
    [
        rosen,
        lambda v: np.sum(np.log(1 + np.exp(v)) * np.sin(v)),
        lambda v: np.tanh(v[0] * v[1]) + np.sqrt(1 + v @ v),
    ],
    ids=["rosenbrock", "softplus-sin", "tanh-sqrt"],
)
def test_autodiff_agrees_with_numeric(f):
    x = np.random.default_rng(1).uniform(-1.5, 1.5, 10)
    result = check_grad(f, x)
    assert result.ok, result
    assert result.max_rel_error < 1e-12


def test_wrong_gradient_is_caught_and_located():
    def almost(v):
        g = rosen_der(v)
        g[3] *= 1 + 1e-7  # a bug a loose check would miss
        return g

    x = np.linspace(-1, 1, 8)
    good = check_grad(rosen, x, grad=rosen_der)
    bad = check_grad(rosen, x, grad=almost)
    assert good.ok and good.source == "given gradient"
    assert not bad.ok
    assert bad.worst == (3,)
    assert bad.max_rel_error == pytest.approx(1e-7, rel=1e-3)


def test_user_tolerances_replace_the_error_model():
    def off(v):
        return rosen_der(v) * (1 + 1e-7)

    x = np.linspace(-1, 1, 5)
    assert not check_grad(rosen, x, grad=off).ok
    assert check_grad(rosen, x, grad=off, rtol=1e-6).ok
    assert not check_grad(rosen, x, grad=off, atol=1e-12).ok


def test_richardson_when_f_is_not_analytic():
    f = lambda v: np.sum(np.abs(v) ** 3)  # noqa: E731
    x = np.array([0.5, -1.5, 2.0])
    result = check_grad(f, x, grad=lambda v: 3 * v * np.abs(v))
    assert result.method == "richardson"
    assert result.ok
    assert np.all(result.tolerance < 1e-9 * np.abs(result.numeric))


def test_repr_and_shapes():
    result = check_grad(lambda v: np.sum(v**2), np.ones((2, 2)))
    assert result.analytic.shape == result.numeric.shape == (2, 2)
    assert repr(result).startswith("GradientCheck(ok=True, max_abs_error=")
    with pytest.raises(st.NumericError, match="grad returned shape"):
        check_grad(lambda v: np.sum(v**2), np.ones(3), grad=lambda v: v[:2])


def _boom(v):
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("f", "grad", "names"),
    [
        (_boom, None, "f raised RuntimeError"),
        (_boom, lambda v: 2 * v, "f raised RuntimeError"),
        (lambda v: np.sum(v**2), lambda v: 1 / 0, "grad raised ZeroDivisionError"),
        (lambda v: np.sum(v**2), lambda v: np.ones(3), "grad returned shape (3,)"),
        (lambda v: np.sum(v**2), lambda v: "ab", "grad must return real numbers"),
        (lambda v: np.sum(v**2), lambda v: [1.0, [2.0, 3.0]], "grad must return real numbers"),
        (lambda v: np.sum(v**2), lambda v: 1j * v, "grad must return real numbers"),
        (lambda v: v**2, None, "f to return one number"),
    ],
)
def test_a_failing_f_or_grad_is_named_in_one_sentence(f, grad, names):
    with pytest.raises(st.NumericError) as info:
        check_grad(f, [1.0, 2.0], grad=grad)
    assert names in str(info.value) and "\n" not in str(info.value)
