"""W3: one epoch of a 784-128-10 ReLU network, float32, batch 64, plain SGD.

Synthetic data from a seeded generator (the sizes of MNIST; the figures do
not depend on what the pixels show).  The floor is backpropagation written
out by hand in NumPy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from common import Case

BATCH = 64
RATE = 0.1
SIZES = (784, 128, 10)


def data(steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs, labels and one-hot labels for ``steps`` batches."""
    rng = np.random.default_rng(0)
    count = steps * BATCH
    inputs = rng.random((count, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[2], count)
    one_hot = np.eye(SIZES[2], dtype=np.float32)[labels]
    return inputs, labels, one_hot


def initial_parameters() -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    w1 = (rng.standard_normal(SIZES[:2]) * np.sqrt(2 / SIZES[0])).astype(np.float32)
    w2 = (rng.standard_normal(SIZES[1:]) * np.sqrt(2 / SIZES[1])).astype(np.float32)
    return [w1, np.zeros(SIZES[1], np.float32), w2, np.zeros(SIZES[2], np.float32)]


def loss(w1: Any, b1: Any, w2: Any, b2: Any, x: Any, y: Any) -> Any:
    """Mean softmax cross-entropy of the network, in plain NumPy."""
    hidden = np.maximum(x @ w1 + b1, 0)
    logits = hidden @ w2 + b2
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    return np.mean(np.log(np.sum(np.exp(shifted), axis=1)) - np.sum(y * shifted, axis=1))


def _floor(steps: int) -> Callable[[], Any]:
    inputs, _, one_hot = data(steps)

    def run() -> Any:
        w1, b1, w2, b2 = initial_parameters()
        for k in range(steps):
            x = inputs[k * BATCH : (k + 1) * BATCH]
            y = one_hot[k * BATCH : (k + 1) * BATCH]
            z1 = x @ w1 + b1
            h = np.maximum(z1, 0)
            z2 = h @ w2 + b2
            z2 -= z2.max(axis=1, keepdims=True)
            p = np.exp(z2)
            p /= p.sum(axis=1, keepdims=True)
            dz2 = (p - y) / np.float32(BATCH)
            dh = dz2 @ w2.T
            dh *= z1 > 0
            w2 -= RATE * (h.T @ dz2)
            b2 -= RATE * dz2.sum(axis=0)
            w1 -= RATE * (x.T @ dh)
            b1 -= RATE * dh.sum(axis=0)
        return w1, b1, w2, b2

    return run


def _steepest(steps: int) -> Callable[[], Any]:
    import steepest as st
    from steepest.nn.functional import softmax_cross_entropy

    inputs, labels, _ = data(steps)

    def fused_loss(w1: Any, b1: Any, w2: Any, b2: Any, x: Any, y: Any) -> Any:
        # steepest's own fused loss on integer labels, as the PyTorch engine
        # uses F.cross_entropy: the same number as ``loss``.
        hidden = np.maximum(x @ w1 + b1, 0)
        return softmax_cross_entropy(hidden @ w2 + b2, y)

    gradient = st.grad(fused_loss, argnums=(0, 1, 2, 3))

    def run() -> Any:
        params = initial_parameters()
        for k in range(steps):
            x = inputs[k * BATCH : (k + 1) * BATCH]
            y = labels[k * BATCH : (k + 1) * BATCH]
            for p, g in zip(params, gradient(*params, x, y)):
                p -= RATE * g
        return tuple(params)

    return run


def pytorch_style(st: Any, steps: int, *, dtype: Any = None,
                  order: str = "K") -> Callable[[], Any]:
    """One epoch written PyTorch-style with ``st`` (a steepest module): st.nn layers on
    float32 data, a hand-written log-softmax, loss.backward() and manual SGD.

    ``dtype``: the layers' dtype (None: the parameters take the data's float32);
    ``order``: the memory layout the weights are given in.
    """
    inputs, _, one_hot = data(steps)
    named = {} if dtype is None else {"dtype": dtype}

    def run() -> Any:
        w1, b1, w2, b2 = initial_parameters()
        net = st.nn.Sequential(st.nn.Linear(SIZES[0], SIZES[1], **named), st.nn.ReLU(),
                               st.nn.Linear(SIZES[1], SIZES[2], **named))
        for param, value in zip(net.parameters(), (w1.T, b1, w2.T, b2)):
            param.data = value.astype(dtype or np.float64, order=order)
        params = net.parameters()
        for k in range(steps):
            x = inputs[k * BATCH : (k + 1) * BATCH]
            y = one_hot[k * BATCH : (k + 1) * BATCH]
            logits = net(x)
            shifted = logits - logits.max(axis=1, keepdims=True).detach()
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            loss = -(log_probs * y).sum() / BATCH
            net.zero_grad()
            loss.backward()
            for p in params:
                p.data -= RATE * p.grad
        return tuple(np.asarray(p.data.T if p.ndim == 2 else p.data) for p in params)

    return run


def _steepest_eager(steps: int) -> Callable[[], Any]:
    """PyTorch-style: st.nn layers on float32 data (no dtype named)."""
    import steepest as st

    return pytorch_style(st, steps)


def _torch(steps: int) -> Callable[[], Any]:
    import torch
    import torch.nn.functional as F

    inputs, labels, _ = data(steps)
    x_all = torch.from_numpy(inputs)
    y_all = torch.from_numpy(labels)

    def run() -> Any:
        params = [torch.from_numpy(p).requires_grad_() for p in initial_parameters()]
        w1, b1, w2, b2 = params
        for k in range(steps):
            x = x_all[k * BATCH : (k + 1) * BATCH]
            logits = F.relu(x @ w1 + b1) @ w2 + b2
            grads = torch.autograd.grad(
                F.cross_entropy(logits, y_all[k * BATCH : (k + 1) * BATCH]), params
            )
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p -= RATE * g
        return tuple(p.detach().numpy() for p in params)

    return run


def _jax(steps: int) -> Callable[[], Any]:
    import jax
    import jax.numpy as jnp

    inputs, _, one_hot = data(steps)

    def f(params: Any, x: Any, y: Any) -> Any:
        w1, b1, w2, b2 = params
        logits = jnp.maximum(x @ w1 + b1, 0) @ w2 + b2
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(logits), axis=1))

    step = jax.jit(
        lambda params, x, y: [p - RATE * g for p, g in zip(params, jax.grad(f)(params, x, y))]
    )
    x_all, y_all = jnp.asarray(inputs), jnp.asarray(one_hot)

    def run() -> Any:
        params = [jnp.asarray(p) for p in initial_parameters()]
        for k in range(steps):
            params = step(
                params, x_all[k * BATCH : (k + 1) * BATCH], y_all[k * BATCH : (k + 1) * BATCH]
            )
        return tuple(np.asarray(p.block_until_ready()) for p in params)

    return run


def _autograd(steps: int) -> Callable[[], Any]:
    import autograd
    import autograd.numpy as anp

    inputs, _, one_hot = data(steps)

    def f(params: Any, x: Any, y: Any) -> Any:
        w1, b1, w2, b2 = params
        logits = anp.maximum(anp.dot(x, w1) + b1, 0) @ w2 + b2
        shifted = logits - anp.max(logits, axis=1, keepdims=True)
        return anp.mean(anp.log(anp.sum(anp.exp(shifted), axis=1)) - anp.sum(y * shifted, axis=1))

    gradient = autograd.grad(f)

    def run() -> Any:
        params = initial_parameters()
        for k in range(steps):
            grads = gradient(
                tuple(params),
                inputs[k * BATCH : (k + 1) * BATCH],
                one_hot[k * BATCH : (k + 1) * BATCH],
            )
            for p, g in zip(params, grads):
                p -= RATE * g
        return tuple(params)

    return run


def _mygrad(steps: int) -> Callable[[], Any]:
    import mygrad as mg

    inputs, _, one_hot = data(steps)

    def run() -> Any:
        params = initial_parameters()
        for k in range(steps):
            tensors = [mg.tensor(p) for p in params]
            w1, b1, w2, b2 = tensors
            x = inputs[k * BATCH : (k + 1) * BATCH]
            y = one_hot[k * BATCH : (k + 1) * BATCH]
            logits = mg.matmul(mg.maximum(mg.matmul(x, w1) + b1, 0), w2) + b2
            shifted = logits - mg.max(logits, axis=1, keepdims=True)
            value = mg.mean(mg.log(mg.sum(mg.exp(shifted), axis=1)) - mg.sum(y * shifted, axis=1))
            value.backward()
            for p, t in zip(params, tensors):
                p -= RATE * t.grad
        return tuple(params)

    return run


MAKERS = {
    "floor": _floor,
    "steepest": _steepest,
    "steepest.eager": _steepest_eager,
    "autograd": _autograd,
    "mygrad": _mygrad,
    "torch": _torch,
    "jax": _jax,
}


def cases(quick: bool) -> list[Case]:
    steps = 32 if quick else 156
    factories = {name: (lambda make=make: make(steps)) for name, make in MAKERS.items()}
    label = "one epoch" if steps == 156 else f"{steps} steps"
    return [
        Case(
            f"W3 MLP 784-128-10 float32, batch 64, {label}",
            "epoch",
            1,
            factories,
            rtol=1e-3,
            atol=1e-4,
            notes={"micrograd": "scalar-only engine (no arrays)", "jax": "jit(step)",
                   "steepest.eager": "PyTorch-style: st.nn.Sequential(Linear, ReLU, Linear) "
                   "on float32 data, a hand-written log-softmax, loss.backward(), manual SGD"},
        )
    ]
