"""The tour: every lesson computed end to end and written up as one HTML report.

:func:`run_tour` runs the thirteen lessons (limits to backpropagation) with
real computation, saves every figure as a PNG (one animation as a GIF) in
``<out>/images``, and writes ``<out>/index.html``: a self-contained page with
the derivations, tables of iterates and the figures embedded.  ``steepest
tour`` is its command line.

The tour sits above :mod:`steepest.plot` and uses only the public layers
below it.

>>> from steepest.tour import SECTION_TITLES
>>> len(SECTION_TITLES), SECTION_TITLES[0], SECTION_TITLES[-1]
(13, 'Limits', 'Backpropagation')
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steepest.errors import SteepestError

DEFAULT_FOLDER = "steepest-tour"


def _sections() -> list[tuple[str, Callable[..., None]]]:
    from steepest.tour.lessons import SECTIONS

    return SECTIONS


SECTION_TITLES: tuple[str, ...] = (
    "Limits",
    "Derivatives",
    "Numerical differentiation",
    "Differentiation rules",
    "Partial derivatives and the chain rule",
    "Gradient and Jacobian",
    "Gradient descent and the learning rate",
    "Gradient descent in two variables",
    "Linear regression",
    "Loss functions (MSE, MAE, Huber)",
    "Convexity",
    "Stochastic and mini-batch gradient descent",
    "Backpropagation",
)


@dataclass
class TourReport:
    """What a tour wrote: the HTML file, the images, and the time of each section."""

    html: Path
    images: list[Path]
    sections: list[str]
    seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "report": str(self.html),
            "images": [str(p) for p in self.images],
            "sections": self.sections,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "total_seconds": round(self.total_seconds, 3),
        }


class _Progress:
    """A rich progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, total: int, enabled: bool | None) -> None:
        self.bar: Any = None
        show = sys.stderr.isatty() if enabled is None else enabled
        if not show:
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("[bold]tour[/bold] {task.description:<45}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task = self.bar.add_task("", total=total)
        self.bar.start()

    def show(self, description: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description=description)

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def run_tour(
    out: str | Path = DEFAULT_FOLDER,
    *,
    sections: Sequence[str] | None = None,
    progress: bool | None = None,
) -> TourReport:
    """Run the lessons and write ``out/index.html`` with its images in ``out/images``.

    ``sections`` picks lessons by title (all thirteen by default); ``progress``
    shows a progress bar on stderr (by default only when stderr is a
    terminal).  Returns a :class:`TourReport`.
    """
    import matplotlib
    import numpy as np

    from steepest import __version__
    from steepest.tour.page import Report

    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise SteepestError(f"{str(folder)!r} is a file; the tour writes into a folder")
    chosen = _sections()
    if sections is not None:
        known = {title.lower(): (title, run) for title, run in chosen}
        missing = [name for name in sections if name.lower() not in known]
        if missing:
            raise SteepestError(
                f"unknown section {missing[0]!r}; the sections are {', '.join(SECTION_TITLES)}"
            )
        chosen = [known[name.lower()] for name in sections]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        report = Report(folder, "A tour of steepest: calculus for machine learning")
    except OSError as exc:
        raise SteepestError(f"cannot write the tour into {str(folder)!r}: {exc}") from None
    started = time.perf_counter()
    bar = _Progress(len(chosen), progress)
    seconds: dict[str, float] = {}
    try:
        with np.errstate(all="ignore"):
            for title, run in chosen:
                bar.show(title)
                section = report.section(title)
                begin = time.perf_counter()
                run(section)
                section.seconds = time.perf_counter() - begin
                seconds[title] = section.seconds
                bar.advance()
        bar.show("done")
    finally:
        bar.close()
    total = time.perf_counter() - started
    report.preface.append(
        '<p class="meta">Every number, table and picture below was computed by steepest '
        "when this page was written: symbolic results by SymPy, derivatives by automatic "
        "and numerical differentiation, descent by steepest.minimize. Where two independent "
        "computations exist, both are shown.</p>"
    )
    footer = (
        f"Written by steepest {__version__} in {total:.1f} s with Python "
        f"{platform.python_version()}, NumPy {np.__version__}, matplotlib "
        f"{matplotlib.__version__}; {len(report.figures)} figures in {report.images}."
    )
    html_file = folder / "index.html"
    html_file.write_text(report.html(footer), encoding="utf-8")
    return TourReport(
        html=html_file,
        images=[record.file for record in report.figures],
        sections=[section.title for section in report.sections],
        seconds=seconds,
        total_seconds=total,
    )


__all__ = ["DEFAULT_FOLDER", "SECTION_TITLES", "TourReport", "run_tour"]
