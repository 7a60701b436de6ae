"""``x -= y`` and the other in-place operators on tensors.

A training loop written as in PyTorch, ``for p in net.parameters(): p -= rate
* p.grad``, used to bind each name to a new tensor and leave the parameters
as they were: the loss stayed where it was, with no word said.  Now a leaf
tensor (made by the user, or a parameter) takes the operator on its own
values, as NumPy's in-place operators do on its array, under ``st.no_grad()``
(or when it does not require grad); where operations are recorded a leaf that
requires grad refuses in one sentence; any other tensor gets the new tensor
``x <op> y`` as before, and its derivatives are those of that expression.
"""

from __future__ import annotations

import operator
import re

import numpy as np
import pytest
from _engines import ENGINES, on_engine
from hypothesis import given
from hypothesis import strategies as hs

import steepest as st
from steepest.errors import DataError, DifferentiationError

IN_PLACE = {
    "+": (operator.iadd, np.add),
    "-": (operator.isub, np.subtract),
    "*": (operator.imul, np.multiply),
    "/": (operator.itruediv, np.true_divide),
    "//": (operator.ifloordiv, np.floor_divide),
    "%": (operator.imod, np.remainder),
    "**": (operator.ipow, np.power),
}
OUT_OF_PLACE = {"+": operator.add, "-": operator.sub, "*": operator.mul,
                "/": operator.truediv, "**": operator.pow}


def _train(update: str, which: str) -> list[np.ndarray]:
    def run():
        rng = np.random.default_rng(3)
        net = st.nn.Sequential(st.nn.Linear(3, 4, seed=rng), st.nn.ReLU(),
                               st.nn.Linear(4, 1, seed=rng))
        x = rng.random((16, 3))
        y = x @ np.array([[1.0], [-2.0], [0.5]])
        for _ in range(5):
            loss = ((net(x) - y) ** 2).mean()
            net.zero_grad()
            loss.backward()
            if update == "operator":
                with st.no_grad():
                    for p in net.parameters():
                        p -= 0.1 * p.grad
            else:
                for p in net.parameters():
                    p.data -= 0.1 * p.grad
        return [p.data.copy() for p in net.parameters()]

    return on_engine(which, run)


@pytest.mark.parametrize("which", ENGINES)
def test_a_pytorch_style_update_under_no_grad_trains_as_the_data_update_does(which):
    trained, reference = _train("operator", which), _train("data", which)
    for a, b in zip(trained, reference, strict=True):
        np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(3)
    untrained = st.nn.Linear(3, 4, seed=rng).weight.data
    assert not np.array_equal(trained[0], untrained)


@pytest.mark.parametrize("which", ENGINES)
@given(symbol=hs.sampled_from(sorted(IN_PLACE)),
       dtype=hs.sampled_from([np.float32, np.float64]),
       operand=hs.sampled_from(["number", "row", "same", "tensor", "float64 array"]),
       kind=hs.sampled_from(["parameter", "requires grad", "constant"]))
def test_a_leaf_takes_the_operator_on_its_own_values_as_numpy_does(which, symbol, dtype,
                                                                   operand, kind):
    start = (np.arange(6.0).reshape(2, 3) + 1.5).astype(dtype)
    other = {"number": 1.25, "row": np.array([0.5, 2.0, 1.5], dtype=dtype),
             "same": np.full((2, 3), 0.75, dtype=dtype),
             "tensor": st.Tensor(np.full((2, 3), 1.75, dtype=dtype)),
             "float64 array": np.array([0.5, 2.0, 1.5])}[operand]
    in_place, ufunc = IN_PLACE[symbol]

    def run():
        leaf = {"parameter": lambda: st.nn.Parameter(start.copy()),
                "requires grad": lambda: st.Tensor(start.copy(), requires_grad=True),
                "constant": lambda: st.Tensor(start.copy())}[kind]()
        memory = leaf.data
        with st.no_grad():
            result = in_place(leaf, other)
        return leaf, result, memory

    leaf, result, memory = on_engine(which, run)
    expected = start.copy()
    ufunc(expected, other.data if isinstance(other, st.Tensor) else other, out=expected)
    assert result is leaf and leaf.data is memory
    assert leaf.data.dtype == expected.dtype
    np.testing.assert_array_equal(leaf.data, expected)


@pytest.mark.parametrize("which", ENGINES)
@pytest.mark.parametrize("symbol", sorted(IN_PLACE))
def test_a_leaf_that_requires_grad_refuses_while_operations_are_recorded(which, symbol):
    def run():
        w = st.nn.Parameter(np.array([1.0, 2.0]))
        with pytest.raises(DifferentiationError, match=re.escape(f"w {symbol}= ... on a tensor "
                                                                 "that requires grad")):
            IN_PLACE[symbol][0](w, 1.0)
        return w.data

    np.testing.assert_array_equal(on_engine(which, run), [1.0, 2.0])


@pytest.mark.parametrize("which", ENGINES)
@given(symbol=hs.sampled_from(sorted(OUT_OF_PLACE)),
       point=hs.lists(hs.floats(0.5, 3.0), min_size=3, max_size=3))
def test_on_traced_values_it_is_the_expression_written_out(which, symbol, point):
    in_place, plain = IN_PLACE[symbol][0], OUT_OF_PLACE[symbol]

    def written_in_place(v):
        h = v * 1.0
        h = in_place(h, 1.5)  # h op= 1.5
        return np.sum(in_place(h, v))  # h op= v

    def written_out(v):
        h = v * 1.0
        return np.sum(plain(plain(h, 1.5), v))

    x = np.array(point)

    def run():
        eager = st.Tensor(x, requires_grad=True)
        np.sum(written_in_place(eager)).backward()
        return st.grad(written_in_place)(x), eager.grad, st.grad(written_out)(x)

    traced, eager, reference = on_engine(which, run)
    np.testing.assert_array_equal(traced, reference)
    np.testing.assert_array_equal(eager, reference)


def test_the_inputs_of_a_transform_take_the_expression_written_out():
    def f(v):
        v -= 1.0
        v *= 2.0
        return np.sum(v * v)

    x = np.array([1.0, 3.0, -0.5])
    np.testing.assert_allclose(st.grad(f)(x), 8.0 * (x - 1.0))
    np.testing.assert_array_equal(x, [1.0, 3.0, -0.5])  # the caller's array is untouched


@pytest.mark.parametrize("other, message", [
    (np.ones(4), r"x \+= y needs y of x's shape \(3,\) or one that broadcasts to it, not \(4,\)"),
    (np.ones((2, 3)), r"not \(2, 3\)"),
    (1j, r"x \+= y cannot write y's values into x's float64"),
])
def test_values_that_do_not_fit_are_refused_in_one_sentence(other, message):
    t = st.Tensor(np.ones(3))
    with pytest.raises(DataError, match=message):
        t += other
    np.testing.assert_array_equal(t.data, np.ones(3))
