"""Memory of a long descent over many parameters: ``st.minimize`` against a hand-written loop.

Gradient descent on ``f(x) = sum((x - c)^2) / 2`` (gradient ``x - c``) over
``n`` parameters for ``steps`` steps, the gradient given as ``grad=`` so
that both sides compute the same thing.  The figure is the peak of memory
allocated by NumPy and Python during the run (``tracemalloc``), above the
data (``c`` and the start), for:

- the hand-written loop ``x = x - lr * (x - c)``;
- ``st.minimize`` with the default ``record=True``, with ``record=False``
  and with ``record="all"`` (every iterate kept, as far as the history's
  budget allows).

Run: ``python benchmarks/descent_memory.py [n] [steps]`` (default
10,000,000 parameters, 20 steps).  Each measurement runs in a fresh
process, so one cannot inflate another.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from typing import Any

import numpy as np

RATE = 0.1
MIB = 2**20


def _measure(kind: str, n: int, steps: int) -> dict[str, Any]:
    c = np.linspace(-1.0, 1.0, n)
    x0 = np.zeros(n)

    def f(x: np.ndarray) -> float:
        r = x - c
        return 0.5 * float(r @ r)

    def grad(x: np.ndarray) -> np.ndarray:
        return x - c

    tracemalloc.start()
    tracemalloc.reset_peak()
    if kind == "hand-written loop":
        x = x0.copy()
        for _ in range(steps):
            f(x)
            x = x - RATE * grad(x)
        answer = x
    else:
        import steepest as st

        record: Any = {"record=True": True, "record=False": False, "record='all'": "all"}[kind]
        res = st.minimize(f, x0, grad=grad, lr=RATE, max_iter=steps, tol=None, record=record)
        answer = res.x
        kept = res.history
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    expected = c * (1.0 - (1.0 - RATE) ** steps)
    assert np.allclose(answer, expected), "the run did not reach the expected point"
    out = {"kind": kind, "peak_mib": peak / MIB, "data_mib": 2 * n * 8 / MIB}
    if kind != "hand-written loop" and kept is not None:
        out["history_rows"] = len(kept)
    return out


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[1] == "--worker":
        print(json.dumps(_measure(argv[2], int(argv[3]), int(argv[4]))))
        return 0
    n = int(argv[1]) if len(argv) > 1 else 10_000_000
    steps = int(argv[2]) if len(argv) > 2 else 20
    rows = []
    for kind in ("hand-written loop", "record=True", "record=False", "record='all'"):
        done = subprocess.run([sys.executable, __file__, "--worker", kind, str(n), str(steps)],
                              capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout))
    floor = rows[0]["peak_mib"]
    print(f"descent over {n:,} parameters, {steps} steps: peak allocated (tracemalloc)")
    print("| run | peak MiB | x hand-written |")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row['kind']} | {row['peak_mib']:.0f} | {row['peak_mib'] / floor:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
