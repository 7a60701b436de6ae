"""Exercises: every topic and level, reproducible, with answers checked against SymPy."""

from __future__ import annotations

import pytest
import sympy

import steepest as st
from steepest.errors import SteepestError
from steepest.practice.questions import read_question
from steepest.symbolic import parse


@pytest.mark.parametrize("topic", st.practice.TOPICS)
def test_every_topic_and_level_has_exercises_whose_answer_checks(topic: str) -> None:
    for level in st.practice.LEVELS:
        (exercise,) = st.practice.exercises(topic, level=level, n=1, seed=3)
        assert exercise.topic == topic and exercise.level == level
        assert exercise.solution and len(exercise.hints) == 2
        assert st.practice.check(exercise.question, exercise.answer).verdict == "correct"


@pytest.mark.parametrize("topic", ["power", "product", "quotient", "chain", "exp-log", "trig",
                                   "inverse-trig", "partial"])  # fmt: skip
def test_derivative_answers_agree_with_sympy_diff(topic: str) -> None:
    for exercise in st.practice.exercises(topic, level=4, n=2, seed=1):
        question = read_question(exercise.question)
        reference = sympy.diff(question.expr, question.variable)
        difference = parse(exercise.answer) - reference
        point = {s: sympy.Rational(3, 10) + i for i, s in enumerate(difference.free_symbols)}
        assert abs(complex(difference.subs(point).evalf())) < 1e-12, exercise


def test_limit_answers_agree_with_sympy_limit() -> None:
    for level in (2, 3, 4):
        for exercise in st.practice.exercises("limit", level=level, n=2, seed=5):
            q = read_question(exercise.question)
            assert parse(exercise.answer) == sympy.limit(q.expr, q.variable, q.at)


def test_descent_answers_agree_with_a_hand_step() -> None:
    for exercise in st.practice.exercises("descent-step", level=2, n=3, seed=2):
        q = read_question(exercise.question)
        (x,) = q.variables
        x0 = q.point[0]
        expected = x0 - q.rate * sympy.diff(q.expr, x).subs(x, x0)
        assert float(parse(exercise.answer)) == pytest.approx(float(expected))


def test_same_seed_same_exercises_other_seed_others() -> None:
    first = st.practice.exercises("chain", level=3, n=4, seed=7)
    again = st.practice.exercises("chain", level=3, n=4, seed=7)
    other = st.practice.exercises("chain", level=3, n=4, seed=8)
    assert first == again
    assert [e.question for e in first] != [e.question for e in other]


def test_levels_grow_in_nesting() -> None:
    def depth(expr: sympy.Expr) -> int:
        return 1 + max((depth(a) for a in expr.args), default=0)

    def mean_depth(level: int) -> float:
        found = st.practice.exercises("chain", level=level, n=6, seed=0)
        return sum(depth(read_question(e.question).expr) for e in found) / len(found)

    assert mean_depth(1) < mean_depth(3) < mean_depth(5)


def test_hints_name_the_rule_then_the_first_step() -> None:
    (exercise,) = st.practice.exercises("product", level=1, n=1, seed=0)
    rule, first = exercise.hints
    assert "product rule" in rule
    assert first.startswith("First step:") and "f = " in first


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"topic": "integrals"}, "unknown topic"),
        ({"topic": "power", "level": 6}, "level must be"),
        ({"topic": "power", "n": 0}, "n must be"),
    ],
)
def test_bad_settings_are_one_sentence(arguments: dict, message: str) -> None:
    with pytest.raises(SteepestError, match=message):
        st.practice.exercises(**arguments)
