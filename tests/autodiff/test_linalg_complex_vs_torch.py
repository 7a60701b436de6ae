"""Linear algebra, complex numbers and Hessian-vector products against PyTorch (float64).

Complex convention: for a real loss of complex parameters steepest's gradient
is df/dx - i df/dy (autograd's and JAX's), the complex conjugate of PyTorch's
df/dx + i df/dy; the tests compare with the conjugate of PyTorch's gradient.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import steepest as st

RTOL = 1e-9
ATOL = 1e-11
RNG = np.random.default_rng(11)
A = RNG.normal(size=(4, 4)) + 4.0 * np.eye(4)
B = RNG.normal(size=(4, 2))
W = RNG.normal(size=(4, 4))


def torch_gradient(f, array: np.ndarray) -> np.ndarray:
    t = torch.tensor(array, requires_grad=True)
    f(t).backward()
    return t.grad.numpy()


# name -> (NumPy loss of a matrix, the same loss in torch)
LOSSES = {
    "inv": (lambda a: np.sum(W * np.linalg.inv(a)),
            lambda a: torch.sum(torch.tensor(W) * torch.linalg.inv(a))),
    "solve": (lambda a: np.sum(np.linalg.solve(a, B) ** 2),
              lambda a: torch.sum(torch.linalg.solve(a, torch.tensor(B)) ** 2)),
    "det": (lambda a: np.linalg.det(a), torch.linalg.det),
    "slogdet": (lambda a: np.linalg.slogdet(a)[1], lambda a: torch.linalg.slogdet(a)[1]),
    "cholesky": (lambda a: np.sum(W * np.linalg.cholesky(a @ a.T)),
                 lambda a: torch.sum(torch.tensor(W) * torch.linalg.cholesky(a @ a.T))),
    "eigvalsh": (lambda a: np.sum(np.linalg.eigvalsh(a + a.T) ** 3),
                 lambda a: torch.sum(torch.linalg.eigvalsh(a + a.T) ** 3)),
    "eigh vectors": (lambda a: np.sum(W * np.linalg.eigh(a + a.T)[1] ** 2),
                     lambda a: torch.sum(torch.tensor(W) * torch.linalg.eigh(a + a.T)[1] ** 2)),
    "svdvals": (lambda a: np.sum(np.linalg.svd(a, compute_uv=False) ** 2 * np.arange(4)),
                lambda a: torch.sum(torch.linalg.svdvals(a) ** 2 * torch.arange(4))),
    "svd vectors": (lambda a: np.sum(W * np.linalg.svd(a)[0] ** 2),
                    lambda a: torch.sum(torch.tensor(W) * torch.linalg.svd(a)[0] ** 2)),
    "nuclear norm": (lambda a: np.linalg.norm(a, "nuc"),
                     lambda a: torch.linalg.matrix_norm(a, "nuc")),
    "2-norm": (lambda a: np.linalg.norm(a, 2), lambda a: torch.linalg.matrix_norm(a, 2)),
    "pinv": (lambda a: np.sum(W[:, :2].T * np.linalg.pinv(a[:, :2])),
             lambda a: torch.sum(torch.tensor(W[:, :2].T) * torch.linalg.pinv(a[:, :2]))),
    "einsum": (lambda a: np.einsum("ij,jk,ki->", a, W, a),
               lambda a: torch.einsum("ij,jk,ki->", a, torch.tensor(W), a)),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_linear_algebra_gradients_match_torch(name):
    ours, theirs = LOSSES[name]
    np.testing.assert_allclose(st.grad(ours)(A), torch_gradient(theirs, A), rtol=RTOL,
                               atol=ATOL)


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "eigvalsh", "svdvals", "cholesky"])
def test_linear_algebra_hessians_match_torch(name):
    ours, theirs = LOSSES[name]
    expected = torch.autograd.functional.hessian(theirs, torch.tensor(A)).numpy()
    np.testing.assert_allclose(st.hessian(ours)(A), expected, rtol=1e-7, atol=1e-9)


Z = RNG.normal(size=3) + 1j * RNG.normal(size=3)
C = np.array([0.3 - 0.2j, 1.1 + 0.4j, -0.5 + 0.9j])

# Real losses of complex parameters.
COMPLEX_LOSSES = {
    "abs": (lambda z: np.sum(np.abs(z) ** 3), lambda z: torch.sum(torch.abs(z) ** 3)),
    "real and imag": (lambda z: np.sum(np.real(z * C) * np.imag(z)),
                      lambda z: torch.sum(torch.real(z * torch.tensor(C)) * torch.imag(z))),
    "conj": (lambda z: np.real(np.sum(np.conj(z) * z * C)),
             lambda z: torch.real(torch.sum(torch.conj(z) * z * torch.tensor(C)))),
    "angle": (lambda z: np.sum(np.angle(z) * np.arange(3)),
              lambda z: torch.sum(torch.angle(z) * torch.arange(3))),
    "holomorphic inside": (lambda z: np.sum(np.abs(np.exp(z) * np.sin(z))),
                           lambda z: torch.sum(torch.abs(torch.exp(z) * torch.sin(z)))),
    "variance": (lambda z: np.var(z), lambda z: torch.var(z, unbiased=False)),
}


@pytest.mark.parametrize("name", sorted(COMPLEX_LOSSES))
def test_complex_gradients_are_the_conjugate_of_torch(name):
    ours, theirs = COMPLEX_LOSSES[name]
    np.testing.assert_allclose(st.grad(ours)(Z), np.conj(torch_gradient(theirs, Z)),
                               rtol=RTOL, atol=ATOL)


def test_a_real_input_of_a_complex_computation_gets_a_real_gradient():
    x = np.array([0.4, -1.2, 0.7])
    g = st.grad(lambda x: np.sum(np.abs((x + 1j) * C) ** 2))(x)
    expected = torch_gradient(
        lambda t: torch.sum(torch.abs((t + 1j) * torch.tensor(C)) ** 2), x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, expected, rtol=RTOL, atol=ATOL)


# -- Hessian-vector products three ways ---------------------------------------------------
def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2) + np.prod(np.sin(x))


def rosen_torch(x):
    return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2) + torch.prod(
        torch.sin(x))


X = np.array([0.3, -0.8, 1.4, 0.6])
V = np.array([1.0, -0.5, 0.25, 2.0])
HVPS = {
    "reverse over reverse": lambda: st.grad(lambda x: np.sum(st.grad(rosen)(x) * V))(X),
    "forward over reverse": lambda: st.jvp(st.grad(rosen), (X,), (V,))[1],
    "vjp of the gradient": lambda: st.vjp(st.grad(rosen), X)[1](V),
    "vjp with a traced cotangent": lambda: st.grad(
        lambda v: np.sum(st.vjp(st.grad(rosen), X)[1](v) * V))(V),
}


@pytest.mark.parametrize("way", sorted(HVPS))
def test_hessian_vector_products_match_torch(way):
    _, expected = torch.autograd.functional.hvp(rosen_torch, torch.tensor(X), torch.tensor(V))
    np.testing.assert_allclose(HVPS[way](), expected.numpy(), rtol=1e-10, atol=1e-10)


def test_jvp_of_a_tuple_and_a_dict_of_outputs():
    def f(x):
        return {"value": np.sin(x), "pair": (x ** 2, np.sum(x))}

    values, tangents = st.jvp(f, (X,), (V,))
    np.testing.assert_allclose(values["value"], np.sin(X))
    np.testing.assert_allclose(tangents["value"], np.cos(X) * V)
    np.testing.assert_allclose(tangents["pair"][0], 2 * X * V)
    assert tangents["pair"][1] == pytest.approx(np.sum(V))


ZM = RNG.normal(size=(4, 3)) + 1j * RNG.normal(size=(4, 3))


def complex_singular_loss(z):
    return np.sum(np.linalg.svd(z, compute_uv=False) ** 3 * np.arange(1, 4))


def test_complex_singular_values_match_torch_to_second_order():
    expected = np.conj(torch_gradient(
        lambda z: torch.sum(torch.linalg.svdvals(z) ** 3 * torch.arange(1, 4)), ZM))
    np.testing.assert_allclose(st.grad(complex_singular_loss)(ZM), expected, rtol=RTOL,
                               atol=ATOL)
    # Second order: the change of the gradient along a direction, against differences.
    direction = RNG.normal(size=ZM.shape) + 1j * RNG.normal(size=ZM.shape)
    gradient = st.grad(complex_singular_loss)
    h = 1e-6
    expected = (gradient(ZM + h * direction) - gradient(ZM - h * direction)) / (2 * h)
    _, tangent = st.jvp(gradient, (ZM,), (direction,))
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-6)
    pulled = st.vjp(gradient, ZM)[1](np.ones(ZM.shape))
    assert np.all(np.isfinite(pulled))


def test_complex_singular_vectors_are_refused():
    with pytest.raises(st.DifferentiationError, match="fixed only up to a phase"):
        st.grad(lambda z: np.sum(np.abs(np.linalg.svd(z, full_matrices=False)[0])))(ZM)
