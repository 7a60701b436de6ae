"""W2: the gradient of the n-dimensional Rosenbrock function, small and large n."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from common import Case


def rosenbrock(x: Any) -> Any:
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_gradient(x: np.ndarray) -> np.ndarray:
    """The gradient written out by hand in NumPy (the floor)."""
    gradient = np.empty_like(x)
    inner = x[1:] - x[:-1] ** 2
    gradient[:-1] = -400.0 * x[:-1] * inner - 2.0 * (1 - x[:-1])
    gradient[-1] = 0.0
    gradient[1:] += 200.0 * inner
    return gradient


def point(n: int) -> np.ndarray:
    return np.random.default_rng(n).uniform(-1.0, 2.0, n)


def _loop(gradient: Callable[[], Any], calls: int) -> Callable[[], Any]:
    def run() -> Any:
        for _ in range(calls - 1):
            gradient()
        return gradient()

    return run


def _floor(x: np.ndarray, calls: int) -> Callable[[], Any]:
    return _loop(lambda: rosenbrock_gradient(x), calls)


def _steepest(x: np.ndarray, calls: int) -> Callable[[], Any]:
    import steepest as st

    gradient = st.grad(rosenbrock)
    return _loop(lambda: gradient(x), calls)


def _torch(x: np.ndarray, calls: int) -> Callable[[], Any]:
    import torch

    def gradient() -> Any:
        t = torch.from_numpy(x).requires_grad_()
        (g,) = torch.autograd.grad(
            torch.sum(100.0 * (t[1:] - t[:-1] ** 2) ** 2 + (1 - t[:-1]) ** 2), t
        )
        return g.numpy()

    return _loop(gradient, calls)


def _jax(x: np.ndarray, calls: int) -> Callable[[], Any]:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def f(v: Any) -> Any:
        return jnp.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)

    gradient = jax.jit(jax.grad(f))
    v = jnp.asarray(x)
    return _loop(lambda: np.asarray(gradient(v).block_until_ready()), calls)


def _autograd(x: np.ndarray, calls: int) -> Callable[[], Any]:
    import autograd
    import autograd.numpy as anp

    gradient = autograd.grad(
        lambda v: anp.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)
    )
    return _loop(lambda: gradient(x), calls)


def _mygrad(x: np.ndarray, calls: int) -> Callable[[], Any]:
    import mygrad as mg

    def gradient() -> Any:
        t = mg.tensor(x)
        mg.sum(100.0 * (t[1:] - t[:-1] ** 2) ** 2 + (1 - t[:-1]) ** 2).backward()
        return t.grad

    return _loop(gradient, calls)


def _peak_mib(call: Callable[[], Any]) -> float:
    """The peak of memory traced (tracemalloc) during one call, above what was there before."""
    import tracemalloc

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        call()
        return (tracemalloc.get_traced_memory()[1] - before) / 2**20
    finally:
        tracemalloc.stop()


def memory(n: int) -> dict[str, Any]:
    """Peak memory of one gradient call at size n: the floor, and steepest's calls in turn.

    ``st.grad(f)``'s first call traces, its second records the program, the
    third replays it.  The answers are checked against the floor's.
    """
    import steepest as st

    x = point(n)
    expected = rosenbrock_gradient(x)
    peaks = {"floor": _peak_mib(lambda: rosenbrock_gradient(x))}
    del expected
    gradient = st.grad(rosenbrock)
    for label in ("st.grad, first call (traced)", "st.grad, second call (recorded)",
                  "st.grad, third call (replayed)"):
        result: list[Any] = []
        peaks[label] = _peak_mib(lambda result=result: result.append(gradient(x)))
        if not np.allclose(result[0], rosenbrock_gradient(x), rtol=1e-9, atol=1e-9):
            raise AssertionError(f"{label}: a gradient different from the floor's")
        del result
    return {"n": n, "peaks_mib": peaks}


def cases(quick: bool) -> list[Case]:
    result = []
    for n, calls in ((10, 200 if quick else 2_000), (100_000, 3 if quick else 20)):
        x = point(n)
        makers = {
            "floor": _floor,
            "steepest": _steepest,
            "autograd": _autograd,
            "mygrad": _mygrad,
            "torch": _torch,
            "jax": _jax,
        }
        factories = {
            name: (lambda make=make, x=x, calls=calls: make(x, calls))
            for name, make in makers.items()
        }
        result.append(
            Case(
                f"W2 Rosenbrock gradient, n = {n:,}",
                "call",
                calls,
                factories,
                rtol=1e-9,
                atol=1e-9,
                notes={"micrograd": "scalar-only engine (no arrays)", "jax": "jit(grad)"},
            )
        )
    return result
