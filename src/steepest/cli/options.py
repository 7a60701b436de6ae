"""Options and output shared by the commands: ``--json``, ``--timeout``, file paths.

One definition per option keeps the flags, their help and their checks the
same on every command.

>>> import click
>>> @click.command()
... @json_flag()
... @timeout_option()
... def show(as_json: bool, timeout: float) -> None:
...     click.echo(f"{as_json} {timeout}")
>>> from click.testing import CliRunner
>>> CliRunner().invoke(show, ["--json", "--timeout", "2"]).output
'True 2.0\\n'
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from steepest.bounded import DEFAULT_MEMORY, DEFAULT_TIMEOUT

F = TypeVar("F", bound=Callable[..., Any])

EXPRESSION_FIRST: dict[str, Any] = {
    "ignore_unknown_options": True,
    "help_option_names": ["-h", "--help"],
}
"""Settings of a command whose argument is an expression: one that starts with a
minus sign (``-x^2``, ``-(x^4 + y^2)``, ``-1/x``) is the expression, not an unknown
option.  Pair it with ``cls=ExpressionCommand``, which still refuses a misspelt
long option."""


class ExpressionCommand(click.Command):
    """A command whose argument may start with a minus sign, that still says
    "No such option" for a misspelt ``--option`` (not "unexpected extra arguments").

    >>> @click.command(cls=ExpressionCommand, context_settings=EXPRESSION_FIRST)
    ... @click.argument("expr")
    ... @click.option("--at")
    ... def show(expr: str, at: str | None) -> None:
    ...     click.echo(f"{expr} at {at}")
    >>> from click.testing import CliRunner
    >>> CliRunner().invoke(show, ["-x^2", "--at", "-1"]).output
    '-x^2 at -1\\n'
    >>> result = CliRunner().invoke(show, ["--att", "1", "x"])
    >>> result.exit_code, "No such option" in result.output
    (2, True)
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        known = {name for param in self.get_params(ctx) for name in param.opts}
        for arg in args:
            if arg == "--":
                break
            name = arg.split("=", 1)[0]
            if name.startswith("--") and name not in known:
                raise click.NoSuchOption(name, ctx=ctx)
        return super().parse_args(ctx, args)


def json_flag(help_text: str = "Print the result as JSON.") -> Callable[[F], F]:
    """The ``--json`` flag, passed to the command as ``as_json``.

    >>> json_flag()  # doctest: +ELLIPSIS
    <function ...>
    """
    return click.option("--json", "as_json", is_flag=True, help=help_text)


def timeout_option() -> Callable[[F], F]:
    """``--timeout SECONDS``: the limit on symbolic work, passed as ``timeout``.

    >>> timeout_option()  # doctest: +ELLIPSIS
    <function ...>
    """
    return click.option(
        "--timeout",
        default=DEFAULT_TIMEOUT,
        show_default=True,
        type=click.FloatRange(min=0, min_open=True),
        metavar="SECONDS",
        help="Stop symbolic work that takes longer than this.",
    )


def memory_option() -> Callable[[F], F]:
    """``--memory MB``: the memory large symbolic work may use, passed as ``memory`` in bytes.

    >>> import click
    >>> from click.testing import CliRunner
    >>> @click.command()
    ... @memory_option()
    ... def show(memory: int) -> None:
    ...     click.echo(memory)
    >>> CliRunner().invoke(show, ["--memory", "256"]).output
    '268435456\\n'
    """
    return click.option(
        "--memory",
        default=DEFAULT_MEMORY // 2**20,
        show_default=True,
        type=click.IntRange(16, 2**20),
        metavar="MB",
        callback=lambda context, parameter, value: value * 2**20,
        help="Memory (MiB) that symbolic work on a large expression may use before it is stopped.",
    )


def file_option(
    flag: str,
    dest: str,
    help_text: str,
    *,
    required: bool = False,
    folder: bool = False,
    default: str | None = None,
) -> Callable[[F], F]:
    """An option naming a file to write (or, with ``folder=True``, a folder).

    >>> file_option("--plot", "plot_file", "Write a picture.")  # doctest: +ELLIPSIS
    <function ...>
    """
    return click.option(
        flag,
        dest,
        default=default,
        show_default=default is not None,
        required=required,
        metavar="FOLDER" if folder else "FILE",
        type=click.Path(file_okay=not folder, dir_okay=folder),
        help=help_text,
    )


def text_option(
    flag: str, dest: str, metavar: str, help_text: str, *, required: bool = False
) -> Callable[[F], F]:
    """An option holding text the command reads itself (a point, a box, names).

    >>> text_option("--at", "at_text", "POINT", "A point.")  # doctest: +ELLIPSIS
    <function ...>
    """
    return click.option(
        flag, dest, default=None, required=required, metavar=metavar, help=help_text
    )


def int_range_option(
    flag: str, default: int, low: int, high: int, help_text: str
) -> Callable[[F], F]:
    """An integer option bounded to ``low..high``, with its default shown in the help.

    >>> int_range_option("--port", 8000, 0, 65535, "Port.")  # doctest: +ELLIPSIS
    <function ...>
    """
    return click.option(
        flag,
        default=default,
        show_default=True,
        type=click.IntRange(low, high),
        help=help_text,
    )


def json_safe(data: Any) -> Any:
    """Strict JSON: infinities and NaN (from tables) become null.

    >>> json_safe({"a": [1.0, float("inf")]})
    {'a': [1.0, None]}
    """
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: json_safe(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_safe(v) for v in data]
    return data


def echo_json(data: Any) -> None:
    """Print ``data`` as indented, strict JSON (non-finite floats as null).

    >>> echo_json({"value": float("nan"), "name": "x"})
    {
      "value": null,
      "name": "x"
    }
    """
    click.echo(json.dumps(json_safe(data), indent=2, allow_nan=False, ensure_ascii=False))


__all__ = [
    "echo_json",
    "file_option",
    "int_range_option",
    "json_flag",
    "json_safe",
    "memory_option",
    "text_option",
    "timeout_option",
]
