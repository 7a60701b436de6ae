"""A straight-line fit drawn as the lesson draws it: the data, the line, and every residual.

>>> fig = regression([1, 2, 3], [2, 5, 3])
>>> line = next(l for l in fig.axes[0].lines if l.get_gid() == "line")
>>> xs, ys = line.get_data()
>>> round(float((ys[-1] - ys[0]) / (xs[-1] - xs[0])), 10)
0.5
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from steepest.errors import DataError
from steepest.plot.style import CURVE, HIGHLIGHT, TANGENT, TEXT_COLOR, figure_for, styled


def _column(values: Any, data: Any, name: str) -> tuple[np.ndarray, str]:
    if isinstance(values, str):
        if data is None:
            raise DataError(f"the column name {values!r} needs data= (a DataFrame)")
        if values not in getattr(data, "columns", ()):
            columns = ", ".join(map(str, getattr(data, "columns", ())))
            raise DataError(f"no column {values!r} in the data; the columns are {columns}")
        return np.asarray(data[values], dtype=float), values
    label = str(getattr(values, "name", None) or name)
    array = np.asarray(values.to_numpy() if hasattr(values, "to_numpy") else values, dtype=float)
    return array.reshape(-1), label


def least_squares_line(x: Any, y: Any) -> tuple[float, float]:
    """Slope and intercept minimizing the sum of squared residuals (a least-squares solve).

    >>> m, b = least_squares_line([1, 2, 3], [2, 5, 3])
    >>> round(m, 10), round(b, 10)
    (0.5, 2.3333333333)
    """
    xs = np.asarray(x, dtype=float).reshape(-1)
    ys = np.asarray(y, dtype=float).reshape(-1)
    if xs.size != ys.size or xs.size < 2:
        raise DataError("a line needs at least two (x, y) pairs of equal length")
    if np.ptp(xs) == 0:
        raise DataError("every x is the same, so no slope can be fitted")
    design = np.column_stack([xs, np.ones_like(xs)])
    (slope, intercept), *_ = np.linalg.lstsq(design, ys, rcond=None)
    return float(slope), float(intercept)


@styled
def regression(
    x: Any,
    y: Any,
    line: tuple[float, float] | None = None,
    *,
    model: Any = None,
    data: Any = None,
    residuals: bool = True,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Data points, a fitted line y = m x + b, and a vertical segment for every residual.

    The line is ``line=(m, b)``, or that of a fitted ``model`` with one
    feature (``coef_`` and ``intercept_``, as :class:`steepest.models.LinearRegression`),
    or else the least-squares line of the data.  ``x`` and ``y`` are arrays,
    or column names of ``data``.  The title gives the line and its sum of
    squared residuals.

    >>> import steepest as st
    >>> fig = regression("TV", "sales", data=st.datasets.load("advertising"), residuals=False)
    >>> print(fig.axes[0].get_title())
    $y = 0.047537\\,x + 7.0326$   (SSR = 2102.53, MSE = 10.5126)
    """
    xs, x_name = _column(x, data, "x")
    ys, y_name = _column(y, data, "y")
    if xs.size != ys.size:
        raise DataError(f"x has {xs.size} values but y has {ys.size}")
    if model is not None:
        coef = np.asarray(getattr(model, "coef_", None), dtype=float).reshape(-1)
        if coef.size != 1:
            raise DataError("regression draws a model with exactly one feature")
        slope, intercept = float(coef[0]), float(getattr(model, "intercept_", 0.0))
    elif line is not None:
        slope, intercept = (float(v) for v in line)
    else:
        slope, intercept = least_squares_line(xs, ys)
    predicted = slope * xs + intercept
    ssr = float(np.sum((ys - predicted) ** 2))
    fig, ax = figure_for(ax)
    if residuals:
        for index, (xi, yi, pi) in enumerate(zip(xs, ys, predicted)):
            ax.plot(
                [xi, xi],
                [yi, pi],
                color=TANGENT,
                linewidth=1.2 if xs.size > 30 else 2.0,
                alpha=0.6 if xs.size > 30 else 0.9,
                gid=f"residual:{index}",
                label="residual $y_i - \\hat y_i$" if index == 0 else None,
                zorder=2,
            )
    ax.plot(
        xs,
        ys,
        "o",
        color=HIGHLIGHT,
        markeredgecolor="black",
        markeredgewidth=0.6,
        markersize=5 if xs.size > 30 else 9,
        gid="data",
        label=f"data ({xs.size} points)",
        zorder=3,
    )
    span = np.array([xs.min(), xs.max()])
    ax.plot(
        span,
        slope * span + intercept,
        color=CURVE,
        gid="line",
        label="fitted line",
        zorder=4,
    )
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name)
    sign = "-" if intercept < 0 else "+"
    ax.set_title(
        title
        if title is not None
        else f"$y = {slope:.6g}\\,x {sign} {abs(intercept):.6g}$   "
        f"(SSR = {ssr:.6g}, MSE = {ssr / xs.size:.6g})"
    )
    ax.legend(loc="best", fontsize=10, labelcolor=TEXT_COLOR)
    return fig


__all__ = ["least_squares_line", "regression"]
