"""The time ``st.practice.check`` takes per answer, in a warm process.

A fixed mix of answers (right, right but unsimplified, wrong with a mistake
the catalogue names, wrong with none, and the other kinds of question) is
checked once to warm the process (imports, SymPy's caches), then each answer
is checked ``--repeats`` times; the figure for an answer is its median, and
the report gives the median over all answers, the slowest, and the median of
each group.  Every verdict is compared with the one expected before any
timing counts.

    python benchmarks/practice_check.py            # about half a minute
    python benchmarks/practice_check.py --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import steepest as st

# (group, question, answer, verdict expected)
CASES = [
    ("right", "d/dx x^2 sin x", "2x sin x + x^2 cos x", "correct"),
    ("right", "d/dx sin(x^2)", "2x cos(x^2)", "correct"),
    ("right", "d/dx e^(2x) cos x", "e^(2x) (2 cos x - sin x)", "correct"),
    ("right", "d/dx ln(x^2 + 1)", "2x/(x^2 + 1)", "correct"),
    ("right", "d/dx (x^2 + 1)^3", "6x (x^2 + 1)^2", "correct"),
    ("right", "d/dx sin(x)^2", "sin 2x", "correct"),
    ("right", "d/dx x ln(x^2)", "2 ln|x| + 2", "correct"),
    ("right", "d/dy 3x^2 y^3", "9x^2 y^2", "correct"),
    ("right", "d/dx arctan(x^2)", "2x/(1 + x^4)", "correct"),
    ("right", "d/dx x^x", "x^x (ln x + 1)", "correct"),
    ("unsimplified", "d/dx x^2/(x + 1)", "(2x(x + 1) - x^2)/(x + 1)^2", "correct-unsimplified"),
    ("unsimplified", "d/dx x^3/(x^2 + 1)", "(3x^2 (x^2 + 1) - 2x x^3)/(x^2 + 1)^2",
     "correct-unsimplified"),
    ("mistake", "d/dx x^2 sin x", "2x cos x", "incorrect"),
    ("mistake", "d/dx sin(x^2)", "cos(x^2)", "incorrect"),
    ("mistake", "d/dx x/(x + 1)", "-1/(x + 1)^2", "incorrect"),
    ("mistake", "d/dx 2^x", "x*2^(x - 1)", "incorrect"),
    ("mistake", "d/dx x^2 sin(3x)", "2x sin(3x) + x^2 cos(3x)", "incorrect"),
    ("mistake", "d/dx x^2 sin(3x)", "2x cos(3x)", "incorrect"),
    ("mistake", "d/dy 3x^2 y^3", "6x y^3 + 9x^2 y^2", "incorrect"),
    ("mistake", "d/dx x^2 + 5", "2x + 5", "incorrect"),
    ("no mistake found", "d/dx x^2 sin x", "7x", "incorrect"),
    ("no mistake found", "d/dx e^(2x) cos x", "e^x", "incorrect"),
    ("unreadable", "d/dx x^2", "2x +", "unreadable"),
    ("other kinds", "grad x^2 + y^2 at (2, 3)", "(4, 6)", "correct"),
    ("other kinds", "lim x->1 (x^2 - 1)/(x - 1)", "2", "correct"),
    ("other kinds", "lim x->0+ 1/x", "inf", "correct"),
    ("other kinds", "one step of gradient descent on x^2 from 3 with rate 0.1", "2.4", "correct"),
    ("other kinds", "one step of gradient descent on x^2 from 3 with rate 0.1", "3.6",
     "incorrect"),
    ("other kinds", "critical points of x^3 - 3x", "-1 max, 1 min", "correct"),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for _, question, answer, verdict in CASES:
        got = st.practice.check(question, answer).verdict
        if got != verdict:
            raise SystemExit(f"{question!r} / {answer!r}: {got}, expected {verdict}")
    medians: list[tuple[str, str, str, float]] = []
    for group, question, answer, _ in CASES:
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            st.practice.check(question, answer)
            times.append(time.perf_counter() - start)
        medians.append((group, question, answer, statistics.median(times)))
    every = [m[3] for m in medians]
    print(f"{len(CASES)} answers, {args.repeats} checks each, warm process")
    print(f"median per answer: {1000 * statistics.median(every):.1f} ms")
    slowest = max(medians, key=lambda m: m[3])
    print(f"slowest: {1000 * slowest[3]:.1f} ms ({slowest[1]!r}, answer {slowest[2]!r})")
    print()
    print("| group | answers | median (ms) | slowest (ms) |")
    print("|---|---|---|---|")
    for group in dict.fromkeys(m[0] for m in medians):
        mine = [m[3] for m in medians if m[0] == group]
        print(
            f"| {group} | {len(mine)} | {1000 * statistics.median(mine):.1f} "
            f"| {1000 * max(mine):.1f} |"
        )


if __name__ == "__main__":
    main()
