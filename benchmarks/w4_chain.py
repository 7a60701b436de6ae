"""W4: a long chain of scalar steps, x <- x + 0.01 sin(x), forward and backward.

Each step is three primitives (sin, multiply, add); the figure is the time
per primitive.  It measures the per-operation cost of an engine, which
dominates code written one number at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from common import Case

START = 0.3


def chain(x: Any, steps: int, sin: Callable[[Any], Any] = np.sin) -> Any:
    for _ in range(steps):
        x = x + 0.01 * sin(x)
    return x


def _floor(steps: int) -> Callable[[], Any]:
    def run() -> Any:
        x = START
        slopes = []
        for _ in range(steps):
            slopes.append(1.0 + 0.01 * math.cos(x))
            x = x + 0.01 * math.sin(x)
        derivative = 1.0
        for slope in reversed(slopes):
            derivative *= slope
        return x, derivative

    return run


def _steepest(steps: int) -> Callable[[], Any]:
    import steepest as st

    value_and_grad = st.value_and_grad(lambda x: chain(x, steps))
    return lambda: value_and_grad(START)


def _steepest_eager(steps: int) -> Callable[[], Any]:
    """PyTorch-style: a Tensor that records, Tensor.backward."""
    import steepest as st

    def run() -> Any:
        x = st.Tensor(START, requires_grad=True)
        out = chain(x, steps)
        out.backward()
        return float(out.data), float(x.grad)

    return run


def _steepest_traced(steps: int) -> Callable[[], Any]:
    """A fresh st.value_and_grad(lambda ...) on every call: traced, never replayed."""
    import steepest as st

    return lambda: st.value_and_grad(lambda x: chain(x, steps))(START)


def _steepest_first(steps: int) -> Callable[[], Any]:
    """A new function's first two calls: traced, then traced and recorded as a program."""
    import steepest as st

    def run() -> Any:
        value_and_grad = st.value_and_grad(lambda x: chain(x, steps))
        value_and_grad(START)
        return value_and_grad(START)

    return run


def _torch(steps: int) -> Callable[[], Any]:
    import torch

    def run() -> Any:
        x = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        out = chain(x, steps, torch.sin)
        (g,) = torch.autograd.grad(out, x)
        return out.item(), g.item()

    return run


def _jax(steps: int) -> Callable[[], Any]:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    value_and_grad = jax.value_and_grad(lambda x: chain(x, steps, jnp.sin))
    return lambda: tuple(float(v) for v in value_and_grad(START))


def _autograd(steps: int) -> Callable[[], Any]:
    import autograd
    import autograd.numpy as anp

    value_and_grad = autograd.value_and_grad(lambda x: chain(x, steps, anp.sin))
    return lambda: value_and_grad(START)


def _mygrad(steps: int) -> Callable[[], Any]:
    import mygrad as mg

    def run() -> Any:
        x = mg.tensor(START)
        out = chain(x, steps, mg.sin)
        out.backward()
        return out.item(), float(x.grad)

    return run


def cases(quick: bool) -> list[Case]:
    steps = 1_000
    makers = {
        "floor": _floor,
        "steepest": _steepest,
        "steepest.eager": _steepest_eager,
        "steepest.traced": _steepest_traced,
        "steepest.first2": _steepest_first,
        "autograd": _autograd,
        "mygrad": _mygrad,
        "torch": _torch,
        "jax": _jax,
    }
    factories = {name: (lambda make=make: make(steps)) for name, make in makers.items()}
    return [
        Case(
            f"W4 {steps:,} chained sin steps ({3 * steps:,} primitives), fwd + bwd",
            "primitive",
            3 * steps,
            factories,
            rtol=1e-9,
            notes={
                "micrograd": "has no sin primitive",
                "jax": "no jit (jit compiles the unrolled chain for seconds)",
                "steepest.eager": "Tensor(..., requires_grad=True), Tensor.backward()",
                "steepest.traced": "a fresh st.value_and_grad(lambda ...) each call (traced)",
                "steepest.first2": "a new function's first two calls: traced, then traced "
                "and recorded (the recording's cost is this minus steepest.traced)",
            },
        )
    ]
