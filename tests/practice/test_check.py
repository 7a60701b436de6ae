"""Verdicts of ``st.practice.check``: equal forms are never "incorrect", wrong ones are,
unreadable ones say where, and undecidable ones say so."""

from __future__ import annotations

import math

import pytest
import sympy

import steepest as st
from steepest.errors import ParseError, SteepestError
from steepest.practice.equivalence import compare
from steepest.symbolic import parse, symbol, text_form

QUESTIONS = [
    "d/dx x^2 sin x",
    "d/dx x^2/(x + 1)",
    "d/dx (x^2 + 1)^3",
    "d/dx sin(x)^2",
    "d/dx e^(2x) cos x",
    "d/dx ln(x^2 + 1)",
    "d/dx x e^x",
    "d/dx (x + 1)/(x - 1)",
    "d/dx sin(2x)",
    "d/dx tan x",
    "d/dx (2x + 3)^4",
    "d/dx x^3 ln x",
    "d/dx 1/(x^2 + 1)",
    "d/dx sqrt(x^2 + 1)",
    "d/dx cos(x)^3",
    "d/dx (x^2 - 1)/(x^2 + 1)",
    "d/dx e^x sin x",
    "d/dx x^2 e^(-x)",
    "d/dx ln(x) / x",
    "d/dx sin x cos x",
    "d/dx (x^3 - x)^2",
    "d/dx arctan(x^2)",
    "d/dx 2^x x",
    "d/dx (1 + x)^2 (1 - x)",
    "d/dy 3x^2 y^3",
    "d/dy x^2 sin(x y)",
    "d/dx x^4 - 3x^2 + 2",
    "d/dx (x - 2)^2 (x + 3)",
    "d/dx x/(x^2 - 4)",
    "d/dx e^(x^2)",
    "d/dx cos(3x) sin(x)",
    "d/dx (x + 1)^2/x",
    "d/dx x^2 ln(x)",
    "d/dx sin(x)^2 cos(x)",
]

REWRITES = {
    "expand": sympy.expand,
    "factor": sympy.factor,
    "together": sympy.together,
    "cancel": sympy.cancel,
    "expand trig": lambda e: sympy.expand(sympy.expand_trig(e)),
    "trig to exp": lambda e: e.rewrite(sympy.exp).expand(),
    "tan as sin/cos": lambda e: e.rewrite(sympy.sin),
    "double angle": lambda e: sympy.expand_trig(e.subs({})).rewrite(sympy.cos),
    "powsimp": sympy.powsimp,
    "log rules": lambda e: sympy.expand_log(e, force=True),
    "collect": lambda e: sympy.collect(sympy.expand(e), symbol("x")),
    "apart": lambda e: sympy.apart(e, symbol("x")) if e.free_symbols == {symbol("x")} else e,
    "simplify": sympy.simplify,
    "trigsimp": sympy.trigsimp,
    "factor terms": sympy.factor_terms,
    "radsimp": sympy.radsimp,
    "pythagorean one": lambda e: e * (sympy.sin(symbol("x")) ** 2 + sympy.cos(symbol("x")) ** 2),
    "pythagorean zero": lambda e: e + sympy.sin(symbol("x")) ** 2 + sympy.cos(symbol("x")) ** 2 - 1,
}


def _rewritings() -> list[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for question in QUESTIONS:
        right = st.symbolic.derive(parse(question[5:]), question[3]).result
        for rewrite in REWRITES.values():
            try:
                rewritten = rewrite(right)
                if rewritten.has(sympy.I):
                    continue
                text = text_form(rewritten)
                parse(text)
            except (ParseError, sympy.PolynomialError, NotImplementedError, ValueError):
                continue
            pairs.add((question, text))
    return sorted(pairs)


REWRITINGS = _rewritings()


def test_at_least_a_hundred_rewritings() -> None:
    assert len(REWRITINGS) >= 100


def test_every_equivalent_rewriting_is_judged_correct() -> None:
    wrong = []
    for question, answer in REWRITINGS:
        feedback = st.practice.check(question, answer)
        if not feedback.correct:
            wrong.append((question, answer, feedback.verdict, feedback.message))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("d/dx sin(x)^2", "sin 2x"),
        ("d/dx sin(x)^2", "2 sin x cos x"),
        ("d/dx x ln(x^2)", "ln(x^2) + 2"),
        ("d/dx x ln(x^2)", "2 ln|x| + 2"),
        ("d/dx x^2/2", "e^(ln x)"),
        ("d/dx x^2", "2x"),
        ("d/dx x^2", "x + x"),
        ("d/dx 6x^2/3", "4x"),
        ("d/dx (x^2 - 1)(x + 1)", "3x^2 + 2x - 1"),
        ("d/dx (x^2 - 1)(x + 1)", "(3x - 1)(x + 1)"),
        ("d/dx x^3", "f'(x) = 3x^2"),
        ("d/dx sqrt(8) x", "2 sqrt(2)"),
    ],
)
def test_the_issue_forms_are_correct(question: str, answer: str) -> None:
    assert st.practice.check(question, answer).correct


def test_unsimplified_answer_shows_the_simpler_form() -> None:
    feedback = st.practice.check("d/dx x^2/(x + 1)", "(2x(x + 1) - x^2)/(x + 1)^2")
    assert feedback.verdict == "correct-unsimplified" and feedback.correct
    assert feedback.simpler == "x*(x + 2)/(x + 1)^2"
    assert parse(feedback.simpler) == parse("x (x + 2)/(x + 1)^2")


def test_expanded_and_factored_are_both_plainly_correct() -> None:
    assert st.practice.check("d/dx x^2 sin x", "2x sin x + x^2 cos x").verdict == "correct"
    assert st.practice.check("d/dx x^2 sin x", "x (2 sin x + x cos x)").verdict == "correct"


def test_wrong_answer_has_a_true_counterexample() -> None:
    feedback = st.practice.check("d/dx x^3", "3x^2 + 1")
    assert feedback.verdict == "incorrect"
    x = feedback.counterexample["at"]["x"]
    assert feedback.counterexample["answer"] == pytest.approx(3 * x**2 + 1)
    assert feedback.counterexample["expected"] == pytest.approx(3 * x**2)
    assert "3*x^2" in feedback.solution


def test_unreadable_answer_says_where() -> None:
    feedback = st.practice.check("d/dx x^2", "2x +")
    assert feedback.verdict == "unreadable" and not feedback.correct
    assert feedback.column == 5
    assert "column 5" in feedback.message


def test_unreadable_question_raises_one_sentence_with_its_column() -> None:
    with pytest.raises(ParseError) as caught:
        st.practice.check("d/dx x^2 +* 3", "2x")
    assert caught.value.column == 11
    with pytest.raises(ParseError, match="not a question"):
        st.practice.check("integrate x^2", "x^3/3")


def test_the_domain_of_both_sides_is_respected() -> None:
    # ln x is defined for x > 0 only; there both agree, elsewhere neither is compared.
    assert compare(parse("e^(ln x)"), parse("x")).equal
    assert compare(parse("ln(x^2)"), parse("2 ln|x|")).equal
    assert compare(parse("sqrt(x^2)"), parse("|x|")).equal
    outcome = compare(parse("sqrt(x^2)"), parse("x"))
    assert outcome.equal is False and outcome.point["x"] < 0


def test_a_difference_from_rounding_is_confirmed_before_it_counts() -> None:
    # In double precision the left side loses every digit; with 30 digits it is x^2.
    cancelling = parse("(x + 10^8)^2 - 10^16 - 2*10^8 x")
    assert compare(cancelling, parse("x^2")).equal
    assert compare(parse("x + 10^(-5)"), parse("x")).equal is False
    assert compare(parse("(x^2 - 1)/(x - 1)"), parse("x + 1")).equal


def test_an_answer_defined_nowhere_the_derivative_is_is_wrong() -> None:
    feedback = st.practice.check("d/dx x^2", "sqrt(-1 - x^2)")
    assert feedback.verdict == "incorrect"


def test_undecided_when_no_point_of_the_common_domain_is_found() -> None:
    a, b = parse("sqrt(x - 1000) + 1"), parse("sqrt(x - 1000) + floor(x/10^6)^2 + 1")
    outcome = compare(a, b, timeout=0.5)
    assert outcome.equal is None and outcome.how == "undecided"


def test_time_limit_gives_undecided_not_a_guess() -> None:
    feedback = st.practice.check(
        "critical points of sin(x) e^(cos y) + x^5 y^3 - sin(x y)", "none", timeout=0.2
    )
    assert feedback.verdict == "undecided"
    assert "could not decide" in feedback.message


class TestOtherQuestions:
    def test_gradient_at_a_point(self) -> None:
        assert st.practice.check("grad x^2 + y^2 at (2, 3)", "(4, 6)").verdict == "correct"
        wrong = st.practice.check("grad x^2 + y^2 at (2, 3)", "(4, 9)")
        assert wrong.verdict == "incorrect" and "∂f/∂y" in wrong.message
        assert wrong.counterexample["expected"] == 6
        assert "3 components" not in wrong.message
        short = st.practice.check("grad x^2 + y^2 at (2, 3)", "(4, 6, 1)")
        assert "your answer has 3" in short.message

    def test_symbolic_gradient(self) -> None:
        assert st.practice.check("grad x^2 y", "(2x y, x^2)").correct
        assert st.practice.check("grad x^2 y", "[2 y x, x x]").correct
        assert not st.practice.check("grad x^2 y", "(2x, x^2)").correct

    @pytest.mark.parametrize(
        ("question", "answer", "correct"),
        [
            ("lim x->1 (x^2 - 1)/(x - 1)", "2", True),
            ("lim x->1 (x^2 - 1)/(x - 1)", "0", False),
            ("lim x->0+ 1/x", "inf", True),
            ("lim x->0+ 1/x", "oo", True),
            ("lim x->0- 1/x", "-inf", True),
            ("lim x->0 1/x", "does not exist", True),
            ("lim x->0 1/x", "inf", False),
            ("lim x->oo (3x^2 + 1)/(x^2 + 5)", "3", True),
            ("lim x->0 sin(x)/x", "1", True),
            ("lim x->0 (1 - cos x)/x^2", "0.5", True),
            ("lim x->0 (1 - cos x)/x^2", "2/4", True),
            ("lim x->2 x^2", "DNE", False),
        ],
    )
    def test_limits(self, question: str, answer: str, correct: bool) -> None:
        assert st.practice.check(question, answer).correct is correct

    def test_limit_wrong_by_plugging_in_gets_advice(self) -> None:
        feedback = st.practice.check("lim x->1 (x^2 - 1)/(x - 1)", "0")
        assert "0/0" in feedback.message

    @pytest.mark.parametrize(
        ("question", "answer", "correct"),
        [
            ("one step of gradient descent on x^2 from 3 with rate 0.1", "2.4", True),
            ("one step of gradient descent on x^2 from 3 with rate 0.1", "12/5", True),
            ("one step of gradient descent on x^2 from 3 with rate 0.1", "2.5", False),
            ("one step of gradient descent on x^2 + y^2 from (1, 2) with rate 0.25",
             "(0.5, 1)", True),
            ("one step of gradient descent on e^x from 0 with rate 0.1", "-0.1", True),
            ("one step of gradient descent on sin(x) from 1 with rate 0.1",
             f"{1 - 0.1 * math.cos(1):.4f}", True),
        ],
    )  # fmt: skip
    def test_descent_steps(self, question: str, answer: str, correct: bool) -> None:
        assert st.practice.check(question, answer).correct is correct

    @pytest.mark.parametrize(
        ("answer", "correct"),
        [
            ("x = -1 maximum, x = 1 minimum", True),
            ("-1 max; 1 min", True),
            ("1 (local minimum), -1 (local maximum)", True),
            ("-1 min; 1 max", False),
            ("-1 max", False),
            ("-1 max, 1 min, 0 saddle", False),
            ("-1, 1", False),
        ],
    )
    def test_critical_points(self, answer: str, correct: bool) -> None:
        feedback = st.practice.check("critical points of x^3 - 3x", answer)
        assert feedback.correct is correct, feedback.message

    def test_critical_points_in_two_variables(self) -> None:
        question = "critical points of x^3 - 3x y + y^3"
        assert st.practice.check(question, "(0, 0) saddle; (1, 1) minimum").correct
        assert st.practice.check(question, "(1, 1) min, (0, 0) saddle").correct
        wrong = st.practice.check(question, "(0, 0) minimum; (1, 1) minimum")
        assert "(0, 0) is a saddle, not a minimum" in wrong.message


def test_in_one_variable_the_kinds_are_named_as_the_learner_names_them() -> None:
    """Neither a minimum nor a maximum in one variable is an inflection point: "x = 0 is a
    minimum, not a saddle" answered a learner who wrote "inflection"."""
    wrong = st.practice.check("critical points of x^4", "0 inflection")
    assert wrong.message == "x = 0 is a minimum, not an inflection point."
    wrong = st.practice.check("critical points of x^3", "0 min")
    assert wrong.message == "x = 0 is an inflection point, not a minimum."
    assert "x = 0: inflection point" in wrong.solution
    assert st.practice.check("critical points of x^3", "0 inflection point").correct


def test_feedback_is_json_ready() -> None:
    import json

    data = json.loads(st.practice.check("d/dx sin(x^2)", "cos(x^2)").to_json())
    assert data["verdict"] == "incorrect" and data["correct"] is False
    assert data["mistake"] == "chain-rule-inner-missing"
    assert data["step"] == "d/dx [sin(x^2)] = 2*x*cos(x^2)"


def test_no_sympy_internals_reach_the_learner() -> None:
    from steepest.symbolic.printing import shows_internals

    for question, answer in [
        ("lim x->0 1/x", "inf"),
        ("lim x->oo sin x", "0"),
        ("d/dx 1/x", "ln x"),
        ("d/dx |x|", "1"),
    ]:
        feedback = st.practice.check(question, answer)
        for text in (feedback.message, feedback.solution, feedback.expected):
            assert not shows_internals(text), text


def test_an_answer_that_is_not_text_is_refused() -> None:
    with pytest.raises(SteepestError):
        st.practice.check("d/dx x^2", 2)  # type: ignore[arg-type]


def test_the_domain_of_the_function_counts_too() -> None:
    # 1/|x| differs from 1/x only where ln x is not defined.
    assert st.practice.check("d/dx ln x", "1/|x|").correct
    assert st.practice.check("d/dx sqrt x", "1/(2 sqrt|x|)").correct
    assert not st.practice.check("d/dx ln x", "-1/x").correct


@pytest.mark.parametrize(
    ("question", "answer", "words"),
    [
        ("lim x->0 sin(1/x)", "0", "oscillates"),
        ("one step of gradient descent on x^2 from 3 with rate 0.1", "x", "is a number"),
        ("critical points of x^2", "none", "1 critical point is missing"),
    ],
)
def test_wrong_answers_of_other_kinds_say_why(question: str, answer: str, words: str) -> None:
    feedback = st.practice.check(question, answer)
    assert feedback.verdict == "incorrect" and words in feedback.message


@pytest.mark.parametrize(
    ("question", "answer", "verdict", "mistake"),
    [
        ("d/dx x^3 at 2", "12", "correct", None),
        ("d/dx [x^2 + 1] at 3", "6", "correct", None),
        ("d/dy x^2 y^3 at (1, 2)", "12", "correct", None),
        ("d/dx x^2 at 1/3", "0.667", "correct", None),
        ("d/dx x^2 at 1/3", "0.6", "incorrect", None),
        ("d/dx x^3 at 2", "24", "incorrect", "power-rule-exponent-kept"),
        ("d/dx sin(x^2) at 1", "cos(1)", "incorrect", "chain-rule-inner-missing"),
        ("d/dx x^3 at 2", "3x^2", "incorrect", None),
    ],
)
def test_a_derivative_at_a_point(
    question: str, answer: str, verdict: str, mistake: str | None
) -> None:
    feedback = st.practice.check(question, answer)
    assert feedback.verdict == verdict and feedback.mistake == mistake, feedback.message


def test_no_time_limit_is_a_limit_of_none() -> None:
    # timeout=None (no limit, as check_timeout allows) used to stop on min(None, 1.5).
    for question, answer, verdict in [("d/dx x^2 sin x", "x^2 cos x", "incorrect"),
                                      ("grad x^2 y at (1, 2)", "(4, 1)", "correct"),
                                      ("d/dx x^3 at 1", "3", "correct")]:
        assert st.practice.check(question, answer, timeout=None).verdict == verdict
