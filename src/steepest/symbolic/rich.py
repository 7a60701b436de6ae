"""Notebook displays of the symbolic results: each formula typeset in MathML.

The classes of :mod:`steepest.symbolic` (limits, continuity, critical points,
tangent lines and planes, partial derivatives, gradients, the chain rule and
functions) show themselves in Jupyter through these functions; the frames
and tables come from :mod:`steepest.display`, the formulas from
:mod:`steepest.symbolic.printing`.

>>> from steepest.symbolic import limit
>>> page = limit("1/x", "x", 0)._repr_html_()
>>> "from the left" in page and page.count("<math") == 3
True
"""

from __future__ import annotations

import html
from typing import Any

import sympy

from steepest.display import Markup, box, paragraph, summary, table
from steepest.symbolic.printing import (
    formula_mathml,
    gradient_mathml,
    latex,
    limit_mathml,
    math_element,
    mathml,
    mathml_content,
    plain_math_text,
    value_words,
)

_SIDE = {"both": "both", "+": "right", "-": "left"}
_SIGN = {"right": "+", "left": "-"}


def _math(value: Any) -> Markup:
    return Markup(mathml(value))


def limit_html(result: Any) -> str:
    """A :class:`~steepest.symbolic.Limit` typeset, with its one-sided limits where they differ."""
    expr, var, at = result.expr, result.var, result.at
    side = _SIDE.get(result.side, "both")
    parts: list[str] = []
    if result.exists or (result.reason == "unbounded" and result.value is not None):
        value = result.value if result.value is not sympy.zoo else "does not exist"
        parts.append(limit_mathml(expr, var, at, value, side=side, display=True))
    elif result.side == "both" and (result.left is not None or result.right is not None):
        parts.append(limit_mathml(expr, var, at, "does not exist", display=True))
        for name, value in (("left", result.left), ("right", result.right)):
            # Loose bounds of an oscillation are said in words, never as "= ...".
            if value is not None and _SIGN[name] not in result.loose_sides:
                parts.append(limit_mathml(expr, var, at, value, side=name, display=True))
    else:
        parts.append(limit_mathml(expr, var, at, "does not exist", side=side, display=True))
    sides = [
        f"{result.side_words(_SIGN[name]) if _SIGN[name] in result.loose_sides else _words(value)}"
        f" from the {name}"
        for name, value in (("left", result.left), ("right", result.right))
        if value is not None and result.side == "both" and not result.exists
    ]
    if sides:
        parts.append(paragraph("; ".join(sides)))
    parts.append(paragraph(_capital(result.message())))
    return box("Limit", *parts)


def _words(value: Any) -> str:
    words = value_words(value)
    if words:
        return words
    if value == sympy.oo:
        return "+∞"
    if value == -sympy.oo:
        return "−∞"
    return plain_math_text(value)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def limit_latex(result: Any) -> str:
    """A limit as LaTeX: ``\\lim_{x \\to 0^{+}} f = value`` (words where it is not a number).

    >>> from steepest.symbolic import limit
    >>> limit_latex(limit("1/x", "x", 0)).endswith("does not exist}$")
    True
    """
    side = {"+": "^{+}", "-": "^{-}"}.get(result.side, "")
    head = rf"\lim_{{{latex(result.var)} \to {latex(result.at)}{side}}} {latex(result.expr)}"
    if result.exists or (result.reason == "unbounded" and result.value not in (None, sympy.zoo)):
        return f"${head} = {latex(result.value)}$"
    return rf"${head} \text{{ does not exist}}$"


def tangent_latex(tangent: Any) -> str:
    """A tangent line or plane as LaTeX, in slope-intercept form.

    >>> from steepest.symbolic import tangent_plane
    >>> tangent_latex(tangent_plane("x^2 + y^2", (2, 4)))
    '$z = 4 x + 8 y - 20$'
    """
    return f"${latex(sympy.Symbol(tangent.output_name))} = {latex(tangent.equation)}$"


def continuity_html(result: Any) -> str:
    """A :class:`~steepest.symbolic.Continuity`: the three conditions, the verdict and the kind.

    >>> from steepest.symbolic import continuity
    >>> "removable" in continuity_html(continuity("sin(x)/x", 0))
    True
    """
    var, at = result.var, result.at
    point = f"{plain_math_text(var)} = {plain_math_text(at)}"
    value = _math(result.value) if result.value is not None else "not defined"
    rows = [
        (Markup(f"f({html.escape(plain_math_text(at))}) is defined"), result.defined, value),
        ("the limit exists", result.limit_exists, Markup(limit_html(result.limit))),
        ("the two are equal", result.equal, ""),
    ]
    verdict = "continuous" if result.continuous else f"not continuous ({result.kind or 'unknown'})"
    return box(
        f"Continuity at {point}",
        Markup(mathml(result.expr, display=True)),
        table(rows, ["condition", "holds", "value"]),
        paragraph(f"Verdict: {verdict}. {_capital(result.message)}"),
    )


def critical_point_html(point: Any) -> str:
    """A :class:`~steepest.symbolic.CriticalPoint`: where, what kind, the value there.

    >>> from steepest.symbolic import critical_points
    >>> 'alttext="(x, y) = (1, 0)"' in critical_point_html(critical_points("(x-1)^2 + y^2")[0])
    True
    """
    names = list(point.point)
    if names:
        where = sympy.Tuple(*[sympy.Symbol(n) for n in names])
        values = sympy.Tuple(*[point.point[n] for n in names])
        place = Markup(
            math_element(
                f"<mrow>{mathml_content(where)}<mo>=</mo>{mathml_content(values)}</mrow>",
                f"({', '.join(names)}) = ({', '.join(plain_math_text(v) for v in values)})",
            )
        )
    elif getattr(point, "region", None) is not None:
        place = point.where  # an interval or region where f is constant, in words
    else:
        place = "everywhere"
    items: list[tuple[str, Any]] = [("point", place), ("kind", point.kind)]
    items.append(("value of f", _math(point.value)))
    if point.free:
        items.append(("free along", ", ".join(point.free)))
    if getattr(point, "span", None) is not None:
        items.append(("real where", point.to_dict()["span"]))
    if point.note:
        items.append(("note", point.note))
    items.append(("found", point.found + ("" if point.exact else " (to double precision)")))
    return box("Critical point", summary(items))


def tangent_html(tangent: Any, title: str) -> str:
    """A tangent line or plane: point-slope form and slope-intercept form, typeset.

    >>> from steepest.symbolic import tangent_line
    >>> 'alttext="y = 6*x - 9"' in tangent_html(tangent_line("x^2", 3), "Tangent line")
    True
    """
    output = sympy.Symbol(tangent.output_name)
    equation = sympy.Eq(output, tangent.equation, evaluate=False)
    return box(
        title,
        formula_mathml(str(tangent), display=True),
        Markup(mathml(equation, display=True)),
    )


def partial_html(derivative: Any) -> str:
    """A :class:`~steepest.symbolic.PartialDerivative`: its derivation, rule by rule.

    >>> from steepest.symbolic import partial
    >>> "y is held constant" in partial_html(partial("x^2 y", "x"))
    True
    """
    return str(derivative.derivation().html())


def gradient_html(gradient: Any) -> str:
    """A :class:`~steepest.symbolic.Gradient`: the vector, and the point when evaluated at one.

    >>> from steepest.symbolic import gradient
    >>> 'alttext="grad f(x, y) = [2*x, 2*y]"' in gradient_html(gradient("x^2 + y^2"))
    True
    """
    names = [v.name for v in gradient.variables]
    parts = [gradient_mathml(list(gradient), names, display=True)]
    if gradient.at is not None:
        at = ", ".join(f"{k} = {plain_math_text(v)}" for k, v in gradient.at.items())
        parts.append(paragraph(f"at {at}"))
    return box("Gradient", *parts)


def chain_rule_html(rule: Any) -> str:
    """A :class:`~steepest.symbolic.ChainRule`: the general sum, the products, the result.

    >>> from steepest.symbolic import chain_rule
    >>> chain_rule_html(chain_rule("x y", {"x": "t", "y": "t^2"}, "t")).count("<math")
    3
    """
    t = rule.parameter.name
    names = [name for name, _, _ in rule.terms]
    general = " + ".join(f"∂z/∂{v}*d{v}/d{t}" for v in names)
    lines = [
        formula_mathml(f"dz/d{t} = {general}", display=True),
        mathml(sympy.Eq(sympy.Symbol(f"dz/d{t}"), rule.substituted, evaluate=False), display=True),
        mathml(sympy.Eq(sympy.Symbol(f"dz/d{t}"), rule.result, evaluate=False), display=True),
    ]
    return box("Chain rule", *lines)


def function_html(function: Any) -> str:
    """A :class:`~steepest.symbolic.Function`: ``f(x, y) = ...`` typeset.

    >>> from steepest.symbolic import Function
    >>> 'alttext="f(x, y) = x*y"' in function_html(Function("x y"))
    True
    """
    names = ", ".join(function.variables)
    call = "<mo>,</mo>".join(mathml_content(s) for s in function.symbols)
    body = mathml_content(function.expr)
    content = f"<mrow><mi>f</mi><mo>(</mo>{call}<mo>)</mo><mo>=</mo>{body}</mrow>"
    alt = f"f({names}) = {plain_math_text(function.expr)}"
    return math_element(content, alt, display=True)


__all__ = [
    "chain_rule_html",
    "continuity_html",
    "critical_point_html",
    "function_html",
    "gradient_html",
    "limit_html",
    "limit_latex",
    "partial_html",
    "tangent_html",
    "tangent_latex",
]
