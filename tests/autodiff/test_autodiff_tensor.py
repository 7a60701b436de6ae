"""Tensor used directly, PyTorch style, and how it behaves inside NumPy code."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import steepest as st
from steepest.errors import DifferentiationError


def test_dtypes():
    assert st.Tensor([1.0, 2.0]).dtype == np.float64
    assert st.Tensor([1, 2]).dtype == np.float64
    assert st.Tensor(np.array([1, 2], dtype=np.int32)).dtype == np.float64
    assert st.Tensor(np.float32([1, 2])).dtype == np.float32
    assert st.Tensor(3).dtype == np.float64
    assert st.Tensor([1, 2], dtype=np.float32).dtype == np.float32


def test_shape_and_conversions():
    t = st.Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    array = t.numpy()
    assert isinstance(array, np.ndarray)
    array[0, 0] = 100.0  # a copy: the tensor is unchanged
    assert t.data[0, 0] == 1.0
    assert st.Tensor(2.5).item() == 2.5
    assert isinstance(st.Tensor(2.5).item(), float)
    assert t.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert [row.tolist() for row in t] == t.tolist()
    assert repr(st.Tensor([1.0, 2.0], requires_grad=True)) == (
        "Tensor([1., 2.], requires_grad=True)"
    )
    with pytest.raises(TypeError):
        len(st.Tensor(1.0))


def test_backward_fills_grad_of_leaves():
    w = st.Tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = st.Tensor(0.5, requires_grad=True)
    x = np.array([0.2, 0.4, 0.6])
    loss = np.sum((w * x + b) ** 2)
    assert isinstance(loss, st.Tensor) and loss.requires_grad and not loss.is_leaf
    assert w.is_leaf and w.grad is None
    loss.backward()
    residual = 2 * (np.array([1.0, -2.0, 3.0]) * x + 0.5)
    np.testing.assert_allclose(w.grad, residual * x)
    assert float(b.grad) == pytest.approx(np.sum(residual))


def test_grad_accumulates_until_zero_grad():
    w = st.Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        np.sum(w**3).backward()
    np.testing.assert_allclose(w.grad, 3 * 3 * np.array([1.0, 4.0]))
    w.zero_grad()
    assert w.grad is None
    np.sum(w).backward()
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


def test_backward_with_an_output_gradient():
    w = st.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = np.exp(w)
    out.backward(np.array([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(w.grad, np.exp([1.0, 2.0, 3.0]) * [1.0, 0.0, 2.0])


def test_shared_subexpressions_add_up():
    x = st.Tensor(1.5, requires_grad=True)
    y = x * x
    z = y * y + y  # y used twice, x reached along four paths
    z.backward()
    assert float(x.grad) == pytest.approx(4 * 1.5**3 + 2 * 1.5)


def test_gradient_descent_writing_data():
    """The lesson's loop: step the leaf's data, forget the gradient, repeat."""
    y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
    theta = st.Tensor(12.0, requires_grad=True)
    np.mean((y - theta) ** 2).backward()
    assert float(theta.grad) == pytest.approx(-5.32)
    theta.data = theta.data - 0.3 * theta.grad
    theta.zero_grad()
    assert theta.item() == pytest.approx(13.596)
    for _ in range(200):
        np.mean((y - theta) ** 2).backward()
        theta.data = theta.data - 0.3 * theta.grad
        theta.zero_grad()
    assert theta.item() == pytest.approx(np.mean(y), abs=1e-10)


def test_no_grad_records_nothing():
    w = st.Tensor([1.0, 2.0], requires_grad=True)
    with st.no_grad():
        v = np.sin(w) * 3
        assert not v.requires_grad
    assert np.sum(w * 2).requires_grad
    np.testing.assert_allclose(v.data, 3 * np.sin([1.0, 2.0]))


def test_detach_cuts_the_graph():
    w = st.Tensor([1.0, 2.0], requires_grad=True)
    loss = np.sum(w * w.detach())
    loss.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])  # not 2 w


def test_tensors_without_requires_grad_are_constants():
    t = st.Tensor([1.0, 2.0])
    out = np.exp(t)
    assert isinstance(out, st.Tensor) and not out.requires_grad
    # Nothing that requires grad went into it: backward says so, as PyTorch does, rather
    # than leave every .grad None without a word.
    with pytest.raises(DifferentiationError, match="nothing to differentiate"):
        out.backward(np.ones(2))
    assert t.grad is None


def test_comparisons_return_plain_boolean_arrays():
    t = st.Tensor([1.0, -2.0, 3.0], requires_grad=True)
    for result in (t > 0, t <= 1.0, t == 3.0, t != t, np.greater(t, 0), np.isfinite(t)):
        assert type(result) is np.ndarray and result.dtype == bool
    seen = []

    def f(x):
        seen.append(type(x > 0))
        return np.sum(x)

    st.grad(f)(np.array([1.0, 2.0]))
    assert seen == [np.ndarray]


def test_sign_floor_and_round_have_zero_gradient():
    x = np.array([-1.3, 0.4, 2.6])
    np.testing.assert_array_equal(st.grad(lambda x: np.sum(np.sign(x) * 5.0 + x))(x), [1.0] * 3)
    np.testing.assert_array_equal(
        st.grad(lambda x: np.sum(np.floor(x) + np.round(x)))(x), [0.0] * 3
    )


def test_tensor_methods_match_numpy_and_torch():
    values = np.array([0.4, 1.3, 2.2])
    w = st.Tensor(values, requires_grad=True)
    total = (
        w.exp().sum()
        + w.log().sum()
        + w.sin().sum()
        + w.cos().sum()
        + w.tanh().sum()
        + w.sqrt().sum()
        + w.abs().sum()
        + w.sigmoid().sum()
        + (w - 1.0).relu().sum()
        + w.mean()
        + w.max()
        + w.prod()
        + w.var()
        + w.std()
    )
    total.backward()
    t = torch.tensor(values, requires_grad=True)
    expected = (
        t.exp().sum()
        + t.log().sum()
        + t.sin().sum()
        + t.cos().sum()
        + t.tanh().sum()
        + t.sqrt().sum()
        + t.abs().sum()
        + t.sigmoid().sum()
        + (t - 1.0).relu().sum()
        + t.mean()
        + t.max()
        + t.prod()
        + t.var(unbiased=False)
        + t.std(unbiased=False)
    )
    expected.backward()
    assert total.item() == pytest.approx(expected.item(), rel=1e-14)
    np.testing.assert_allclose(w.grad, t.grad.numpy(), rtol=1e-12)


def test_python_operators_with_numbers_on_either_side():
    x = st.Tensor(2.0, requires_grad=True)
    y = 3 - x + 1 / x * 4 + 2**x - x / 5 + (-x) * 2 + abs(-x) + +x
    y.backward()
    expected = -1 - 4 / 4 + 4 * np.log(2) - 0.2 - 2 + 1 + 1
    assert float(x.grad) == pytest.approx(expected, rel=1e-14)


def test_vector_helpers_differentiate():
    a = np.array([1.0, 2.0, -1.0])
    b = np.array([0.5, -1.5, 2.0])
    ga, gb = st.grad(lambda a, b: np.sum(np.outer(a, b) ** 2), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, 2 * a * np.sum(b**2))
    np.testing.assert_allclose(gb, 2 * b * np.sum(a**2))
    np.testing.assert_allclose(st.grad(lambda a: np.linalg.norm(a))(a), a / np.linalg.norm(a))
    np.testing.assert_allclose(st.grad(lambda a: np.dot(a, b))(a), b)
    A = np.arange(9.0).reshape(3, 3)
    np.testing.assert_allclose(st.grad(lambda A: np.trace(A))(A), np.eye(3))
    np.testing.assert_allclose(st.grad(lambda a: np.sum(np.diff(a) ** 2))(a), [-2.0, 8.0, -6.0])


def test_indexing_with_repeats_and_masks():
    x = np.array([1.0, -2.0, 3.0, -4.0])
    np.testing.assert_array_equal(st.grad(lambda x: np.sum(x[[0, 0, 0, 3]]))(x), [3, 0, 0, 1])
    np.testing.assert_array_equal(st.grad(lambda x: np.sum(x[x < 0] ** 2))(x), [0, -4, 0, -8])
    M = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(
        st.grad(lambda M: np.sum(M[:, 1:] * 2) + M[1, 0])(M), [[0, 2, 2], [1, 2, 2]]
    )


def test_concatenate_and_stack():
    a, b = np.array([1.0, 2.0]), np.array([3.0])
    ga, gb = st.grad(lambda a, b: np.sum(np.concatenate([a, b]) ** 2), argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, [2.0, 4.0])
    np.testing.assert_array_equal(gb, [6.0])
    g = st.grad(lambda a: np.sum(np.stack([a, 3 * a], axis=1) @ np.array([1.0, 1.0])))(a)
    np.testing.assert_array_equal(g, [4.0, 4.0])


def test_max_and_maximum_share_ties():
    x = np.array([2.0, 2.0, 1.0])
    np.testing.assert_array_equal(st.grad(np.max)(x), [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(st.grad(lambda x: np.sum(np.maximum(x, 2.0)))(x), [0.5, 0.5, 0.0])


def test_power_edge_cases():
    # Negative bases with integer exponents.
    assert st.grad(lambda x: x**3)(-2.0) == 12.0
    assert st.grad(lambda x: x**-2)(-2.0) == pytest.approx(0.25)
    # A traced exponent: d(a^y)/dy = a^y ln a.
    assert st.grad(lambda y: 2.0**y)(3.0) == pytest.approx(8 * np.log(2))
    # Zero base with a traced exponent: 0^y is 0 for y > 0, and so is its slope in y.
    assert st.grad(lambda x, y: x**y, argnums=1)(0.0, 2.0) == 0.0


def test_jacobian_of_a_vector_function_of_a_0d_array():
    jac = st.jacobian(lambda t: np.array([1.0, 2.0]) * t)(np.array(3.0))
    np.testing.assert_array_equal(jac, [1.0, 2.0])


def test_jacobian_of_a_vector_function_of_a_float():
    jac = st.jacobian(lambda t: np.array([1.0, 2.0]) * t)(3.0)
    np.testing.assert_array_equal(jac, [1.0, 2.0])
