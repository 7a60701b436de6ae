"""The short paths of elementwise operations and reductions on one reverse trace equal the
general path.

``Tensor`` operators and NumPy's ufuncs go straight to the primitive when
every traced argument is on one open reverse trace and the others are
numbers or numeric arrays.  Switched off (every call declined, so the
general path runs), the values and gradients must be the same, bit for bit,
in float32 and float64, with broadcasting, reflected operators, branches,
nested transforms and fresh ``st.grad`` calls.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import steepest as st
from steepest.autodiff.primitives import PRIMITIVES


def _general_path_only(patch):
    """Every primitive declines the short paths (``Primitive.short``, derived once, is frozen;
    ``Primitive.short_reduction``)."""
    for prim in PRIMITIVES.values():
        patch.setitem(prim.__dict__, "short", False)
        patch.setitem(prim.__dict__, "short_reduction", False)


@pytest.fixture(params=["short", "general"])
def path(request, monkeypatch):
    if request.param == "general":
        _general_path_only(monkeypatch)
    return request.param


def _both(fn, monkeypatch):
    """fn() with the short path, then with the general path only."""
    fast = fn()
    with monkeypatch.context() as patch:
        _general_path_only(patch)
        plain = fn()
    return fast, plain


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=True)


OPERATIONS = {
    "add": lambda a, b: a + b,
    "radd": lambda a, b: b + a,
    "sub": lambda a, b: a - b,
    "rsub": lambda a, b: b - a,
    "mul": lambda a, b: a * b,
    "rmul": lambda a, b: b * a,
    "div": lambda a, b: a / b,
    "rdiv": lambda a, b: b / a,
    "pow": lambda a, b: a ** 2 + a ** 3.0,
    "np.add": lambda a, b: np.add(a, b),
    "np.multiply": lambda a, b: np.multiply(b, a),
    "np.hypot": lambda a, b: np.hypot(a, b),
    "np.maximum": lambda a, b: np.maximum(a, b),
}

SECONDS = {
    "float": lambda dtype: 1.75,
    "int": lambda dtype: 3,
    "np.float32": lambda dtype: np.float32(0.5),
    "row": lambda dtype: np.linspace(0.5, 2.0, 4).astype(dtype),
    "column": lambda dtype: np.linspace(1.0, 3.0, 3).astype(dtype)[:, None],
    "tensor": lambda dtype: "tensor",
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("second", list(SECONDS))
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_operations_equal_the_general_path(name, second, dtype, monkeypatch):
    op = OPERATIONS[name]
    a_value = np.random.default_rng(0).uniform(0.5, 2.0, (3, 4)).astype(dtype)

    def run():
        a = st.Tensor(a_value, requires_grad=True)
        other = SECONDS[second](dtype)
        b = st.Tensor(a_value[::-1] * 0.5 + 0.25, requires_grad=True) if isinstance(other, str) \
            else other
        out = op(a, b)
        loss = np.sum(out * np.arange(1.0, 13.0).reshape(3, 4).astype(dtype))
        loss.backward()
        grads = [a.grad] + ([b.grad] if isinstance(b, st.Tensor) else [])
        return out.data, loss.data, grads

    (out, loss, grads), (out2, loss2, grads2) = _both(run, monkeypatch)
    _same(out, out2)
    _same(loss, loss2)
    for g, g2 in zip(grads, grads2):
        if g is None or g2 is None:  # an argument the operation does not use
            assert g is None and g2 is None
            continue
        _same(g, g2)
        assert g.dtype == dtype


UNARY = [np.sin, np.cos, np.exp, np.log, np.sqrt, np.tanh, np.negative, np.square,
         np.arctan, np.log1p, np.cbrt, np.reciprocal]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ufunc", UNARY, ids=lambda u: u.__name__)
def test_ufuncs_equal_the_general_path(ufunc, dtype, monkeypatch):
    value = np.linspace(0.25, 2.5, 7).astype(dtype)

    def run():
        x = st.Tensor(value, requires_grad=True)
        y = ufunc(x)
        np.sum(y * y).backward()
        return y.data, x.grad

    (y, g), (y2, g2) = _both(run, monkeypatch)
    _same(y, y2)
    _same(g, g2)


def chain(x, steps=300):
    for _ in range(steps):
        x = x + 0.01 * np.sin(x)
    return x


def _chain_by_hand(x, steps=300):
    derivative = 1.0
    for _ in range(steps):
        derivative *= 1.0 + 0.01 * math.cos(x)
        x = x + 0.01 * math.sin(x)
    return x, derivative


def test_a_long_chain_eager_and_fresh_grad(monkeypatch):
    def run():
        x = st.Tensor(0.3, requires_grad=True)
        out = chain(x)
        out.backward()
        fresh = st.value_and_grad(lambda v: chain(v))(0.3)  # a new function: traced
        return float(out.data), float(x.grad), fresh

    (value, slope, fresh), (value2, slope2, fresh2) = _both(run, monkeypatch)
    assert (value, slope) == (value2, slope2)
    assert fresh == fresh2 == (value, slope)
    expected = _chain_by_hand(0.3)
    assert value == pytest.approx(expected[0], rel=1e-13)
    assert slope == pytest.approx(expected[1], rel=1e-13)


def test_shared_subexpressions_and_branches(path):
    # A diamond (x used by several paths) and a branch on a traced value.
    def f(x):
        y = x * x
        z = y + np.sin(y) * x
        return z * 2.0 if z > 0 else -z

    x = st.Tensor(0.7, requires_grad=True)
    out = f(x)
    out.backward()
    y = 0.49
    expected = 2.0 * (2 * 0.7 + np.cos(y) * 2 * 0.7 * 0.7 + np.sin(y))
    assert float(x.grad) == pytest.approx(expected, rel=1e-14)
    assert st.grad(f)(0.7) == pytest.approx(expected, rel=1e-14)
    assert st.grad(f)(-0.7) == pytest.approx(-2.0 * (2 * -0.7 + np.cos(y) * 2 * 0.49
                                                      + np.sin(y)) * -1, rel=1e-14)


def test_nested_transforms_take_the_general_path(path):
    # Values of an outer trace inside an inner one: second derivatives stay right.
    f = lambda x: x * x * x + 2.0 * np.sin(x)  # noqa: E731
    second = st.grad(st.grad(f))
    assert second(0.4) == pytest.approx(6 * 0.4 - 2.0 * np.sin(0.4), rel=1e-14)
    assert st.hessian(lambda v: np.sum(v * v * v))(np.array([1.0, 2.0]))[1, 1] == 12.0


def test_no_grad_and_constants(path):
    w = st.Tensor([1.0, 2.0], requires_grad=True)
    with st.no_grad():
        v = w * 3.0 + 1
    assert not v.requires_grad
    c = st.Tensor([2.0, 5.0])  # a constant tensor
    loss = np.sum(w * c + c)
    loss.backward()
    assert np.array_equal(w.grad, [2.0, 5.0])


def test_leaf_gradients_never_share_memory(path):
    w = st.Tensor([1.0, 2.0], requires_grad=True)
    v = st.Tensor([3.0, 4.0], requires_grad=True)
    seed = np.array([1.0, 1.0])
    (w + v).backward(seed)
    assert not np.shares_memory(w.grad, v.grad)
    assert not np.shares_memory(w.grad, seed) and not np.shares_memory(v.grad, seed)
    w.grad += 1.0
    assert np.array_equal(v.grad, [1.0, 1.0]) and np.array_equal(seed, [1.0, 1.0])
    # A transpose's gradient is a view of memory made for it alone: its own array.
    m = st.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    np.sum(m.T @ np.ones((2, 2))).backward()
    assert np.array_equal(m.grad, np.full((2, 3), 2.0))
    # Accumulation adds.
    np.sum(m * 1.0).backward()
    assert np.array_equal(m.grad, np.full((2, 3), 3.0))


def test_detach_shares_memory_and_records_nothing():
    w = st.Tensor([1.0, 2.0], requires_grad=True)
    d = w.detach()
    assert not d.requires_grad and np.shares_memory(d.data, w.data)
    loss = np.sum(w * d)
    loss.backward()
    assert np.array_equal(w.grad, [1.0, 2.0])  # d is a constant: d(w * d)/dw = d


def test_the_order_of_a_deep_graph_needs_no_recursion():
    x = st.Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    y.backward()
    assert float(x.grad) == 1.0



def _steps(x, w, steps=40):
    """Numbers through sums, products, reflected constants and a ufunc; w used at every step."""
    for _ in range(steps):
        x = x * w + np.sin(x) - 0.5 * x
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_on_numbers_equals_the_traced_gradient(dtype, path):
    # Tensor.backward orders the graph by a walk and sums numbers without shape checks;
    # st.grad sweeps its tape. Both must give the same numbers, in the values' dtype.
    x = st.Tensor(np.array(0.3, dtype=dtype), requires_grad=True)
    w = st.Tensor(np.array(0.9, dtype=dtype), requires_grad=True)
    out = _steps(x, w)
    out.backward()
    gx, gw = st.grad(_steps, argnums=(0, 1))(np.array(0.3, dtype=dtype),
                                             np.array(0.9, dtype=dtype))
    _same(x.grad, gx)
    _same(w.grad, gw)
    assert x.grad.dtype == dtype and x.grad.shape == ()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_with_numbers_and_broadcast_arrays(dtype, path):
    # A 0-d leaf meets arrays: its gradient is summed over the broadcast (the shape path),
    # while the numbers of the same graph take the short one.
    values = np.linspace(0.5, 2.0, 12).reshape(3, 4).astype(dtype)

    def f(s, v):
        t = s * s + np.sin(s)
        return np.sum(np.sin(v * t) + t * v) * s

    s = st.Tensor(np.array(0.7, dtype=dtype), requires_grad=True)
    v = st.Tensor(values, requires_grad=True)
    f(s, v).backward()
    gs, gv = st.grad(f, argnums=(0, 1))(np.array(0.7, dtype=dtype), values)
    _same(s.grad, gs)
    _same(v.grad, gv)


def test_leaves_found_by_the_walk(path):
    a = st.Tensor(2.0, requires_grad=True)
    b = st.Tensor(3.0, requires_grad=True)
    c = st.Tensor(5.0)  # a constant: no gradient
    unused = st.Tensor(7.0, requires_grad=True)
    out = a * b + a * a + c * b + a
    out.backward()
    assert float(a.grad) == 3.0 + 4.0 + 1.0 and float(b.grad) == 2.0 + 5.0
    assert c.grad is None and unused.grad is None
    # Accumulated over a second backward; a leaf as the output gets the seed.
    (a * b).backward()
    assert float(a.grad) == 11.0 and float(b.grad) == 9.0
    a.backward()
    assert float(a.grad) == 12.0


REDUCTIONS = {
    "x.sum(axis=1, keepdims=True)": lambda x: x.sum(axis=1, keepdims=True),
    "x.sum()": lambda x: x.sum(),
    "np.sum(x, axis=0)": lambda x: np.sum(x, axis=0),
    "np.sum(x, axis=(0, 1))": lambda x: np.sum(x, axis=(0, 1)),
    "x.max(axis=1, keepdims=True)": lambda x: x.max(axis=1, keepdims=True),
    "np.max(x, axis=-1)": lambda x: np.max(x, axis=-1),
    "np.amax(x)": lambda x: np.amax(x),
    "x.min(axis=0, keepdims=True)": lambda x: x.min(axis=0, keepdims=True),
    "np.min(x, axis=(0, 1))": lambda x: np.min(x, axis=(0, 1)),
    "x.mean(axis=1)": lambda x: x.mean(axis=1),
    "np.mean(x, axis=0, keepdims=True)": lambda x: np.mean(x, axis=0, keepdims=True),
    "np.mean(x)": lambda x: np.mean(x),
    # With options: the general path, whichever path is on.
    "np.sum(x, axis=1, where=...)": lambda x: np.sum(x, axis=1, where=np.array([True, False] * 2)),
    "x.max(axis=0, initial=...)": lambda x: x.max(axis=0, initial=1.0),
    "np.sum(x, dtype=np.float64)": lambda x: np.sum(x, dtype=np.float64),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reductions_equal_the_general_path(name, dtype, monkeypatch):
    reduce = REDUCTIONS[name]
    # A tie in each row and column (the max and min share their gradient there).
    value = np.array([[0.5, 2.0, 2.0, -1.0], [1.5, 0.25, -3.0, 1.5],
                      [0.5, 2.5, 0.75, -1.0]], dtype=dtype)

    def loss(x):
        r = reduce(x)
        return np.sum(r * r * 0.5 + r)

    def run():
        x = st.Tensor(value, requires_grad=True)
        r = reduce(x)
        out = loss(x)
        out.backward()
        return r.data, out.data, x.grad, st.grad(loss)(value)

    (r, out, g, traced), (r2, out2, g2, traced2) = _both(run, monkeypatch)
    expected = reduce(value)
    _same(r, expected)
    _same(r2, expected)
    _same(out, out2)
    _same(g, g2)
    _same(g, traced)
    _same(traced, traced2)
    assert g.dtype == dtype


def test_a_reduction_in_forward_mode_and_nested_transforms(path):
    x = np.array([[1.0, 2.0], [3.0, 5.0]])
    _, tangent = st.jvp(lambda v: np.sum(v * v, axis=1), (x,), (np.ones_like(x),))
    assert np.array_equal(tangent, [6.0, 16.0])
    hessian = st.hessian(lambda v: np.max(v * v, axis=0).sum())(np.array([[1.0], [3.0]]))
    assert np.array_equal(hessian.reshape(2, 2), [[0.0, 0.0], [0.0, 2.0]])
    # A reduction of a constant tensor records nothing.
    assert not st.Tensor(x).sum(axis=0).requires_grad


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_division_by_a_python_number_equals_numpy(dtype):
    # The partial of x / y for a Python y is 1 / y in Python, rounded once to x's dtype:
    # the same number as NumPy's float64 division, cast.
    from steepest.autodiff.primitives import _reciprocal_of_divisor

    x = np.ones(3, dtype=dtype)
    divisors = [64, 3, -7, 0.1, -1e-3, 2.5e-8, 1e10, 2 ** 53 - 1, 2 ** 60, 1e300, 0, 0.0,
                float("inf"), float("nan")]
    for y in divisors:
        with np.errstate(all="ignore"):
            local = _reciprocal_of_divisor(None, x, y)
            expected = np.true_divide(1.0, y).astype(dtype)
        assert type(local) is type(expected) and local.dtype == dtype
        assert np.array_equal(local, expected, equal_nan=True), y


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_backward_seeds_one_number_of_any_shape(shape, path):
    x = st.Tensor(np.full(shape, 3.0, dtype=np.float32), requires_grad=True)
    (x * x).backward()
    assert x.grad.shape == shape and x.grad.dtype == np.float32
    assert np.array_equal(x.grad, np.full(shape, 6.0))
    with pytest.raises(Exception, match=r"one-element tensor, not shape \(2,\)"):
        (st.Tensor(np.ones(2), requires_grad=True) * 2.0).backward()


def test_bare_partials_are_the_arguments_their_rules_give():
    # The short path takes a partial that is one argument (a product's other factor) without
    # calling its rule: the rule must give that very argument.
    args = (np.float64(0.25), np.array([1.5, -2.0]))
    checked = 0
    for prim in PRIMITIVES.values():
        for i, k in enumerate(prim.bare):
            if k is not None:
                ans = prim.forward(*args[:len(prim.partials)])
                assert prim.partials[i](ans, *args[:len(prim.partials)]) is args[k]
                checked += 1
    assert checked >= 2  # the product's two factors


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_methods_and_operators_equal_the_general_path(dtype, monkeypatch):
    # Tensor methods and operators are the primitives' applications themselves.
    def run():
        x = st.Tensor(np.array([0.5, 1.5], dtype=dtype), requires_grad=True)
        s = st.Tensor(np.array(0.25, dtype=dtype), requires_grad=True)
        out = np.sum((-x).exp() * s + x.sin() / s - 2.0 * x.tanh() + (3.0 - s) * x.square())
        out.backward()
        return out.data, x.grad, s.grad

    for fast, plain in zip(*_both(run, monkeypatch)):
        _same(fast, plain)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_graph_swept_twice_accumulates(dtype, path):
    # Two backward calls over one graph (leaves reached by several paths, numbers and a
    # broadcast array): the second adds what the first gave, as st.grad computes it twice.
    values = np.linspace(0.5, 2.0, 3).astype(dtype)

    def f(s, v):
        t = s * s + np.sin(s) * s
        return np.sum(v * t) + t * s

    s = st.Tensor(np.array(0.7, dtype=dtype), requires_grad=True)
    v = st.Tensor(values, requires_grad=True)
    out = f(s, v)
    out.backward()
    first_s, first_v = s.grad.copy(), v.grad.copy()
    out.backward()
    gs, gv = st.grad(f, argnums=(0, 1))(np.array(0.7, dtype=dtype), values)
    _same(first_s, gs)
    _same(first_v, gv)
    _same(s.grad, gs + gs)
    _same(v.grad, gv + gv)
