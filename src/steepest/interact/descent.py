"""Gradient descent you can steer: the learning rate, the method, the steps, the start.

:func:`descent` runs :func:`steepest.minimize` from the controls' values
and redraws the path over the function (the curve for one variable; the
contours and the 3-D surface for two) with the loss per iteration beside
it.  The start point is typed, or chosen by clicking on the contours when
plotly's widgets are installed.  :func:`learning_rates` puts several rates
side by side from one start.

>>> import steepest as st
>>> panel = st.interact.descent("x^2 - 4x + 4", x0=0.0, lr=0.4, steps=5)
>>> panel.path.round(5).tolist()
[0.0, 1.6, 1.92, 1.984, 1.9968, 1.99936]
>>> panel.widgets["lr"].value = 0.9
>>> panel.path.round(3).tolist()
[0.0, 3.6, 0.72, 3.024, 1.181, 2.655]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from steepest import plot
from steepest.errors import SteepestError
from steepest.interact.panel import (
    Panel,
    check_range,
    parse_rates,
    plotly_widgets_available,
    point_text,
)
from steepest.optim import minimize
from steepest.optim.result import OptimizeResult
from steepest.optim.rules import OPTIMIZERS
from steepest.plot import describe_run, history, surface
from steepest.plot.landscape import Drawable, contour, mesh
from steepest.plot.style import new_figure, plot_style

METHODS = tuple(OPTIMIZERS)  # every update rule of the one descent loop, by name


MAX_STEPS = 10_000
"""The most steps a panel draws: more would take minutes and show nothing new."""

def start_point(x0: Any) -> np.ndarray:
    """The start as a flat array of one or two numbers, or one sentence saying why not.

    >>> start_point([0.5, 0.6]).tolist(), start_point(3).tolist()
    ([0.5, 0.6], [3.0])
    """
    try:
        start = np.atleast_1d(np.asarray(x0, dtype=float)).reshape(-1)
    except (TypeError, ValueError):
        raise SteepestError(f"the start x0 must be one or two numbers, not {x0!r}") from None
    if start.size not in (1, 2) or not np.all(np.isfinite(start)):
        raise SteepestError(
            "an interactive picture shows functions of one or two variables: give x0 as one "
            "finite number or two (for more variables, use st.minimize and st.plot.history)"
        )
    return start


def _window(points: np.ndarray, given: Any, axis: int) -> tuple[float, float]:
    """The range shown along ``axis``: as given, else the finite points with a margin."""
    if given is not None:
        return check_range(given)
    column = points.reshape(len(points), -1)[:, axis]
    column = column[np.isfinite(column)]
    start = float(column[0]) if column.size else 0.0
    low, high = (float(column.min()), float(column.max())) if column.size else (start, start)
    if high - low > 100 * max(1.0, abs(start)):  # a diverging first run: stay near the start
        return start - 3.0, start + 3.0
    width = max(high - low, 2.0)
    return low - 0.3 * width, high + 0.3 * width


def _clicked(points: Any) -> tuple[float, float] | None:
    """The first clicked point of a plotly ``Points`` (None when the click was elsewhere)."""
    if not points.xs:
        return None
    return float(points.xs[0]), float(points.ys[0])


class Descent(Panel):
    """Gradient descent on ``f`` driven by widgets (made by :func:`descent`).

    Controls (``widgets``): ``lr`` (a log slider), ``method`` (a dropdown of
    steepest's methods), ``steps``, the start ``x0:x`` (and ``x0:y``), and
    ``frame``, the iteration the pictures show the path up to (with a play
    button).  After every change ``result`` is the run of
    :func:`steepest.minimize`, ``path`` its iterates and ``losses`` its loss
    per iterate; ``figures`` holds ``curve`` (one variable) or ``contour``
    and ``surface`` (two), and ``loss``.  With plotly's widgets installed
    the contours are ``contour_widget``, a plotly ``FigureWidget`` on which
    a click chooses the start; :meth:`click` does the same from code.
    """

    def __init__(
        self,
        f: Any,
        x0: Any,
        *,
        lr: float,
        method: str,
        steps: int,
        tol: float | None,
        xlim: Any,
        ylim: Any,
        clickable: bool | None,
    ) -> None:
        super().__init__()
        start = start_point(x0)
        self.drawable = Drawable(f, start.size)
        self.function = self.drawable.symbolic or self.drawable.original
        self.variables = self.drawable.variables
        self.tol = tol
        self.result: OptimizeResult | None = None
        self.path = np.empty(0)
        self.losses = np.empty(0)
        self.contour_widget: Any = None
        self._check(lr, method, steps)
        ui = self.ipywidgets
        exponent = math.floor(math.log10(lr))
        self.control(
            "lr",
            ui.FloatLogSlider(
                value=lr, base=10, min=exponent - 3, max=exponent + 2, step=0.05,
                description="learning rate", readout_format=".3g", continuous_update=False,
                style={"description_width": "initial"},
            ),
        )  # fmt: skip
        self.control("method", ui.Dropdown(options=METHODS, value=method, description="method"))
        self.control(
            "steps",
            ui.IntSlider(value=steps, min=1, max=max(100, steps), description="steps",
                         continuous_update=False),
        )  # fmt: skip
        boxes = self.float_boxes(self.variables, start, "x0:")
        frame = ui.IntSlider(value=0, min=0, max=0, description="iteration")
        self.widgets["frame"] = frame
        frame.observe(self._frame_changed, names="value")
        play = ui.Play(value=0, min=0, max=0, interval=300, description="play")
        ui.jslink((play, "value"), (frame, "value"))
        ui.jslink((play, "max"), (frame, "max"))
        self.widgets["play"] = play
        self._run()
        self.xlim = _window(self.path, xlim, 0)
        self.ylim = _window(self.path, ylim, 1) if start.size == 2 else None
        use_plotly = plotly_widgets_available() if clickable is None else clickable
        if use_plotly and start.size == 2:
            self.contour_widget = self._plotly_contour()
        pictures = self._pictures(start.size)
        controls = ui.VBox([
            ui.HBox([self.widgets["lr"], self.widgets["method"]]),
            ui.HBox([self.widgets["steps"], *boxes]),
            ui.HBox([play, frame]),
        ])  # fmt: skip
        self.view = ui.VBox([controls, pictures, self.status])
        self.guarded(self._draw)

    @staticmethod
    def _check(lr: float, method: str, steps: int) -> None:
        if isinstance(lr, bool) or not isinstance(lr, int | float) or not (0 < lr < math.inf):
            raise SteepestError(f"the learning rate must be a positive number, not {lr!r}")
        if method not in METHODS:
            raise SteepestError(f"method must be one of {', '.join(METHODS)}; not {method!r}")
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
            raise SteepestError(
                f"steps must be a whole number from 1 to {MAX_STEPS} (a picture of more steps "
                f"shows no more; for a longer run use st.minimize), not {steps!r}"
            )

    def _pictures(self, n: int) -> Any:
        ui = self.ipywidgets
        if n == 1:
            return ui.HBox([self.image("curve"), self.image("loss")])
        first = self.contour_widget if self.contour_widget is not None else self.image("contour")
        return ui.HBox([first, self.image("surface"), self.image("loss")])

    # -- computing -------------------------------------------------------------------------
    @property
    def start(self) -> np.ndarray:
        """The start point read from the ``x0`` boxes."""
        return np.array([self.widgets[f"x0:{v}"].value for v in self.variables], dtype=float)

    def _run(self) -> None:
        start = self.start
        x0: Any = float(start[0]) if start.size == 1 else start
        self.result = minimize(
            self.function,
            x0,
            method=self.widgets["method"].value,
            lr=float(self.widgets["lr"].value),
            max_iter=int(self.widgets["steps"].value),
            tol=self.tol,
        )
        assert self.result.history is not None
        self.path = np.asarray(self.result.history.x, dtype=float)
        self.losses = np.asarray(self.result.history.loss, dtype=float)
        last = len(self.path) - 1
        with self.quiet():
            frame = self.widgets["frame"]
            frame.max = max(last, 0)
            frame.value = frame.max
            self.widgets["play"].max = frame.max

    def redraw(self) -> None:
        """Run again from the controls and redraw every picture."""
        self._run()
        self._draw()

    def _draw(self) -> None:
        assert self.result is not None
        run = self.result
        if len(self.variables) == 2:
            self.show(
                "surface",
                surface(self.function, xlim=self.xlim, ylim=self.ylim, path=self.path,
                        resolution=32, ax=_axes_3d()),
            )  # fmt: skip
        _, ax = new_figure(4.6, 3.6)
        self.show("loss", history(run, title="loss per iteration", ax=ax))
        self._draw_path()
        shown = point_text(run.x)
        self.say(
            f"{run.method}, rate {float(self.widgets['lr'].value):.3g}: {run.nit} steps, "
            f"ends at {shown} with f = {run.fun:.6g}. {run.message}",
            problem=run.status == "diverged",
        )

    def _frame_changed(self, change: Any) -> None:
        if not self._quiet:
            self.guarded(self._draw_path)

    def _draw_path(self) -> None:
        """The path up to the ``frame`` slider's iteration, over the curve or the contours."""
        upto = self.path[: int(self.widgets["frame"].value) + 1]
        finite = upto[np.all(np.isfinite(upto.reshape(len(upto), -1)), axis=1)]
        if len(self.variables) == 1:
            fig, ax = new_figure(4.6, 3.6)
            xs = np.linspace(*self.xlim, 300)
            with plot_style():
                ax.plot(xs, self.drawable.values(xs), color="0.25", gid="curve")
                ax.plot(finite, self.drawable.values(finite), "o-", color="#D55E00",
                        gid="path", label="iterates")  # fmt: skip
                ax.set_xlim(*self.xlim)
                ax.set_xlabel(self.drawable.axis_names()[0])
                ax.set_title(self.drawable.label())
            self.show("curve", fig)
        elif self.contour_widget is not None:
            with self.contour_widget.batch_update():
                self.contour_widget.data[1].x = finite[:, 0]
                self.contour_widget.data[1].y = finite[:, 1]
        else:
            fig, ax = new_figure(4.6, 3.9)
            contour(self.function, [finite], labels=["descent"], xlim=self.xlim, ylim=self.ylim,
                    levels=14, resolution=60, arrow_at=None, minima=False, colorbar=False,
                    ax=ax)  # fmt: skip
            self.show("contour", fig)

    # -- clicking --------------------------------------------------------------------------
    def click(self, x: float, y: float) -> None:
        """Start again from (x, y): what a click on the contours does."""
        if len(self.variables) != 2:
            raise SteepestError("a start is chosen by clicking only for functions of two variables")
        with self.quiet():
            self.widgets[f"x0:{self.variables[0]}"].value = float(x)
            self.widgets[f"x0:{self.variables[1]}"].value = float(y)
        self.update()

    def _on_click(self, trace: Any, points: Any, state: Any) -> None:
        where = _clicked(points)
        if where is not None:
            self.click(*where)

    def _plotly_contour(self) -> Any:
        import plotly.graph_objects as go

        assert self.ylim is not None
        grid_x, grid_y, values = mesh(self.drawable, self.xlim, self.ylim, 60)
        shown = np.where(np.isfinite(values), values, np.nan)
        low, high = np.nanpercentile(shown, [2, 98]) if np.isfinite(shown).any() else (0, 1)
        names = self.variables
        figure = go.FigureWidget(
            data=[
                go.Contour(
                    x=grid_x[0], y=grid_y[:, 0], z=shown, colorscale="Viridis", showscale=False,
                    zmin=float(low), zmax=float(high), ncontours=16, name="f",
                    hovertemplate=f"{names[0]}=%{{x:.3g}}, {names[1]}=%{{y:.3g}}<br>"
                    "f=%{z:.4g}<br>click to start here<extra></extra>",
                ),
                go.Scatter(x=[], y=[], mode="lines+markers", name="descent",
                           line={"color": "#D55E00", "width": 2}, marker={"size": 6}),
            ],
            layout=go.Layout(
                width=380, height=360, margin={"l": 40, "r": 10, "t": 30, "b": 40},
                title={"text": "click to choose the start", "font": {"size": 13}},
                xaxis={"title": names[0], "range": list(self.xlim)},
                yaxis={"title": names[1], "range": list(self.ylim)}, showlegend=False,
            ),
        )  # fmt: skip
        figure.data[0].on_click(self._on_click)
        return figure


def _axes_3d() -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with plot_style():
        fig = Figure(figsize=(4.8, 3.9), layout="constrained")
        FigureCanvasAgg(fig)
        return fig.add_subplot(projection="3d")


def descent(
    f: Any,
    x0: Any = 0.0,
    lr: float = 0.1,
    *,
    method: str = "gd",
    steps: int = 20,
    tol: float | None = None,
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
    clickable: bool | None = None,
) -> Descent:
    """Gradient descent on ``f`` with a slider for everything, redrawn on every change.

    ``f`` is an expression (``"x^2 - 4x + 4"``), a :class:`steepest.Function`
    or a NumPy function of one or two variables; ``x0`` the start (one number
    or two).  The controls are the learning rate (a log slider), the method
    (``gd``, ``momentum``, ``adam``...), the number of steps, the start
    point and the iteration shown (with a play button).  Each change runs
    ``st.minimize(f, x0, method=, lr=, max_iter=steps, tol=tol)`` and redraws
    the path over the curve, or over the contours and the 3-D surface, with
    the loss per iteration.  ``clickable`` (default: when plotly's widgets
    are installed) draws the contours as a plotly widget on which a click
    chooses the start.  Display the returned :class:`Descent` in Jupyter.

    >>> panel = descent("85 - x^2 (x-6) y^2 (y-6)/90", x0=[0.5, 0.6], lr=0.05, steps=2,
    ...                 xlim=(0, 6), ylim=(0, 6))
    >>> panel.path.round(6).tolist()
    [[0.5, 0.6], [0.50567, 0.604675], [0.51148, 0.609482]]
    >>> panel.click(5.0, 1.0)
    >>> panel.path[0].tolist()
    [5.0, 1.0]
    """
    return Descent(
        f, x0, lr=lr, method=method, steps=steps, tol=tol, xlim=xlim, ylim=ylim,
        clickable=clickable,
    )  # fmt: skip


class LearningRates(Panel):
    """The same start and steps with several learning rates, one panel each.

    Controls (``widgets``): ``rates`` (typed, ``"0.1, 0.4, 0.9"``),
    ``steps``, ``method`` and the start ``x0:x`` (and ``x0:y``).  After each
    change ``runs`` maps each rate to its run of :func:`steepest.minimize`,
    ``verdicts`` each rate to how the run behaved (converges quickly,
    creeps, overshoots back and forth, diverges), and ``figures["rates"]``
    is the picture of :func:`steepest.plot.learning_rates`.
    """

    def __init__(
        self, f: Any, x0: Any, rates: Sequence[float], *, steps: int, method: str,
        xlim: Any, ylim: Any,
    ) -> None:  # fmt: skip
        super().__init__()
        start = start_point(x0)
        self.drawable = Drawable(f, start.size)
        self.function = self.drawable.symbolic or self.drawable.original
        self.variables = self.drawable.variables
        self.xlim, self.ylim = xlim, ylim
        self.runs: dict[float, OptimizeResult] = {}
        self.verdicts: dict[float, str] = {}
        Descent._check(1.0, method, steps)
        if isinstance(rates, str):
            rates = parse_rates(rates)
        try:
            text = ", ".join(f"{float(r):g}" for r in rates)
        except (TypeError, ValueError):
            raise SteepestError(
                f"rates must be positive numbers such as [0.1, 0.4, 0.9], not {rates!r}"
            ) from None
        parse_rates(text)
        ui = self.ipywidgets
        self.control("rates", ui.Text(value=text, description="rates", continuous_update=False))
        self.control(
            "steps",
            ui.IntSlider(value=steps, min=1, max=max(50, steps), description="steps",
                         continuous_update=False),
        )  # fmt: skip
        self.control("method", ui.Dropdown(options=METHODS, value=method, description="method"))
        boxes = self.float_boxes(self.variables, start, "x0:")
        controls = ui.VBox([
            ui.HBox([self.widgets["rates"], self.widgets["method"]]),
            ui.HBox([self.widgets["steps"], *boxes]),
        ])  # fmt: skip
        self.view = ui.VBox([controls, self.image("rates"), self.status])
        self.update()

    def redraw(self) -> None:
        """Run every rate from the controls' start and redraw the small multiples."""
        rates = parse_rates(self.widgets["rates"].value)
        start = np.array([self.widgets[f"x0:{v}"].value for v in self.variables], dtype=float)
        x0: Any = float(start[0]) if start.size == 1 else start
        steps, method = int(self.widgets["steps"].value), self.widgets["method"].value
        runs, verdicts = {}, {}
        for rate in rates:
            run = minimize(self.function, x0, method=method, lr=rate, max_iter=steps, tol=None)
            assert run.history is not None
            runs[rate] = run
            verdicts[rate] = describe_run(
                np.asarray(run.history.x, dtype=float), np.asarray(run.history.loss), run.status
            )
        figure = plot.learning_rates(self.function, x0, rates, steps=steps, method=method,
                                xlim=self.xlim, ylim=self.ylim)  # fmt: skip
        self.runs, self.verdicts = runs, verdicts
        self.show("rates", figure)
        self.say("; ".join(f"rate {r:g}: {v}" for r, v in verdicts.items()) + ".")


def learning_rates(
    f: Any,
    x0: Any = 0.0,
    rates: Sequence[float] = (0.1, 0.4, 0.9, 1.1),
    *,
    steps: int = 5,
    method: str = "gd",
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
) -> LearningRates:
    """Several learning rates side by side from one start, with the rates typed in a box.

    Each rate's run is
    ``st.minimize(f, x0, method=, lr=rate, max_iter=steps, tol=None)``.

    >>> panel = learning_rates("x^2 - 4x + 4", 0.0, [0.1, 0.9], steps=5)
    >>> panel.verdicts
    {0.1: 'creeps', 0.9: 'overshoots back and forth'}
    >>> panel.widgets["rates"].value = "0.4, 1.1"
    >>> panel.verdicts
    {0.4: 'converges quickly', 1.1: 'diverges'}
    """
    return LearningRates(f, x0, rates, steps=steps, method=method, xlim=xlim, ylim=ylim)


__all__ = ["METHODS", "Descent", "LearningRates", "descent", "learning_rates", "start_point"]
