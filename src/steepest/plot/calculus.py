"""Pictures of one-variable calculus: tangent lines, one-sided limits, the chord test.

Each function returns a :class:`matplotlib.figure.Figure`; artists that a
reader (or a test) may want to find carry a ``gid``: ``"curve"``,
``"tangent:<a>"`` and ``"point:<a>"`` for a tangent at ``a``, ``"chord"``,
``"approach:+"`` / ``"approach:-"``.

>>> fig = function("x^2", at=3)
>>> line = next(l for l in fig.axes[0].lines if l.get_gid() == "tangent:3")
>>> xs, ys = line.get_data()
>>> round(float((ys[-1] - ys[0]) / (xs[-1] - xs[0])), 10)
6.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from steepest.errors import SteepestError
from steepest.plot._base import Drawable, FunctionLike, as_range, clip_to, robust_limits
from steepest.plot.style import (
    CURVE,
    HIGHLIGHT,
    OKABE_ITO,
    PALETTE,
    POINT,
    TANGENT,
    TEXT_COLOR,
    figure_for,
    new_grid,
    styled,
)

# A step of f between grid points is confirmed as a jump by halving the gap this many times;
# at most this many large steps are examined.
JUMP_HALVINGS = 30
JUMP_CANDIDATES = 20
SECANT_COLORS = (OKABE_ITO["reddish purple"], OKABE_ITO["orange"], OKABE_ITO["sky blue"])


def _number(value: float) -> str:
    """A compact number for labels: 6, 0.5, -5.32, 1.2e-05."""
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-3:
        return f"{value:.3g}"
    return f"{value:.4g}"


# -- tangent lines ---------------------------------------------------------------------------


@styled
def function(
    f: FunctionLike,
    at: float | Sequence[float] | None = None,
    *,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    tangent_width: float | None = None,
    secants: Sequence[float] = (),
    resolution: int = 400,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """The curve of ``f`` with its tangent line at each point of ``at``.

    ``f`` is an expression (``"x^2/(x+1)"``), a :class:`steepest.Function`
    or a NumPy function of one variable; slopes are exact for expressions
    and come from automatic differentiation for Python code.  Each tangent
    is drawn over ``tangent_width`` (a third of the x range by default)
    around its point and labelled with its slope.  ``secants`` (steps h)
    adds the secant through (a, f(a)) and (a + h, f(a + h)) for each h: the
    difference quotient whose limit as h -> 0 is the tangent's slope.

    >>> import numpy as np
    >>> fig = function(np.sin, at=[0.0, np.pi / 2], xlim=(-4, 4))
    >>> [line.get_gid() for line in fig.axes[0].lines]
    ['curve', 'tangent:0', 'point:0', 'tangent:1.571', 'point:1.571']
    """
    drawable = Drawable(f, 1)
    points = [] if at is None else [float(a) for a in np.atleast_1d(np.asarray(at, dtype=float))]
    if xlim is not None:
        low, high = as_range(xlim, "xlim")
    elif points:
        spread = max(points) - min(points)
        margin = max(2.0, 0.6 * spread)
        low, high = min(points) - margin, max(points) + margin
    else:
        low, high = -5.0, 5.0
    fig, ax = figure_for(ax)
    xs = np.linspace(low, high, resolution)
    ys = drawable.values(xs)
    limits = robust_limits(ys)
    ax.plot(xs, clip_to(ys, limits), color=CURVE, gid="curve", zorder=2)
    width = tangent_width if tangent_width is not None else (high - low) / 3
    shown_y = [] if limits is None else list(limits)
    for index, a in enumerate(points):
        value = drawable(a)
        if not math.isfinite(value):
            raise SteepestError(f"the function is not defined at {drawable.variables[0]} = {a:g}")
        slope = drawable.derivative(a)
        if not math.isfinite(slope):
            raise SteepestError(
                f"the function has no finite derivative at {drawable.variables[0]} = {a:g}"
            )
        color = TANGENT if len(points) == 1 else PALETTE[(index + 1) % len(PALETTE)]
        tx = np.array([a - width / 2, a + width / 2])
        ty = value + slope * (tx - a)
        tag = f"{a:.4g}"
        ax.plot(
            tx,
            ty,
            color=color,
            linewidth=2.0,
            gid=f"tangent:{tag}",
            zorder=3,
            label=f"tangent at ${drawable.axis_names()[0].strip('$')} = {_number(a)}$: "
            f"slope {_number(slope)}",
        )
        ax.plot([a], [value], "o", color=POINT, markersize=7, gid=f"point:{tag}", zorder=4)
        shown_y.extend([value, *ty])
        for number, h in enumerate(secants):
            other = drawable(a + h)
            rise = (other - value) / h
            sx = np.array([min(a, a + h) - width / 4, max(a, a + h) + width / 4])
            ax.plot(
                sx,
                value + rise * (sx - a),
                color=SECANT_COLORS[number % len(SECANT_COLORS)],
                linewidth=1.3,
                linestyle="--",
                gid=f"secant:{tag}:{h:g}",
                zorder=2.5,
                label=f"secant, $h = {_number(h)}$: slope {_number(rise)}",
            )
            ax.plot([a + h], [other], "o", color=TEXT_COLOR, markersize=4, zorder=4)
    if ylim is not None:
        ax.set_ylim(*as_range(ylim, "ylim"))
    elif shown_y:
        ax.set_ylim(*_include(limits, shown_y))
    ax.set_xlim(low, high)
    ax.set_xlabel(drawable.axis_names()[0])
    ax.set_ylabel(f"${drawable.name}({drawable.axis_names()[0].strip('$')})$")
    ax.set_title(title if title is not None else drawable.label())
    if points:
        ax.legend(loc="best")
    return fig


def _include(limits: tuple[float, float] | None, values: list[float]) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    low = min([*finite, *(limits or ())])
    high = max([*finite, *(limits or ())])
    if limits is not None:
        low, high = min(low, limits[0]), max(high, limits[1])
    pad = 0.04 * (high - low) if high > low else 1.0
    return low - pad, high + pad


# -- limits ------------------------------------------------------------------------------------


def _as_float(value: Any) -> float | None:
    """A SymPy limit value as a float (inf for oo); None when it is not a single number."""
    if value is None:
        return None
    import sympy as sp

    if value is sp.oo:
        return math.inf
    if value is -sp.oo:
        return -math.inf
    if value is sp.zoo or isinstance(value, sp.AccumBounds):
        return None
    try:
        number = complex(sp.N(value))
    except (TypeError, ValueError):
        return None
    return number.real if abs(number.imag) < 1e-12 else None


def _limit_title(result: Any, drawable: Drawable, at_text: str, side: str) -> str:
    name = drawable.axis_names()[0].strip("$")
    body = drawable.latex or f"{drawable.name}({name})"
    arrow = {"both": "", "+": "^{+}", "-": "^{-}"}[side]

    def shown(value: Any) -> str:
        number = _as_float(value)
        if number is None:
            return "?"
        if math.isinf(number):
            return r"+\infty" if number > 0 else r"-\infty"
        return _number(number)

    head = rf"\lim_{{{name} \to {at_text}{arrow}}} {body}"
    if result.exists:
        return f"${head} = {shown(result.value)}$"
    reason = result.reason or "undetermined"
    if reason == "one-sided limits differ":
        return (
            f"${head}$ does not exist:\n"
            f"from the left ${shown(result.left)}$, from the right ${shown(result.right)}$"
        )
    if reason == "unbounded" and result.value is not None:
        return f"${head} = {shown(result.value)}$ (no finite limit)"
    if reason == "oscillates":
        return f"${head}$ does not exist: it oscillates"
    return f"${head}$ does not exist ({reason})"


@styled
def limit(
    f: FunctionLike,
    at: float | str,
    *,
    side: str = "both",
    var: str | None = None,
    steps: int = 7,
    window: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """How ``f(x)`` behaves as ``x`` approaches ``at`` from one side or both.

    The curve is drawn around ``at`` with ``steps`` points marching towards
    it along the curve from each side requested (``side`` is ``"both"``,
    ``"+"`` from the right or ``"-"`` from the left).  For an expression the
    title states the exact limit from :func:`steepest.symbolic.limit`: its
    value, or why it does not exist (one-sided limits differ, oscillation).
    A finite one-sided limit is drawn as an open circle, an infinite one as
    an arrow.  ``at`` may be ``"inf"``: the curve is then drawn far out and
    an oscillation is shown as the band it stays in.

    >>> fig = limit("1/x", 0)
    >>> right = next(l for l in fig.axes[0].lines if l.get_gid() == "approach:+")
    >>> bool((right.get_xdata() > 0).all() and (right.get_ydata() > 0).all())
    True
    >>> print(fig.axes[0].get_title().splitlines()[0])
    $\\lim_{x \\to 0} \\frac{1}{x}$ does not exist:
    """
    if side not in ("both", "+", "-"):
        raise SteepestError(f"side must be 'both', '+' or '-', not {side!r}")
    drawable = Drawable(f, 1)
    result = None
    at_text: str
    if drawable.symbolic is not None:
        from steepest.symbolic import limit as symbolic_limit
        from steepest.symbolic.calculus import as_value

        point = as_value(at)
        result = symbolic_limit(drawable.symbolic.expr, drawable.variables[0], point, side=side,
                                timeout=drawable.symbolic.timeout)
        from steepest.symbolic.printing import latex_form

        a = _as_float(point)
        at_text = latex_form(point)
    else:
        try:
            a = float(at)
        except (TypeError, ValueError):
            raise SteepestError(f"the point must be a number, not {at!r}") from None
        at_text = _number(a) if math.isfinite(a) else (r"\infty" if a > 0 else r"-\infty")
    if a is None or math.isnan(a):
        raise SteepestError(f"cannot draw a limit at {at!r}")
    fig, ax = figure_for(ax)
    name = drawable.axis_names()[0]
    if math.isinf(a):
        _limit_at_infinity(ax, drawable, a, result, window)
    else:
        _limit_at_point(ax, drawable, a, side, steps, result, window)
    ax.set_xlabel(name)
    ax.set_ylabel(f"${drawable.name}({name.strip('$')})$")
    if title is None:
        title = (
            _limit_title(result, drawable, at_text, side)
            if result is not None
            else f"${drawable.name}({name.strip('$')})$ as ${name.strip('$')} \\to {at_text}$"
        )
    ax.set_title(title)
    return fig


def _limit_at_point(
    ax: Axes, drawable: Drawable, a: float, side: str, steps: int, result: Any, window: float | None
) -> None:
    w = window if window is not None else max(1.0, abs(a) * 0.5)
    sides = ("-", "+") if side == "both" else (side,)
    samples = []
    for s in ("-", "+"):
        sign = 1.0 if s == "+" else -1.0
        # Geometric spacing crowds points near a, where the interesting behaviour is.
        offsets = w * np.geomspace(1.0, 1e-4, 300)
        xs = a + sign * offsets
        ys = drawable.values(xs)
        samples.append((s, xs, ys))
    # Limits from evenly spaced samples: the crowded ones near a would let a pole dominate.
    even = np.linspace(a - w, a + w, 801)
    even_values = drawable.values(even[even != a])
    limits = robust_limits(even_values[np.abs(even_values) < np.inf])
    for s, xs, ys in samples:
        emphasized = s in sides
        ax.plot(
            xs,
            clip_to(ys, limits),
            color=CURVE,
            alpha=1.0 if emphasized else 0.35,
            gid=f"curve:{s}",
            zorder=2,
        )
    ax.axvline(a, color=TEXT_COLOR, linestyle=":", linewidth=1.2, zorder=1)
    colors = {"-": PALETTE[2], "+": PALETTE[1]}
    side_values = {}
    if result is not None:
        side_values = {"-": _as_float(result.left), "+": _as_float(result.right)}
        if result.side != "both":
            side_values[result.side] = _as_float(result.value)
    for s in sides:
        sign = 1.0 if s == "+" else -1.0
        xs = a + sign * w * 0.6 ** np.arange(1, steps + 1)
        ys = drawable.values(xs)
        visible = np.isfinite(ys)
        if limits is not None:
            visible &= (ys >= limits[0]) & (ys <= limits[1])
        word = "right" if s == "+" else "left"
        ax.plot(
            xs[visible],
            ys[visible],
            "o",
            color=colors[s],
            markersize=6,
            gid=f"approach:{s}",
            zorder=4,
            label=f"from the {word}: $x = {_number(a)} {'+' if s == '+' else '-'} h$",
        )
        value = side_values.get(s)
        if value is None or limits is None:
            continue
        if math.isinf(value):
            y0, y1 = limits
            tip = y1 if value > 0 else y0
            base = tip - 0.22 * (y1 - y0) * (1 if value > 0 else -1)
            x_arrow = a + sign * w * 0.3
            ax.annotate(
                "",
                xy=(x_arrow, tip),
                xytext=(x_arrow, base),
                arrowprops={"arrowstyle": "-|>", "color": colors[s], "linewidth": 2},
                zorder=5,
            )
            ax.text(
                x_arrow + sign * w * 0.03,
                (tip + base) / 2,
                r"$+\infty$" if value > 0 else r"$-\infty$",
                color=colors[s],
                ha="left" if s == "+" else "right",
                va="center",
                fontsize=14,
            )
        else:
            ax.plot(
                [a],
                [value],
                "o",
                markerfacecolor="white",
                markeredgecolor=colors[s],
                markeredgewidth=2,
                markersize=9,
                zorder=5,
                gid=f"limit:{s}",
            )
            ax.axhline(value, color=colors[s], linestyle="--", linewidth=1.0, alpha=0.7)
    if limits is not None:
        ax.set_ylim(*limits)
    ax.set_xlim(a - w, a + w)
    ax.legend(loc="best")


def _limit_at_infinity(
    ax: Axes, drawable: Drawable, a: float, result: Any, window: float | None
) -> None:
    far = window if window is not None else 40.0
    xs = np.linspace(0.0, far, 2000) if a > 0 else np.linspace(-far, 0.0, 2000)
    ys = drawable.values(xs)
    ax.plot(xs, clip_to(ys, robust_limits(ys)), color=CURVE, gid="curve", zorder=2)
    value = None if result is None else result.left if a > 0 else result.right
    import sympy as sp

    if isinstance(value, sp.AccumBounds):
        low, high = float(value.min), float(value.max)
        ax.axhspan(low, high, color=HIGHLIGHT, alpha=0.12, zorder=1, gid="band")
        for level in (low, high):
            ax.axhline(level, color=HIGHLIGHT, linestyle="--", linewidth=1.2)
        height = high - low
        ax.set_ylim(low - 0.3 * height, high + 0.3 * height)
        ax.text(
            0.01,
            0.98,
            f"keeps oscillating between {_number(low)} and {_number(high)}",
            transform=ax.transAxes,
            ha="left",
            va="top",
            color=TEXT_COLOR,
        )
    else:
        number = _as_float(value)
        if number is not None and math.isfinite(number):
            ax.axhline(number, color=TANGENT, linestyle="--", linewidth=1.2, gid="limit")
    name = drawable.axis_names()[0].strip("$")
    direction = rf"${name} \rightarrow \infty$" if a > 0 else rf"${name} \rightarrow -\infty$"
    ax.text(
        0.99 if a > 0 else 0.01,
        0.02,
        direction,
        transform=ax.transAxes,
        ha="right" if a > 0 else "left",
        va="bottom",
        fontsize=15,
        color=TEXT_COLOR,
    )
    ax.set_xlim(xs[0], xs[-1])


# -- convexity -------------------------------------------------------------------------------


def chord_gap(f: FunctionLike, a: float, b: float, samples: int = 401) -> np.ndarray:
    """``t f(a) + (1 - t) f(b) - f(t a + (1 - t) b)`` for t in [0, 1].

    Convexity on [a, b] means the gap is never negative: the chord lies on
    or above the curve.

    >>> float(chord_gap("x^2", -1, 1).min()) >= 0
    True
    """
    drawable = Drawable(f, 1)
    t = np.linspace(0.0, 1.0, samples)
    fa, fb = drawable(a), drawable(b)
    return t * fa + (1 - t) * fb - drawable.values(t * a + (1 - t) * b)


def concave_stretch(drawable: Drawable, a: float, b: float) -> tuple[float, float] | None:
    """A stretch of [a, b] where f is not convex (an interval), or None if f is convex.

    Decided from the second derivative: exactly by SymPy where it can (within
    a few seconds), otherwise on a dense grid of the exact (or, for a Python
    function, numerical) second derivative; then from the kinks, where the
    slope must not fall (-|x| at 0), and the jumps, which a convex function
    has none of inside its interval (floor(x) at 1).  Chords inside the
    returned stretch lie below the curve.

    >>> concave_stretch(Drawable("x^3", 1), -1.0, 2.0)
    (-1.0, 0.0)
    >>> concave_stretch(Drawable("x^2", 1), -1.0, 2.0) is None
    True
    """
    exact = _exact_concave_set(drawable, a, b)
    if exact is not None and exact is not True:
        first = exact.args[0] if exact.is_Union else exact
        if first.is_Interval and first.measure > 0:
            return float(first.inf), float(first.sup)
    grid = np.linspace(a, b, 4001)
    if exact is True:
        return _slope_drop(drawable, grid) or _value_jump(drawable, grid)
    second = _second_derivative(drawable, grid)
    scale = max(1.0, float(np.nanmax(np.abs(second)))) if np.isfinite(second).any() else 1.0
    negative = second < -1e-9 * scale
    if not negative.any():
        return _slope_drop(drawable, grid) or _value_jump(drawable, grid)
    start = int(np.argmax(negative))
    end = start
    while end + 1 < len(grid) and negative[end + 1]:
        end += 1
    return float(grid[start]), float(grid[end])


def _slope_drop(drawable: Drawable, grid: np.ndarray) -> tuple[float, float] | None:
    """Around the first kink where the slope falls (-|x| at 0), or None.

    f'' says nothing at a kink; a convex function's slope never decreases, so a
    fall of f' between neighbouring grid points is a kink that breaks convexity.
    """
    if drawable.symbolic is not None:
        with np.errstate(all="ignore"):
            slopes = np.asarray(drawable.symbolic.grad(grid), dtype=float).reshape(-1)
    else:
        h = 1e-6 * max(1.0, float(np.max(np.abs(grid))))
        slopes = (drawable.values(grid + h) - drawable.values(grid - h)) / (2 * h)
    where = np.flatnonzero(np.isfinite(slopes))
    if where.size < 2:
        return None
    finite = slopes[where]
    scale = max(1.0, float(np.max(np.abs(finite))))
    falls = np.flatnonzero(np.diff(finite) < -1e-6 * scale)
    if not falls.size:
        return None
    low, high = where[falls[0]], where[falls[0] + 1]
    return float(grid[max(low - 20, 0)]), float(grid[min(high + 20, grid.size - 1)])


def _value_jump(drawable: Drawable, grid: np.ndarray) -> tuple[float, float] | None:
    """Around the first jump of f inside the interval (floor(x) at 1), or None.

    A convex function is continuous inside its interval, so a jump breaks
    convexity: some chord across it passes below the curve.  A large step
    of f between grid points is a jump only if it stays large as the gap is
    halved again and again (a steep but continuous rise shrinks with it).
    """
    values = drawable.values(grid)
    steps = np.abs(np.diff(values))
    finite = np.isfinite(values[:-1]) & np.isfinite(values[1:])
    if np.count_nonzero(finite) < 3:
        return None
    typical = float(np.median(steps[finite]))
    largest = float(np.max(steps[finite]))
    candidates = np.flatnonzero(finite & (steps > 1e3 * typical + 1e-6 * max(1.0, largest)))
    inside = candidates[(candidates > 0) & (candidates < grid.size - 2)]
    for at in inside[:JUMP_CANDIDATES]:
        if _stays_apart(drawable, float(grid[at]), float(grid[at + 1]), float(steps[at])):
            return float(grid[max(at - 200, 0)]), float(grid[min(at + 200, grid.size - 1)])
    return None


def _stays_apart(drawable: Drawable, left: float, right: float, gap: float) -> bool:
    """Whether f still changes by about ``gap`` across ever smaller intervals in [left, right]."""
    f_left, f_right = (float(v) for v in drawable.values(np.array([left, right])))
    for _ in range(JUMP_HALVINGS):
        middle = 0.5 * (left + right)
        f_middle = float(drawable.values(np.array([middle]))[0])
        if not np.isfinite(f_middle):
            return False
        if abs(f_middle - f_left) >= abs(f_right - f_middle):
            right, f_right = middle, f_middle
        else:
            left, f_left = middle, f_middle
    return abs(f_right - f_left) >= 0.5 * gap


def _exact_concave_set(drawable: Drawable, a: float, b: float) -> Any:
    """SymPy's set where f'' < 0 on [a, b]; True when it is empty; None when undecided."""
    import sympy as sp

    from steepest.errors import TimeLimitError
    from steepest.symbolic.timed import timed

    if drawable.symbolic is None:
        return None
    (x,) = drawable.symbolic.symbols
    second = drawable.symbolic.hessian_expr[0, 0]
    # Undecided within its time, the picture falls back to the sampled second derivative.
    limit = drawable.symbolic.timeout
    limit = 3.0 if limit is None else min(3.0, limit)
    try:
        found = timed(
            lambda: sp.solveset(second < 0, x, sp.Interval(a, b)), limit, "checking convexity"
        )
    except (TimeLimitError, NotImplementedError, TypeError, ValueError):
        return None
    if found is sp.S.EmptySet:
        return True
    return found if isinstance(found, sp.Set) and not isinstance(found, sp.ConditionSet) else None


def _second_derivative(drawable: Drawable, xs: np.ndarray) -> np.ndarray:
    if drawable.symbolic is not None:
        with np.errstate(all="ignore"):
            return np.asarray(drawable.symbolic.hessian(xs), dtype=float).reshape(-1)
    h = 1e-4 * max(1.0, float(np.max(np.abs(xs))))
    values = [drawable.values(xs + shift) for shift in (-h, 0.0, h)]
    return (values[0] - 2 * values[1] + values[2]) / h**2


@styled
def convexity(
    *functions: FunctionLike,
    a: float | None = None,
    b: float | None = None,
    xlim: tuple[float, float] | None = None,
    titles: Sequence[str] | None = None,
    resolution: int = 400,
) -> Figure:
    """The chord test, one panel per function: convex when no chord dips below the curve.

    The verdict comes from the second derivative on [a, b] (see
    :func:`concave_stretch`), never from one chord.  The chord drawn joins
    (a, f(a)) and (b, f(b)) when f is convex, and otherwise spans a stretch
    where f'' < 0, so the picture shows a chord that fails: the gap where it
    lies below the curve is shaded.  Give two functions (a convex one and a
    non-convex one) to put them side by side.

    >>> quartic = "(1/5000)(12 - theta)(23 - theta)(-14 - theta)(-15 - theta) + 7"
    >>> fig = convexity("theta^2", quartic, a=-12, b=12)
    >>> [ax.get_title().splitlines()[1].split(":")[0] for ax in fig.axes]
    ['convex on [-12, 12]', 'not convex on [-12, 12]']
    >>> convexity("x^3", a=-1, b=2).axes[0].get_title().splitlines()[1]
    'not convex on [-1, 2]: chords over x in [-1, 0] lie below the curve'

    """
    if not functions:
        raise SteepestError("give at least one function to test for convexity")
    if (a is None) != (b is None):
        raise SteepestError("give both ends a and b of the chord, or neither")
    if a is None or b is None:
        low, high = as_range(xlim, "xlim") if xlim is not None else (-5.0, 5.0)
        a, b = low + 0.15 * (high - low), high - 0.15 * (high - low)
    a, b = float(a), float(b)
    if not a < b:
        raise SteepestError(f"the chord needs a < b, got a = {a:g}, b = {b:g}")
    if xlim is None:
        pad = 0.2 * (b - a)
        xlim = (a - pad, b + pad)
    low, high = as_range(xlim, "xlim")
    if titles is not None and len(titles) != len(functions):
        raise SteepestError(f"got {len(titles)} titles for {len(functions)} functions")
    fig, axes = new_grid(1, len(functions), width=6.2 * len(functions) + 0.6, height=4.6)
    for index, (f, ax) in enumerate(zip(functions, axes)):
        drawable = Drawable(f, 1)
        xs = np.linspace(low, high, resolution)
        ax.plot(xs, drawable.values(xs), color=CURVE, gid="curve", zorder=2)
        stretch = concave_stretch(drawable, a, b)
        left, right = (a, b) if stretch is None else _chord_ends(stretch)
        inner, chord, curve, below = _chord_against_curve(drawable, left, right)
        _draw_chord(ax, inner, chord, curve, below, (left, right))
        interval = f"[{_number(a)}, {_number(b)}]"
        if stretch is not None:
            name = drawable.axis_names()[0].strip("$")
            verdict = (
                f"not convex on {interval}: chords over {name} in "
                f"[{_number(stretch[0])}, {_number(stretch[1])}] lie below the curve"
            )
        else:
            verdict = f"convex on {interval}: f'' >= 0 and no slope falls, so no chord dips below"
        heading = titles[index] if titles is not None else drawable.label()
        ax.set_title(f"{heading}\n{verdict}", fontsize=12)
        ax.set_xlabel(drawable.axis_names()[0])
        ax.set_ylabel(f"${drawable.name}({drawable.axis_names()[0].strip('$')})$")
        ax.set_xlim(low, high)
        ax.legend(loc="best", fontsize=10)
    return fig


def _chord_ends(stretch: tuple[float, float]) -> tuple[float, float]:
    low, high = stretch
    if high - low < 1e-9:
        return low - 1e-3, high + 1e-3
    return low, high


def _chord_against_curve(
    drawable: Drawable, a: float, b: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points of the chord from a to b, the curve under them, and where the chord is below."""
    t = np.linspace(0.0, 1.0, 401)
    inner = t * a + (1 - t) * b
    chord = t * drawable(a) + (1 - t) * drawable(b)
    curve = drawable.values(inner)
    scale = max(1.0, float(np.nanmax(np.abs(curve))))
    return inner, chord, curve, (chord - curve) < -1e-9 * scale


def _draw_chord(
    ax: Axes,
    inner: np.ndarray,
    chord: np.ndarray,
    curve: np.ndarray,
    below: np.ndarray,
    ends: tuple[float, float],
) -> None:
    ax.plot(
        inner,
        chord,
        color=HIGHLIGHT,
        linewidth=2.2,
        gid="chord",
        label=r"chord $t f(a) + (1-t) f(b)$",
        zorder=3,
    )
    ax.plot(list(ends), [chord[-1], chord[0]], "o", color=POINT, zorder=4, gid="ends")
    ax.fill_between(
        inner,
        chord,
        curve,
        where=below,
        color=TANGENT,
        alpha=0.35,
        interpolate=True,
        zorder=1,
        label="chord below the curve",
    )


__all__ = ["chord_gap", "concave_stretch", "convexity", "function", "limit"]
