"""Every mal-rule of the catalogue is named for the wrong answers it produces.

Each entry has at least three different questions, one of them with the
mistake inside a larger expression (a product, a chain, a sum, a descent
step); the wrong answers are written the way a learner would write them.
"""

from __future__ import annotations

import pytest
import sympy

import steepest as st
from steepest.practice.mistakes import MISTAKES
from steepest.symbolic import derive, parse

# (mistake, question, wrong answer, nested?)
CASES = [
    ("power-rule-exponent-up", "d/dx x^3", "3x^4", False),
    ("power-rule-exponent-up", "d/dx 5x^4", "20x^5", False),
    ("power-rule-exponent-up", "d/dx x^2 sin x", "2x^3 sin x + x^2 cos x", True),
    ("power-rule-exponent-up", "d/dx (x^2 + 1)^3", "3(x^2 + 1)^4 * 2x", True),
    ("power-rule-exponent-kept", "d/dx x^3", "3x^3", False),
    ("power-rule-exponent-kept", "d/dx 4x^5", "20x^5", False),
    ("power-rule-exponent-kept", "d/dx (x^2 + 1)^3", "6x (x^2 + 1)^3", True),
    ("power-rule-exponent-kept", "d/dx x^4 e^x", "4x^4 e^x + x^4 e^x", True),
    ("power-rule-exponent-kept", "one step of gradient descent on x^3 from 2 with rate 0.1",
     "-0.4", True),
    ("power-rule-variable-exponent", "d/dx x^x", "x*x^(x - 1)", False),
    ("power-rule-variable-exponent", "d/dx x^sin(x)", "sin(x) x^(sin(x) - 1)", False),
    ("power-rule-variable-exponent", "d/dx (x^2 + 1)^x", "x (x^2 + 1)^(x - 1) * 2x", False),
    ("power-rule-variable-exponent", "d/dx 3 + x^x", "x^x", True),
    ("chain-rule-inner-missing", "d/dx sin(x^2)", "cos(x^2)", False),
    ("chain-rule-inner-missing", "d/dx e^(2x)", "e^(2x)", False),
    ("chain-rule-inner-missing", "d/dx ln(2x)", "1/(2x)", False),
    ("chain-rule-inner-missing", "d/dx x^2 sin(3x)", "2x sin(3x) + x^2 cos(3x)", True),
    ("product-rule-as-product", "d/dx x^2 sin x", "2x cos x", False),
    ("product-rule-as-product", "d/dx x^3 ln x", "3x", False),
    ("product-rule-as-product", "d/dx e^x cos x", "-e^x sin x", False),
    ("product-rule-as-product", "d/dx sin(x^2 cos x)", "-2x sin(x) cos(x^2 cos x)", True),
    ("product-rule-term-missing", "d/dx x^2 sin x", "x^2 cos x", False),
    ("product-rule-term-missing", "d/dx x^3 sin x", "3x^2 sin x", False),
    ("product-rule-term-missing", "d/dx e^(x sin x)", "e^(x sin x) sin x", True),
    ("quotient-rule-sign", "d/dx x/(x + 1)", "-1/(x + 1)^2", False),
    ("quotient-rule-sign", "d/dx x^2/(x - 1)", "(x^2 - 2x(x - 1))/(x - 1)^2", False),
    ("quotient-rule-sign", "d/dx sin(x)/x", "(sin x - x cos x)/x^2", False),
    ("quotient-rule-sign", "d/dx ln(x/(x + 1))", "-1/(x (x + 1))", True),
    ("quotient-rule-denominator", "d/dx x/(x + 1)", "1/(x + 1)", False),
    ("quotient-rule-denominator", "d/dx x^2/(x - 1)", "2x(x - 1) - x^2", False),
    ("quotient-rule-denominator", "d/dx sin(x)/x", "(x cos x - sin x)/x", False),
    ("quotient-rule-denominator", "d/dx e^(x/(x + 1))", "e^(x/(x + 1))/(x + 1)", True),
    ("quotient-as-quotient", "d/dx x^2/(x + 1)", "2x", False),
    ("quotient-as-quotient", "d/dx sin(x)/x^2", "cos(x)/(2x)", False),
    ("quotient-as-quotient", "d/dx e^x/x^3", "e^x/(3x^2)", False),
    ("quotient-as-quotient", "d/dx x^2/(x + 1) + x^3", "2x + 3x^2", True),
    ("exponential-missing-log", "d/dx 2^x", "2^x", False),
    ("exponential-missing-log", "d/dx 5^x", "5^x", False),
    ("exponential-missing-log", "d/dx x^2*3^x", "2x*3^x + x^2*3^x", True),
    ("exponential-missing-log", "d/dx 2^(x^2)", "2x*2^(x^2)", True),
    ("power-rule-on-exponential", "d/dx 2^x", "x*2^(x - 1)", False),
    ("power-rule-on-exponential", "d/dx 3^x", "x*3^(x - 1)", False),
    ("power-rule-on-exponential", "d/dx e^x", "x e^(x - 1)", False),
    ("power-rule-on-exponential", "d/dx x*2^x", "2^x + x^2*2^(x - 1)", True),
    ("trig-sign", "d/dx cos x", "sin x", False),
    ("trig-sign", "d/dx sin(3x)", "-3cos(3x)", False),
    ("trig-sign", "d/dx 4 tan x", "-4 sec(x)^2", False),
    ("trig-sign", "d/dx x^2 cos x", "2x cos x + x^2 sin x", True),
    ("constant-term-kept", "d/dx x^2 + 5", "2x + 5", False),
    ("constant-term-kept", "d/dx 3x^3 - 7", "9x^2 - 7", False),
    ("constant-term-kept", "d/dx ln(x) + 4", "1/x + 4", False),
    ("constant-term-kept", "d/dx sin(x^2 + 1) + 2", "2x cos(x^2 + 1) + 2", True),
    ("partial-other-variable", "d/dy x^2 + y^2", "2x + 2y", False),
    ("partial-other-variable", "d/dy 3x^2 y^3", "6x y^3 + 9x^2 y^2", False),
    ("partial-other-variable", "d/dx x y + y^2", "x + 3y", False),
    ("partial-other-variable", "d/dx sin(x y)", "(x + y) cos(x y)", True),
    ("partial-other-variable", "grad x^2 + y^2", "(2x + 2y, 2x + 2y)", True),
    ("antiderivative", "d/dx x^2", "x^3/3", False),
    ("antiderivative", "d/dx e^(2x)", "e^(2x)/2", False),
    ("antiderivative", "d/dx x^3 + 1", "x^4/4 + x + 7", False),
    ("antiderivative", "d/dx x e^x", "x e^x - e^x", True),
    ("descent-uphill", "one step of gradient descent on x^2 from 3 with rate 0.1", "3.6", False),
    ("descent-uphill", "one step of gradient descent on x^2 + y^2 from (1, 2) with rate 0.1",
     "(1.2, 2.4)", False),
    ("descent-uphill", "one step of gradient descent on x^2 sin(x) from 1 with rate 0.5",
     "1 + (2 sin(1) + cos(1))/2", True),
    ("descent-rate-missing", "one step of gradient descent on x^2 from 3 with rate 0.1", "-3",
     False),
    ("descent-rate-missing",
     "one step of gradient descent on x^2 + y^2 from (1, 2) with rate 0.5", "(-1, -2)", False),
    ("descent-rate-missing", "one step of gradient descent on e^(2x) from 0 with rate 0.1",
     "-2", True),
]  # fmt: skip


def test_every_entry_has_three_questions_one_nested() -> None:
    for name in MISTAKES:
        cases = [c for c in CASES if c[0] == name]
        assert len({c[1] for c in cases}) >= 3, name
        assert any(c[3] for c in cases), name


@pytest.mark.parametrize(("name", "question", "wrong", "nested"), CASES)
def test_the_mistake_is_named(name: str, question: str, wrong: str, nested: bool) -> None:
    # A generous limit: the search for the mistake gets half of it, and a test run beside
    # others may leave it a fraction of the machine (1.5 s, the default, was once too short).
    feedback = st.practice.check(question, wrong, timeout=30)
    assert feedback.verdict == "incorrect", feedback
    assert feedback.mistake == name, (feedback.mistakes, feedback.message)
    assert feedback.message
    assert MISTAKES[name].did in feedback.message


def test_the_wrong_answers_really_are_wrong() -> None:
    """The table's wrong answers differ from SymPy's own derivative."""
    for _, question, wrong, _ in CASES:
        if not question.startswith("d/d"):
            continue
        name = question[3]
        expr = parse(question[question.index(" ") + 1 :])
        var = next(s for s in expr.free_symbols if s.name == name)
        difference = parse(wrong) - sympy.diff(expr, var)
        values = {s: sympy.Rational(7, 10) + k for k, s in enumerate(difference.free_symbols)}
        assert abs(float(difference.subs(values).evalf())) > 1e-6, question


@pytest.mark.parametrize("name", list(MISTAKES))
def test_the_catalogue_example_is_diagnosed(name: str) -> None:
    entry = MISTAKES[name]
    wrong = st.practice.check(entry.question, entry.wrong, timeout=30)
    assert name in wrong.mistakes, wrong
    assert st.practice.check(entry.question, entry.right).correct


def test_a_mistake_in_one_factor_names_the_step() -> None:
    feedback = st.practice.check("d/dx x^2 sin(3x)", "2x sin(3x) + x^2 cos(3x)", timeout=30)
    assert feedback.step == "d/dx [sin(3*x)] = 3*cos(3*x)"
    assert "not cos(3*x)" in feedback.message


def test_two_mistakes_together_are_found() -> None:
    # The product rule as f'g' and the chain rule forgotten in the second factor.
    feedback = st.practice.check("d/dx x^2 sin(3x)", "2x cos(3x)", timeout=30)
    assert set(feedback.mistakes) >= {"product-rule-as-product", "chain-rule-inner-missing"}


def test_the_message_reads_like_a_teacher() -> None:
    feedback = st.practice.check("d/dx x^2 sin x", "2x cos x", timeout=30)
    assert feedback.message.startswith("You applied the product rule as (fg)' = f'g'.")
    assert "2*x*sin(x)" in feedback.message and "x^2*cos(x)" in feedback.message


def test_an_unexplained_wrong_answer_has_no_mistake_but_a_counterexample() -> None:
    feedback = st.practice.check("d/dx x^2 sin x", "7x")
    assert feedback.verdict == "incorrect" and feedback.mistake is None
    point = feedback.counterexample["at"]["x"]
    assert feedback.counterexample["answer"] == pytest.approx(7 * point)
    exact = sympy.diff(parse("x^2 sin x"), parse("x")).subs(parse("x"), point)
    assert feedback.counterexample["expected"] == pytest.approx(float(exact))


def test_diagnosis_of_a_derivation_directly() -> None:
    from steepest.practice.mistakes import diagnose

    found = diagnose(derive("x^2 sin x"), parse("2x cos x"))
    assert found is not None and found.names == ("product-rule-as-product",)
    assert diagnose(derive("x^2"), parse("x + 17")) is None
