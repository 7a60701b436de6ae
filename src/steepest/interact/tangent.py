"""The tangent line (one variable) or tangent plane (two) following a slider.

>>> import steepest as st
>>> panel = st.interact.tangent("x^2", at=3, h=0.5)
>>> print(panel.line)
y = 9 + 6(x - 3)
>>> panel.secant_slope
6.5
>>> panel.widgets["h"].value = 0.01
>>> round(panel.secant_slope, 10)
6.01
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from steepest.errors import SteepestError
from steepest.interact.panel import Panel, check_range
from steepest.plot import function, surface
from steepest.plot.style import new_figure
from steepest.symbolic import Function, tangent_line, tangent_plane


def _expression(f: Any) -> Function:
    if isinstance(f, Function):
        return f
    if isinstance(f, str):
        return Function(f)
    raise SteepestError(
        "st.interact.tangent needs an expression such as 'x^2 sin(x)' or a steepest.Function, "
        "so that the tangent's slope is exact"
    )


def _exact(value: float) -> sp.Expr:
    """A slider's value as an exact number: 3.0 -> 3, 2.5 -> 5/2, 1.3 -> 13/10."""
    return sp.nsimplify(round(float(value), 6), rational=True)


def _range(given: Any, around: float) -> tuple[float, float]:
    if given is None:
        return around - 3.0, around + 3.0
    return check_range(given)


class Tangent(Panel):
    """The tangent at a point chosen with sliders (made by :func:`tangent`).

    One variable: controls ``at`` and ``h``; ``line`` is the
    :class:`~steepest.symbolic.calculus.TangentLine` at ``at``, ``slope`` its
    slope and ``secant_slope`` the difference quotient (f(a + h) - f(a)) / h
    drawn beside it; ``figures["tangent"]`` the picture.  Two variables:
    controls ``at:x`` and ``at:y``; ``line`` is the
    :class:`~steepest.symbolic.calculus.TangentPlane` and
    ``figures["surface"]`` the surface with the plane and its two tangent lines.
    """

    def __init__(self, f: Any, at: Any, *, h: float, xlim: Any, ylim: Any) -> None:
        super().__init__()
        self.function = _expression(f)
        self.variables = self.function.variables
        n = len(self.variables)
        if n not in (1, 2):
            raise SteepestError(
                f"st.interact.tangent draws functions of one or two variables, not {n} "
                f"({', '.join(self.variables) or 'a constant'}); use st.symbolic.tangent_plane"
            )
        point = np.atleast_1d(np.asarray(at if at is not None else [0.0] * n, dtype=float))
        if point.size != n or not np.all(np.isfinite(point)):
            raise SteepestError(f"give the point as {n} finite number{'s' if n > 1 else ''}")
        if not (isinstance(h, int | float) and math.isfinite(h) and h > 0):
            raise SteepestError(f"the secant's step h must be a positive number, not {h!r}")
        self.ranges = [_range(xlim, float(point[0]))]
        if n == 2:
            self.ranges.append(_range(ylim, float(point[1])))
        self.line: Any = None
        self.slope: Any = None
        self.secant_slope: float | None = None
        ui = self.ipywidgets
        sliders = []
        for index, name in enumerate(self.variables):
            low, high = self.ranges[index]
            key = "at" if n == 1 else f"at:{name}"
            sliders.append(self.control(key, ui.FloatSlider(
                value=float(point[index]), min=low, max=high, step=(high - low) / 200,
                description=f"{name} =", continuous_update=False, readout_format=".3g",
            )))  # fmt: skip
        if n == 1:
            sliders.append(self.control("h", ui.FloatLogSlider(
                value=h, base=10, min=-4, max=1, step=0.05, description="secant h",
                continuous_update=False, readout_format=".3g",
            )))  # fmt: skip
        self.view = ui.VBox([ui.HBox(sliders), self.image("tangent" if n == 1 else "surface"),
                             self.status])  # fmt: skip
        self.update()

    def redraw(self) -> None:
        """The tangent at the sliders' point, computed exactly, and its picture."""
        if len(self.variables) == 1:
            a = float(self.widgets["at"].value)
            h = float(self.widgets["h"].value)
            line = tangent_line(self.function.expr, at=_exact(a))
            value, ahead = self.function(a), self.function(a + h)
            secant = (float(ahead) - float(value)) / h
            if not math.isfinite(secant):  # the tangent exists at a, so f(a) is finite
                raise SteepestError(f"f is not defined at x = {a + h:.6g}, where the secant ends")
            fig, ax = new_figure(5.6, 4.0)
            function(self.function, at=a, secants=[h], xlim=self.ranges[0], ax=ax)
            self.line, self.slope, self.secant_slope = line, line.slope, secant
            self.show("tangent", fig)
            self.say(
                f"Tangent: {line}  (slope {float(line.slope):.6g}). Secant with h = {h:.3g}: "
                f"slope (f(a + h) - f(a)) / h = {secant:.6g}."
            )
            return
        point = [float(self.widgets[f"at:{v}"].value) for v in self.variables]
        plane = tangent_plane(self.function.expr, at=[_exact(p) for p in point])
        figure = surface(self.function, xlim=self.ranges[0], ylim=self.ranges[1],
                         tangent_at=point, resolution=32)  # fmt: skip
        self.line, self.slope, self.secant_slope = plane, plane.slopes, None
        self.show("surface", figure)
        slopes = ", ".join(f"{float(s):.6g} along {v}" for v, s in plane.slopes.items())
        self.say(f"Tangent plane: {plane}  (slopes {slopes}).")


def tangent(
    f: Any,
    at: float | Sequence[float] | None = None,
    *,
    h: float = 0.5,
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
) -> Tangent:
    """The tangent line or plane of ``f`` at a point you move with sliders.

    ``f`` is an expression or a :class:`steepest.Function` of one or two
    variables.  One variable: a slider for the point a and a log slider for
    the secant's step h, so one watches the secant's slope approach the
    tangent's.  Two: a slider per coordinate and the tangent plane on the
    surface.  Slopes are exact (SymPy).

    >>> panel = tangent("x^2 + y^2", at=(2, 4), xlim=(-1, 4), ylim=(-1, 6))
    >>> print(panel.line)
    z = 20 + 4(x - 2) + 8(y - 4)
    >>> panel.widgets["at:y"].value = 1.0
    >>> panel.slope
    {'x': 4, 'y': 2}
    """
    return Tangent(f, at, h=h, xlim=xlim, ylim=ylim)


__all__ = ["Tangent", "tangent"]
