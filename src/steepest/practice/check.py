"""Checking a learner's answer: the verdict, the mistake, and the worked solution.

>>> fb = check("d/dx x^2 sin x", "2x cos x")
>>> fb.verdict, fb.mistake
('incorrect', 'product-rule-as-product')
>>> print(fb.message)  # doctest: +NORMALIZE_WHITESPACE
You applied the product rule as (fg)' = f'g'. The rule is (fg)' = f'g + fg':
here d/dx [x^2*sin(x)] = x^2*cos(x) + 2*x*sin(x), not 2*x*cos(x).
>>> check("d/dx x^2 sin x", "x (x cos x + 2 sin x)").correct
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy

from steepest.bounded import check_timeout, within
from steepest.display import Markup, box, paragraph, summary
from steepest.errors import ParseError, SteepestError, TimeLimitError
from steepest.practice.decimals import (
    Fit,
    Written,
    expression_fits,
    number_fits,
    numbers_equal,
    read_marked,
)
from steepest.practice.equivalence import Comparison, compare
from steepest.practice.mistakes import MISTAKES, Diagnosis, diagnose, wrong_step_text
from steepest.practice.questions import (
    Question,
    read_question,
    read_values,
    split_top_level,
    strip_brackets,
)
from steepest.symbolic import nonsmooth
from steepest.symbolic.calculus import as_value, critical_points, limit
from steepest.symbolic.nonsmooth import KINKED, derivative_at
from steepest.symbolic.parser import parse
from steepest.symbolic.printing import mathml, plain_text, text_form
from steepest.symbolic.steps import Derivation, derive, tidy

VERDICTS = ("correct", "correct-unsimplified", "incorrect", "unreadable", "undecided")
"""Every verdict :func:`check` gives; the first two count as correct."""

TIMEOUT = 3.0
# The search for the learner's mistake, an extra beside the verdict, gets this share of a
# step's time limit (1.5 s by default).
MISTAKE_SHARE = 0.5


def _part(timeout: float | None, share: float = MISTAKE_SHARE,
          most: float | None = None) -> float | None:
    """``share`` of a step's time limit, at most ``most`` seconds (None: no limit).

    >>> _part(3.0), _part(None), _part(3.0, 1.0, most=1.0)
    (1.5, None, 1.0)
    """
    if timeout is None:
        return most
    return share * timeout if most is None else min(share * timeout, most)
"""Seconds of SymPy work allowed for one answer, all steps together."""

SOLVE = "\x00solve"  # the answer that asks a checker for the solution only

_SIMPLER_BY = 3  # operations an answer may have beyond the simplest form and still be simplified


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer, with what a teacher would say about it.

    ``verdict`` is ``"correct"``, ``"correct-unsimplified"`` (equal, but
    ``simpler`` is a simpler form), ``"incorrect"``, ``"unreadable"`` (the
    answer does not parse; ``column`` says where) or ``"undecided"`` (steepest
    could not decide; the message says so).  For a wrong derivative
    ``mistake`` names the mal-rule of :data:`MISTAKES` that reproduces it
    (``mistakes`` lists every one that does, when there are several) and
    ``step`` is the step of the derivation where the answers part.
    ``counterexample`` is a point where the answer and the right answer
    differ, with both values; ``expected`` the right answer and ``solution``
    the full worked solution.

    >>> check("d/dx x^3", "3x^2").correct
    True
    """

    question: str
    answer: str
    verdict: str
    message: str
    expected: str = ""
    solution: str = ""
    mistake: str | None = None
    mistakes: tuple[str, ...] = ()
    step: str | None = None
    counterexample: dict[str, Any] | None = None
    simpler: str | None = None
    column: int | None = None
    kind: str = ""

    @property
    def correct(self) -> bool:
        """True for ``correct`` and ``correct-unsimplified``."""
        return self.verdict in ("correct", "correct-unsimplified")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (with ``correct``).

        >>> check("d/dx x^2", "2x").to_dict()["verdict"]
        'correct'
        """
        return {
            "question": self.question,
            "answer": self.answer,
            "kind": self.kind,
            "verdict": self.verdict,
            "correct": self.correct,
            "message": self.message,
            "mistake": self.mistake,
            "mistakes": list(self.mistakes),
            "step": self.step,
            "counterexample": self.counterexample,
            "simpler": self.simpler,
            "column": self.column,
            "expected": self.expected,
            "solution": self.solution,
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), **kwargs)

    def __str__(self) -> str:
        return f"{self.verdict}: {self.message}"

    def _repr_html_(self) -> str:
        """The verdict, the message, the mistake and the right answer for a notebook.

        >>> "product-rule-as-product" in check("d/dx x^2 sin x", "2x cos x")._repr_html_()
        True
        """
        rows: list[tuple[str, Any]] = [("your answer", self.answer)]
        if self.mistake:
            rows.append(("mistake", ", ".join(self.mistakes)))
        if self.step:
            rows.append(("where the answers part", self.step))
        if self.simpler:
            rows.append(("simpler", _typeset(self.simpler)))
        if self.expected and self.verdict != "unreadable":
            rows.append(("right answer", _typeset(self.expected)))
        return box(f"{self.verdict}: {self.question}", paragraph(self.message), summary(rows))


@dataclass
class _Context:
    """What every kind of question hands the common verdict code."""

    question: Question
    answer: str
    expected: str
    solution: str
    extra: dict[str, Any] = field(default_factory=dict)

    def feedback(self, verdict: str, message: str, **fields: Any) -> Feedback:
        return Feedback(
            self.question.text,
            self.answer,
            verdict,
            message,
            self.expected,
            self.solution,
            kind=self.question.kind,
            **fields,
        )


def _typeset(text: str) -> Any:
    """Course text as MathML where it reads as one formula, else the text itself."""
    try:
        return Markup(mathml(text))
    except (SteepestError, RecursionError):
        return text


def _number(value: float | None, other: float | None = None) -> str:
    """Six digits, or as many as it takes to tell ``value`` from ``other``."""
    if value is None:
        return "not a real number"
    for digits in (6, 10, 17):
        if other is None or f"{value:.{digits}g}" != f"{other:.{digits}g}":
            break
    return f"{value:.{digits}g}"


def _where(point: dict[str, float]) -> str:
    return ", ".join(f"{name} = {value:.10g}" for name, value in point.items())


def unreadable(question: str, answer: str, error: ParseError, kind: str = "") -> Feedback:
    """The feedback for an answer that does not parse: the parser's sentence and column.

    >>> unreadable("d/dx x^2", "2x +", ParseError("expected an expression", column=5)).column
    5
    """
    return Feedback(
        question,
        answer,
        "unreadable",
        f"Your answer could not be read: {plain_text(error)}",
        column=error.column,
        kind=kind,
    )


_EQUALS = re.compile(r"(?<![<>!=])=(?!=)")


def _strip_equation(answer: str) -> str:
    """``f'(x) = 2x``, ``dy/dx = 2x`` or working ``f'(x) = 2x*1 = 2x``: the part after
    the last ``=`` (the answer the working ends with).

    >>> _strip_equation("f'(x) = 2x*1 = 2x"), _strip_equation("x <= 1")
    (' 2x', 'x <= 1')
    """
    if re.search(r"[<>!]=|==", answer):
        return answer
    return _EQUALS.split(answer)[-1]


def check(
    question: str, answer: str, *, timeout: float = TIMEOUT, total: float | None = None
) -> Feedback:
    """Judge ``answer`` to ``question`` (both in learner notation).

    A question that cannot be read raises :class:`~steepest.errors.ParseError`
    (or another :class:`~steepest.errors.SteepestError`) in one sentence; an
    answer that cannot be read is the verdict ``"unreadable"``.  Each SymPy
    step (differentiating, solving, simplifying) is limited to ``timeout``
    seconds, the search for the mistake to half of it, and the whole check to ``total``
    (three times ``timeout`` unless given); past either the verdict is
    ``"undecided"``.

    >>> check("lim x->1 (x^2 - 1)/(x - 1)", "2").verdict
    'correct'
    >>> fb = check("d/dx x^2", "2x +")
    >>> fb.verdict, fb.column
    ('unreadable', 5)
    """
    if not isinstance(answer, str):
        raise SteepestError(f"the answer must be text, not {type(answer).__name__}")
    parsed = read_question(question)
    checker = _CHECKERS[parsed.kind]
    step = check_timeout(timeout)
    whole = check_timeout(total) if total is not None else (None if step is None else 3 * step)
    try:
        # Each step has its own limit; this one bounds them all together.
        return within(
            lambda: checker(parsed, answer, timeout),
            timeout=whole,
            what="checking the answer",
            advice="try a simpler question or a larger timeout",
        )
    except TimeLimitError as error:
        return Feedback(
            question,
            answer,
            "undecided",
            f"steepest could not decide within the time limit ({error}); "
            "compare your answer with a worked solution instead.",
            kind=parsed.kind,
        )


def solve(question: str, *, timeout: float = TIMEOUT) -> Feedback:
    """The right answer and worked solution of ``question`` (verdict ``"solved"``).

    >>> solve("d/dx x^3").expected
    '3*x^2'
    """
    parsed = read_question(question)
    return _CHECKERS[parsed.kind](parsed, SOLVE, timeout)


# ---------------------------------------------------------------------------
# Derivatives


def _operator(derivation: Derivation) -> str:
    return derivation.operator


def _diagnosis_message(diagnosis: Diagnosis, operator: str) -> str:
    sentences = []
    seen: set[str] = set()
    for fault, (step, wrong) in zip(diagnosis.faults, diagnosis.steps, strict=True):
        entry = MISTAKES[fault.mistake]
        if fault.mistake == "antiderivative":
            sentences.append(f"{entry.did}.")
            continue
        if fault.mistake in seen:
            continue
        seen.add(fault.mistake)
        sentences.append(
            f"{entry.did}. The rule is {entry.rule}: {wrong_step_text(step, wrong, operator)}."
        )
    return " ".join(sentences)


def _parts_at(diagnosis: Diagnosis, operator: str) -> str | None:
    step, _ = diagnosis.steps[0]
    if diagnosis.faults[0].mistake == "antiderivative":
        return None
    return f"{operator} [{step.expr_text()}] = {text_form(step.result)}"


def _simplest(expected: sympy.Expr) -> sympy.Expr:
    forms = [expected, tidy(expected)]
    return min(forms, key=sympy.count_ops)


def _judge_expression(
    context: _Context,
    mine: sympy.Expr,
    right: sympy.Expr,
    comparison: Comparison,
    what: str,
) -> Feedback | None:
    """The verdict when the answer is equal or undecided; None when it is wrong."""
    if comparison.equal:
        simplest = _simplest(right)
        if sympy.count_ops(mine) >= sympy.count_ops(simplest) + _SIMPLER_BY:
            shown = text_form(simplest)
            return context.feedback(
                "correct-unsimplified",
                f"Correct, and it simplifies to {shown}.",
                simpler=shown,
            )
        return context.feedback("correct", "Correct.")
    if comparison.equal is None:
        return context.feedback(
            "undecided",
            f"steepest could not decide whether your answer equals {what}: they could not be "
            "compared at enough points where both are defined, and simplifying did not settle "
            "it. Compare with the worked solution.",
        )
    return None


def _counterexample(comparison: Comparison) -> dict[str, Any] | None:
    if not comparison.point or comparison.values is None:
        return None
    return {
        "at": comparison.point,
        "answer": comparison.values[0],
        "expected": comparison.values[1],
    }


def _check_derivative(question: Question, answer: str, timeout: float) -> Feedback:
    derivation = derive(question.expr, question.variable, timeout=timeout)
    if question.point is not None:
        return _check_derivative_at(question, answer, derivation, timeout)
    right = derivation.result
    context = _Context(question, answer, text_form(right), derivation.text())
    if answer == SOLVE:
        return context.feedback("solved", "")
    try:
        mine = parse(_strip_equation(answer))
    except ParseError as error:
        return unreadable(question.text, answer, error, question.kind)
    comparison = compare(mine, right, timeout=timeout, within=[question.expr])
    settled = _judge_expression(context, mine, right, comparison, "the derivative")
    if settled is not None:
        return settled
    written = read_marked(parse, _strip_equation(answer))
    fit = expression_fits(written, right, within=[question.expr],
                          timeout=_part(timeout, 1.0, most=1.0))
    if fit is not None:
        return _rounded(context, [fit])
    counterexample = _counterexample(comparison)
    strangers = _strangers(mine, question)
    if strangers:
        return context.feedback("incorrect", strangers, counterexample=counterexample)
    found = diagnose(derivation, mine, timeout=_part(timeout))
    where = ""
    if counterexample is not None:
        mine_value, right_value = counterexample["answer"], counterexample["expected"]
        where = (
            f" At {_where(counterexample['at'])} your answer is "
            f"{_number(mine_value, right_value)} but the derivative is "
            f"{_number(right_value, mine_value)}."
        )
        if mine_value is not None and mine_value == right_value:
            where = (
                f" At {_where(counterexample['at'])} your answer differs from the derivative "
                "by less than double precision shows (checked with 45 digits)."
            )
    if found is None:
        return context.feedback(
            "incorrect",
            "Not the derivative." + where + " The worked solution shows each rule.",
            counterexample=counterexample,
        )
    operator = _operator(derivation)
    return context.feedback(
        "incorrect",
        _diagnosis_message(found, operator),
        mistake=found.names[0],
        mistakes=found.names,
        step=_parts_at(found, operator),
        counterexample=counterexample,
    )


def _strangers(mine: sympy.Expr, question: Question) -> str:
    """The sentence for an answer with letters the function does not have (2x + C), or "".

    >>> _strangers(parse("2x + C"), read_question("d/dx x^2 + 5")).split(":")[0]
    'Your answer has C, which the question does not'
    """
    own = {s.name for s in question.expr.free_symbols} | {question.variable.name}
    extra = sorted(s.name for s in mine.free_symbols if s.name not in own)
    if not extra:
        return ""
    if extra in (["C"], ["c"], ["K"], ["k"]):
        return (
            f"Your answer has {extra[0]}, which the question does not: a derivative has no "
            "constant of integration (that belongs to an antiderivative)."
        )
    return (
        f"Your answer has {', '.join(extra)}, which the function does not: its derivative "
        f"is in {', '.join(sorted(own))} only."
    )


def _check_derivative_at(question: Question, answer: str, derivation: Derivation,
                         timeout: float) -> Feedback:
    """A derivative's value at a point: a number, compared to the places written."""
    point = dict(zip(question.variables, question.point or (), strict=True))
    right = _derivative_at(derivation, point)
    solution = (
        f"{derivation.text()}\n\nat {_point_text(point)}: "
        f"{derivation.operator} [{text_form(derivation.expr)}] = {text_form(right)}"
    )
    context = _Context(question, answer, text_form(right), solution)
    if answer == SOLVE:
        return context.feedback("solved", "")
    try:
        written = read_marked(parse, _strip_equation(answer))
    except ParseError as error:
        return unreadable(question.text, answer, error, question.kind)
    mine = written.exact()
    if not mine.is_number:
        return context.feedback(
            "incorrect",
            f"The question asks for the value at {_point_text(point)}: a number, not an "
            "expression. Differentiate, then put the point in.",
        )
    agree = number_fits(written, right)
    if agree is None:
        return context.feedback("undecided", "steepest could not read your answer as a number.")
    if agree:
        return _correct_numbers(context, written, [written.value], [right])
    found = diagnose(derivation, mine, at=point, timeout=_part(timeout))
    if found is None or found.faults[0].mistake == "antiderivative":
        first = ""
        if mine.is_zero:
            first = (
                " If you put the point in before differentiating, you differentiated a "
                "constant, which gives 0: differentiate first, then put the point in."
            )
        return context.feedback(
            "incorrect",
            f"Not the value of the derivative at {_point_text(point)}.{first} The worked "
            "solution shows each rule.",
        )
    operator = derivation.operator
    return context.feedback(
        "incorrect",
        _diagnosis_message(found, operator),
        mistake=found.names[0],
        mistakes=found.names,
        step=_parts_at(found, operator),
    )


# ---------------------------------------------------------------------------
# Gradients and descent steps


def _read_vector(
    answer: str, size: int, variables: Sequence[sympy.Symbol] = ()
) -> tuple[sympy.Expr, ...]:
    values = _labelled(answer, variables)
    if values is None:
        text = _strip_equation(answer)
        if 1 < size <= len(_UNIT_VECTORS):
            text = _split_unit_vectors(text, variables)
        values = read_values(text, "the answer")
    if len(values) == 1 and 1 < size <= len(_UNIT_VECTORS):
        values = _unit_vector_components(values[0], size, variables) or values
    if len(values) != size:
        raise _WrongSize(len(values))
    return values


_UNIT_VECTORS = ("i", "j", "k")
# The label of a component: x (a coordinate), f_x, fx, df/dx or ∂f/∂x (a partial derivative).
_LABEL = re.compile(
    r"^\s*(?:(?:∂|d)\s*[A-Za-z]?\s*/\s*(?:∂|d)\s*|[A-Za-z]_?(?=[A-Za-z]\s*$))?"
    r"(?P<name>[A-Za-z](?:_\w+)?)\s*$"
)


def _labelled(answer: str, variables: Sequence[sympy.Symbol]) -> tuple[sympy.Expr, ...] | None:
    """Components written each with its label, ``x = 0.8, y = 1.6`` or ``f_x = 2x, f_y = 2y``,
    in the order of the variables; None where the answer is not written so.

    >>> x, y = sympy.Symbol("x"), sympy.Symbol("y")
    >>> _labelled("y = 1.6, x = 0.8", [x, y]), _labelled("∂f/∂x = 2x; ∂f/∂y = 2y", [x, y])
    ((4/5, 8/5), (2*x, 2*y))
    """
    parts = split_top_level(answer)
    if len(parts) == 1:
        parts = [p for p in answer.split(";") if p.strip()]
    if len(parts) < 2 or not all(len(_EQUALS.split(p)) == 2 for p in parts):
        return None
    by_name: dict[str, sympy.Expr] = {}
    for part in parts:
        label, value = _EQUALS.split(part)
        match = _LABEL.match(label)
        if match is None or match.group("name") in by_name:
            return None
        by_name[match.group("name")] = parse(value)
    names = [v.name for v in variables]
    if sorted(by_name) != sorted(names):
        return None
    return tuple(by_name[name] for name in names)


def _split_unit_vectors(text: str, variables: Sequence[sympy.Symbol]) -> str:
    """``2xi + 2yj`` written ``2x i + 2y j``: a variable's letter glued to a unit vector.

    Only a single-letter variable of the question followed by i, j or k, where no
    variable has those names, in an answer that is not a list of components
    (xi is otherwise the Greek letter ξ; pi stays pi; xy stays the question it
    is: x*y or a name?).

    >>> x, y = sympy.Symbol("x"), sympy.Symbol("y")
    >>> _split_unit_vectors("2xi + 2yj", [x, y]), _split_unit_vectors("sin(x)i", [x, y])
    ('2x i + 2y j', 'sin(x)i')
    """
    names = {v.name for v in variables}
    if names & set(_UNIT_VECTORS) or len(split_top_level(text)) != 1:
        return text  # (2x, 2xi) lists its components: xi there is ξ
    letters = "".join(sorted(n for n in names if len(n) == 1))
    if not letters:
        return text
    glued = re.compile(rf"(?<![A-Za-z_])([{letters}])([ijk])(?![A-Za-z_(])")
    # pi stays the number pi even where p is a variable.
    return glued.sub(lambda m: m[0] if m[0] in names | {"pi"} else f"{m[1]} {m[2]}", text)


def _unit_vector_components(expr: sympy.Expr, size: int, variables: Sequence[sympy.Symbol]
                            ) -> tuple[sympy.Expr, ...] | None:
    """``4i + 6j`` (a vector written with the unit vectors i, j, k) as ``(4, 6)``.

    Only where no variable of the question has those names and every term
    holds exactly one unit vector to the first power; None otherwise (the
    answer is then read as it was written).

    >>> x = sympy.Symbol("x")
    >>> _unit_vector_components(parse("2x i - j"), 2, [x, sympy.Symbol("y")])
    (2*x, -1)
    """
    names = {v.name for v in variables}
    units = {s.name: s for s in expr.free_symbols if s.name in _UNIT_VECTORS}
    if not units or names & set(_UNIT_VECTORS):
        return None
    # As many components as the vector has, or as the answer names (4i + 6j + k: three).
    size = max(size, *(_UNIT_VECTORS.index(name) + 1 for name in units))
    components = dict.fromkeys(_UNIT_VECTORS[:size], sympy.Integer(0))
    for term in sympy.Add.make_args(expr):
        held = [factor for factor in sympy.Mul.make_args(term) if factor in units.values()]
        if len(held) != 1:
            return None
        coefficient = term / held[0]
        if coefficient.has(*units.values()):
            return None
        components[held[0].name] += coefficient
    return tuple(components.values())


class _WrongSize(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


def _check_gradient(question: Question, answer: str, timeout: float) -> Feedback:
    names = question.variables
    derivations = [derive(question.expr, v, timeout=timeout) for v in names]
    point = dict(zip(names, question.point or (), strict=False))
    rights = [d.result if not point else _derivative_at(d, point) for d in derivations]
    shown = "(" + ", ".join(text_form(r) for r in rights) + ")"
    solution = "\n\n".join(d.text() for d in derivations)
    if point:
        solution += f"\n\nat {_point_text(point)}: grad = {shown}"
    context = _Context(question, answer, shown, solution)
    if answer == SOLVE:
        return context.feedback("solved", "")
    try:
        written = read_marked(lambda text: _read_vector(text, len(names), names), answer)
    except ParseError as error:
        return unreadable(question.text, answer, error, question.kind)
    except _WrongSize as wrong:
        return context.feedback(
            "incorrect",
            f"The gradient has {len(names)} components, one partial derivative for each of "
            f"{', '.join(v.name for v in names)}; your answer has {wrong.size}.",
        )
    mine = written.exact()
    messages, mistakes, parts_at, counterexample, undecided = [], [], None, None, False
    fits: list[Fit] = []
    for name, derivation, value, right, part in zip(
        names, derivations, mine, rights, written.value, strict=True
    ):
        comparison = compare(value, right, timeout=timeout, within=[question.expr])
        if point and value.is_number and number_fits(written, right, part):
            continue  # decimals count to the places written, as for d/dx ... at a point
        if comparison.equal and not (point and value.is_number):
            continue
        fit = None
        if comparison.equal is False and not point:
            fit = expression_fits(written, right, part, within=[question.expr],
                                  timeout=_part(timeout, 1.0, most=1.0))  # fmt: skip
        if fit is not None:
            fits.append(fit)
            continue
        if comparison.equal is None:
            undecided = True
            continue
        label = f"∂f/∂{name.name}"
        if point and counterexample is None and comparison.values is not None:
            counterexample = {
                "at": {k.name: float(v) for k, v in point.items()},
                "answer": comparison.values[0],
                "expected": comparison.values[1],
                "component": label,
            }
        counterexample = counterexample or _counterexample(comparison)
        found = diagnose(derivation, value, at=point or None,
                         timeout=_part(timeout))
        if found is None:
            messages.append(f"The component {label} is not right.")
            continue
        mistakes.extend(m for m in found.names if m not in mistakes)
        parts_at = parts_at or _parts_at(found, derivation.operator)
        messages.append(f"In {label}: " + _diagnosis_message(found, derivation.operator))
    if not messages:
        if undecided:
            return context.feedback(
                "undecided", "steepest could not decide whether every component is right."
            )
        if point:
            return _correct_numbers(context, written, list(written.value), rights)
        if fits:
            return _rounded(context, fits)
        return _judge_vector(context, mine, rights)
    return context.feedback(
        "incorrect",
        " ".join(messages),
        mistake=mistakes[0] if mistakes else None,
        mistakes=tuple(mistakes),
        step=parts_at,
        counterexample=counterexample,
    )


def _judge_vector(
    context: _Context, mine: tuple[sympy.Expr, ...], rights: list[sympy.Expr]
) -> Feedback:
    simplest = [_simplest(r) for r in rights]
    longer = sum(sympy.count_ops(m) for m in mine)
    if longer >= sum(sympy.count_ops(s) for s in simplest) + _SIMPLER_BY:
        shown = "(" + ", ".join(text_form(s) for s in simplest) + ")"
        return context.feedback(
            "correct-unsimplified", f"Correct, and it simplifies to {shown}.", simpler=shown
        )
    return context.feedback("correct", "Correct.")


def _derivative_at(derivation: Derivation, point: dict[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
    """The derivative's value at ``point``, or one sentence: the function or its slope is
    not defined there (ln x at -1; |x| at 0, where the formula sign(x) would say 0)."""
    function = derivation.expr
    if not _real_number(function.xreplace(point)):
        raise SteepestError(
            f"{text_form(function)} is not defined at {_point_text(point)} (not a real "
            "number there), so it has no derivative there"
        )
    if function.has(*KINKED):
        value = derivative_at(function, derivation.wrt, point)
        if not _real_number(value):
            raise SteepestError(
                f"the derivative of {text_form(function)} is not defined at {_point_text(point)}"
            )
        return sympy.nsimplify(value) if value.is_Float else value
    return _at(derivation.result, point)


def _real_number(value: sympy.Expr) -> bool:
    if value.has(sympy.nan, sympy.zoo) or value.is_finite is False:
        return False
    return value.is_extended_real is not False


def _at(expr: sympy.Expr, point: dict[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
    value = expr.xreplace(point)
    if value.has(sympy.nan, sympy.zoo) or not value.is_finite:
        raise SteepestError(
            f"the derivative {text_form(expr)} is not defined at {_point_text(point)}"
        )
    return sympy.nsimplify(value) if value.is_Float else value


def decimal_text(value: sympy.Expr) -> str:
    """A rational number with a finite decimal expansion as a decimal, others as they are.

    >>> decimal_text(sympy.Rational(12, 5)), decimal_text(sympy.Rational(1, 3))
    ('2.4', '1/3')
    """
    if isinstance(value, sympy.Rational) and not isinstance(value, sympy.Integer):
        q = int(value.q)
        while q % 2 == 0:
            q //= 2
        while q % 5 == 0:
            q //= 5
        if q == 1:
            return format(float(value), ".15g")
    return text_form(value)


def _point_text(point: dict[sympy.Symbol, sympy.Expr]) -> str:
    return ", ".join(f"{k.name} = {text_form(v)}" for k, v in point.items())


def _correct_numbers(
    context: _Context, written: Written, parts: list[sympy.Expr], rights: list[sympy.Expr]
) -> Feedback:
    """ "Correct", saying the exact value where the answer rounds it (0.5403 for cos(1))."""
    rounded = [p for p, r in zip(parts, rights, strict=True)
               if not numbers_equal(written.exact(p), r)]
    if not rounded:
        return context.feedback("correct", "Correct.")
    used = [written.decimals[s].text for p in rounded for s in sympy.sympify(p).free_symbols
            if s in written.decimals]
    if (vague := _too_few_digits(context, used)) is not None:
        return vague
    return context.feedback(
        "correct", f"Correct to the places written; exactly, it is {context.expected}."
    )


def significant_digits(decimal: str) -> int:
    """The significant digits a decimal writes: its digits after any leading zeros.

    >>> [significant_digits(t) for t in ("0.5", "0.0", "1.0", "0.050", "-2.30e-3")]
    [1, 0, 2, 2, 3]
    """
    mantissa = re.split("[eE]", decimal.lstrip("+-"))[0]
    return len(mantissa.replace(".", "").lstrip("0"))


# A rounded value is a result only where its digits tell it: 0.0 for 0.04 (a slope
# that is not 0) or 0.5 for cos(1) round the answer, but would pass for a wrong one.
_FEWEST_DIGITS = 2


def _too_few_digits(context: _Context, decimals: list[str]) -> Feedback | None:
    """ "Incorrect" where an answer right only to its places writes a decimal with
    fewer than two significant digits; None where every decimal has enough."""
    vague = [text for text in dict.fromkeys(decimals) if significant_digits(text) < _FEWEST_DIGITS]
    if not vague:
        return None
    return context.feedback(
        "incorrect",
        f"Too few digits: {', '.join(vague)} {'rounds' if len(vague) == 1 else 'round'} the "
        f"answer to the places written, but {'it does' if len(vague) == 1 else 'they do'} not "
        f"tell the value; write at least "
        f"{_FEWEST_DIGITS} significant digits, or exactly: {context.expected}.",
    )


def _rounded(context: _Context, fits: list[Fit]) -> Feedback:
    """ "Correct" for an expression with rounded constants, naming them where known."""
    if not all(fit.confirmed for fit in fits):
        return context.feedback(
            "undecided",
            "Your answer agrees with the right one to the places written, but steepest could "
            f"not find the exact constants your decimals round; write them exactly: "
            f"{context.expected}.",
        )
    pairs = [pair for fit in fits for pair in fit.named]
    if (vague := _too_few_digits(context, [text for text, _ in pairs])) is not None:
        return vague
    named = list(dict.fromkeys(pairs))  # e^(0.693147x)*0.693147 names ln(2) once
    said = ", ".join(f"{text} is {constant}" for text, constant in named)
    return context.feedback(
        "correct",
        f"Correct to the places written ({said}, rounded); write it exactly: {context.expected}.",
    )


# long: the step, its two classic slips, then the derivative's own mal-rules
def _check_descent(question: Question, answer: str, timeout: float) -> Feedback:
    names = question.variables
    start = dict(zip(names, question.point or (), strict=True))
    rate = question.rate
    assert rate is not None
    derivations = [derive(question.expr, v, timeout=timeout) for v in names]
    slopes = [_at(d.result, start) for d in derivations]
    steps = [x0 - rate * g for x0, g in zip(start.values(), slopes, strict=True)]
    one = len(names) == 1

    def vector(values: list[sympy.Expr]) -> str:
        texts = [decimal_text(v) for v in values]
        return texts[0] if one else "(" + ", ".join(texts) + ")"

    gradient_text = "f'" if one else "grad f"
    lines = [d.text() for d in derivations]
    lines.append(f"at {_point_text(start)}: {gradient_text} = {vector(slopes)}")
    lines.append(
        f"new point = start - rate * {gradient_text} = {vector(list(start.values()))} - "
        f"{text_form(rate)} * {vector(slopes)} = {vector(steps)}"
    )
    context = _Context(question, answer, vector(steps), "\n\n".join(lines))
    if answer == SOLVE:
        return context.feedback("solved", "")
    try:
        written = read_marked(lambda text: _read_vector(text, len(names), names), answer)
    except ParseError as error:
        return unreadable(question.text, answer, error, question.kind)
    except _WrongSize as wrong:
        return context.feedback(
            "incorrect",
            f"The new point has {len(names)} coordinate(s); your answer has {wrong.size}.",
        )
    mine = written.exact()

    def fits(values: list[sympy.Expr]) -> list[bool | None]:
        return [number_fits(written, v, m) for m, v in zip(written.value, values, strict=True)]

    agree = fits(steps)
    if all(agree):
        return _correct_numbers(context, written, list(written.value), steps)
    if any(not m.is_number for m in mine):
        return context.feedback(
            "incorrect",
            "The new point is a number (one per variable), not an expression: put the start "
            "and the rate into the rule.",
        )
    if any(a is None for a in agree):
        return context.feedback(
            "undecided", "steepest could not read every coordinate as a real number."
        )
    start_values = list(start.values())

    def same(values: list[sympy.Expr]) -> bool:
        return all(fits(values))

    uphill = [x0 + rate * g for x0, g in zip(start_values, slopes, strict=True)]
    no_rate = [x0 - g for x0, g in zip(start_values, slopes, strict=True)]
    for name, values in (("descent-uphill", uphill), ("descent-rate-missing", no_rate)):
        if same(values):
            entry = MISTAKES[name]
            return context.feedback(
                "incorrect",
                f"{entry.did}. The rule is {entry.rule}: here the new point is {vector(steps)}.",
                mistake=name,
                mistakes=(name,),
            )
    if one:
        implied = (start_values[0] - mine[0]) / rate
        found = diagnose(derivations[0], implied, at=start, timeout=_part(timeout))
        if found is not None and found.faults[0].mistake != "antiderivative":
            operator = derivations[0].operator
            return context.feedback(
                "incorrect",
                "The step is taken the right way, but with a wrong derivative. "
                + _diagnosis_message(found, operator),
                mistake=found.names[0],
                mistakes=found.names,
                step=_parts_at(found, operator),
            )
    return context.feedback(
        "incorrect",
        f"Not the new point: the gradient at the start is {vector(slopes)}, and a step of "
        "gradient descent goes against it. The worked solution shows each step.",
    )


# ---------------------------------------------------------------------------
# Limits


_DOES_NOT_EXIST = re.compile(
    r"^\s*(?:(?:the\s+)?limit\s+|it\s+)?(dne|d\.\s*n\.\s*e|does\s*not\s*exist|doesn'?t\s*exist"
    r"|not\s+exist|no\s*limit|no\s+such\s+limit|none|undefined)\s*\.?\s*$",
    re.IGNORECASE,
)
# Infinity in words: "infinite", "positive infinity", "minus infinity".
_INFINITY_WORDS = re.compile(
    r"^\s*(?P<sign>\+|-|−|plus\s+|positive\s+|minus\s+|negative\s+)?"
    r"(?:inf|infinity|infinite|∞|oo)\s*\.?\s*$",
    re.IGNORECASE,
)


def _infinity_in_words(text: str) -> str:
    """``inf`` or ``-inf`` for infinity written in words or signs; else ``text``.

    >>> _infinity_in_words("negative infinity"), _infinity_in_words("infinite")
    ('-inf', 'inf')
    """
    match = _INFINITY_WORDS.match(text)
    if match is None:
        return text
    sign = (match.group("sign") or "").strip().lower()
    return "-inf" if sign in ("-", "−", "minus", "negative") else "inf"


def _limit_text(value: sympy.Expr | None) -> str:
    return "does not exist" if value is None else text_form(value)


# long: the limit's cases (a number, an infinity, none) each with its own sentence
def _check_limit(question: Question, answer: str, timeout: float) -> Feedback:
    var = question.variable
    assert var is not None and question.at is not None
    result = limit(question.expr, var, question.at, question.side, timeout=timeout)
    if result.exists is None:
        return Feedback(
            question.text,
            answer,
            "undecided",
            "steepest could not decide this limit, so it cannot check the answer.",
            solution=str(result),
            kind=question.kind,
        )
    infinite = (
        result.reason == "unbounded" and result.value is not None and result.value.is_infinite
    )
    right_value = result.value if (result.exists or infinite) else None
    context = _Context(question, answer, _limit_text(right_value), str(result))
    if answer == SOLVE:
        return context.feedback("solved", "")
    text = _infinity_in_words(_strip_equation(answer).strip())
    says_none = bool(_DOES_NOT_EXIST.match(text))
    if says_none:
        if not result.exists and not infinite:
            return context.feedback("correct", f"Correct: {result}.")
        if infinite:
            return context.feedback(
                "correct",
                f"Correct: it does not exist as a number; more precisely the function "
                f"grows without bound, the limit is {text_form(result.value)}.",
            )
        return context.feedback(
            "incorrect",
            f"The limit exists: the function approaches one value as {var} -> "
            f"{text_form(question.at)}{'' if question.side == 'both' else question.side}.",
        )
    try:
        written = read_marked(as_value, text)
    except ParseError as error:
        return unreadable(question.text, answer, error, question.kind)
    mine = written.exact()
    if not mine.is_number and not mine.is_infinite:
        return context.feedback(
            "incorrect", "A limit is a number (or inf, -inf, or 'does not exist'), not a function."
        )
    if right_value is None:
        return context.feedback("incorrect", f"Your answer gives the limit a value, but {result}.")
    if mine.is_infinite or right_value.is_infinite:
        if mine == right_value:
            return context.feedback("correct", "Correct.")
        return context.feedback("incorrect", "Not the limit. The worked solution shows why.")
    agree = number_fits(written, right_value)
    if agree:
        longer = sympy.count_ops(mine) >= sympy.count_ops(right_value) + _SIMPLER_BY
        if longer and not written.decimals:
            shown = text_form(right_value)
            return context.feedback(
                "correct-unsimplified", f"Correct, and it simplifies to {shown}.", simpler=shown
            )
        return _correct_numbers(context, written, [written.value], [right_value])
    if agree is None:
        return context.feedback("undecided", "steepest could not read your answer as a number.")
    message = "Not the limit."
    plugged = question.expr.xreplace({var: question.at}) if question.at.is_finite else None
    if plugged is not None and plugged.has(sympy.nan, sympy.zoo):
        message += (
            f" Putting {var} = {text_form(question.at)} in gives 0/0 or another undefined "
            "form: simplify (factor and cancel) before letting the variable approach."
        )
    return context.feedback("incorrect", message)


# ---------------------------------------------------------------------------
# Critical points


_KIND_WORDS = re.compile(
    r"(?:local\s+|relative\s+)?(minimum|minima|min|maximum|maxima|max|saddle(?:\s+point)?"
    r"|inflection(?:\s+point)?|neither|degenerate)\b",
    re.IGNORECASE,
)
_NO_POINTS = re.compile(r"^\s*(none|no\s+critical\s+points|no\s+points|\{\s*\}|\(\s*\))\s*\.?$",
                        re.IGNORECASE)  # fmt: skip


def _kind_of(word: str) -> str:
    word = word.lower()
    if word.startswith("min"):
        return "minimum"
    if word.startswith("max"):
        return "maximum"
    if word.startswith(("saddle", "inflection", "neither")):
        return "saddle"
    return "degenerate"


def _kind_name(kind: str, variables: int) -> str:
    """A kind of critical point with its article, as a learner names it: in one variable a
    point that is neither a minimum nor a maximum is an inflection point, not a saddle.

    >>> _kind_name("saddle", 1), _kind_name("saddle", 2), _kind_name("minimum", 1)
    ('an inflection point', 'a saddle', 'a minimum')
    """
    word = _kind_word(kind, variables)
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _kind_word(kind: str, variables: int) -> str:
    return "inflection point" if kind == "saddle" and variables == 1 else kind


def read_points(
    answer: str, names: tuple[sympy.Symbol, ...]
) -> list[tuple[tuple[sympy.Expr, ...], str | None]]:
    """Critical points written by a learner: each point with its kind (or None).

    Accepts ``-1 max, 1 min``, ``x = -1 (maximum); x = 1 (minimum)``,
    ``(0, 0) saddle``, the kind first (``max at x = -1, min at x = 1``), a
    set in braces, ``±1`` for two points, and plain lists.

    >>> from steepest.symbolic.parser import symbol
    >>> read_points("x = -1 maximum, x = 1: min", (symbol("x"),))
    [((-1,), 'maximum'), ((1,), 'minimum')]
    >>> read_points("local max at x = -1, min at x = 1", (symbol("x"),))
    [((-1,), 'maximum'), ((1,), 'minimum')]
    >>> read_points("{0 max, ±1 min}", (symbol("x"),))
    [((0,), 'maximum'), ((-1,), 'minimum'), ((1,), 'minimum')]
    """
    if _NO_POINTS.match(answer):
        return []
    answer = _PLUS_MINUS.sub("±", answer.strip())
    if answer.startswith("{") and answer.endswith("}"):
        answer = answer[1:-1]
    matches = list(_KIND_WORDS.finditer(answer))
    found: list[tuple[str, str | None]] = []
    if matches and not answer[: matches[0].start()].strip(" ,;:"):
        # The kind first: "max at x = -1, min at x = 1".
        ends = [m.start() for m in matches[1:]] + [len(answer)]
        for match, end in zip(matches, ends, strict=True):
            points = re.sub(r"^[\s:]*(?:at\b|of\b|is\b|=)?", "", answer[match.end() : end])
            for point in re.split(r"\band\b", points):  # "min at x = -1 and x = 1"
                found.append((point.strip(" ,;.") or " ", _kind_of(match.group(1))))
        return [(p, kind) for text, kind in found for p in _points_of(text, names)]
    position = 0
    for match in matches:
        found.append((answer[position : match.start()], _kind_of(match.group(1))))
        position = match.end()
    rest = answer[position:].strip(" ,;.)")
    if rest:
        if found:
            raise ParseError(f"'{rest}' after the last kind is not a point with its kind",
                             text=answer)  # fmt: skip
        items = [p for p in re.split(r";|\band\b", answer) if p.strip()]
        if len(items) == 1 and len(names) == 1:
            items = split_top_level(strip_brackets(answer))
        found = [(item, None) for item in items]
    return [(p, kind) for text, kind in found for p in _points_of(text, names)]


_PLUS_MINUS = re.compile(r"\+\s*/?\s*-(?=\s*[\d.(a-z])")  # +- or +/- for ±


def _points_of(text: str, names: tuple[sympy.Symbol, ...]) -> list[tuple[sympy.Expr, ...]]:
    """The point written in ``text``, or the two points of ``±``."""
    if text.count("±") == 1:
        return [_read_point(text.replace("±", sign), names) for sign in ("-", "")]
    return [_read_point(text, names)]


def _read_point(text: str, names: tuple[sympy.Symbol, ...]) -> tuple[sympy.Expr, ...]:
    text = re.sub(r"^[\s,;:)\]]*(?:and\b|at\b)?[\s,;:]*", "", text)
    text = re.sub(r"(?:\bis\b|\bat\b|\ba\b|\ban\b|[\s,;:(\-–—])*$", "", text).strip()
    text = re.sub(r"\(\s*$", "", text).strip()
    if not text:
        raise ParseError("a kind of critical point is missing its point", text=text)
    by_name: dict[str, sympy.Expr] = {}
    parts = split_top_level(strip_brackets(text))
    if all(re.match(r"^\s*[A-Za-z_]\w*\s*=", p) for p in parts):
        for part in parts:
            name, value = part.split("=", 1)
            by_name[name.strip()] = parse(value)
        missing = [v.name for v in names if v.name not in by_name]
        if missing:
            raise ParseError(f"the point {text} gives no value for {', '.join(missing)}", text=text)
        return tuple(by_name[v.name] for v in names)
    if "=" in text:
        text = text.rsplit("=", 1)[1]
    values = read_values(text, "a point")
    if len(values) != len(names):
        raise ParseError(
            f"the point {text.strip()} has {len(values)} coordinate(s); the function has "
            f"{len(names)} variable(s) ({', '.join(v.name for v in names)})",
            text=text,
        )
    return values


def _same_point(written: Written, marked: tuple[sympy.Expr, ...], b: tuple[sympy.Expr, ...]
                ) -> bool:  # fmt: skip
    return all(number_fits(written, q, p) for p, q in zip(marked, b, strict=True))


# long: matching two lists of points and kinds, one sentence per kind of difference
def _check_critical(question: Question, answer: str, timeout: float) -> Feedback:
    names = question.variables
    found = critical_points(question.expr, timeout=timeout)
    if any(p.free for p in found):
        return Feedback(
            question.text, answer, "undecided",
            "This function has critical points that are not isolated (a whole interval, "
            "line or curve of them); steepest checks lists of isolated points only.",
            kind=question.kind,
        )  # fmt: skip
    expected = [(tuple(p.point[v.name] for v in names), p.kind) for p in found]

    def point_text(values: tuple[sympy.Expr, ...]) -> str:
        if len(values) == 1:
            return f"{names[0].name} = {decimal_text(values[0])}"
        return "(" + ", ".join(decimal_text(v) for v in values) + ")"

    listing = "; ".join(f"{point_text(p)} {_kind_word(kind, len(names))}"
                        for p, kind in expected) or "none"
    # A critical point is where the gradient is 0 or does not exist (a kink, as |x| at 0).
    where = "grad f = 0 or does not exist" if question.expr.has(*nonsmooth.KINKED) else "grad f = 0"
    solution = [f"{where} at: {listing}"]
    solution += [f"{point_text(p)}: {_kind_word(kind, len(names))}" for p, kind in expected]
    context = _Context(question, answer, listing, "\n".join(solution))
    if answer == SOLVE:
        return context.feedback("solved", "")
    try:
        written = read_marked(lambda text: read_points(text, names), _strip_critical_prefix(answer))
    except ParseError as error:
        return unreadable(question.text, answer, error, question.kind)
    mine = written.exact()
    problems: list[str] = []
    unclassified: list[str] = []
    matched: set[int] = set()
    rounded = False
    for (values, kind), (marked, _) in zip(mine, written.value, strict=True):
        index = next(
            (i for i, (p, _) in enumerate(expected) if i not in matched
             and _same_point(written, marked, p)), None,
        )  # fmt: skip
        if index is None:
            problems.append(f"{point_text(values)} is not a critical point (the gradient there "
                            f"exists and is not 0).")  # fmt: skip
            continue
        matched.add(index)
        right_kind = expected[index][1]
        rounded = rounded or not all(
            numbers_equal(c, q) for c, q in zip(values, expected[index][0], strict=True)
        )
        if kind is not None and kind != right_kind and right_kind == _UNCLASSIFIED:
            unclassified.append(point_text(values))
        elif kind is not None and kind != right_kind:
            problems.append(f"{point_text(values)} is {_kind_name(right_kind, len(names))}, "
                            f"not {_kind_name(kind, len(names))}.")
    missing = len(expected) - len(matched)
    if missing:
        problems.append(
            f"{missing} critical point{'s are' if missing > 1 else ' is'} missing "
            f"(there {'are' if len(expected) > 1 else 'is'} {len(expected)} in all)."
        )
    if problems:
        return context.feedback("incorrect", " ".join(problems))
    if unclassified:
        return context.feedback(
            "undecided",
            f"The points are right, but steepest could not tell what kind of critical point "
            f"{' and '.join(unclassified)} {'are' if len(unclassified) > 1 else 'is'}: the "
            "second-derivative test is inconclusive there; compare f at nearby points.",
        )
    if any(kind is None for _, kind in mine) and expected:
        return context.feedback(
            "incorrect",
            "The points are right; now say what kind each is (minimum, maximum or saddle).",
        )
    if rounded:
        return context.feedback(
            "correct", f"Correct to the places written; exactly, they are {listing}."
        )
    return context.feedback("correct", "Correct.")


_UNCLASSIFIED = "degenerate"  # the kind critical_points gives where its tests are inconclusive


def _strip_critical_prefix(answer: str) -> str:
    return re.sub(r"^\s*critical\s+points?\s*(?:are|:)?\s*", "", answer, flags=re.IGNORECASE)


_CHECKERS = {
    "derivative": _check_derivative,
    "gradient": _check_gradient,
    "descent": _check_descent,
    "limit": _check_limit,
    "critical": _check_critical,
}


__all__ = [
    "SOLVE",
    "TIMEOUT",
    "VERDICTS",
    "Feedback",
    "check",
    "decimal_text",
    "read_points",
    "significant_digits",
    "solve",
    "unreadable",
]
