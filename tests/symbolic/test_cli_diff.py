"""`steepest diff`: result, steps, LaTeX, JSON, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import sympy
from click.testing import CliRunner

from steepest.cli.main import cli
from steepest.symbolic import parse, symbol


def run(*args: str):
    return CliRunner().invoke(cli, ["diff", *args], catch_exceptions=False)


def run_process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "steepest.cli.main", "diff", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_prints_the_derivative() -> None:
    result = run("x^2/(x+1)")
    assert result.exit_code == 0
    assert result.output.strip() == "d/dx [x^2/(x + 1)] = x*(x + 2)/(x + 1)^2"
    printed = result.output.split("=", 1)[1].strip()
    x = symbol("x")
    assert sympy.simplify(parse(printed) - sympy.diff(x**2 / (x + 1), x)) == 0


def test_steps_show_each_rule() -> None:
    result = run("x^2/(x+1)", "--steps")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "d/dx [x^2/(x + 1)] = x*(x + 2)/(x + 1)^2"
    assert "quotient rule" in lines[1]
    assert "d/dx [x^2/(x + 1)] = (2*x*(x + 1) - x^2)/(x + 1)^2" in result.output
    for rule in ("power rule", "sum rule", "variable rule", "constant rule"):
        assert rule in result.output
    assert lines[-1] == "simplified: x*(x + 2)/(x + 1)^2"


def test_partial_derivative_with_wrt() -> None:
    result = run("3x^2 y^3", "--wrt", "y", "--steps")
    assert result.exit_code == 0
    assert result.output.startswith("∂/∂y [3*x^2*y^3] = 9*x^2*y^2")
    assert "x is held constant" in result.output


def test_latex_output() -> None:
    plain = run("tanh(x)", "--latex")
    assert plain.exit_code == 0
    assert plain.output.strip() == (
        r"\frac{d}{dx}\left[\tanh{\left(x \right)}\right] = 1 - \tanh^{2}{\left(x \right)}"
    )
    with_steps = run("sin(3x)", "--latex", "--steps")
    assert with_steps.output.startswith("\\begin{aligned}")
    assert "\\text{chain rule}" in with_steps.output


def test_json_output_is_the_derivation_dict() -> None:
    result = run("sin(3x)", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["result"] == "3*cos(3*x)"
    assert data["steps"]["rule"] == "chain"
    assert {"chain", "sin", "trig"} <= set(data["rules"])


def test_expression_starting_with_a_minus_sign() -> None:
    result = run("-x^2")
    assert result.exit_code == 0
    assert result.output.strip() == "d/dx [-x^2] = -2*x"


def test_bad_expression_is_one_line_on_stderr_and_exit_2() -> None:
    completed = run_process("sinx")
    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == "error: unknown name 'sinx': did you mean sin(x)? (at column 1)"
    assert "Traceback" not in completed.stderr


def test_injection_on_the_command_line_is_refused() -> None:
    completed = run_process("__import__('os').system('echo hacked')")
    assert completed.returncode == 2
    assert "hacked" not in completed.stdout + completed.stderr
    assert completed.stderr.startswith("error: ")


def test_ambiguous_variable_and_bad_wrt_exit_2() -> None:
    completed = run_process("y z")
    assert completed.returncode == 2
    assert "choose one" in completed.stderr
    completed = run_process("x^2", "--wrt", "2")
    assert completed.returncode == 2
    assert "not a variable name" in completed.stderr


def test_diff_is_listed_in_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert "diff" in result.output
    help_text = CliRunner().invoke(cli, ["diff", "--help"]).output
    assert "--wrt" in help_text and "--steps" in help_text and "--json" in help_text
