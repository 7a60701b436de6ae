"""Pictures of functions of two variables and of descent across them.

:func:`contour` (filled contours, descent paths, the gradient at the current
point, the minima), :func:`surface` (3D, with a tangent plane and a path),
:func:`gradient_field` (arrows of the gradient), :func:`learning_rates`
(small multiples from the same start) and :func:`compare` (several runs on
one picture, with their loss per iteration).

Artists carry a ``gid`` so that readers and tests can find them:
``"path:<label>"`` (one point per iterate), ``"start:<label>"``,
``"end:<label>"``, ``"arrow"``, ``"minimum"``, ``"field"``,
``"tangent:x"`` / ``"tangent:y"`` and ``"plane"``.

>>> import steepest as st
>>> res = st.minimize("x^2 + 3 y^2", [2.0, 1.0], lr=0.1, max_iter=10)
>>> fig = contour("x^2 + 3 y^2", res)
>>> path = next(l for l in fig.axes[0].lines if l.get_gid().startswith("path:"))
>>> len(path.get_xdata()) == len(res.history)
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from steepest.errors import SteepestError
from steepest.plot._base import (
    Drawable,
    FunctionLike,
    as_range,
    named_runs,
    padded,
    path_of,
    robust_limits,
)
from steepest.plot.style import (
    CMAP,
    CURVE,
    OKABE_ITO,
    POINT,
    TANGENT,
    TEXT_COLOR,
    figure_for,
    new_grid,
    plot_style,
    styled,
)

#: Colors of paths drawn over viridis contours: warm and dark ones stand out on it.
PATH_COLORS: tuple[str, ...] = (
    OKABE_ITO["vermillion"],
    OKABE_ITO["sky blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["reddish purple"],
    OKABE_ITO["bluish green"],
    OKABE_ITO["black"],
)

_OUTLINE = [patheffects.withStroke(linewidth=3.6, foreground="black", alpha=0.55)]


def mesh(
    drawable: Drawable, xlim: tuple[float, float], ylim: tuple[float, float], resolution: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X, Y and f(X, Y) on a ``resolution`` x ``resolution`` grid."""
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    return grid_x, grid_y, drawable.values(grid_x, grid_y)


def _window(
    paths: Sequence[np.ndarray],
    xlim: Any,
    ylim: Any,
    points: Sequence[Sequence[float]] = (),
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis ranges: as given, else the paths and points with a margin, else (-3, 3)."""
    every = [p.reshape(-1, 2) for p in paths if p.size] + [
        np.asarray(points, dtype=float).reshape(-1, 2)
    ]
    stacked = np.concatenate(every) if every else np.empty((0, 2))
    ranges = []
    for axis, (given, name) in enumerate(((xlim, "xlim"), (ylim, "ylim"))):
        if given is not None:
            ranges.append(as_range(given, name))
        elif stacked.size:
            ranges.append(padded(stacked[:, axis], 0.3))
        else:
            ranges.append((-3.0, 3.0))
    return ranges[0], ranges[1]


def _levels(values: np.ndarray, count: int) -> np.ndarray | int:
    """About ``count`` contour levels at round numbers, ignoring a few extreme values."""
    from matplotlib.ticker import MaxNLocator

    limits = robust_limits(values, padding=0.0)
    if limits is None or not limits[0] < limits[1]:
        return count
    return MaxNLocator(count + 1).tick_values(*limits)


MAX_CANDIDATES = 12


def find_minima(
    drawable: Drawable, xlim: tuple[float, float], ylim: tuple[float, float], resolution: int = 60
) -> list[np.ndarray]:
    """Local minima inside the box: strict minima of a grid, polished by Newton's method.

    Newton's method uses the exact Hessian of an expression (or automatic
    differentiation for Python code); a candidate is kept when Newton
    converges inside the box to a point no higher than where it started.

    >>> [p.round(6).tolist() for p in find_minima(Drawable("(x-1)^2 + (y+2)^2"), (-3, 3), (-3, 3))]
    [[1.0, -2.0]]
    """
    import steepest as st

    grid_x, grid_y, values = mesh(drawable, xlim, ylim, resolution)
    inner = values[1:-1, 1:-1]
    # A cell no higher than its eight neighbours and lower than one of them: ties are
    # allowed because a symmetric grid puts two cells at the same height beside a minimum.
    is_min = np.isfinite(inner)
    lower_than_one = np.zeros_like(is_min)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dx == 0 and dy == 0:
                continue
            neighbour = values[1 + dy : values.shape[0] - 1 + dy, 1 + dx : values.shape[1] - 1 + dx]
            neighbour = np.where(np.isfinite(neighbour), neighbour, np.inf)
            is_min &= inner <= neighbour
            lower_than_one |= inner < neighbour
    is_min &= lower_than_one
    rows, cols = np.nonzero(is_min)
    # The lowest few candidates suffice; a plateau would otherwise offer hundreds.
    order = np.argsort(inner[rows, cols])[:MAX_CANDIDATES]
    rows, cols = rows[order], cols[order]
    found: list[np.ndarray] = []
    width = max(xlim[1] - xlim[0], ylim[1] - ylim[0])
    for r, c in zip(rows + 1, cols + 1):
        start = np.array([grid_x[r, c], grid_y[r, c]])
        try:
            run = st.minimize(
                drawable.symbolic or drawable.original,
                start,
                method="newton",
                max_iter=50,
                tol=1e-12,
                record=False,
            )
        except (SteepestError, ArithmeticError, ValueError):
            continue
        point = np.asarray(run.x, dtype=float)
        inside = xlim[0] <= point[0] <= xlim[1] and ylim[0] <= point[1] <= ylim[1]
        if not (inside and np.all(np.isfinite(point)) and run.fun <= values[r, c] + 1e-12):
            continue
        if all(np.linalg.norm(point - q) > 1e-6 * width for q in found):
            found.append(point)
    return found


def _draw_paths(
    ax: Axes, drawable: Drawable, runs: list[tuple[str, Any]], points: list[np.ndarray]
) -> None:
    for index, ((label, _), path) in enumerate(zip(runs, points)):
        color = PATH_COLORS[index % len(PATH_COLORS)]
        if path.ndim != 2 or path.shape[1] != 2:
            raise SteepestError("a path over contours needs points with two coordinates")
        many = len(path) > 60
        ax.plot(
            path[:, 0],
            path[:, 1],
            "-" if many else ".-",
            color=color,
            linewidth=1.8,
            markersize=6,
            gid=f"path:{label}",
            label=label,
            zorder=4,
            path_effects=_OUTLINE,
        )
        ax.plot(
            path[0, 0],
            path[0, 1],
            "o",
            markersize=10,
            markerfacecolor="white",
            markeredgecolor="black",
            markeredgewidth=1.5,
            gid=f"start:{label}",
            zorder=5,
        )
        ax.plot(
            path[-1, 0],
            path[-1, 1],
            "*",
            markersize=17,
            color=color,
            markeredgecolor="black",
            markeredgewidth=1.0,
            gid=f"end:{label}",
            zorder=6,
        )


def _gradient_arrow(
    ax: Axes,
    drawable: Drawable,
    point: np.ndarray,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    grid: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """The descent direction -grad f at ``point``, and the level curve through it."""
    gradient = drawable.gradient(point)
    norm = float(np.linalg.norm(gradient))
    if not math.isfinite(norm) or norm == 0:
        return
    # Scale to a fixed fraction of the view so the arrow reads at any gradient size;
    # its true length is in the label.
    span = np.array([xlim[1] - xlim[0], ylim[1] - ylim[0]])
    direction = -gradient / norm
    length = 0.18 * float(np.linalg.norm(span)) / math.sqrt(2)
    tip = point + direction * length
    ax.annotate(
        "",
        xy=(tip[0], tip[1]),
        xytext=(point[0], point[1]),
        zorder=7,
        gid="arrow",
        arrowprops={
            "arrowstyle": "-|>,head_length=0.8,head_width=0.4",
            "color": "white",
            "linewidth": 2.6,
            "shrinkA": 0,
            "shrinkB": 0,
        },
    )
    grid_x, grid_y, values = grid
    level = drawable(*point)
    if math.isfinite(level) and np.nanmin(values) < level < np.nanmax(values):
        ax.contour(
            grid_x,
            grid_y,
            values,
            levels=[level],
            colors="white",
            linewidths=1.2,
            linestyles="--",
            zorder=3,
        )
    text = (
        rf"$-\nabla {drawable.name}({point[0]:.3g}, {point[1]:.3g})$"
        + "\n"
        + f"= ({-gradient[0]:.3g}, {-gradient[1]:.3g})"
    )
    ax.text(
        tip[0],
        tip[1],
        text,
        color="black",
        fontsize=10,
        zorder=8,
        ha="left" if direction[0] >= 0 else "right",
        va="bottom" if direction[1] >= 0 else "top",
        bbox={
            "boxstyle": "round,pad=0.25",
            "facecolor": "white",
            "alpha": 0.85,
            "edgecolor": "none",
        },
    )


def contour_panel(
    ax: Axes,
    drawable: Drawable,
    runs: list[tuple[str, Any]],
    *,
    xlim: Any,
    ylim: Any,
    fig: Figure,
    levels: int = 16,
    resolution: int = 100,
    arrow_at: Any = None,
    minima: Any = False,
    colorbar: bool = True,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Filled contours of a function of two variables on ``ax``, with runs, minima and arrows.

    The panel :func:`contour`, :func:`compare` and the animation share.
    Returns the x and y ranges it shows.

    >>> from steepest.plot.style import new_figure
    >>> fig, ax = new_figure(4, 4)
    >>> contour_panel(ax, Drawable("x^2 + y^2", 2), [], xlim=(-1, 1), ylim=(-2, 2), fig=fig,
    ...               levels=5, resolution=20, colorbar=False)
    ((-1.0, 1.0), (-2.0, 2.0))
    """
    points = [path_of(run) for _, run in runs]
    given_minima: list[np.ndarray] = []
    if minima is not None and minima is not True and minima is not False:
        given_minima = [np.asarray(m, dtype=float).reshape(2) for m in minima]
    x_range, y_range = _window(points, xlim, ylim, given_minima)
    grid = mesh(drawable, x_range, y_range, resolution)
    grid_x, grid_y, values = grid
    shown = np.where(np.isfinite(values), values, np.nan)
    filled = ax.contourf(
        grid_x, grid_y, shown, levels=_levels(shown, levels), cmap=CMAP, extend="both", zorder=1
    )
    ax.contour(
        grid_x,
        grid_y,
        shown,
        levels=filled.levels,
        colors="white",
        linewidths=0.4,
        alpha=0.45,
        zorder=2,
    )
    if colorbar:
        bar = fig.colorbar(filled, ax=ax, pad=0.02)
        bar.set_label(
            f"${drawable.name}({', '.join(n.strip('$') for n in drawable.axis_names())})$"
        )
    ax.grid(False)
    if points:
        _draw_paths(ax, drawable, runs, points)
    found = given_minima
    if minima is True:
        found = find_minima(drawable, x_range, y_range)
    for index, point in enumerate(found):
        ax.plot(
            point[0],
            point[1],
            "X",
            markersize=11,
            color="white",
            markeredgecolor="black",
            markeredgewidth=1.2,
            gid="minimum",
            zorder=3.5,
            label=("minimum" if len(found) == 1 else "minima") if index == 0 else None,
        )
    if arrow_at is not None and arrow_at is not False:
        if isinstance(arrow_at, str):
            if not points:
                raise SteepestError("arrow_at='start' or 'end' needs a path")
            if arrow_at not in ("start", "end"):
                raise SteepestError(f"arrow_at must be 'start', 'end' or a point, not {arrow_at!r}")
            at = points[0][0] if arrow_at == "start" else points[0][-1]
        else:
            at = np.asarray(arrow_at, dtype=float).reshape(2)
        _gradient_arrow(ax, drawable, np.asarray(at, dtype=float), x_range, y_range, grid)
    ax.set_xlim(*x_range)
    ax.set_ylim(*y_range)
    # Equal scales keep right angles right: the gradient then looks perpendicular to
    # the level curves, as it is.  Very unequal ranges would flatten the picture instead.
    ratio = (y_range[1] - y_range[0]) / (x_range[1] - x_range[0])
    if 0.5 <= ratio <= 2.0:
        ax.set_aspect("equal", adjustable="box")
    names = drawable.axis_names()
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    if runs or found:
        ax.legend(loc="best", fontsize=10)
    return x_range, y_range


@styled
def contour(
    f: FunctionLike,
    paths: Any = None,
    *,
    labels: Sequence[str] | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    levels: int = 20,
    resolution: int = 150,
    arrow_at: Any = "start",
    minima: Any = True,
    colorbar: bool = True,
    variables: Sequence[str] | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Filled contours of ``f(x, y)`` with descent paths, the gradient, and the minima.

    ``paths`` is one run (a :class:`~steepest.optim.OptimizeResult` or an
    array of points), a list of them, or a mapping label -> run; each path
    is drawn with one point per iterate, a circle at its start and a star at
    its end.  ``arrow_at`` (``"start"``, ``"end"``, a point, or None) draws
    the descent direction -grad f there with the level curve through that
    point, so one sees the gradient cross the contours at right angles.
    ``minima=True`` finds and marks the local minima in view (a list of
    points marks those instead; False marks none).  ``variables`` names the
    two coordinates of a Python function (``("m", "b")``) on the axes.

    >>> fig = contour("85 - x^2 (x-6) y^2 (y-6)/90", xlim=(0, 6), ylim=(0, 6), arrow_at=(1, 1))
    >>> marks = [l for l in fig.axes[0].lines if l.get_gid() == "minimum"]
    >>> [(round(float(m.get_xdata()[0]), 6), round(float(m.get_ydata()[0]), 6)) for m in marks]
    [(4.0, 4.0)]
    """
    drawable = Drawable(f, 2, variables=variables)
    runs = named_runs(paths, labels)
    fig, ax = figure_for(ax, 7.0, 5.4)
    contour_panel(
        ax,
        drawable,
        runs,
        xlim=xlim,
        ylim=ylim,
        levels=levels,
        resolution=resolution,
        arrow_at=arrow_at if runs or not isinstance(arrow_at, str) else None,
        minima=minima,
        colorbar=colorbar,
        fig=fig,
    )
    ax.set_title(title if title is not None else drawable.label())
    return fig


# -- 3D surface ------------------------------------------------------------------------------------


def _axes_3d(ax: Axes | None, width: float = 7.5, height: float = 5.8) -> tuple[Figure, Any]:
    if ax is not None:
        if getattr(ax, "name", "") != "3d":
            raise SteepestError("surface needs a 3D Axes (projection='3d')")
        return ax.figure, ax  # type: ignore[return-value]
    with plot_style():
        fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        ax3d = fig.add_subplot(projection="3d")
    return fig, ax3d


@styled
def surface(
    f: FunctionLike,
    *,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    tangent_at: Sequence[float] | None = None,
    path: Any = None,
    resolution: int = 50,
    plane_size: float = 0.25,
    elev: float = 28.0,
    azim: float = -58.0,
    title: str | None = None,
    ax: Any = None,
) -> Figure:
    """The surface z = f(x, y) in 3D, with an optional tangent plane and descent path.

    ``tangent_at=(a, b)`` draws the tangent plane z = f(a, b) + f_x (x - a) +
    f_y (y - b) over a square around the point (``plane_size`` of the view
    wide) and, in it, the two tangent lines along x and along y: the plane
    contains both.  ``path`` is a run or an array of points drawn on the surface.

    >>> fig = surface("x^2 + y^2", xlim=(-1, 4), ylim=(-1, 6), tangent_at=(2, 4))
    >>> line = next(l for l in fig.axes[0].lines if l.get_gid() == "tangent:x")
    >>> xs, ys, zs = line.get_data_3d()
    >>> round(float((zs[-1] - zs[0]) / (xs[-1] - xs[0])), 9)
    4.0
    """
    drawable = Drawable(f, 2)
    points = [] if path is None else [path_of(path)]
    extra = [] if tangent_at is None else [np.asarray(tangent_at, dtype=float).reshape(2)]
    x_range, y_range = _window(points, xlim, ylim, extra)
    fig, ax = _axes_3d(ax)
    grid_x, grid_y, values = mesh(drawable, x_range, y_range, resolution)
    limits = robust_limits(values)
    shown = np.where(np.isfinite(values), values, np.nan)
    if limits is not None:
        shown = np.clip(shown, limits[0], limits[1])
    ax.plot_surface(
        grid_x,
        grid_y,
        shown,
        cmap=CMAP,
        alpha=0.78,
        linewidth=0,
        antialiased=True,
        rcount=resolution,
        ccount=resolution,
        zorder=1,
    )
    names = drawable.axis_names()
    if tangent_at is not None:
        half = (
            plane_size * (x_range[1] - x_range[0]) / 2,
            plane_size * (y_range[1] - y_range[0]) / 2,
        )
        _draw_tangent_plane(ax, drawable, tangent_at, half, names)
    if points:
        _draw_path_3d(ax, drawable, points[0])
    ax.view_init(elev=elev, azim=azim)
    ax.set_xlabel(names[0], labelpad=6)
    ax.set_ylabel(names[1], labelpad=6)
    ax.set_zlabel(f"${drawable.name}$", labelpad=6)
    ax.set_xlim(*x_range)
    ax.set_ylim(*y_range)
    if limits is not None:
        ax.set_zlim(*limits)
    if tangent_at is not None or points:
        ax.legend(loc="upper left", fontsize=10)
    ax.set_title(title if title is not None else drawable.label())
    return fig


def _draw_tangent_plane(
    ax: Any, drawable: Drawable, at: Sequence[float], half: tuple[float, float],
    names: Sequence[str],
) -> None:  # fmt: skip
    """The tangent plane over a rectangle around ``at`` and its tangent lines along x and y."""
    a, b = (float(v) for v in np.asarray(at, dtype=float).reshape(2))
    value = drawable(a, b)
    slope_x, slope_y = drawable.gradient([a, b])
    if not all(math.isfinite(v) for v in (value, slope_x, slope_y)):
        raise SteepestError(f"the function has no tangent plane at ({a:g}, {b:g})")
    half_x, half_y = half
    px, py = np.meshgrid(
        np.linspace(a - half_x, a + half_x, 2), np.linspace(b - half_y, b + half_y, 2)
    )
    pz = value + slope_x * (px - a) + slope_y * (py - b)
    ax.plot_surface(px, py, pz, color=TANGENT, alpha=0.6, linewidth=0, gid="plane", zorder=3)
    lx = np.array([a - half_x, a + half_x])
    ax.plot(
        lx,
        [b, b],
        value + slope_x * (lx - a),
        color=TANGENT,
        linewidth=2.6,
        gid="tangent:x",
        zorder=4,
        label=f"slope {slope_x:.4g} along {names[0]}",
    )
    ly = np.array([b - half_y, b + half_y])
    ax.plot(
        [a, a],
        ly,
        value + slope_y * (ly - b),
        color=OKABE_ITO["reddish purple"],
        linewidth=2.6,
        gid="tangent:y",
        zorder=4,
        label=f"slope {slope_y:.4g} along {names[1]}",
    )
    ax.plot([a], [b], [value], "o", color=POINT, markersize=7, gid="point", zorder=5)


def _draw_path_3d(ax: Any, drawable: Drawable, track: np.ndarray) -> None:
    """A descent path on the surface, its start (white dot) and its end (star)."""
    if track.ndim != 2 or track.shape[1] != 2:
        raise SteepestError("a path on a surface needs points with two coordinates")
    heights = drawable.values(track[:, 0], track[:, 1])
    ax.plot(
        track[:, 0],
        track[:, 1],
        heights,
        ".-",
        color=OKABE_ITO["vermillion"],
        markersize=5,
        linewidth=1.8,
        gid="path",
        zorder=6,
        label="descent path",
    )
    mark_ends(ax, track[:, 0], track[:, 1], heights, zorder=7)


# -- gradient field --------------------------------------------------------------------------------


@styled
def gradient_field(
    f: FunctionLike,
    *,
    xlim: tuple[float, float] = (-2.0, 2.0),
    ylim: tuple[float, float] = (-2.0, 2.0),
    density: int = 17,
    contours: bool = True,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Arrows of the gradient of ``f(x, y)`` on a grid, colored by its magnitude.

    Each arrow points uphill, across the level curves (drawn faintly behind
    when ``contours``); its length is proportional to the gradient's norm.

    >>> fig = gradient_field("x e^(-(x^2+y^2))", density=5)
    >>> field = next(c for c in fig.axes[0].collections if c.get_gid() == "field")
    >>> len(field.U)
    25
    """
    drawable = Drawable(f, 2)
    x_range, y_range = as_range(xlim, "xlim"), as_range(ylim, "ylim")
    if density < 2:
        raise SteepestError("density must be at least 2 arrows per side")
    fig, ax = figure_for(ax, 7.0, 5.8)
    if contours:
        grid_x, grid_y, values = mesh(drawable, x_range, y_range, 120)
        ax.contour(
            grid_x,
            grid_y,
            values,
            levels=14,
            colors=TEXT_COLOR,
            linewidths=0.7,
            alpha=0.45,
            zorder=1,
        )
    xs = np.linspace(*x_range, density)
    ys = np.linspace(*y_range, density)
    grid_x, grid_y = np.meshgrid(xs, ys)
    if drawable.symbolic is not None:
        u, v = np.asarray(drawable.symbolic.grad(grid_x, grid_y), dtype=float)
    else:
        gradients = np.array(
            [drawable.gradient([x, y]) for x, y in zip(grid_x.ravel(), grid_y.ravel())]
        )
        u = gradients[:, 0].reshape(grid_x.shape)
        v = gradients[:, 1].reshape(grid_x.shape)
    magnitude = np.hypot(u, v)
    field = ax.quiver(
        grid_x,
        grid_y,
        u,
        v,
        magnitude,
        cmap=CMAP,
        pivot="middle",
        angles="xy",
        width=0.005,
        zorder=2,
        gid="field",
    )
    bar = fig.colorbar(field, ax=ax, pad=0.02)
    bar.set_label(rf"$\|\nabla {drawable.name}\|$")
    ax.set_xlim(*x_range)
    ax.set_ylim(*y_range)
    ax.set_aspect("equal", adjustable="box")
    names = drawable.axis_names()
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(
        title if title is not None else rf"$\nabla {drawable.name}$ for " + drawable.label()
    )
    return fig


# -- learning rates --------------------------------------------------------------------------------


def describe_run(path: np.ndarray, losses: np.ndarray, status: str) -> str:
    """A few words on how a run moved: diverges, overshoots, creeps, or converges quickly.

    The words come from the steps themselves: whether they grow, whether
    successive steps reverse direction, and how fast they shrink.

    >>> describe_run(np.array([0.0, 1.6, 1.92, 1.984]), np.array([4, .16, .0064, .000256]), "")
    'converges quickly'
    >>> describe_run(np.array([0.0, 3.6, 0.72, 3.024]), np.array([4, 2.56, 1.64, 1.05]), "")
    'overshoots back and forth'
    """
    points = path.reshape(len(path), -1)
    steps = np.diff(points, axis=0)
    lengths = np.linalg.norm(steps, axis=1)
    finite = np.isfinite(losses)
    if status == "diverged" or not finite.all() or len(lengths) == 0:
        return "diverges" if status == "diverged" or not finite.all() else "does not move"
    if lengths[0] == 0:
        return "does not move"
    reversals = (
        np.mean([float(np.dot(s, t)) < 0 for s, t in itertools.pairwise(steps)])
        if len(steps) > 1
        else 0.0
    )
    growth = (lengths[-1] / lengths[0]) ** (1 / max(1, len(lengths) - 1))
    if growth >= 1.0 and losses[-1] > losses[0]:
        return "diverges"
    if growth >= 1.0:
        return "overshoots without settling"
    if reversals >= 0.5:
        return "overshoots back and forth"
    if growth > 0.6:
        return "creeps"
    return "converges quickly"


def mark_ends(
    ax: Any, *coordinates: np.ndarray, end_color: str = TANGENT, zorder: float = 4
) -> None:
    """The start of a path as a white dot and its end as a star (in 2D or 3D axes).

    >>> from steepest.plot.style import new_figure
    >>> fig, ax = new_figure(3, 3)
    >>> mark_ends(ax, np.array([0.0, 1.0, 2.0]), np.array([4.0, 1.0, 0.0]))
    >>> [line.get_gid() for line in ax.lines]
    ['start', 'end']
    """
    for index, marker, color, size, gid in ((0, "o", "white", 10, "start"),
                                            (-1, "*", end_color, 15, "end")):  # fmt: skip
        ax.plot(
            *[[np.asarray(c)[index]] for c in coordinates],
            marker,
            color=color,
            markeredgecolor="black",
            markersize=size,
            gid=gid,
            zorder=zorder,
        )


def _rate_panels_1d(
    axes: Any, drawable: Drawable, rates: list[float], runs: list[Any], paths: list[np.ndarray],
    xlim: Any, ylim: Any,
) -> None:  # fmt: skip
    verdicts = [describe_run(p, drawable.values(p), r.status) for p, r in zip(paths, runs)]
    # Runs that settle share one view, so they compare at a glance; a diverging run
    # gets its own, or it would shrink the others to nothing.
    calm = [p for p, v in zip(paths, verdicts) if v != "diverges"] or paths
    shared = as_range(xlim, "xlim") if xlim is not None else padded(np.concatenate(calm), 0.2)
    for ax, rate, path, verdict in zip(axes, rates, paths, verdicts):
        view = shared if verdict != "diverges" or xlim is not None else padded(path, 0.1)
        xs = np.linspace(*view, 300)
        losses = drawable.values(path)
        ax.plot(xs, drawable.values(xs), color=CURVE, zorder=1, gid="curve")
        ax.plot(path, losses, "-", color=TANGENT, linewidth=1.2, alpha=0.7, zorder=2)
        ax.plot(path, losses, "o", color=TANGENT, markersize=6, zorder=3, gid=f"path:{rate:g}")
        mark_ends(ax, path, losses)
        ax.set_xlim(*view)
        if ylim is not None:
            ax.set_ylim(*as_range(ylim, "ylim"))
        ax.set_xlabel(drawable.axis_names()[0])
        ax.set_title(f"$\\alpha = {rate:g}$: {verdict}")
    axes[0].set_ylabel(f"${drawable.name}$")


def _rate_panels_2d(
    axes: Any, drawable: Drawable, rates: list[float], runs: list[Any], paths: list[np.ndarray],
    xlim: Any, ylim: Any,
) -> None:  # fmt: skip
    x_range, y_range = _window(paths, xlim, ylim)
    grid = mesh(drawable, x_range, y_range, 100)
    for ax, rate, run, path in zip(axes, rates, runs, paths):
        shown = np.where(np.isfinite(grid[2]), grid[2], np.nan)
        ax.contourf(*grid[:2], shown, levels=_levels(shown, 16), cmap=CMAP, zorder=1)
        ax.grid(False)
        _draw_paths(ax, drawable, [(f"{rate:g}", run)], [path])
        ax.set_xlim(*x_range)
        ax.set_ylim(*y_range)
        ax.set_xlabel(drawable.axis_names()[0])
        verdict = describe_run(path, drawable.values(path[:, 0], path[:, 1]), run.status)
        ax.set_title(f"$\\alpha = {rate:g}$: {verdict}")
    axes[0].set_ylabel(drawable.axis_names()[1])


@styled
def learning_rates(
    f: FunctionLike,
    x0: Any,
    rates: Sequence[float] = (0.1, 0.4, 0.9, 1.1),
    *,
    steps: int = 5,
    method: str = "gd",
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    ncols: int | None = None,
) -> Figure:
    """Small multiples: the same start, the same number of steps, one panel per learning rate.

    Each panel shows ``steps`` steps of ``method`` from ``x0`` over the
    curve (one variable) or the contours (two), titled with its rate and
    how the run behaved: converges quickly, creeps, overshoots back and
    forth, or diverges (read off the steps themselves).

    >>> fig = learning_rates("x^2 - 4x + 4", 0.0, [0.1, 0.9], steps=5)
    >>> [ax.get_title() for ax in fig.axes]
    ['$\\\\alpha = 0.1$: creeps', '$\\\\alpha = 0.9$: overshoots back and forth']
    """
    import steepest as st

    rates = [float(r) for r in rates]
    if not rates:
        raise SteepestError("give at least one learning rate")
    if any(not (math.isfinite(r) and r > 0) for r in rates):
        raise SteepestError("learning rates must be positive numbers")
    start = np.asarray(x0, dtype=float)
    n = max(1, start.size)
    if n > 2:
        raise SteepestError("learning_rates draws functions of one or two variables")
    drawable = Drawable(f, n)
    function = drawable.symbolic or drawable.original
    start_arg: Any = float(start.reshape(-1)[0]) if n == 1 else start.reshape(2)
    runs = []
    for rate in rates:
        run = st.minimize(function, start_arg, method=method, lr=rate, max_iter=steps, tol=None)
        runs.append(run)
    paths = [path_of(run) for run in runs]
    cols = ncols if ncols is not None else min(len(rates), 4)
    rows = math.ceil(len(rates) / cols)
    width = max(6.5, 3.7 * cols + 0.4)
    fig, axes = new_grid(rows, cols, width=width, height=3.7 * rows + 0.9)
    for extra in axes[len(rates) :]:
        extra.set_visible(False)
    if n == 1:
        _rate_panels_1d(axes, drawable, rates, runs, paths, xlim, ylim)
    else:
        _rate_panels_2d(axes, drawable, rates, runs, paths, xlim, ylim)
    heading = f"{steps} steps of {method} from the same start"
    fig.suptitle(
        f"{drawable.label()}\n{heading}" if len(rates) < 3 else f"{heading}, {drawable.label()}"
    )
    return fig


# -- several runs on one picture -------------------------------------------------------------


@styled
def compare(
    f: FunctionLike,
    runs: Any = None,
    *,
    x0: Any = None,
    methods: Sequence[str] = ("gd", "momentum", "adam"),
    lr: float | Mapping[str, float] = 0.1,
    max_iter: int = 100,
    labels: Sequence[str] | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    minima: Any = True,
    optimum: float | None = None,
    variables: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Several runs on one picture: their paths over ``f`` and their loss per iteration.

    Give the runs (a list or a mapping label -> run: e.g. full-batch,
    stochastic and mini-batch descent on one loss), or give ``x0`` and
    ``methods`` and each method is run from ``x0`` with ``lr`` (one rate,
    or a mapping method -> rate) for at most ``max_iter`` steps.  For a
    stochastic run, ``f`` is the loss on all of the data; ``variables``
    names the coordinates of a Python function on the axes.

    >>> fig = compare("x^2 + 10 y^2", x0=[3.0, 1.0], methods=["gd", "momentum"], lr=0.05,
    ...               max_iter=40)
    >>> sorted(l.get_gid() for l in fig.axes[0].lines if l.get_gid().startswith("path:"))
    ['path:gd ($\\\\alpha$ = 0.05)', 'path:momentum ($\\\\alpha$ = 0.05)']
    """
    import steepest as st
    from steepest.plot.loss import draw_history

    if runs is None:
        if x0 is None:
            raise SteepestError("give the runs to compare, or x0 and methods to run")
        start = np.asarray(x0, dtype=float)
        drawable = Drawable(f, max(1, start.size), variables=variables)
        function = drawable.symbolic or drawable.original
        start_arg: Any = float(start.reshape(-1)[0]) if start.size == 1 else start
        made = {}
        for method in methods:
            rate = lr[method] if isinstance(lr, Mapping) else lr
            run = st.minimize(function, start_arg, method=method, lr=rate, max_iter=max_iter)
            made[run_name(method, rate)] = run
        named = list(made.items())
    else:
        named = named_runs(runs, labels)
        first = path_of(named[0][1]) if named else np.empty(0)
        drawable = Drawable(f, 1 if first.ndim == 1 else first.shape[1], variables=variables)
    if not named:
        raise SteepestError("nothing to compare: no runs")
    fig, (left, right) = new_grid(1, 2, width=13.0, height=5.2)
    if drawable.n == 2:
        contour_panel(left, drawable, named, xlim=xlim, ylim=ylim, fig=fig, levels=20,
                      resolution=130, minima=minima)  # fmt: skip
    else:
        paths = [path_of(run) for _, run in named]
        low, high = as_range(xlim, "xlim") if xlim is not None else padded(np.concatenate(paths))
        xs = np.linspace(low, high, 300)
        left.plot(xs, drawable.values(xs), color=CURVE, gid="curve")
        for index, ((label, _), path) in enumerate(zip(named, paths)):
            color = PATH_COLORS[index % len(PATH_COLORS)]
            left.plot(
                path,
                drawable.values(path),
                ".-",
                color=color,
                gid=f"path:{label}",
                label=label,
                linewidth=1.2,
            )
        left.set_xlabel(drawable.axis_names()[0])
        left.set_ylabel(f"${drawable.name}$")
        left.legend(loc="best", fontsize=10)
    left.set_title(drawable.label())
    draw_history(right, named, optimum=optimum, colors=PATH_COLORS)
    right.set_title("loss per iteration")
    if title is not None:
        fig.suptitle(title)
    return fig


def run_name(method: str, rate: float) -> str:
    """``gd ($\\alpha$ = 0.05)``: the label of a run made by :func:`compare`."""
    return f"{method} ($\\alpha$ = {rate:g})"


__all__ = [
    "PATH_COLORS",
    "compare",
    "contour",
    "contour_panel",
    "describe_run",
    "find_minima",
    "gradient_field",
    "learning_rates",
    "mark_ends",
    "mesh",
    "surface",
]
