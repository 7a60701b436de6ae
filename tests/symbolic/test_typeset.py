"""The one printer of typeset mathematics: MathML and LaTeX in course notation.

Each MathML string is read back as XML (it must be well formed), its
``alttext`` is read back by the parser and compared with the expression, and
what a reader sees is spelled out by :func:`reading` (superscripts as ², a
function applied to a letter as ``sin x``, invisible times dropped).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import sympy

from steepest.errors import ParseError
from steepest.symbolic import derive, parse, symbol
from steepest.symbolic.printing import (
    INTERNAL_NAMES,
    derivative_mathml,
    formula_mathml,
    latex,
    limit_mathml,
    mathml,
    shows_internals,
    value_words,
)

M = "{http://www.w3.org/1998/Math/MathML}"
SUPERSCRIPTS = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
INVISIBLE = {"\u2061": " ", "\u2062": ""}


def element(markup: str) -> ET.Element:
    root = ET.fromstring(markup)
    assert root.tag == f"{M}math"
    return root


def reading(node: ET.Element) -> str:
    """What a reader sees, written on one line."""
    tag = node.tag.removeprefix(M)
    children = list(node)
    if tag == "msup":
        base, exponent = reading(children[0]), reading(children[1])
        if exponent.isdigit():
            return base + exponent.translate(SUPERSCRIPTS)
        if exponent in ("′", "+", "−"):
            return base + {"′": "′", "+": "⁺", "−": "⁻"}[exponent]
        return f"{base}^({exponent})"
    if tag == "mfrac":
        return f"({reading(children[0])})/({reading(children[1])})"
    if tag == "msqrt":
        return f"√({''.join(reading(c) for c in children)})"
    text = (node.text or "").strip()
    text = INVISIBLE.get(text, text)
    return text + "".join(reading(child) for child in children)


def read(markup: str) -> str:
    return reading(element(markup))


def visible_text(markup: str) -> str:
    return "".join(element(markup).itertext())


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ("x^2 sin x", "x²sin x"),
        ("2x", "2x"),
        ("e^x", "e^(x)"),
        ("ln(x)", "ln x"),
        ("sqrt(x)", "√(x)"),
        ("sin(x)^2", "sin² x"),
        ("sin(2x)", "sin (2x)"),
        ("(x+1)/(x-1)", "(x+1)/(x−1)"),
        ("-3/4", "−(3)/(4)"),
        ("|x|", "|x|"),
    ],
)
def test_course_notation(text: str, seen: str) -> None:
    assert read(mathml(text)) == seen


@pytest.mark.parametrize(
    "text", ["x^2 sin x", "e^(-x^2/2)/sqrt(2 pi)", "ln(x)/x - 3x^4", "sin(x)^2 + cos(x)^2",
             "x y^2 (x - 4)(y - 6)/30", "tanh(3 theta)", "log_2(x)", "max(x, 0)"],
)  # fmt: skip
def test_alttext_reads_back_as_the_same_expression(text: str) -> None:
    expr = parse(text)
    root = element(mathml(expr))
    alt = root.get("alttext")
    assert alt and "**" not in alt
    assert sympy.simplify(parse(alt) - expr) == 0
    assert "*" not in "".join(root.itertext())


def test_values_that_are_not_numbers_are_words() -> None:
    cases = {
        sympy.zoo: "undefined",
        sympy.nan: "undefined",
        sympy.AccumBounds(-1, 1): "oscillates between −1 and 1",
        sympy.oo: "∞",
        -sympy.oo: "−∞",
    }
    for value, words in cases.items():
        markup = mathml(value)
        assert visible_text(markup).replace("\u00a0", " ") == words
        assert not shows_internals(visible_text(markup) + element(markup).get("alttext", ""))
        assert not shows_internals(latex(value))
    assert value_words(sympy.AccumBounds(-1, 1)) == "oscillates between -1 and 1"
    assert value_words(sympy.Integer(3)) is None


def test_families_of_solutions_are_words() -> None:
    x = symbol("x")
    solutions = sympy.solveset(sympy.cos(x), x, sympy.S.Reals)
    shown = visible_text(mathml(solutions)).replace("\u00a0", " ")
    assert "for every integer n" in shown and " or " in shown
    assert not shows_internals(shown)
    assert all(name not in latex(solutions) for name in ("ImageSet", "Lambda"))


def test_vectors_and_matrices() -> None:
    x, y = symbol("x"), symbol("y")
    f = x**2 * y + sympy.sin(y)
    gradient = [sympy.diff(f, v) for v in (x, y)]
    root = element(mathml(gradient))
    assert root.get("alttext") == "[2*x*y, x^2 + cos(y)]"
    assert len(root.findall(f".//{M}mtr")) == 2
    hessian = sympy.hessian(f, (x, y))
    root = element(mathml(hessian, display=True))
    assert root.get("display") == "block"
    assert len(root.findall(f".//{M}mtr")) == 2 and len(root.findall(f".//{M}mtd")) == 4
    assert "\\begin{matrix}" in latex(hessian)


def test_derivative_and_limit_notation() -> None:
    root = element(derivative_mathml("x^2 sin x", "x", sympy.expand(derive("x^2 sin x").result)))
    seen = reading(root)
    assert seen.startswith("(d)/(dx)[x²sin x]=")
    assert "2xsin x" in seen and "x²cos x" in seen
    partial = element(derivative_mathml("x^2 y", "y", "x^2", partial=True))
    assert reading(partial).startswith("(∂)/(∂y)")
    assert partial.get("alttext") == "∂/∂y [x^2*y] = x^2"
    limit = element(limit_mathml("1/x", "x", 0, sympy.oo, side="right"))
    assert "x→0⁺" in reading(limit)
    assert limit.get("alttext") == "lim x→0+ 1/x = inf"
    left = element(limit_mathml("1/x", "x", 0, -sympy.oo, side="left"))
    assert "x→0⁻" in reading(left) and reading(left).endswith("=−∞")
    with pytest.raises(ParseError, match="side"):
        limit_mathml("1/x", "x", 0, side="above")


@pytest.mark.parametrize(
    ("rule", "seen"),
    [
        ("(f*g)' = f'*g + f*g'", "(f*g)′=f′g+fg′"),
        ("(f/g)' = (f'*g - f*g')/g^2", "((f)/(g))′=(f′g−fg′)/(g²)"),
        ("d/dx f(u) = f'(u)*du/dx", "(d)/(dx)f (u)=f′ (u)(du)/(dx)"),
        ("d/dx x^n = n*x^(n - 1)", "(d)/(dx)x^(n)=nx^(n−1)"),
        ("d/dx sqrt(x) = 1/(2*sqrt(x))", "(d)/(dx)√(x)=(1)/(2√(x))"),
    ],
)
def test_rules_in_general_form(rule: str, seen: str) -> None:
    root = element(formula_mathml(rule))
    assert root.get("alttext") == rule
    assert reading(root).replace("(f)*(g)", "f*g") == seen.replace("(f*g)", "(fg)")


def test_rules_in_words_stay_words() -> None:
    root = element(formula_mathml("differentiate each piece on its own interval"))
    assert visible_text(formula_mathml("y = f^g, so y' = y*(g*ln(f))'")).count("so") == 1
    assert "".join(root.itertext()) == "differentiate each piece on its own interval"


def test_text_that_does_not_parse_names_the_column() -> None:
    with pytest.raises(ParseError) as caught:
        mathml("x + )")
    assert caught.value.column == 5


def test_latex_is_course_notation() -> None:
    assert latex("x^2 sin x") == r"x^{2} \sin{\left(x \right)}"
    assert latex("ln(x)") == r"\ln{\left(x \right)}"
    assert latex("e^x") == "e^{x}"
    for value in (sympy.zoo, sympy.nan, sympy.AccumBounds(-1, 1)):
        assert not any(name in latex(value) for name in INTERNAL_NAMES if name != "oo")


def test_a_derivation_displays_as_typeset_steps() -> None:
    derivation = derive("x^2 sin x")
    page = derivation._repr_html_()
    assert page == derivation.html()
    maths = [ET.fromstring(m) for m in re.findall(r"<math .*?</math>", page)]
    seen = [reading(m) for m in maths]
    assert seen[0].startswith("(d)/(dx)[x²sin x]=")
    assert "x²cos x+2xsin x" in seen[0]
    assert any(s == "(d)/(dx)[x²]=2x" for s in seen)
    assert any(s == "(d)/(dx)[sin x]=cos x" for s in seen)
    assert any(s == "(fg)′=f′g+fg′" for s in seen)
    assert "product rule" in page and "power rule" in page and "sin rule" in page
    for math in maths:
        alt = math.get("alttext")
        assert alt and "**" not in alt and not shows_internals(alt)
        assert "*" not in "".join(math.itertext())
    text = re.sub(r"<[^>]+>", " ", page)
    assert "*" not in text and not shows_internals(text)


def test_a_derivation_shows_what_the_course_writes() -> None:
    page = derive("log_2(3x)").html()
    heading = ET.fromstring(re.findall(r"<math .*?</math>", page)[0])
    assert heading.get("alttext").startswith("d/dx [log_2(3*x)]")
    partial = derive("x^2 y", wrt="x").html()
    assert "∂/∂x [x^2*y] = 2*x*y" in partial and "y is held constant" in partial
