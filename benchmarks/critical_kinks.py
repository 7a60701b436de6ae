"""Time ``critical_points`` on smooth functions and on functions with kinks, old beside new.

Two worker processes answer in turn (one with ``--old`` first on its
``sys.path``, say the ``src`` of a checkout of main, one with this checkout's
``src``); every call is timed in its worker with the process CPU clock, after
clearing SymPy's cache, and repeats are interleaved old, new, old, new.

    python benchmarks/critical_kinks.py --old /path/to/main/src --repeats 7

With ``--search`` it times the numerical search alone (``search_critical_points``,
what ``critical_points`` falls back to) on ``SEARCH_FUNCTIONS``, smooth functions
whose tails fade or grow among them, and two with degenerate points.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

FUNCTIONS = [
    "x^2 - 4x + 4",
    "x^3 - 3x",
    "x^4 - 2x^2",
    "x + 1/x",
    "e^x - ln(x)",
    "85 - x^2 (x-6) y^2 (y-6)/90",
    "x^3 - 3x y + y^3",
    "relu(x) + x^2",
    "abs(x) + x^2",
    "abs(x-1) + abs(x+1)",
    "max(x^2, 1)",
    "abs(x) + y^2",
]

SEARCH_FUNCTIONS = [
    "x^4 - 3x^2 + x",
    "cos(x) - x^2/10",
    "(x^2 + 1)^x",
    "exp(x) (x + cos(x))^2",
    "exp(-x^4) (x + cos(x))^2",
    "sin(x) sin(y)/(1 + x^2 + y^2)",
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "85 - x^2 (x-6) y^2 (y-6)/90",
    "abs(x-1) + abs(x+1)",
    "(y^4 + 1) (cos(3x) + 2)",
    "x^6 e^x",
]

WORKER = r"""
import json, sys, time
import sympy
from steepest.symbolic import critical_points
if sys.argv[1:] == ["search"]:
    from steepest.symbolic.calculus import search_critical_points as critical_points
for line in sys.stdin:
    text = json.loads(line)
    sympy.core.cache.clear_cache()
    start = time.process_time()
    try:
        found = critical_points(text)
        answer = [p.describe() for p in found]
    except Exception as error:  # the old code may answer with a sentence
        answer = [f"{type(error).__name__}: {error}"]
    seconds = time.process_time() - start
    print(json.dumps({"seconds": seconds, "answer": answer}), flush=True)
"""


def _worker(src: str, search: bool = False) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": src}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, *(["search"] if search else [])],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env=env,
    )  # fmt: skip


def _ask(worker: subprocess.Popen, text: str) -> dict:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(json.dumps(text) + "\n")
    worker.stdin.flush()
    return json.loads(worker.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="src folder of the reference checkout")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--search", action="store_true", help="time the numerical search")
    args = parser.parse_args()
    new_src = str(Path(__file__).resolve().parents[1] / "src")
    old, new = _worker(args.old, args.search), _worker(new_src, args.search)
    print(f"load average {os.getloadavg()[0]:.2f}; process CPU clock; median of {args.repeats}")
    print("| function | old (ms) | new (ms) | entries old | entries new |")
    print("|---|---|---|---|---|")
    for text in SEARCH_FUNCTIONS if args.search else FUNCTIONS:
        times: dict[str, list[float]] = {"old": [], "new": []}
        answers: dict[str, list[str]] = {}
        for _ in range(args.repeats):
            for name, worker in (("old", old), ("new", new)):
                reply = _ask(worker, text)
                times[name].append(reply["seconds"] * 1e3)
                answers[name] = reply["answer"]
        medians = {k: statistics.median(v) for k, v in times.items()}
        counts = {k: "error" if v and v[0].split(":")[0].endswith("Error") else len(v)
                  for k, v in answers.items()}  # fmt: skip
        print(f"| `{text}` | {medians['old']:.1f} | {medians['new']:.1f} | "
              f"{counts['old']} | {counts['new']} |")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    for worker in (old, new):
        assert worker.stdin is not None
        worker.stdin.close()
        worker.wait()


if __name__ == "__main__":
    main()
