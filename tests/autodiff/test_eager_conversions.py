"""NumPy's conversions of a tensor that requires grad: one clear refusal, never a lost derivative.

``np.asarray(w)`` of an eager tensor used to hand NumPy the plain numbers:
``np.sum(np.asarray(w) * w)`` then had the gradient ``w`` instead of ``2 w``,
with no word said, while ``st.grad`` of the same function gave ``2 w``; and
``np.array([w[0], 2 * w[1]])`` ended in NumPy's "object __array__ method not
producing an array".  Now the eager tensor that requires grad refuses to be
converted, in one sentence that says what to write (as PyTorch refuses): its
numbers would be a constant to whatever meets them.  Under ``st.grad`` the
same conversions keep their derivatives; inside ``st.no_grad()``, after
``.detach()`` and for a tensor that does not require grad they give the
numbers; and ``np.stack`` joins tensors on every path.
"""

from __future__ import annotations

import numpy as np
import pytest
from _ad_reference import central_gradient
from _engines import ENGINES, on_engine
from hypothesis import given
from hypothesis import strategies as hs

import steepest as st
from steepest.errors import DifferentiationError

# Each converts w inside the computation; under st.grad the derivative is kept.
CONVERSIONS = {
    "asarray times itself": lambda w: np.sum(np.asarray(w) * w),
    "array of rows": lambda w: np.sum(np.array([w[0], 2.0 * w[1]]) ** 2),
    "array of elements": lambda w: np.sum(np.array([w[0, 0], w[1, 1] * w[0, 1]])),
    "sum of a list": lambda w: np.sum([w[0, 0], 3.0 * w[1, 0]]) * w[1, 1],
    "asanyarray in a product": lambda w: np.sum(np.asanyarray(w) @ w.T),
    "mean of a list": lambda w: np.mean([w[0, 0], w[1, 1]]) + np.sum(w),
}
# The same, written with np.stack: every path, one answer.
STACKED = {
    "stack of rows": lambda w: np.sum(np.stack([w[0], 2.0 * w[1]]) ** 2),
    "stack of a list": lambda w: np.sum(np.stack([w[1], w[0]]) * np.array([[1.0], [2.0]])),
    "mean of a stack": lambda w: np.mean(np.stack([w[0, 0], w[1, 1]])) + np.sum(w),
}


@pytest.mark.parametrize("which", ENGINES)
@pytest.mark.parametrize("name", sorted(STACKED))
@given(values=hs.lists(hs.floats(-2.0, 2.0), min_size=4, max_size=4))
def test_eager_traced_and_finite_differences_agree(which, name, values):
    f = STACKED[name]
    x = np.array(values).reshape(2, 2)

    def run():
        w = st.Tensor(x, requires_grad=True)
        out = f(w)
        out.backward()
        return w.grad, st.grad(f)(x)

    eager, traced = on_engine(which, run)
    np.testing.assert_allclose(eager, traced, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(eager, central_gradient(f, (x,), 0), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("which", ENGINES)
@pytest.mark.parametrize("name", sorted(CONVERSIONS))
def test_an_eager_conversion_is_refused_and_a_traced_one_keeps_the_derivative(which, name):
    f = CONVERSIONS[name]
    x = np.array([[0.5, -1.25], [2.0, 0.75]])

    def eager():
        w = st.Tensor(x, requires_grad=True)
        with pytest.raises(DifferentiationError, match=r"np\.stack"):
            f(w)

    on_engine(which, eager)
    if name == "mean of a list":  # NumPy's np.mean turns its sum into a NumPy number
        with pytest.raises(DifferentiationError, match=r"np\.mean\(np\.stack"):
            st.grad(f)(x)
        return
    np.testing.assert_allclose(on_engine(which, lambda: st.grad(f)(x)),
                               central_gradient(f, (x,), 0), rtol=1e-6, atol=1e-6)


def test_under_no_grad_and_after_detach_a_conversion_gives_the_numbers():
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = st.nn.Parameter(values)
    with st.no_grad():
        np.testing.assert_array_equal(np.asarray(w), values)
    for numbers in (np.asarray(w.detach()), w.numpy(), np.asarray(st.Tensor(values)),
                    np.asarray(w, dtype=np.int64)):
        np.testing.assert_array_equal(numbers, values)
    np.testing.assert_array_equal(np.array([st.Tensor(1.0), st.Tensor(2.0)]), [1.0, 2.0])


def test_a_parameters_numbers_for_saving_say_what_to_write(tmp_path):
    w = st.nn.Parameter(np.ones(3))
    with pytest.raises(DifferentiationError, match=r"w\.detach\(\) or w\.numpy\(\)"):
        np.asarray(w)
    with pytest.raises(DifferentiationError, match=r"np\.save .*pass w\.detach\(\)"):
        np.save(tmp_path / "w.npy", w)
    np.save(tmp_path / "w.npy", w.detach())
    np.testing.assert_array_equal(np.load(tmp_path / "w.npy"), np.ones(3))
    with st.no_grad():
        np.savetxt(tmp_path / "w.txt", w)
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "w.txt"), np.ones(3))


def test_the_mean_of_a_list_under_grad_is_refused_with_what_to_write_instead():
    x = np.array([1.0, 3.0])
    with pytest.raises(DifferentiationError, match=r"np\.mean\(np\.stack\(\[a, b\]\)\)"):
        st.grad(lambda v: np.mean([v[0], v[1] ** 2]))(x)
    np.testing.assert_allclose(st.grad(lambda v: np.mean(np.stack([v[0], v[1] ** 2])))(x),
                               [0.5, 3.0])
