"""``steepest tour``: every lesson computed end to end, written up as one HTML report.

The report (``index.html``) embeds its figures, so it is complete on its
own; the figures are also saved as files in ``images/`` next to it.  A
progress bar is shown on stderr when it is a terminal.
"""

from __future__ import annotations

import json
import webbrowser

import click

from steepest.cli.options import file_option, json_flag


@click.command("tour")
@file_option("--out", "out", "Folder for index.html and its images.", folder=True,
             default="steepest-tour")  # fmt: skip
@click.option("--open", "open_report", is_flag=True, help="Open the report in a web browser.")
@click.option(
    "--section",
    "sections",
    multiple=True,
    metavar="TITLE",
    help="Run only this lesson (repeatable), e.g. --section Convexity.",
)
@json_flag("Print what was written as JSON.")
def tour(out: str, open_report: bool, sections: tuple[str, ...], as_json: bool) -> None:
    """Run every lesson with real computation and write an HTML report with its figures.

    \b
    Lessons: limits; derivatives; numerical differentiation; differentiation
    rules; partial derivatives and the chain rule; gradient and Jacobian;
    gradient descent and the learning rate; gradient descent in two
    variables; linear regression; loss functions (MSE, MAE, Huber);
    convexity; stochastic and mini-batch gradient descent; backpropagation.

    \b
    Examples:
      steepest tour
      steepest tour --out report --open
      steepest tour --section Convexity --section Backpropagation
    """
    from steepest.tour import run_tour

    report = run_tour(out, sections=list(sections) or None)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        click.echo(
            f"wrote {report.html} ({len(report.sections)} sections, {len(report.images)} "
            f"figures in {report.html.parent / 'images'}) in {report.total_seconds:.1f} s"
        )
    if open_report:
        webbrowser.open(report.html.resolve().as_uri())


__all__ = ["tour"]
