"""``steepest numdiff``: a numerical derivative with its error, or the whole error-vs-h story.

::

    $ steepest numdiff "x^2" --at 3
    $ steepest numdiff "x^2" --at 3 --method forward --h 1e-16
    $ steepest numdiff "x^2" --at 3 --method forward --sweep
    $ steepest numdiff "sin(x)" --at 1 --sweep --plot error.png
    $ steepest numdiff "e^x" --at 1 --method richardson --json
"""

from __future__ import annotations

import json
import math
from typing import Any

import click
import numpy as np

from steepest.cli.options import (
    EXPRESSION_FIRST,
    ExpressionCommand,
    file_option,
    json_flag,
    timeout_option,
)
from steepest.errors import NumericError, ParseError
from steepest.numeric import METHODS, ErrorSweep, error_sweep, estimate

SWEEP_METHODS = ("forward", "backward", "central", "complex")
#: The steps of the printed sweep: 1, 0.1, ..., 1e-16, as in the lesson's table.
TABLE_STEPS = 10.0 ** -np.arange(0, 17)


def _point(text: str) -> float:
    """A number from --at: 3, -1.5, 1e-3, or a constant expression such as pi/4."""
    try:
        value = float(text)
    except ValueError:
        from steepest.symbolic import parse

        try:
            expr = parse(text)
        except ParseError:
            raise ParseError(f"--at expects a number, got {text!r}") from None
        if expr.free_symbols:
            raise ParseError(f"--at expects a number, got {text!r}") from None
        try:
            value = float(expr)
        except (TypeError, ValueError):
            raise ParseError(f"--at expects a real number, got {text!r}") from None
    if not math.isfinite(value):
        raise ParseError(f"--at expects a finite number, got {text!r}")
    return value


def _step(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise NumericError(f"--h expects a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise NumericError(f"--h expects a positive number, got {text!r}")
    return value


def _function(expr: str, timeout: float) -> tuple[Any, str]:
    """The expression as a vectorized NumPy function of its one variable."""
    from steepest.symbolic import Function, parse

    function = Function(expr, timeout=timeout)
    names = tuple(str(v) for v in function.variables)
    if len(names) > 1:
        raise NumericError(
            f"numdiff differentiates a function of one variable; {expr!r} has {', '.join(names)}"
        )
    if not names:
        constant = float(parse(expr))
        return (lambda t: np.full(np.shape(t), constant)), "x"
    return function, names[0]


def _json_number(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    number = float(value)
    return number if math.isfinite(number) else None


@click.command("numdiff", cls=ExpressionCommand, context_settings=EXPRESSION_FIRST)
@click.argument("expr")
@click.option("--at", "at", required=True, metavar="X", help="The point (a number, or e.g. pi/4).")
@click.option(
    "--method",
    default="central",
    show_default=True,
    metavar="M",
    help=f"One of {', '.join(METHODS)}.",
)
@click.option("--h", "step", default=None, metavar="H", help="Step size (default: from eps).")
@click.option("--order", default=1, show_default=True, help="Which derivative (1 to 4).")
@click.option("--sweep", is_flag=True, help="Table of the error for h = 1 ... 1e-16.")
@json_flag()
@timeout_option()
@file_option(
    "--plot", "plot_file", "Write the log-log picture of error against h (PNG, SVG or PDF)."
)
def numdiff(
    expr: str,
    at: str,
    method: str,
    step: str | None,
    order: int,
    sweep: bool,
    as_json: bool,
    timeout: float,
    plot_file: str | None,
) -> None:
    """Differentiate EXPR numerically at a point, with an honest error estimate.

    The sweep shows the trade-off of lesson 2: truncation error shrinks with
    h, round-off grows like eps / h, and the best step sits in between (about
    sqrt(eps) for forward differences, cbrt(eps) for central ones).

    \b
    Examples:
      steepest numdiff "x^2" --at 3
      steepest numdiff "x^2" --at 3 --method forward --h 1e-16
      steepest numdiff "x^2" --at 3 --method forward --sweep
      steepest numdiff "e^x" --at 1 --sweep --plot error.png
    """
    if method not in METHODS:
        raise NumericError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    x = _point(at)
    h = _step(step)
    function, variable = _function(expr, timeout)
    result = estimate(function, x, method=method, h=h, order=order)
    sweep_method = method if method in SWEEP_METHODS else "central"
    sweep_result: ErrorSweep | None = None
    if sweep:
        sweep_result = error_sweep(function, x, method=sweep_method, hs=TABLE_STEPS, order=order)

    if plot_file:
        from steepest.plot import numeric_error

        sweeps = [error_sweep(function, x, method=sweep_method, order=order)]
        if sweep_method == "central" and order == 1:
            sweeps.insert(0, error_sweep(function, x, method="forward"))
        figure = numeric_error(
            sweeps,
            title=f"d/d{variable} of {expr} at {variable} = {x:g}: error against step h",
        )
        try:
            figure.savefig(plot_file, dpi=120)
        except (OSError, ValueError) as exc:
            raise NumericError(f"cannot write the picture to {plot_file!r}: {exc}") from None

    if as_json:
        payload: dict[str, Any] = {
            "expression": expr,
            "variable": variable,
            "at": x,
            "method": method,
            "order": order,
            "value": _json_number(result.value),
            "error": _json_number(result.error),
            "reliable": bool(result.reliable),
            "h": _json_number(result.h),
            "nfev": result.nfev,
            "note": result.note,
        }
        if sweep_result is not None:
            payload["sweep"] = {
                "method": sweep_result.method,
                "reference": sweep_result.reference,
                "exact": sweep_result.exact,
                "best_h": sweep_result.best_h,
                "rows": sweep_result.rows(),
            }
        if plot_file:
            payload["plot"] = plot_file
        click.echo(json.dumps(payload, indent=2))
        return

    prime = "'" * order if order <= 3 else f"^({order})"
    status = "reliable" if result.reliable else "NOT reliable"
    click.echo(
        f"f{prime}({x:.10g}) = {result.value:.15g} \u00b1 {result.error:.2g}   "
        f"[{method}, h = {result.h:.3g}, {result.nfev} evaluations, {status}]"
    )
    if result.note:
        click.echo(f"note: {result.note}")
    if sweep_result is not None:
        click.echo("")
        click.echo(
            f"{sweep_result.method} differences of f = {expr} at {variable} = {x:.10g}; "
            f"reference f{prime} = {sweep_result.exact:.16g} from {sweep_result.reference}"
        )
        click.echo(sweep_result.table())
        click.echo(
            f"smallest error {sweep_result.best_error:.2g} at h = {sweep_result.best_h:.3g}; "
            f"the default step is {sweep_result.default_h:.3g}"
        )
    if plot_file:
        click.echo(f"wrote {plot_file}")
