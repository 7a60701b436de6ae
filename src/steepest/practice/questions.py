"""Questions in learner notation, and the answers that go with them.

:func:`read_question` recognises six kinds of question; the expression in
each is read by the same parser as everywhere else
(:func:`steepest.symbolic.parse`), and a mistake in it is reported at its
column in the whole question.

=================  =====================================================
kind               written as
=================  =====================================================
``derivative``     ``d/dx x^2 sin x``, ``d/dy 3x^2 y^3`` (partial), ``d/dx x^3 at 2``
``gradient``       ``grad x^2 + y^2``, ``grad x^2 + y^2 at (2, 3)``
``limit``          ``lim x->1 (x^2 - 1)/(x - 1)``, ``x->0+``, ``x->oo``
``descent``        ``one step of gradient descent on x^2 from 3 with rate 0.1``
``critical``       ``critical points of x^3 - 3x``
=================  =====================================================

>>> q = read_question("d/dy 3x^2 y^3")
>>> q.kind, q.expr, q.variable
('derivative', 3*x**2*y**3, y)
>>> read_question("lim x->0+ 1/x").side
'+'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy

from steepest.errors import ParseError, SteepestError
from steepest.symbolic.calculus import as_value
from steepest.symbolic.parser import is_variable_name, parse, symbol, variables
from steepest.symbolic.printing import text_form

KINDS = ("derivative", "gradient", "limit", "descent", "critical")
"""The kinds of question :func:`read_question` knows."""


@dataclass(frozen=True)
class Question:
    """A question read from learner notation.

    ``expr`` is the function; ``variable`` the variable of a derivative or
    limit; ``point`` the point of a gradient or the start of a descent step
    (one value per variable, in ``variables`` order); ``at`` and ``side``
    the point and side of a limit; ``rate`` the learning rate.

    >>> read_question("grad x^2 + y^2 at (2, 3)").point
    (2, 3)
    """

    kind: str
    text: str
    expr: sympy.Expr
    variable: sympy.Symbol | None = None
    variables: tuple[sympy.Symbol, ...] = field(default=())
    point: tuple[sympy.Expr, ...] | None = None
    at: sympy.Expr | None = None
    side: str = "both"
    rate: sympy.Expr | None = None


_VARIABLE = r"(?P<var>[A-Za-zα-ω]+(?:_[A-Za-z0-9]+)?)"
_DERIVATIVE = re.compile(r"^\s*(?:d\s*/\s*d|∂\s*/\s*∂)" + _VARIABLE + r"(?=[\s(\[])\s*")
_GRADIENT = re.compile(r"^\s*(?:grad(?:ient)?|∇)(?:\s+of)?\s+", re.IGNORECASE)
_LIMIT = re.compile(
    r"^\s*lim(?:it)?\s*_?\{?\s*" + _VARIABLE
    + r"\s*(?:->|→|\bto\b)\s*(?P<at>[-+]?[^\s}]+?)(?:\^?(?P<side>[+-]))?\s*\}?\s+",
    re.IGNORECASE,
)  # fmt: skip
_DESCENT = re.compile(
    r"^\s*one\s+step\s+of\s+gradient\s+descent\s+on\s+(?P<expr>.+?)\s+from\s+(?P<start>.+?)"
    r"\s+with\s+(?:learning\s+)?rate\s+(?P<rate>\S+)\s*$",
    re.IGNORECASE,
)
_CRITICAL = re.compile(r"^\s*critical\s+points\s+of\s+", re.IGNORECASE)
_AT = re.compile(r"\s+at\s+(?=\S)", re.IGNORECASE)

FORMS = (
    "d/dx EXPR, grad EXPR [at (a, b)], lim x->a EXPR (also x->a+, x->oo), "
    "one step of gradient descent on EXPR from X0 with rate R, critical points of EXPR"
)


def _parse_at(text: str, offset: int, question: str) -> sympy.Expr:
    """``parse(text)`` with a mistake reported at its column in the whole question."""
    try:
        return parse(text)
    except ParseError as error:
        column = None if error.column is None else error.column + offset
        message = str(error)
        if error.column is not None:
            message = re.sub(r"\s*\(at column \d+\)$", "", message)
        raise ParseError(message, text=question, column=column) from None


def split_top_level(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses and brackets.

    >>> split_top_level("f(1, 2), 3, |x|")
    ['f(1, 2)', '3', '|x|']
    """
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def strip_brackets(text: str) -> str:
    """``text`` without one pair of enclosing brackets, if they enclose all of it.

    >>> strip_brackets("(2, 3)"), strip_brackets("(x+1)(x-1)")
    ('2, 3', '(x+1)(x-1)')
    """
    text = text.strip()
    pairs = {"(": ")", "[": "]", "<": ">", "⟨": "⟩", "{": "}"}
    if len(text) >= 2 and text[0] in pairs and text[-1] == pairs[text[0]]:
        depth = 0
        for index, char in enumerate(text):
            if char in "([{<⟨":
                depth += 1
            elif char in ")]}>⟩":
                depth -= 1
            if depth == 0 and index < len(text) - 1:
                return text
        return text[1:-1].strip()
    return text


def read_values(text: str, what: str) -> tuple[sympy.Expr, ...]:
    """A point or vector written ``(2, 3)``, ``[2, 3]``, ``2, 3`` or ``3``.

    >>> read_values("(1/2, sqrt(2))", "the point")
    (1/2, sqrt(2))
    """
    inner = strip_brackets(text)
    if not inner:
        raise ParseError(f"{what} is empty", text=text)
    parts = split_top_level(inner)
    if len(parts) == 1 and ";" in inner:  # a column vector, [2x; 2y]
        parts = [part.strip() for part in inner.split(";")]
    return tuple(parse(part) for part in parts)


# long: one regular expression and one branch per kind of question
def read_question(text: str) -> Question:
    """The question ``text`` read into a :class:`Question`, or one :class:`ParseError`.

    >>> read_question("one step of gradient descent on x^2 from 3 with rate 0.1").rate
    1/10
    >>> read_question("critical points of x^3 - 3x").kind
    'critical'
    """
    if not isinstance(text, str) or not text.strip():
        raise ParseError(f"write a question, one of: {FORMS}")
    if match := _DERIVATIVE.match(text):
        name = match.group("var")
        if not is_variable_name(name):
            raise ParseError(f"'{name}' is not a variable name", text=text, column=3)
        body = text[match.end() :]
        at = list(_AT.finditer(body))
        point_text = body[at[-1].end() :] if at else ""
        if at:
            body = body[: at[-1].start()]
        stripped = body.strip()
        if (
            stripped.startswith("[")
            and stripped.endswith("]")
            and strip_brackets(stripped) != stripped
        ):
            body = body.replace("[", "(", 1)[::-1].replace("]", ")", 1)[::-1]
        expr = _parse_at(body, match.end(), text)
        var = symbol(name)
        present = [s for s in variables(expr) if s.name == name]
        chosen = present[0] if present else var
        point = None
        if at:
            names = variables(expr) or (chosen,)
            point = read_values(point_text, "the point")
            if len(point) != len(names):
                raise SteepestError(
                    f"the point has {len(point)} value(s) but {text_of(expr)} has "
                    f"{len(names)} variable(s) ({', '.join(s.name for s in names)})"
                )
            return Question("derivative", text, expr, chosen, names, point)
        return Question("derivative", text, expr, chosen)
    if match := _DESCENT.match(text):
        expr = _parse_at(match.group("expr"), match.start("expr"), text)
        names = variables(expr) or (symbol("x"),)
        start = read_values(match.group("start"), "the starting point")
        if len(start) != len(names):
            raise SteepestError(
                f"the starting point has {len(start)} value(s) but {text_of(expr)} has "
                f"{len(names)} variable(s) ({', '.join(s.name for s in names)})"
            )
        rate = _parse_at(match.group("rate"), match.start("rate"), text)
        if not (rate.is_number and rate.is_positive):
            raise SteepestError(f"the rate must be a positive number, not {match.group('rate')}")
        return Question("descent", text, expr, None, names, start, rate=rate)
    if match := _GRADIENT.match(text):
        body = text[match.end() :]
        point = None
        at = list(_AT.finditer(body))
        if at:
            point_text = body[at[-1].end() :]
            body = body[: at[-1].start()]
        expr = _parse_at(body, match.end(), text)
        names = variables(expr)
        if not names:
            raise SteepestError(f"{text_of(expr)} has no variables: its gradient is empty")
        if at:
            point = read_values(point_text, "the point")
            if len(point) != len(names):
                raise SteepestError(
                    f"the point has {len(point)} value(s) but {text_of(expr)} has "
                    f"{len(names)} variable(s) ({', '.join(s.name for s in names)})"
                )
        return Question("gradient", text, expr, None, names, point)
    if match := _LIMIT.match(text):
        name = match.group("var")
        at = as_value(match.group("at"))
        side = match.group("side") or "both"
        if at.is_infinite:
            side = "both"
        expr = _parse_at(text[match.end() :], match.end(), text)
        present = [s for s in variables(expr) if s.name == name]
        var = present[0] if present else symbol(name)
        return Question("limit", text, expr, var, at=at, side=side)
    if match := _CRITICAL.match(text):
        expr = _parse_at(text[match.end() :], match.end(), text)
        names = variables(expr)
        if not names:
            raise SteepestError(f"{text_of(expr)} has no variables, so no critical points")
        return Question("critical", text, expr, None, names)
    raise ParseError(f"'{text.strip()[:40]}' is not a question steepest knows: write {FORMS}")


def text_of(expr: sympy.Expr) -> str:
    """``expr`` in the course's notation (a shorthand for :func:`text_form`).

    >>> text_of(parse("x^2"))
    'x^2'
    """
    return text_form(expr)


__all__ = [
    "FORMS",
    "KINDS",
    "Question",
    "read_question",
    "read_values",
    "split_top_level",
    "strip_brackets",
    "text_of",
]
