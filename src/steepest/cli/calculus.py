"""``steepest grad``, ``limit``, ``critical`` and ``tangent``: calculus from the shell.

Points are written ``--at 2,3`` (in variable order x, y, z, then alphabetical)
or ``--at x=2,y=3``; values may be any number the parser reads (``1/2``,
``pi/4``, ``-1.5``).  Bad input ends as one line on stderr and exit code 2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import click
import sympy as sp

from steepest.cli.options import (
    EXPRESSION_FIRST,
    ExpressionCommand,
    echo_json,
    json_flag,
    text_option,
    timeout_option,
)
from steepest.errors import ParseError, SteepestError
from steepest.symbolic._critical import CriticalPointsTimeLimitError, ExactSolutionError
from steepest.symbolic._kinked import roots_left_out
from steepest.symbolic.calculus import number_or_none
from steepest.symbolic.printing import plain_text, text_form


def _split_top_level(text: str) -> list[str]:
    """Split at commas that are not inside parentheses: ``log(8, 2),3`` is two pieces."""
    pieces: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            pieces.append(current)
            current = ""
        else:
            current += char
    pieces.append(current)
    return [p.strip() for p in pieces]


def _number(text: str, option: str, *, allow_infinity: bool = False) -> sp.Expr:
    """An exact number from text such as ``2``, ``-1/2``, ``pi/4`` or ``inf``."""
    from steepest.symbolic.calculus import as_value

    if not text:
        raise SteepestError(f"{option} has an empty value")
    try:
        value = as_value(text)
    except ParseError:
        raise SteepestError(f"{option} value {text!r} is not a number") from None
    if value.free_symbols or not value.is_number:
        raise SteepestError(f"{option} value {text!r} is not a number")
    if value.is_infinite:
        if allow_infinity:
            return value
        raise SteepestError(f"{option} value {text!r} must be finite")
    if value.has(sp.nan, sp.zoo) or value.is_real is False:
        raise SteepestError(f"{option} value {text!r} is not a real number")
    return value


def parse_point(
    text: str, variables: Sequence[sp.Symbol], shown: str, option: str = "--at"
) -> dict[sp.Symbol, sp.Expr]:
    """``2,3`` or ``x=2,y=3`` -> {x: 2, y: 3}, with errors that name the option.

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> parse_point("y=1/2, x=pi", (x, y), "f")
    {x: pi, y: 1/2}
    >>> parse_point("2,3,4", (x, y), "x*y")
    Traceback (most recent call last):
    ...
    steepest.errors.SteepestError: --at has 3 values but x*y has 2 variables (x, y)
    """
    pieces = _split_top_level(text)
    names = ", ".join(v.name for v in variables) or "none"
    named = ["=" in piece for piece in pieces]
    if any(named) and not all(named):
        raise SteepestError(f"{option} mixes named (x=2) and plain (2) values; use one style")
    if all(named):
        by_name = {v.name: v for v in variables}
        point: dict[sp.Symbol, sp.Expr] = {}
        for piece in pieces:
            name, _, value = (part.strip() for part in piece.partition("="))
            if name not in by_name:
                raise SteepestError(
                    f"unknown variable {name!r} in {option}; the variables of {shown} are {names}"
                )
            if by_name[name] in point:
                raise SteepestError(f"{option} gives {name} twice")
            point[by_name[name]] = _number(value, option)
        missing = [v.name for v in variables if v not in point]
        if missing:
            raise SteepestError(f"{option} gives no value for {', '.join(missing)}")
        return {v: point[v] for v in variables}
    if len(pieces) != len(variables):
        plural = "s" if len(pieces) != 1 else ""
        raise SteepestError(
            f"{option} has {len(pieces)} value{plural} but {shown} has {len(variables)} "
            f"variable{'s' if len(variables) != 1 else ''} ({names})"
        )
    return {v: _number(piece, option) for v, piece in zip(variables, pieces, strict=True)}


def parse_domain(
    text: str, variables: Sequence[sp.Symbol], shown: str
) -> dict[str, tuple[sp.Expr, sp.Expr]]:
    """``x=0:6,y=0:6`` -> {"x": (0, 6), "y": (0, 6)}.

    >>> import sympy as sp
    >>> parse_domain("x=0:6, y=-1:inf", sp.symbols("x y"), "f")
    {'x': (0, 6), 'y': (-1, oo)}
    """
    names = {v.name for v in variables}
    domain: dict[str, tuple[sp.Expr, sp.Expr]] = {}
    for piece in _split_top_level(text):
        name, equals, bounds = (part.strip() for part in piece.partition("="))
        low, colon, high = (part.strip() for part in bounds.partition(":"))
        if not equals or not colon:
            raise SteepestError(f"--domain piece {piece!r} should look like x=0:6")
        if name not in names:
            listed = ", ".join(v.name for v in variables) or "none"
            raise SteepestError(
                f"unknown variable {name!r} in --domain; the variables of {shown} are {listed}"
            )
        domain[name] = (
            _number(low, "--domain", allow_infinity=True),
            _number(high, "--domain", allow_infinity=True),
        )
    return domain


def _approx(value: sp.Expr) -> str:
    """``2*sqrt(13) (about 7.21110)``; short integers and symbols as they are (an integer
    with more digits than are shown short, such as 10^150 + 3*10^100 + 1, has its size)."""
    shown = text_form(value)
    if value.is_number and (not value.is_Integer or len(shown) > 20) and value.is_finite:
        real = float(sp.re(sp.N(value, 20)))
        shown += f" (about {real:.6g})" if math.isfinite(real) else " (beyond a float's range)"
    return shown


def _expression(text: str) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    from steepest.symbolic.calculus import to_expr, variables_of

    f = to_expr(text)
    return f, variables_of(f)


def _signature(f: sp.Expr, variables: Sequence[sp.Symbol]) -> str:
    return f"f({', '.join(v.name for v in variables)}) = {text_form(f)}"


@click.command("grad", cls=ExpressionCommand, context_settings=EXPRESSION_FIRST)
@click.argument("expression")
@text_option("--at", "at_text", "POINT", "Evaluate at a point: 2,3 or x=2,y=3.")
@text_option(
    "--vars", "vars_text", "NAMES", "Variables and their order, e.g. x,y,z (default: all)."
)
@json_flag()
@timeout_option()
def grad(
    expression: str, at_text: str | None, vars_text: str | None, as_json: bool, timeout: float
) -> None:
    """Gradient of EXPRESSION: every partial derivative, optionally at a point.

    Example: steepest grad "x^2+y^2" --at 2,3
    """
    from steepest.symbolic.calculus import gradient

    f, variables = _expression(expression)
    if vars_text is not None:
        names = [n for n in _split_top_level(vars_text) if n]
        variables = gradient(f, variables=names, timeout=timeout).variables
    if not variables:
        raise SteepestError(f"{text_form(f)} has no variables, so it has no gradient")
    symbolic = gradient(f, variables=variables, timeout=timeout)
    point = None if at_text is None else parse_point(at_text, variables, text_form(f))
    at_point = None if point is None else gradient(f, point, variables, timeout=timeout)
    if as_json:
        echo_json(gradient_json(f, symbolic, at_point))
        return
    click.echo(_signature(f, variables))
    for var, component in zip(variables, symbolic, strict=True):
        click.echo(f"df/d{var.name} = {text_form(component)}")
    click.echo(f"grad f = ({', '.join(text_form(c) for c in symbolic)})")
    if at_point is not None and point is not None:
        coordinates = ", ".join(text_form(point[v]) for v in variables)
        click.echo(f"at ({', '.join(v.name for v in variables)}) = ({coordinates}):")
        click.echo(f"  grad f = ({', '.join(text_form(c) for c in at_point)})")
        click.echo(f"  |grad f| = {_approx(sp.simplify(at_point.magnitude))}")


def gradient_json(f: sp.Expr, symbolic: Any, at_point: Any | None) -> dict[str, Any]:
    """The one flat JSON shape of ``steepest grad`` (documented in docs/cli.md).

    ``gradient`` holds the partial derivatives as text; with a point, ``at``
    maps each variable to its value, ``exact`` holds the components there as
    text, ``values`` as numbers, and ``magnitude``/``magnitude_value`` the norm.

    >>> from steepest.symbolic.calculus import gradient
    >>> f = sp.Symbol("x") ** 2
    >>> gradient_json(f, gradient(f), gradient(f, 3))["values"]
    [6.0]
    """
    numeric = at_point is not None and all(c.is_number for c in at_point)
    data: dict[str, Any] = {
        "expr": text_form(f),
        "variables": [v.name for v in symbolic.variables],
        "gradient": [text_form(c) for c in symbolic],
        "at": None,
        "exact": None,
        "values": None,
        "magnitude": None,
        "magnitude_value": None,
    }
    if at_point is not None:
        magnitude = sp.simplify(at_point.magnitude)
        data["at"] = {name: text_form(value) for name, value in at_point.at.items()}
        data["exact"] = [text_form(c) for c in at_point]
        data["values"] = [number_or_none(c) for c in at_point] if numeric else None
        data["magnitude"] = text_form(magnitude)
        data["magnitude_value"] = number_or_none(magnitude) if numeric else None
    return data


@click.command("limit", cls=ExpressionCommand, context_settings=EXPRESSION_FIRST)
@click.argument("expression")
@text_option(
    "--at", "at_text", "A", "The point approached: a number, pi/2, inf or -inf.", required=True
)
@click.option(
    "--side",
    default="both",
    show_default=True,
    help="+ (from the right), - (from the left) or both.",
)
@click.option("--var", "var_name", default=None, help="The variable that approaches A.")
@click.option(
    "--table", "with_table", is_flag=True, help="Also print values of f as x approaches A."
)
@json_flag()
@timeout_option()
def limit(
    expression: str,
    at_text: str,
    side: str,
    var_name: str | None,
    with_table: bool,
    as_json: bool,
    timeout: float,
) -> None:
    """Limit of EXPRESSION, with both one-sided limits and why it may not exist.

    Example: steepest limit "1/x" --at 0 --side +
    """
    from steepest.symbolic.calculus import limit as take_limit

    f, _ = _expression(expression)
    point = _number(at_text, "--at", allow_infinity=True)
    result = take_limit(f, var_name, point, side, timeout=timeout)
    table = result.table() if with_table else None
    if as_json:
        data = result.to_dict()
        if table is not None:
            data["table"] = table.to_dict(orient="records")
        echo_json(data)
        return
    click.echo(result.message())
    if not point.is_infinite:
        if result.left is not None:
            click.echo(f"  from the left:  {result.side_words('-')}")
        if result.right is not None:
            click.echo(f"  from the right: {result.side_words('+')}")
    if table is not None:
        click.echo(table.to_string(index=False))


@click.command("critical", cls=ExpressionCommand, context_settings=EXPRESSION_FIRST)
@click.argument("expression")
@text_option(
    "--domain", "domain_text", "BOX", "Restrict to a box and check its edges, e.g. x=0:6,y=0:6."
)
@json_flag()
@timeout_option()
def critical(expression: str, domain_text: str | None, as_json: bool, timeout: float) -> None:
    """Critical points of EXPRESSION (gradient 0 or not defined), classified.

    Kinks (abs, max, min, relu) and jumps are critical where the derivative does
    not exist; an interval where f is constant is one entry.

    Example: steepest critical "85 - x^2 (x-6) y^2 (y-6)/90" --domain x=0:6,y=0:6
    """
    from steepest.symbolic.calculus import critical_points

    f, variables = _expression(expression)
    domain = None if domain_text is None else parse_domain(domain_text, variables, text_form(f))
    found, searched = _critical_points(critical_points, f, variables, domain, timeout)
    # Exact solving finds the points without a gradient; a numerical search does not, and
    # beside it they are found exactly only when that is quick (then they are listed).
    unsearched = searched and not any(p.found == "exactly" for p in found)
    left_out = roots_left_out(_real_function(f, variables), variables) if unsearched else None
    if as_json:
        echo_json(
            {
                "expr": text_form(f),
                "variables": [v.name for v in variables],
                "domain": None
                if domain is None
                else {k: [text_form(low), text_form(high)] for k, (low, high) in domain.items()},
                "points": [critical_point_json(p) for p in found],
                "left_out": left_out,
            }
        )
        return
    click.echo(_signature(f, variables))
    if not found:
        click.echo(_none_found(variables, searched, left_out))
    for entry in found:
        click.echo(describe_critical_point(entry))
    if found and left_out:
        click.echo(f"note: {left_out}")


def describe_critical_point(entry: Any) -> str:
    """One line for a critical point (or family): kind, where, and f there, in plain words.

    >>> from steepest.symbolic import critical_points
    >>> [describe_critical_point(p) for p in critical_points("x^2 - 4x + 5")]
    ['minimum     (x = 2), f = 1  [first nonzero derivative (order 2) is positive]']
    """
    fixed = ", ".join(
        f"{name} = {_decimal(value, about=False)}" for name, value in entry.point.items()
    )
    if entry.region is not None or entry.span is not None:
        # An interval or region where f is constant, or a curve real only for some
        # values of its free variable, in words.
        where = entry.where
    elif entry.free:
        free = ", ".join(entry.free)
        where = f"all points with {fixed} ({free} free)" if fixed else "every point"
    else:
        where = f"({fixed})"
    line = f"{entry.kind:<11} {where}, f = {_decimal(entry.value)}"
    return f"{line}  [{entry.note}]" if entry.note else line


def _decimal(value: sp.Expr, about: bool = True) -> str:
    """A decimal (a coordinate or value with no short exact form) in as many digits as it
    holds: a double (what a numerical search gives) in the fewest digits that give it
    back, other decimals to their 17 digits without trailing zeros; with its size to six
    digits where it shows more (``about``).  Anything else as :func:`_approx` shows it.

    >>> _decimal(sp.Float(3.0, 17)), _decimal(sp.Float(-3.513905038934789, 17))
    ('3.0', '-3.513905038934789 (about -3.51391)')
    >>> _decimal(sp.Float("-3.0195428736036389", 17)), _decimal(sp.sqrt(2))
    ('-3.0195428736036389 (about -3.01954)', 'sqrt(2) (about 1.41421)')
    """
    if not isinstance(value, sp.Float):
        return _approx(value) if about else text_form(value)
    number = float(value)
    if math.isfinite(number) and sp.Float(number, precision=value._prec) == value:
        shown = repr(number)
    else:
        mantissa, e, exponent = text_form(value).partition("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0")
            mantissa += "0" if mantissa.endswith(".") else ""
        shown = f"{mantissa}{e}{exponent}"
    digits = len(shown.partition("e")[0].lstrip("-").replace(".", "").lstrip("0"))
    if about and digits > 6 and math.isfinite(number):
        shown += f" (about {number:.6g})"
    return shown


def critical_point_json(entry: Any) -> dict[str, Any]:
    """A critical point for ``--json``: its fields, exact values in plain words.

    >>> from steepest.symbolic import critical_points
    >>> critical_point_json(critical_points("x^2 - 4x + 5")[0])["point"]
    {'x': '2'}
    """
    data = dict(entry.to_dict())
    data["point"] = {name: text_form(value) for name, value in entry.point.items()}
    data["value"] = text_form(entry.value)
    return data


def _real_function(f: sp.Expr, variables: Sequence[sp.Symbol]) -> sp.Expr:
    """f over real variables (what the solver sees), for the questions asked of it here."""
    return f.xreplace({v: sp.Symbol(v.name, real=True) for v in variables})


def _none_found(variables: Sequence[sp.Symbol], searched: bool, left_out: str | None) -> str:
    """What an empty list means: a critical point is where the derivative is 0 or does
    not exist, and a numerical search proves neither."""
    if searched:
        return (
            "a numerical search found no critical points (they could not be solved for "
            "exactly): there may be some all the same"
        )
    if left_out:
        return f"the gradient is never zero; {left_out}"
    slope = "derivative" if len(variables) == 1 else "gradient"
    return f"no critical points: the {slope} is never zero, and it exists wherever f is defined"


def _critical_points(
    find: Any, f: sp.Expr, variables: Sequence[sp.Symbol], domain: Any, timeout: float
) -> tuple[list[Any], bool]:
    """The critical points and whether a numerical search found them (labelled so, when
    exact solving cannot finish), or a sentence that asks for ``--domain`` in this
    command's syntax."""
    try:
        return list(find(f, domain=domain, timeout=timeout)), False
    except (CriticalPointsTimeLimitError, ExactSolutionError) as error:
        return list(error.points), True
    except SteepestError as error:
        if domain is not None or "infinitely many" not in str(error):
            raise
        family = plain_text(str(error)).split("; ")[0]
        box = ",".join(f"{v.name}=0:10" for v in variables)
        raise SteepestError(f"{family}; list those in a box with --domain {box}") from None


@click.command("tangent", cls=ExpressionCommand, context_settings=EXPRESSION_FIRST)
@click.argument("expression")
@text_option(
    "--at", "at_text", "POINT", "The point of tangency: 3, or 2,4 / x=2,y=4.", required=True
)
@click.option(
    "--wrt", default=None, help="With several variables: the tangent line along this variable."
)
@json_flag()
@timeout_option()
def tangent(expression: str, at_text: str, wrt: str | None, as_json: bool, timeout: float) -> None:
    """Tangent line (one variable) or tangent plane (two or more) of EXPRESSION.

    Example: steepest tangent "x^2+y^2" --at 2,4
    """
    from steepest.symbolic.calculus import tangent_line, tangent_plane

    f, variables = _expression(expression)
    if wrt is not None and wrt not in {v.name for v in variables}:
        names = ", ".join(v.name for v in variables) or "none"
        raise SteepestError(
            f"unknown variable {wrt!r} in --wrt; the variables of {text_form(f)} are {names}"
        )
    if not variables:
        raise SteepestError(f"{text_form(f)} has no variables: it is its own tangent line")
    point = parse_point(at_text, variables, text_form(f))
    if wrt is not None or len(variables) == 1:
        line = tangent_line(f, point, wrt=wrt, timeout=timeout)
        if as_json:
            echo_json({"kind": "line", "expr": text_form(f), **line.to_dict()})
            return
        where = ", ".join(f"{v.name} = {text_form(point[v])}" for v in variables)
        click.echo(f"tangent line of {text_form(f)} at {where}:")
        click.echo(f"  {line}")
        click.echo(f"  slope {_approx(line.slope)}, intercept {_approx(line.intercept)}")
        click.echo(f"  {line.output_name} = {text_form(line.equation)}")
        return
    plane = tangent_plane(f, point, timeout=timeout)
    if as_json:
        echo_json({"kind": "plane", "expr": text_form(f), **plane.to_dict()})
        return
    coordinates = ", ".join(text_form(point[v]) for v in variables)
    click.echo(
        f"tangent plane of {text_form(f)} at ({', '.join(v.name for v in variables)}) "
        f"= ({coordinates}):"
    )
    click.echo(f"  {plane}")
    slopes = ", ".join(f"{name} {_approx(s)}" for name, s in plane.slopes.items())
    click.echo(f"  slopes along {slopes}")
    click.echo(f"  {plane.output_name} = {text_form(plane.equation)}")
