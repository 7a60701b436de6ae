"""NumPy's conversions of a tensor that requires grad keep its derivative, as under ``st.grad``.

``np.asarray(w)`` of an eager tensor used to hand NumPy the plain numbers:
``np.sum(np.asarray(w) * w)`` then had the gradient ``w`` instead of ``2 w``,
with no word said, while ``st.grad`` of the same function gave ``2 w``; and
``np.array([w[0], 2 * w[1]])`` ended in NumPy's "object __array__ method not
producing an array".  Now the eager tensor converts as a traced value does
(its elements, stacked back by the next operation), so every path gives the
one answer; inside ``st.no_grad()`` a conversion gives the numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import steepest as st
from steepest.autodiff import engine
from steepest.errors import DifferentiationError

CONVERSIONS = {
    "asarray times itself": lambda w: np.sum(np.asarray(w) * w),
    "array of rows": lambda w: np.sum(np.array([w[0], 2.0 * w[1]]) ** 2),
    "array of elements": lambda w: np.sum(np.array([w[0, 0], w[1, 1] * w[0, 1]])),
    "sum of a list": lambda w: np.sum([w[0, 0], 3.0 * w[1, 0]]) * w[1, 1],
    "asanyarray in a product": lambda w: np.sum(np.asanyarray(w) @ w.T),
    "stack of a list": lambda w: np.sum(np.stack([w[1], w[0]]) * np.array([[1.0], [2.0]])),
}
ENGINES = ["compiled", "python"] if engine.loaded() else ["python"]


def _finite_differences(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[index] = h
        out[index] = (float(f(x + step)) - float(f(x - step))) / (2 * h)
    return out


@pytest.mark.parametrize("which", ENGINES)
@pytest.mark.parametrize("name", sorted(CONVERSIONS))
@given(values=hs.lists(hs.floats(-2.0, 2.0), min_size=4, max_size=4))
def test_eager_traced_and_finite_differences_agree(which, name, values):
    f = CONVERSIONS[name]
    x = np.array(values).reshape(2, 2)

    def run():
        w = st.Tensor(x, requires_grad=True)
        out = f(w)
        out.backward()
        return float(np.asarray(out.data)), w.grad, st.grad(f)(x)

    if which == "python":
        with engine.python_engine():
            value, eager, traced = run()
    else:
        value, eager, traced = run()
    with st.no_grad():
        reference = f(st.Tensor(x))
    assert value == pytest.approx(float(np.asarray(reference.data if isinstance(
        reference, st.Tensor) else reference)), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(eager, traced, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(eager, _finite_differences(f, x), rtol=1e-6, atol=1e-6)


def test_under_no_grad_and_after_detach_a_conversion_gives_the_numbers():
    w = st.nn.Parameter(np.array([[1.0, 2.0], [3.0, 4.0]]))
    with st.no_grad():
        assert np.asarray(w).dtype == np.float64
    assert np.asarray(w.detach()).dtype == np.float64
    assert w.numpy().dtype == np.float64


def test_a_number_dtype_on_a_tensor_that_requires_grad_is_refused_in_one_sentence():
    w = st.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(DifferentiationError, match="would drop its derivative"):
        np.asarray(w, dtype=float)


def test_the_mean_of_a_list_under_grad_is_refused_with_what_to_write_instead():
    x = np.array([1.0, 3.0])
    with pytest.raises(DifferentiationError, match=r"np\.mean\(np\.stack\(\[a, b\]\)\)"):
        st.grad(lambda v: np.mean([v[0], v[1] ** 2]))(x)
    np.testing.assert_allclose(st.grad(lambda v: np.mean(np.stack([v[0], v[1] ** 2])))(x),
                               [0.5, 3.0])
