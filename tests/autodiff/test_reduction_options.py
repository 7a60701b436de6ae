"""Reductions with NumPy's where= and initial= options: NumPy's values, exact gradients.

A masked reduction is the plain reduction of a selection (the kept elements,
and the reduction's identity elsewhere), so its gradient is the plain one on
the kept elements and 0 on the others.  Values are compared with NumPy's own,
gradients with central differences, through functions and array methods,
traced and replayed.
"""

from __future__ import annotations

import numpy as np
import pytest
from _ad_reference import assert_close, central_gradient
from hypothesis import given, settings
from hypothesis import strategies as hst
from hypothesis.extra import numpy as hnp

import steepest as st
from steepest.errors import DifferentiationError

REDUCTIONS = {
    "sum": lambda v, **kw: np.sum(v, **kw),
    "sum method": lambda v, **kw: v.sum(**kw),
    "mean": lambda v, **kw: np.mean(v, **kw),
    "mean method": lambda v, **kw: v.mean(**kw),
    "prod": lambda v, **kw: np.prod(v, **kw),
    "max": lambda v, **kw: np.max(v, initial=-3.0, **kw),
    "min method": lambda v, **kw: v.min(initial=3.0, **kw),
    "var": lambda v, **kw: np.var(v, **kw),
    "std": lambda v, **kw: np.std(v, ddof=1, **kw),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@settings(max_examples=15, deadline=None)
@given(
    # Distinct multiples of 1/8: a max or min is never a near tie for the differences.
    x=hnp.arrays(np.int64, (3, 4), elements=hst.integers(-16, 16), unique=True).map(
        lambda k: k / 8.0),
    mask=hnp.arrays(np.bool_, (3, 4)),
    axis=hst.sampled_from([None, 0, 1]),
)
def test_masked_reductions_match_numpy_and_central_differences(name, x, mask, axis):
    reduce = REDUCTIONS[name]
    # Every row and column keeps two elements: a mean of none is nan, and so is a
    # variance with ddof=1 of one.
    mask[:, :2] = True
    mask[:2, :] = True

    def f(v):
        return np.sum(np.cos(reduce(v, axis=axis, where=mask)))

    with np.errstate(all="ignore"):
        expected = np.sum(np.cos(reduce(x, axis=axis, where=mask)))
    gradient = st.grad(f)
    for _ in range(3):  # traced, recorded, replayed
        value = st.value_and_grad(f)(x)[0]
        assert value == pytest.approx(expected, rel=1e-12)
        assert_close(gradient(x), central_gradient(f, [x], 0), rtol=1e-6, atol=1e-7)
    assert np.all(gradient(x)[~np.broadcast_to(mask, x.shape)] == 0)


def test_initial_values():
    x = np.array([0.5, 1.5, 2.0])
    assert st.value_and_grad(lambda v: np.sum(v, initial=10.0))(x)[0] == 14.0
    value, g = st.value_and_grad(lambda v: np.prod(v, initial=2.0))(x)
    assert value == 3.0 and g.tolist() == [6.0, 2.0, 1.5]
    value, g = st.value_and_grad(lambda v: np.max(v, initial=5.0))(x)
    assert value == 5.0 and g.tolist() == [0.0, 0.0, 0.0]  # the initial value wins


def test_masked_max_without_initial_is_numpys_error():
    with pytest.raises(ValueError, match="initial"):
        st.grad(lambda v: np.max(v, where=np.array([True, False])))(np.array([1.0, 2.0]))


def test_other_options_are_refused_in_words():
    with pytest.raises(DifferentiationError, match="mean= option is not differentiable"):
        st.grad(lambda v: np.var(v, mean=1.0))(np.array([1.0, 2.0]))


@pytest.mark.parametrize("reduce", [np.sum, np.mean, np.prod])
def test_a_reduction_computes_in_the_dtype_it_is_asked_for(reduce):
    x = np.array([0.1, 0.7, 1.3], dtype=np.float32)
    value, g = st.value_and_grad(lambda v: reduce(v, dtype=np.float64))(x)
    assert value == reduce(x, dtype=np.float64)  # float64 sums: not float32's rounding
    assert g.dtype == np.float32


AXIS_REDUCTIONS = {
    "sum": lambda v, **kw: np.sum(v, **kw),
    "sum method": lambda v, **kw: v.sum(**kw),
    "mean": lambda v, **kw: np.mean(v, **kw),
    "max method": lambda v, **kw: v.max(**kw),
    "min": lambda v, **kw: np.min(v, **kw),
    "prod": lambda v, **kw: np.prod(v, **kw),
    "var": lambda v, **kw: np.var(v, **kw),
    "std": lambda v, **kw: np.std(v, **kw),
}


@pytest.mark.parametrize("name", sorted(AXIS_REDUCTIONS))
@pytest.mark.parametrize("axis", [0, -1, (0, 1), (-1,)])
@pytest.mark.parametrize("integer", [np.int64, np.int32, np.intp])
@pytest.mark.parametrize("keepdims", [False, True])
def test_an_axis_given_as_numpy_integers_is_the_same_axis(name, axis, integer, keepdims):
    # An axis computed with NumPy (np.argmax(shape), arr.ndim - 1 on a NumPy int) is a NumPy
    # integer: the same reduction, value and gradient, eagerly, traced and replayed.
    reduce = AXIS_REDUCTIONS[name]
    numpy_axis = tuple(integer(a) for a in axis) if isinstance(axis, tuple) else integer(axis)
    x = np.arange(1.0, 13.0).reshape(3, 4) / 7.0

    def loss(v, ax):
        return np.sum(reduce(v, axis=ax, keepdims=keepdims) ** 2)

    plain = st.grad(lambda v: loss(v, axis))
    numpy = st.grad(lambda v: loss(v, numpy_axis))
    for _ in range(3):  # traced, recorded, replayed
        np.testing.assert_array_equal(numpy(x), plain(x))
    eager = st.Tensor(x, requires_grad=True)
    loss(eager, numpy_axis).backward()
    np.testing.assert_array_equal(eager.grad, plain(x))
