"""A shared look for steepest's pictures: colorblind-safe colors, readable labels.

The Okabe-Ito palette stays distinguishable for the common forms of color
blindness and in grayscale print.  Figures are built without pyplot
(:func:`new_figure`), so nothing opens a window and no global backend is
switched; save them with ``fig.savefig("out.png")``.

>>> fig, ax = new_figure()
>>> type(fig).__name__, len(PALETTE)
('Figure', 8)
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

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

GRID_COLOR = "#d0d0d0"
TEXT_COLOR = "#333333"


def new_figure(width: float = 7.0, height: float = 4.5, dpi: int = 100) -> tuple[Figure, Axes]:
    """A Figure with one styled Axes, attached to the Agg canvas (no pyplot, no window)."""
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    style_axes(ax)
    return fig, ax


def style_axes(ax: Axes) -> Axes:
    """Light grid behind the data, no top/right frame, readable tick labels."""
    ax.set_axisbelow(True)
    ax.grid(True, which="major", color=GRID_COLOR, linewidth=0.8)
    ax.grid(True, which="minor", color=GRID_COLOR, linewidth=0.4, alpha=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=10, colors=TEXT_COLOR)
    ax.xaxis.label.set_color(TEXT_COLOR)
    ax.yaxis.label.set_color(TEXT_COLOR)
    return ax


def figure_for(ax: Axes | None, width: float = 7.0, height: float = 4.5) -> tuple[Figure, Axes]:
    """The given Axes and its Figure, or a new styled pair."""
    if ax is None:
        return new_figure(width, height)
    style_axes(ax)
    return ax.figure, ax  # type: ignore[return-value]


__all__ = ["OKABE_ITO", "PALETTE", "figure_for", "new_figure", "style_axes"]
