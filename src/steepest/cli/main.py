"""Entry point of the ``steepest`` command.

Subcommands live in their own modules and load only when called, so
``steepest --help`` stays fast.  A user mistake anywhere below ends here as
one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from steepest import __version__
from steepest.errors import SteepestError

# command name -> "module:attribute" of its click command.
COMMANDS: dict[str, str] = {
    "demo": "steepest.cli.demo:demo",
    "diff": "steepest.cli.diff:diff",
    "grad": "steepest.cli.calculus:grad",
    "limit": "steepest.cli.calculus:limit",
    "critical": "steepest.cli.calculus:critical",
    "tangent": "steepest.cli.calculus:tangent",
    "minimize": "steepest.cli.optimize:minimize",
    "maximize": "steepest.cli.optimize:maximize",
    "numdiff": "steepest.cli.numdiff:numdiff",
    "fit": "steepest.cli.fit:fit",
    "serve": "steepest.cli.serve:serve",
    "plot": "steepest.cli.plot:plot",
    "tour": "steepest.cli.tour:tour",
    "check": "steepest.cli.practice:check_command",
    "practice": "steepest.cli.practice:practice",
}

USER_ERRORS = (SteepestError, ValueError, OverflowError, ZeroDivisionError)


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module_name, attribute = COMMANDS[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="steepest")
def cli() -> None:
    """steepest: differentiate, minimize, and see why gradient descent does what it does."""


def fail(message: str) -> None:
    """Print one line on stderr (in plain words, see :func:`plain_text`) and exit with status 2."""
    from steepest.symbolic.printing import plain_text

    click.echo(f"error: {plain_text(message)}", err=True)
    sys.exit(2)


def main(argv: list[str] | None = None) -> Any:
    """Run the command line; user mistakes exit 2 with one line on stderr."""
    try:
        return cli.main(args=argv, prog_name="steepest", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except USER_ERRORS as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fail(message)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
