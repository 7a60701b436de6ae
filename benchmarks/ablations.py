"""What each design choice of the engine buys: the same workload with it switched off and on.

Each pair runs in this one process, interleaved (off, on, off, on...), with
one BLAS thread; the figures are medians.  A choice is switched off by
replacing the engine's function that makes it with one that declines, for
a function object of its own (recorded programs are cached per function),
so both variants compute the same answer, which is checked first.

    python benchmarks/ablations.py            # about a minute
    python benchmarks/ablations.py --quick
"""

from __future__ import annotations

import argparse
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import (  # noqa: E402
    Case,
    measure,
    per_unit,
    pin_threads_at_runtime,
    pin_threads_in_environment,
)


def _fresh(f: Callable[..., Any]) -> Callable[..., Any]:
    """A new function object with f's code, so that it is recorded afresh."""
    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,
                              f.__closure__)


@contextmanager
def _declining(owner: Any, name: str) -> Iterator[None]:
    with mock.patch.object(owner, name, lambda *args, **kwargs: None):
        yield


@contextmanager
def _general_path_only(flag: str = "short") -> Iterator[None]:
    """Every primitive declines a short path: ``"short"`` (elementwise operations) or
    ``"short_reduction"`` (sums, means, maxima and minima over axes)."""
    from steepest.autodiff.primitives import PRIMITIVES

    with ExitStack() as stack:
        for prim in PRIMITIVES.values():
            stack.enter_context(mock.patch.dict(prim.__dict__, {flag: False}))
        yield


@contextmanager
def _rules_called_for_bare_partials() -> Iterator[None]:
    """The short path calls every partial's rule, a product's (its other factor) too."""
    from steepest.autodiff.primitives import PRIMITIVES

    with ExitStack() as stack:
        for prim in PRIMITIVES.values():
            stack.enter_context(mock.patch.dict(prim.__dict__,
                                                {"bare": (None,) * len(prim.bare)}))
        yield


@contextmanager
def _reductions_and_general_applications_in_python() -> Iterator[None]:
    """The compiled engine without its reductions, NumPy protocols, general applications and
    ``Tensor.data``: Tensor's reduction methods, protocols and ``data`` are the Python ones its
    versions hand other calls to, and ``core.apply`` runs Python's."""
    from steepest import Tensor
    from steepest.autodiff import core

    names = ("sum", "mean", "max", "min", "__array_ufunc__", "__array_function__", "data")
    python = {name: getattr(getattr(Tensor, name), "python", getattr(Tensor, name))
              for name in names}
    with mock.patch.object(core, "_compiled_apply", None), mock.patch.multiple(Tensor, **python):
        yield


@contextmanager
def _every_edge_looked_at() -> Iterator[None]:
    """backward()'s test for leaves written in place since the graph used them walks every
    edge, without its first look at the leaves alone."""
    from steepest.autodiff import core, tensor

    with mock.patch.object(tensor, "leaf_written_after_use",
                           lambda order, leaves: core.leaf_written_after_its_child(order)):
        yield


@contextmanager
def _no_tables(float_descent: Any) -> Iterator[None]:
    """No table of bias corrections: every count takes its power, as on a first run."""
    with mock.patch.object(float_descent, "CORRECTIONS_SETTINGS", 0), \
            mock.patch.dict(float_descent._CORRECTIONS, clear=True):
        yield


def _pair(name: str, unit: str, per: int, make: Callable[[Any], Callable[[], Any]],
          switch_off: Callable[[], Any], rtol: float = 1e-12, atol: float = 0.0) -> Case:
    """A case whose 'floor' is the choice switched off and whose 'steepest' has it on."""

    def variant(off: bool) -> Callable[[], Any]:
        run = make(off)

        def timed() -> Any:
            with switch_off() if off else nullcontext():
                return run()

        return timed

    return Case(name, unit, per, {"floor": lambda: variant(True),
                                  "steepest": lambda: variant(False)}, rtol=rtol, atol=atol)


def cases(quick: bool) -> list[Case]:
    import numpy as np
    import w1_descent
    import w2_rosenbrock
    import w3_mlp
    import w4_chain

    import steepest as st
    from steepest.autodiff import core, fuse, native, primitives, replay
    from steepest.autodiff.engine import python_engine
    from steepest.nn.functional import softmax_cross_entropy
    from steepest.optim import float_descent
    from steepest.optim.objective import Objective

    steps = 1_000 if quick else 10_000
    epoch = 32 if quick else 156

    def sauna_loop(off: bool) -> Callable[[], Any]:
        gradient = st.grad(_fresh(w1_descent.sauna))

        def run() -> Any:
            v = np.array(w1_descent.START)
            for _ in range(steps):
                v = v - w1_descent.RATE * gradient(v)
            return v

        return run

    def chain(off: bool) -> Callable[[], Any]:
        def f(x: Any) -> Any:
            return w4_chain.chain(x, 1_000, np.sin)

        value_and_grad = st.value_and_grad(_fresh(f))
        return lambda: value_and_grad(w4_chain.START)

    def scheduled(off: bool) -> Callable[[], Any]:
        sauna = _fresh(w1_descent.sauna)
        rate = st.optim.schedules.exponential(w1_descent.RATE, 0.9999)
        return lambda: st.minimize(sauna, np.array(w1_descent.START), lr=rate,
                                   max_iter=steps, tol=None, record=False).x

    def minimize(off: bool) -> Callable[[], Any]:
        sauna = _fresh(w1_descent.sauna)
        return lambda: st.minimize(sauna, np.array(w1_descent.START), lr=w1_descent.RATE,
                                   max_iter=steps, tol=None, record=False).x

    def adam(off: bool) -> Callable[[], Any]:
        sauna = _fresh(w1_descent.sauna)
        return lambda: st.minimize(sauna, np.array(w1_descent.START), method="adam",
                                   lr=w1_descent.RATE, max_iter=steps, tol=None,
                                   record=False).x

    def mlp(fused: bool) -> Callable[[], Any]:
        inputs, labels, one_hot = w3_mlp.data(epoch)

        def fused_loss(w1: Any, b1: Any, w2: Any, b2: Any, x: Any, y: Any) -> Any:
            return softmax_cross_entropy(np.maximum(x @ w1 + b1, 0) @ w2 + b2, y)

        gradient = st.grad(_fresh(fused_loss if fused else w3_mlp.loss), argnums=(0, 1, 2, 3))
        targets = labels if fused else one_hot

        def run() -> Any:
            params = w3_mlp.initial_parameters()
            for k in range(epoch):
                batch = slice(k * w3_mlp.BATCH, (k + 1) * w3_mlp.BATCH)
                for p, g in zip(params, gradient(*params, inputs[batch], targets[batch])):
                    p -= w3_mlp.RATE * g
            return tuple(params)

        return run

    tips = st.datasets.load("tips")["tip"].to_numpy()

    def huber(theta: Any, y: Any) -> Any:
        r = y - theta
        return np.mean(np.where(np.abs(r) <= 1.0, 0.5 * r**2, np.abs(r) - 0.5))

    def huber_descent(off: bool) -> Callable[[], Any]:
        gradient = st.grad(_fresh(huber))

        def run() -> Any:
            theta = 0.0
            for _ in range(steps // 5):
                theta = theta - 0.2 * gradient(theta, tips)
            return theta

        return run

    def rosenbrock_large(off: bool) -> Callable[[], Any]:
        x = w2_rosenbrock.point(100_000)
        # value_and_grad computes the loss too; grad replays the gradient-only program.
        transform = st.value_and_grad if off else st.grad
        gradient = transform(_fresh(w2_rosenbrock.rosenbrock))

        def run() -> Any:
            for _ in range(19):
                gradient(x)
            return gradient(x)[1] if off else gradient(x)

        return run

    def rosenbrock_grad(off: bool) -> Callable[[], Any]:
        x = w2_rosenbrock.point(100_000)
        gradient = st.grad(_fresh(w2_rosenbrock.rosenbrock))

        def run() -> Any:
            for _ in range(19):
                gradient(x)
            return gradient(x)

        return run

    def rosenbrock_native(n: int) -> Callable[[bool], Callable[[], Any]]:
        def make(off: bool) -> Callable[[], Any]:
            x = w2_rosenbrock.point(n)
            gradient = st.grad(_fresh(w2_rosenbrock.rosenbrock))
            calls = max(1, 2_000_000 // n)
            for _ in range(3):  # recorded; its loop asked for
                gradient(x)
            native.wait()  # compiled (or loaded from the cache) before anything is timed

            def run() -> Any:
                for _ in range(calls - 1):
                    gradient(x)
                return gradient(x)

            return run

        return make

    def rosenbrock_small(off: bool) -> Callable[[], Any]:
        x = w2_rosenbrock.point(10)
        gradient = st.grad(_fresh(w2_rosenbrock.rosenbrock))

        def run() -> Any:
            for _ in range(1_999):
                gradient(x)
            return gradient(x)

        return run

    def eager_chain(off: bool) -> Callable[[], Any]:
        def run() -> Any:
            x = st.Tensor(w4_chain.START, requires_grad=True)
            out = w4_chain.chain(x, 1_000, np.sin)
            out.backward()
            return float(out.data), float(x.grad)

        return run

    def first_two_calls(off: bool) -> Callable[[], Any]:
        def run() -> Any:
            value_and_grad = st.value_and_grad(lambda x: w4_chain.chain(x, 1_000, np.sin))
            value_and_grad(w4_chain.START)
            return value_and_grad(w4_chain.START)

        return run

    def first_call_large(off: bool) -> Callable[[], Any]:
        x = w2_rosenbrock.point(1_000_000)
        return lambda: st.grad(lambda v: w2_rosenbrock.rosenbrock(v))(x)

    def pytorch_style(float64_parameters: bool, order: str = "K") -> Callable[[], Any]:
        return w3_mlp.pytorch_style(st, epoch, dtype=np.float64 if float64_parameters else None,
                                    order=order)

    def written_out_layer() -> Any:
        # Linear.forward as it was before the layer became one operation.
        def forward(self: Any, x: Any) -> Any:
            if not self._dtype_settled:
                self._settle_dtype(x)
            x = st.nn.layers.as_input(x, self.weight.dtype)
            out = x @ self.weight.T
            return out + self.bias if self.bias is not None else out

        return mock.patch.object(st.nn.Linear, "forward", forward)

    def floats_off() -> Any:
        stack = mock.patch.multiple(replay, _float_sweep=lambda *a: None,
                                    _float_interpreter=lambda *a: None,
                                    _tape_float_interpreter=lambda *a: None)
        return stack

    return [
        _pair(f"programs over Python floats: W1 `st.grad` in a loop, {steps:,} steps", "step",
              steps, sauna_loop, floats_off),
        _pair("programs over Python floats: W4 1,000 chained sin steps", "primitive", 3_000,
              chain, floats_off),
        _pair(f"reads repeated on replay: Huber loss on the tips, `st.grad` in a loop, "
              f"{steps // 5:,} steps", "step", steps // 5, huber_descent,
              lambda: _declining(replay, "_same_read")),
        _pair("gradient-only programs: W2 Rosenbrock, n = 100,000", "call", 20,
              rosenbrock_large, nullcontext),
        _pair(f"descent loop over floats: W1 `st.minimize`, {steps:,} steps", "step", steps,
              minimize, lambda: _declining(Objective, "float_sweep")),
        _pair(f"schedules written into the loop over floats: W1 `st.minimize`, "
              f"`lr=exponential(0.05, 0.9999)`, {steps:,} steps", "step", steps, scheduled,
              lambda: mock.patch.object(st.optim.schedules.Schedule, "float_formula",
                                        classmethod(lambda cls: None))),
        _pair(f"bias corrections at 1.0 for good left out of the loop over floats: W1 "
              f"`st.minimize`, `method=\"adam\"`, {steps:,} steps", "step", steps, adam,
              lambda: mock.patch.object(float_descent, "_bias_corrections", lambda *a: {})),
        _pair(f"a table of bias corrections kept by the process (no power once a count was "
              f"reached): W1 `st.minimize`, `method=\"adam\"`, {steps:,} steps", "step", steps,
              adam, lambda: _no_tables(float_descent)),
        _pair(f"fused softmax cross-entropy: W3, {epoch} steps", "epoch", 1,
              # float32 sums in another order, over 156 steps: close, not equal
              lambda off: mlp(fused=not off), nullcontext, rtol=1e-3, atol=1e-5),
        _pair(f"generated sums for broadcast gradients: W3, {epoch} steps", "epoch", 1,
              lambda off: mlp(fused=True), lambda: _declining(replay, "_reduction_to"),
              rtol=1e-6),
        _pair("fused elementwise runs into kept arrays: W2 Rosenbrock `st.grad`, n = 100,000",
              "call", 20, rosenbrock_grad, lambda: mock.patch.object(fuse, "ENABLED", False)),
        _pair("fused runs computed block by block: W2 Rosenbrock `st.grad`, n = 100,000",
              "call", 20, rosenbrock_grad, lambda: mock.patch.object(fuse, "BLOCKED", False)),
        *[_pair(f"fused runs as native loops (generated C): W2 Rosenbrock `st.grad`, "
                f"n = {n:,}", "call", max(1, 2_000_000 // n), rosenbrock_native(n),
                lambda: mock.patch.object(native, "ENABLED", False))
          for n in (100_000, 1_000_000)],
        _pair("small programs as direct ufunc calls: W2 Rosenbrock `st.grad`, n = 10",
              "call", 2_000, rosenbrock_small, lambda: mock.patch.object(fuse, "DIRECT", False)),
        _pair("a short path for elementwise operations: W4 eager `Tensor.backward`",
              "primitive", 3_000, eager_chain,
              _general_path_only),
        _pair("the eager path in C (`engine.c`): W4 eager `Tensor.backward`", "primitive",
              3_000, eager_chain, python_engine),
        _pair(f"the eager path in C (`engine.c`): W3 PyTorch-style, {epoch} steps", "epoch", 1,
              lambda off: pytorch_style(False), python_engine),
        _pair(f"reductions, NumPy's protocols, general applications and `Tensor.data` in C "
              f"(`engine.c`): W3 PyTorch-style, {epoch} steps", "epoch", 1,
              lambda off: pytorch_style(False), _reductions_and_general_applications_in_python),
        _pair("leaves written in place looked for among the leaves first, the edges only "
              "when one is newer than the graph: W4 eager `Tensor.backward`", "primitive",
              3_000, eager_chain, _every_edge_looked_at),
        _pair("a partial that is an argument taken without calling its rule: W4 eager "
              "`Tensor.backward`", "primitive", 3_000, eager_chain,
              _rules_called_for_bare_partials),
        _pair("the collector paused while a program is recorded: W4, a new function's first "
              "two calls", "primitive", 3_000, first_two_calls,
              lambda: mock.patch.object(replay.gc, "disable", lambda: None)),
        _pair("a long recording over floats read from the tape in one pass: W4, a new "
              "function's first two calls", "primitive", 3_000, first_two_calls,
              lambda: _declining(replay, "_tape_float_interpreter")),
        _pair("large temporaries released during a trace: W2 n = 1,000,000, a first call",
              "call", 1, first_call_large,
              lambda: mock.patch.object(core, "RELEASE_AT", 10**18)),
        _pair("partials read from the arguments computed in the backward sweep: W2 "
              "n = 1,000,000, a first call", "call", 1, first_call_large,
              lambda: mock.patch.object(core, "_only_array", lambda args, shape: None)),
        _pair(f"parameters in the data's dtype: W3 PyTorch-style, float32 data, {epoch} steps",
              "epoch", 1, pytorch_style, nullcontext, rtol=1e-3, atol=1e-4),
        _pair(f"a layer as one operation (`F.linear`): W3 PyTorch-style, {epoch} steps",
              "epoch", 1, lambda off: pytorch_style(False), written_out_layer, rtol=1e-6),
        _pair(f"a short path for reductions (`x.sum(axis=1, keepdims=True)`, `x.max(...)`): "
              f"W3 PyTorch-style, {epoch} steps", "epoch", 1,
              lambda off: pytorch_style(False), lambda: _general_path_only("short_reduction")),
        _pair(f"product gradients in their argument's layout: W3 PyTorch-style, Linear's own "
              f"C-ordered weights, {epoch} steps", "epoch", 1,
              lambda off: pytorch_style(False, order="C"),
              lambda: mock.patch.object(primitives, "_fortran_ordered", lambda a: False),
              # float32 products summed in another order, over the epoch: close, not equal
              rtol=1e-3, atol=1e-4),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="", metavar="TEXT",
                        help="run only the choices whose name contains TEXT")
    options = parser.parse_args()
    pin_threads_in_environment(1)
    pin_threads_at_runtime(1, torch_too=False)
    print("| design choice: workload | switched off | on | on / off |")
    print("|---|---|---|---|")
    for case in cases(options.quick):
        if options.only not in case.name:
            continue
        result = measure(case, repeats=5 if options.quick else 9, warmup=2)
        times = result["median_s"]
        if "floor" not in times or "steepest" not in times:
            print(f"| {case.name} | {result['notes']} | | |")
            continue
        off, on = times["floor"], times["steepest"]
        print(f"| {case.name} | {per_unit(off, case.per)} | {per_unit(on, case.per)} | "
              f"{on / off:.2f} |", flush=True)


if __name__ == "__main__":
    main()
