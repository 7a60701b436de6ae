"""Printing for people: the course notation the parser reads back, and plain
words for what SymPy names with its internals.

:func:`text_form` is the one printer every output uses (command line text
and JSON, web responses, the tour, plot titles, ``str`` of result objects):
``x^2`` and ``e^x`` rather than ``x**2`` and ``exp(x)``; ``inf`` rather than
``oo``; ``undefined`` rather than ``zoo`` or ``nan``; a family of solutions
as ``2*pi*n + pi/2 for every integer n`` rather than ``ImageSet(Lambda(...))``.
:func:`plain_text` does the same for a message already written as text.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> text_form(sp.exp(-x) * x**2), text_form(-sp.oo), text_form(sp.zoo)
('x^2*e^(-x)', '-inf', 'undefined')
>>> text_form(sp.solveset(sp.cos(x), x, sp.S.Reals))
'2*pi*n + pi/2 for every integer n or 2*pi*n + 3*pi/2 for every integer n'
"""

from __future__ import annotations

import re
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter


def _course_order(terms: list[sympy.Expr]) -> list[sympy.Expr]:
    """Start a sum with a positive term when it is not a plain polynomial.

    SymPy writes the quotient rule's numerator as ``-x^2 + 2x(x + 1)``; a
    course writes ``2x(x + 1) - x^2``.  Sums of monomials keep SymPy's order.
    """
    if len(terms) < 2 or not terms[0].could_extract_minus_sign():
        return terms
    if all(_is_monomial(term) for term in terms):
        return terms
    for index, term in enumerate(terms):
        if not term.could_extract_minus_sign():
            return [term, *terms[:index], *terms[index + 1 :]]
    return terms


def _is_monomial(term: sympy.Expr) -> bool:
    return all(
        factor.is_number
        or factor.is_Symbol
        or (isinstance(factor, sympy.Pow) and factor.base.is_Symbol and factor.exp.is_number)
        for factor in sympy.Mul.make_args(term)
    )


class _CoursePrinter(StrPrinter):
    """SymPy's string printer with the notation the parser reads back."""

    def _as_ordered_terms(self, expr: sympy.Expr, order: str | None = None) -> list[Any]:
        terms = super()._as_ordered_terms(expr, order=order)
        return _course_order(terms) if isinstance(expr, sympy.Add) else terms

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_exp(self, expr: sympy.Expr) -> str:
        argument = expr.args[0]
        text = self._print(argument)
        if argument.is_Symbol or (argument.is_Integer and argument >= 0):
            return f"e^{text}"
        return f"e^({text})"

    def _print_Exp1(self, expr: sympy.Expr) -> str:
        return "e"

    def _print_log(self, expr: sympy.Expr) -> str:
        return f"ln({self._print(expr.args[0])})"

    def _print_Abs(self, expr: sympy.Expr) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_Infinity(self, expr: sympy.Expr) -> str:
        return "inf"

    def _print_NegativeInfinity(self, expr: sympy.Expr) -> str:
        return "-inf"

    def _print_ComplexInfinity(self, expr: sympy.Expr) -> str:
        return "undefined"

    def _print_NaN(self, expr: sympy.Expr) -> str:
        return "undefined"

    def _print_AccumulationBounds(self, expr: sympy.Expr) -> str:
        return f"(a value between {self._print(expr.min)} and {self._print(expr.max)})"

    def _print_ImageSet(self, expr: sympy.Expr) -> str:
        (dummy,) = expr.lamda.variables
        n = sympy.Symbol("n")
        body = self._print(expr.lamda.expr.xreplace({dummy: n}))
        return f"{body} for every integer n"

    def _print_Union(self, expr: sympy.Expr) -> str:
        return " or ".join(self._print(part) for part in expr.args)

    def _print_FiniteSet(self, expr: sympy.Expr) -> str:
        return ", ".join(
            self._print(item) for item in sorted(expr.args, key=sympy.default_sort_key)
        )

    def _print_Interval(self, expr: sympy.Expr) -> str:
        left = "(" if expr.left_open else "["
        right = ")" if expr.right_open else "]"
        return f"{left}{self._print(expr.start)}, {self._print(expr.end)}{right}"

    def _print_ComplexRootOf(self, expr: sympy.Expr) -> str:
        return f"{float(sympy.re(sympy.N(expr, 17))):.10g}"

    def _print_DiracDelta(self, expr: sympy.Expr) -> str:
        return f"delta({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr: sympy.Expr) -> str:
        return f"step({self._print(expr.args[0])})"

    def _print_Max(self, expr: sympy.Expr) -> str:
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr: sympy.Expr) -> str:
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_ceiling(self, expr: sympy.Expr) -> str:
        return f"ceil({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr: sympy.Expr) -> str:
        pieces = []
        for value, condition in expr.args:
            shown = "otherwise" if condition is sympy.true else self._print(condition)
            pieces.append(f"({self._print(value)}, {shown})")
        return f"piecewise({', '.join(pieces)})"

    def _print_Lambda(self, expr: sympy.Expr) -> str:
        names = ", ".join(self._print(v) for v in expr.variables)
        return f"({names} -> {self._print(expr.expr)})"


class _CourseLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with sums ordered as a course writes them."""

    def _as_ordered_terms(self, expr: sympy.Expr, order: str | None = None) -> list[Any]:
        terms = super()._as_ordered_terms(expr, order=order)
        return _course_order(terms) if isinstance(expr, sympy.Add) else terms


_PRINTER = _CoursePrinter()
_LATEX_PRINTER = _CourseLatexPrinter({"ln_notation": True})


def text_form(expr: sympy.Basic) -> str:
    """``expr`` in the notation :func:`~steepest.symbolic.parse` reads back.

    >>> x = sympy.Symbol("x")
    >>> text_form(sympy.exp(2 * x) * sympy.log(x) + x**2)
    'x^2 + e^(2*x)*ln(x)'
    """
    return _PRINTER.doprint(expr).replace("**", "^")


def latex_form(expr: sympy.Basic) -> str:
    """``expr`` as LaTeX, with ``\\ln`` for the natural logarithm.

    >>> latex_form(sympy.log(sympy.Symbol("x")) / sympy.Symbol("x"))
    '\\\\frac{\\\\ln{\\\\left(x \\\\right)}}{x}'
    """
    return _LATEX_PRINTER.doprint(expr)


# SymPy's words that may reach a message written with str(); longest first.
_INTERNAL_WORDS = [
    (re.compile(r"ImageSet\(Lambda\(_?(\w+), (.+?)\), Integers\)"), r"\2 for every integer \1"),
    (re.compile(r"AccumBounds\(([^,]+), ([^)]+)\)"), r"(a value between \1 and \2)"),
    (re.compile(r"CRootOf\([^)]*\)"), "a root with no closed form"),
    (re.compile(r"DiracDelta"), "delta"),
    (re.compile(r"Heaviside"), "step"),
    (re.compile(r"Piecewise"), "piecewise"),
    (re.compile(r"Lambda"), "function"),
    (re.compile(r"\bzoo\b"), "undefined"),
    (re.compile(r"\bnan\b"), "undefined"),
    (re.compile(r"\boo\b"), "inf"),
    (re.compile(r"\b_n\b"), "n"),
]

INTERNAL_NAMES = (
    "ImageSet", "Lambda", "CRootOf", "AccumBounds", "zoo", "DiracDelta", "Heaviside",
    "Piecewise", "oo", "nan",
)  # fmt: skip
"""SymPy's internal names that are never shown to a user."""


def plain_text(message: Any) -> str:
    """``message`` with SymPy's internal names put in plain words.

    For text that was written with ``str()`` of SymPy objects (error
    messages above all); new output should use :func:`text_form` instead.

    >>> plain_text("x in ImageSet(Lambda(_n, 2*_n*pi + pi/2), Integers); limit oo, zoo")
    'x in 2*n*pi + pi/2 for every integer n; limit inf, undefined'
    >>> plain_text("(x in Union(ImageSet(Lambda(_n, 2*_n*pi), Integers), {1, 2})); more")
    '(x in 2*n*pi for every integer n or {1, 2}); more'
    """
    text = _unwrap_union(str(message))
    for pattern, replacement in _INTERNAL_WORDS:
        text = pattern.sub(replacement, text)
    return text.replace("**", "^")


def _unwrap_union(text: str) -> str:
    """``Union(A, B)`` as ``A or B``, matching parentheses (A and B have their own)."""
    while (start := text.find("Union(")) >= 0:
        depth, parts, current = 0, [], ""
        for index in range(start + len("Union("), len(text)):
            char = text[index]
            if char in "([{":
                depth += 1
            elif char in ")]}":
                if depth == 0 and char == ")":
                    parts.append(current.strip())
                    text = text[:start] + " or ".join(parts) + text[index + 1 :]
                    break
                depth -= 1
            if char == "," and depth == 0:
                parts.append(current.strip())
                current = ""
            else:
                current += char
        else:
            return text  # unbalanced: leave the rest as it is
    return text


def plain_value(value: Any) -> str:
    """``repr`` of a value, with SymPy objects (also inside lists and dicts) in plain words.

    >>> import sympy as sp
    >>> plain_value({"left": -sp.oo, "n": 2, "names": ("x",)})
    "{'left': -inf, 'n': 2, 'names': ('x',)}"
    """
    if isinstance(value, sympy.Basic):
        return text_form(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {plain_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(plain_value(v) for v in value)
        if isinstance(value, tuple):
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        return f"[{inner}]"
    return repr(value)


def plain_repr(obj: Any) -> str:
    """The ``repr`` of a result dataclass, its SymPy fields in plain words.

    >>> from dataclasses import dataclass
    >>> import sympy as sp
    >>> @dataclass
    ... class Result:
    ...     value: Any
    ...     __repr__ = plain_repr
    >>> Result(sp.zoo)
    Result(value=undefined)
    """
    import dataclasses

    fields = ", ".join(
        f"{field.name}={plain_value(getattr(obj, field.name))}"
        for field in dataclasses.fields(obj)
        if field.repr
    )
    return f"{type(obj).__name__}({fields})"


def shows_internals(text: str) -> list[str]:
    """The internal names of SymPy that ``text`` shows (empty when it is plain).

    >>> shows_internals("the limit is oo"), shows_internals("room to grow")
    (['oo'], [])
    """
    return [name for name in INTERNAL_NAMES if re.search(rf"\b{name}\b", text)]


__all__ = [
    "INTERNAL_NAMES",
    "latex_form",
    "plain_repr",
    "plain_text",
    "plain_value",
    "shows_internals",
    "text_form",
]
