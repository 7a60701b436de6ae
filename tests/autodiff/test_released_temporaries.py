"""Large temporaries of a traced call are released before the call ends, invisibly.

A value the traced function no longer holds is replaced on the tape by a
stand-in of the same shape and dtype; the gradient is the same, bit for bit,
as with nothing released, values the function kept stay intact, and the
peak memory of the call is lower.
"""

from __future__ import annotations

import numpy as np
import pytest
from _ad_reference import peak_memory

import steepest as st
from steepest.autodiff import core

N = core.RELEASE_AT + 5


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def with_locals(x, w):
    hidden = np.tanh(x * w)  # held by a local until the end: never released
    scaled = hidden * 3.0 - x
    return np.mean(scaled ** 2) + np.sum(hidden * w)


def _point(n, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 2.0, n)


def _traced(f, *args, value=False):
    # A fresh function each time: traced, never replayed.
    transform = st.value_and_grad if value else st.grad
    return transform(lambda *a: f(*a), argnums=tuple(range(len(args))))(*args)


@pytest.mark.parametrize("value", [False, True])
@pytest.mark.parametrize("f, arity", [(rosenbrock, 1), (with_locals, 2)])
def test_the_same_gradient_as_with_nothing_released(f, arity, value, monkeypatch):
    args = [_point(N, seed) for seed in range(arity)]
    released = _traced(f, *args, value=value)
    monkeypatch.setattr(core, "RELEASE_AT", 10**12)
    kept = _traced(f, *args, value=value)
    flat = lambda r: [np.asarray(a) for part in r for a in (part if isinstance(part, tuple)  # noqa: E731
                                                           else (part,))]
    for a, b in zip(flat(released), flat(kept)):
        assert np.array_equal(a, b)


def test_values_the_function_keeps_stay_intact():
    kept = []

    def f(x):
        y = np.sin(x) * 2.0
        kept.append(y)  # held outside the call: never released
        z = y * y + 1.0
        return np.sum(z * x)

    x = _point(N)
    st.grad(lambda v: f(v))(x)
    assert np.array_equal(kept[0].data, np.sin(x) * 2.0)


def test_values_reachable_by_a_weak_reference_stay_intact():
    import weakref

    seen = []

    def f(x):
        y = np.cos(x) + 1.0
        ref = weakref.ref(y)  # only a weak reference is left once y is dropped
        z = y * 2.0
        del y
        w = np.sin(z) * x  # operations after: a release would have happened here
        seen.append(np.array_equal(ref().data, np.cos(x.data) + 1.0))
        return np.sum(w)

    st.grad(lambda v: f(v))(_point(N))
    assert seen == [True]


def test_a_pullback_can_be_called_again():
    x = _point(N)
    out, pullback = st.vjp(lambda v: np.exp(v * 0.5) * 2.0 + 1.0, x)
    np.testing.assert_allclose(out, np.exp(x * 0.5) * 2.0 + 1.0)
    first = pullback(np.ones(N))
    second = pullback(np.full(N, 2.0))
    np.testing.assert_allclose(first, np.exp(x * 0.5))
    np.testing.assert_allclose(second, 2.0 * first)


def test_the_first_call_needs_less_memory(monkeypatch):
    x = _point(1 << 18)
    released = peak_memory(lambda: _traced(rosenbrock, x))
    monkeypatch.setattr(core, "RELEASE_AT", 10**12)
    kept = peak_memory(lambda: _traced(rosenbrock, x))
    # Three full-size arrays fewer at the peak (each 2 MiB here).
    assert released <= kept - 3 * x.nbytes
