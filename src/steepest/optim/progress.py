"""A progress bar for training, on stderr, shown only where someone can watch it.

``verbose=None`` shows the bar when stderr is a terminal (so it stays out of
logs, pipes and test runs), ``True`` always, ``False`` never.  The bar uses
rich when it can and a plain one-line bar otherwise.

>>> bar = TrainingProgress(total=3, verbose=False)
>>> bar.update(1, loss=0.5)
>>> bar.close()
>>> bar.enabled
False
"""

from __future__ import annotations

import sys
from typing import Any, TextIO


def wants_progress(verbose: bool | None, stream: TextIO | None = None) -> bool:
    """Whether to draw a bar: ``verbose`` if given, else whether the stream is a terminal.

    >>> wants_progress(True), wants_progress(False)
    (True, False)
    """
    if verbose is not None:
        return bool(verbose)
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class TrainingProgress:
    """Epochs done out of ``total``, with the latest loss (and validation score)."""

    def __init__(self, total: int, verbose: bool | None = None, description: str = "training"):
        self.total = int(total)
        self.enabled = wants_progress(verbose)
        self.description = description
        self._rich: Any = None
        self._task: Any = None
        self._plain_width = 0
        if not self.enabled:
            return
        try:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
        except ImportError:  # pragma: no cover - rich is a dependency; plain bar as a fallback
            return
        self._rich = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self._task = self._rich.add_task(description, total=self.total, status="")
        self._rich.start()

    def update(self, epoch: int, loss: float, score: float | None = None) -> None:
        """Record that ``epoch`` epochs are done and the loss is ``loss``."""
        if not self.enabled:
            return
        status = f"loss {loss:.4g}" + (f"  validation {score:.4g}" if score is not None else "")
        if self._rich is not None:
            self._rich.update(self._task, completed=epoch, status=status)
            return
        width = 30
        filled = int(width * epoch / max(self.total, 1))
        line = (
            f"\r{self.description} [{'#' * filled}{'.' * (width - filled)}] "
            f"{epoch}/{self.total} {status}"
        )
        self._plain_width = max(self._plain_width, len(line))
        sys.stderr.write(line.ljust(self._plain_width))
        sys.stderr.flush()

    def __enter__(self) -> TrainingProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Finish the bar (stops rich's refresh; ends the plain bar's line)."""
        if not self.enabled:
            return
        if self._rich is not None:
            self._rich.stop()
        elif self._plain_width:
            sys.stderr.write("\n")
            sys.stderr.flush()


__all__ = ["TrainingProgress", "wants_progress"]
