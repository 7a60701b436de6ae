"""Every command that does symbolic work on the user's text takes ``--timeout``.

The value reaches the library call (``timeout=``): a tiny limit on a slow
input ends in one sentence and exit status 2, and a normal input works with
the same option.
"""

from __future__ import annotations

import pytest
import sympy
from click.testing import CliRunner

import steepest.symbolic.function as function_module
from steepest.bounded import DEFAULT_TIMEOUT
from steepest.cli.main import COMMANDS, cli, main

# The gradient at 0 is a limit at two kinks that SymPy takes many seconds to decide.
SLOW = "|asin(atan x) - atan(asin x)| + |sin(tan x) - tan(sin x)|"
SLOW_2D = "|asin(atan x) - atan(asin x)| + |sin(tan y) - tan(sin y)|"
# Reading it means compiling a sum of 99 sines: a tenth of a second and more of work.
SLOW_TO_COMPILE = " + ".join(f"sin({k} x)/{k}" for k in range(1, 100))

# Each command that reads an expression: a run that must stop at the limit, and a
# normal run with the same option.
SLOW_RUNS: dict[str, tuple[list[str], list[str]]] = {
    "diff": (["diff", SLOW_TO_COMPILE], ["diff", "x^3"]),
    "grad": (["grad", SLOW, "--at", "0"], ["grad", "x^2 + y^2", "--at", "1,2"]),
    "limit": (["limit", "(sin(tan x) - tan(sin x))/(asin(atan x) - atan(asin x))", "--at", "0"],
              ["limit", "sin(x)/x", "--at", "0"]),
    "tangent": (["tangent", SLOW, "--at", "0"], ["tangent", "x^2", "--at", "1"]),
    "minimize": (["minimize", SLOW, "--x0", "0"],
                 ["minimize", "x^2 - 4x + 4", "--x0", "0", "--lr", "0.4"]),
    "maximize": (["maximize", f"-({SLOW})", "--x0", "0"],
                 ["maximize", "-(x^2 - 4x + 4)", "--x0", "0", "--lr", "0.4"]),
    "numdiff": (["numdiff", SLOW_TO_COMPILE, "--at", "1"],
                ["numdiff", "x^3", "--at", "2"]),
    "plot": (["plot", "contour", SLOW_2D, "--x0", "0,0", "--out", "{tmp}/slow.png"],
             ["plot", "function", "x^2", "--at", "1", "--out", "{tmp}/ok.png"]),
}
# Commands that read no expression (or judge an answer, where running out of time is the
# verdict "undecided", exit 3, as documented for `steepest check`).
NO_EXPRESSION = {"demo", "fit", "serve", "tour", "practice", "check"}
# Critical points whose exact solution runs out of time are searched for numerically.
FALLS_BACK = {"critical"}


def test_every_command_is_accounted_for() -> None:
    assert set(COMMANDS) == set(SLOW_RUNS) | NO_EXPRESSION | FALLS_BACK


def test_critical_points_past_the_limit_come_from_the_numerical_search() -> None:
    exact = CliRunner().invoke(cli, ["critical", "x^4 - 3x^2 + x", "--timeout", "5"])
    assert exact.exit_code == 0 and "numerical search" not in exact.output
    # SymPy remembers what it solved: forgotten, the exact solution cannot finish in 1 ms.
    sympy.core.cache.clear_cache()
    searched = CliRunner().invoke(cli, ["critical", "x^4 - 3x^2 + x", "--timeout", "0.001"])
    assert searched.exit_code == 0, searched.output
    assert searched.output.count("found by a numerical search") == 3
    assert "x = 1.13090112262" in searched.output


def _fill(args: list[str], tmp: str) -> list[str]:
    return [a.replace("{tmp}", tmp) for a in args]


@pytest.mark.parametrize("command", sorted(SLOW_RUNS))
def test_help_shows_the_timeout_with_its_default(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "--timeout SECONDS" in result.output
    text = " ".join(result.output.split())
    assert f"[default: {float(DEFAULT_TIMEOUT)}; x>0]" in text


@pytest.mark.parametrize("command", sorted(SLOW_RUNS))
def test_a_tiny_timeout_ends_in_one_sentence(command: str, tmp_path, capsys) -> None:
    slow, _ = SLOW_RUNS[command]
    limit = "0.01" if command in ("numdiff", "diff") else "0.2"
    with pytest.raises(SystemExit) as stop:
        main([*_fill(slow, str(tmp_path)), "--timeout", limit])
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert f"took longer than the time limit of {limit} s" in lines[0]
    assert "Traceback" not in lines[0]


@pytest.mark.parametrize("command", sorted(SLOW_RUNS))
def test_a_normal_input_works_and_the_value_reaches_the_library(
    command: str, tmp_path, monkeypatch
) -> None:
    seen: list[float | None] = []
    original = function_module.timed

    def spy(call, timeout, what):
        seen.append(timeout)
        return original(call, timeout, what)

    monkeypatch.setattr(function_module, "timed", spy)
    _, normal = SLOW_RUNS[command]
    result = CliRunner().invoke(cli, [*_fill(normal, str(tmp_path)), "--timeout", "7.5"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if command in ("minimize", "maximize", "numdiff", "plot"):
        # Their symbolic work is the Function of the text: every timed part of it is bounded
        # by the command's limit, never the library's default.
        assert seen and set(seen) == {7.5}
