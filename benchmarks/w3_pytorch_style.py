"""W3 PyTorch-style, two versions of steepest side by side in one process.

    python benchmarks/w3_pytorch_style.py --reference /path/to/old/src
    python benchmarks/w3_pytorch_style.py --reference ../main/src --repeats 15

One epoch of ``paths.py``'s PyTorch-style W3 (``Sequential(Linear, ReLU,
Linear)`` on float32 data, a hand-written log-softmax with a detached max,
``zero_grad``, ``backward``, ``p.data -= rate * p.grad``), with this
checkout's ``src`` and with the one given by ``--reference``, each loaded
as its own copy of the package, interleaved with the NumPy floor in one
process on one BLAS thread, CPU clock, medians.  The weights come in two
layouts: "F" as ``paths.py`` assigns them (the transposes of the floor's
arrays), "C" as ``Linear`` lays out its own.  The parameters after the
epoch are compared first (largest difference to the floor's and between
the versions).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import pin_threads_at_runtime, pin_threads_in_environment  # noqa: E402

pin_threads_in_environment(1)

import numpy as np  # noqa: E402
import w3_mlp as w3  # noqa: E402

Modules = dict[str, Any]


def _ours(name: str) -> bool:
    return name == "steepest" or name.startswith("steepest.")


def load(src: Path) -> Modules:
    """A fresh copy of steepest imported from ``src``: its modules by name."""
    for name in [n for n in sys.modules if _ours(n)]:
        del sys.modules[name]
    sys.path.insert(0, str(src))
    try:
        import steepest  # noqa: F401
    finally:
        sys.path.remove(str(src))
    return {n: m for n, m in sys.modules.items() if _ours(n)}


def use(modules: Modules | None) -> None:
    """Make ``modules`` the steepest that imports inside the library find."""
    if modules is not None:
        for name in [n for n in sys.modules if _ours(n)]:
            del sys.modules[name]
        sys.modules.update(modules)


def epoch(modules: Modules, layout: str, steps: int) -> Callable[[], Any]:
    """The PyTorch-style epoch of ``w3_mlp`` with the steepest in ``modules``."""
    return w3.pytorch_style(modules["steepest"], steps, order="C" if layout == "C" else "K")


def _largest_difference(a: Any, b: Any) -> float:
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="the other version's src")
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--steps", type=int, default=156)
    options = parser.parse_args(argv)
    pin_threads_at_runtime(1, torch_too=False)
    versions = {"reference": load(options.reference), "this": load(HERE.parent / "src")}
    runs: dict[str, tuple[Modules | None, Callable[[], Any]]] = {
        "floor": (None, w3.MAKERS["floor"](options.steps))}
    for version, modules in versions.items():
        for layout in "FC":
            runs[f"{version} {layout}"] = (modules, epoch(modules, layout, options.steps))
    answers = {}
    for name, (modules, run) in runs.items():
        use(modules)
        answers[name] = [np.asarray(p) for p in run()]
    for name, answer in answers.items():
        print(f"{name}: largest difference to the floor's parameters "
              f"{_largest_difference(answer, answers['floor']):.3g}")
    for layout in "FC":
        difference = _largest_difference(answers[f"this {layout}"],
                                         answers[f"reference {layout}"])
        print(f"layout {layout}: largest difference between the versions {difference:.3g}")
    times: dict[str, list[float]] = {name: [] for name in runs}
    order = list(runs)
    for r in range(options.repeats):
        for name in order[r % len(order):] + order[:r % len(order)]:
            modules, run = runs[name]
            use(modules)
            start = time.process_time()
            run()
            times[name].append(time.process_time() - start)
    floor = statistics.median(times["floor"])
    print(f"load average {os.getloadavg()[0]:.2f}, {options.repeats} repeats, CPU clock, "
          f"{options.steps} steps")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:12s} {median * 1e3:8.1f} ms  {median / floor:5.2f}x the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
