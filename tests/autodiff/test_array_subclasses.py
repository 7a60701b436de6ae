"""Arrays whose class changes what NumPy code means are refused, on every path.

``np.matrix`` makes ``*`` a matrix product; a masked array leaves its masked
entries out of sums.  Differentiated as plain arrays, code written for them
would silently compute something else, so every transform refuses them in
one sentence, whether they come in as an argument, as a constant inside
the function, or after the function's program was recorded.  A memory map
is a plain array in a file and is differentiated as one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import steepest as st
from steepest.errors import DifferentiationError


def _matrix() -> np.ndarray:
    return np.asmatrix([[1.0, 2.0], [3.0, 4.0]])


def _masked() -> np.ndarray:
    return np.ma.array([[1.0, 2.0], [3.0, 4.0]], mask=[[0, 1], [0, 0]])


REFUSED = {"np.matrix": (_matrix, "np.matrix is not supported"),
           "masked array": (_masked, "masked arrays are not supported")}

TRANSFORMS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "grad": st.grad,
    "value_and_grad": st.value_and_grad,
    "jacobian": lambda f: st.jacobian(lambda x: np.ravel(f(x))),
    "hessian": st.hessian,
    "vjp": lambda f: lambda x: st.vjp(f, x)[1](1.0),
}


def squares(x: Any) -> Any:
    return np.sum(x * x)


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("kind", REFUSED)
def test_refused_as_the_argument(transform: str, kind: str) -> None:
    make, sentence = REFUSED[kind]
    with pytest.raises(DifferentiationError, match=sentence):
        TRANSFORMS[transform](squares)(make())


@pytest.mark.parametrize("kind", REFUSED)
def test_refused_after_the_program_was_recorded(kind: str) -> None:
    make, sentence = REFUSED[kind]
    gradient = st.grad(squares)
    for _ in range(5):  # enough calls for the program to be recorded and replayed
        np.testing.assert_array_equal(gradient(np.ones((2, 2))), 2 * np.ones((2, 2)))
    with pytest.raises(DifferentiationError, match=sentence):
        gradient(make())


def _finite_differences(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    step = 1e-6
    out = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        bump = np.zeros_like(x)
        bump[index] = step
        out[index] = (f(x + bump) - f(x - bump)) / (2 * step)
    return out


@pytest.mark.parametrize("operation", ["*", "@", "dot", "+"])
@pytest.mark.parametrize("kind", REFUSED)
def test_a_constant_inside_the_function_is_refused_or_right(kind: str, operation: str) -> None:
    """Either one sentence, or the value and gradient of what NumPy computes with it."""
    make, sentence = REFUSED[kind]
    constant = make()
    combine = {"*": lambda c, x: c * x, "@": lambda c, x: c @ x,
               "dot": lambda c, x: np.dot(c, x), "+": lambda c, x: x + c}[operation]
    def f(x: Any, c: Any) -> Any:
        return np.sum(combine(c, x))

    value_and_grad = st.value_and_grad(f)
    x = np.array([[0.5, -1.0], [2.0, 1.5]])
    for _ in range(5):
        value_and_grad(x, np.ones((2, 2)))
    try:
        value, gradient = value_and_grad(x, constant)
    except DifferentiationError as error:
        assert sentence in str(error)
        return
    assert value == pytest.approx(float(f(x, constant)), rel=1e-14)
    np.testing.assert_allclose(gradient, _finite_differences(lambda v: float(f(v, constant)), x),
                               rtol=1e-7, atol=1e-8)


def test_a_masked_array_is_refused_by_tensor() -> None:
    with pytest.raises(DifferentiationError, match="masked arrays are not supported"):
        st.Tensor(_masked(), requires_grad=True)


def test_a_memory_map_is_differentiated_as_the_plain_array(tmp_path: Any) -> None:
    stored = np.memmap(tmp_path / "x.dat", dtype=np.float64, mode="w+", shape=(3,))
    stored[:] = [1.0, -2.0, 0.5]
    gradient = st.grad(lambda x: np.sum(np.sin(x) * x))
    for _ in range(4):
        expected = gradient(np.array(stored))
        got = gradient(stored)
        assert type(got) is np.ndarray
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(expected, np.cos(stored) * stored + np.sin(stored), rtol=1e-15)


STARTS: dict[str, Callable[[np.ndarray], Any]] = {
    "st.minimize": lambda x: st.minimize(squares, x),
    "st.check_grad": lambda x: st.check_grad(squares, x),
    "st.numeric.gradient": lambda x: st.numeric.gradient(squares, x),
}


@pytest.mark.parametrize("call", STARTS)
@pytest.mark.parametrize("kind", REFUSED)
def test_refused_as_a_starting_point_or_a_point_of_numerical_derivatives(
        kind: str, call: str) -> None:
    """f would be evaluated on plain arrays there, and mean something else than f(m)."""
    make, sentence = REFUSED[kind]
    with pytest.raises(DifferentiationError, match=sentence):
        STARTS[call](make())


@pytest.mark.parametrize("call", STARTS)
def test_a_memory_map_is_a_plain_starting_point(call: str) -> None:
    stored = np.array([1.0, -2.0]).view(np.memmap)
    plain = STARTS[call](np.array([1.0, -2.0]))
    mapped = STARTS[call](stored)
    if call == "st.minimize":
        np.testing.assert_array_equal(mapped.x, plain.x)
    elif call == "st.check_grad":
        assert mapped.ok and plain.ok
    else:
        np.testing.assert_array_equal(np.asarray(mapped), np.asarray(plain))
