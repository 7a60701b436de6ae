"""The eager path as a PyTorch user writes it: what ``backward()`` and ``.grad`` say.

A step function of a tensor that requires grad (``np.sign``, ``np.floor``...)
keeps the graph, with derivative 0, as PyTorch's does, so ``.grad`` is zeros
rather than None; ``backward()`` on a tensor that nothing requiring grad went
into says so in one sentence; a ``gradient`` of another shape is refused
rather than summed down.  Checked against PyTorch where steepest means to
behave like it, on both engines (Python's and the compiled one).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as hs

import steepest as st
from steepest.autodiff import engine
from steepest.autodiff.primitives import STEPS
from steepest.errors import DifferentiationError

# steepest's call and PyTorch's, for the step functions PyTorch has.
STEP_CALLS = {
    "sign": (np.sign, torch.sign),
    "floor": (np.floor, torch.floor),
    "ceil": (np.ceil, torch.ceil),
    "trunc": (np.trunc, torch.trunc),
    "fix": (np.fix, torch.trunc),
    "rint": (np.rint, torch.round),
    "round": (np.round, torch.round),
    "around": (np.around, torch.round),
    "round method": (lambda t: t.round(), torch.round),
    "round to 1 decimal": (lambda t: np.round(t, 1), lambda t: torch.round(t, decimals=1)),
    # PyTorch has no derivative for these two; steepest's is the step's 0.
    "floor_divide": (lambda t: t // 0.75, None),
    "floor_divide reflected": (lambda t: 2.5 // (t + 3.0), None),
    "heaviside": (lambda t: np.heaviside(t, 0.5), None),
}


def test_every_step_function_is_called_here():
    called = {name.split()[0] for name in STEP_CALLS}
    assert {prim.name for prim in STEPS.values()} <= called


@pytest.fixture(params=["compiled", "python"])
def either_engine(request):
    if request.param == "python":
        with engine.python_engine():
            yield request.param
    else:
        yield request.param


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(STEP_CALLS))
def test_a_step_function_keeps_the_graph_with_slope_0(name, dtype, either_engine):
    ours, theirs = STEP_CALLS[name]
    x = np.array([1.5, -2.0, 0.0, 2.25, -0.5], dtype=dtype)
    t = st.Tensor(x.copy(), requires_grad=True)
    y = ours(t)
    assert y.requires_grad and not y.is_leaf
    # Through the step and around it: x's own term still gives its slope of 3.
    loss = np.sum(y * 2.0 + 3.0 * t)
    loss.backward()
    assert t.grad.dtype == dtype
    np.testing.assert_array_equal(t.grad, np.full(5, 3.0))
    # What a transform gives.
    expected = st.grad(lambda v: np.sum(ours(v) * 2.0 + 3.0 * v))(x.copy())
    np.testing.assert_array_equal(t.grad, expected)
    if theirs is not None:
        u = torch.tensor(x.copy(), requires_grad=True)
        out = theirs(u)
        np.testing.assert_array_equal(y.data, out.detach().numpy())
        assert out.requires_grad
        torch.sum(out * 2.0 + 3.0 * u).backward()
        np.testing.assert_array_equal(t.grad, u.grad.numpy())


def test_a_step_alone_gives_zeros_and_keeps_infinite_gradients_out():
    t = st.Tensor([1.0, -2.0], requires_grad=True)
    y = np.sign(t).sum()
    assert y.requires_grad
    y.backward()
    np.testing.assert_array_equal(t.grad, [0.0, 0.0])
    t.zero_grad()
    # d loss / d sign is inf here: the derivative of the step is 0 all the same, as in
    # PyTorch and st.grad (0 * inf would be nan).
    np.sum(np.floor(t) * np.inf).backward()
    np.testing.assert_array_equal(t.grad, [0.0, 0.0])
    np.testing.assert_array_equal(
        st.grad(lambda v: np.sum(np.floor(v) * np.inf))(np.array([1.0, -2.0])), [0.0, 0.0])


def test_steps_are_constants_under_no_grad_and_of_constants():
    t = st.Tensor([1.5, -2.0], requires_grad=True)
    with st.no_grad():
        assert not np.sign(t).requires_grad
    assert not np.floor(st.Tensor([1.5])).requires_grad
    # Integers and truth values carry no gradient, as in PyTorch.
    assert not t.astype(np.int64).requires_grad
    assert type(t > 0) is np.ndarray


def _refuses_nothing_to_differentiate(out, *args):
    with pytest.raises(DifferentiationError, match="nothing to differentiate") as caught:
        out.backward(*args)
    message = str(caught.value)
    assert message.count(";") == 1 and "requires_grad=True" in message
    return message


def test_backward_on_what_requires_no_grad_says_why(either_engine):
    w = st.Tensor([1.0, 2.0], requires_grad=True)
    constant = st.Tensor([1.0, 2.0])
    with st.no_grad():
        under_no_grad = np.sum(w * w)
    cases = {
        "constant": np.sum(constant * 2.0),
        "constant leaf": st.Tensor(3.0),
        "detached": np.sum(w.detach() ** 2),
        "under no_grad": under_no_grad,
        "integers": np.sum(w.astype(np.int64)),
        "frozen": np.sum(st.Tensor([1.0], requires_grad=True).requires_grad_(False) * 2.0),
    }
    for name, out in cases.items():
        assert not out.requires_grad, name
        _refuses_nothing_to_differentiate(out)
        _refuses_nothing_to_differentiate(out, np.ones(np.shape(out.data)))
    assert w.grad is None
    # PyTorch refuses the same.
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.sum(torch.tensor([1.0, 2.0]) * 2.0).backward()


gradient_shapes = hs.sampled_from([(), (1,), (3,), (2, 1), (2, 3), (1, 2, 3), (4,), (3, 3)])


@given(shape=hs.sampled_from([(), (3,), (2, 3)]), given_shape=gradient_shapes)
@example(shape=(3,), given_shape=(2, 3))  # a larger gradient was summed down, silently
@example(shape=(3,), given_shape=(4,))  # NumPy's broadcasting error, as a traceback
@example(shape=(2, 3), given_shape=(3,))  # broadcasts: taken as its broadcast
def test_backward_takes_a_gradient_of_the_tensors_shape_or_one_broadcast_to_it(
        shape, given_shape):
    x = np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape)
    seed = np.linspace(-1.0, 2.0, int(np.prod(given_shape))).reshape(given_shape)
    t = st.Tensor(x, requires_grad=True)
    out = np.sin(t) * t
    try:
        fits = np.broadcast_shapes(given_shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        with pytest.raises(DifferentiationError, match="gradient of the tensor's shape"):
            out.backward(seed)
        assert t.grad is None
        return
    out.backward(seed)
    full = np.broadcast_to(seed, shape)
    u = torch.tensor(x, requires_grad=True)
    (torch.sin(u) * u).backward(torch.tensor(np.array(full)))
    np.testing.assert_allclose(t.grad, u.grad.numpy(), rtol=1e-14, atol=1e-15)


def test_retain_graph_is_taken_and_create_graph_refused():
    w = st.Tensor([1.0, 2.0], requires_grad=True)
    loss = np.sum(w ** 3)
    loss.backward(retain_graph=True)
    loss.backward()  # the graph is kept: the same gradient is added again
    np.testing.assert_array_equal(w.grad, 2 * 3 * np.array([1.0, 4.0]))
    with pytest.raises(DifferentiationError, match=r"st\.hessian"):
        loss.backward(create_graph=True)


def test_requires_grad_underscore_sets_the_flag_in_place():
    t = st.Tensor([1.0, 2.0])
    assert t.requires_grad_() is t and t.requires_grad
    np.sum(t * t).backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])
    assert not t.requires_grad_(False).requires_grad


def test_a_leaf_frozen_after_the_graph_was_built_collects_nothing(either_engine):
    a = st.Tensor([2.0], requires_grad=True)
    b = st.Tensor([3.0], requires_grad=True)
    loss = np.sum(a * 2.0 + b * b)
    a.requires_grad = False
    loss.backward()
    assert a.grad is None  # it collected 2.0 before
    np.testing.assert_array_equal(b.grad, [6.0])
    u = torch.tensor([2.0], requires_grad=True)
    v = torch.tensor([3.0], requires_grad=True)
    out = torch.sum(u * 2.0 + v * v)
    u.requires_grad_(False)
    out.backward()
    assert u.grad is None and v.grad.tolist() == [6.0]
