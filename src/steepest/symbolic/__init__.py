"""Symbolic calculus on SymPy that shows its work.

* :func:`parse` reads learner notation (``3x^2 y^3``, ``e^x``, ``ln x``,
  ``|x|``, ``log_2(x)``) safely: user text is never evaluated as Python.
* :func:`derive` differentiates rule by rule and keeps the steps.
* :class:`Function` turns an expression into a vectorized NumPy function with
  an exact, compiled gradient and Hessian.
* :func:`partial`, :func:`gradient`, :func:`jacobian`, :func:`hessian`,
  :func:`critical_points`, :func:`tangent_line`, :func:`tangent_plane`,
  :func:`limit` and :func:`continuity` cover several variables and limits.

>>> from steepest.symbolic import derive
>>> derive("x^2/(x+1)").result
x*(x + 2)/(x + 1)**2
"""

from __future__ import annotations

from steepest.symbolic.calculus import (
    ChainRule,
    Continuity,
    CriticalPoint,
    Gradient,
    Limit,
    PartialDerivative,
    TangentLine,
    TangentPlane,
    chain_rule,
    continuity,
    critical_points,
    gradient,
    hessian,
    jacobian,
    limit,
    partial,
    tangent_line,
    tangent_plane,
)
from steepest.symbolic.function import Function
from steepest.symbolic.parser import parse, symbol, variables
from steepest.symbolic.steps import Derivation, Step, derive, latex_form, text_form

__all__ = [
    "ChainRule",
    "Continuity",
    "CriticalPoint",
    "Derivation",
    "Function",
    "Gradient",
    "Limit",
    "PartialDerivative",
    "Step",
    "TangentLine",
    "TangentPlane",
    "chain_rule",
    "continuity",
    "critical_points",
    "derive",
    "gradient",
    "hessian",
    "jacobian",
    "latex_form",
    "limit",
    "parse",
    "partial",
    "symbol",
    "tangent_line",
    "tangent_plane",
    "text_form",
    "variables",
]
