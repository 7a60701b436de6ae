"""What the check at the end of a converged run costs: whole runs with it and without it.

A full-batch run that meets a stopping rule is checked once at its last point
(is it a minimum, or a saddle point or an inflection? see
``steepest.optim.stopping.not_a_minimum``).  Each workload here is one whole
``st.minimize`` call (or one model fit) that ends on a stopping rule, timed
with the check switched off (the parameter limit set below 1, which is the
code path of a run before the check existed) and on, interleaved in this one
process (off, on, on, off, ...) after a warm-up, on the CPU clock of the
process (``time.process_time``).  The answers (the point, and the status but
for the saddle) are checked to agree first.  Medians of the repeats.

Run: ``python benchmarks/second_order.py [--repeats 41]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any
from unittest import mock

import numpy as np

import steepest as st
from steepest.optim import loop

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"


def rosenbrock(v: Any) -> Any:
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2


def workloads() -> dict[str, Callable[[], Any]]:
    """Each workload as a user writes it; it returns the result (or the fitted model)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1_000, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=1_000)
    scales = np.linspace(1.0, 4.0, 20)
    return {
        '`"x^2 - 4x + 4"`, gd from 0 (1 parameter)':
            lambda: st.minimize("x^2 - 4x + 4", 0.0),
        "sauna expression, newton from (0.5, 0.6) (2)":
            lambda: st.minimize(SAUNA, [0.5, 0.6], method="newton"),
        "Rosenbrock lambda, lbfgs from (-1.2, 1) (2)":
            lambda: st.minimize(rosenbrock, np.array([-1.2, 1.0]), method="lbfgs"),
        "Rosenbrock lambda, gd rate 1e-3 from (0, 0), ~14,000 steps (2)":
            lambda: st.minimize(rosenbrock, np.array([0.0, 0.0]), lr=1e-3, max_iter=20_000),
        "quadratic lambda of 20 parameters, lbfgs (20: the limit)":
            lambda: st.minimize(lambda v: np.sum(scales * (v - 1.0) ** 2), np.zeros(20),
                                method="lbfgs"),
        '`LinearRegression(solver="gd")`, 1,000 x 3 (4)':
            lambda: st.models.LinearRegression(solver="gd").fit(X, y),
        '`"x^2 - y^2"`, gd from (1, 0): a saddle (2)':
            lambda: st.minimize("x^2 - y^2", [1.0, 0.0]),
    }


def _without_check() -> Any:
    return mock.patch.object(loop, "SECOND_ORDER_LIMIT", 0)


def _answer(out: Any) -> tuple[Any, str, int]:
    if hasattr(out, "coef_"):
        return np.asarray(out.coef_), "converged" if out.converged_ else "not", 0
    return np.asarray(out.x), out.status, out.nfev


def _timed(run: Callable[[], Any], off: bool) -> float:
    with _without_check() if off else nullcontext():
        started = time.process_time()
        run()
        return time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=41)
    options = parser.parse_args(argv)
    print("| converged run (parameters) | check off, ms | on, ms | on - off, ms | on / off "
          "| status on | evaluations added |")
    print("|---|---|---|---|---|---|---|")
    for name, run in workloads().items():
        with _without_check():
            x_off, status_off, nfev_off = _answer(run())
        x_on, status_on, nfev_on = _answer(run())
        assert np.array_equal(x_off, x_on), name
        assert status_on == status_off or status_on == "saddle", name
        for _ in range(2):  # warm-up: recorded programs, compiled Hessians, caches
            _timed(run, True), _timed(run, False)
        times: dict[bool, list[float]] = {True: [], False: []}
        for r in range(options.repeats):
            for off in ((True, False) if r % 2 == 0 else (False, True)):
                times[off].append(_timed(run, off))
        off_ms, on_ms = (statistics.median(times[k]) * 1e3 for k in (True, False))
        print(f"| {name} | {off_ms:.3f} | {on_ms:.3f} | {on_ms - off_ms:+.3f} | "
              f"{on_ms / off_ms:.2f} | {status_on} | {nfev_on - nfev_off} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
