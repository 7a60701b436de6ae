"""What is computed from a parameter is a plain tensor, never a parameter.

A module takes every :class:`~steepest.nn.Parameter` assigned to it for one
of its own, so an activation that came out as a parameter and was kept as an
attribute (``self.hidden = self.fc(x)``) joined ``parameters()``, and an
update loop over them then met a value with no gradient.  Here random
programs of operators, ufuncs, reductions, indexing, shapes and layers start
from parameters (alone, with arrays, with tensors) on both engines, eagerly
and under ``st.grad``: every result is a ``Tensor`` and not a ``Parameter``,
and its values and gradients are those of the same program on tensors.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import steepest as st
from steepest.autodiff import engine

OPERATIONS = {
    "add": lambda p, q: p + q,
    "radd": lambda p, q: 1.5 + p,
    "multiply": lambda p, q: p * q,
    "rsubtract": lambda p, q: 2.0 - p,
    "negative": lambda p, q: -p,
    "power": lambda p, q: p ** 2,
    "exp": lambda p, q: np.exp(p),
    "maximum": lambda p, q: np.maximum(p, 0.25),
    "matmul": lambda p, q: p @ q.T if np.ndim(p) else p * q,
    "sum": lambda p, q: p.sum(axis=-1, keepdims=True) if np.ndim(p) else p.sum(),
    "np.max": lambda p, q: np.max(p, axis=0) if np.ndim(p) else np.max(p),
    "mean": lambda p, q: p.mean(),
    "index": lambda p, q: p[1:] if np.ndim(p) else p[()],
    "transpose": lambda p, q: p.T,
    "reshape": lambda p, q: p.reshape(-1),
    "concatenate": lambda p, q: np.concatenate([p, q]) if np.ndim(p) else p + q,
    "linear": lambda p, q: (st.nn.functional.linear(np.ones((2, np.shape(p)[-1])), p, None)
                            if np.ndim(p) == 2 else 3.0 * p),
    "relu": lambda p, q: st.nn.functional.relu(p),
}

ENGINES = ["compiled", "python"] if engine.loaded() else ["python"]


def _run(which: str, fn):
    if which == "python":
        with engine.python_engine():
            return fn()
    return fn()


@pytest.mark.parametrize("which", ENGINES)
@given(names=hs.lists(hs.sampled_from(sorted(OPERATIONS)), min_size=1, max_size=4),
       other=hs.sampled_from(["parameter", "tensor", "array"]))
def test_results_of_parameters_are_tensors_with_the_tensors_numbers(which, names, other):
    start = np.arange(6.0).reshape(3, 2) / 7 - 0.3
    second = np.linspace(-1.0, 1.0, 6).reshape(3, 2)

    def program(p, q):
        out = p
        for name in names:
            out = OPERATIONS[name](out, q if np.shape(q) == np.shape(out) else out)
        return out

    def eager(kind):
        p = st.nn.Parameter(start) if kind == "parameter" else st.Tensor(start, requires_grad=True)
        q = {"parameter": st.nn.Parameter(second), "tensor": st.Tensor(second),
             "array": second}[other]
        out = program(p, q)
        assert type(out) is st.Tensor, (names, type(out))
        np.sum(out).backward()
        return np.asarray(out.data), p.grad

    value, grad = _run(which, lambda: eager("parameter"))
    value_t, grad_t = _run(which, lambda: eager("tensor"))
    np.testing.assert_array_equal(value, value_t)
    np.testing.assert_array_equal(grad, grad_t)


@pytest.mark.parametrize("which", ENGINES)
def test_a_module_keeping_an_activation_keeps_only_its_parameters(which):
    class Net(st.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = st.nn.Linear(3, 2)
            self.act = st.nn.ReLU()

        def forward(self, x):
            self.hidden = self.act(self.fc(x))
            self.doubled = self.hidden * 2.0
            return self.doubled.sum()

    def train():
        net = Net()
        loss = net(np.ones((4, 3)))
        net.zero_grad()
        loss.backward()
        names = [name for name, _ in net.named_parameters()]
        for p in net.parameters():
            p.data -= 0.1 * p.grad
        return names, type(net.hidden), type(loss)

    names, hidden, loss = _run(which, train)
    assert names == ["fc.weight", "fc.bias"]
    assert hidden is st.Tensor and loss is st.Tensor


@pytest.mark.parametrize("which", ENGINES)
def test_constants_made_from_parameters_are_tensors(which):
    def made():
        p = st.nn.Parameter(np.array([1.0, -2.0]))
        return [p.detach(), p > 0, np.sign(p), np.floor(p)]

    for value in _run(which, made):
        assert not isinstance(value, st.nn.Parameter)
