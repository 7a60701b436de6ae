"""``steepest grad``, ``limit``, ``critical`` and ``tangent`` on the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from steepest.cli.main import cli, main


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def run_json(*args: str) -> dict:
    return json.loads(run(*args, "--json"))


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run through main(): exit code 2 and exactly one line on stderr."""
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    assert stop.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ")
    return lines[0].removeprefix("error: ")


# --- grad --------------------------------------------------------------------------


def test_grad_at_a_point() -> None:
    out = run("grad", "x^2+y^2", "--at", "2,3")
    assert "df/dx = 2*x" in out and "df/dy = 2*y" in out
    assert "grad f = (4, 6)" in out
    assert "|grad f| = 2*sqrt(13) (about 7.2111)" in out


def test_grad_json_and_named_point() -> None:
    data = run_json("grad", "2x + 3y^2 - sin z")
    assert data["variables"] == ["x", "y", "z"]
    assert data["gradient"] == ["2", "6*y", "-cos(z)"]
    assert data["at"] is None and data["values"] is None
    data = run_json("grad", "x^2+y^2", "--at", "y=3,x=2")
    assert data["at"] == {"x": "2", "y": "3"}
    assert data["values"] == [4.0, 6.0]
    assert data["magnitude_value"] == pytest.approx(13**0.5 * 2)


def test_grad_json_is_one_flat_shape_with_or_without_a_point() -> None:
    bare, at = run_json("grad", "x y z"), run_json("grad", "x y z", "--at", "1,2,3")
    assert set(bare) == set(at)
    assert not any(isinstance(value, dict) and "values" in value for value in at.values())
    assert at["values"] == [6.0, 3.0, 2.0] and at["exact"] == ["6", "3", "2"]
    assert at["magnitude"] == "7"


def test_grad_with_chosen_variables_and_exact_values() -> None:
    data = run_json("grad", "x^2", "--vars", "x,y", "--at", "1/2,pi")
    assert data["gradient"] == ["2*x", "0"]
    assert data["exact"] == ["1", "0"]


# --- limit -------------------------------------------------------------------------


def test_limit_from_the_right() -> None:
    out = run("limit", "1/x", "--at", "0", "--side", "+")
    assert "unbounded (inf)" in out
    assert "from the right: inf" in out


def test_limit_two_sided_says_why_it_does_not_exist() -> None:
    data = run_json("limit", "1/x", "--at", "0")
    assert data["exists"] is False
    assert data["reason"] == "one-sided limits differ"
    assert (data["left"], data["right"]) == ("-inf", "inf")


def test_limit_at_infinity_and_table() -> None:
    out = run("limit", "sin(x)", "--at", "inf")
    assert "oscillates between -1 and 1" in out
    data = run_json("limit", "1/x", "--at", "0", "--side", "+", "--table")
    values = [row["f(x)"] for row in data["table"]]
    assert values == pytest.approx([10.0, 1e2, 1e3, 1e4, 1e5, 1e6])
    out = run("limit", "2x", "--at", "3")
    assert out.splitlines()[0] == "the limit of 2*x as x -> 3 is 6"
    assert run_json("limit", "e^x", "--at", "-inf")["value"] == "0"


def test_limit_of_a_piecewise_function() -> None:
    data = run_json("limit", "Piecewise((x^2, x < 1), (2x + 1, True))", "--at", "1")
    assert (data["left"], data["right"]) == ("1", "3")


# --- critical ----------------------------------------------------------------------


def test_critical_sauna() -> None:
    out = run("critical", "85 - x^2 (x-6) y^2 (y-6)/90")
    lines = out.splitlines()
    assert any(
        line.startswith("minimum") and "(x = 4, y = 4)" in line and "73.6222" in line
        for line in lines
    )
    assert any(line.startswith("saddle") and "(x = 6, y = 6)" in line for line in lines)
    assert sum(line.startswith("degenerate") for line in lines) == 2


def test_critical_with_domain_json() -> None:
    data = run_json("critical", "85 - x^2 (x-6) y^2 (y-6)/90", "--domain", "x=0:6,y=0:6")
    kinds = [p["kind"] for p in data["points"]]
    assert kinds == ["degenerate", "degenerate", "minimum", "saddle", "boundary", "boundary"]
    assert data["domain"] == {"x": ["0", "6"], "y": ["0", "6"]}
    minimum = data["points"][2]
    assert minimum["point"] == {"x": "4", "y": "4"}
    assert minimum["value_approx"] == pytest.approx(73.6222222)


def test_critical_without_any() -> None:
    assert "no critical points" in run("critical", "e^x + y")


# --- tangent -----------------------------------------------------------------------


def test_tangent_plane() -> None:
    out = run("tangent", "x^2+y^2", "--at", "2,4")
    assert "z = 20 + 4(x - 2) + 8(y - 4)" in out
    assert "slopes along x 4, y 8" in out
    data = run_json("tangent", "x^2+y^2", "--at", "2,4")
    assert data["kind"] == "plane"
    assert data["slopes"] == {"x": "4", "y": "8"}
    assert data["equation"] == "4*x + 8*y - 20"


def test_tangent_line_and_slice() -> None:
    data = run_json("tangent", "x^2", "--at", "3")
    assert data["kind"] == "line"
    assert (data["slope"], data["intercept"], data["text"]) == ("6", "-9", "y = 9 + 6(x - 3)")
    data = run_json("tangent", "x^2+y^2", "--at", "2,4", "--wrt", "y")
    assert data["equation"] == "8*y - 12"
    assert data["fixed"] == {"x": "2"}


# --- bad input: one line on stderr, exit code 2 ------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["grad", "x^2+y^2", "--at", "2,3,4"],
            "--at has 3 values but x^2 + y^2 has 2 variables (x, y)",
        ),
        (
            ["grad", "x^2+y^2", "--at", "x=2,w=3"],
            "unknown variable 'w' in --at; the variables of x^2 + y^2 are x, y",
        ),
        (["grad", "x^2+y^2", "--at", "2,abc"], "--at value 'abc' is not a number"),
        (["grad", "x^2+y^2", "--at", "x=2,3"], "mixes named (x=2) and plain (2) values"),
        (["grad", "x^2+y^2", "--at", "2,"], "--at has an empty value"),
        (["grad", "x^2+", "--at", "2,3"], "the expression ends too early"),
        (["grad", "x.__class__"], "no attribute access"),
        (["grad", "7"], "7 has no variables, so it has no gradient"),
        (["tangent", "x^2+y^2", "--at", "2,inf"], "--at value 'inf' must be finite"),
        (["tangent", "x^2+y^2", "--at", "2,4", "--wrt", "w"], "unknown variable 'w' in --wrt"),
        (["tangent", "|x|", "--at", "0"], "does not exist at x = 0: the slopes"),
        (["limit", "1/x", "--at", "0", "--side", "up"], "side must be '+', '-' or 'both'"),
        (["limit", "1/x", "--at", "zero"], "--at value 'zero' is not a number"),
        (["limit", "x y", "--at", "0"], "say which one approaches"),
        (["critical", "x^2", "--domain", "x=0-6"], "--domain piece 'x=0-6' should look like x=0:6"),
        (["critical", "x^2", "--domain", "w=0:6"], "unknown variable 'w' in --domain"),
        (["critical", "sin(x)"], "infinitely many critical points"),
    ],
)
def test_bad_input(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert message in fails(capsys, *args)


def test_exit_code_and_stderr_from_a_real_process() -> None:
    process = subprocess.run(
        [sys.executable, "-m", "steepest.cli.main", "grad", "x^2+y^2", "--at", "2,3,4"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 2
    assert process.stderr.strip() == (
        "error: --at has 3 values but x^2 + y^2 has 2 variables (x, y)"
    )
    assert "Traceback" not in process.stderr
    process = subprocess.run(
        [sys.executable, "-m", "steepest.cli.main", "limit", "1/x", "--at", "0", "--side", "+"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 0
    assert "from the right: inf" in process.stdout


# --- plain words, names and time limits ---------------------------------------------


def test_tangent_plane_names_its_value_apart_from_the_inputs() -> None:
    out = run("tangent", "x y z", "--at", "1,1,1")
    assert "f = x + y + z - 2" in out and "z = " not in out
    assert run_json("tangent", "x y z", "--at", "1,1,1")["output"] == "f"
    assert "z = x + y - 1" in run("tangent", "x y", "--at", "1,1")


def test_infinite_families_of_critical_points_ask_for_the_domain_flag(capsys) -> None:
    message = fails(capsys, "critical", "sin(x) cos(y)")
    assert "--domain x=0:10,y=0:10" in message and "infinitely many critical points" in message
    assert "domain={" not in message


def test_slow_commands_end_with_the_time_limit_sentence(capsys) -> None:
    slow = "(sin(tan x) - tan(sin x))/(asin(atan x) - atan(asin x))"
    message = fails(capsys, "limit", slow, "--at", "0", "--timeout", "0.2")
    assert "took longer than the time limit of 0.2 s" in message


DOCUMENTED_SHAPES = {
    ("diff", "x^2"): {"expr", "expr_latex", "wrt", "partial", "held_constant", "result",
                      "result_latex", "rules", "steps", "text", "latex"},
    ("grad", "x y"): {"expr", "variables", "gradient", "at", "exact", "values", "magnitude",
                      "magnitude_value"},
    ("limit", "x", "--at", "0"): {"expr", "var", "at", "side", "value", "left", "right",
                                  "exists", "reason", "message"},
    ("critical", "x^2"): {"expr", "variables", "domain", "points", "left_out"},
    ("tangent", "x^2", "--at", "1"): {"kind", "expr", "variable", "at", "fixed", "value",
                                      "slope", "intercept", "equation", "text", "output",
                                      "slope_value", "value_approx"},
    ("tangent", "x y", "--at", "1,1"): {"kind", "expr", "at", "value", "slopes",
                                        "slope_values", "equation", "text", "output"},
}  # fmt: skip


@pytest.mark.parametrize("args", list(DOCUMENTED_SHAPES), ids=" ".join)
def test_json_shapes_are_the_documented_ones(args: tuple[str, ...]) -> None:
    assert set(run_json(*args)) == DOCUMENTED_SHAPES[args]


# --- expressions that start with a minus sign --------------------------------------


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("grad", "-x*y"), "grad f = (-y, -x)"),
        (("limit", "-1/x", "--at", "0"), "the limit of -1/x as x -> 0 does not exist"),
        (("critical", "-(x^4 + y^2)"), "maximum     (x = 0, y = 0)"),
        (("tangent", "-x^2", "--at", "1"), "y = 1 - 2*x"),
        (("numdiff", "-x^2", "--at", "1"), "f'(1) = -1.99999"),
        (("diff", "-x^2"), "d/dx [-x^2] = -2*x"),
    ],
)
def test_an_expression_may_start_with_a_minus_sign(args: tuple[str, ...], shown: str) -> None:
    # Once "No such option: -x": a learner's -x^2 read as an option.
    assert shown in run(*args)


@pytest.mark.parametrize("command", ["grad", "limit", "critical", "tangent", "numdiff", "diff"])
def test_a_misspelt_long_option_is_still_named(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--jsn", "x^2"])
    assert result.exit_code == 2
    assert "No such option" in result.output and "--jsn" in result.output


def test_curves_of_critical_points_say_where_they_are_real() -> None:
    out = run("critical", "(x^2 + y^2 - 1)^2")
    assert "all points with x = sqrt(1 - y^2) (y free, -1 <= y <= 1)" in out
    [entry] = [p for p in run_json("critical", "(x y - 1)^2")["points"] if p["free"]]
    assert entry["span"] == "y != 0"


@pytest.mark.parametrize(
    ("expr", "at", "words"),
    [
        ("x*floor(1/x)", "0", "the limit of x*floor(1/x) as x -> 0 is 1"),
        ("tan(x)/x", "inf", "tends to -inf along some sequences of x and to inf along others"),
    ],
)
def test_limits_known_by_a_squeeze_or_the_poles(expr: str, at: str, words: str) -> None:
    assert words in run("limit", expr, "--at", at)
