"""``steepest check`` and ``steepest practice``: answers judged, mistakes named.

::

    $ steepest check "d/dx x^2 sin x" "2x cos x"
    incorrect: You applied the product rule as (fg)' = f'g'. ...
    $ steepest check "lim x->0+ 1/x" inf --json
    $ steepest practice --topic chain --level 2

``check`` exits with 0 for a right answer, 1 for a wrong one, 2 for an
answer (or question) that cannot be read and 3 when steepest could not
decide.
"""

from __future__ import annotations

import random
import sys

import click

from steepest.cli.options import echo_json, json_flag
from steepest.practice import LEVELS, TOPICS, Feedback, check, exercises
from steepest.practice.check import TIMEOUT

EXIT_CODES = {
    "correct": 0,
    "correct-unsimplified": 0,
    "incorrect": 1,
    "unreadable": 2,
    "undecided": 3,
}
"""The exit status of ``steepest check`` for each verdict."""


def describe(feedback: Feedback, *, solution: bool = False) -> str:
    """The feedback as lines of text: verdict and message, mistake, where, a counterexample.

    >>> print(describe(check("d/dx x^3", "3x^4")))  # doctest: +ELLIPSIS
    incorrect: You raised the exponent by one. ...
      mistake: power-rule-exponent-up
      ...
    """
    lines = [f"{feedback.verdict}: {feedback.message}"]
    if feedback.mistake:
        lines.append(f"  mistake: {feedback.mistake}")
    if feedback.step:
        lines.append(f"  the answers part at: {feedback.step}")
    example = feedback.counterexample
    if example and "your answer is" not in feedback.message:
        where = ", ".join(f"{k} = {v:.6g}" for k, v in example["at"].items())
        lines.append(
            f"  at {where}: your answer gives {_value(example['answer'])}, "
            f"the right one {_value(example['expected'])}"
        )
    if solution and feedback.solution:
        lines.append("")
        lines.append(feedback.solution)
    return "\n".join(lines)


def _value(value: float | None) -> str:
    return "no real number" if value is None else f"{value:.6g}"


_SETTINGS = {"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]}


@click.command("check", context_settings=_SETTINGS)
@click.argument("question")
@click.argument("answer")
@click.option("--solution", "show_solution", is_flag=True, help="Also print the worked solution.")
@json_flag("Print the verdict, the mistake and the solution as JSON.")
@click.option(
    "--timeout",
    default=TIMEOUT,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Stop symbolic work that takes longer than this (the verdict is then 'undecided').",
)
def check_command(
    question: str, answer: str, show_solution: bool, as_json: bool, timeout: float
) -> None:
    """Judge ANSWER to QUESTION; name the mistake of a wrong derivative.

    \b
    Questions:
      d/dx x^2 sin x          d/dy 3x^2 y^3 (partial)
      grad x^2 + y^2 at (2, 3)
      lim x->1 (x^2 - 1)/(x - 1)   (also x->0+, x->oo)
      one step of gradient descent on x^2 from 3 with rate 0.1
      critical points of x^3 - 3x  (answer: -1 max, 1 min)

    Exit status: 0 right, 1 wrong, 2 unreadable, 3 undecided.
    """
    feedback = check(question, answer, timeout=timeout)
    if as_json:
        echo_json(feedback.to_dict())
    else:
        click.echo(describe(feedback, solution=show_solution))
    sys.exit(EXIT_CODES[feedback.verdict])


HELP = "Type your answer, or: hint, solution, skip, quit."


# long: the interactive loop reads one line at a time and answers each command in place
@click.command("practice", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--topic", type=click.Choice(TOPICS), default=None, help="One topic (default: mixed)."
)
@click.option("--level", type=click.IntRange(min(LEVELS), max(LEVELS)), default=1,
              show_default=True, help="1 (one rule) to 5 (nested and mixed rules).")  # fmt: skip
@click.option("-n", "count", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Number of exercises.")  # fmt: skip
@click.option("--seed", type=int, default=None, help="Draw the same exercises again.")
def practice(topic: str | None, level: int, count: int, seed: int | None) -> None:
    """Practise in the terminal: exercises, your answers judged, hints on request.

    Type an answer, 'hint' (first the rule to use, then the first step),
    'solution' (the worked solution; the exercise then scores nothing),
    'skip' or 'quit'.  The score is shown at the end.
    """
    seed = random.SystemRandom().randrange(10**6) if seed is None else seed
    rng = random.Random(seed)
    topics = [topic] * count if topic else [rng.choice(TOPICS) for _ in range(count)]
    drawn = [exercises(t, level=level, n=1, seed=seed + i)[0] for i, t in enumerate(topics)]
    click.echo(f"{count} exercise{'s' if count > 1 else ''}, level {level} (seed {seed}). {HELP}")
    score, hints_used = 0, 0
    for number, exercise in enumerate(drawn, 1):
        click.echo(f"\n[{number}/{count}] {exercise.topic}: {exercise.question}")
        hints_given = 0
        while True:
            line = sys.stdin.readline()
            if not line:
                _finish(score, count, hints_used)
                return
            reply = line.strip()
            command = reply.lower()
            if not reply:
                continue
            if command == "quit":
                _finish(score, count, hints_used)
                return
            if command == "skip":
                click.echo(f"  answer: {exercise.answer}")
                break
            if command == "solution":
                click.echo(exercise.solution)
                break
            if command == "hint":
                if hints_given < len(exercise.hints):
                    click.echo(f"  hint: {exercise.hints[hints_given]}")
                    hints_given += 1
                    hints_used += 1
                else:
                    click.echo("  no more hints: type 'solution' to see the worked solution")
                continue
            feedback = check(exercise.question, reply)
            click.echo("  " + describe(feedback).replace("\n", "\n  "))
            if feedback.correct:
                score += 1
                break
            if feedback.verdict == "undecided":
                click.echo(f"  the expected answer: {exercise.answer}")
                break
            click.echo("  try again, or type hint, solution or skip")
    _finish(score, count, hints_used)


def _finish(score: int, count: int, hints_used: int) -> None:
    hints = f", {hints_used} hint{'s' if hints_used != 1 else ''} used" if hints_used else ""
    click.echo(f"\nscore: {score}/{count}{hints}")


__all__ = ["EXIT_CODES", "check_command", "describe", "practice"]
