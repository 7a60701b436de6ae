"""`steepest check` (exit 0/1/2/3, --json) and `steepest practice` fed through stdin."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from steepest.cli.main import cli


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def test_right_answer_exits_0() -> None:
    result = run("check", "d/dx x^2 sin x", "2x sin x + x^2 cos x")
    assert result.exit_code == 0
    assert result.output.startswith("correct: Correct.")


def test_wrong_answer_exits_1_and_names_the_mistake() -> None:
    result = run("check", "d/dx x^2 sin x", "2x cos x")
    assert result.exit_code == 1
    assert "mistake: product-rule-as-product" in result.output
    assert "the answers part at: d/dx [x^2*sin(x)]" in result.output


def test_unreadable_answer_exits_2_with_the_column() -> None:
    result = run("check", "d/dx x^2", "2x +")
    assert result.exit_code == 2
    assert "column 5" in result.output


def test_an_answer_starting_with_minus_is_an_answer() -> None:
    result = run("check", "d/dx cos x", "-sin x")
    assert result.exit_code == 0


def test_json_output() -> None:
    result = run("check", "d/dx sin(x^2)", "cos(x^2)", "--json")
    data = json.loads(result.output)
    assert result.exit_code == 1
    assert data["mistake"] == "chain-rule-inner-missing"
    assert data["expected"] == "2*x*cos(x^2)"


def test_solution_flag_prints_the_derivation() -> None:
    result = run("check", "d/dx x^3", "3x^3", "--solution")
    assert "power rule: d/dx x^n = n*x^(n - 1)" in result.output


def test_unreadable_question_is_one_line_and_exit_2() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "steepest.cli.main", "check", "d/dx x^2 +* 1", "2x"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().startswith("error: ")
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "Traceback" not in completed.stderr


def test_practice_session_with_hints_a_wrong_then_right_answer_and_a_score() -> None:
    # seed 1, power, level 1: the first exercise is d/dx 3x^2, the second d/dx 2x^5.
    stdin = "hint\nhint\n6x^2\n6x\nsolution\nquit\n"
    result = run("practice", "--topic", "power", "--level", "1", "-n", "3", "--seed", "1",
                 stdin=stdin)  # fmt: skip
    out = result.output
    assert result.exit_code == 0
    assert "[1/3] power: d/dx 3x^2" in out
    assert "hint: Use the constant multiple rule" in out and "power rule" in out
    assert "hint: First step: c = 3" in out
    assert "mistake: power-rule-exponent-kept" in out
    assert "correct: Correct." in out
    assert "[2/3] power: d/dx 2x^5" in out and "d/dx [2*x^5] = 10*x^4" in out
    assert out.rstrip().endswith("score: 1/3, 2 hints used")


def test_practice_ends_with_a_score_when_input_runs_out() -> None:
    result = run("practice", "--topic", "limit", "-n", "2", "--seed", "4", stdin="skip\n")
    assert "answer:" in result.output
    assert result.output.rstrip().endswith("score: 0/2")


def test_practice_refuses_an_unknown_topic() -> None:
    result = CliRunner().invoke(cli, ["practice", "--topic", "integrals"])
    assert result.exit_code == 2
