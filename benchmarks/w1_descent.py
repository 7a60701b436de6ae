"""W1: gradient descent on the sauna function, one Python-level step at a time.

T(x, y) = 85 - (1/90) x^2 (x - 6) y^2 (y - 6), from (0.5, 0.6) with rate
0.05: the lessons' example, run for many steps.  The floor is the gradient
written out by hand in Python floats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from common import Case

START = (0.5, 0.6)
RATE = 0.05


def _floor(steps: int) -> Callable[[], Any]:
    def run() -> Any:
        x, y = START
        for _ in range(steps):
            dx = -(1 / 90) * x * (3 * x - 12) * y * y * (y - 6)
            dy = -(1 / 90) * x * x * (x - 6) * y * (3 * y - 12)
            x, y = x - RATE * dx, y - RATE * dy
        return np.array([x, y])

    return run


def sauna(v: Any) -> Any:
    x, y = v[0], v[1]
    return 85 - (1 / 90) * x**2 * (x - 6) * y**2 * (y - 6)


def _steepest(steps: int) -> Callable[[], Any]:
    import steepest as st

    gradient = st.grad(sauna)

    def run() -> Any:
        v = np.array(START)
        for _ in range(steps):
            v = v - RATE * gradient(v)
        return v

    return run


def _steepest_minimize(steps: int) -> Callable[[], Any]:
    import steepest as st

    def run() -> Any:
        result = st.minimize(
            sauna, np.array(START), lr=RATE, max_iter=steps, tol=None, record=False
        )
        return np.asarray(result.x)

    return run


def _torch(steps: int) -> Callable[[], Any]:
    import torch

    def run() -> Any:
        v = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        for _ in range(steps):
            (g,) = torch.autograd.grad(sauna(v), v)
            with torch.no_grad():
                v -= RATE * g
        return v.detach().numpy().copy()

    return run


def _jax(steps: int) -> Callable[[], Any]:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    step = jax.jit(lambda v: v - RATE * jax.grad(sauna)(v))

    def run() -> Any:
        v = jnp.array(START, dtype=jnp.float64)
        for _ in range(steps):
            v = step(v)
        return np.asarray(v.block_until_ready())

    return run


def _autograd(steps: int) -> Callable[[], Any]:
    import autograd

    gradient = autograd.grad(sauna)

    def run() -> Any:
        v = np.array(START)
        for _ in range(steps):
            v = v - RATE * gradient(v)
        return v

    return run


def _mygrad(steps: int) -> Callable[[], Any]:
    import mygrad as mg

    def run() -> Any:
        v = np.array(START)
        for _ in range(steps):
            t = mg.tensor(v)
            sauna(t).backward()
            v = v - RATE * t.grad
        return v

    return run


def _micrograd(steps: int) -> Callable[[], Any]:
    from micrograd.engine import Value

    def run() -> Any:
        x, y = START
        for _ in range(steps):
            vx, vy = Value(x), Value(y)
            loss = 85 - (1 / 90) * vx**2 * (vx - 6) * vy**2 * (vy - 6)
            loss.backward()
            x, y = x - RATE * vx.grad, y - RATE * vy.grad
        return np.array([x, y])

    return run


def cases(quick: bool) -> list[Case]:
    steps = 1_000 if quick else 10_000
    makers = {
        "floor": _floor,
        "steepest": _steepest,
        "steepest.minimize": _steepest_minimize,
        "micrograd": _micrograd,
        "autograd": _autograd,
        "mygrad": _mygrad,
        "torch": _torch,
        "jax": _jax,
    }
    factories = {name: (lambda make=make: make(steps)) for name, make in makers.items()}
    return [
        Case(
            f"W1 sauna descent, {steps:,} steps",
            "step",
            steps,
            factories,
            notes={"jax": "jit(step) in a Python loop"},
        )
    ]
