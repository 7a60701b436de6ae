"""What every interactive panel shares: its widgets, its pictures, its status line.

A panel is a set of ipywidgets controls and the pictures they drive.  The
pictures are matplotlib figures drawn by :mod:`steepest.plot` and shown as
PNG in ``ipywidgets.Image`` widgets, so a panel needs no matplotlib backend
of its own and works in any Jupyter frontend (and in a notebook executed
without one).  Every change of a control recomputes with steepest and
redraws; a problem (a step that diverges, a point where the function is
undefined) is said in the status line, never as a traceback.

ipywidgets is imported only when a panel is made: importing
:mod:`steepest.interact` costs nothing without it.

>>> widgets_missing_message()
"steepest.interact needs ipywidgets: pip install 'steepest[notebook]'"
"""

from __future__ import annotations

import html
import importlib.util
import io
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from steepest.errors import SteepestError

FIGURE_DPI = 72


def widgets_missing_message() -> str:
    """The one sentence said when ipywidgets is not installed."""
    return "steepest.interact needs ipywidgets: pip install 'steepest[notebook]'"


def require_widgets() -> Any:
    """The ``ipywidgets`` module, or a :class:`SteepestError` saying how to install it.

    >>> require_widgets().__name__
    'ipywidgets'
    """
    if importlib.util.find_spec("ipywidgets") is None:
        raise SteepestError(widgets_missing_message())
    import ipywidgets

    return ipywidgets


def plotly_widgets_available() -> bool:
    """Whether plotly's ``FigureWidget`` (plotly with anywidget) can be used for clicking.

    >>> isinstance(plotly_widgets_available(), bool)
    True
    """
    return all(importlib.util.find_spec(name) is not None for name in ("plotly", "anywidget"))


def png(fig: Any, dpi: int = FIGURE_DPI) -> bytes:
    """A matplotlib figure as PNG bytes (what an ``ipywidgets.Image`` shows).

    >>> from steepest.plot import new_figure
    >>> fig, ax = new_figure(2, 2)
    >>> png(fig)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def parse_rates(text: str) -> list[float]:
    """Learning rates typed as ``"0.1, 0.4, 0.9"``: positive numbers, at most 8.

    >>> parse_rates("0.1, 0.4 0.9; 1.1")
    [0.1, 0.4, 0.9, 1.1]
    >>> parse_rates("0.1, fast")
    Traceback (most recent call last):
    ...
    steepest.errors.SteepestError: 'fast' is not a learning rate: type positive numbers ...
    """
    pieces = [p for p in text.replace(",", " ").replace(";", " ").split() if p]
    if not pieces:
        raise SteepestError("type one or more learning rates, such as 0.1, 0.4, 0.9")
    rates = []
    for piece in pieces:
        try:
            rate = float(piece)
        except ValueError:
            raise SteepestError(
                f"{piece!r} is not a learning rate: type positive numbers such as 0.1, 0.4"
            ) from None
        if not (np.isfinite(rate) and rate > 0):
            raise SteepestError(f"a learning rate must be a positive number, not {piece}")
        rates.append(rate)
    if len(rates) > 8:
        raise SteepestError("at most 8 learning rates at once: the panels get too small")
    return rates


def point_text(point: Any) -> str:
    """A point for the status line: ``1.6`` or ``(0.50567, 0.604675)``.

    >>> point_text(1.6), point_text([0.5056700001, 0.6046750002])
    ('1.6', '(0.50567, 0.604675)')
    """
    values = np.atleast_1d(np.asarray(point, dtype=float))
    shown = [f"{v:.6g}" for v in values]
    return shown[0] if len(shown) == 1 else f"({', '.join(shown)})"


class Panel(ABC):
    """Controls, pictures and a status line, displayed as one ipywidgets box.

    ``widgets`` maps each control's name to its widget (set ``.value`` to
    drive the panel from code, as a test or a slide does); ``figures`` maps
    each picture's name to the matplotlib Figure last drawn; ``images``
    holds the ``ipywidgets.Image`` showing each; ``status`` is the line
    under the pictures (``status.value`` is HTML).  Displaying the panel in
    Jupyter shows ``view``.
    """

    def __init__(self) -> None:
        self.ipywidgets = require_widgets()
        self.widgets: dict[str, Any] = {}
        self.figures: dict[str, Any] = {}
        self.images: dict[str, Any] = {}
        self.status = self.ipywidgets.HTML(value="")
        self.error: str | None = None
        self.view: Any = None
        self._quiet = False

    # -- building ----------------------------------------------------------------------------
    def control(self, name: str, widget: Any) -> Any:
        """Register a control: any change of its value recomputes the panel."""
        self.widgets[name] = widget
        widget.observe(self._changed, names="value")
        return widget

    def image(self, name: str, width: str = "auto") -> Any:
        """An empty ``Image`` widget that will show the figure called ``name``."""
        widget = self.ipywidgets.Image(format="png", layout=self.ipywidgets.Layout(width=width))
        self.images[name] = widget
        return widget

    def show(self, name: str, fig: Any) -> None:
        """Keep ``fig`` as the picture called ``name`` and put it in its image widget."""
        self.figures[name] = fig
        if name in self.images:
            self.images[name].value = png(fig)

    def say(self, text: str, problem: bool = False) -> None:
        """Write the status line (a problem is kept in ``error`` and shown in red)."""
        self.error = text if problem else None
        color = "#b3261e" if problem else "inherit"
        self.status.value = f'<span style="color: {color}">{html.escape(text)}</span>'

    def float_boxes(self, names: Sequence[str], values: Sequence[float], prefix: str) -> list[Any]:
        """One ``FloatText`` per coordinate, registered as ``{prefix}{name}``."""
        boxes = []
        for name, value in zip(names, values, strict=True):
            box = self.ipywidgets.FloatText(
                value=float(value),
                description=f"{prefix}{name}",
                layout=self.ipywidgets.Layout(width="150px"),
                style={"description_width": "initial"},
            )
            boxes.append(self.control(f"{prefix}{name}", box))
        return boxes

    # -- running ---------------------------------------------------------------------------
    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Change several controls at once without recomputing in between."""
        before, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = before

    def _changed(self, change: Any) -> None:
        if not self._quiet:
            self.update()

    def update(self) -> None:
        """Recompute and redraw from the controls' values; a problem goes to the status line."""
        self.guarded(self.redraw)

    def guarded(self, work: Callable[[], None]) -> bool:
        """Run ``work``; say a problem in the status line instead of raising. True if it ran."""
        try:
            work()
        except SteepestError as error:
            self.say(str(error), problem=True)
            return False
        except (ArithmeticError, ValueError, TypeError) as error:
            self.say(f"steepest could not compute this: {error}", problem=True)
            return False
        return True

    @abstractmethod
    def redraw(self) -> None:
        """Compute from the controls and draw (each panel defines it)."""

    # -- display ---------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.view._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        controls = ", ".join(f"{k}={getattr(w, 'value', None)!r}" for k, w in self.widgets.items())
        return f"{type(self).__name__}({controls})"


__all__ = [
    "Panel",
    "check_range",
    "parse_rates",
    "plotly_widgets_available",
    "png",
    "point_text",
    "require_widgets",
    "widgets_missing_message",
]


def check_range(given: Any) -> tuple[float, float]:
    """A range given as two finite numbers, low < high, or one sentence saying what is wrong.

    >>> check_range([-1, 2])
    (-1.0, 2.0)
    """
    try:
        low, high = (float(v) for v in given)
    except (TypeError, ValueError):
        raise SteepestError(
            f"a range must be two finite numbers, low < high, not {given!r}"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise SteepestError(f"a range must be two finite numbers, low < high, not {given!r}")
    return low, high
