"""The replay fast paths: long programs, argument signatures, delivered arrays."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import steepest as st
from steepest.autodiff import replay
from steepest.autodiff.transforms import _ReverseRun, _scalar_seed


def eager_value_and_grads(f, *args, argnums=(0,)):
    run = _ReverseRun(f, args, {}, argnums)
    return run.value, run.pullback(_scalar_seed(run.value))


def only_entry(f):
    table = replay._PROGRAMS[id(f)]
    assert len(table) == 1
    return next(iter(table.values()))


def long_mixed(w, x, unused):
    # Broadcasting, a reduction, indexing, matmul and constants, unrolled
    # far past the length that is compiled to straight-line code.
    for k in range(replay.MAX_COMPILED_STEPS // 5):
        w = np.tanh(w * x[0] + 0.1 * k) + np.sum(w) * 0.01 - w[::-1] / 7.0
    return np.sum(np.mean((x @ w)[:, None] * x, axis=0, keepdims=True) ** 2) / 3.0


def test_a_long_program_is_interpreted_and_equals_eager_bit_for_bit():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3))
    g = st.grad(long_mixed, argnums=(0, 1, 2))
    for _ in range(4):
        w = rng.normal(size=3)
        grads = g(w, x, 2.0)
        _, expected = eager_value_and_grads(long_mixed, w, x, 2.0, argnums=(0, 1, 2))
        for got, want in zip(grads, expected):
            np.testing.assert_array_equal(got, want)
        assert grads[2] == 0.0
    program = only_entry(long_mixed).program
    assert program is not None and not program.compiled and program.source is None


def test_a_long_program_agrees_with_pytorch():
    def f(v):
        for _ in range(300):
            v = v + 0.1 * np.sin(v) * np.exp(-(v**2))
        return np.sum(v**2)

    v0 = np.linspace(-1.5, 2.0, 5)
    for _ in range(3):
        got = st.grad(f)(v0)
    t = torch.tensor(v0, requires_grad=True)
    out = t
    for _ in range(300):
        out = out + 0.1 * torch.sin(out) * torch.exp(-(out**2))
    (expected,) = torch.autograd.grad(torch.sum(out**2), t)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-12)
    assert not only_entry(f).program.compiled


def test_a_long_program_sees_a_mutated_closure_array():
    scale = np.array([0.5])

    def f(x):
        for _ in range(replay.MAX_COMPILED_STEPS):
            x = x + scale * np.sin(x)
        return x

    def expected(x0):
        x, d = x0, 1.0
        for _ in range(replay.MAX_COMPILED_STEPS):
            d *= 1 + scale[0] * np.cos(x)
            x = x + scale[0] * np.sin(x)
        return d

    assert [st.grad(f)(0.2) for _ in range(3)] == pytest.approx([expected(0.2)] * 3, rel=1e-12)
    scale[0] = 0.25
    assert st.grad(f)(0.2) == pytest.approx(expected(0.2), rel=1e-12)


def test_a_long_program_that_branches_is_traced_every_time():
    def f(x):
        for _ in range(replay.MAX_COMPILED_STEPS):
            x = x * 1.001 if x > 0 else x * 0.999
        return x

    assert st.grad(f)(1.0) == pytest.approx(1.001**replay.MAX_COMPILED_STEPS)
    assert st.grad(f)(1.0) == pytest.approx(1.001**replay.MAX_COMPILED_STEPS)
    assert st.grad(f)(-1.0) == pytest.approx(0.999**replay.MAX_COMPILED_STEPS)
    assert only_entry(f).program is None


def test_int_float_and_dtype_arguments_get_separate_programs():
    def f(a, b):
        return np.sum(a * b**2)

    for _ in range(3):
        assert st.grad(f, argnums=1)(2, 3.0) == 12.0
        assert st.grad(f, argnums=1)(2.0, 3) == 12.0
        g32 = st.grad(f, argnums=1)(np.ones(2, np.float32), np.full(2, 3.0, np.float32))
        g64 = st.grad(f, argnums=1)(np.ones(2), np.full(2, 3.0))
    assert g32.dtype == np.float32 and g64.dtype == np.float64
    np.testing.assert_array_equal(g32, [6.0, 6.0])
    assert len(replay._PROGRAMS[id(f)]) == 4


def test_replayed_gradients_are_fresh_writable_arrays():
    def f(w):
        return np.sum(w)

    w = np.arange(3.0)
    grads = [st.grad(f)(w) for _ in range(4)]
    for g in grads:
        assert g.flags.writeable
        g += 1.0  # must not change the next call's answer
    np.testing.assert_array_equal(st.grad(f)(w), np.ones(3))
    assert only_entry(f).program is not None


def test_replayed_value_is_a_python_float_for_a_scalar_loss():
    def f(w):
        return np.sum(w**2)

    for _ in range(3):
        value, g = st.value_and_grad(f)(np.array([1.0, 2.0]))
    assert type(value) is float and value == 5.0
    np.testing.assert_array_equal(g, [2.0, 4.0])
