"""``steepest numdiff``: output, JSON, pictures, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from steepest.cli.main import cli


def run(*args: str):
    result = CliRunner().invoke(cli, ["numdiff", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_default_central():
    output = run("x^2", "--at", "3")
    assert output.startswith("f'(3) = 5.99999999999")
    assert "central" in output and "reliable" in output and "NOT" not in output


def test_lesson_sweep_table():
    output = run("x^2", "--at", "3", "--method", "forward", "--sweep")
    rows = {line.split()[0]: line.split()[1] for line in output.splitlines()[4:21]}
    assert rows["0.01"].startswith("6.0099999")
    assert rows["0.001"].startswith("6.000999")
    assert rows["0.0001"].startswith("6.0001000")
    assert rows["1e-05"].startswith("6.0000099")
    assert rows["1e-16"] == "0"
    assert "reference f' = 6 from complex step" in output


def test_tiny_step_is_flagged():
    output = run("x^2", "--at", "3", "--method", "forward", "--h", "1e-16")
    assert output.startswith("f'(3) = 0 ")
    assert "NOT reliable" in output and "round-off dominates" in output


def test_json_output():
    data = json.loads(run("e^x", "--at", "1", "--method", "richardson", "--json", "--sweep"))
    assert data["value"] == pytest.approx(2.718281828459045, rel=1e-13)
    assert data["reliable"] is True and data["method"] == "richardson"
    assert data["sweep"]["method"] == "central"
    assert len(data["sweep"]["rows"]) == 17
    assert set(data["sweep"]["rows"][0]) == {"h", "estimate", "error", "truncation", "roundoff"}


def test_second_derivative_and_constant_points():
    data = json.loads(run("sin(x)", "--at", "pi/2", "--order", "2", "--json"))
    assert data["at"] == pytest.approx(1.5707963267948966)
    assert data["value"] == pytest.approx(-1.0, rel=1e-7)
    assert json.loads(run("7", "--at", "2", "--json"))["value"] == 0.0


def test_plot_file(tmp_path):
    path = tmp_path / "error.png"
    output = run("sin(x)", "--at", "1", "--plot", str(path))
    assert f"wrote {path}" in output
    assert path.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x +* 2", "--at", "3"], "error: expected an expression"),
        (["x^2", "--at", "abc"], "error: --at expects a number, got 'abc'"),
        (["x^2", "--at", "3", "--method", "secant"], "error: unknown method 'secant'"),
        (["x*y", "--at", "1"], "error: numdiff differentiates a function of one variable"),
        (["sqrt(x)", "--at", "0"], "error: f is not finite next to x = 0.0"),
        (["x^2", "--at", "3", "--h", "-1"], "error: --h expects a positive number"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    completed = subprocess.run(
        [sys.executable, "-m", "steepest.cli.main", "numdiff", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith(message)
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize("method", ["forward", "backward", "central", "complex", "richardson"])
@pytest.mark.parametrize("at", ["1e308", "-1.79e308", "1e-310"])
def test_huge_and_tiny_points_give_a_result_or_one_sentence(method, at, capsys):
    # Richardson at 1e308 printed "error: math range error" (its first step overflowed).
    from steepest.cli.main import main

    for expr in ("sin(x)", "x^2"):
        try:
            main(["numdiff", expr, "--at", at, "--method", method])
        except SystemExit as exc:
            assert exc.code == 2
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and "range error" not in err, err
            assert "not finite" in err
        else:
            assert "reliable" in capsys.readouterr().out
