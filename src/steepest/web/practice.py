"""The playground's Practice tab, computed in a worker process: an exercise and the
verdict on an answer (the typed answer is typeset by ``POST /api/preview``).

>>> exercise_task({"topic": "power", "level": 1, "seed": 1})["question"]
'd/dx 3x^2'
>>> check_task({"question": "d/dx x^3", "answer": "3x^3"})["mistake"]
'power-rule-exponent-kept'
"""

from __future__ import annotations

from typing import Any

from steepest.errors import SteepestError
from steepest.practice import check, exercises
from steepest.practice.check import TIMEOUT
from steepest.practice.questions import read_question
from steepest.symbolic.printing import derivative_mathml, limit_mathml, plain_text
from steepest.web.requests import BadRequest


def _timeout(request: dict[str, Any]) -> float:
    """The server's limit on symbolic work for this request: the whole check's limit."""
    return float(request.get("timeout", TIMEOUT))


def question_mathml(question: str) -> str | None:
    """A derivative or limit question typeset (None for the other kinds, shown as text).

    >>> 'alttext="d/dx [x^2*sin(x)]"' in question_mathml("d/dx x^2 sin x")
    True
    >>> question_mathml("critical points of x^3 - 3x") is None
    True
    """
    parsed = read_question(question)
    if parsed.kind == "derivative" and parsed.variable is not None:
        partial = len(parsed.expr.free_symbols - {parsed.variable}) > 0
        return derivative_mathml(parsed.expr, parsed.variable, partial=partial, display=True)
    if parsed.kind == "limit" and parsed.variable is not None:
        side = {"+": "right", "-": "left"}.get(parsed.side, "both")
        return limit_mathml(parsed.expr, parsed.variable, parsed.at, side=side, display=True)
    return None


def exercise_task(request: dict[str, Any]) -> dict[str, Any]:
    """One exercise (question, answer, worked solution, hints) for the topic, level and seed,
    with the question and the answer typeset where they are formulas."""
    (exercise,) = exercises(request["topic"], level=request["level"], n=1, seed=request["seed"])
    return {**exercise.to_dict(), "question_mathml": question_mathml(exercise.question)}


def check_task(request: dict[str, Any]) -> dict[str, Any]:
    """The feedback on an answer; a question that cannot be read is a bad request."""
    try:
        limit = _timeout(request)
        feedback = check(
            request["question"], request["answer"], timeout=min(TIMEOUT, limit), total=limit
        )
    except SteepestError as exc:
        raise BadRequest(
            f"cannot check an answer to this question: {plain_text(exc)}",
            field="question",
            column=getattr(exc, "column", None),
        ) from None
    return feedback.to_dict()


__all__ = ["check_task", "exercise_task", "question_mathml"]
