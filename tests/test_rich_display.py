"""Every result object displays richly in a notebook: ``_repr_html_`` with MathML, tables, SVG.

Each display is parsed as XML (it must be well formed), its formulas are
MathML with ``alttext``, and its text shows none of SymPy's internal names
and no ``**``; what it claims is checked against the object it shows.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
import pytest
import sympy

import steepest as st
from steepest.symbolic import (
    Function,
    chain_rule,
    continuity,
    critical_points,
    derive,
    gradient,
    limit,
    partial,
    tangent_line,
    tangent_plane,
)
from steepest.symbolic.printing import shows_internals

M = "{http://www.w3.org/1998/Math/MathML}"


def _fitted_linear() -> Any:
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    return st.models.LinearRegression(solver="gd", lr=0.1, max_iter=200).fit(X, 2 * X[:, 0] + 1)


def _explained() -> Any:
    w = st.Tensor(3.0, requires_grad=True, name="w")
    y = w * w
    y.name = "y"
    return st.explain(y, wrt=w)


OBJECTS = {
    "Derivation": lambda: derive("x^2 sin x"),
    "Limit": lambda: limit("1/x", "x", 0),
    "Limit (oscillating)": lambda: limit("sin(1/x)", "x", 0),
    "Continuity": lambda: continuity("sin(x)/x", 0),
    "CriticalPoint": lambda: critical_points("x^2 - 2x + y^2")[0],
    "TangentLine": lambda: tangent_line("x^2", 3),
    "TangentPlane": lambda: tangent_plane("x^2 + y^2", (2, 4)),
    "PartialDerivative": lambda: partial("x^2 y", "x"),
    "Gradient": lambda: gradient("x^2 y"),
    "ChainRule": lambda: chain_rule("x y", {"x": "cos(t)", "y": "sin(t)"}, "t"),
    "Function": lambda: Function("x^2 y"),
    "Estimate": lambda: st.numeric.estimate(np.sin, 1.0),
    "ErrorSweep": lambda: st.numeric.error_sweep(np.sin, 1.0, exact=float(np.cos(1.0))),
    "GradientCheck": lambda: st.numeric.check_grad(lambda v: (v**2).sum(), np.array([1.0, 2.0])),
    "JacobianEstimate": lambda: st.numeric.jacobian_estimate(
        lambda v: np.array([v[0] * v[1], v[0]]), np.array([1.0, 2.0])
    ),
    "OptimizeResult": lambda: st.minimize("(x - 2)^2 + y^2", [0.0, 1.0], lr=0.1, max_iter=50),
    "History": lambda: st.minimize("(x - 2)^2", 0.0, lr=0.1, max_iter=30).history,
    "Graph": lambda: st.trace(lambda theta: (14.0 - theta) ** 2, 12.0),
    "Explanation": _explained,
    "LinearRegression": _fitted_linear,
    "Sequential": lambda: st.nn.Sequential(st.nn.Linear(2, 3), st.nn.Tanh(), st.nn.Linear(3, 1)),
}


def parsed(page: str) -> ET.Element:
    """The display as XML, its named HTML character references (``&part;``) made numeric."""

    def numeric(match: re.Match[str]) -> str:
        if match.group(1) in ("amp", "lt", "gt", "quot", "apos"):
            return match.group(0)
        return "".join(f"&#{ord(c)};" for c in html.unescape(match.group(0)))

    return ET.fromstring("<root>" + re.sub(r"&([A-Za-z]+);", numeric, page) + "</root>")


@pytest.mark.parametrize("name", list(OBJECTS))
def test_every_result_object_displays_as_html(name: str) -> None:
    obj = OBJECTS[name]()
    page = obj._repr_html_()
    assert isinstance(page, str) and page.strip().startswith("<")
    root = parsed(page)
    visible = " ".join(root.itertext())
    assert "**" not in visible and not shows_internals(visible), visible
    for math in root.iter(f"{M}math"):
        alt = math.get("alttext")
        assert alt and "**" not in alt and not shows_internals(alt)
        assert "*" not in "".join(math.itertext())
    text_repr = repr(obj)
    assert "\n" in text_repr or len(text_repr) < 400
    assert not shows_internals(text_repr)


def test_derivation_reads_as_a_course_writes_it() -> None:
    page = derive("x^2 sin x")._repr_html_()
    heading = parsed(page).find(f".//{M}math")
    assert heading is not None
    assert heading.get("alttext") == "d/dx [x^2*sin(x)] = x^2*cos(x) + 2*x*sin(x)"
    supers = [
        "".join(node.itertext()) for node in heading.iter(f"{M}msup")
    ]  # x² in the function and in the result
    assert supers.count("x2") == 2
    functions = [node.text for node in heading.iter(f"{M}mi")]
    assert "sin" in functions and "cos" in functions
    numbers = ["".join(n.itertext()) for n in heading.iter(f"{M}mrow")]
    assert any(re.fullmatch(r"2\u2062x\u2062sin\u2061x", n) for n in numbers)


def test_limits_in_words_and_with_the_side() -> None:
    page = limit("1/x", "x", 0)._repr_html_()
    assert "−∞ from the left; +∞ from the right" in page
    alts = [m.get("alttext") for m in parsed(page).iter(f"{M}math")]
    assert alts == ["lim x→0 1/x does not exist", "lim x→0- 1/x = -inf", "lim x→0+ 1/x = inf"]
    oscillating = limit("sin(1/x)", "x", 0)._repr_html_()
    assert "oscillates between" in " ".join(parsed(oscillating).itertext())


def test_optimize_result_draws_its_loss_curve() -> None:
    result = st.minimize("(x - 2)^2", 0.0, lr=0.1, max_iter=30)
    page = result._repr_html_()
    svg = parsed(page).find(".//{http://www.w3.org/2000/svg}polyline")
    assert svg is not None
    points = [tuple(map(float, p.split(","))) for p in svg.get("points").split()]
    assert len(points) == len(result.history)
    heights = [y for _, y in points]  # SVG y grows downwards: a falling loss climbs
    assert heights[0] < heights[-1]
    assert str(result.status) in page


def test_history_table_holds_its_rows() -> None:
    history = st.minimize("(x - 2)^2", 0.0, lr=0.25, max_iter=6).history
    rows = parsed(history._repr_html_()).findall(".//tbody/tr")
    assert len(rows) == len(history)
    first = [cell.text for cell in rows[0]]
    assert first[0] == "0" and float(first[2]) == pytest.approx(4.0)


def test_tangent_plane_shows_both_forms() -> None:
    page = tangent_plane("x^2 + y^2", (2, 4))._repr_html_()
    alts = [m.get("alttext") for m in parsed(page).iter(f"{M}math")]
    assert alts == ["z = 20 + 4(x - 2) + 8(y - 4)", "z = 4*x + 8*y - 20"]
    expr = sympy.sympify("4*x + 8*y - 20")
    assert sympy.expand(sympy.sympify("20 + 4*(x - 2) + 8*(y - 4)") - expr) == 0
