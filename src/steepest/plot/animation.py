"""Gradient descent as a moving picture: one GIF frame per iteration.

>>> import tempfile, pathlib
>>> import steepest as st
>>> from PIL import Image
>>> res = st.minimize("x^2 - 4x + 4", 0.0, lr=0.4, max_iter=5)
>>> with tempfile.TemporaryDirectory() as folder:
...     path = animate(res, "x^2 - 4x + 4", pathlib.Path(folder) / "descent.gif")
...     Image.open(path).n_frames
6
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from steepest.errors import SteepestError
from steepest.plot._base import Drawable, FunctionLike, as_range, padded, path_of
from steepest.plot.landscape import contour_panel
from steepest.plot.style import CURVE, PATH, POINT, TEXT_COLOR, new_figure, plot_style

DEFAULT_MAX_FRAMES = 60


def frame_indices(count: int, max_frames: int = DEFAULT_MAX_FRAMES) -> np.ndarray:
    """Which iterates become frames: all, or ``max_frames`` spread evenly (first and last kept).

    >>> frame_indices(5).tolist()
    [0, 1, 2, 3, 4]
    >>> frame_indices(1001, 5).tolist()
    [0, 250, 500, 750, 1000]
    """
    if max_frames < 2:
        raise SteepestError("an animation needs at least 2 frames (max_frames >= 2)")
    if count <= max_frames:
        return np.arange(count)
    return np.unique(np.round(np.linspace(0, count - 1, max_frames)).astype(int))


def animate(
    result: Any,
    f: FunctionLike,
    path: str | Path,
    *,
    max_frames: int = DEFAULT_MAX_FRAMES,
    frame_ms: int = 400,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    dpi: int = 80,
) -> Path:
    """Write a GIF of a descent run: the path grows one iterate per frame.

    ``result`` is a run of :func:`steepest.minimize` (or an array of
    iterates) and ``f`` its function (expression, ``steepest.Function`` or
    NumPy code).  One parameter: the point rolls along the curve; two: the
    path grows over filled contours.  Each iteration is a frame, up to
    ``max_frames`` (longer runs are sampled evenly, keeping the first and
    the last); each frame shows ``frame_ms`` milliseconds, the last one
    three times as long.  Returns the path of the GIF.
    """
    target = Path(path)
    if target.suffix.lower() != ".gif":
        raise SteepestError(
            f"an animation is written as a GIF: name the file *.gif, not {target.name!r}"
        )
    points = path_of(result)
    if len(points) == 0:
        raise SteepestError("the run has no finite iterates to animate")
    n = 1 if points.ndim == 1 else points.shape[1]
    if n > 2:
        raise SteepestError("animate draws runs of one or two parameters")
    drawable = Drawable(f, n)
    history = getattr(result, "history", None)
    iterations = (
        np.asarray(history.iteration)[: len(points)]
        if history is not None
        else np.arange(len(points))
    )
    chosen = frame_indices(len(points), max_frames)
    frames = _render(drawable, points, iterations, chosen, xlim, ylim, dpi, result)
    durations = [frame_ms] * (len(frames) - 1) + [frame_ms * 3]
    try:
        frames[0].save(
            target,
            save_all=True,
            append_images=frames[1:],
            duration=durations,
            loop=0,
            optimize=False,
            disposal=1,
        )
    except OSError as exc:
        raise SteepestError(f"cannot write the animation to {str(target)!r}: {exc}") from None
    return target


def _render(
    drawable: Drawable,
    points: np.ndarray,
    iterations: np.ndarray,
    chosen: np.ndarray,
    xlim: Any,
    ylim: Any,
    dpi: int,
    result: Any,
) -> list[Any]:
    from PIL import Image

    with plot_style():
        fig, ax = new_figure(6.4, 4.8, dpi=dpi)
        if points.ndim == 1:
            low, high = as_range(xlim, "xlim") if xlim is not None else padded(points, 0.3)
            xs = np.linspace(low, high, 300)
            ax.plot(xs, drawable.values(xs), color=CURVE, zorder=1)
            heights = drawable.values(points)
            trail = ax.plot([], [], "o-", color=PATH, markersize=5, linewidth=1.0, alpha=0.6)[0]
            current = ax.plot([], [], "o", color=POINT, markersize=11, zorder=5)[0]
            ax.set_xlim(low, high)
            ax.set_xlabel(drawable.axis_names()[0])
            ax.set_ylabel(f"${drawable.name}$")
        else:
            contour_panel(
                ax,
                drawable,
                [],
                xlim=xlim if xlim is not None else padded(points[:, 0], 0.3),
                ylim=ylim if ylim is not None else padded(points[:, 1], 0.3),
                fig=fig,
            )
            heights = drawable.values(points[:, 0], points[:, 1])
            trail = ax.plot([], [], ".-", color=PATH, markersize=5, linewidth=1.6, zorder=4)[0]
            current = ax.plot(
                [], [], "o", color="white", markeredgecolor="black", markersize=10, zorder=5
            )[0]
        label = ax.text(
            0.02,
            0.97,
            "",
            transform=ax.transAxes,
            ha="left",
            va="top",
            color=TEXT_COLOR,
            fontsize=11,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )
        method = getattr(result, "method", "descent")
        ax.set_title(f"{method}: " + drawable.label())
        canvas = FigureCanvasAgg(fig)
        moving = (trail, current, label)
        for artist in moving:
            artist.set_animated(True)
        # Draw what stays the same once; each frame restores it and draws only what moves.
        canvas.draw()
        background = canvas.copy_from_bbox(fig.bbox)
        frames = []
        for index in chosen:
            shown = points[: index + 1]
            if points.ndim == 1:
                trail.set_data(shown, heights[: index + 1])
                current.set_data([points[index]], [heights[index]])
                where = f"{drawable.variables[0]} = {points[index]:.6g}"
            else:
                trail.set_data(shown[:, 0], shown[:, 1])
                current.set_data([points[index, 0]], [points[index, 1]])
                where = f"({points[index, 0]:.4g}, {points[index, 1]:.4g})"
            label.set_text(f"iteration {int(iterations[index])}: {where}, f = {heights[index]:.6g}")
            canvas.restore_region(background)
            for artist in moving:
                fig.draw_artist(artist)
            image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
            frames.append(image.convert("RGB"))
    # One palette for every frame keeps unchanged pixels identical, so the GIF stores
    # only what changed from one frame to the next; the last frame has every color.
    palette = frames[-1].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    return [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]


__all__ = ["DEFAULT_MAX_FRAMES", "animate", "frame_indices"]
