"""A function whose output does not depend on its input has derivative 0, shaped like the input.

Every transform, eager and replayed (a gradient called again and again is
recorded and replayed), for the kinds of constant a function can return.
"""

from __future__ import annotations

import numpy as np
import pytest

import steepest as st
from steepest.errors import DifferentiationError

CONSTANTS = {
    "python float": lambda x: 3.0,
    "python int": lambda x: 3,
    "numpy scalar": lambda x: np.float64(3.0),
    "0-d array": lambda x: np.array(3.0),
    "a read of the input": lambda x: float(np.sum(x > 10.0)),
    "a truth value": lambda x: np.all(x > 10.0),
}
INPUTS = {"float": 1.5, "vector": np.array([1.0, 2.0, 3.0])}


@pytest.mark.parametrize("constant", sorted(CONSTANTS))
@pytest.mark.parametrize("given", sorted(INPUTS))
def test_grad_and_value_and_grad_of_a_constant_are_zero(constant, given):
    f, x = CONSTANTS[constant], INPUTS[given]
    gradient = st.grad(f)
    for _ in range(4):  # traced, then recorded and replayed where that applies
        g = gradient(x)
        assert np.shape(g) == np.shape(x)
        assert np.all(np.asarray(g) == 0.0)
        assert isinstance(g, float) == isinstance(x, float)
    value, g = st.value_and_grad(f)(x)
    assert float(value) == float(f(x))
    assert np.all(np.asarray(g) == 0.0)


@pytest.mark.parametrize("constant", sorted(CONSTANTS))
def test_other_transforms_of_a_constant_are_zero(constant):
    f, x = CONSTANTS[constant], INPUTS["vector"]
    assert np.array_equal(st.jacobian(f)(x), np.zeros(3))
    assert np.array_equal(st.hessian(f)(x), np.zeros((3, 3)))
    _, tangent = st.jvp(f, (x,), (np.ones(3),))
    assert tangent == 0.0
    _, pullback = st.vjp(f, x)
    assert np.array_equal(pullback(1.0), np.zeros(3))


def test_a_constant_part_of_an_output_has_zero_derivative():
    jac = st.jacobian(lambda x: np.array([x[0] * 2.0, 5.0]))(np.array([1.0, 2.0]))
    assert jac.tolist() == [[2.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("output", [None, "text", np.array(["a"])])
def test_an_output_that_is_not_a_number_is_refused_by_name(output):
    with pytest.raises(DifferentiationError, match="which has no derivative"):
        st.grad(lambda x: output)(1.0)
    with pytest.raises(DifferentiationError, match="which has no derivative"):
        st.vjp(lambda x: (x, output), 1.0)
