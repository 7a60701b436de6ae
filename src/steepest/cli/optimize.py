"""``steepest minimize`` and ``steepest maximize``: gradient descent from the shell.

The expression is read by the symbolic parser (never evaluated as Python),
so the gradient is exact.  The start is ``--x0 0.5,0.6`` in variable order
(x, y, z, then alphabetical) or ``--x0 x=0.5,y=0.6``.

Exit codes: 0 when the run ends converged, saddle, max_iter, stalled or stopped;
1 when it diverged (the result and its advice are still printed); 2 for bad
input (unknown method, wrong number of start coordinates, a value that is
not a number), with one line on stderr.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import Any

import click

from steepest.cli.options import timeout_option
from steepest.errors import SteepestError

METHOD_NAMES = (
    "gd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "armijo",
    "lbfgs",
    "newton",
    "grid",
)

PROGRESS_MIN_STEPS = 2000


def parse_numbers(text: str, option: str) -> list[float]:
    """``"0.5,0.6"`` -> [0.5, 0.6]; a clear error naming the option otherwise.

    >>> parse_numbers("0.5, -1e-3", "--x0")
    [0.5, -0.001]
    >>> parse_numbers("1,two", "--x0")
    Traceback (most recent call last):
    ...
    steepest.errors.SteepestError: --x0 value 'two' is not a number
    """
    pieces = [piece.strip() for piece in text.split(",")]
    values = []
    for piece in pieces:
        try:
            value = float(piece)
        except ValueError:
            raise SteepestError(f"{option} value {piece!r} is not a number") from None
        if not math.isfinite(value):
            raise SteepestError(f"{option} value {piece!r} must be finite")
        values.append(value)
    return values


def parse_start(text: str, variables: tuple[str, ...]) -> list[float]:
    """The start in variable order from ``0.5,0.6`` or ``x=0.5,y=0.6``.

    >>> parse_start("y=2,x=1", ("x", "y"))
    [1.0, 2.0]
    >>> parse_start("1,2,3", ("x", "y"))
    Traceback (most recent call last):
    ...
    steepest.errors.SteepestError: --x0 has 3 values but the expression has 2 variables (x, y)
    """
    pieces = [piece.strip() for piece in text.split(",")]
    if pieces and all("=" in piece for piece in pieces):
        named: dict[str, float] = {}
        for piece in pieces:
            name, _, value = (part.strip() for part in piece.partition("="))
            if name not in variables:
                raise SteepestError(
                    f"unknown variable {name!r} in --x0; the variables are {', '.join(variables)}"
                )
            named[name] = parse_numbers(value, "--x0")[0]
        missing = [name for name in variables if name not in named]
        if missing:
            raise SteepestError(f"--x0 gives no value for {missing[0]}")
        return [named[name] for name in variables]
    if any("=" in piece for piece in pieces):
        raise SteepestError("--x0 mixes named (x=1) and plain (1) values; use one style")
    values = parse_numbers(text, "--x0")
    if len(values) != len(variables):
        count = len(variables)
        raise SteepestError(
            f"--x0 has {len(values)} value{'s' * (len(values) != 1)} but the expression has "
            f"{count} variable{'s' * (count != 1)} ({', '.join(variables)})"
        )
    return values


def parse_grid(text: str) -> Any:
    """``START:STOP:STEP`` -> ``np.arange(START, STOP, STEP)``.

    >>> parse_grid("12:13:0.5").tolist()
    [12.0, 12.5]
    """
    import numpy as np

    parts = text.split(":")
    if len(parts) != 3:
        raise SteepestError("--grid must be START:STOP:STEP, e.g. 12:18:0.1")
    start, stop, step = (parse_numbers(part, "--grid")[0] for part in parts)
    if step <= 0 or stop <= start:
        raise SteepestError("--grid needs START < STOP and a positive STEP")
    if (stop - start) / step > 1e7:
        raise SteepestError("--grid would hold more than ten million points")
    return np.arange(start, stop, step)


def _options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("expression"),
        click.option("--x0", "x0_text", metavar="X0", help="Start, e.g. 0.5,0.6 or x=0.5,y=0.6."),
        click.option(
            "--lr",
            type=float,
            default=None,
            help="Learning rate (first trial step for armijo, lbfgs, newton).",
        ),
        click.option(
            "--method",
            default="gd",
            show_default=True,
            metavar="NAME",
            help=f"One of {', '.join(METHOD_NAMES)}.",
        ),
        click.option("--max-iter", type=int, default=None, help="Most steps (default 1000)."),
        click.option(
            "--tol",
            type=float,
            default=1e-6,
            show_default=True,
            help="Stop when a step moves the point less than this.",
        ),
        click.option("--gtol", type=float, default=None, help="Stop when |gradient| <= this."),
        click.option(
            "--ftol",
            type=float,
            default=None,
            help="Stop when the loss changes less than this (relative).",
        ),
        click.option(
            "--schedule",
            default=None,
            metavar="SPEC",
            help="Learning-rate schedule, e.g. exponential:0.99, step:100:0.5, "
            "inverse_time:0.01, cosine:1000, warmup:10.",
        ),
        click.option("--clip-norm", type=float, default=None, help="Clip the gradient norm."),
        click.option("--max-time", type=float, default=None, help="Stop after this many seconds."),
        click.option(
            "--grid",
            "grid_text",
            default=None,
            metavar="START:STOP:STEP",
            help="Grid for --method grid (one variable).",
        ),
        click.option("--table", is_flag=True, help="Print every step (theta: ... | loss: ...)."),
        click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
        timeout_option(),
        click.option(
            "--plot",
            "plot_file",
            type=click.Path(dir_okay=False),
            default=None,
            help="Write a figure: the path over the function and the loss per step.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _run(direction: str, expression: str, x0_text: str | None, **settings: Any) -> None:
    import steepest as st
    from steepest.optim import schedules

    function = st.Function(expression, timeout=settings["timeout"])
    variables = tuple(function.variables)
    method = settings["method"].strip().lower()
    if method not in METHOD_NAMES:
        raise SteepestError(f"unknown method {method!r}; choose one of {', '.join(METHOD_NAMES)}")
    for key in ("max_iter",):
        if settings[key] is not None and settings[key] < 0:
            raise SteepestError(f"--{key.replace('_', '-')} must be at least 0")
    for key in ("lr", "tol", "gtol", "ftol", "clip_norm", "max_time"):
        value = settings[key]
        if value is not None and (
            not math.isfinite(value) or value < 0 or (key in ("lr", "clip_norm") and value == 0)
        ):
            raise SteepestError(f"--{key.replace('_', '-')} must be a positive number")
    kwargs: dict[str, Any] = {
        "method": method,
        "max_iter": settings["max_iter"],
        "tol": settings["tol"],
        "gtol": settings["gtol"],
        "ftol": settings["ftol"],
        "clip_norm": settings["clip_norm"],
        "max_time": settings["max_time"],
    }
    x0: Any = None
    if method == "grid":
        if settings["grid_text"] is None:
            raise SteepestError("--method grid needs --grid START:STOP:STEP")
        if len(variables) != 1:
            raise SteepestError(
                "--grid searches one variable; this expression has "
                f"{len(variables)} ({', '.join(variables)})"
            )
        kwargs["grid"] = parse_grid(settings["grid_text"])
    else:
        if x0_text is None:
            raise SteepestError(
                f"--x0 is required: one value per variable ({', '.join(variables)})"
            )
        start = parse_start(x0_text, variables)
        x0 = start[0] if len(start) == 1 else start
        lr: Any = settings["lr"]
        if settings["schedule"]:
            if lr is None:
                lr = st.optim.make(method).lr
            lr = schedules.parse(settings["schedule"], lr)
        kwargs["lr"] = lr
    if method != "grid" and (settings["max_iter"] or 1000) >= PROGRESS_MIN_STEPS:
        kwargs["progress"] = None  # a bar on stderr when it is a terminal
    run = st.maximize if direction == "maximize" else st.minimize
    result = run(function, x0, **kwargs)
    if settings["plot_file"]:
        _write_plot(result, function, settings["plot_file"])
    _report(result, expression, direction, settings["table"], settings["as_json"])
    if result.status == "diverged":
        sys.exit(1)


def _write_plot(result: Any, function: Any, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from steepest.plot.descent import descent_figure

    try:
        descent_figure(result, function).savefig(path)
    except OSError as exc:
        raise SteepestError(f"cannot write the figure to {path}: {exc.strerror}") from None


def _format_point(value: Any, variables: tuple[str, ...]) -> str:
    import numpy as np

    values = np.atleast_1d(np.asarray(value, dtype=float))
    return ", ".join(f"{name} = {v:.10g}" for name, v in zip(variables, values, strict=True))


def _report(result: Any, expression: str, direction: str, table: bool, as_json: bool) -> None:
    variables = tuple(result.variables or ())
    if as_json:
        data = result.to_dict(history=table)
        data["expression"] = expression
        data["direction"] = direction
        click.echo(json.dumps(data, indent=2, allow_nan=False))
        return
    if table and result.history is not None:
        click.echo(result.history.table(final=result.method == "grid"))
        click.echo()
    width = 9
    click.echo(f"{'status':<{width}}{result.status}")
    click.echo(f"{'message':<{width}}{result.message}")
    click.echo(f"{'point':<{width}}{_format_point(result.x, variables)}")
    click.echo(f"{'value':<{width}}{result.fun:.10g}")
    if result.grad is not None:
        click.echo(f"{'gradient':<{width}}{_format_point(result.grad, variables)}")
    click.echo(f"{'steps':<{width}}{result.nit}")


# An expression may start with a minus sign: "-(x^2 - 4x + 4)" is not an option.
_SETTINGS = {"ignore_unknown_options": True}


@click.command(context_settings=_SETTINGS)
@_options
def minimize(expression: str, x0_text: str | None, **settings: Any) -> None:
    """Minimize EXPRESSION by gradient descent or a relative of it.

    \b
    Example:
      steepest minimize "85 - x^2 (x-6) y^2 (y-6)/90" --x0 0.5,0.6 --lr 0.05

    Exit status 0 when the run converged, stopped at a saddle, reached
    --max-iter, stalled or was stopped; 1 when it diverged (the advice is
    printed); 2 for bad input.
    """
    _run("minimize", expression, x0_text, **settings)


@click.command(context_settings=_SETTINGS)
@_options
def maximize(expression: str, x0_text: str | None, **settings: Any) -> None:
    """Maximize EXPRESSION by gradient ascent or a relative of it.

    \b
    Example:
      steepest maximize "-(x^2 - 4x + 4)" --x0 0 --lr 0.4 --max-iter 5 --table

    Exit status 0 when the run converged, stopped at a saddle, reached
    --max-iter, stalled or was stopped; 1 when it diverged (the advice is
    printed); 2 for bad input.
    """
    _run("maximize", expression, x0_text, **settings)


__all__ = ["maximize", "minimize", "parse_grid", "parse_numbers", "parse_start"]
