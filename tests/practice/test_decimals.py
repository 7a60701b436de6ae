"""Decimals count to the places written, in every kind of answer.

A decimal of a constant, correct to the places written, is "correct" with the
exact form in the message; a decimal wrong in a written digit is "incorrect";
each decimal is held to its own places.
"""

from __future__ import annotations

import pytest
import sympy
from hypothesis import example, given, settings
from hypothesis import strategies as st

import steepest as steep
from steepest.practice.check import significant_digits
from steepest.symbolic.printing import text_form

RIGHT = [
    # an expression with a rounded constant (was "incorrect": the 7th digit of ln 2)
    ("d/dx 2^x", "2^x*0.693147", "ln(2)"),
    ("d/dx 2^x", "0.6931·2^x", "ln(2)"),
    ("d/dx 2^x", "1.386294*2^(x - 1)", "2*ln(2)"),
    ("d/dx 2^x", "e^(0.693147x)*0.693147", "ln(2)"),
    ("d/dx sin(1) x^2", "1.683x", "2*sin(1)"),
    ("d/dx x/3", "0.3333", "1/3"),
    ("grad 2^x + y^2", "(0.6931*2^x, 2y)", "ln(2)"),
    ("grad 2^x + y^2", "0.6931*2^x i + 2y j", "ln(2)"),
    # numbers: the decimals are rounded, not the final value (were "incorrect")
    ("d/dx 2^x at 2", "4*0.693147", "4*ln(2)"),
    ("d/dx 10^x at 3", "1000*2.3026", "1000*ln(10)"),
    ("d/dx e^(2x) at 1", "2*2.718^2", "2*e^2"),
    ("lim x->oo (1 + 2/x)^x", "2.718^2", "e^2"),
    ("lim x->oo (1 + 2/x)^x", "7.389", "e^2"),
    ("grad sin(x) + y at (1, 0)", "(0.5403, 1.0)", "cos(1)"),
    ("one step of gradient descent on sin(x) from 1 with rate 0.1", "0.946", "cos(1)"),
    ("critical points of x^3 - 2x", "-0.8165 max, 0.8165 min", "sqrt(6)/3"),
]

WRONG = [
    ("d/dx 2^x", "2^x*0.6932"),  # wrong in the fourth written digit
    ("d/dx 2^x", "2^x*0.694"),
    ("d/dx x^2", "2.0000001x"),
    ("d/dx sin(1) x^2", "1.682x"),
    ("d/dx e^x at 1", "2.7182"),
    ("lim x->oo (1 + 2/x)^x", "7.38"),
    # each decimal to its own places (was "correct": all to the one place of 1.0)
    ("grad sin(x) + y at (1, 0)", "(0.52, 1.0)"),
    ("critical points of x^3 - 2x", "-0.82 max, 0.81 min"),
    # scientific notation counts its exponent (was "correct": 1.5e-3 read to 0.05)
    ("d/dx x^2 at 0.02", "1.5e-3"),
    ("d/dx x^3 at 0.2", "1.5e-1"),
    # a difference double precision hides is not fitted away by a decimal
    ("d/dx x", "1 + e^(-1000 (x - 0.3)^2)"),
    ("d/dx 2^x", "2^x*0.693147 + e^(-1000 (x - 0.3)^2)"),
]


@pytest.mark.parametrize(("question", "answer", "constant"), RIGHT)
def test_a_decimal_right_to_the_places_written_is_correct(
    question: str, answer: str, constant: str
) -> None:
    feedback = steep.practice.check(question, answer)
    assert feedback.verdict == "correct", feedback.message
    assert feedback.message.startswith("Correct to the places written"), feedback.message
    assert constant in feedback.message, feedback.message


@pytest.mark.parametrize(("question", "answer"), WRONG)
def test_a_decimal_wrong_in_a_written_digit_is_incorrect(question: str, answer: str) -> None:
    feedback = steep.practice.check(question, answer)
    assert feedback.verdict == "incorrect", feedback.message


@pytest.mark.parametrize(
    ("question", "answer"),
    [("d/dx sqrt(x)", "0.5x^(-0.5)"), ("d/dx x^2", "2.0x"), ("d/dx x^2 at 0.02", "4.0e-2")],
)
def test_a_decimal_that_is_exact_is_plainly_correct(question: str, answer: str) -> None:
    feedback = steep.practice.check(question, answer)
    assert (feedback.verdict, feedback.message) == ("correct", "Correct.")


CONSTANTS = [sympy.log(2), sympy.log(3), sympy.pi, sympy.sqrt(2), sympy.E, sympy.Rational(1, 3)]
X = sympy.Symbol("x", real=True)
SHAPES = [X**2, sympy.sin(X), sympy.exp(X), X**3 - X]


def _rounded(value: sympy.Expr, places: int, units: int = 0) -> str:
    """``value`` to ``places`` decimals, moved ``units`` units of the last place away."""
    scale = 10**places
    nearest = sympy.floor(value * scale + sympy.Rational(1, 2))
    if units:
        nearest += units if nearest / scale >= value else -units
    return f"{float(nearest / scale):.{places}f}"


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    constant=st.sampled_from(CONSTANTS),
    shape=st.sampled_from(SHAPES),
    places=st.integers(2, 9),
    units=st.sampled_from([0, 1, 3]),
)
@example(constant=sympy.log(2), shape=sympy.exp(X * sympy.log(2)) / sympy.log(2), places=6,
         units=0)  # fmt: skip
@example(constant=sympy.log(2), shape=sympy.exp(X * sympy.log(2)) / sympy.log(2), places=4,
         units=1)  # fmt: skip
def test_a_rounded_coefficient_is_right_and_a_wrong_digit_is_not(
    constant: sympy.Expr, shape: sympy.Expr, places: int, units: int
) -> None:
    f = constant * shape
    derivative = sympy.diff(shape, X)
    answer = f"{_rounded(constant, places, units)}*({text_form(derivative)})"
    feedback = steep.practice.check(f"d/dx {text_form(f)}", answer)
    if units == 0:
        assert feedback.verdict == "correct", (answer, feedback.message)
    else:
        assert feedback.verdict == "incorrect", (answer, feedback.message)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    shape=st.sampled_from([sympy.exp(X), sympy.sin(X), sympy.log(X), sympy.atan(X)]),
    at=st.sampled_from([1, 2, 3]),
    places=st.integers(1, 9),
    units=st.sampled_from([0, 1, 2]),
)
@example(shape=sympy.exp(X), at=1, places=4, units=1)  # 2.7182 for e
def test_a_value_rounded_is_right_and_a_wrong_digit_is_not(
    shape: sympy.Expr, at: int, places: int, units: int
) -> None:
    value = sympy.diff(shape, X).subs(X, at)
    answer = _rounded(value, places, units)
    feedback = steep.practice.check(f"d/dx {text_form(shape)} at {at}", answer)
    exact = sympy.Rational(answer) == value
    enough = exact or significant_digits(answer) >= 2
    assert feedback.verdict == ("correct" if units == 0 and enough else "incorrect"), (
        answer, feedback)
    if units == 0 and not enough:
        assert feedback.message.startswith("Too few digits"), feedback.message


TOO_FEW = [
    # right to the places written, but one significant digit (or none) does not tell
    # the value: 0.0 would pass for any slope under 0.05 (were "correct")
    ("d/dx x^2 at 0.02", "0.0", "1/25"),
    ("d/dx sin(x) at 1", "0.5", "cos(1)"),
    ("d/dx 2^x", "2^x*0.7", "2^x*ln(2)"),
    ("grad sin(x)*y at (1, 0)", "(0, 0.8)", "(0, sin(1))"),
    ("lim x->oo (1 + 2/x)^x", "0.7e1", "e^2"),
]


@pytest.mark.parametrize(("question", "answer", "exactly"), TOO_FEW)
def test_a_decimal_with_too_few_digits_is_not_taken_for_the_value(
    question: str, answer: str, exactly: str
) -> None:
    feedback = steep.practice.check(question, answer)
    assert feedback.verdict == "incorrect", feedback.message
    assert feedback.message.startswith("Too few digits"), feedback.message
    assert exactly in feedback.message


@pytest.mark.parametrize(("question", "answer"), [
    ("d/dx sin(x) at 1", "0.54"),  # two digits
    ("grad sin(x)*y at (1, 0)", "(0.0, 0.84)"),  # 0.0 is exact there
    ("d/dx x^2 at 0.02", "0.04"),  # exact with one digit
])
def test_two_digits_or_an_exact_decimal_are_enough(question: str, answer: str) -> None:
    assert steep.practice.check(question, answer).verdict == "correct"
