"""Local derivatives computed in the backward sweep, from the arguments, on large arrays.

A partial that reads the arguments only (``2 x`` for ``x ** 2``, ``cos x``
for ``sin x``) is not kept from the forward pass when its one array argument
is large: the argument is kept, and the sweep computes the partial with the
same rule on the same values.  Every value and gradient must be the same,
bit for bit, as with every partial computed on the way forward; and the
peak memory of a traced call is lower.
"""

from __future__ import annotations

import numpy as np
import pytest
from _ad_reference import peak_memory

import steepest as st
from steepest.autodiff import core

N = core.RELEASE_AT + 7


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def unary_rules(x):
    # Every rule whose partial is computed late, each on a large array.
    t = np.clip(x, -0.9, 0.9) * 0.5
    parts = [np.sin(x), np.cos(x), np.log(x * x + 1.0), np.log2(x * x + 2.0),
             np.log10(x * x + 3.0), np.log1p(x * x), np.arcsin(t), np.arccos(t), np.arctan(x),
             np.sinh(t), np.cosh(t), np.arcsinh(x), np.arccosh(x * x + 1.5), np.arctanh(t),
             np.abs(x), x ** 3.0, 2.0 ** (x * 0.1), np.arctan2(x, 2.0), np.arctan2(3.0, x),
             x / 3.0]
    return sum(np.sum(p * (k + 1.0)) for k, p in enumerate(parts))


def views(x):
    # Views of the argument (a slice, a reversed slice, a transpose) as the array argument.
    m = x[: (x.size // 8) * 8].reshape(8, -1)
    return np.sum(np.sin(m.T) ** 2) + np.sum(np.cos(x[::-1]) * x) + np.sum(x[1::2] ** 2)


def broadcasting(x, w):
    # A late partial's result broadcast against a small array, and two large arrays
    # in one power (computed on the way forward, as before).
    column = np.sin(x)[:, None] * w[None, :]
    return np.sum(column ** 2) + np.sum(np.abs(x) ** (w[0] + 2.0)) + np.sum(
        (x * x + 1.0) ** np.cos(x))


def branches(x):
    # np.where over late partials, and a Python branch on a value read.
    y = np.where(x > 0.5, np.sin(x) ** 2, np.log(x * x + 1.0))
    if np.sum(y) > 0:
        return np.sum(y * np.cos(x))
    return np.sum(y)


def used_many_times(x):
    # One value, its late partial's argument, used by several operations.
    c = np.cos(x)
    return np.sum(c ** 2 + np.sin(c) * c + np.log(c * c + 1.0) + c ** 3.0)


def two_arguments(x, w):
    return np.sum(np.arctan2(x, w) ** 2 + np.sin(x) * np.cos(w))


CASES = [(rosenbrock, 1), (unary_rules, 1), (views, 1), (used_many_times, 1),
         (branches, 1), (two_arguments, 2)]


def _point(n, seed, dtype):
    return np.random.default_rng(seed).uniform(-1.0, 2.0, n).astype(dtype)


def _all_now(monkeypatch):
    """Every local derivative computed on the way forward, as before (release still on)."""
    monkeypatch.setattr(core, "_only_array", lambda args, shape: None)


def _flat(result):
    value, grads = result
    return [np.asarray(value), *(np.asarray(g) for g in grads)]


def _value_and_grads(f, args):
    # A fresh function each time: traced, never replayed.
    return st.value_and_grad(lambda *a: f(*a), argnums=tuple(range(len(args))))(*args)


def _assert_identical(got, expected):
    for a, b in zip(_flat(got), _flat(expected), strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b, equal_nan=True)


def _counting_late_partials(monkeypatch):
    """How many partials were left to the sweep so far, in a list of one number."""
    count = [0]
    large_locals = core.large_locals

    def counted(*args):
        saved = large_locals(*args)
        count[0] += sum(type(local) is core.Later for local in saved)
        return saved

    monkeypatch.setattr(core, "large_locals", counted)
    return count


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("f, arity", CASES, ids=[f.__name__ for f, _ in CASES])
def test_the_same_values_and_gradients_as_computed_on_the_way_forward(f, arity, dtype,
                                                                       monkeypatch):
    args = [_point(N, seed, dtype) for seed in range(arity)]
    count = _counting_late_partials(monkeypatch)
    late = _value_and_grads(f, args)
    assert count[0] >= 3  # the comparison below is not of one path with itself
    _all_now(monkeypatch)
    _assert_identical(late, _value_and_grads(f, args))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_broadcasting_gives_the_same_values_and_gradients(dtype, monkeypatch):
    args = [_point(N, 0, dtype), np.array([0.5, -1.5, 2.0], dtype=dtype)]
    count = _counting_late_partials(monkeypatch)
    late = _value_and_grads(broadcasting, args)
    assert count[0] >= 3
    _all_now(monkeypatch)
    _assert_identical(late, _value_and_grads(broadcasting, args))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("f", [rosenbrock, used_many_times, views], ids=lambda f: f.__name__)
def test_recorded_and_replayed_calls_give_the_first_calls_gradient(f, dtype, monkeypatch):
    x = _point(N, 3, dtype)
    gradient = st.grad(f)
    calls = [gradient(x) for _ in range(3)]  # traced, recorded, replayed
    _all_now(monkeypatch)
    expected = st.grad(lambda v: f(v))(x)
    assert np.array_equal(calls[0], expected)
    for later in calls[1:]:
        np.testing.assert_allclose(later, expected, rtol=1e-12 if dtype == np.float64 else 1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_pullback_called_again_gives_the_same_as_with_partials_kept(dtype, monkeypatch):
    # A sweep that may be repeated keeps the partials it computed, for the next pullback.
    x = _point(N, 1, dtype)
    cotangents = [np.ones(N, dtype=dtype), np.full(N, 3.0, dtype=dtype)]

    def pullbacks():
        out, pullback = st.vjp(lambda v: np.sin(v) ** 2 + np.log(v * v + 1.0), x)
        return [out, *(pullback(c) for c in cotangents), pullback(cotangents[0])]

    late = pullbacks()
    _all_now(monkeypatch)
    for a, b in zip(late, pullbacks(), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert np.array_equal(late[1], late[3])


def test_second_derivatives_through_late_partials():
    # The inner gradient's values are traced by the outer one: computed on the way forward.
    x = _point(N, 2, np.float64)
    hvp = st.grad(lambda v: np.sum(st.grad(lambda u: np.sum(np.sin(u) ** 2))(v)))(x)
    np.testing.assert_allclose(hvp, 2.0 * np.cos(2.0 * x), rtol=1e-9, atol=1e-12)


def test_eager_tensors_keep_their_partials():
    x = st.Tensor(_point(N, 4, np.float64), requires_grad=True)
    squares = np.sin(x) ** 2
    assert not isinstance(squares._saved[0], core.Later)  # the user may change x's array
    np.sum(squares).backward()
    np.testing.assert_allclose(x.grad, np.sin(2.0 * x.data), rtol=1e-12, atol=1e-15)


def _hand_written(x):
    gradient = np.empty_like(x)
    inner = x[1:] - x[:-1] ** 2
    gradient[:-1] = -400.0 * x[:-1] * inner - 2.0 * (1 - x[:-1])
    gradient[-1] = 0.0
    gradient[1:] += 200.0 * inner
    return gradient


def test_traced_and_recorded_calls_within_one_and_a_half_times_the_hand_written_peak():
    x = _point(2_000_000, 5, np.float64)
    floor = peak_memory(lambda: _hand_written(x))
    gradient = st.grad(rosenbrock)
    kept = []
    traced = peak_memory(lambda: kept.append(gradient(x)))
    recorded = peak_memory(lambda: kept.append(gradient(x)))
    np.testing.assert_allclose(kept[0], _hand_written(x), rtol=1e-9, atol=1e-9)
    assert traced <= 1.5 * floor
    assert recorded <= 1.5 * floor


def test_one_array_fewer_at_the_peak_than_with_every_partial_kept(monkeypatch):
    x = _point(1 << 19, 6, np.float64)
    late = peak_memory(lambda: _value_and_grads(rosenbrock, [x]))
    _all_now(monkeypatch)
    now = peak_memory(lambda: _value_and_grads(rosenbrock, [x]))
    assert now - late >= 0.95 * x.nbytes  # (small objects of the trace differ by a few bytes)
