"""Hostile input, generated: every text ends in time, in an answer or one steepest error.

More than 2,000 inputs a run: free text (math characters, letters and any
Unicode), token soup (the pieces that once ran away: radicals, constants,
towers of powers, long sums) and grammar-built expressions with nested powers
of radicals and constants, 700 of each; and 300 run-together names, whose
suggestions must be one sentence.  For each, ``parse`` and then
``derive`` must finish within 2 s of CPU time (measured per call, children
included; the bound is the contract, far above the usual milliseconds) and
may raise nothing but a :class:`~steepest.errors.SteepestError`.  ``derive``
runs with a 1 s time limit, so a slow derivative must be stopped by the limit
in time.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy.core.cache import clear_cache

from steepest.errors import SteepestError
from steepest.symbolic import derive, parse

BOUND = 2.0  # seconds of CPU: no input may take longer on parse or on derive
WALL_BOUND = 5 * BOUND  # seconds on the wall clock, with other work sharing the machine
LIMIT = 1.0  # the time limit given to derive


def fuzz(examples: int) -> settings:
    """Hypothesis settings with an explicit number of examples (whatever the profile)."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def _cpu_seconds() -> float:
    """CPU seconds used so far by this thread, which runs the call (its time limit is a
    timer in this thread), and by the children the process has waited for.  Not the
    whole process's: another thread of the test process (a computation a test before
    left behind) would count too; derive on exp(sigmoid(2^40 - x)) with a 1 s limit
    once read 2.02 s that way, 1.05 s alone."""
    times = os.times()
    return time.thread_time() + times.children_user + times.children_system


def _timed_call(call: Callable[[], object]) -> tuple[float, float]:
    """Run ``call`` (a SteepestError is an answer); return its CPU and wall-clock seconds."""
    cpu, wall = _cpu_seconds(), time.perf_counter()
    with contextlib.suppress(SteepestError):
        call()
    return _cpu_seconds() - cpu, time.perf_counter() - wall


def _within_bound(text: str) -> None:
    """Parse then differentiate ``text``: in time, and failing only with a SteepestError.

    The bound is on the CPU time of the call (on a machine shared with other
    work the wall clock also counts the time others ran); the wall clock must
    stay within a few times the bound as well.
    """
    parsed: list[object] = []
    for name, call in (
        ("parse", lambda: parsed.append(parse(text))),
        ("derive", lambda: derive(parsed[0], timeout=LIMIT)),  # type: ignore[arg-type]
    ):
        if name == "derive" and not parsed:
            return
        cpu, wall = _timed_call(call)
        if cpu >= BOUND or wall >= WALL_BOUND:
            # Once more from a cold cache: an input that is not bounded is over the bound
            # again, while a call slowed by what else ran on the machine is not.
            clear_cache()
            cpu, wall = _timed_call(call)
        assert cpu < BOUND, f"{name}({text!r}) used {cpu:.2f} s of CPU"
        assert wall < WALL_BOUND, f"{name}({text!r}) took {wall:.2f} s"


# -- free text -------------------------------------------------------------------------

MATH_CHARACTERS = "0123456789xyzeπ+-*/^()|., _=!'√²³⁻¹·×−"
free_text = st.one_of(
    st.text(alphabet=MATH_CHARACTERS + "abcdefghijklmnopqrstuvwxyz", max_size=30),
    st.text(max_size=20),
)


@fuzz(700)
@given(free_text)
def test_free_text_is_bounded(text: str) -> None:
    _within_bound(text)


# -- token soup ------------------------------------------------------------------------

SOUP = ["x", "y", "a", "2", "3", "9", "10", "999", "10^8", "0.5", "1e300", "e", "pi", "sqrt(2)",
        "sqrt(3)", "cbrt(5)", "root(7, 3)", "2pi", "^", "^", "^", "**", "+", "-", "*", "/", "(",
        ")", "(", ")", "|", "sin", "ln", "exp", "log_2", "sigmoid", "max(", ",", "!", "'",
        "(x+y+z+a+b+c)", "^40", "^(10^999)", "9^9^9", "sinsin", "xy", " ", "sqrt(2)^",
        "e^e^e^", "(1+sqrt(2))"]  # fmt: skip
soup = st.lists(st.sampled_from(SOUP), min_size=1, max_size=12).map("".join)


@fuzz(700)
@given(soup)
def test_token_soup_is_bounded(text: str) -> None:
    _within_bound(text)


# -- grammar-built expressions: nested powers of radicals and constants ------------------

BASES = ["sqrt(2)", "sqrt(3)", "cbrt(2)", "root(5, 4)", "pi", "e", "2", "3", "9", "1/3",
         "2pi", "sqrt(2) pi", "(1 + sqrt(2))", "x", "y", "(x + y)", "(x + y + z + a)"]  # fmt: skip
EXPONENTS = ["2", "3", "10", "40", "1000", "10^3", "10^8", "10^999", "9^9", "1/2", "-1",
             "sqrt(2)", "pi", "e", "x", "(10^8 sqrt(2))", "-(10^6)"]  # fmt: skip
FUNCTIONS = ["sin", "exp", "ln", "sqrt", "cbrt", "tanh", "sigmoid", "abs"]


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(EXPONENTS)).map(lambda t: f"({t[0]})^({t[1]})"),
        st.tuples(children, children).map(lambda t: f"({t[0]})^({t[1]})"),
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
            lambda t: f"({t[0]}) {t[1]} ({t[2]})"
        ),
        st.tuples(st.sampled_from(FUNCTIONS), children).map(lambda t: f"{t[0]}({t[1]})"),
    )


grammar = st.recursive(
    st.one_of(
        st.sampled_from(BASES),
        st.tuples(st.sampled_from(BASES), st.sampled_from(EXPONENTS)).map(
            lambda t: f"{t[0]}^({t[1]})"
        ),
    ),
    _grow,
    max_leaves=6,
)


@fuzz(700)
@given(grammar)
def test_nested_powers_of_radicals_and_constants_are_bounded(text: str) -> None:
    _within_bound(text)


def test_the_cases_that_once_ran_away_end_at_once() -> None:
    for text in ("sqrt(2)^(10^999)", "sqrt(3)^(10^8)", "(x+y+z+a+b+c)^40", "9^9^9^9", "sinsin"):
        _within_bound(text)


# -- run-together names: the suggestion code ----------------------------------------------

names = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,24}", fullmatch=True),
    st.lists(st.sampled_from(["sin", "cos", "ln", "log", "log2", "exp", "sqrt", "max", "root",
                              "x", "y", "e", "pi", "theta", "2", "10", "_1"]),
             min_size=2, max_size=6).map("".join),
)  # fmt: skip


@fuzz(300)
@given(names)
def test_run_together_names_get_one_sentence(text: str) -> None:
    try:
        parse(text)
    except SteepestError as error:
        message = str(error)
        assert message and "\n" not in message
