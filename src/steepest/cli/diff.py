"""``steepest diff``: a derivative, and on request every rule that produced it.

::

    $ steepest diff "x^2/(x+1)"
    d/dx [x^2/(x + 1)] = x*(x + 2)/(x + 1)^2
    $ steepest diff "3x^2 y^3" --wrt y --steps
    $ steepest diff "tanh(x)" --latex
    $ steepest diff "sin(3x)" --json
"""

from __future__ import annotations

import click

from steepest.cli.options import (
    EXPRESSION_FIRST,
    ExpressionCommand,
    echo_json,
    json_flag,
    memory_option,
    timeout_option,
)
from steepest.symbolic.steps import derive, latex_form, text_form


@click.command("diff", cls=ExpressionCommand, context_settings=EXPRESSION_FIRST)
@click.argument("expr")
@click.option(
    "--wrt",
    default=None,
    metavar="VAR",
    help="Variable to differentiate by (default: x, or the only variable).",
)
@click.option("--steps", "show_steps", is_flag=True, help="Show every rule applied, as a tree.")
@click.option("--latex", "as_latex", is_flag=True, help="Print LaTeX instead of plain text.")
@json_flag("Print the derivation as JSON.")
@timeout_option()
@memory_option()
def diff(
    expr: str,
    wrt: str | None,
    show_steps: bool,
    as_latex: bool,
    as_json: bool,
    timeout: float,
    memory: int,
) -> None:
    """Differentiate EXPR (learner notation: 3x^2, e^x, ln x, sin(3x), |x|).

    With several variables this is the partial derivative; the others are
    held constant.  An expression that starts with '-' works as is:
    steepest diff "-x^2".

    \b
    Examples:
      steepest diff "x^2/(x+1)" --steps
      steepest diff "3x^2 y^3" --wrt y
      steepest diff "log_a(2x^2 + 4x)" --latex
    """
    derivation = derive(expr, wrt=wrt, timeout=timeout, memory=memory)
    if as_json:
        echo_json(derivation.to_dict())
        return
    if as_latex:
        if show_steps:
            click.echo(derivation.latex())
        else:
            operator = (
                rf"\frac{{\partial}}{{\partial {derivation.wrt.name}}}"
                if derivation.is_partial
                else rf"\frac{{d}}{{d{derivation.wrt.name}}}"
            )
            click.echo(
                f"{operator}\\left[{latex_form(derivation.expr)}\\right] = "
                f"{latex_form(derivation.result)}"
            )
        return
    if show_steps:
        click.echo(derivation.text())
        return
    line = f"{derivation.operator} [{text_form(derivation.expr)}] = {text_form(derivation.result)}"
    click.echo(line)
