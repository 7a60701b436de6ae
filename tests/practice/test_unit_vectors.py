"""A vector answer written with the unit vectors i, j, k is judged as the same vector in brackets.

``grad x^2 + y^2 at (2, 3)`` answered ``4i + 6j`` used to be "incorrect: the
gradient has 2 components, your answer has 1", a right answer judged wrong.
Here random gradients and descent steps are answered in both notations, the
terms in any order, with signs and missing components: the verdicts agree.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as hs

import steepest as st

UNITS = ("i", "j", "k")


def _with_units(components: list[int], order: list[int]) -> str:
    terms = [f"{components[n]}{UNITS[n]}" for n in order if components[n] != 0]
    return " + ".join(terms).replace("+ -", "- ")


@settings(max_examples=15, deadline=None)
@given(coefficients=hs.lists(hs.sampled_from([-3, -2, -1, 1, 2, 3]), min_size=3,
                             max_size=3),
       point=hs.lists(hs.integers(-2, 2), min_size=3, max_size=3),
       size=hs.sampled_from([2, 3]), offset=hs.integers(-1, 1), seed=hs.integers(0, 99))
def test_unit_vectors_and_brackets_get_the_same_verdict(coefficients, point, size, offset, seed):
    names = ("x", "y", "z")[:size]
    function = " + ".join(f"{c}*{v}^2" for c, v in zip(coefficients, names, strict=False))
    at = ", ".join(str(p) for p in point[:size])
    question = f"grad {function} at ({at})"
    gradient = [2 * c * p for c, p in zip(coefficients, point, strict=False)][:size]
    gradient[0] += offset  # sometimes a wrong answer
    assume(any(gradient))  # 0i + 0j reads as the number 0: no unit vector is left
    order = list(range(size))
    random.Random(seed).shuffle(order)
    bracketed = st.practice.check(question, "(" + ", ".join(map(str, gradient)) + ")")
    united = st.practice.check(question, _with_units(gradient, order))
    assert united.verdict == bracketed.verdict, (question, united.message, bracketed.message)
    assert united.verdict == ("correct" if offset == 0 else "incorrect")


@pytest.mark.parametrize(("question", "answer", "verdict"), [
    ("grad x^2 y", "2x y i + x^2 j", "correct"),
    ("grad x^2 + y^2 + z^2", "2x i + 2y j + 2z k", "correct"),
    ("one step of gradient descent on x^2 + y^2 from (1, 2) with rate 0.1", "0.8i + 1.6j",
     "correct"),
    ("grad x^2 + y^2 at (2, 3)", "4i", "incorrect"),
])
def test_unit_vector_answers(question, answer, verdict):
    assert st.practice.check(question, answer).verdict == verdict


def test_more_unit_vectors_than_components_are_counted():
    feedback = st.practice.check("grad x^2 + y^2 at (2, 3)", "4i + 6j + k")
    assert feedback.verdict == "incorrect"
    assert "your answer has 3" in feedback.message


def test_variables_named_like_unit_vectors_keep_their_meaning():
    feedback = st.practice.check("grad i^2 + j^2", "(2i, 2j)")
    assert feedback.verdict == "correct"


@settings(max_examples=10, deadline=None, derandomize=True)
@given(a=hs.integers(-3, 3).filter(bool), b=hs.integers(-3, 3).filter(bool),
       spaced=hs.booleans(), wrong=hs.booleans())
@example(a=1, b=1, spaced=False, wrong=False)  # 2xi + 2yj: once "unknown name 'yj'"
@example(a=1, b=2, spaced=False, wrong=True)
def test_a_variable_glued_to_its_unit_vector_reads_as_a_product(a, b, spaced, wrong):
    question = f"grad {a}*x^2 + {b}*y^2"
    first, second = (2 * b, 2 * a) if wrong else (2 * a, 2 * b)
    gap = " " if spaced else ""
    united = f"{first}x{gap}i + {second}y{gap}j".replace("+ -", "- ")
    bracketed = st.practice.check(question, f"({first}x, {second}y)")
    feedback = st.practice.check(question, united)
    assert (feedback.verdict, feedback.mistake) == (bracketed.verdict, bracketed.mistake), (
        united, feedback.message)
    assert feedback.verdict == ("incorrect" if wrong and a != b else "correct"), feedback.message
