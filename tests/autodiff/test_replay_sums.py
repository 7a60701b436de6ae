"""Recorded programs sum broadcast gradients with the array's own method, and the W3 fast paths.

Where an argument was broadcast, the generated code sums the gradient over axes
fixed when it is generated (``g.sum(axis=(0,))``) instead of calling
``unbroadcast``; the sums are the same, in the same order, so the numbers must
be the eager trace's bit for bit, in float32 and float64.  Also here: the
softmax cross-entropy kept between forward and vjp is per thread, its label
check, its row maximum, and replayed calls with arguments that are converted.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import steepest as st
from steepest.autodiff import primitives, replay
from steepest.autodiff.primitives import _class_targets, _row_max, softmax_cross_entropy_fn
from steepest.autodiff.transforms import _ReverseRun, _scalar_seed
from steepest.errors import DataError


def eager_value_and_grads(f, *args, argnums=(0,)):
    run = _ReverseRun(f, args, {}, argnums)
    return run.value, run.pullback(_scalar_seed(run.value))


def program_of(f, *args, argnums=(0,)):
    entry = replay._PROGRAMS[id(f)][replay._signature(args, argnums)]
    assert entry.program is not None
    return entry.program


def bias_layer(w, b):
    return np.sum(np.tanh(w * b + b) * w)


def bias_sum(w, b):
    # A total: the gradient reaching the sum is the same number everywhere.
    return np.sum(w + b)


# (shape of w, shape of b): leading axes, stretched axes, both, and everything.
SHAPES = [
    ((64, 10), (10,)),
    ((4, 3), (1, 3)),
    ((4, 3), (4, 1)),
    ((2, 3, 4), (3, 1)),
    ((2, 3, 4), (1, 1, 4)),
    ((2, 3, 4), (2, 1, 4)),
    ((5,), (1,)),
    ((4, 3), ()),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("w_shape", "b_shape"), SHAPES)
@pytest.mark.parametrize("f", [bias_layer, bias_sum], ids=["product", "total"])
def test_summed_back_gradients_equal_eager_bit_for_bit(f, w_shape, b_shape, dtype):
    rng = np.random.default_rng(7)
    gradient = st.value_and_grad(f, argnums=(0, 1))
    for _ in range(4):
        w = rng.normal(size=w_shape).astype(dtype)
        b = rng.normal(size=b_shape).astype(dtype)
        value, grads = gradient(w, b)
        expected_value, expected = eager_value_and_grads(f, w, b, argnums=(0, 1))
        assert value == float(expected_value)
        for got, want, arg in zip(grads, expected, (w, b)):
            assert np.shape(got) == arg.shape and got.dtype == dtype
            np.testing.assert_array_equal(got, want)
    source = program_of(f, w, b, argnums=(0, 1)).source
    assert ".sum(axis=" in source and "unbroadcast(" not in source
    assert ".copy()" not in source  # a sum is a new array: nothing to copy before handing it back


def test_summed_back_gradients_are_fresh_arrays_on_every_call():
    w, b = np.ones((3, 2)), np.zeros(2)
    gradient = st.grad(bias_layer, argnums=1)
    first = [gradient(w, b) for _ in range(4)]
    for g in first:
        g += 100.0  # the caller's own array: the next call must not see it
    np.testing.assert_array_equal(gradient(w, b), st.grad(lambda b: bias_layer(w, b))(b))
    assert first[-1] is not first[-2]


def test_a_list_constant_as_the_gradient_is_summed_by_unbroadcast():
    # The gradient of x in x * [1, 2, 3] is the list itself: a list has no .sum method.
    def f(x):
        return np.sum(x * [1.0, 2.0, 3.0])

    for _ in range(4):
        assert st.grad(f)(2.0) == 6.0
        np.testing.assert_array_equal(st.grad(f)(np.array(2.0)), 6.0)
    assert "unbroadcast(" in program_of(f, 2.0).source


def test_reduction_code_for_shapes_that_are_no_sum_is_none():
    assert replay._reduction_to((3,), (4,)) is None
    assert replay._reduction_to((3,), (2, 3)) is None
    assert replay._reduction_to((4, 3), (4, 3)) is None


# -- the softmax cross-entropy ---------------------------------------------------------
def test_softmax_kept_for_the_vjp_is_per_thread():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(5, 4)).astype(np.float32)
    labels = rng.integers(0, 4, 5).astype(np.float64)
    value = primitives._softmax_cross_entropy_forward(z, labels)
    assert primitives._kept_softmax.entry is not None
    seen = []

    def other_thread():
        seen.append(primitives._kept_softmax.entry)
        seen.append(primitives._softmax_residual(z, labels, value))

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen[0] is None  # the other thread computes its own softmax...
    assert primitives._kept_softmax.entry is not None  # ...and leaves this one's alone
    mine = primitives._softmax_residual(z, labels, value)
    assert primitives._kept_softmax.entry is None
    np.testing.assert_array_equal(seen[1], mine)
    assert mine.dtype == np.float32


def test_threads_training_at_once_get_their_own_gradients():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 3)).astype(np.float32)

    def loss(w, labels):
        return softmax_cross_entropy_fn(np.maximum(x @ w, 0) @ w.T @ w, labels)

    cases = [(rng.normal(size=(3, 4)).astype(np.float32), rng.integers(0, 4, 6))
             for _ in range(4)]
    expected = [st.grad(lambda w, y=y: loss(w, y))(w) for w, y in cases]
    gradient = st.grad(loss)
    failures = []

    def train(k):
        w, y = cases[k]
        for _ in range(200):
            if not np.array_equal(gradient(w, y), expected[k]):
                failures.append(k)
                return

    threads = [threading.Thread(target=train, args=(k,)) for k in range(len(cases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_labels_are_classes_exactly_when_whole_and_in_range(dtype):
    k = 4
    with np.errstate(over="ignore"):
        candidates = np.array([0.0, -0.0, 1.0, 3.0, 2.5, 4.0, -1.0, -0.5, 3.999, np.nan,
                               np.inf, -np.inf, 1e30], dtype=dtype)
    for value in candidates:
        labels = np.array([value, 1.0], dtype=dtype)
        valid = bool(np.isfinite(value) and value == np.trunc(value) and 0 <= value < k)
        if valid:
            columns, target = _class_targets(labels, (2, k))
            assert target is None and columns.tolist() == [int(value), 1]
        else:
            with pytest.raises(DataError, match="out of range"):
                _class_targets(labels, (2, k))


@pytest.mark.parametrize("shape", [(64, 10), (3, 1), (0, 5), (7, 32), (5, 33), (2, 100)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_maximum_is_numpys(shape, dtype):
    z = np.random.default_rng(4).normal(size=shape).astype(dtype)
    if z.size:
        z.flat[::7] = -0.0
        z[0, -1] = np.nan
    np.testing.assert_array_equal(_row_max(z), z.max(axis=1, keepdims=True))
    np.testing.assert_array_equal(_row_max(z[:, ::-1]), z[:, ::-1].max(axis=1, keepdims=True))


# -- arguments converted on a replayed call -------------------------------------------
def test_replayed_calls_convert_integer_and_number_arguments_as_a_trace_does():
    def f(w, counts, scale, flags):
        return np.sum(w * counts * scale + flags)

    gradient = st.value_and_grad(f, argnums=(0, 1, 2, 3))
    rng = np.random.default_rng(5)
    for _ in range(4):
        args = (rng.normal(size=3).astype(np.float32), rng.integers(0, 5, 3), 3,
                rng.random(3) > 0.5)
        value, grads = gradient(*args)
        expected_value, expected = eager_value_and_grads(f, *args, argnums=(0, 1, 2, 3))
        assert value == float(expected_value)
        for got, want in zip(grads, expected):
            np.testing.assert_array_equal(got, want)
    assert replay._PROGRAMS[id(f)] and all(
        e.convert == (1, 2, 3) for e in replay._PROGRAMS[id(f)].values() if e.program)


def test_replayed_float32_loss_is_a_python_float():
    def f(w):
        return np.sum(w * w)

    for _ in range(3):
        value, g = st.value_and_grad(f)(np.array([1.0, 2.0], np.float32))
    assert type(value) is float and value == 5.0
    assert g.dtype == np.float32
