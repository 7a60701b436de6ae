"""How long typesetting takes: MathML of an expression, a preview, a derivation's steps.

Run ``python benchmarks/typeset.py``; it prints the median of 7 repeats of
each figure (the figures of docs/performance.md, "Typesetting").
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from steepest.symbolic import derive, parse
from steepest.symbolic.printing import formula_mathml, mathml
from steepest.web.compute import preview_task

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"


def median_seconds(work: Callable[[], object], number: int, repeats: int = 7) -> float:
    """The median over ``repeats`` of the mean time of ``number`` calls of ``work``."""
    work()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            work()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def main() -> None:
    expr = parse(SAUNA)
    product, sauna = derive("x^2 sin x"), derive(SAUNA, wrt="x")
    figures = {
        "mathml(sauna)": median_seconds(lambda: mathml(expr), 100),
        "POST /api/preview work (parse + MathML + LaTeX)": median_seconds(
            lambda: preview_task({"expression": SAUNA}), 50
        ),
        "a rule in general form (quotient rule)": median_seconds(
            lambda: formula_mathml("(f/g)' = (f'*g - f*g')/g^2"), 100
        ),
        "derive('x^2 sin x').html() (11 formulas)": median_seconds(product.html, 20),
        "derive(sauna, 'x').html()": median_seconds(sauna.html, 10),
    }
    for name, seconds in figures.items():
        print(f"{name:<50} {seconds * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
