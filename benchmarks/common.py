"""Shared machinery of the benchmark suite: thread pinning, cases, timing.

A *case* is one workload at one size.  Each engine gives a factory that
builds a callable doing the whole timed piece of work and returning its
answer; the answer is compared with the hand-written floor before anything
is timed, and repeats are interleaved across engines so that a change in the
machine's load touches every engine alike.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

# Order of the columns in every table: the floor first, steepest next.
ENGINES = ("floor", "steepest", "micrograd", "autograd", "mygrad", "torch", "jax")


def pin_threads_in_environment(threads: int) -> None:
    """Set the thread variables before any numerical library is imported."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    os.environ["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
        f"intra_op_parallelism_threads={threads}"
    )
    os.environ.setdefault("JAX_PLATFORMS", "cpu")


def pin_threads_at_runtime(threads: int, torch_too: bool = True) -> dict[str, Any]:
    """Pin the BLAS pools (threadpoolctl) and PyTorch; return what was set.

    ``torch_too=False`` leaves PyTorch unimported (its import alone adds
    hundreds of MiB to a process whose memory is being measured).
    """
    settings: dict[str, Any] = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    settings["XLA_FLAGS"] = os.environ.get("XLA_FLAGS")
    try:
        from threadpoolctl import threadpool_info, threadpool_limits

        threadpool_limits(threads)
        settings["threadpoolctl"] = [
            f"{pool['internal_api']}={pool['num_threads']}" for pool in threadpool_info()
        ]
    except ImportError:
        settings["threadpoolctl"] = "not installed (environment variables only)"
    if not torch_too:
        return settings
    try:
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(threads)
        settings["torch"] = torch.get_num_threads()
    except (ImportError, RuntimeError):
        pass
    return settings


@dataclass
class Case:
    """One workload at one size, with an engine factory per engine."""

    name: str
    unit: str  # what one reported figure is "per": "step", "call", "epoch", "primitive"
    per: int  # how many units one timed call covers
    factories: dict[str, Callable[[], Callable[[], Any]]]
    rtol: float = 1e-6
    atol: float = 1e-9
    notes: dict[str, str] = field(default_factory=dict)  # engine -> why it is absent


def same_answer(a: Any, b: Any, rtol: float, atol: float) -> bool:
    a_arrays = a if isinstance(a, tuple | list) else (a,)
    b_arrays = b if isinstance(b, tuple | list) else (b,)
    if len(a_arrays) != len(b_arrays):
        return False
    for x, y in zip(a_arrays, b_arrays):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if x.shape != y.shape or not np.allclose(x, y, rtol=rtol, atol=atol):
            return False
    return True


def measure(case: Case, repeats: int, warmup: int = 1) -> dict[str, Any]:
    """Check every engine's answer, then time them interleaved; medians in seconds."""
    runners: dict[str, Callable[[], Any]] = {}
    notes = dict(case.notes)
    answers: dict[str, Any] = {}
    for engine, factory in case.factories.items():
        try:
            runner = factory()
        except ImportError as error:
            notes[engine] = f"not installed ({error.name or error})"
            continue
        answers[engine] = runner()
        runners[engine] = runner
    reference = answers.get("floor")
    for engine in list(runners):
        if engine != "floor" and not same_answer(answers[engine], reference, case.rtol, case.atol):
            notes[engine] = "gave a different answer; not timed"
            del runners[engine]
    for _ in range(warmup - 1):
        for runner in runners.values():
            runner()
    times: dict[str, list[float]] = {engine: [] for engine in runners}
    order = list(runners)
    for r in range(repeats):
        # Rotate the starting engine so no engine always runs right after another.
        for engine in order[r % len(order) :] + order[: r % len(order)]:
            start = time.perf_counter()
            runners[engine]()
            times[engine].append(time.perf_counter() - start)
    result = {
        "case": case.name,
        "unit": case.unit,
        "per": case.per,
        "repeats": repeats,
        "median_s": {e: statistics.median(t) for e, t in times.items()},
        "min_s": {e: min(t) for e, t in times.items()},
        "notes": notes,
    }
    return result


def per_unit(seconds: float, per: int) -> str:
    value = seconds / per
    if value < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s"
