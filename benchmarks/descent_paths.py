"""W1 as users write it: ``st.minimize`` per step, for each way of giving the function and method.

The sauna function from (0.5, 0.6) at rate 0.05 for 10,000 steps (``tol=None,
record=False``, as in ``w1_descent.py``), written as a lambda, as an
expression string (the form of the command line and the playground), as a
``steepest.Function``, with every first-order method and with schedules.
Each figure is one whole ``st.minimize`` call divided by its steps, after
two warm-up calls (the first traces the function, the second records it);
the median of the repeats.  Times are the CPU time of the process
(``time.process_time``: the loops are single-threaded), so that other work
on a loaded machine does not count.

``--baseline SRC`` also times another copy of steepest (for example the
previous version: ``git worktree add /tmp/base <commit>`` and
``--baseline /tmp/base/src``) side by side: each repeat runs both, in fresh
processes, one after the other, so that the machine's load touches both
alike.

Run: ``python benchmarks/descent_paths.py [--repeats 5] [--baseline SRC]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

START = (0.5, 0.6)
RATE = 0.05
STEPS = 10_000
SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"
HERE = Path(__file__).resolve().parent


def sauna(v: Any) -> Any:
    x, y = v[0], v[1]
    return 85 - (1 / 90) * x**2 * (x - 6) * y**2 * (y - 6)


def paths() -> dict[str, tuple[Any, dict[str, Any]]]:
    """Each path by the way a user writes it: (function, options of st.minimize)."""
    import steepest as st

    schedules = st.optim.schedules
    table: dict[str, tuple[Any, dict[str, Any]]] = {
        "`st.minimize(lambda ...)`, gd": (sauna, {}),
        '`st.minimize("85 - x^2 (x-6) y^2 (y-6)/90")`, gd': (SAUNA, {}),
        "`st.minimize(st.Function(...))`, gd": (st.Function(SAUNA), {}),
    }
    for method in ("momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"):
        table[f'lambda, `method="{method}"`'] = (sauna, {"method": method})
    table['expression, `method="adam"`'] = (SAUNA, {"method": "adam"})
    table["lambda, gd, `lr=exponential(0.05, 0.9999)`"] = (
        sauna, {"lr": schedules.exponential(RATE, 0.9999)})
    table['lambda, `method="adam"`, `lr=cosine(0.05, period=10000)`'] = (
        sauna, {"method": "adam", "lr": schedules.cosine(RATE, period=STEPS)})
    return table


def _never_stop(_iterate: Any) -> None:
    return None


def _worker(repeats: int, general: bool) -> None:
    import numpy as np

    import steepest as st

    out: dict[str, list[float]] = {}
    for name, (f, options) in paths().items():
        settings = {"lr": RATE, "max_iter": STEPS, "tol": None, "record": False, **options}
        if general:  # a callback keeps every step in the general loop
            settings["callback"] = _never_stop
        times = []
        for i in range(repeats + 2):
            started = time.process_time()
            result = st.minimize(f, np.array(START), **settings)
            elapsed = time.process_time() - started
            if i >= 2:
                times.append(elapsed / max(result.nit, 1))
        out[name] = times
    print(json.dumps(out))


def _run(src: Path, repeats: int, general: bool = False) -> dict[str, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--worker", str(repeats)] + (["--general"] * general)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="the src directory of another copy of steepest")
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--general", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker is not None:
        _worker(options.worker, options.general)
        return 0
    here = HERE.parent / "src"
    runs: dict[str, dict[str, list[float]]] = {"before": {}, "general loop": {}, "now": {}}
    for _ in range(options.repeats):  # alternate whole processes: load touches each alike
        sources = [("now", here, False), ("general loop", here, True)]
        if options.baseline is not None:
            sources.insert(0, ("before", options.baseline, False))
        for label, src, general in sources:
            for name, times in _run(src, 1, general).items():
                runs[label].setdefault(name, []).extend(times)
    columns = [label for label in runs if runs[label]]
    median = {label: {name: statistics.median(times) for name, times in runs[label].items()}
              for label in columns}
    lambda_gd = "`st.minimize(lambda ...)`, gd"
    ratios = [label for label in ("before", "now") if label in columns]
    print("| path, as a user writes it | "
          + " | ".join(f"{label}, µs per step" for label in columns)
          + "".join(f" | {label} / lambda gd {label}" for label in ratios) + " |")
    print("|---" * (len(columns) + len(ratios) + 1) + "|")
    for name in median["now"]:
        cells = " | ".join(f"{median[label][name] * 1e6:.2f}" for label in columns)
        shares = "".join(f" | {median[label][name] / median[label][lambda_gd]:.2f}x"
                         for label in ratios)
        print(f"| {name} | {cells}{shares} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
