"""Answers typed any which way: a verdict with a plain sentence, never an exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import steepest as steep
from steepest.practice import VERDICTS
from steepest.symbolic.printing import shows_internals

TOKENS = ["x", "y", "2", "3", "0", ".5", "e", "pi", "^", "-", "+", "*", "/", "(", ")", "|",
          " ", "sin", "cos", "ln", "sqrt", "inf", "=", ",", "max", "min", "dne", "2x", "x^2",
          "e^x", "1/0", ";"]  # fmt: skip
QUESTIONS = [
    "d/dx x^2 sin x",
    "d/dy 3x^2 y^3",
    "grad x^2 + y^2 at (2, 3)",
    "lim x->0+ 1/x",
    "one step of gradient descent on x^2 from 3 with rate 0.1",
    "critical points of x^3 - 3x",
]


@settings(max_examples=60, deadline=None)
@given(question=st.sampled_from(QUESTIONS), tokens=st.lists(st.sampled_from(TOKENS), max_size=8))
def test_any_answer_gets_a_verdict_in_plain_words(question: str, tokens: list[str]) -> None:
    feedback = steep.practice.check(question, "".join(tokens), timeout=3.0)
    assert feedback.verdict in VERDICTS
    assert feedback.message and not shows_internals(feedback.message)
    if feedback.verdict == "unreadable":
        assert feedback.column is None or feedback.column >= 1
