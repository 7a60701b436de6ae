"""steepest against PyTorch autograd (float64): the same models, written twice.

The steepest side is plain NumPy code; the PyTorch side is ordinary torch code.
Gradients, Jacobians and Hessians must agree to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import steepest as st

RTOL = 1e-10
ATOL = 1e-12


def to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy()


def torch_grads(f, *arrays: np.ndarray) -> list[np.ndarray]:
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    f(*tensors).backward()
    return [to_numpy(t.grad) for t in tensors]


# -- a softmax cross-entropy MLP ---------------------------------------------------
def mlp_loss_numpy(W1, b1, W2, b2, X, labels):
    hidden = np.tanh(X @ W1 + b1)
    logits = hidden @ W2 + b2
    top = np.max(logits, axis=1, keepdims=True)  # the usual shift for a stable softmax
    log_norm = top + np.log(np.sum(np.exp(logits - top), axis=1, keepdims=True))
    log_probs = logits - log_norm
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def mlp_loss_torch(W1, b1, W2, b2, X, labels):
    logits = torch.tanh(X @ W1 + b1) @ W2 + b2
    return F.cross_entropy(logits, labels)


@pytest.fixture
def mlp_problem():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(16, 4))
    labels = rng.integers(0, 3, size=16)
    params = [
        rng.normal(size=(4, 5)) * 0.7,
        rng.normal(size=5) * 0.1,
        rng.normal(size=(5, 3)) * 0.7,
        rng.normal(size=3) * 0.1,
    ]
    return params, X, labels


def test_softmax_cross_entropy_mlp_gradients_match_torch(mlp_problem):
    params, X, labels = mlp_problem
    loss, grads = st.value_and_grad(mlp_loss_numpy, argnums=(0, 1, 2, 3))(*params, X, labels)
    X_t, labels_t = torch.tensor(X), torch.tensor(labels)
    expected = torch_grads(lambda *p: mlp_loss_torch(*p, X_t, labels_t), *params)
    torch_loss = mlp_loss_torch(*[torch.tensor(p) for p in params], X_t, labels_t).item()
    assert loss == pytest.approx(torch_loss, rel=1e-12)
    for g, e, p in zip(grads, expected, params):
        assert g.shape == p.shape
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)


def test_mlp_gradient_with_respect_to_the_data_too(mlp_problem):
    params, X, labels = mlp_problem
    g_X = st.grad(mlp_loss_numpy, argnums=4)(*params, X, labels)
    labels_t = torch.tensor(labels)
    (expected,) = torch_grads(
        lambda x: mlp_loss_torch(*[torch.tensor(p) for p in params], x, labels_t), X
    )
    np.testing.assert_allclose(g_X, expected, rtol=RTOL, atol=ATOL)


def test_float32_stays_float32_and_agrees_with_torch_float32(mlp_problem):
    params, X, labels = mlp_problem
    params32 = [p.astype(np.float32) for p in params]
    X32 = X.astype(np.float32)
    loss, grads = st.value_and_grad(mlp_loss_numpy, argnums=(0, 1, 2, 3))(*params32, X32, labels)
    tensors = [torch.tensor(p, requires_grad=True) for p in params32]
    torch_loss = mlp_loss_torch(*tensors, torch.tensor(X32), torch.tensor(labels))
    torch_loss.backward()
    # The loss was computed in float32: it agrees with float32 torch, not with float64.
    assert loss == pytest.approx(torch_loss.item(), rel=1e-6)
    for g, t in zip(grads, tensors):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, to_numpy(t.grad), rtol=2e-5, atol=2e-6)


def test_float32_tensor_backward_keeps_float32():
    w = st.Tensor(np.array([0.5, -1.5, 2.0], dtype=np.float32), requires_grad=True)
    loss = np.sum(np.exp(w) * w)
    assert loss.dtype == np.float32
    loss.backward()
    assert w.grad.dtype == np.float32
    w_t = torch.tensor([0.5, -1.5, 2.0], dtype=torch.float32, requires_grad=True)
    torch.sum(torch.exp(w_t) * w_t).backward()
    np.testing.assert_allclose(w.grad, to_numpy(w_t.grad), rtol=1e-6)


# -- the lesson 8 network: all seven parameters --------------------------------
DOSAGE = np.array([0.0, 0.5, 1.0])
OBSERVED = np.array([0.0, 1.0, 0.0])
LESSON8 = np.array([3.34, -1.43, -3.53, 0.57, -1.22, -2.30, 0.0])  # w1 b1 w2 b2 w3 w4 b3


def ssr_numpy(w1, b1, w2, b2, w3, w4, b3):
    blue = w3 * np.log(1 + np.exp(w1 * DOSAGE + b1))
    orange = w4 * np.log(1 + np.exp(w2 * DOSAGE + b2))
    return np.sum((OBSERVED - (blue + orange + b3)) ** 2)


def ssr_torch(w1, b1, w2, b2, w3, w4, b3):
    x, observed = torch.tensor(DOSAGE), torch.tensor(OBSERVED)
    prediction = w3 * F.softplus(w1 * x + b1) + w4 * F.softplus(w2 * x + b2) + b3
    return torch.sum((observed - prediction) ** 2)


@pytest.mark.parametrize("b3", [0.0, 1.0, 2.61])
def test_lesson8_network_all_seven_gradients_match_torch(b3):
    params = [*LESSON8[:6], b3]
    grads = st.grad(ssr_numpy, argnums=tuple(range(7)))(*params)
    expected = torch_grads(ssr_torch, *[np.float64(p) for p in params])
    assert all(isinstance(g, float) for g in grads)
    np.testing.assert_allclose(grads, expected, rtol=RTOL, atol=ATOL)


def test_lesson8_network_with_tensors_and_backward_matches_torch():
    params = [st.Tensor(p, requires_grad=True) for p in LESSON8]
    ssr_numpy(*params).backward()
    expected = torch_grads(ssr_torch, *LESSON8)
    np.testing.assert_allclose([p.grad for p in params], expected, rtol=RTOL, atol=ATOL)


# -- Rosenbrock, Huber ---------------------------------------------------------------
def rosenbrock_numpy(v):
    return np.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1.0 - v[:-1]) ** 2)


def rosenbrock_torch(v):
    return torch.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1.0 - v[:-1]) ** 2)


ROSENBROCK_POINTS = [
    np.array([-1.2, 1.0]),
    np.array([1.0, 1.0, 1.0]),
    np.array([0.3, -0.7, 1.9, 0.4, -1.1]),
]


@pytest.mark.parametrize("point", ROSENBROCK_POINTS)
def test_rosenbrock_gradient_and_hessian_match_torch(point):
    np.testing.assert_allclose(
        st.grad(rosenbrock_numpy)(point),
        torch_grads(rosenbrock_torch, point)[0],
        rtol=RTOL,
        atol=ATOL,
    )
    expected = torch.autograd.functional.hessian(rosenbrock_torch, torch.tensor(point))
    np.testing.assert_allclose(
        st.hessian(rosenbrock_numpy)(point), to_numpy(expected), rtol=RTOL, atol=ATOL
    )


def test_rosenbrock_minimum_has_zero_gradient_and_known_hessian():
    np.testing.assert_array_equal(st.grad(rosenbrock_numpy)(np.ones(2)), [0.0, 0.0])
    np.testing.assert_allclose(
        st.hessian(rosenbrock_numpy)(np.ones(2)), [[802.0, -400.0], [-400.0, 200.0]]
    )


def huber_numpy(theta, y, delta=1.0):
    r = y - theta
    return np.mean(np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta)))


def huber_torch(theta, y, delta=1.0):
    return F.huber_loss(torch.full_like(y, 0.0) + theta, y, delta=delta, reduction="mean")


@pytest.mark.parametrize("theta", [12.0, 14.6, 15.0, 15.5, 17.3])
def test_huber_with_where_matches_torch(theta):
    y = np.array([12.0, 13.0, 15.0, 16.0, 17.0])
    ours = st.grad(huber_numpy)(theta, y)
    theta_t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    huber_torch(theta_t, torch.tensor(y)).backward()
    assert ours == pytest.approx(theta_t.grad.item(), abs=1e-14)
    assert huber_numpy(theta, y) == pytest.approx(
        huber_torch(torch.tensor(theta, dtype=torch.float64), torch.tensor(y)).item(), rel=1e-14
    )


# -- Jacobians and Hessians ------------------------------------------------------------
def polar_numpy(v):
    r, phi, z = v[0], v[1], v[2]
    return np.stack([r * np.cos(phi), r * np.sin(phi), z * r, np.exp(z) / (1 + r**2)])


def polar_torch(v):
    r, phi, z = v[0], v[1], v[2]
    return torch.stack([r * torch.cos(phi), r * torch.sin(phi), z * r, torch.exp(z) / (1 + r**2)])


def softmax_numpy(v):
    e = np.exp(v - np.max(v))
    return e / np.sum(e)


def test_jacobians_match_torch():
    v = np.array([1.5, 0.4, -0.3])
    pairs = [(polar_numpy, polar_torch), (softmax_numpy, lambda t: torch.softmax(t, 0))]
    for ours, theirs in pairs:
        expected = torch.autograd.functional.jacobian(theirs, torch.tensor(v))
        jac = st.jacobian(ours)(v)
        assert jac.shape == tuple(expected.shape)
        np.testing.assert_allclose(jac, to_numpy(expected), rtol=RTOL, atol=ATOL)


def test_matrix_valued_jacobian_has_output_then_input_shape():
    A = np.arange(6.0).reshape(2, 3) / 5.0
    X = np.array([[0.2, -0.4], [1.1, 0.7], [0.5, 0.3]])
    jac = st.jacobian(lambda X: np.tanh(A @ X))(X)
    expected = torch.autograd.functional.jacobian(
        lambda X: torch.tanh(torch.tensor(A) @ X), torch.tensor(X)
    )
    assert jac.shape == (2, 2, 3, 2)
    np.testing.assert_allclose(jac, to_numpy(expected), rtol=RTOL, atol=ATOL)


def logistic_nll_numpy(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z)


def logistic_nll_torch(w, X, y):
    z = X @ w
    return torch.sum(F.softplus(z) - y * z)


def test_hessians_match_torch():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(10, 3))
    y = (rng.uniform(size=10) < 0.5).astype(float)
    w = rng.normal(size=3)
    expected = torch.autograd.functional.hessian(
        lambda w: logistic_nll_torch(w, torch.tensor(X), torch.tensor(y)), torch.tensor(w)
    )
    np.testing.assert_allclose(
        st.hessian(logistic_nll_numpy)(w, X, y), to_numpy(expected), rtol=RTOL, atol=ATOL
    )

    def mlp_numpy(W):
        return np.sum(np.tanh(X @ W) ** 2) + np.var(W) + np.std(W, axis=0).sum()

    def mlp_torch(W):
        return (
            torch.sum(torch.tanh(torch.tensor(X) @ W) ** 2)
            + torch.var(W, unbiased=False)
            + torch.std(W, dim=0, unbiased=False).sum()
        )

    W = rng.normal(size=(3, 2))
    expected = torch.autograd.functional.hessian(mlp_torch, torch.tensor(W))
    hess = st.hessian(mlp_numpy)(W)
    assert hess.shape == (3, 2, 3, 2)
    np.testing.assert_allclose(hess, to_numpy(expected), rtol=1e-9, atol=1e-11)


def test_hessian_of_indexing_and_reductions_matches_torch():
    v = np.array([0.7, -1.3, 2.1, 0.4])

    def f_numpy(v):
        picked = v[np.array([0, 2, 2, 3])]
        return np.prod(picked[:3]) + np.sum(np.cumsum(v) ** 2) + np.max(v * v[::-1])

    def f_torch(v):
        picked = v[torch.tensor([0, 2, 2, 3])]
        return (
            torch.prod(picked[:3])
            + torch.sum(torch.cumsum(v, 0) ** 2)
            + torch.max(v * torch.flip(v, (0,)))
        )

    expected = torch.autograd.functional.hessian(f_torch, torch.tensor(v))
    np.testing.assert_allclose(st.hessian(f_numpy)(v), to_numpy(expected), rtol=RTOL, atol=ATOL)


def test_vjp_matches_torch():
    v = np.array([1.5, 0.4, -0.3])
    cotangent = np.array([0.3, -1.0, 2.0, 0.5])
    out, pullback = st.vjp(polar_numpy, v)
    np.testing.assert_allclose(out, to_numpy(polar_torch(torch.tensor(v))), rtol=RTOL)
    _, expected = torch.autograd.functional.vjp(
        polar_torch, torch.tensor(v), torch.tensor(cotangent)
    )
    np.testing.assert_allclose(pullback(cotangent), to_numpy(expected), rtol=RTOL, atol=ATOL)


def test_jvp_matches_torch():
    v = np.array([1.5, 0.4, -0.3])
    tangent = np.array([0.2, -0.7, 1.0])
    out, jv = st.jvp(polar_numpy, (v,), (tangent,))
    _, expected = torch.autograd.functional.jvp(polar_torch, torch.tensor(v), torch.tensor(tangent))
    np.testing.assert_allclose(out, to_numpy(polar_torch(torch.tensor(v))), rtol=RTOL)
    np.testing.assert_allclose(jv, to_numpy(expected), rtol=RTOL, atol=ATOL)
