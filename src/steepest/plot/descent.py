"""Pictures of one descent run: the loss per iteration, and the path over the function.

Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot, so nothing opens a window; save it with ``fig.savefig("out.png")``.

>>> import steepest as st
>>> from steepest.plot.descent import descent_figure
>>> res = st.minimize("85 - x^2 (x-6) y^2 (y-6)/90", [0.5, 0.6], lr=0.05, max_iter=200)
>>> fig = descent_figure(res, "85 - x^2 (x-6) y^2 (y-6)/90")
>>> len(fig.axes)  # the path over the contours, its colour bar, and the loss per step
3
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def _history_of(result: Any) -> Any:
    history = getattr(result, "history", None)
    if history is None:
        raise ValueError("this run kept no history (record=False), so there is nothing to draw")
    return history


def descent_history(result: Any, *, ax: Axes | None = None, log: bool | None = None) -> Figure:
    """The loss at every iteration of a run (a grid search: the loss at every grid point).

    ``log`` puts the loss on a logarithmic axis; by default it does when the
    loss is positive and spans more than two orders of magnitude.

    >>> import steepest as st
    >>> res = st.minimize(lambda x: (x - 2) ** 2, 0.0, lr=0.1, max_iter=30)
    >>> descent_history(res).axes[0].get_yscale()
    'log'
    """
    history = _history_of(result)
    fig, ax = _figure(ax)
    loss = np.asarray(history.loss, dtype=float)
    finite = loss[np.isfinite(loss)]
    if history.kind == "grid":
        ax.plot(_grid_axis(history), loss, color="tab:blue")
        ax.set_xlabel("grid point")
    else:
        ax.plot(history.iteration, loss, color="tab:blue", marker="." if loss.size < 60 else None)
        ax.set_xlabel("iteration")
    if log is None:
        log = finite.size > 1 and finite.min() > 0 and finite.max() / finite.min() > 100
    if log:
        ax.set_yscale("log")
    ax.set_ylabel("loss")
    ax.set_title(f"{getattr(result, 'method', '')}: {getattr(result, 'status', '')}".strip(": "))
    ax.grid(True, alpha=0.3)
    return fig


def _grid_axis(history: Any) -> np.ndarray:
    x = np.asarray(history.x, dtype=float)
    return x if x.ndim == 1 else np.asarray(history.iteration)


def _evaluate(f: Any, *coords: np.ndarray) -> np.ndarray:
    """``f`` on a mesh: vectorized when it can be, point by point otherwise."""
    if isinstance(f, str):
        from steepest.symbolic import Function

        f = Function(f)
    if hasattr(f, "variables") and callable(getattr(f, "grad", None)):
        return np.asarray(f(*coords), dtype=float)
    point = coords[0] if len(coords) == 1 else np.stack(coords)
    try:
        values = np.asarray(f(point), dtype=float)
        if values.shape == coords[0].shape:
            return values
    except Exception:  # any failure means: not vectorized, go point by point
        pass
    flat = [c.ravel() for c in coords]
    out = np.empty(flat[0].size)
    for i in range(out.size):
        arg = flat[0][i] if len(flat) == 1 else np.array([c[i] for c in flat])
        out[i] = float(f(arg))
    return out.reshape(coords[0].shape)


def descent_path(
    result: Any,
    f: Any,
    *,
    ax: Axes | None = None,
    padding: float = 0.25,
    resolution: int = 200,
    levels: int = 30,
) -> Figure:
    """The path of a run drawn over its function.

    One parameter: the curve ``f`` with the iterates marked on it.  Two
    parameters: filled contours of ``f`` with the path as a line of points.
    ``f`` is an expression string, a ``steepest.Function``, or a NumPy
    function of one point.

    >>> import steepest as st
    >>> res = st.minimize("x^2 - 4x + 4", 0.0, lr=0.4, max_iter=5)
    >>> fig = descent_path(res, "x^2 - 4x + 4")
    >>> len(fig.axes[0].lines)
    2
    """
    history = _history_of(result)
    path = np.asarray(history.x, dtype=float)
    path = path[np.all(np.isfinite(path.reshape(len(path), -1)), axis=1)]
    fig, ax = _figure(ax)
    if path.ndim == 1:
        low, high = _span(path, padding)
        xs = np.linspace(low, high, resolution)
        ax.plot(xs, _evaluate(f, xs), color="tab:gray", label="f")
        ax.plot(path, _evaluate(f, path), "o-", color="tab:red", markersize=3, label="iterates")
        ax.set_xlabel(_name(result, 0, "theta"))
        ax.set_ylabel("f")
    elif path.ndim == 2 and path.shape[1] == 2:
        (x_low, x_high), (y_low, y_high) = _span(path[:, 0], padding), _span(path[:, 1], padding)
        xs, ys = np.meshgrid(
            np.linspace(x_low, x_high, resolution), np.linspace(y_low, y_high, resolution)
        )
        zs = _evaluate(f, xs, ys)
        contour = ax.contourf(
            xs, ys, np.where(np.isfinite(zs), zs, np.nan), levels=levels, cmap="viridis"
        )
        fig.colorbar(contour, ax=ax, label="f")
        ax.plot(path[:, 0], path[:, 1], ".-", color="tab:red", markersize=3, linewidth=1)
        ax.plot(path[0, 0], path[0, 1], "o", color="white", markeredgecolor="black")
        ax.plot(path[-1, 0], path[-1, 1], "*", color="tab:red", markersize=12)
        ax.set_xlabel(_name(result, 0, "x"))
        ax.set_ylabel(_name(result, 1, "y"))
    else:
        raise ValueError("a path can be drawn for one or two parameters only")
    ax.set_title(f"{getattr(result, 'method', 'descent')} path")
    return fig


def descent_figure(result: Any, f: Any = None) -> Figure:
    """Loss per iteration and, for one or two parameters with ``f`` given, the path.

    This is what ``steepest minimize ... --plot FILE`` writes.
    """
    history = _history_of(result)
    drawable = (
        f is not None
        and np.asarray(history.x).ndim in (1, 2)
        and (np.asarray(history.x).ndim == 1 or np.asarray(history.x).shape[1] == 2)
    )
    fig = Figure(figsize=(11, 4.5) if drawable else (6, 4.5), layout="constrained")
    if drawable:
        left, right = fig.subplots(1, 2)
        descent_path(result, f, ax=left)
        descent_history(result, ax=right)
    else:
        descent_history(result, ax=fig.subplots())
    return fig


def _figure(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=(6, 4.5), layout="constrained")
    return fig, fig.subplots()


def _span(values: np.ndarray, padding: float) -> tuple[float, float]:
    low, high = float(np.min(values)), float(np.max(values))
    width = high - low if high > low else max(1.0, abs(low))
    return low - padding * width, high + padding * width


def _name(result: Any, index: int, default: str) -> str:
    variables = getattr(result, "variables", None)
    return variables[index] if variables and len(variables) > index else default


__all__ = ["descent_figure", "descent_history", "descent_path"]
