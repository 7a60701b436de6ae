"""The paths a user takes first, each timed beside its reference in one process.

    python benchmarks/paths.py                 # all rows, medians of 7
    python benchmarks/paths.py --repeats 11    # more repeats on a busy machine
    python benchmarks/paths.py --json out.json
    python benchmarks/paths.py --clock cpu     # CPU time: steadier on a busy machine

Each row is one way of writing a computation with steepest, as a user
writes it (a ``Tensor`` with ``backward``, a fresh ``st.grad`` per call,
PyTorch-style layers, a recorded ``st.grad``), timed interleaved with its
reference (PyTorch eager, JAX ``jit(grad)``, the hand-written NumPy floor).
Only public names are used, so the same script measures an earlier version
of steepest too (put its ``src`` first on ``PYTHONPATH``).  Every answer is
checked against the reference's before anything is timed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import pin_threads_at_runtime, pin_threads_in_environment, same_answer  # noqa: E402

pin_threads_in_environment(1)

import numpy as np  # noqa: E402

STEPS = 1_000  # W4: 3,000 primitives
UNCHECKED = object()


def _w4_rows() -> list[tuple[str, str, dict[str, Callable[[], Any]], int]]:
    from w4_chain import START, chain

    import steepest as st

    def eager() -> Any:
        x = st.Tensor(START, requires_grad=True)
        out = chain(x, STEPS)
        out.backward()
        return float(out.data), float(x.grad)

    def traced() -> Any:
        return st.value_and_grad(lambda x: chain(x, STEPS))(START)

    def first_two() -> Any:
        value_and_grad = st.value_and_grad(lambda x: chain(x, STEPS))
        value_and_grad(START)
        return value_and_grad(START)

    class Trivial:
        """The least a traced value can do: NumPy's override protocol and Python's operators,
        each answering with a new object, computing nothing and recording nothing."""

        __slots__ = ("value",)

        def __init__(self, value: Any) -> None:
            self.value = value

        def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
            return Trivial(None)

        def __add__(self, other: Any) -> Any:
            return Trivial(None)

        __radd__ = __mul__ = __rmul__ = __add__

    def protocol_floor() -> Any:
        chain(Trivial(START), STEPS)
        return UNCHECKED

    engines: dict[str, Callable[[], Any]] = {"eager": eager, "traced": traced,
                                             "first two calls": first_two,
                                             "override protocol floor": protocol_floor}
    try:
        import torch

        def torch_eager() -> Any:
            x = torch.tensor(START, dtype=torch.float64, requires_grad=True)
            out = chain(x, STEPS, torch.sin)
            (g,) = torch.autograd.grad(out, x)
            return out.item(), g.item()

        engines["torch"] = torch_eager
    except ImportError:
        pass
    return [("W4 chain of 3,000 primitives, per primitive", "eager", engines, 3 * STEPS)]


def _w3_rows() -> list[tuple[str, str, dict[str, Callable[[], Any]], int]]:
    import w3_mlp as w3

    import steepest as st

    steps = 156
    engines = {"floor": w3.MAKERS["floor"](steps),
               "Linear(dtype=float32)": w3.pytorch_style(st, steps, dtype=np.float32),
               "Linear() on float32 data": w3.pytorch_style(st, steps)}
    with contextlib.suppress(ImportError):
        engines["torch"] = w3.MAKERS["torch"](steps)
    return [("W3 one epoch PyTorch-style (Sequential, log-softmax, backward, SGD)", "floor",
             engines, 1)]


def _w2_rows() -> list[tuple[str, str, dict[str, Callable[[], Any]], int]]:
    import w2_rosenbrock as w2

    import steepest as st

    rows = []
    for n, calls in ((10, 2_000), (100_000, 20)):
        x = w2.point(n)
        gradient = st.grad(w2.rosenbrock)
        engines = {"floor": w2._floor(x, calls),
                   "st.grad": w2._loop(lambda gradient=gradient, x=x: gradient(x), calls)}
        with contextlib.suppress(ImportError):
            engines["jax jit(grad)"] = w2._jax(x, calls)
        rows.append((f"W2 Rosenbrock gradient, n = {n:,}, per call", "floor", engines, calls))
    return rows


def measure(repeats: int, clock: Callable[[], float] = time.perf_counter
            ) -> list[dict[str, Any]]:
    pin_threads_at_runtime(1)
    rows = []
    for name, reference, engines, per in (*_w4_rows(), *_w3_rows(), *_w2_rows()):
        answers = {engine: run() for engine, run in engines.items()}
        for engine, answer in answers.items():
            if answer is UNCHECKED:  # computes nothing: a floor of cost, not of answers
                continue
            if not same_answer(answer, answers[reference], 1e-3 if "W3" in name else 1e-9,
                               1e-4 if "W3" in name else 1e-9):
                raise SystemExit(f"{name}: {engine} gave a different answer")
        for run in engines.values():  # the second call of a recorded function records it
            run()
        times: dict[str, list[float]] = {engine: [] for engine in engines}
        order = list(engines)
        for r in range(repeats):
            for engine in order[r % len(order):] + order[:r % len(order)]:
                start = clock()
                engines[engine]()
                times[engine].append(clock() - start)
        rows.append({"row": name, "per": per,
                     "median_s": {e: statistics.median(t) / per for e, t in times.items()}})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: this process's CPU time (steadier on a busy shared machine)")
    options = parser.parse_args(argv)
    rows = measure(options.repeats,
                   time.process_time if options.clock == "cpu" else time.perf_counter)
    for row in rows:
        cells = ", ".join(f"{e} {s * 1e6:.4g} µs" for e, s in row["median_s"].items())
        print(f"{row['row']}: {cells}")
    if options.json:
        options.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
