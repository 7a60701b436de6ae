"""Gradients summed in place during the backward sweep equal the sums made afresh.

A value used several times gets one gradient part per use; the sweep adds
each into the array it already holds when nothing else refers to that
array.  The numbers must be those of ``old + part``, and no array the user
or another node holds may change.
"""

from __future__ import annotations

import numpy as np
import pytest

import steepest as st


def many_uses(x):
    return np.sum(x[1:] * x[:-1]) + np.sum(x * x) + np.sum(np.sin(x)) + np.sum(x[:-1] ** 2)


def expected(x):
    g = 2.0 * x + np.cos(x)
    g[:-1] += x[1:] + 2.0 * x[:-1]
    g[1:] += x[:-1]
    return g


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 5, 100_003])
def test_traced_gradient_of_a_value_used_many_times(dtype, n):
    x = np.random.default_rng(n).uniform(-2.0, 2.0, n).astype(dtype)
    g = st.grad(lambda v: many_uses(v))(x)  # a fresh function: traced
    assert g.dtype == dtype and g.shape == x.shape
    tolerance = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(g, expected(x.astype(np.float64)), rtol=tolerance,
                               atol=tolerance)


def test_shared_gradient_parts_are_never_written_over():
    # x + x hands the same gradient object to both uses; y's part must stay its own.
    def f(x, y):
        s = x + x
        return np.sum(s * y) + np.sum(s)

    x, y = np.arange(4.0), np.linspace(1.0, 2.0, 4)
    gx, gy = st.grad(lambda a, b: f(a, b), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, 2.0 * y + 2.0)
    np.testing.assert_array_equal(gy, 2.0 * x)


def test_a_gradient_the_user_holds_is_left_as_it_was():
    x = st.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (x * x).sum().backward()
    held = x.grad
    kept = held.copy()
    (x * x + x).sum().backward()  # accumulates into x.grad
    np.testing.assert_array_equal(held, kept)
    np.testing.assert_array_equal(x.grad, kept + 2.0 * x.data + 1.0)


def test_vjp_cotangent_is_left_as_it_was():
    cotangent = np.array([1.0, -2.0, 0.5])
    before = cotangent.copy()
    _, pullback = st.vjp(lambda v: v * 3.0 + v * v, np.array([1.0, 2.0, 3.0]))
    result = pullback(cotangent)
    np.testing.assert_array_equal(cotangent, before)
    np.testing.assert_allclose(result, before * (3.0 + 2.0 * np.array([1.0, 2.0, 3.0])))
