"""Pictures of a loss: over the parameter (with one descent step), and over the iterations.

>>> import numpy as np
>>> y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
>>> fig = loss_curve("mse", y, theta=12.0, lr=0.3)
>>> step = next(l for l in fig.axes[0].lines if l.get_gid() == "next")
>>> round(float(step.get_xdata()[0]), 6)
13.596
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from steepest.errors import SteepestError
from steepest.plot._base import latex_name, named_runs, padded
from steepest.plot.style import (
    CURVE,
    HIGHLIGHT,
    PALETTE,
    POINT,
    STEP,
    TANGENT,
    TEXT_COLOR,
    figure_for,
    math_text,
    styled,
)

_LOSS_NAMES = {"mse": "MSE", "mae": "MAE", "ssr": "SSR", "log_loss": "log loss"}


class _LossOfTheta:
    """L(theta) and dL/dtheta for a loss given by name, object, expression or function."""

    def __init__(self, loss: Any, data: Any) -> None:
        import steepest as st
        from steepest.losses import Loss, get
        from steepest.losses import names as loss_names

        self.data = None if data is None else _as_values(data)
        self.parameter = "theta"
        if isinstance(loss, str) and loss.strip().lower().replace("-", "_") in loss_names():
            loss = get(loss)
        if isinstance(loss, Loss):
            if self.data is None:
                raise SteepestError(f"the {loss.name} loss needs data (the observed values y)")
            y = self.data
            self.value: Callable[[float], float] = lambda t: float(loss(y, t))
            self._grad = st.grad(lambda t: loss(y, t))
            self.name = _LOSS_NAMES.get(loss.name, loss.name.replace("delta", r"\delta"))
            if loss.name.startswith("huber"):
                self.name = rf"Huber ($\delta$ = {getattr(loss, 'delta', 1.0):g})"
            self.title = f"{self.name} loss"
        elif isinstance(loss, str) or type(loss).__name__ == "Function":
            self._from_expression(loss)
        elif callable(loss):
            function = loss
            if self.data is None:
                self.value = lambda t: float(function(t))
                self._grad = st.grad(function)
            else:
                y = self.data
                self.value = lambda t: float(function(t, y))
                self._grad = st.grad(lambda t: function(t, y))
            self.name = getattr(function, "__name__", "loss")
            if self.name == "<lambda>":
                self.name = "loss"
            self.title = self.name
        else:
            raise SteepestError(
                f"expected a loss name (mse, mae, huber), an expression or a function, "
                f"not {type(loss).__name__}"
            )

    def _from_expression(self, loss: Any) -> None:
        from steepest.symbolic import Function, latex_form

        function = loss if isinstance(loss, Function) else Function(loss)
        names = list(function.variables)
        if len(names) == 2 and "y" in names and self.data is not None:
            parameter = next(n for n in names if n != "y")
            function = Function(function.expr, variables=[parameter, "y"], timeout=function.timeout)
            y = self.data
            self.value = lambda t: float(np.mean(function(t, y)))
            self._grad = lambda t: float(np.mean(function.grad(t, y)[0]))
            label = rf"\frac{{1}}{{n}} \sum_i {latex_form(function.expr)}".replace("y", "y_i")
        elif len(names) <= 1:
            if not names:
                function = Function(function.expr, variables=["theta"], timeout=function.timeout)
            parameter = function.variables[0]
            self.value = lambda t: float(function(t))
            self._grad = lambda t: float(function.grad(t)[0])
            label = latex_form(function.expr)
        else:
            raise SteepestError(
                "a loss expression has one variable (the parameter), or two with y "
                f"averaged over the data; {function.text!r} has {', '.join(names)}"
            )
        self.parameter = parameter
        self.name = "L"
        self.title = math_text(f"L({latex_name(parameter)}) = {label}", fallback=function.text)

    def slope(self, theta: float) -> float:
        return float(self._grad(float(theta)))


def _as_values(data: Any) -> np.ndarray:
    if hasattr(data, "to_numpy"):
        data = data.to_numpy()
    values = np.asarray(data, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise SteepestError("loss_curve needs the data as one column of numbers")
    return values


def _number(value: float) -> str:
    if abs(value) < 1e-12:
        return "0"  # rounding noise of a slope that is zero
    return f"{value:.6g}" if abs(value) >= 1e-3 else f"{value:.3g}"


@styled
def loss_curve(
    loss: Any = "mse",
    data: Any = None,
    theta: float | None = None,
    *,
    lr: float | None = None,
    thetas: Any = None,
    rug: bool = True,
    resolution: int = 300,
    parameter: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """The loss as a function of the parameter theta, with the current theta and one step.

    ``loss`` is a name (``"mse"``, ``"mae"``, ``"huber"``), a loss from
    :mod:`steepest.losses` (``huber(delta=2)``), an expression in one
    variable (the parameter) or in the parameter and ``y`` (averaged over
    ``data``), or a function ``loss(theta, data)``.  At ``theta`` the
    tangent line shows the slope dL/dtheta; with ``lr`` the step
    theta - lr dL/dtheta is drawn to the next point on the curve, as in the
    picture of one iteration of gradient descent.  ``rug`` marks the data
    values along the bottom.  ``parameter`` names the parameter on the axes
    (``"b3"`` is written b_3; by default theta, or an expression's variable).

    >>> import numpy as np
    >>> fig = loss_curve("mse", np.array([12.1, 12.8, 14.9, 16.3, 17.2]), theta=12.0, lr=1.0)
    >>> tangent = next(l for l in fig.axes[0].lines if l.get_gid() == "tangent")
    >>> xs, ys = tangent.get_data()
    >>> round(float((ys[1] - ys[0]) / (xs[1] - xs[0])), 10)
    -5.32
    """
    objective = _LossOfTheta(loss, data)
    if parameter is not None:
        objective.parameter = parameter
    y = objective.data
    slope, next_theta = _slope_and_step(objective, theta, lr)
    special = [t for t in (theta, next_theta) if t is not None]
    grid = _theta_grid(thetas, special, y, resolution)
    values = np.array([objective.value(t) for t in grid])
    fig, ax = figure_for(ax)
    name = latex_name(objective.parameter)
    ax.plot(grid, values, color=CURVE, gid="curve", zorder=2)
    if rug and y is not None:
        _draw_rug(ax, y, grid)
    step_text: str | None = None
    if theta is not None and slope is not None:
        current = objective.value(float(theta))
        _draw_tangent(ax, float(theta), current, slope, (grid.max() - grid.min()) / 4, name)
        if next_theta is not None and lr is not None:
            _draw_step(ax, (float(theta), current), (next_theta, objective.value(next_theta)),
                       name)  # fmt: skip
            step_text = (
                rf"one step with $\alpha = {lr:g}$: ${{{name}}}_1 = {_number(float(theta))}"
                rf" - {lr:g} \times ({_number(slope)}) = {_number(next_theta)}$"
            )
    ax.set_xlim(grid.min(), grid.max())
    ax.set_xlabel(f"${name}$")
    ax.set_ylabel(f"$L({name})$")
    if title is None:
        title = objective.title if step_text is None else f"{objective.title}\n{step_text}"
    ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(
            loc="upper right" if theta is None or theta < grid.mean() else "upper left", fontsize=10
        )
    return fig


def _slope_and_step(
    objective: Any, theta: float | None, lr: float | None
) -> tuple[float | None, float | None]:
    """dL/dtheta at ``theta`` and, with ``lr``, the next theta; checked."""
    if theta is None:
        if lr is not None:
            raise SteepestError("a step (lr) needs the current theta")
        return None, None
    slope = objective.slope(float(theta))
    if not math.isfinite(slope):
        raise SteepestError(f"the loss has no finite slope at theta = {theta:g}")
    if lr is None:
        return slope, None
    if not (math.isfinite(lr) and lr > 0):
        raise SteepestError(f"the learning rate must be a positive number, not {lr!r}")
    return slope, float(theta) - lr * slope


def _theta_grid(thetas: Any, special: list[float], y: Any, resolution: int) -> np.ndarray:
    """The thetas to draw: given, or around the marked thetas and the data."""
    if thetas is None:
        anchors = [*special, *([] if y is None else [float(y.min()), float(y.max())])]
        low, high = padded(anchors, 0.25) if anchors else (-5.0, 5.0)
        return np.linspace(low, high, resolution)
    grid = np.asarray(thetas, dtype=float).ravel()
    if grid.size == 2:
        grid = np.linspace(grid[0], grid[1], resolution)
    if grid.size < 2:
        raise SteepestError("thetas must be a range (low, high) or an array of values")
    return grid


def _draw_rug(ax: Axes, y: np.ndarray, grid: np.ndarray) -> None:
    inside = y[(y >= grid.min()) & (y <= grid.max())]
    ax.plot(
        inside,
        np.full(inside.shape, 0.02),
        "|",
        color=HIGHLIGHT,
        markersize=16,
        markeredgewidth=2,
        alpha=0.8,
        transform=ax.get_xaxis_transform(),
        gid="rug",
        label=f"data $y$ ({y.size} values)",
    )


def _draw_tangent(
    ax: Axes, theta: float, current: float, slope: float, width: float, name: str
) -> None:
    tx = np.array([theta - width / 2, theta + width / 2])
    ax.plot(
        tx,
        current + slope * (tx - theta),
        color=TANGENT,
        linewidth=2.0,
        gid="tangent",
        zorder=3,
        label=rf"slope $\partial L / \partial {name} = {_number(slope)}$",
    )
    ax.plot(
        [theta],
        [current],
        "o",
        color=POINT,
        markersize=9,
        gid="current",
        zorder=5,
        label=f"${{{name}}}_0 = {_number(theta)}$",
    )


def _draw_step(ax: Axes, start: tuple[float, float], end: tuple[float, float], name: str) -> None:
    """The next theta on the curve, dotted drop lines, and the arrow of the step."""
    ax.plot(
        [end[0]],
        [end[1]],
        "o",
        color=STEP,
        markersize=9,
        markeredgecolor="black",
        gid="next",
        zorder=5,
        label=rf"${{{name}}}_1 = {{{name}}}_0 - \alpha\, \partial L/\partial {name}"
        rf" = {_number(end[0])}$",
    )
    bottom = ax.get_ylim()[0]
    for x_at, y_at in (start, end):
        ax.plot([x_at, x_at], [bottom, y_at], ":", color=TEXT_COLOR, linewidth=1.0, zorder=1)
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        zorder=4,
        arrowprops={
            "arrowstyle": "-|>",
            "color": STEP,
            "linewidth": 2.0,
            "connectionstyle": "arc3,rad=-0.25",
            "shrinkA": 6,
            "shrinkB": 6,
        },
    )
    ax.set_ylim(bottom=bottom)


# -- loss per iteration ----------------------------------------------------------------------------


def _losses(run: Any, per: str) -> tuple[np.ndarray, np.ndarray]:
    history = getattr(run, "history", None)
    if history is None:
        values = np.asarray(run, dtype=float).ravel()
        return np.arange(values.size), values
    if per == "epoch":
        epochs = getattr(history, "epochs", None)
        if epochs is None:
            raise SteepestError("per='epoch' needs a stochastic run (data= and batch_size=)")
        return np.asarray(epochs.iteration), np.asarray(epochs.loss, dtype=float)
    return np.asarray(history.iteration), np.asarray(history.loss, dtype=float)


def draw_history(
    ax: Axes,
    named: list[tuple[str, Any]],
    *,
    optimum: float | None = None,
    log: bool | None = None,
    per: str = "step",
    colors: Sequence[str] = PALETTE,
) -> None:
    """Draw the loss per iteration of each (label, run) on ``ax``."""
    if per not in ("step", "epoch"):
        raise SteepestError(f"per must be 'step' or 'epoch', not {per!r}")
    every = []
    for index, (label, run) in enumerate(named):
        iterations, losses = _losses(run, per)
        shown = losses - optimum if optimum is not None else losses
        if optimum is not None:
            # A gap of zero or below is the optimum reached to rounding: nothing to draw
            # on a log scale, so the line ends there.
            shown = np.where(shown > 0, shown, np.nan)
        every.append(shown[np.isfinite(shown)])
        many = shown.size > 40
        ax.plot(
            iterations,
            shown,
            "-" if many else ".-",
            color=colors[index % len(colors)],
            label=label,
            gid=f"history:{label}",
            linewidth=1.6 if many else 2.0,
        )
    finite = np.concatenate(every) if every else np.empty(0)
    if log is None:
        log = bool(finite.size > 1 and finite.min() > 0 and finite.max() / finite.min() > 100)
        log = log or (optimum is not None and finite.size > 1)
    if log:
        if finite.size and finite.min() <= 0:
            raise SteepestError(
                "a logarithmic axis needs positive losses; pass optimum= (the best loss) "
                "to plot the gap above it, or log=False"
            )
        ax.set_yscale("log")
    ax.set_xlabel("epoch" if per == "epoch" else "iteration")
    ax.set_ylabel(r"$f(x_k) - f^*$" if optimum is not None else "loss")
    if len(named) > 1 or (named and not named[0][0].startswith("path")):
        ax.legend(loc="best", fontsize=10)


@styled
def history(
    runs: Any,
    *,
    labels: Sequence[str] | None = None,
    optimum: float | None = None,
    log: bool | None = None,
    per: str = "step",
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """The loss at every iteration of one run or several, on a log scale when it spans decades.

    ``runs`` is a run, a list of runs, or a mapping label -> run.
    ``optimum`` (the best value, when known) plots the gap f(x_k) - f* on a
    log scale, where linear convergence is a straight line (a gap of zero,
    the optimum reached to rounding, ends the line).
    ``per="epoch"`` plots a stochastic run's loss on all the data after each
    epoch instead of each batch's loss.

    >>> import steepest as st
    >>> res = st.minimize("x^2 - 4x + 4", 0.0, lr=0.1, max_iter=30)
    >>> fig = history(res)
    >>> ax = fig.axes[0]
    >>> ax.get_yscale(), len(ax.lines[0].get_ydata()) == len(res.history)
    ('log', True)
    """
    named = named_runs(runs, labels)
    if not named:
        raise SteepestError("no runs to draw")
    fig, ax = figure_for(ax)
    draw_history(ax, named, optimum=optimum, log=log, per=per)
    if title is None:
        first = named[0][1]
        title = (
            "loss per iteration"
            if len(named) > 1
            else (f"{getattr(first, 'method', 'run')}: {getattr(first, 'status', '')}".rstrip(": "))
        )
    ax.set_title(title)
    return fig


__all__ = ["draw_history", "history", "loss_curve"]
