"""Answers that sampling alone would judge wrongly, and points where no derivative exists."""

from __future__ import annotations

import pytest

import steepest as steep
from steepest.errors import SteepestError


@pytest.mark.parametrize(
    "question, answer",
    [
        ("d/dx x^2", "2x + 1e-9"),  # a constant below double precision's relative 1e-7
        ("d/dx x^2", "2.0000001 x"),
        ("d/dx x^2", "2x e^(1e-8)"),
        ("d/dx e^(-x^2)", "-2x e^(-x^2) + e^(-1000)"),  # a constant no evaluation sees
        ("d/dx x^3", "3x^2 + max(0, x - 10)"),  # differs only beyond the sampled range
        ("d/dx x", "1 + e^(-1000 (x - 0.3)^2)"),  # a narrow bump between the points
        ("d/dx ln(x - 20)", "1/(x - 20) + 5"),  # a domain beyond the usual points
    ],
)
def test_an_answer_that_differs_anywhere_is_not_correct(question: str, answer: str) -> None:
    feedback = steep.practice.check(question, answer)
    assert feedback.verdict == "incorrect", feedback.message
    assert feedback.counterexample is not None and "x" in feedback.counterexample["at"]


def test_values_that_look_equal_are_printed_with_the_digits_that_differ() -> None:
    feedback = steep.practice.check("d/dx x^2", "2x + 1e-9")
    assert "1.000000001" in feedback.message


@pytest.mark.parametrize(
    "question, answer",
    [
        ("d/dx ln|x|", "1/x"),
        ("d/dx |x|", "x/|x|"),
        ("d/dx sqrt(x^2)", "x/|x|"),
        ("d/dx max(x, 0)", "(1 + sign(x))/2"),
        ("d/dx x|x|", "2|x|"),
        ("d/dx tan x", "sec^2 x"),
        ("d/dx cot x", "-csc^2 x"),
        ("d/dx e^(ln x)", "1"),
        ("d/dx ln(x - 20)", "1/(x - 20)"),
    ],
)
def test_equal_answers_with_pieces_and_domains_stay_correct(question: str, answer: str) -> None:
    assert steep.practice.check(question, answer).correct


@pytest.mark.parametrize(
    "question, said",
    [
        ("d/dx |x| at 0", "slopes from the left and right differ"),  # sign(0) = 0 is no slope
        ("d/dx max(x, 0) at 0", "slopes from the left and right differ"),
        ("d/dx ln x at -1", "not defined at x = -1"),  # 1/x is -1 there, ln x is not defined
        ("grad ln(x) + y at (-1, 1)", "not defined at x = -1, y = 1"),
    ],
)
def test_no_value_where_the_function_has_no_derivative(question: str, said: str) -> None:
    with pytest.raises(SteepestError, match=said):
        steep.practice.check(question, "0")


def test_a_kink_away_from_the_point_still_has_its_value() -> None:
    assert steep.practice.check("d/dx x|x| at 0", "0").correct
    assert steep.practice.check("d/dx |x| at -2", "-1").correct


@pytest.mark.parametrize(
    "question, answer",
    [("critical points of (x + y)^2 + x^4", "(0, 0) min")],
)
def test_a_kind_steepest_cannot_classify_is_undecided_not_wrong(question: str, answer: str) -> None:
    feedback = steep.practice.check(question, answer)
    assert feedback.verdict == "undecided"
    assert "could not tell" in feedback.message


def test_a_singular_hessian_does_not_stop_a_clear_minimum() -> None:
    # x^4 + y^4 - 0 is a sum of even powers: the origin is a minimum, not undecided.
    assert steep.practice.check("critical points of x^4 + y^4", "(0, 0) min").correct
    wrong = steep.practice.check("critical points of x^4 + y^4", "(0, 0) saddle")
    assert wrong.verdict == "incorrect"


def test_a_kink_is_a_critical_point_with_its_kind() -> None:
    # |x| has no derivative at 0, so 0 is a critical point: a minimum, told from both sides.
    assert steep.practice.check("critical points of |x|", "0 min").correct
    assert steep.practice.check("critical points of x|x|", "x = 0 neither").correct
    wrong = steep.practice.check("critical points of |x|", "0 max")
    assert wrong.verdict == "incorrect" and "is a minimum, not a maximum" in wrong.message
    assert not steep.practice.check("critical points of |x| + x^2", "none").correct


def test_the_command_line_says_so_by_its_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    from steepest.cli.main import main

    def status(*args: str) -> int:
        try:
            main(list(args))
        except SystemExit as stop:
            return int(stop.code or 0)
        return 0

    assert status("check", "--help") == 0
    assert "0 right, 1 wrong, 2 unreadable, 3 undecided" in capsys.readouterr().out
    assert status("check", "d/dx x^2", "2x + 1e-9") == 1
    assert status("check", "d/dx |x| at 0", "0") == 2
    assert "slopes from the left and right differ" in capsys.readouterr().err
    assert status("check", "critical points of |x|", "0 min") == 0
    assert status("check", "critical points of (x + y)^2 + x^4", "(0, 0) min") == 3


@pytest.mark.parametrize(
    "question, answer, named",
    [
        ("d/dx x^2 sin x", "2x cos x", ("product-rule-as-product",)),
        ("d/dx x^2 sin x", "2.0000001x cos x", ()),  # near the mal-rule's result, not it
        ("d/dx cos x", "sin x + 1e-12", ("antiderivative",)),  # an antiderivative, not a sign slip
    ],
)
def test_a_mistake_is_named_only_when_it_gives_the_answer_exactly(
    question: str, answer: str, named: tuple[str, ...]
) -> None:
    feedback = steep.practice.check(question, answer)
    assert feedback.verdict == "incorrect"
    assert feedback.mistakes == named


@pytest.mark.parametrize(
    "question, answer, correct",
    [
        ("grad sin(x) + y at (1, 0)", "(0.5403, 1)", True),  # to the places written
        ("d/dx sin x at 1", "0.5403", True),
        ("grad sin(x) + y at (1, 0)", "(0.5404, 1)", False),
        ("d/dx x^3 at 2", "12 + 10^-13", False),  # exact forms count exactly
        ("grad x^2 + y^2 at (2, 3)", "(4, 6 + 10^-13)", False),
        ("lim x->0 sin(x)/x", "1 + 10^-20", False),
        ("lim x->0 e^(-1/x^2)", "1e-100", False),  # tiny, but not 0
        ("lim x->0 sin(x)/x", "log(2) + log(3) - log(6) + 1", True),
    ],
)
def test_numbers_at_a_point_count_to_the_places_written(
    question: str, answer: str, correct: bool
) -> None:
    assert steep.practice.check(question, answer).correct is correct


def test_a_tiny_constant_hidden_in_another_form_is_found() -> None:
    answer = "e^(-1000) - 2x^2/(x^2 + 1)^2 + 1/(x^2 + 1)"
    assert steep.practice.check("d/dx x/(x^2 + 1)", answer).verdict == "incorrect"


def test_pieces_in_several_variables_are_checked_along_each() -> None:
    feedback = steep.practice.check("grad x^2 + y^2", "(2x, 2y + max(0, y - 2000))")
    assert feedback.verdict == "incorrect"
    assert steep.practice.check("grad x|y|", "(|y|, x sign(y))").correct


def test_a_decimal_point_is_named_as_written() -> None:
    feedback = steep.practice.check("critical points of x^3 - 3x", "-1.0001 max, 1 min")
    assert feedback.verdict == "incorrect"
    assert "x = -1.0001 is not a critical point" in feedback.message
