"""``steepest plot KIND EXPR --out FILE``: every picture of :mod:`steepest.plot` from the shell.

The format follows the file's extension: PNG, SVG, PDF or GIF (``animate``
writes an animated GIF, one frame per iteration; the other kinds a single
frame).  Expressions are read by the symbolic parser, never evaluated as
Python.  Bad input (an unknown kind, a missing option, an expression that
does not parse) exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

from steepest.cli.options import file_option, json_flag, timeout_option
from steepest.errors import SteepestError

KINDS: dict[str, str] = {
    "function": "the curve with tangent lines at --at points",
    "limit": "the approach to --at from one side (--side) or both",
    "convexity": "the chord test between --chord ends, one panel per EXPR",
    "numeric-error": "error of numerical derivatives against h, at --at",
    "surface": "3D surface, tangent plane at --at, descent path from --x0",
    "contour": "filled contours, descent path from --x0 with the gradient, minima",
    "gradient-field": "arrows of the gradient",
    "loss-curve": "a loss (mse, mae, huber or an expression) over theta, one step from --theta",
    "learning-rates": "--steps steps from --x0, one panel per rate of --lr",
    "history": "loss per iteration of each --method from --x0",
    "compare": "several --method runs from --x0 on one contour",
    "regression": "data of --data with the least-squares line and its residuals",
    "network": "the backpropagation lesson's network with values and gradients",
    "animate": "a GIF of descent from --x0, one frame per iteration",
}
NEEDS_EXPRESSION = set(KINDS) - {"regression", "network", "loss-curve"}


def _numbers(text: str | None, option: str) -> list[float]:
    from steepest.cli.optimize import parse_numbers

    if text is None:
        return []
    return parse_numbers(text, option)


def _pair(text: str | None, option: str) -> tuple[float, float] | None:
    if text is None:
        return None
    values = _numbers(text, option)
    if len(values) != 2 or not values[0] < values[1]:
        raise SteepestError(f"{option} must be two numbers LOW,HIGH with LOW < HIGH, not {text!r}")
    return values[0], values[1]


def _require(value: Any, option: str, kind: str) -> Any:
    if value is None or value == []:
        raise SteepestError(f"plot {kind} needs {option}")
    return value


def _start(function: Any, text: str | None, kind: str) -> Any:
    from steepest.cli.optimize import parse_start

    values = parse_start(_require(text, "--x0", kind), function.variables)
    return values[0] if len(values) == 1 else values


def _data(text: str | None) -> Any:
    """``tips:tip`` (data set and column) or ``12,13,15`` (the values)."""
    import numpy as np

    import steepest as st

    if text is None:
        return None
    name, _, column = text.partition(":")
    if name.strip() in st.datasets.names():
        frame = st.datasets.load(name.strip())
        if not column:
            numeric = frame.select_dtypes("number").columns
            column = str(numeric[-1])
        if column not in frame.columns:
            raise SteepestError(
                f"no column {column!r} in {name}; the columns are {', '.join(frame.columns)}"
            )
        return np.asarray(frame[column], dtype=float)
    return np.asarray(_numbers(text, "--data"), dtype=float)


def _run(expr: Any, start: Any, method: str, lr: float | None, steps: int) -> Any:
    import steepest as st

    return st.minimize(expr, start, method=method, lr=lr, max_iter=steps)


def _figure(kind: str, exprs: tuple[str, ...], o: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The figure of ``kind`` and facts about it for --json."""
    from steepest import plot
    from steepest.losses import names as loss_names
    from steepest.symbolic import Function

    # Each expression is read and compiled once, under --timeout; its later symbolic work
    # (gradients, limits) runs under the same limit.  A named loss (mse, ...) stays a name.
    named_loss = kind == "loss-curve" and bool(exprs) and (
        exprs[0].strip().lower().replace("-", "_") in loss_names())
    functions = [text if named_loss else Function(text, timeout=o["timeout"]) for text in exprs]
    expr = functions[0] if functions else None
    facts: dict[str, Any] = {}
    rates = _numbers(o["lr"], "--lr")
    methods = [m.strip() for m in (o["method"] or "gd").split(",") if m.strip()]
    xlim, ylim = _pair(o["xlim"], "--xlim"), _pair(o["ylim"], "--ylim")
    steps = o["steps"]
    if kind == "function":
        return plot.function(
            expr, at=_numbers(o["at"], "--at") or None, xlim=xlim, ylim=ylim
        ), facts
    if kind == "limit":
        at = _require(o["at"], "--at", kind).strip()
        return plot.limit(expr, at, side=o["side"]), facts
    if kind == "convexity":
        chord = _pair(o["chord"], "--chord")
        a, b = chord if chord is not None else (None, None)
        return plot.convexity(*functions, a=a, b=b, xlim=xlim), facts
    if kind == "numeric-error":
        at = _numbers(_require(o["at"], "--at", kind), "--at")
        if len(at) != 1:
            raise SteepestError("plot numeric-error needs one point --at X")
        return plot.numeric_error(expr, at[0]), facts
    if kind == "gradient-field":
        return plot.gradient_field(expr, xlim=xlim or (-2, 2), ylim=ylim or (-2, 2)), facts
    if kind == "loss-curve":
        theta = _numbers(o["theta"], "--theta")
        lr = rates[0] if rates else None
        data = _data(o["data"])
        figure = plot.loss_curve(
            expr or "mse", data, theta[0] if theta else None, lr=lr, thetas=xlim
        )
        return figure, facts
    if kind == "regression":
        import steepest as st

        name = (o["data"] or "powerlines").partition(":")[0]
        frame = st.datasets.load(name)
        x, y = o["x"] or str(frame.columns[0]), o["y"] or str(frame.columns[-1])
        return plot.regression(x, y, data=frame), facts
    if kind == "network":
        return plot.network(), facts
    if kind == "learning-rates":
        start = _start(expr, o["x0"], kind)
        chosen = rates or [0.1, 0.4, 0.9, 1.1]
        facts["rates"] = chosen
        figure = plot.learning_rates(
            expr, start, chosen, steps=steps or 5, method=methods[0], xlim=xlim, ylim=ylim
        )
        return figure, facts
    # The rest draw descent runs from --x0.
    runs = {}
    if o["x0"] is not None or kind not in ("surface", "contour"):
        start = _start(expr, o["x0"], kind)
        if kind == "compare" and o["method"] is None:
            methods = ["gd", "momentum", "adam"]
        if len(rates) > 1 and len(rates) != len(methods):
            raise SteepestError(f"give one --lr, or one per method ({len(methods)})")
        for index, method in enumerate(methods):
            rate = rates[index] if len(rates) > 1 else (rates[0] if rates else None)
            run = _run(expr, start, method, rate, steps or 200)
            label = method if rate is None else f"{method} (lr {rate:g})"
            runs[label] = run
        facts["runs"] = {
            label: {"status": r.status, "nit": r.nit, "x": _plain(r.x), "fun": _plain(r.fun)}
            for label, r in runs.items()
        }
    first = next(iter(runs.values()), None)
    if kind == "surface":
        tangent = _numbers(o["at"], "--at") or None
        return plot.surface(expr, xlim=xlim, ylim=ylim, tangent_at=tangent, path=first), facts
    if kind == "contour":
        arrow = _numbers(o["at"], "--at") or ("start" if runs else None)
        return plot.contour(expr, runs or None, xlim=xlim, ylim=ylim, arrow_at=arrow), facts
    if kind == "history":
        return plot.history(runs), facts
    if kind == "compare":
        return plot.compare(expr, runs, xlim=xlim, ylim=ylim), facts
    if kind == "animate":
        return (first, expr), facts
    raise SteepestError(f"unknown kind {kind!r}")  # pragma: no cover - checked by click


def _plain(value: Any) -> Any:
    import numpy as np

    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        number = float(array)
        return number if math.isfinite(number) else None
    return [_plain(v) for v in array]


@click.command(
    "plot",
    epilog="Kinds:\n\n" + "\n\n".join(f"  {k}: {v}" for k, v in KINDS.items()),
)
@click.argument("kind", type=click.Choice(sorted(KINDS)), metavar="KIND")
@click.argument("exprs", nargs=-1, metavar="EXPR...")
@file_option("--out", "out", "File to write: .png, .svg, .pdf or .gif.", required=True)
@click.option("--at", default=None, metavar="A,B", help="Point(s): tangents, limit, plane.")
@click.option("--side", type=click.Choice(["both", "+", "-"]), default="both", help="For limit.")
@click.option("--x0", default=None, metavar="X0", help="Start of descent (e.g. 0.5,0.6).")
@click.option("--lr", default=None, metavar="RATES", help="Learning rate(s), comma separated.")
@click.option("--method", default=None, metavar="M1,M2", help="Descent method(s) (gd, adam...).")
@click.option("--steps", type=click.IntRange(1, 100_000), default=None, help="Number of steps.")
@click.option("--xlim", default=None, metavar="LOW,HIGH", help="x range.")
@click.option("--ylim", default=None, metavar="LOW,HIGH", help="y range.")
@click.option("--chord", default=None, metavar="A,B", help="Chord ends for convexity.")
@click.option("--data", default=None, metavar="SET[:COL]", help="Data set or values 12,13,15.")
@click.option("--x", "x", default=None, metavar="COL", help="x column for regression.")
@click.option("--y", "y", default=None, metavar="COL", help="y column for regression.")
@click.option("--theta", default=None, metavar="T", help="Current theta for loss-curve.")
@click.option("--frames", type=click.IntRange(2, 500), default=60, help="Most frames of a GIF.")
@click.option("--dpi", type=click.IntRange(30, 600), default=None, help="Resolution.")
@json_flag("Print what was written as JSON.")
@timeout_option()
def plot(kind: str, exprs: tuple[str, ...], out: str, as_json: bool, **options: Any) -> None:
    """Draw a picture of KIND for EXPR and write it to --out (PNG, SVG, PDF or GIF).

    \b
    Examples:
      steepest plot function "x^2" --at 1,3 --out tangent.png
      steepest plot limit "1/x" --at 0 --side + --out limit.svg
      steepest plot contour "85 - x^2 (x-6) y^2 (y-6)/90" --x0 0.5,0.6 --lr 0.05 --out path.png
      steepest plot learning-rates "x^2 - 4x + 4" --x0 0 --lr 0.1,0.4,0.9,1.1 --out rates.pdf
      steepest plot loss-curve mse --data 12.1,12.8,14.9,16.3 --theta 12 --lr 0.3 --out step.png
      steepest plot animate "x^2 + 3y^2" --x0 2,1 --lr 0.1 --steps 30 --out descent.gif
    """
    from steepest.plot import animate, save

    if kind in NEEDS_EXPRESSION and not exprs:
        raise SteepestError(f'plot {kind} needs an expression, e.g. steepest plot {kind} "x^2"')
    if kind not in ("convexity",) and len(exprs) > 1:
        raise SteepestError(f"plot {kind} takes one expression, got {len(exprs)}")
    target = Path(out)
    extension = target.suffix.lower().lstrip(".")
    if extension not in ("png", "svg", "pdf", "gif"):
        raise SteepestError(f"--out must end in .png, .svg, .pdf or .gif, not {target.name!r}")
    if kind == "animate" and extension != "gif":
        raise SteepestError("plot animate writes a GIF: give --out NAME.gif")
    if not target.parent.exists():
        raise SteepestError(f"the folder {str(target.parent)!r} does not exist")
    figure, facts = _figure(kind, exprs, options)
    payload: dict[str, Any] = {"kind": kind, "out": str(target), "format": extension, **facts}
    if kind == "animate":
        run, expr = figure
        animate(run, expr, target, max_frames=options["frames"], dpi=options["dpi"] or 80)
        from PIL import Image

        with Image.open(target) as image:
            payload["frames"] = image.n_frames
    else:
        save(figure, target, dpi=options["dpi"])
    if as_json:
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(f"wrote {target}")


__all__ = ["KINDS", "plot"]
