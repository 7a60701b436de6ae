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

import functools
import html
import itertools
import re
from collections.abc import Sequence
from typing import Any
from xml.dom.minidom import Element

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.mathml import MathMLPresentationPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from steepest.errors import ParseError
from steepest.symbolic.parser import parse
from steepest.typeset import (
    MATHML_NAMESPACE,
    formula_content,
    formula_mathml,
    formula_or_none,
    math_element,
    operator_content,
)


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


# ---------------------------------------------------------------------------
# Exact numbers with many digits: 10^308 rather than a wall of 309 digits.

_LONGEST_NUMBER = 15
"""Digits an exact integer (or a numerator, a denominator) is written with in full.

A longer one is written from a power of ten where that is shorter: ``10^308``,
``2*10^154``, or, when it does not end in zeros, ``(10^150 - 3)``; the same
exact number, only readable.  The computation keeps every digit; only the
display changes.  A number with more significant digits than that (3^100)
is written in full.
"""


@functools.lru_cache(maxsize=1024)  # asked several times for each number a printer meets
def _ten_power_parts(value: int) -> tuple[int, int, int] | None:
    """``(m, k, r)`` with ``abs(value) == m * 10**k + r`` when it is written so, else ``None``.

    The shortest such form that is shorter than the digits; ``r`` has at most 15 digits,
    and so has ``m`` where ``r`` is not 0.

    >>> _ten_power_parts(10**308), _ten_power_parts(-2 * 10**154), _ten_power_parts(10**15)
    ((1, 308, 0), (2, 154, 0), (1, 15, 0))
    >>> _ten_power_parts(10**150 - 3), _ten_power_parts(36 * 10**137 + 1)
    ((1, 150, -3), (36, 137, 1))
    >>> _ten_power_parts(10**14), _ten_power_parts(1234567890123456789)
    (None, None)
    >>> _ten_power_parts((10**50 + 1) ** 3) is None
    True
    """
    size = abs(value)
    digits = str(size)
    if len(digits) <= _LONGEST_NUMBER:
        return None
    best: tuple[int, tuple[int, int, int]] | None = None
    for places in range(_LONGEST_NUMBER + 1):
        low = size % 10**places
        for rest in (low, low - 10**places) if places else (0,):
            if places and rest == 0:
                continue  # the same as places = 0
            head = str(size - rest)
            mantissa = head.rstrip("0")
            power = len(head) - len(mantissa)
            if power == 0 or len(str(abs(rest))) > power:
                continue
            if rest and len(mantissa) > _LONGEST_NUMBER:
                continue  # (10^50 + 1)^3: a wall of digits still, only split in two
            parts = (int(mantissa), power, rest)
            length = len(_ten_power_core(*parts))
            if length < len(digits) and (best is None or length < best[0]):
                best = (length, parts)
    return None if best is None else best[1]


def _ten_power_core(mantissa: int, power: int, rest: int) -> str:
    text = f"10^{power}" if mantissa == 1 else f"{mantissa}*10^{power}"
    if rest:
        text = f"({text} {'+' if rest > 0 else '-'} {abs(rest)})"
    return text


def _long_number(item: Any) -> bool:
    """Whether ``item`` is an exact number that :func:`_ten_power_parts` shortens."""
    return isinstance(item, sympy.Rational) and (
        _ten_power_parts(int(item.p)) is not None or _ten_power_parts(int(item.q)) is not None
    )


def _shown_precedence(item: Any) -> int | None:
    """The precedence of a long exact number as it is written, else ``None``.

    ``10^308`` binds as a power and ``2*10^154`` or ``10^400/7`` as a product,
    not as the single number SymPy's printers take them for: ``x/(2*10^154)``
    and ``(10^308)^x`` need the parentheses a one-token number does not.
    ``(10^150 - 3)`` brings its own.
    """
    if not _long_number(item):
        return None
    if item.p < 0:
        return PRECEDENCE["Add"]
    if item.q != 1:
        return PRECEDENCE["Mul"]
    mantissa, _, rest = _ten_power_parts(int(item.p)) or (0, 0, 0)
    if rest:
        return PRECEDENCE["Atom"]
    return PRECEDENCE["Pow"] if mantissa == 1 else PRECEDENCE["Mul"]


def _integer_text(value: int) -> str:
    """``value`` in course notation: in full, or from a power of ten when it is long.

    >>> _integer_text(10**308), _integer_text(-3 * 10**50), _integer_text(10**40 + 7)
    ('10^308', '-3*10^50', '(10^40 + 7)')
    >>> _integer_text(123)
    '123'
    """
    parts = _ten_power_parts(value)
    if parts is None:
        return str(value)
    return ("-" if value < 0 else "") + _ten_power_core(*parts)


def _integer_latex(value: int) -> str:
    r"""``value`` as LaTeX: in full, or ``m \cdot 10^{k}`` when it is long."""
    parts = _ten_power_parts(value)
    if parts is None:
        return str(value)
    mantissa, power, rest = parts
    text = f"10^{{{power}}}" if mantissa == 1 else rf"{mantissa} \cdot 10^{{{power}}}"
    if rest:
        text = rf"\left({text} {'+' if rest > 0 else '-'} {abs(rest)}\right)"
    return ("-" if value < 0 else "") + text


def _bracketed_denominator(value: int, text: str) -> str:
    """A denominator written as a product (``2*10^154``) in parentheses after ``/``."""
    parts = _ten_power_parts(value)
    return f"({text})" if parts and parts[0] != 1 and not parts[2] else text


class _CoursePrinter(StrPrinter):
    """SymPy's string printer with the notation the parser reads back."""

    def parenthesize(self, item: Any, level: int, strict: bool = False) -> str:
        own = _shown_precedence(item)
        if own is None:
            return str(super().parenthesize(item, level, strict))
        text = self._print(item)
        # SymPy asks at the precedence of a negative product, that of a sum, for the
        # denominator of -x/(3*10^15): a number written as a product is bracketed there too.
        product = own <= PRECEDENCE["Mul"] and level >= PRECEDENCE["Add"]
        return f"({text})" if product or own < level or (not strict and own <= level) else text

    def _print_Integer(self, expr: sympy.Integer) -> str:
        return _integer_text(int(expr))

    def _print_Mul(self, expr: sympy.Expr) -> str:
        # A long numerator in front, 2*10^154*x, needs no parentheses (a*b/c is (a*b)/c);
        # SymPy's printer would give it those a denominator needs, (2*10^154)*x.
        coefficient, rest = expr.as_coeff_Mul()
        if (
            rest is sympy.S.One
            or not coefficient.is_Rational
            or _ten_power_parts(int(coefficient.p)) is None
        ):
            return str(super()._print_Mul(expr))
        sign = "-" if coefficient < 0 else ""
        numerator = _integer_text(abs(int(coefficient.p)))
        rest = rest / coefficient.q
        if rest.is_Pow and rest.exp.could_extract_minus_sign():
            rest = sympy.Mul(sympy.S.One, rest, evaluate=False)  # printed 1/x^2, not x^(-2)
        text = self.parenthesize(rest, PRECEDENCE["Mul"], strict=True)
        if text.startswith("1/"):
            return f"{sign}{numerator}{text[1:]}"
        return f"{sign}{numerator}*{text}"

    def _print_Rational(self, expr: sympy.Rational) -> str:
        if not _long_number(expr):
            return str(super()._print_Rational(expr))
        denominator = _bracketed_denominator(int(expr.q), _integer_text(int(expr.q)))
        return f"{_integer_text(int(expr.p))}/{denominator}"

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

    def _print_EmptySet(self, expr: sympy.Expr) -> str:
        return "no real number"

    def _print_Reals(self, expr: sympy.Expr) -> str:
        return "every real number"

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

    def _print_Relational(self, expr: sympy.Expr) -> str:
        # SymPy writes Ne(x, 0) and Eq(x, 0); the parser reads x != 0 and x == 0.
        return f"{self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)}"

    def _print_And(self, expr: sympy.Expr) -> str:
        return " and ".join(
            f"({self._print(a)})" if isinstance(a, sympy.Or) else self._print(a)
            for a in expr.args
        )

    def _print_Or(self, expr: sympy.Expr) -> str:
        return " or ".join(self._print(a) for a in expr.args)

    def _print_Not(self, expr: sympy.Expr) -> str:
        inner = expr.args[0]
        return f"not {self._print(inner)}" if inner.is_Relational else f"not ({self._print(inner)})"

    def _print_RealRoot(self, expr: sympy.Expr) -> str:
        u, n = expr.args
        return f"cbrt({self._print(u)})" if n == 3 else f"root({self._print(u)}, {n})"

    def _print_Lambda(self, expr: sympy.Expr) -> str:
        names = ", ".join(self._print(v) for v in expr.variables)
        return f"({names} -> {self._print(expr.expr)})"


class _CourseLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with sums ordered as a course writes them."""

    def parenthesize(
        self, item: Any, level: int, is_neg: bool = False, strict: bool = False
    ) -> str:
        own = _shown_precedence(item)
        if own is None:
            return str(super().parenthesize(item, level, is_neg, strict))
        text = self._print(item)
        wrap = own < level or (not strict and own <= level) or (is_neg and strict)
        return str(self._add_parens(text)) if wrap else text

    def _print_int(self, expr: int) -> str:
        # Every exact integer reaches LaTeX here (SymPy prints an Integer as its int).
        return _integer_latex(int(expr))

    def _print_Rational(self, expr: sympy.Rational) -> str:
        if not _long_number(expr) or expr.q == 1:
            return str(super()._print_Rational(expr))
        sign = "- " if expr.p < 0 else ""
        numerator, denominator = _integer_latex(abs(int(expr.p))), _integer_latex(int(expr.q))
        return rf"{sign}\frac{{{numerator}}}{{{denominator}}}"

    def _as_ordered_terms(self, expr: sympy.Expr, order: str | None = None) -> list[Any]:
        terms = super()._as_ordered_terms(expr, order=order)
        return _course_order(terms) if isinstance(expr, sympy.Add) else terms

    def _print_RealRoot(self, expr: sympy.Expr, exp: Any = None) -> str:
        u, n = expr.args
        root = rf"\sqrt[{n}]{{{self._print(u)}}}"
        return root if exp is None else rf"\left({root}\right)^{{{exp}}}"


class _WordsLatexPrinter(_CourseLatexPrinter):
    """The course LaTeX printer, with what is not a number said in words."""

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if expr is sympy.zoo or expr is sympy.nan:
            return r"\text{undefined}"
        return super()._print(expr, **kwargs)

    def _print_AccumulationBounds(self, expr: sympy.Expr) -> str:
        low, high = self._print(expr.min), self._print(expr.max)
        return rf"\text{{oscillates between }} {low} \text{{ and }} {high}"

    def _print_ImageSet(self, expr: sympy.Expr) -> str:
        (dummy,) = expr.lamda.variables
        body = self._print(expr.lamda.expr.xreplace({dummy: sympy.Symbol("n")}))
        return rf"{body} \text{{ for every integer }} n"

    def _print_Union(self, expr: sympy.Expr) -> str:
        return r" \text{ or } ".join(self._print(part) for part in expr.args)

    def _print_ComplexRootOf(self, expr: sympy.Expr) -> str:
        return f"{float(sympy.re(sympy.N(expr, 17))):.10g}"


class RealRoot(sympy.Function):
    """The real n-th root of ``u`` for odd ``n``, for display only (``cbrt(u)``, ∛u).

    The parser writes ``cbrt(u)`` as ``sign(u)*|u|^(1/3)`` so that SymPy computes with
    it; :func:`_roots_shown` puts the root back where a product holds exactly those
    factors, so that people read what they wrote.  Nothing computes with this class.
    """

    nargs = 2


# Odd roots the display recognises: the parser's cbrt and root(u, n) for small odd n.
_ODD_ROOTS = (3, 5, 7, 9)


def _is_sign_power(factor: sympy.Expr) -> bool:
    return isinstance(factor, sympy.sign) or (
        factor.is_Pow and isinstance(factor.base, sympy.sign) and factor.exp.is_Integer)


def _rooted(product: sympy.Expr) -> sympy.Expr:
    """A product with each ``sign(u)^k * |u|^(k/n)`` in it shown as the real root of u to the k.

    SymPy splits and joins the powers of ``|u|`` its own way (``|x^2 y|^(1/3)`` becomes
    ``|x|^(2/3)*|y|^(1/3)``, and ``|y^3|^(2/3)`` becomes ``y^2``), so the factors that make
    ``|u|^(k/n)`` are found as those whose product to the n is ``|u|^k``: real factors,
    so for odd n that product is ``|u|^(k/n)`` itself.
    """
    factors = list(sympy.Mul.make_args(product))
    # A root's factors: one per factor of u, seldom more than a few.
    candidates = [f for f in factors if not f.is_number and not _is_sign_power(f)][:5]
    for factor in factors:
        if not _is_sign_power(factor):
            continue
        sign, power = (factor, sympy.Integer(1)) if isinstance(factor, sympy.sign) else (
            factor.base, factor.exp)
        # Compared with positive exponents on both sides: SymPy writes (|y|^-1)^3 and
        # |y|^-3 differently, (|y|)^3 and |y^3| alike.
        whole = sympy.Abs(sign.args[0]) ** abs(power)
        for size in range(1, len(candidates) + 1):
            for taken in itertools.combinations(candidates, size):
                part = sympy.Mul(*taken) if power > 0 else 1 / sympy.Mul(*taken)
                n = next((n for n in _ODD_ROOTS if part**n == whole), None)
                if n is not None:
                    rest = list(factors)
                    for used in (factor, *taken):
                        rest.remove(used)
                    return _rooted(sympy.Mul(*rest, RealRoot(sign.args[0], n) ** power))
    return product


def _roots_shown(expr: Any) -> Any:
    """``expr`` with its real odd roots written as roots again (see :class:`RealRoot`).

    >>> x, y = sympy.symbols("x y", real=True)
    >>> text_form(sympy.sign(x**2 * y) * sympy.Abs(x**2 * y) ** sympy.Rational(1, 3))
    'cbrt(x^2*y)'
    """
    if not isinstance(expr, sympy.Basic) or not expr.has(sympy.sign):
        return expr
    return expr.replace(lambda e: e.is_Mul and e.has(sympy.sign), _rooted)


_PRINTER = _CoursePrinter()
_LATEX_PRINTER = _CourseLatexPrinter({"ln_notation": True})
_WORDS_LATEX_PRINTER = _WordsLatexPrinter({"ln_notation": True})


def text_form(expr: sympy.Basic) -> str:
    """``expr`` in the notation :func:`~steepest.symbolic.parse` reads back.

    >>> x = sympy.Symbol("x")
    >>> text_form(sympy.exp(2 * x) * sympy.log(x) + x**2)
    'x^2 + e^(2*x)*ln(x)'
    """
    return _PRINTER.doprint(_roots_shown(expr)).replace("**", "^")


def latex_form(expr: sympy.Basic) -> str:
    """``expr`` as LaTeX, with ``\\ln`` for the natural logarithm.

    >>> latex_form(sympy.log(sympy.Symbol("x")) / sympy.Symbol("x"))
    '\\\\frac{\\\\ln{\\\\left(x \\\\right)}}{x}'
    """
    return _LATEX_PRINTER.doprint(_roots_shown(expr))


# ---------------------------------------------------------------------------
# Typeset mathematics: presentation MathML in course notation.

_FUNCTION_NAMES = {
    "log": "ln", "asin": "arcsin", "acos": "arccos", "atan": "arctan", "acot": "arccot",
    "asec": "arcsec", "acsc": "arccsc", "asinh": "arcsinh", "acosh": "arccosh",
    "atanh": "arctanh", "acoth": "arccoth", "sign": "sign", "floor": "floor",
    "ceiling": "ceil", "Heaviside": "step", "DiracDelta": "δ",
}  # fmt: skip

# Functions written before a power of themselves: sin²x rather than (sin x)².
_POWERED_NAMES = {"sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "sech",
                  "csch", "coth"}  # fmt: skip


class _CourseMathMLPrinter(MathMLPresentationPrinter):
    """SymPy's presentation MathML printer in course notation.

    ``e^x`` with an ordinary e, ``ln x``, ``sin x`` (parentheses only around
    what needs them), ``sin²x``, a minus sign as an operator, sums in course
    order, and words for what is not a number.
    """

    def _element(self, tag: str, *children: Element, text: str | None = None) -> Element:
        node = self.dom.createElement(tag)
        if text is not None:
            node.appendChild(self.dom.createTextNode(text))
        for child in children:
            node.appendChild(child)
        return node

    def _as_ordered_terms(self, expr: sympy.Expr, order: str | None = None) -> list[Any]:
        terms = super()._as_ordered_terms(expr, order=order)
        return _course_order(terms) if isinstance(expr, sympy.Add) else terms

    def _negated(self, positive: Element) -> Element:
        return self._element("mrow", self._element("mo", text="\u2212"), positive)

    def parenthesize(self, item: Any, level: int, strict: bool = False) -> Element:
        own = _shown_precedence(item)
        if own is None:
            return super().parenthesize(item, level, strict)
        if own < level or (not strict and own <= level):
            return self._element(
                "mrow", self._element("mo", text="("), self._print(item),
                self._element("mo", text=")"),
            )  # fmt: skip
        return self._print(item)

    def _print_Integer(self, expr: sympy.Integer) -> Element:
        if expr < 0:
            return self._negated(self._print(-expr))
        parts = _ten_power_parts(int(expr))
        if parts is None:
            return self._element("mn", text=str(int(expr)))
        mantissa, power, rest = parts
        shown = self._element("msup", self._element("mn", text="10"),
                              self._element("mn", text=str(power)))  # fmt: skip
        if mantissa != 1:
            shown = self._element("mrow", self._element("mn", text=str(mantissa)),
                                  self._element("mo", text="\u00d7"), shown)  # fmt: skip
        if not rest:
            return shown
        return self._element(
            "mrow", self._element("mo", text="("), shown,
            self._element("mo", text="+" if rest > 0 else "\u2212"),
            self._element("mn", text=str(abs(rest))), self._element("mo", text=")"),
        )  # fmt: skip

    def _print_Rational(self, expr: sympy.Rational) -> Element:
        if expr < 0:
            return self._negated(self._print(-expr))
        if _long_number(expr) and expr.q != 1:
            return self._element(
                "mfrac", self._print(sympy.Integer(expr.p)), self._print(sympy.Integer(expr.q))
            )
        return super()._print_Rational(expr)

    def _print_Float(self, expr: sympy.Float) -> Element:
        value = float(expr)
        if value < 0:
            return self._negated(self._print(sympy.Float(-value)))
        return self._element("mn", text=f"{value:.10g}")

    def _print_Exp1(self, expr: sympy.Expr) -> Element:
        return self._element("mi", text="e")

    def _print_Pi(self, expr: sympy.Expr) -> Element:
        return self._element("mi", text="π")

    def _print_exp(self, expr: sympy.Expr) -> Element:
        return self._element("msup", self._element("mi", text="e"), self._print(expr.args[0]))

    def _print_Infinity(self, expr: sympy.Expr) -> Element:
        return self._element("mi", text="∞")

    def _print_NegativeInfinity(self, expr: sympy.Expr) -> Element:
        return self._negated(self._element("mi", text="∞"))

    def _print(self, expr: Any, **kwargs: Any) -> Any:
        if expr is sympy.zoo or expr is sympy.nan:
            return self._element("mtext", text="undefined")
        return super()._print(expr, **kwargs)

    def doprint(self, expr: Any) -> str:
        node = self._print(expr)
        _escape_text(node)
        return node.toxml().encode("ascii", "xmlcharrefreplace").decode()

    def _print_AccumulationBounds(self, expr: sympy.Expr) -> Element:
        return self._element(
            "mrow",
            self._element("mtext", text="oscillates between\u00a0"),
            self._print(expr.min),
            self._element("mtext", text="\u00a0and\u00a0"),
            self._print(expr.max),
        )

    def _print_ImageSet(self, expr: sympy.Expr) -> Element:
        (dummy,) = expr.lamda.variables
        body = expr.lamda.expr.xreplace({dummy: sympy.Symbol("n")})
        return self._element(
            "mrow",
            self._print(body),
            self._element("mtext", text="\u00a0for every integer\u00a0"),
            self._element("mi", text="n"),
        )

    def _print_Union(self, expr: sympy.Expr) -> Element:
        row = self._element("mrow")
        for index, part in enumerate(expr.args):
            if index:
                row.appendChild(self._element("mtext", text="\u00a0or\u00a0"))
            row.appendChild(self._print(part))
        return row

    def _print_FiniteSet(self, expr: sympy.Expr) -> Element:
        row = self._element("mrow")
        for index, item in enumerate(sorted(expr.args, key=sympy.default_sort_key)):
            if index:
                row.appendChild(self._element("mo", text=","))
            row.appendChild(self._print(item))
        return row

    def _print_ComplexRootOf(self, expr: sympy.Expr) -> Element:
        return self._print(sympy.Float(float(sympy.re(sympy.N(expr, 17)))))

    def _print_Abs(self, expr: sympy.Expr) -> Element:
        bar = "|"
        return self._element(
            "mrow",
            self._element("mo", text=bar),
            self._print(expr.args[0]),
            self._element("mo", text=bar),
        )

    def _function_name(self, expr: sympy.Expr) -> str:
        name = type(expr).__name__
        return _FUNCTION_NAMES.get(name, name)

    def _argument(self, argument: sympy.Expr) -> Element:
        """A function's argument: bare when it is a letter or a number, else in parentheses."""
        if argument.is_Symbol or (argument.is_Number and argument >= 0) or argument is sympy.pi:
            space = self.dom.createElement("mspace")
            space.setAttribute("width", "0.17em")
            return self._element(
                "mrow", self._element("mo", text="\u2061"), space, self._print(argument)
            )
        return self._element(
            "mrow",
            self._element("mo", text="\u2061"),
            self._element(
                "mrow",
                self._element("mo", text="("),
                self._print(argument),
                self._element("mo", text=")"),
            ),
        )

    def _print_Function(self, expr: sympy.Expr) -> Element:
        if len(expr.args) != 1:
            row = self._element("mrow", self._element("mi", text=self._function_name(expr)))
            row.appendChild(self._paren_comma_separated(*expr.args))
            return row
        return self._element(
            "mrow",
            self._element("mi", text=self._function_name(expr)),
            self._argument(expr.args[0]),
        )

    def _print_Pow(self, expr: sympy.Pow) -> Element:
        base, exponent = expr.base, expr.exp
        if (
            isinstance(base, sympy.Function)
            and type(base).__name__ in _POWERED_NAMES
            and exponent.is_Integer
            and exponent > 0
        ):
            name = self._element("mi", text=self._function_name(base))
            return self._element(
                "mrow",
                self._element("msup", name, self._print(exponent)),
                self._argument(base.args[0]),
            )
        return super()._print_Pow(expr)

    def _print_Max(self, expr: sympy.Expr) -> Element:
        row = self._element("mrow", self._element("mi", text=type(expr).__name__.lower()))
        row.appendChild(self._paren_comma_separated(*expr.args))
        return row

    _print_Min = _print_Max

    def _print_Piecewise(self, expr: sympy.Expr) -> Element:
        table = self._element("mtable")
        for value, condition in expr.args:
            shown = (
                self._element("mtext", text="otherwise")
                if condition is sympy.true
                else self._element("mrow", self._element("mtext", text="if\u00a0"),
                                   self._print(condition))
            )  # fmt: skip
            table.appendChild(
                self._element(
                    "mtr",
                    self._element("mtd", self._print(value)),
                    self._element("mtd", shown),
                )
            )
        return self._element("mrow", self._element("mo", text="{"), table)

    def _print_MatrixBase(self, expr: sympy.MatrixBase) -> Element:
        table = self._element("mtable")
        for i in range(expr.rows):
            row = self._element("mtr")
            for j in range(expr.cols):
                row.appendChild(self._element("mtd", self._print(expr[i, j])))
            table.appendChild(row)
        return self._element(
            "mrow", self._element("mo", text="["), table, self._element("mo", text="]")
        )

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase

    def _print_Tuple(self, expr: sympy.Expr) -> Element:
        return self._paren_comma_separated(*expr.args)

    def _print_RealRoot(self, expr: sympy.Expr) -> Element:
        u, n = expr.args
        return self._element("mroot", self._element("mrow", self._print(u)), self._print(n))


def _escape_text(node: Any) -> None:
    """Escape ``<``, ``>`` and ``&`` in the text of ``node`` and below.

    SymPy's MathML printer writes its text nodes unescaped (so that it can
    write entities such as ``&InvisibleTimes;``); a relation's ``<`` would
    otherwise break the markup.
    """
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            data = re.sub(r"&(?![A-Za-z]+;|#[0-9]+;|#x[0-9A-Fa-f]+;)", "&amp;", child.data)
            child.data = data.replace("<", "&lt;").replace(">", "&gt;")
        else:
            _escape_text(child)


_MATHML_PRINTER = _CourseMathMLPrinter({"ln_notation": True})

_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")


def _numeric_entities(markup: str) -> str:
    """Named character references as numeric ones, which every HTML and XML reader knows."""

    def numeric(match: re.Match[str]) -> str:
        if match.group(1) in ("amp", "lt", "gt", "quot", "apos"):
            return match.group(0)
        char = html.unescape(match.group(0))
        return f"&#x{ord(char):X};" if len(char) == 1 else match.group(0)

    markup = markup.replace("&dd;", "d").replace("&ExponentialE;", "e")
    return _NAMED_ENTITY.sub(numeric, markup)


def _as_sympy(value: Any) -> sympy.Basic:
    """A value the printers take: an expression, a matrix for a list, a number."""
    if isinstance(value, sympy.Basic | sympy.MatrixBase):
        return value
    if isinstance(value, str):
        return parse(value)
    if isinstance(value, Sequence):
        items = list(value)
        if items and all(isinstance(item, Sequence) and not isinstance(item, str)
                         for item in items):  # fmt: skip
            return sympy.Matrix([[_as_sympy(v) for v in row] for row in items])
        return sympy.Matrix([_as_sympy(item) for item in items])
    return sympy.sympify(value, strict=True)


def mathml_content(expr: Any) -> str:
    """The MathML of ``expr`` without the ``<math>`` element around it.

    For putting several pieces in one ``<math>`` (see :func:`math_element`).

    >>> mathml_content(sympy.Symbol("x") ** 2)
    '<msup><mi>x</mi><mn>2</mn></msup>'
    """
    markup = _numeric_entities(_MATHML_PRINTER.doprint(_roots_shown(_as_sympy(expr))))
    return markup.replace("<mo>-</mo>", "<mo>&#x2212;</mo>")


def plain_math_text(value: Any) -> str:
    """The plain text of a value for ``alttext``: course notation, lists in brackets.

    >>> plain_math_text([sympy.Symbol("x") ** 2, 2])
    '[x^2, 2]'
    """
    expr = _as_sympy(value)
    if isinstance(expr, sympy.MatrixBase):
        if expr.cols == 1:
            return "[" + ", ".join(text_form(v) for v in expr) + "]"
        rows = ("[" + ", ".join(text_form(v) for v in expr.row(i)) + "]" for i in range(expr.rows))
        return "[" + ", ".join(rows) + "]"
    if isinstance(expr, sympy.AccumBounds):
        return f"oscillates between {text_form(expr.min)} and {text_form(expr.max)}"
    if isinstance(expr, sympy.Float):
        return f"{float(expr):.10g}"
    if isinstance(expr, sympy.Equality):
        return f"{plain_math_text(expr.lhs)} = {plain_math_text(expr.rhs)}"
    return text_form(expr)


def mathml(expr_or_text: Any, *, display: bool = False) -> str:
    """``expr_or_text`` as presentation MathML in course notation, in a ``<math>`` element.

    Takes a SymPy expression, text in learner notation (read by
    :func:`~steepest.symbolic.parse`; text that does not parse raises its
    :class:`~steepest.errors.ParseError` with the column), a number, or a list
    (a column vector) or list of lists (a matrix).  The ``alttext`` is the
    plain course notation, for screen readers and copy-paste.  What is not a
    number is said in words: ``undefined``, ``oscillates between −1 and 1``.
    ``display=True`` makes a block (centred, full size) formula.

    >>> m = mathml("x^2 sin x")
    >>> m.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"')
    True
    >>> 'alttext="x^2*sin(x)"' in m, "<msup><mi>x</mi><mn>2</mn></msup>" in m
    (True, True)
    >>> "undefined" in mathml(sympy.zoo), "zoo" in mathml(sympy.zoo)
    (True, False)
    """
    expr = _as_sympy(expr_or_text)
    return math_element(mathml_content(expr), plain_math_text(expr), display=display)


def latex(expr: Any) -> str:
    """``expr`` as LaTeX in course notation, with what is not a number said in words.

    Takes what :func:`mathml` takes.

    >>> latex("x^2 sin x")
    'x^{2} \\\\sin{\\\\left(x \\\\right)}'
    >>> latex(sympy.AccumBounds(-1, 1))
    '\\\\text{oscillates between } -1 \\\\text{ and } 1'
    """
    return _WORDS_LATEX_PRINTER.doprint(_roots_shown(_as_sympy(expr)))


def _bracketed(content: str) -> str:
    return f'<mrow><mo fence="true">[</mo>{content}<mo fence="true">]</mo></mrow>'


def derivative_mathml(
    expr: Any,
    wrt: str | sympy.Symbol = "x",
    result: Any = None,
    *,
    partial: bool = False,
    display: bool = False,
    shown: str | None = None,
) -> str:
    """``d/dx [expr] = result`` typeset (``∂/∂x`` when ``partial``); no result, no ``=``.

    ``shown`` is the expression as it should be written, when that differs
    from SymPy's form (``log_2(x)`` rather than ``ln x / ln 2``); it is read as
    a rule is (:func:`formula_content`).

    >>> m = derivative_mathml("x^2", "x", "2x")
    >>> m.count("<mfrac>"), 'alttext="d/dx [x^2] = 2*x"' in m
    (1, True)
    """
    name = wrt.name if isinstance(wrt, sympy.Symbol) else str(wrt)
    operator = f"∂/∂{name}" if partial else f"d/d{name}"
    inside = formula_content(shown) if shown else mathml_content(expr)
    content = operator_content(name, partial=partial) + _bracketed(inside)
    alt = f"{operator} [{shown or plain_math_text(expr)}]"
    if result is not None:
        content += "<mo>=</mo>" + mathml_content(result)
        alt += f" = {plain_math_text(result)}"
    return math_element(f"<mrow>{content}</mrow>", alt, display=display)


def gradient_mathml(
    components: Sequence[Any],
    variables: Sequence[str],
    *,
    name: str = "f",
    display: bool = False,
) -> str:
    """``∇f(x, y) = [∂f/∂x, ∂f/∂y]`` as a column vector; ``f′(x) = ...`` in one variable.

    >>> m = gradient_mathml(["2x", "2y"], ["x", "y"])
    >>> "&#x2207;" in m, 'alttext="grad f(x, y) = [2*x, 2*y]"' in m, m.count("<mtr>")
    (True, True, 2)
    """
    names = ", ".join(variables)
    arguments = "<mo>,</mo>".join(mathml_content(sympy.Symbol(v)) for v in variables)
    call = f"<mo>(</mo>{arguments}<mo>)</mo>"
    function = mathml_content(sympy.Symbol(name))
    if len(components) == 1:
        value = _as_sympy(components[0])
        head = f"<msup>{function}<mo>&#x2032;</mo></msup>{call}"
        alt = f"{name}'({names}) = {plain_math_text(value)}"
        body = mathml_content(value)
    else:
        vector = _as_sympy(list(components))
        head = f"<mrow><mo>&#x2207;</mo>{function}</mrow>{call}"
        alt = f"grad {name}({names}) = {plain_math_text(vector)}"
        body = mathml_content(vector)
    return math_element(f"<mrow>{head}<mo>=</mo>{body}</mrow>", alt, display=display)


_SIDES = {"both": ("", ""), "+": ("<mo>+</mo>", "+"), "-": ("<mo>\u2212</mo>", "-")}
_SIDE_NAMES = {"right": "+", "left": "-", "+": "+", "-": "-", "both": "both"}


def limit_mathml(
    expr: Any,
    variable: str | sympy.Symbol,
    at: Any,
    value: Any = None,
    *,
    side: str = "both",
    display: bool = False,
    shown: str | None = None,
    name: str | None = None,
) -> str:
    """``lim_{x → a} expr = value`` typeset, with the side as ``a⁺`` or ``a⁻``.

    ``value`` may be a SymPy value (said in words when it is not a number) or
    a sentence (a ``str``), such as ``"does not exist"``.  ``shown`` writes the
    expression as a rule is written (``(f(x + h) - f(x))/h``) and ``name``
    puts ``name =`` in front (``f'(x)``).

    >>> m = limit_mathml("sin(x)/x", "x", 0, 1)
    >>> "<munder>" in m, 'alttext="lim x→0 sin(x)/x = 1"' in m
    (True, True)
    >>> 'x→0+ 1/x = inf' in limit_mathml("1/x", "x", 0, sympy.oo, side="right")
    True
    """
    variable_name = variable.name if isinstance(variable, sympy.Symbol) else str(variable)
    try:
        sign_markup, sign_text = _SIDES[_SIDE_NAMES[side]]
    except KeyError:
        raise ParseError(f"side must be 'both', 'left' or 'right', not {side!r}") from None
    point = mathml_content(at)
    if sign_markup:
        point = f"<msup>{point}{sign_markup}</msup>"
    under = f"<mrow>{mathml_content(sympy.Symbol(variable_name))}<mo>&#x2192;</mo>{point}</mrow>"
    content = f'<munder><mo movablelimits="true">lim</mo>{under}</munder>'
    content += f"<mo>&#x2061;</mo>{formula_content(shown) if shown else mathml_content(expr)}"
    alt = f"lim {variable_name}→{plain_math_text(at)}{sign_text} "
    alt += shown or plain_math_text(expr)
    if name:
        content = f"{formula_content(name)}<mo>=</mo>{content}"
        alt = f"{name} = {alt}"
    if isinstance(value, str):
        content += f"<mtext>\u00a0{html.escape(value)}</mtext>"
        alt += f" {value}"
    elif isinstance(value, sympy.AccumBounds):
        content += '<mspace width="0.3em"/>' + mathml_content(value)
        alt += f" {plain_math_text(value)}"
    elif value is not None:
        content += "<mo>=</mo>" + mathml_content(value)
        alt += f" = {plain_math_text(value)}"
    return math_element(f"<mrow>{content}</mrow>", alt, display=display)


def value_words(value: Any) -> str | None:
    """What a value that is not a number means, in words; ``None`` for a number.

    >>> value_words(sympy.AccumBounds(-1, 1)), value_words(sympy.zoo), value_words(2)
    ('oscillates between -1 and 1', 'undefined', None)
    """
    expr = _as_sympy(value)
    if isinstance(expr, sympy.AccumBounds):
        return f"oscillates between {text_form(expr.min)} and {text_form(expr.max)}"
    if expr is sympy.zoo or expr is sympy.nan:
        return "undefined"
    return None


# SymPy's words that may reach a message written with str(); longest first.
_INTERNAL_WORDS = [
    (re.compile(r"ImageSet\(Lambda\(_?(\w+), (.+?)\), Integers\)"), r"\2 for every integer \1"),
    (re.compile(r"AccumBounds\(([^,]+), ([^)]+)\)"), r"(a value between \1 and \2)"),
    (re.compile(r"CRootOf\([^)]*\)"), "a root with no closed form"),
    (re.compile(r"DiracDelta"), "delta"),
    (re.compile(r"Heaviside"), "step"),
    (re.compile(r"Piecewise"), "piecewise"),
    (re.compile(r"Lambda"), "function"),
    (re.compile(r"\bEmptySet\b"), "no real number"),
    (re.compile(r"\bzoo\b"), "undefined"),
    (re.compile(r"\bnan\b"), "undefined"),
    (re.compile(r"\boo\b"), "inf"),
    (re.compile(r"\b_n\b"), "n"),
]

INTERNAL_NAMES = (
    "ImageSet", "Lambda", "CRootOf", "AccumBounds", "zoo", "DiracDelta", "Heaviside",
    "Piecewise", "oo", "nan", "EmptySet", "Ne", "Eq",
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

    An exact number with many digits is written as :func:`text_form` writes
    it, and what the person typed, in single quotes, stays as typed:

    >>> plain_text(f"x = {10**30}, slope 1/{2 * 10**20}; 'zoo' is not a number")
    "x = 10^30, slope 1/(2*10^20); 'zoo' is not a number"
    """
    pieces = _QUOTED.split(str(message))
    # Odd pieces are quoted: what the person typed ('zoo', '1e500'), kept as typed.
    return "".join(piece if i % 2 else _plain_piece(piece) for i, piece in enumerate(pieces))


# Text in single quotes, as a message quotes what was typed: not an apostrophe (f's).
_QUOTED = re.compile(r"((?<![\w'])'[^'\n]*'(?![\w']))")

# An integer written out with many digits (not the digits of a decimal fraction).
_LONG_INTEGER = re.compile(rf"(?<![\w.])\d{{{_LONGEST_NUMBER + 1},}}(?![\w]|\.\d)")


def _plain_piece(text: str) -> str:
    text = _unwrap_union(text)
    for pattern, replacement in _INTERNAL_WORDS:
        text = pattern.sub(replacement, text)
    return _LONG_INTEGER.sub(_short_integer, text.replace("**", "^"))


def _short_integer(match: re.Match[str]) -> str:
    """A long integer in a message as :func:`text_form` writes it, parenthesized where a
    neighbouring ``/`` or ``^`` would otherwise bind to a piece of it."""
    shown = _integer_text(int(match.group(0)))
    if shown == match.group(0):
        return shown
    before = match.string[match.start() - 1] if match.start() else ""
    after = match.string[match.end() : match.end() + 1]
    if before == "^" or after == "^" or (before == "/" and "*" in shown):
        return f"({shown})"
    return shown


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
    "MATHML_NAMESPACE",
    "derivative_mathml",
    "formula_content",
    "formula_mathml",
    "formula_or_none",
    "gradient_mathml",
    "latex",
    "latex_form",
    "limit_mathml",
    "math_element",
    "mathml",
    "mathml_content",
    "plain_math_text",
    "plain_repr",
    "plain_text",
    "plain_value",
    "shows_internals",
    "text_form",
    "value_words",
]
