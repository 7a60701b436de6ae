"""The picture of lesson 2: error of a numerical derivative against the step h."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from steepest.errors import NumericError
from steepest.numeric import EPS, ErrorSweep, error_sweep
from steepest.plot.style import PALETTE, TEXT_COLOR, figure_for, styled

METHOD_NAMES = {
    "forward": "forward difference",
    "backward": "backward difference",
    "central": "central difference",
    "complex": "complex step",
}

STEP_MARKS = (
    (EPS**0.5, r"$h = \sqrt{\varepsilon}$", "forward", "left"),
    (EPS ** (1 / 3), r"$h = \sqrt[3]{\varepsilon}$", "central", "right"),
)


def _as_function(f: Any) -> Callable[[Any], Any]:
    if isinstance(f, str):
        from steepest.symbolic import Function

        function = Function(f)
        if len(function.variables) > 1:
            raise NumericError(
                f"numeric_error needs a function of one variable; {f!r} has "
                f"{', '.join(function.variables)}"
            )
        return function
    return f


def _sweeps(
    f: Any,
    x: float | None,
    exact: float | None,
    methods: Sequence[str],
    hs: Any,
) -> list[ErrorSweep]:
    if isinstance(f, ErrorSweep):
        return [f]
    if (
        isinstance(f, Sequence)
        and not isinstance(f, str)
        and all(isinstance(s, ErrorSweep) for s in f)
    ):
        return list(f)
    if x is None:
        raise NumericError("numeric_error needs the point x when given a function")
    function = _as_function(f)
    return [error_sweep(function, x, exact=exact, method=m, hs=hs) for m in methods]


@styled
def numeric_error(
    f: Any,
    x: float | None = None,
    *,
    exact: float | None = None,
    methods: Sequence[str] = ("forward", "central"),
    hs: Any = None,
    show_model: bool = True,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Log-log plot of the error of numerical derivatives against the step h.

    ``f`` is a function of one variable (or an expression string such as
    ``"x^2"``) differentiated at ``x`` with each of ``methods``; or an
    :class:`~steepest.numeric.ErrorSweep` (or a list of them) already
    computed.  Each method draws its measured error and, dashed, the model
    truncation + round-off; dotted lines mark sqrt(eps) and cbrt(eps) times
    max(1, |x|), the default steps of forward and central differences.
    Errors that are exactly zero are drawn at the bottom edge.

    >>> import numpy as np
    >>> fig = numeric_error(np.exp, 1.0)
    >>> ax = fig.axes[0]
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    >>> [line.get_label() for line in ax.get_lines()][0:4:2]
    ['forward difference', 'central difference']
    >>> [text.get_text() for text in fig.legends[0].get_texts()]
    ['forward difference', 'central difference', 'model: truncation + round-off']
    """
    sweeps = _sweeps(f, x, exact, methods, hs)
    own_figure = ax is None
    fig, ax = figure_for(ax)
    errors = np.concatenate([s.error[np.isfinite(s.error)] for s in sweeps])
    positive = errors[errors > 0]
    floor = float(positive.min()) / 3 if positive.size else EPS
    for index, sweep in enumerate(sweeps):
        _draw_sweep(ax, sweep, PALETTE[index % len(PALETTE)], floor, show_model)
    ax.set_xscale("log")
    ax.set_yscale("log")
    low = floor / 30
    high = max(float(errors.max()) if errors.size else 1.0, floor * 10) * 30
    ax.set_ylim(low, high)
    _mark_default_steps(ax, max(1.0, abs(sweeps[0].x)), low)
    ax.set_xlabel(r"step size $h$")
    ax.set_ylabel(r"absolute error $|D_h f(x) - f\,'(x)|$")
    first = sweeps[0]
    ax.set_title(
        title
        if title is not None
        else f"Error of numerical derivatives at x = {first.x:g}  (f' = {first.exact:.10g})",
        fontsize=11,
    )
    handles, labels = ax.get_legend_handles_labels()
    if show_model:
        # One entry for all dashed model curves, in a neutral color.
        handles.append(Line2D([], [], color=TEXT_COLOR, linestyle="--", linewidth=1.0))
        labels.append("model: truncation + round-off")
    if own_figure:
        fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=10, frameon=False)
    else:
        ax.legend(handles, labels, loc="best", fontsize=9)
    return fig


def _draw_sweep(ax: Axes, sweep: Any, color: str, floor: float, show_model: bool) -> None:
    """One method's measured error (zeros drawn at ``floor``) and, dashed, its model."""
    shown = np.where(sweep.error > 0, sweep.error, floor)
    ax.plot(
        sweep.h,
        shown,
        color=color,
        marker="o",
        markersize=3,
        linewidth=1.4,
        label=METHOD_NAMES.get(sweep.method, sweep.method)
        + ("" if sweep.order == 1 else f" (order {sweep.order})"),
    )
    if show_model:
        model = sweep.truncation + sweep.roundoff
        ax.plot(
            sweep.h,
            np.where(model > 0, model, np.nan),
            color=color,
            linestyle="--",
            linewidth=1.0,
            alpha=0.8,
        )


def _mark_default_steps(ax: Axes, scale: float, low: float) -> None:
    """Dotted lines at the default steps, and which side round-off or truncation rules."""
    for step, text, used_by, side in STEP_MARKS:
        at = step * scale
        ax.axvline(at, color=TEXT_COLOR, linestyle=":", linewidth=1.0)
        mark = text if scale == 1.0 else text[:-1] + r"\,|x|$"
        ax.annotate(
            f"{mark}\n{used_by}",
            xy=(at, low),
            xytext=(-4 if side == "left" else 4, 4),
            textcoords="offset points",
            ha="right" if side == "left" else "left",
            va="bottom",
            fontsize=10,
            color=TEXT_COLOR,
        )
    for position, text in (
        (0.01, "\u2190 round-off dominates"),
        (0.99, "truncation dominates \u2192"),
    ):
        ax.text(
            position,
            0.98,
            text,
            transform=ax.transAxes,
            ha="left" if position < 0.5 else "right",
            va="top",
            fontsize=10,
            color=TEXT_COLOR,
        )


__all__ = ["numeric_error"]
