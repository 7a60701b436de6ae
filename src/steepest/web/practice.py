"""The playground's Practice tab, computed in a worker process: an exercise, the
verdict on an answer, and how an answer being typed is read.

>>> exercise_task({"topic": "power", "level": 1, "seed": 1})["question"]
'd/dx 3x^2'
>>> check_task({"question": "d/dx x^3", "answer": "3x^3"})["mistake"]
'power-rule-exponent-kept'
>>> read_task({"answer": "2x cos x"})["text"]
'2*x*cos(x)'
"""

from __future__ import annotations

from typing import Any

from steepest.errors import ParseError, SteepestError
from steepest.practice import check, exercises
from steepest.practice.check import TIMEOUT
from steepest.symbolic.parser import parse
from steepest.symbolic.printing import latex_form, plain_text, text_form
from steepest.web.requests import BadRequest


def _timeout(request: dict[str, Any]) -> float:
    return min(TIMEOUT, float(request.get("timeout", TIMEOUT)))


def exercise_task(request: dict[str, Any]) -> dict[str, Any]:
    """One exercise (question, answer, worked solution, hints) for the topic, level and seed."""
    (exercise,) = exercises(request["topic"], level=request["level"], n=1, seed=request["seed"])
    return exercise.to_dict()


def check_task(request: dict[str, Any]) -> dict[str, Any]:
    """The feedback on an answer; a question that cannot be read is a bad request."""
    try:
        feedback = check(request["question"], request["answer"], timeout=_timeout(request))
    except SteepestError as exc:
        raise BadRequest(
            f"cannot check an answer to this question: {plain_text(exc)}",
            field="question",
            column=getattr(exc, "column", None),
        ) from None
    return feedback.to_dict()


def read_task(request: dict[str, Any]) -> dict[str, Any]:
    """How the answer being typed is read: the course notation and LaTeX, or where it stops."""
    text = request["answer"]
    if "=" in text and text.count("=") == 1:
        text = text.split("=", 1)[1]
    try:
        expr = parse(text)
    except ParseError as exc:
        return {"ok": False, "error": plain_text(exc), "column": exc.column}
    except RecursionError:
        return {"ok": False, "error": "the answer is nested too deeply to read", "column": None}
    return {"ok": True, "text": text_form(expr), "latex": latex_form(expr)}


__all__ = ["check_task", "exercise_task", "read_task"]
