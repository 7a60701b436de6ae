"""Values of formulas at a point, with every coordinate put in at once.

SymPy's ``expr.subs({x: 0, y: 0})`` puts the coordinates in one at a time,
and simplifies in between: x/sqrt(x^2 + y^2) with x = 0 first becomes 0,
whatever y is then, so at the origin, where the formula is 0/0 and the
derivative it stands for may not exist, it would read 0.  Every value at a
point in steepest's symbolic layer comes from :func:`at_point`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp


def at_point(expr: Any, point: Mapping[sp.Symbol, Any]) -> Any:
    """``expr`` (or a matrix) with every coordinate of ``point`` put in at once.

    >>> x, y = sp.symbols("x y", real=True)
    >>> ratio = x / sp.sqrt(x**2 + y**2)
    >>> at_point(ratio, {x: 0, y: 0}), ratio.subs({x: 0, y: 0})
    (nan, 0)
    >>> at_point(x**2 + y, {x: 3, y: -1})
    8
    """
    return expr.subs(point, simultaneous=True)


__all__ = ["at_point"]
