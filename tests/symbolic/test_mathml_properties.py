"""Property tests: the MathML of random expressions says the same mathematics as its text.

The presentation MathML is read back into learner notation by a small
reader written here (fractions, powers, roots, functions applied, bars and
floor brackets), parsed with the course parser and compared with the
expression by evaluation and SymPy; so is the ``alttext``.  No display
shows SymPy's internal names, and ``<``, ``&`` always arrive escaped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steepest.practice.equivalence import compare
from steepest.symbolic import parse
from steepest.symbolic.printing import mathml, shows_internals

M = "{http://www.w3.org/1998/Math/MathML}"
X, Y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
_NAMES = {"π": "pi", "arctan": "atan", "arcsin": "asin", "arccos": "acos", "θ": "theta"}
_OPERATORS = {"\u2212": "-", "\u2062": "*", "\u2061": "", "\u00b7": "*", "⌊": "floor(",
              "⌋": ")", "⌈": "ceil(", "⌉": ")", "\u00d7": "*"}  # fmt: skip


def _text(node: ET.Element) -> str:
    """Learner notation for a presentation MathML node (enough of MathML for the printer)."""
    tag = node.tag.removeprefix(M)
    kids = list(node)
    raw = (node.text or "").strip()
    if tag == "mi":
        return " " + _NAMES.get(raw, raw) + " "
    if tag == "mn":
        return " " + raw + " "
    if tag == "mo":
        return " " + _OPERATORS.get(raw, raw) + " "
    if tag == "mspace":
        return " "
    if tag == "msup":
        base, power = _text(kids[0]), _text(kids[1])
        if kids[0].tag == f"{M}mi" and base.strip() in _FUNCTIONS:
            return f" {base.strip()}^({power}) "  # sin² x
        return f" (({base})^({power})) "
    if tag == "msub":
        return f" {_text(kids[0]).strip()}_{_text(kids[1]).strip()} "
    if tag == "mfrac":
        return f" (({_text(kids[0])})/({_text(kids[1])})) "
    if tag == "msqrt":
        return " sqrt(" + "".join(_text(k) for k in kids) + ") "
    if tag == "mroot":
        return f" (({_text(kids[0])})^(1/({_text(kids[1])}))) "
    inner = "".join(_text(k) for k in kids)
    if kids and kids[0].tag == f"{M}mo" and (kids[0].text or "").strip() == "\u2061":
        return " (" + inner + ") "  # the argument of a function applied
    return " " + inner + " "


_FUNCTIONS = {"sin", "cos", "tan", "ln", "log", "exp", "sec", "csc", "cot", "atan", "asin",
              "acos", "sinh", "cosh", "tanh", "sign", "max", "min"}  # fmt: skip

_LEAVES = st.sampled_from([X, Y, X + 1, 2 * X, sympy.Integer(3), sympy.Rational(-2, 3),
                           sympy.pi, sympy.E])  # fmt: skip
_UNARY = [sympy.sin, sympy.cos, sympy.tan, sympy.exp, sympy.log, sympy.sqrt, sympy.Abs,
          sympy.atan, sympy.floor, sympy.sign, lambda u: sympy.Max(u, 0),
          lambda u: sympy.root(u, 3), lambda u: -u, lambda u: 1 / u]  # fmt: skip

EXPRESSIONS = st.recursive(
    _LEAVES,
    lambda kids: st.one_of(
        st.tuples(st.sampled_from(_UNARY), kids).map(lambda p: p[0](p[1])),
        st.tuples(kids, kids).map(lambda p: p[0] + p[1]),
        st.tuples(kids, kids).map(lambda p: p[0] - p[1]),
        st.tuples(kids, kids).map(lambda p: p[0] * p[1]),
        st.tuples(kids, kids).map(lambda p: p[0] / p[1]),
        st.tuples(kids, st.sampled_from([2, 3, -1, sympy.Rational(1, 2)])).map(
            lambda p: p[0] ** p[1]
        ),
    ),
    max_leaves=5,
)


def _same(a: sympy.Expr, b: sympy.Expr) -> bool:
    outcome = compare(a, b)
    if outcome.equal is None:
        return sympy.simplify(a - b) == 0
    return bool(outcome.equal)


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(expr=EXPRESSIONS)
def test_mathml_and_alttext_say_the_same_as_the_expression(expr: sympy.Expr) -> None:
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I) or not expr.free_symbols:
        return  # values in words are tested with value_words; the course is real
    root = ET.fromstring(mathml(expr))
    alt = root.get("alttext") or ""
    assert not shows_internals(alt)
    assert _same(parse(alt), expr), alt
    seen = _text(root)
    assert _same(parse(seen), expr), (seen, alt)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(a=EXPRESSIONS, b=EXPRESSIONS, relation=st.sampled_from([sympy.Lt, sympy.Gt, sympy.Le]))
def test_relations_and_ampersands_are_escaped(a: sympy.Expr, b: sympy.Expr, relation) -> None:
    relation_expr = relation(a, b, evaluate=False)
    markup = mathml(relation_expr)
    root = ET.fromstring(markup)  # well formed: a bare < or & would fail here
    assert not shows_internals(root.get("alttext") or "")
    assert not shows_internals("".join(root.itertext()))


def test_sets_are_said_in_words() -> None:
    for value, words in [(sympy.EmptySet, "no real number"), (sympy.S.Reals, "every real number")]:
        root = ET.fromstring(mathml(value))
        assert root.get("alttext") == words
        assert not shows_internals(root.get("alttext") or "")


_LONG = st.builds(
    lambda sign, m, k, r: sign * (sympy.Integer(m) * sympy.Integer(10) ** k + r),
    st.sampled_from([1, -1]),
    st.integers(1, 999),
    st.integers(16, 200),
    st.sampled_from([0, 0, 1, -3]),
)
LONG_EXPRESSIONS = st.tuples(_LONG, _LONG, _LONG).map(
    lambda p: p[0] * X**2 + p[1] + Y / p[2] + sympy.sqrt(X) / p[0]
)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(expr=LONG_EXPRESSIONS)
def test_long_numbers_typeset_say_the_same_number(expr: sympy.Expr) -> None:
    """10^308 as a power of ten, (10^150 - 3) in brackets: MathML and alttext exact."""
    root = ET.fromstring(mathml(expr))
    alt = root.get("alttext") or ""
    assert sympy.expand(parse(alt) - expr) == 0, alt
    seen = _text(root)
    assert sympy.expand(parse(seen) - expr) == 0, (seen, alt)
    assert max(len(run) for run in re.findall(r"\d+", alt)) <= 15, alt
