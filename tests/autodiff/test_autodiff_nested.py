"""Transforms of transforms: Hessians, grad of grad, forward over reverse.

The derivative rules are NumPy code, so differentiating them again must give
exact higher derivatives.  Checked against PyTorch's double backward.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import steepest as st
from steepest.autodiff import PRIMITIVES

RTOL = 1e-9
ATOL = 1e-11

RNG = np.random.default_rng(2024)


def _uniform(lo: float, hi: float, n: int = 3) -> np.ndarray:
    return RNG.uniform(lo, hi, size=n)


def _away_from_zero(n: int = 3) -> np.ndarray:
    return RNG.uniform(0.3, 2.0, size=n) * np.array([1.0, -1.0, 1.0])[:n]


def torch_cbrt(x):
    return torch.sign(x) * torch.abs(x) ** (1.0 / 3.0)


# name -> (NumPy function, torch function, sampler of each argument)
ELEMENTWISE = {
    "add": (np.add, torch.add, [_uniform(-2, 2), _uniform(-2, 2)]),
    "subtract": (np.subtract, torch.sub, [_uniform(-2, 2), _uniform(-2, 2)]),
    "multiply": (np.multiply, torch.mul, [_uniform(-2, 2), _uniform(-2, 2)]),
    "divide": (np.divide, torch.div, [_uniform(-2, 2), _away_from_zero()]),
    "negative": (np.negative, torch.neg, [_uniform(-2, 2)]),
    "positive": (np.positive, torch.positive, [_uniform(-2, 2)]),
    "power": (np.power, torch.pow, [_uniform(0.4, 2.5), _uniform(-1.5, 2.5)]),
    "square": (np.square, torch.square, [_uniform(-2, 2)]),
    "sqrt": (np.sqrt, torch.sqrt, [_uniform(0.3, 3)]),
    "cbrt": (np.cbrt, torch_cbrt, [_away_from_zero()]),
    "reciprocal": (np.reciprocal, torch.reciprocal, [_away_from_zero()]),
    "exp": (np.exp, torch.exp, [_uniform(-2, 2)]),
    "exp2": (np.exp2, torch.exp2, [_uniform(-2, 2)]),
    "expm1": (np.expm1, torch.expm1, [_uniform(-2, 2)]),
    "log": (np.log, torch.log, [_uniform(0.3, 3)]),
    "log2": (np.log2, torch.log2, [_uniform(0.3, 3)]),
    "log10": (np.log10, torch.log10, [_uniform(0.3, 3)]),
    "log1p": (np.log1p, torch.log1p, [_uniform(-0.6, 3)]),
    "sin": (np.sin, torch.sin, [_uniform(-3, 3)]),
    "cos": (np.cos, torch.cos, [_uniform(-3, 3)]),
    "tan": (np.tan, torch.tan, [_uniform(-1.2, 1.2)]),
    "arcsin": (np.arcsin, torch.asin, [_uniform(-0.9, 0.9)]),
    "arccos": (np.arccos, torch.acos, [_uniform(-0.9, 0.9)]),
    "arctan": (np.arctan, torch.atan, [_uniform(-3, 3)]),
    "sinh": (np.sinh, torch.sinh, [_uniform(-2, 2)]),
    "cosh": (np.cosh, torch.cosh, [_uniform(-2, 2)]),
    "tanh": (np.tanh, torch.tanh, [_uniform(-2, 2)]),
    "arcsinh": (np.arcsinh, torch.asinh, [_uniform(-3, 3)]),
    "arccosh": (np.arccosh, torch.acosh, [_uniform(1.3, 4)]),
    "arctanh": (np.arctanh, torch.atanh, [_uniform(-0.8, 0.8)]),
    "absolute": (np.abs, torch.abs, [_away_from_zero()]),
    "maximum": (
        np.maximum,
        torch.maximum,
        [np.array([0.5, -1.0, 2.0]), np.array([1.0, -2.0, 0.3])],
    ),
    "minimum": (
        np.minimum,
        torch.minimum,
        [np.array([0.5, -1.0, 2.0]), np.array([1.0, -2.0, 0.3])],
    ),
    "fmax": (np.fmax, torch.fmax, [np.array([0.5, -1.0, 2.0]), np.array([1.0, -2.0, 0.3])]),
    "fmin": (np.fmin, torch.fmin, [np.array([0.5, -1.0, 2.0]), np.array([1.0, -2.0, 0.3])]),
    "logaddexp": (np.logaddexp, torch.logaddexp, [_uniform(-2, 2), _uniform(-2, 2)]),
    "logaddexp2": (np.logaddexp2, torch.logaddexp2, [_uniform(-2, 2), _uniform(-2, 2)]),
    "arctan2": (np.arctan2, torch.atan2, [_away_from_zero(), _away_from_zero()]),
    "hypot": (np.hypot, torch.hypot, [_away_from_zero(), _away_from_zero()]),
    "clip": (
        np.clip,
        torch.clamp,
        [np.array([-1.5, 0.2, 1.8]), np.array([-1.0, -1.0, 0.0]), np.array([1.0, 0.5, 1.2])],
    ),
    "copy": (np.copy, torch.clone, [_uniform(-2, 2)]),
    # |x| < y: x / y stays between two jumps of the remainder.
    "remainder": (np.remainder, torch.remainder, [_away_from_zero(), _uniform(2.1, 2.9)]),
    "fmod": (np.fmod, torch.fmod, [_away_from_zero(), _uniform(2.1, 2.9)]),
    # The spread of (v, -v) is |v|: a standard deviation, through its square root.
    "spread_root": (
        lambda v: np.std(np.stack([v, -v]), axis=0),
        lambda v: torch.std(torch.stack([v, -v]), dim=0, unbiased=False),
        [_away_from_zero()],
    ),
}
CONDITION = np.array([True, False, True])


def test_the_elementwise_list_covers_every_elementwise_primitive():
    elementwise = {name for name, prim in PRIMITIVES.items() if prim.partials is not None}
    assert set(ELEMENTWISE) | {"where"} == elementwise


def _objective(prim, split, weights, sum_fn):
    """sum(w p) + (sum p)^2 / 2 with p = prim(parts of v): its Hessian needs both the
    second derivatives of prim and products of its first derivatives."""

    def f(v):
        parts = [v[i : i + split] for i in range(0, len(v), split)]
        p = prim(*parts)
        return sum_fn(weights * p) + 0.5 * sum_fn(p) ** 2

    return f


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_hessian_of_every_elementwise_primitive_matches_torch(name):
    np_fn, torch_fn, args = ELEMENTWISE[name]
    v = np.concatenate(args)
    weights = np.array([0.7, -1.3, 0.4])
    ours = st.hessian(_objective(np_fn, 3, weights, np.sum))(v)
    f_torch = _objective(torch_fn, 3, torch.tensor(weights), torch.sum)
    expected = torch.autograd.functional.hessian(f_torch, torch.tensor(v)).numpy()
    assert ours.shape == (len(v), len(v))
    np.testing.assert_allclose(ours, expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(ours, ours.T, rtol=1e-12, atol=1e-14)


def test_hessian_through_where_matches_torch():
    v = np.array([0.3, -1.1, 0.8, 1.5, 0.2, -0.6])
    weights = np.array([0.7, -1.3, 0.4])

    def f_numpy(v):
        x, y = v[:3], v[3:]
        p = np.where(CONDITION, x**3, np.sin(y) * x)
        return np.sum(weights * p) + 0.5 * np.sum(p) ** 2

    def f_torch(v):
        x, y = v[:3], v[3:]
        p = torch.where(torch.tensor(CONDITION), x**3, torch.sin(y) * x)
        return torch.sum(torch.tensor(weights) * p) + 0.5 * torch.sum(p) ** 2

    expected = torch.autograd.functional.hessian(f_torch, torch.tensor(v)).numpy()
    np.testing.assert_allclose(st.hessian(f_numpy)(v), expected, rtol=RTOL, atol=ATOL)


UNARY = sorted(name for name, (_, _, args) in ELEMENTWISE.items() if len(args) == 1)


@pytest.mark.parametrize("name", UNARY)
def test_grad_of_grad_of_every_unary_primitive_matches_torch(name):
    np_fn, torch_fn, args = ELEMENTWISE[name]
    x0 = float(args[0][0])
    second = st.grad(st.grad(np_fn))(x0)
    assert isinstance(second, float)
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(torch_fn(x), x, create_graph=True)
    if not first.requires_grad:  # a linear function: torch's graph ends here
        expected = 0.0
    else:
        (expected_t,) = torch.autograd.grad(first, x)
        expected = expected_t.item()
    assert second == pytest.approx(expected, rel=RTOL, abs=ATOL)


@pytest.mark.parametrize("x", [-1.5, -0.2, 0.0, 0.4, 2.0])
def test_tanh_derivatives_match_their_formulas(x):
    t = np.tanh(x)
    d1 = st.grad(np.tanh)
    d2 = st.grad(d1)
    d3 = st.grad(d2)
    assert d1(x) == pytest.approx(1 - t**2, rel=1e-13, abs=1e-15)
    assert d2(x) == pytest.approx(-2 * t * (1 - t**2), rel=1e-13, abs=1e-15)
    assert d3(x) == pytest.approx(-2 * (1 - t**2) * (1 - 3 * t**2), rel=1e-12, abs=1e-15)


def test_higher_derivatives_of_polynomials_and_exp():
    f = lambda x: x**5 - 3 * x**2  # noqa: E731
    derivatives = [f]
    for _ in range(5):
        derivatives.append(st.grad(derivatives[-1]))
    x = 1.3
    assert [d(x) for d in derivatives[1:]] == pytest.approx(
        [5 * x**4 - 6 * x, 20 * x**3 - 6, 60 * x**2, 120 * x, 120.0], rel=1e-13
    )
    assert st.grad(st.grad(st.grad(np.exp)))(0.7) == pytest.approx(np.exp(0.7), rel=1e-14)


def test_sigmoid_second_derivative():
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    for x in (-2.0, 0.0, 0.5, 3.0):
        s = sigmoid(x)
        assert st.grad(st.grad(sigmoid))(x) == pytest.approx(
            s * (1 - s) * (1 - 2 * s), rel=1e-12, abs=1e-15
        )


def rosenbrock(v):
    return np.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1.0 - v[:-1]) ** 2)


def test_forward_over_reverse_gives_hessian_vector_products():
    x = np.array([0.3, -0.8, 1.2, 0.5])
    v = np.array([1.0, -0.5, 0.25, 2.0])
    gradient, hvp = st.jvp(st.grad(rosenbrock), (x,), (v,))
    np.testing.assert_allclose(gradient, st.grad(rosenbrock)(x), rtol=1e-14)
    np.testing.assert_allclose(hvp, st.hessian(rosenbrock)(x) @ v, rtol=1e-12, atol=1e-12)


def test_reverse_over_forward_gives_hessian_vector_products():
    x = np.array([0.3, -0.8, 1.2, 0.5])
    v = np.array([1.0, -0.5, 0.25, 2.0])

    def directional_derivative(x):
        return st.jvp(rosenbrock, (x,), (v,))[1]

    np.testing.assert_allclose(
        st.grad(directional_derivative)(x), st.hessian(rosenbrock)(x) @ v, rtol=1e-12
    )


def test_jacobian_of_jacobian_is_the_third_order_tensor():
    def f(x):
        return np.stack([x[0] ** 2 * x[1], np.sin(x[1]) * x[2], x[0] * x[1] * x[2]])

    x = np.array([0.5, -1.0, 2.0])
    second = st.jacobian(st.jacobian(f))(x)
    assert second.shape == (3, 3, 3)
    for i in range(3):
        np.testing.assert_allclose(
            second[i], st.hessian(lambda x, i=i: f(x)[i])(x), rtol=1e-13, atol=1e-15
        )
    x_t = torch.tensor(x)

    def f_torch(x):
        return torch.stack([x[0] ** 2 * x[1], torch.sin(x[1]) * x[2], x[0] * x[1] * x[2]])

    expected = torch.autograd.functional.jacobian(
        lambda x: torch.autograd.functional.jacobian(f_torch, x, create_graph=True), x_t
    )
    np.testing.assert_allclose(second, expected.numpy(), rtol=1e-13, atol=1e-15)


def test_hessian_of_a_softmax_cross_entropy_matches_torch():
    X = RNG.normal(size=(6, 2))
    labels = np.array([0, 2, 1, 1, 0, 2])

    def loss_numpy(flat):
        W = flat.reshape(2, 3)
        logits = X @ W
        log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
        return -np.mean(log_probs[np.arange(6), labels])

    def loss_torch(flat):
        return torch.nn.functional.cross_entropy(
            torch.tensor(X) @ flat.reshape(2, 3), torch.tensor(labels)
        )

    w = RNG.normal(size=6)
    expected = torch.autograd.functional.hessian(loss_torch, torch.tensor(w)).numpy()
    np.testing.assert_allclose(st.hessian(loss_numpy)(w), expected, rtol=RTOL, atol=ATOL)
