"""``steepest minimize`` and ``steepest maximize``."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import steepest as st
from steepest.cli.main import cli, main

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "steepest.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_minimize_sauna_text_report():
    result = invoke("minimize", SAUNA, "--x0", "0.5,0.6", "--lr", "0.05")
    assert result.exit_code == 0, result.output
    lines = dict(line.split(None, 1) for line in result.output.strip().splitlines())
    assert lines["status"] == "converged"
    assert lines["point"].startswith("x = 3.99999") and "y = 3.99999" in lines["point"]
    assert lines["value"].startswith("73.6222")


def test_minimize_json_matches_the_library():
    import steepest as st

    result = invoke(
        "minimize",
        SAUNA,
        "--x0",
        "x=0.5,y=0.6",
        "--lr",
        "0.05",
        "--max-iter",
        "2",
        "--json",
        "--table",
    )
    data = json.loads(result.output)
    expected = st.minimize(SAUNA, [0.5, 0.6], lr=0.05, max_iter=2)
    assert data["x"] == pytest.approx(list(expected.x))
    assert data["status"] == "max_iter" and data["nit"] == 2
    assert data["variables"] == ["x", "y"]
    assert data["history"]["x"][1] == pytest.approx([0.50567, 0.604675])
    assert data["direction"] == "minimize"


def test_maximize_table_reproduces_the_five_steps():
    result = invoke(
        "maximize", "-(x^2 - 4x + 4)", "--x0", "0", "--lr", "0.4", "--max-iter", "5", "--table"
    )
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:5] == [
        "x: 0.00 | value: -4.00",
        "x: 1.60 | value: -0.16",
        "x: 1.92 | value: -0.01",
        "x: 1.98 | value: -0.00",
        "x: 2.00 | value: -0.00",
    ]
    assert any(line.startswith("point") and "1.99936" in line for line in lines)


@pytest.mark.parametrize("method", ["adam", "momentum", "newton", "lbfgs", "armijo"])
def test_methods_on_the_command_line(method):
    args = [
        "minimize",
        "(x - 1)^2 + 2 (y + 3)^2",
        "--x0",
        "0,0",
        "--method",
        method,
        "--tol",
        "1e-12",
        "--gtol",
        "1e-9",
        "--max-iter",
        "5000",
        "--json",
    ]
    if method in ("adam", "momentum"):
        args += ["--lr", "0.05"]
    data = json.loads(invoke(*args).output)
    assert data["status"] == "converged"
    np.testing.assert_allclose(data["x"], [1, -3], atol=1e-6)


def test_schedule_and_grid_options():
    data = json.loads(
        invoke(
            "minimize",
            "x^2",
            "--x0",
            "1",
            "--lr",
            "0.4",
            "--schedule",
            "exponential:0.5",
            "--max-iter",
            "3",
            "--json",
            "--table",
        ).output
    )
    assert data["history"]["lr"][1:] == pytest.approx([0.4, 0.2, 0.1])
    grid = json.loads(
        invoke(
            "minimize", "(x - 14.6)^2", "--method", "grid", "--grid", "12:18:0.1", "--json"
        ).output
    )
    assert grid["x"] == pytest.approx(14.6)


def test_divergence_prints_advice_and_exits_1():
    result = run_main("minimize", "x^2", "--x0", "1", "--lr", "1.5")
    assert result.returncode == 1
    assert (
        "diverged" in result.stdout and "2/L = 1.00" in result.stdout and "try 0.5" in result.stdout
    )
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["minimize", "x^2", "--x0", "1", "--method", "simulated-annealing"], "unknown method"),
        (["minimize", "x^2 + y^2", "--x0", "1,2,3"], "3 values but the expression has 2"),
        (["minimize", "x^2", "--x0", "one"], "is not a number"),
        (["minimize", "x^2", "--x0", "1", "--lr", "abc"], "abc"),
        (["minimize", "x^2", "--x0", "1", "--schedule", "zigzag"], "unknown schedule"),
        (["minimize", "x^^2", "--x0", "1"], ""),
        (["minimize", "x^2"], "--x0 is required"),
        (["maximize", "x^2", "--x0", "1", "--lr", "-1"], "positive"),
        (["minimize", "x^2", "--x0", "1", "--method", "grid"], "--grid"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    stderr = capsys.readouterr().err
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr
    assert message in stderr
    assert len([line for line in lines if line.startswith(("error", "Error"))]) == 1


def test_bad_input_in_a_real_process():
    result = run_main("minimize", "x^2 + y^2", "--x0", "1")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --x0 has 1 value but the expression has 2 variables (x, y)"
    )


def test_plot_writes_a_figure(tmp_path):
    target = tmp_path / "sauna.png"
    result = invoke("minimize", SAUNA, "--x0", "0.5,0.6", "--lr", "0.05", "--plot", str(target))
    assert result.exit_code == 0
    assert target.stat().st_size > 10_000
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    one = tmp_path / "one.png"
    assert (
        invoke("minimize", "x^2 - 4x + 4", "--x0", "0", "--lr", "0.4", "--plot", str(one)).exit_code
        == 0
    )
    assert one.exists()


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys):
    st.minimize("x^2", 1.0, lr=0.1, max_iter=3000, tol=None)
    assert capsys.readouterr().err == ""
    st.minimize("x^2", 1.0, lr=0.1, max_iter=3000, tol=None, progress=None)
    assert capsys.readouterr().err == ""  # stderr is not a terminal under pytest
    st.minimize("x^2", 1.0, lr=0.1, max_iter=3000, tol=None, progress=True)
    err = capsys.readouterr().err
    assert "descent" in err and "3000/3000" in err
