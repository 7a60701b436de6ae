"""A shared look for steepest's pictures: colorblind-safe colors, math in labels, slide-size text.

The Okabe-Ito palette stays distinguishable for the common forms of color
blindness and in grayscale print; filled contours and surfaces use viridis,
which is perceptually uniform and colorblind-safe as well.  Math in titles
and labels is typeset by matplotlib's own mathtext in Computer Modern (no
TeX installation needed).  Figures are built without pyplot
(:func:`new_figure`), so nothing opens a window and no global backend or
setting is changed: the style is applied only while a figure is being drawn
(:func:`plot_style`).

>>> fig, ax = new_figure()
>>> type(fig).__name__, len(PALETTE)
('Figure', 8)
>>> math_text("x^{2} - 4 x + 4")
'$x^{2} - 4 x + 4$'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import matplotlib as mpl
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from steepest.errors import SteepestError

#: Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "black": "#000000",
}

#: Colors in the order series should use them (yellow last: weak on white).
PALETTE: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish green"],
    OKABE_ITO["reddish purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky blue"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)

#: The roles colors play in every picture, so a reader learns them once.
CURVE = OKABE_ITO["blue"]  # the function itself
TANGENT = OKABE_ITO["vermillion"]  # tangent lines and planes, gradients
PATH = OKABE_ITO["vermillion"]  # a descent path
POINT = OKABE_ITO["black"]  # the current point
STEP = OKABE_ITO["bluish green"]  # the next point, one step later
HIGHLIGHT = OKABE_ITO["orange"]  # data, chords, secondary marks
CMAP = "viridis"

GRID_COLOR = "#d0d0d0"
TEXT_COLOR = "#333333"

#: Settings in force while a figure is drawn: readable on a slide at 7 x 4.5 inches.
RC_PARAMS: dict[str, Any] = {
    "font.size": 12,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.framealpha": 0.9,
    "legend.edgecolor": "#cccccc",
    "figure.titlesize": 15,
    "mathtext.fontset": "cm",
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "axes.titlepad": 8,
    "lines.linewidth": 2.2,
    "lines.markersize": 7,
    "image.cmap": CMAP,
    "axes.unicode_minus": True,
}

_F = TypeVar("_F", bound=Callable[..., Any])


@contextmanager
def plot_style() -> Iterator[None]:
    """Apply steepest's settings (fonts, palette, mathtext) inside a ``with`` block only.

    >>> import matplotlib as mpl
    >>> with plot_style():
    ...     mpl.rcParams["mathtext.fontset"]
    'cm'
    """
    with mpl.rc_context(RC_PARAMS):
        yield


def styled(function: _F) -> _F:
    """Decorator: run a picture-making function under :func:`plot_style`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with plot_style():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(width: float = 7.0, height: float = 4.5, dpi: int = 100) -> tuple[Figure, Axes]:
    """A Figure with one styled Axes, attached to the Agg canvas (no pyplot, no window)."""
    with plot_style():
        fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        style_axes(ax)
    return fig, ax


def new_grid(
    nrows: int,
    ncols: int,
    *,
    width: float | None = None,
    height: float | None = None,
    dpi: int = 100,
    sharex: bool = False,
    sharey: bool = False,
) -> tuple[Figure, list[Axes]]:
    """A Figure with ``nrows * ncols`` styled Axes (a flat list, row by row).

    >>> fig, axes = new_grid(1, 3)
    >>> len(axes)
    3
    """
    width = width if width is not None else min(4.0 * ncols + 1.0, 16.0)
    height = height if height is not None else 3.8 * nrows + 0.6
    with plot_style():
        fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        grid = fig.subplots(nrows, ncols, squeeze=False, sharex=sharex, sharey=sharey)
        axes = [ax for row in grid for ax in row]
        for ax in axes:
            style_axes(ax)
    return fig, axes


def style_axes(ax: Axes) -> Axes:
    """Light grid behind the data, no top/right frame, readable tick labels."""
    ax.set_axisbelow(True)
    ax.grid(True, which="major", color=GRID_COLOR, linewidth=0.8)
    ax.grid(True, which="minor", color=GRID_COLOR, linewidth=0.4, alpha=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=TEXT_COLOR)
    ax.xaxis.label.set_color(TEXT_COLOR)
    ax.yaxis.label.set_color(TEXT_COLOR)
    return ax


def figure_for(ax: Axes | None, width: float = 7.0, height: float = 4.5) -> tuple[Figure, Axes]:
    """The given Axes and its Figure, or a new styled pair."""
    if ax is None:
        return new_figure(width, height)
    style_axes(ax)
    return ax.figure, ax  # type: ignore[return-value]


@functools.lru_cache(maxsize=512)
def _mathtext_ok(text: str) -> bool:
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(text)
    except (ValueError, RuntimeError):
        return False
    return True


def math_text(latex: str, fallback: str | None = None) -> str:
    """``latex`` wrapped in ``$...$`` when mathtext can typeset it, else ``fallback``.

    mathtext covers most of LaTeX's math mode but not all of it (no
    ``cases`` environment, for instance); the fallback keeps a label
    readable instead of failing when the figure is drawn.

    >>> math_text(r"\\frac{1}{x}")
    '$\\\\frac{1}{x}$'
    >>> math_text(r"\\begin{cases} 1 \\end{cases}", fallback="piecewise")
    'piecewise'
    """
    wrapped = f"${latex}$"
    if _mathtext_ok(wrapped):
        return wrapped
    return fallback if fallback is not None else latex


FORMATS = ("png", "svg", "pdf", "gif")


def save(fig: Figure, path: str | Path, *, dpi: int | None = None) -> Path:
    """Write ``fig`` as PNG, SVG, PDF or (a single frame) GIF, chosen by the file's extension.

    >>> import tempfile, pathlib
    >>> fig, ax = new_figure(3, 2)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(fig, pathlib.Path(folder) / "out.svg").suffix
    '.svg'
    """
    target = Path(path)
    extension = target.suffix.lower().lstrip(".")
    if extension not in FORMATS:
        raise SteepestError(
            f"cannot tell the picture format from {str(path)!r}: "
            f"end the file name with one of {', '.join('.' + f for f in FORMATS)}"
        )
    try:
        if extension == "gif":
            from PIL import Image

            canvas = FigureCanvasAgg(fig)
            if dpi is not None:
                fig.set_dpi(dpi)
            canvas.draw()
            image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
            image.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE).save(target)
        else:
            fig.savefig(target, dpi=dpi if dpi is not None else "figure")
    except OSError as exc:
        raise SteepestError(
            f"cannot write the picture to {str(path)!r}: {exc.strerror or exc}"
        ) from None
    return target


__all__ = [
    "CMAP",
    "CURVE",
    "FORMATS",
    "GRID_COLOR",
    "HIGHLIGHT",
    "OKABE_ITO",
    "PALETTE",
    "PATH",
    "POINT",
    "RC_PARAMS",
    "STEP",
    "TANGENT",
    "TEXT_COLOR",
    "figure_for",
    "math_text",
    "new_figure",
    "new_grid",
    "plot_style",
    "save",
    "style_axes",
    "styled",
]
