"""``steepest fit``: results, JSON, pictures, and one clear line for bad data."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import steepest as st
from steepest.cli.main import cli, main


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "steepest.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_fit_linear_prints_the_least_squares_line():
    result = invoke("fit", "linear", "--data", "advertising", "--x", "TV", "--y", "sales")
    assert result.exit_code == 0, result.output
    assert "intercept  7.03259" in result.output
    assert "TV         0.0475366" in result.output
    assert "R^2 0.6119" in result.output


def test_fit_linear_json_matches_the_model():
    result = invoke(
        "fit",
        "linear",
        "--data",
        "advertising",
        "--x",
        "TV,radio,newspaper",
        "--y",
        "sales",
        "--solver",
        "gd",
        "--json",
    )
    summary = json.loads(result.output)
    ads = st.datasets.load("advertising")
    exact = st.models.LinearRegression().fit(ads[["TV", "radio", "newspaper"]], ads["sales"])
    got = [summary["coefficients"][c] for c in ("TV", "radio", "newspaper")]
    np.testing.assert_allclose(got, exact.coef_, rtol=1e-6)
    assert summary["intercept"] == pytest.approx(exact.intercept_, rel=1e-8)
    assert summary["converged"] is True and summary["model"] == "LinearRegression"
    assert summary["r2"] == pytest.approx(
        exact.score(ads[["TV", "radio", "newspaper"]], ads["sales"])
    )


def test_minibatch_from_the_command_line_is_reproducible():
    args = (
        "fit",
        "linear",
        "--data",
        "advertising",
        "--x",
        "TV",
        "--y",
        "sales",
        "--solver",
        "minibatch",
        "--batch-size",
        "16",
        "--seed",
        "3",
        "--epochs",
        "40",
        "--json",
    )
    first, second = json.loads(invoke(*args).output), json.loads(invoke(*args).output)
    assert first["coefficients"] == second["coefficients"]
    assert first["settings"]["batch_size"] == 16 and first["iterations"] == 40


def test_fit_logistic_and_mlp(tmp_path):
    result = invoke(
        "fit", "logistic", "--data", "tips", "--x", "total_bill,size", "--y", "smoker", "--json"
    )
    summary = json.loads(result.output)
    assert summary["classes"] == ["No", "Yes"] and 0.5 < summary["accuracy"] < 1
    csv = tmp_path / "dose.csv"
    st.datasets.load("dosage").to_csv(csv, index=False)
    result = invoke(
        "fit",
        "mlp",
        "--data",
        str(csv),
        "--x",
        "dosage",
        "--y",
        "efficacy",
        "--hidden",
        "2",
        "--activation",
        "softplus",
        "--loss",
        "ssr",
        "--solver",
        "lbfgs",
        "--epochs",
        "200",
        "--seed",
        "0",
        "--json",
    )
    summary = json.loads(result.output)
    assert summary["parameters"] == 7 and summary["training_loss"] < 0.01
    result = invoke(
        "fit",
        "mlp",
        "--data",
        "tips",
        "--x",
        "total_bill,tip",
        "--y",
        "time",
        "--epochs",
        "5",
        "--seed",
        "0",
        "--json",
    )
    assert json.loads(result.output)["model"] == "MLPClassifier"


def test_plot_is_written(tmp_path):
    target = tmp_path / "fit.png"
    result = invoke(
        "fit", "linear", "--data", "powerlines", "--x", "x", "--y", "y", "--plot", str(target)
    )
    assert result.exit_code == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"picture written to {target}" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "missing.csv", "--x", "a", "--y", "b"], "no data set or file named"),
        (
            ["--data", "advertising", "--x", "TV,Radio", "--y", "sales"],
            "no column 'Radio' in advertising; columns: TV, radio, newspaper, sales",
        ),
        (["--data", "tips", "--x", "day", "--y", "tip"], "column 'day' of tips is not numeric"),
        (["--data", "MISSING", "--x", "a", "--y", "b"], "has 2 missing values (rows 2, 4)"),
        (["--data", "SHORT", "--x", "a,b", "--y", "c"], "2 rows cannot determine 3 parameters"),
        (
            ["--data", "advertising", "--x", "TV", "--y", "sales", "--solver", "newton-raphson"],
            "unknown method",
        ),
        (
            ["--data", "advertising", "--x", "TV", "--y", "sales", "--solver", "gd", "--lr", "50"],
            "learning rate 50 is above 2/L",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    missing = tmp_path / "missing_values.csv"
    missing.write_text("a,b\n1,2\n,3\n4,5\n,6\n")
    short = tmp_path / "short.csv"
    short.write_text("a,b,c\n1,2,3\n2,3,5\n")
    args = [str(missing) if a == "MISSING" else str(short) if a == "SHORT" else a for a in args]
    with pytest.raises(SystemExit) as stopped:
        main(["fit", "linear", *args])
    assert stopped.value.code == 2
    stderr = capsys.readouterr().err
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert message in lines[0]


def test_a_real_process_exits_2_without_a_traceback():
    result = run_main("fit", "logistic", "--data", "tips", "--x", "total_bill", "--y", "day")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: logistic regression needs a target with two classes; column 'day' has 4"
    ]
