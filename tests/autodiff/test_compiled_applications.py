"""Reductions and general applications on the compiled engine make Python's nodes and numbers.

``engine.c`` takes ``x.sum(axis=1, keepdims=True)``, ``np.max(x)`` (through
``__array_function__``), ``np.exp(x)`` (through ``__array_ufunc__``) and the
general application of a primitive with a vjp (``linear``, ``matmul``,
``reshape``...) in reverse mode; everything else goes to Python's functions.
Here random programs of reductions (axis None, an int, a negative int, a
tuple, a list, keepdims, method or NumPy spelling), shifts by a detached
maximum, linear layers with and without bias and matrix products run on
both engines, eager and under ``st.grad``, and must give the same values and
gradients bit for bit; the calls handed to Python, the errors and the
references held are checked too.
"""

from __future__ import annotations

import gc
import sys
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import steepest as st
from steepest.autodiff import core, engine
from steepest.nn import functional as F

compiled = pytest.mark.skipif(not engine.loaded(), reason="this machine cannot build the engine")


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=True)


def _both(fn):
    """fn() on the compiled engine (where it is loaded), then on Python's."""
    with np.errstate(all="ignore"):
        first = fn()
        with engine.python_engine():
            return first, fn()


def _same_trees(a, b):
    if isinstance(a, tuple | list):
        assert len(a) == len(b)
        for p, q in zip(a, b, strict=True):
            _same_trees(p, q)
    else:
        _same(a, b)


REDUCERS = {
    "sum": (lambda v, *a, **k: v.sum(*a, **k), np.sum),
    "mean": (lambda v, *a, **k: v.mean(*a, **k), np.mean),
    "max": (lambda v, *a, **k: v.max(*a, **k), np.max),
    "min": (lambda v, *a, **k: v.min(*a, **k), np.min),
    "amax": (lambda v, *a, **k: v.max(*a, **k), np.amax),
    "amin": (lambda v, *a, **k: v.min(*a, **k), np.amin),
}


def _axes(ndim):
    """The axis arguments valid for a value of ``ndim`` dimensions."""
    axes = [None]
    if ndim:
        axes += [0, -1, ndim - 1, (0,), [ndim - 1], tuple(range(ndim)), (-1, 0)[:ndim]]
    return axes


def _reduce(v, kind, axis_pick, keepdims, spelling):
    method, function = REDUCERS[kind]
    axis = _axes(np.ndim(v))[axis_pick % len(_axes(np.ndim(v)))]
    keywords = {} if keepdims is None else {"keepdims": keepdims}
    if spelling == "method":
        return method(v, axis=axis, **keywords)
    if spelling == "method, axis by position":
        return method(v, axis, **keywords)
    if spelling == "numpy, axis by position":
        return function(v, axis, **keywords)
    return function(v, axis=axis, **keywords)


reduction_steps = hs.tuples(
    hs.just("reduce"), hs.sampled_from(sorted(REDUCERS)), hs.integers(0, 7),
    hs.sampled_from([None, False, True]),
    hs.sampled_from(["method", "method, axis by position", "numpy", "numpy, axis by position"]))
other_steps = hs.tuples(hs.sampled_from([
    "shift by the detached max", "log-sum-exp", "linear", "linear, no bias",
    "linear, constant bias", "linear of a constant", "@", "np.matmul", "reflected @",
    "reshape", "transpose", "exp", "tanh", "relu"]))
programs = hs.lists(hs.one_of(reduction_steps, other_steps), min_size=1, max_size=10)


def _step(v, step, w, b):
    """One step of a random program on v; w (3, 3) and b (3,) traced parameters."""
    name = step[0]
    if name == "reduce":
        r = _reduce(v, *step[1:])
        return v * 0.5 + r if step[3] else r  # kept dimensions broadcast back
    rows = np.ndim(v) == 2 and np.shape(v)[1] == 3
    if name == "shift by the detached max":
        return v - v.max(axis=-1, keepdims=True).detach() if np.ndim(v) else v
    if name == "log-sum-exp":
        return v - np.log(np.exp(v).sum(axis=-1, keepdims=True)) if np.ndim(v) else v
    if name == "exp":
        return np.exp(v * 0.25)
    if name == "tanh":
        return np.tanh(v)
    if name == "relu":
        return F.relu(v - 0.5)
    if name == "reshape":
        return v.reshape(-1)
    if name == "transpose":
        return v.T
    if not rows:
        return v
    constant = np.linspace(-1.0, 1.0, 9).reshape(3, 3).astype(np.asarray(w.data).dtype)
    if name == "linear":
        return F.linear(v, w, b)
    if name == "linear, no bias":
        return F.linear(v, w)
    if name == "linear, constant bias":
        return F.linear(v, w, constant[0])
    if name == "linear of a constant":
        return F.linear(constant, w, b).sum(axis=0) + v
    if name == "@":
        return v @ w
    if name == "np.matmul":
        return np.matmul(v, w)
    return constant[:2] @ v.T @ v  # reflected @: an array on the left (NumPy's ufunc)


def _run(program, shape, dtype, eager):
    start = np.linspace(0.3, 1.1, int(np.prod(shape))).astype(dtype).reshape(shape)
    w0 = (np.linspace(-0.5, 0.7, 9).reshape(3, 3)).astype(dtype)
    b0 = np.array([0.1, -0.2, 0.3], dtype=dtype)

    def f(x, w, b):
        v = x
        for step in program:
            v = _step(v, step, w, b)
        return np.sum(v * 1.5) + np.sum(x * x) + np.sum(w) * 0.5 + np.sum(b)

    if not eager:
        return st.value_and_grad(f, argnums=(0, 1, 2))(start, w0, b0)
    x, w, b = (st.Tensor(a, requires_grad=True) for a in (start, w0, b0))
    out = f(x, w, b)
    out.backward()
    return out.data, (x.grad, w.grad, b.grad)


@given(program=programs, shape=hs.sampled_from([(2, 3), (4, 3), (3,), (2, 3, 3)]),
       dtype=hs.sampled_from([np.float64, np.float32]), eager=hs.booleans())
def test_random_programs_of_reductions_and_layers_equal_pythons_engine(program, shape, dtype,
                                                                     eager):
    first, reference = _both(lambda: _run(program, shape, dtype, eager))
    _same(first[0], reference[0])
    _same_trees(first[1], reference[1])


def test_the_w3_step_equals_pythons_engine():
    """The PyTorch-style step of the W3 benchmark, two steps of SGD, float32."""
    rng = np.random.default_rng(0)
    x = rng.random((8, 5), dtype=np.float32)
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 8)]

    def run():
        net = st.nn.Sequential(st.nn.Linear(5, 6, seed=0), st.nn.ReLU(),
                               st.nn.Linear(6, 4, seed=1))
        losses = []
        for _ in range(2):
            logits = net(x)
            shifted = logits - logits.max(axis=1, keepdims=True).detach()
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            loss = -(log_probs * y).sum() / 8
            net.zero_grad()
            loss.backward()
            for p in net.parameters():
                p.data -= 0.1 * p.grad
            losses.append(loss.data)
        return losses, [p.data for p in net.parameters()]

    first, reference = _both(run)
    _same_trees(first, reference)


def test_the_calls_handed_to_python_give_pythons_answers():
    a = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])

    def run():
        x = st.Tensor(a, requires_grad=True)
        w = st.Tensor(a.T.copy(), requires_grad=True)
        parts = [
            np.sum(x, dtype=np.float32), np.sum(x, axis=0, where=a > 0), np.sum(x, initial=2.0),
            np.max(x, axis=1, initial=5.0), np.min(x, where=a < 1, initial=9.0),
            np.mean(x, axis=(0, 1), keepdims=True), np.sum(np.stack([x, x]), axis=0),
            x.sum(axis=(1,)), x.max(keepdims=1), np.sum(x, keepdims=False),
            np.add.reduce(x, axis=1), np.maximum.reduce(x, axis=0), np.exp(x, casting="same_kind"),
            np.sum(x, axis=None, keepdims=np.True_), F.linear(x, w.T) * 2.0,
        ]
        with st.no_grad():
            frozen = (x.sum(axis=1), np.max(x), F.linear(a, w.T), x @ w)
        total = sum(np.sum(p) for p in parts)
        total.backward()
        nested = st.hessian(lambda v: np.sum(np.exp(v).sum(axis=0) ** 2)
                            + np.max(v @ v.T))(a)
        tangent = st.jvp(lambda v: F.linear(v, v, v[0]).max(axis=1).sum(), (a[:, :2],),
                         (np.ones((2, 2)),))
        large = st.value_and_grad(lambda v: np.sum(np.exp(v).max(axis=0)))(
            np.linspace(0.0, 1.0, core.RELEASE_AT * 2).reshape(2, -1))
        picture = st.trace(lambda v, m: np.max(F.linear(v, m), axis=1).sum(), a, a[:2])
        return ([p.data for p in parts],
                [np.asarray(getattr(v, "data", v)) for v in frozen],
                x.grad, w.grad, nested, tangent, large, picture.table())

    first, reference = _both(run)
    assert first[-1] == reference[-1]
    _same_trees(first[:-1], reference[:-1])


@pytest.mark.parametrize("call", [
    lambda x: x.sum(axis=5), lambda x: x.max(1, axis=1), lambda x: np.sum(x, axis=(0, 0)),
    lambda x: x.mean(axis=1.5), lambda x: x.min(keepdims=np.array([1, 2])),
    lambda x: x.sum(axis=0, bogus=1), lambda x: F.linear(x, np.ones((2, 2))),
    lambda x: x @ np.ones(4), lambda x: np.max(x[:0]), lambda x: x.sum(axis=[0, "a"]),
])
def test_errors_are_pythons_errors(call):
    errors = []
    for python in (False, True):
        x = st.Tensor(np.ones((2, 3)), requires_grad=True)
        with engine.python_engine() if python else np.errstate(), pytest.raises(
                Exception) as raised:
            call(x)
        errors.append(raised.value)
    assert type(errors[0]) is type(errors[1])
    assert str(errors[0]) == str(errors[1])


@compiled
def test_tensor_binds_the_compiled_methods_and_pythons_under_python_engine():
    assert type(st.Tensor.sum).__name__ == "Reduction"
    assert type(st.Tensor.__array_function__).__name__ == "Protocol"
    with engine.python_engine():
        assert type(st.Tensor.sum).__name__ == "function"
        assert type(st.Tensor.__array_ufunc__).__name__ == "function"
    assert type(st.Tensor.__array_ufunc__).__name__ == "Protocol"
    x = st.Tensor(np.ones((2, 3)), requires_grad=True)
    assert st.Tensor.sum(x, axis=0).data.tolist() == [2.0, 2.0, 2.0]  # unbound, as a function
    y = x.max(axis=1, keepdims=True)
    assert y._prim.name == "max" and y._parents == (x,) and y._argnums == (0,)
    assert y._saved[1] == {"axis": 1, "keepdims": True} and y._saved[0][0] is x.data


def test_nodes_are_freed_and_no_reference_is_kept():
    x = st.Tensor(np.ones((4, 3)), requires_grad=True)
    w = st.Tensor(np.full((2, 3), 0.5), requires_grad=True)
    b = st.Tensor(np.zeros(2), requires_grad=True)
    values = [x.data, w.data, b.data]
    before = [sys.getrefcount(v) for v in values]
    y = F.linear(x, w, b)
    nodes = [weakref.ref(n) for n in (y, y.max(axis=1, keepdims=True), np.sum(y, axis=0))]
    (y - y.max(axis=1, keepdims=True).detach()).sum().backward()
    del y
    gc.collect()
    assert all(node() is None for node in nodes)
    for _ in range(200):  # many applications on the same values hold nothing of them after
        out = np.exp(F.linear(x, w, b) @ w).sum(axis=-1, keepdims=True).mean()
        out.backward()
        del out
        x.grad = w.grad = b.grad = None
    for _ in range(200):  # nor do calls that fail in a forward
        with pytest.raises(ValueError):
            F.linear(x, b, w)
        with pytest.raises(ValueError):
            x.max(axis=1, keepdims=np.ones(2))
    gc.collect()
    assert [sys.getrefcount(v) for v in values] == before


def test_data_reads_and_writes_as_pythons_property():
    def run():
        t = st.Tensor([1.0, 2.0], requires_grad=True)
        seen = [t.data]
        for value in (np.array([3, 4]), np.float32([5.0, 6.0]), [7, 8], 2.5, np.array([True]),
                      np.array([1 + 2j]), np.arange(4.0).reshape(2, 2)[:, 0]):
            t.data = value
            seen.append(t.data)
        t.data -= 0.5 * t.data  # in place, as an SGD step writes it
        seen.append(t.data)
        nested = st.grad(lambda x: (x * 2.0).data.sum() + np.sum(x))(np.ones(2))
        with pytest.raises(AttributeError):
            del t.data
        return seen, nested, isinstance(st.Tensor.data, property)

    first, reference = _both(run)
    assert first[2] and reference[2]
    _same_trees(first[:2], reference[:2])
    t = st.Tensor([1.0])
    value = np.zeros(3)
    t.data = value
    assert t.data is value  # a float array is kept as it is, on both engines
