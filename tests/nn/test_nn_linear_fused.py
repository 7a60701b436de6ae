"""A layer as one operation (F.linear) and the gradients made in their argument's layout.

Each fast path is checked against the plain path it replaces: the layer
written out (``x @ w.T + b``), NumPy's own reductions and broadcasts, and
PyTorch's gradients.  The values of a layer are the same numbers; the
gradients are the same numbers up to the rounding of the matrix products
(BLAS may sum a product's terms in another order when it is computed the
other way round).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import steepest as st
from steepest.autodiff import primitives as P
from steepest.nn import functional as F

DTYPES = [np.float32, np.float64]
# The rounding of a matrix product summed in another order.
RTOL = {np.float32: 1e-5, np.float64: 1e-12}


def _draw(shape: tuple[int, ...], dtype: type, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _written_out(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, weights: np.ndarray):
    """Value and gradients of sum(weights * (x @ w.T + b)) with the expression written out."""
    xs, ws = st.Tensor(x, requires_grad=True), st.Tensor(w, requires_grad=True)
    bs = st.Tensor(b, requires_grad=True) if b is not None else None
    out = xs @ ws.T
    if bs is not None:
        out = out + bs
    np.sum(out * weights).backward()
    return out.data, [t.grad for t in (xs, ws, bs) if t is not None]


def _fused(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, weights: np.ndarray):
    xs, ws = st.Tensor(x, requires_grad=True), st.Tensor(w, requires_grad=True)
    bs = st.Tensor(b, requires_grad=True) if b is not None else None
    out = F.linear(xs, ws, bs)
    np.sum(out * weights).backward()
    return out.data, [t.grad for t in (xs, ws, bs) if t is not None]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", [(), (1,), (5,), (2, 3)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("order", ["C", "F"])
def test_linear_equals_the_layer_written_out(dtype, batch, bias, order):
    x = _draw((*batch, 4), dtype, 0)
    w = np.asarray(_draw((3, 4), dtype, 1), order=order)
    b = _draw((3,), dtype, 2) if bias else None
    weights = _draw((*batch, 3), dtype, 3)
    value, grads = _fused(x, w, b, weights)
    plain_value, plain_grads = _written_out(x, w, b, weights)
    assert value.dtype == plain_value.dtype == dtype
    np.testing.assert_array_equal(value, plain_value)  # the same sums, the same numbers
    for g, plain in zip(grads, plain_grads, strict=True):
        assert g.dtype == plain.dtype and g.shape == plain.shape
        np.testing.assert_allclose(g, plain, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_weight_gradient_comes_in_the_weight_layout(dtype):
    x, g = _draw((6, 4), dtype, 0), _draw((6, 3), dtype, 1)
    for order in "CF":
        w = st.Tensor(np.asarray(_draw((3, 4), dtype, 2), order=order), requires_grad=True)
        np.sum(F.linear(x, w) * g).backward()
        assert w.grad.flags[f"{order}_CONTIGUOUS"]
        np.testing.assert_allclose(w.grad, g.T @ x, rtol=RTOL[dtype], atol=RTOL[dtype])
        # The product written out hands its transpose the same layout.
        w.grad = None
        np.sum((x @ w.T) * g).backward()
        assert w.grad.flags[f"{order}_CONTIGUOUS"]
        np.testing.assert_allclose(w.grad, g.T @ x, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_gradients_follow_each_argument_layout(dtype):
    a_c, b_c = _draw((5, 4), dtype, 0), _draw((4, 3), dtype, 1)
    g = _draw((5, 3), dtype, 2)
    for a_data in (a_c, np.asfortranarray(a_c)):
        for b_data in (b_c, np.asfortranarray(b_c)):
            a, b = st.Tensor(a_data, requires_grad=True), st.Tensor(b_data, requires_grad=True)
            np.sum((a @ b) * g).backward()
            assert a.grad.flags.f_contiguous == a_data.flags.f_contiguous
            assert b.grad.flags.f_contiguous == b_data.flags.f_contiguous
            np.testing.assert_allclose(a.grad, g @ b_c.T, rtol=RTOL[dtype])
            np.testing.assert_allclose(b.grad, a_c.T @ g, rtol=RTOL[dtype])


def test_linear_bias_of_another_dtype_or_shape_is_added_as_written():
    x, w = _draw((5, 4), np.float32, 0), _draw((3, 4), np.float32, 1)
    for b in (_draw((3,), np.float64, 2), np.float32(0.5) * np.ones((1,), np.float32),
              np.asarray(0.25, np.float32), _draw((5, 3), np.float32, 3),
              _draw((1, 3), np.float32, 4)):
        out = F.linear(x, w, b)
        expected = x @ w.T + b
        assert out.dtype == expected.dtype and out.shape == expected.shape
        np.testing.assert_array_equal(out, expected)
        weights = _draw(expected.shape, expected.dtype, 5)
        value, grads = _fused(x, w, b, weights)
        plain_value, plain_grads = _written_out(x, w, b, weights)
        np.testing.assert_array_equal(value, plain_value)
        for g, plain in zip(grads, plain_grads, strict=True):
            assert g.shape == plain.shape and g.dtype == plain.dtype
            np.testing.assert_allclose(g, plain, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_gradients_match_pytorch_and_differences(dtype):
    x, w, b = _draw((7, 4), dtype, 0), _draw((3, 4), dtype, 1), _draw((3,), dtype, 2)
    weights = _draw((7, 3), dtype, 3)
    _, grads = _fused(x, w, b, weights)
    tx, tw, tb = (torch.tensor(v, requires_grad=True) for v in (x, w, b))
    torch.sum(torch.nn.functional.linear(tx, tw, tb) * torch.from_numpy(weights)).backward()
    for g, t in zip(grads, (tx, tw, tb), strict=True):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=RTOL[dtype], atol=RTOL[dtype])
    # And, in float64, central differences of the value through st.grad.
    x64, w64, b64, weights64 = (np.asarray(v, np.float64) for v in (x, w, b, weights))
    gw = st.grad(lambda w: np.sum(F.linear(x64, w, b64) * weights64))(w64)
    step, numeric = 1e-6, np.zeros_like(w64)
    for index in np.ndindex(w64.shape):
        e = np.zeros_like(w64)
        e[index] = step
        numeric[index] = (np.sum((x64 @ (w64 + e).T + b64) * weights64)
                          - np.sum((x64 @ (w64 - e).T + b64) * weights64)) / (2 * step)
    np.testing.assert_allclose(gw, numeric, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("order", ["C", "F"])
def test_a_pytorch_style_training_step_matches_pytorch(dtype, order):
    """The W3 loop in small: Sequential, a hand-written log-softmax with a detached max,
    zero_grad, backward and SGD by hand, three steps, against PyTorch."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 8, 6)).astype(dtype)
    y = np.eye(4, dtype=dtype)[rng.integers(0, 4, (3, 8))]
    ours = st.nn.Sequential(st.nn.Linear(6, 5, seed=1), st.nn.ReLU(), st.nn.Linear(5, 4, seed=2))
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4))
    theirs = theirs.to(torch.float32 if dtype == np.float32 else torch.float64)
    with torch.no_grad():
        for mine, their in zip(ours.parameters(), theirs.parameters(), strict=True):
            mine.data = np.asarray(mine.data.astype(dtype), order=order)
            their.copy_(torch.from_numpy(np.ascontiguousarray(mine.data)))
    for k in range(3):
        logits = ours(x[k])
        shifted = logits - logits.max(axis=1, keepdims=True).detach()
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -(log_probs * y[k]).sum() / 8
        ours.zero_grad()
        loss.backward()
        their_loss = -(torch.log_softmax(theirs(torch.from_numpy(x[k])), dim=1)
                       * torch.from_numpy(y[k])).sum() / 8
        theirs.zero_grad()
        their_loss.backward()
        assert float(loss.data) == pytest.approx(their_loss.item(), rel=10 * RTOL[dtype])
        with torch.no_grad():
            for mine, their in zip(ours.parameters(), theirs.parameters(), strict=True):
                assert mine.grad.dtype == dtype
                assert mine.grad.flags.c_contiguous == mine.data.flags.c_contiguous
                np.testing.assert_allclose(mine.grad, their.grad.numpy(),
                                           rtol=10 * RTOL[dtype], atol=10 * RTOL[dtype])
                mine.data -= 0.1 * mine.grad
                their -= 0.1 * their.grad


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 4), (2 * P.FILLED_AT_MOST,)])
@pytest.mark.parametrize("reduction", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (-1, True)])
def test_reduction_gradients_small_and_large_are_the_broadcast(dtype, shape, reduction, axis,
                                                                keepdims):
    """A small reduction's gradient is a filled array, a large one a broadcast view: the same."""
    x = st.Tensor(_draw(shape, dtype, 0), requires_grad=True)
    out = getattr(x, reduction)(axis=axis, keepdims=keepdims)
    weights = _draw(np.shape(out.data), dtype, 1)
    np.sum(out * weights).backward()
    spread = np.broadcast_to(weights if keepdims or axis is None
                             else np.expand_dims(weights, axis), shape)
    if reduction == "mean":
        expected = spread / (x.size if axis is None else shape[axis])
    elif reduction == "max":
        expected = spread * (x.data == np.max(x.data, axis=axis, keepdims=True))
    else:
        expected = spread
    assert x.grad.dtype == dtype and x.grad.shape == shape
    np.testing.assert_allclose(x.grad, expected, rtol=RTOL[dtype])
    if reduction == "sum":
        np.testing.assert_array_equal(x.grad, expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_broadcast_sums_back_are_numpy_sums(dtype):
    x = st.Tensor(_draw((4, 1, 3), dtype, 0), requires_grad=True)
    y = st.Tensor(_draw((2, 4, 5, 3), dtype, 1), requires_grad=True)
    weights = _draw((2, 4, 5, 3), dtype, 2)
    np.sum((x * y) * weights).backward()
    # np.sum over the added axis, then over the stretched one: the numbers unbroadcast gives.
    leading = np.sum(y.data * weights, axis=(0,))
    np.testing.assert_array_equal(x.grad, np.sum(leading, axis=(1,), keepdims=True))


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_detached_operand_is_a_constant_either_side(dtype):
    z = st.Tensor(_draw((4, 3), dtype, 0), requires_grad=True)
    c = z.max(axis=1, keepdims=True).detach()
    for f in (lambda z, c: z - c, lambda z, c: c - z, lambda z, c: z * c, lambda z, c: c / (z + 9)):
        out = f(z, c)
        plain = f(z, c.data)
        assert type(out) is st.Tensor and out.dtype == plain.dtype
        np.testing.assert_array_equal(out.data, plain.data)
        np.sum(out).backward()
        first = z.grad
        z.grad = None
        np.sum(plain).backward()
        np.testing.assert_array_equal(first, z.grad)
        z.grad = None
    # Two constants: a constant tensor, recording nothing.
    both = c - c
    assert type(both) is st.Tensor and not both.requires_grad


def test_zero_grad_clears_nested_and_shared_parameters():
    shared = st.nn.Linear(2, 2, seed=0)
    inner = st.nn.Sequential(shared, st.nn.Tanh())
    net = st.nn.Sequential(inner, shared, st.nn.Linear(2, 1, seed=1))
    np.sum(net(np.ones((3, 2)))).backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_assigning_data_keeps_a_float_array_and_converts_the_rest():
    p = st.nn.Parameter(np.zeros(3, np.float32))
    values = np.ones(3, np.float32)
    p.data = values
    assert p.data is values
    p.data = np.arange(3)
    assert p.data.dtype == np.float64
    p.data = [1, 2]
    assert p.data.dtype == np.float64 and p.data.tolist() == [1.0, 2.0]


def test_explain_reads_a_layer_as_its_product_and_bias():
    net = st.nn.Sequential(st.nn.Linear(1, 2, seed=0), st.nn.Softplus(), st.nn.Linear(2, 1, seed=1))
    x = np.array([[0.0], [0.5], [1.0]])
    loss = np.sum((net(x)[:, 0] - np.array([0.0, 1.0, 0.0])) ** 2)
    why = st.explain(loss, wrt=net[0].weight)
    text = why.text()
    assert "softplus(c @ weight + bias) @ weight + bias - c" in text
    assert "= weight^T = " in text and "= c^T = " in text
    loss.backward()
    np.testing.assert_allclose(np.reshape(why.value, (2, 1)), net[0].weight.grad, rtol=1e-12)
