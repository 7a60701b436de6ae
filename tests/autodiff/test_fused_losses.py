"""The fused softmax cross-entropy primitive, and the max/min rule ReLU relies on.

The primitive is checked against PyTorch's ``F.cross_entropy`` (values,
gradients, Hessians), against central differences on random shapes, and
through recorded programs, whose later calls must see their own labels.
"""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as hs
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from _ad_reference import assert_close, central_gradient
from hypothesis import given, settings

import steepest as st
from steepest.autodiff import replay
from steepest.autodiff.primitives import softmax_cross_entropy_fn
from steepest.errors import DataError
from steepest.nn import functional as F

HUGE = np.array(
    [
        [1000.0, 0.0, -1000.0, 3.0],
        [-1000.0, -1000.0, -999.0, -1001.0],
        [0.5, 1e4, -2.0, 1e4],
        [1.0, 2.0, 3.0, 4.0],
    ]
)
LABELS = np.array([1, 0, 3, 2])


def _torch_value_and_grad(z: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    t = torch.from_numpy(z.copy()).requires_grad_(True)
    loss = TF.cross_entropy(t, torch.from_numpy(target))
    loss.backward()
    return loss.item(), t.grad.numpy()


@pytest.mark.parametrize(
    ("dtype", "rtol"), [(np.float64, 1e-12), (np.float32, 1e-5)], ids=["float64", "float32"]
)
@pytest.mark.parametrize("target", ["labels", "one-hot"])
def test_value_and_gradient_match_torch_even_for_huge_logits(dtype, rtol, target):
    z = HUGE.astype(dtype)
    y = LABELS if target == "labels" else np.eye(4, dtype=dtype)[LABELS]
    value, gradient = st.value_and_grad(lambda z: softmax_cross_entropy_fn(z, y))(z)
    expected_value, expected_gradient = _torch_value_and_grad(z, y)
    assert np.isfinite(value) and np.all(np.isfinite(gradient))
    assert softmax_cross_entropy_fn(z, y).dtype == dtype and gradient.dtype == dtype
    assert value == pytest.approx(expected_value, rel=rtol)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=rtol, atol=rtol * 1e-3)


def test_soft_targets_match_torch_in_the_logits_and_the_targets():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 3)) * 3
    target = rng.dirichlet(np.ones(3), size=5)
    grads = st.grad(softmax_cross_entropy_fn, argnums=(0, 1))(z, target)
    tz = torch.from_numpy(z).requires_grad_(True)
    ty = torch.from_numpy(target).requires_grad_(True)
    TF.cross_entropy(tz, ty).backward()
    np.testing.assert_allclose(grads[0], tz.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads[1], ty.grad.numpy(), rtol=1e-12, atol=1e-15)


@settings(max_examples=30, deadline=None)
@given(
    hs.tuples(hs.integers(1, 6), hs.integers(1, 5)).flatmap(
        lambda shape: hs.tuples(
            hnp.arrays(np.float64, shape, elements=hs.floats(-20, 20)),
            hs.lists(hs.integers(0, shape[1] - 1), min_size=shape[0], max_size=shape[0]),
            hnp.arrays(np.float64, shape, elements=hs.floats(-2, 2)),
        )
    )
)
def test_gradient_and_jvp_match_central_differences(case):
    z, labels, tangent = case
    labels = np.array(labels)

    def f(z):
        return softmax_cross_entropy_fn(z, labels)

    gradient = st.grad(f)(z)
    assert_close(gradient, central_gradient(f, [z], 0), rtol=1e-6, atol=1e-8)
    # Forward mode: the directional derivative is the gradient along the tangent.
    value, derivative = st.jvp(f, (z,), (tangent,))
    assert value == pytest.approx(float(f(z)), rel=1e-14)
    assert derivative == pytest.approx(float(np.sum(gradient * tangent)), rel=1e-10, abs=1e-12)


def test_hessian_matches_torch():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(3, 4))
    labels = np.array([2, 0, 3])

    def ours(flat):
        return softmax_cross_entropy_fn(flat.reshape(3, 4), labels)

    def theirs(flat):
        return TF.cross_entropy(flat.reshape(3, 4), torch.from_numpy(labels))

    expected = torch.autograd.functional.hessian(theirs, torch.from_numpy(z.ravel())).numpy()
    np.testing.assert_allclose(st.hessian(ours)(z.ravel()), expected, rtol=1e-10, atol=1e-14)


def test_hessian_of_a_relu_network_matches_torch():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(6, 3))
    labels = np.array([0, 1, 2, 1, 0, 2])
    hidden = rng.normal(size=(3, 4))

    def ours(w):
        return F.softmax_cross_entropy(np.maximum(x @ hidden, 0.0) @ w.reshape(4, 3), labels)

    def theirs(w):
        h = torch.relu(torch.from_numpy(x) @ torch.from_numpy(hidden))
        return TF.cross_entropy(h @ w.reshape(4, 3), torch.from_numpy(labels))

    w = rng.normal(size=12)
    expected = torch.autograd.functional.hessian(theirs, torch.from_numpy(w)).numpy()
    np.testing.assert_allclose(st.hessian(ours)(w), expected, rtol=1e-10, atol=1e-14)


def test_recorded_gradient_sees_each_calls_labels():
    # Labels passed as an argument are inputs of the recording, not constants of it.
    rng = np.random.default_rng(8)
    w = rng.normal(size=(3, 4)).astype(np.float32)
    x = rng.normal(size=(5, 3)).astype(np.float32)

    def loss(w, x, labels):
        return F.softmax_cross_entropy(x @ w, labels)

    gradient = st.grad(loss)
    for _ in range(3):
        labels = rng.integers(0, 4, 5)
        expected = st.grad(lambda w, y=labels: loss(w, x, y))(w)  # a new function: traced afresh
        np.testing.assert_allclose(gradient(w, x, labels), expected, rtol=1e-6)
        assert gradient(w, x, labels).dtype == np.float32
    assert any(entry.program is not None for entry in replay._PROGRAMS[id(loss)].values())
    with pytest.raises(DataError, match="out of range"):
        gradient(w, x, np.array([0, 1, 2, 3, 4]))  # checked on a replayed call too


def test_a_pullback_can_be_used_twice():
    z = HUGE[:2, :3]
    _, pullback = st.vjp(lambda z: softmax_cross_entropy_fn(z, LABELS[:2] % 3), z)
    np.testing.assert_array_equal(pullback(1.0), pullback(1.0))
    np.testing.assert_allclose(pullback(2.0), 2 * pullback(1.0))


@pytest.mark.parametrize(
    ("logits", "labels", "message"),
    [
        (np.zeros(3), np.array([0]), "2-d array"),
        (np.zeros((2, 0)), np.array([0, 0]), "at least one class"),
        (np.zeros((2, 3)), np.array([0, 3]), "out of range"),
        (np.zeros((2, 3)), np.array([-1, 0]), "out of range"),
        (np.zeros((2, 3)), np.array([0.5, 1.0]), "out of range"),
        (np.zeros((2, 3)), np.array([np.nan, 1.0]), "out of range"),
        (np.zeros((2, 3)), np.array([0, 1, 2]), r"got shape \(3,\)"),
        (np.zeros((2, 3)), np.zeros((2, 2)), r"or an \(2, 3\) array"),
    ],
)
def test_bad_shapes_and_labels_are_data_errors(logits, labels, message):
    with pytest.raises(DataError, match=message):
        F.softmax_cross_entropy(logits, labels)
    with pytest.raises(DataError, match=message):
        st.grad(lambda z: F.softmax_cross_entropy(z, labels))(logits)


# -- the max/min rule (ReLU) ---------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_relu_gradient_is_half_at_zero_and_keeps_the_dtype(dtype):
    x = np.array([-2.0, 0.0, 3.0, np.nan], dtype=dtype)
    g = st.grad(lambda x: np.sum(np.maximum(x, 0.0)))(x)
    assert g.dtype == dtype
    np.testing.assert_array_equal(g, [0.0, 0.5, 1.0, 0.0])  # NaN compares false: 0
    g = st.grad(lambda x: np.sum(np.minimum(x, 0.0)))(x)
    np.testing.assert_array_equal(g, [1.0, 0.5, 0.0, 0.0])


def test_ties_split_the_gradient_between_both_sides():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 4.0])
    gx, gy = st.grad(lambda x, y: np.sum(np.maximum(x, y)), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(gy, [0.5, 0.0, 1.0])
    assert st.grad(lambda t: np.maximum(t, 1.0))(1.0) == 0.5
