"""Shared pieces of numerical differentiation: stencils, steps, evaluation, checks.

A finite-difference formula is a *stencil*: offsets o_m and weights c_m with

    D_h f(x) = sum_m c_m f(x + o_m h) / h**order.

Its truncation error shrinks like h**p; the round-off in the f values, about
eps |f|, is divided by h**order and grows as h shrinks.  Balancing the two
gives the best step h ~ eps**(1 / (p + order)) (times the scale of x).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from steepest.autodiff.core import plain_array
from steepest.errors import NumericError

#: Machine epsilon of float64: the gap between 1.0 and the next larger float.
EPS: float = float(np.finfo(np.float64).eps)

METHODS: tuple[str, ...] = ("forward", "backward", "central", "complex", "richardson")

#: Step of the complex-step method, relative to max(1, |x|).  The method has no
#: subtraction, so any step far below sqrt(eps) gives full precision.
COMPLEX_STEP: float = 1e-20

#: First (largest) step of the Richardson sequence, relative to the power of two
#: at or above max(1, |x|); each further step is half the previous one.
RICHARDSON_FIRST_STEP: float = 0.5

#: Round-off of one function value, as a multiple of eps |f|.
ROUNDOFF_FACTOR: float = 2.0

#: An estimate is called reliable when its error estimate passed the self-checks
#: and is below this fraction of |value| ...
RELIABLE_RTOL: float = 1e-2
#: ... or, for a derivative that is zero, below this fraction of |f| / max(1, |x|).
RELIABLE_ZERO_TOL: float = 1e-6


@dataclass(frozen=True)
class ValueAndError:
    """Numbers and estimates of their absolute errors (arrays of one shape).

    >>> ValueAndError(np.array(1.0), np.array(1e-16)).error
    array(1.e-16)
    """

    value: np.ndarray
    error: np.ndarray


@dataclass(frozen=True)
class Stencil:
    """Offsets and weights of one finite-difference formula."""

    offsets: tuple[float, ...]
    weights: tuple[float, ...]
    order: int  # which derivative
    accuracy: int  # truncation error ~ h**accuracy (central: even powers of h only)

    @property
    def weight_sum(self) -> float:
        return float(sum(abs(w) for w in self.weights))


STENCILS: dict[tuple[str, int], Stencil] = {
    ("forward", 1): Stencil((0.0, 1.0), (-1.0, 1.0), 1, 1),
    ("forward", 2): Stencil((0.0, 1.0, 2.0), (1.0, -2.0, 1.0), 2, 1),
    ("backward", 1): Stencil((-1.0, 0.0), (-1.0, 1.0), 1, 1),
    ("backward", 2): Stencil((-2.0, -1.0, 0.0), (1.0, -2.0, 1.0), 2, 1),
    ("central", 1): Stencil((-1.0, 1.0), (-0.5, 0.5), 1, 2),
    ("central", 2): Stencil((-1.0, 0.0, 1.0), (1.0, -2.0, 1.0), 2, 2),
    ("central", 3): Stencil((-2.0, -1.0, 1.0, 2.0), (-0.5, 1.0, -1.0, 0.5), 3, 2),
    ("central", 4): Stencil((-2.0, -1.0, 0.0, 1.0, 2.0), (1.0, -4.0, 6.0, -4.0, 1.0), 4, 2),
}

MAX_ORDER = {"forward": 2, "backward": 2, "central": 4, "richardson": 4, "complex": 1}


def check_method(method: str, order: int) -> None:
    """Raise NumericError for an unknown method or an order it cannot do."""
    if method not in METHODS:
        raise NumericError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if not isinstance(order, int | np.integer) or order < 1:
        raise NumericError(f"order must be a positive integer, got {order!r}")
    if order > MAX_ORDER[method]:
        hint = "use 'central' or 'richardson'" if order <= 4 else "orders above 4 are not offered"
        raise NumericError(
            f"method {method!r} computes derivatives up to order {MAX_ORDER[method]}, "
            f"not order {order}; {hint}"
        )


def optimal_step(method: str = "central", order: int = 1) -> float:
    """The default step of a method, before scaling by max(1, |x|).

    Truncation error shrinks like h**p while round-off grows like eps / h**order,
    so the total is smallest near ``eps ** (1 / (p + order))``: sqrt(eps) for
    forward and backward differences (p = 1), cbrt(eps) for the central
    difference (p = 2), eps**(1/4) for the central second difference.  The
    complex step subtracts nothing, so its step is simply tiny (1e-20).  For
    ``richardson`` this is the first and largest step of its halving sequence.

    >>> optimal_step("forward") == EPS ** 0.5
    True
    >>> optimal_step("central") == EPS ** (1 / 3)
    True
    >>> optimal_step("central", order=2)
    0.0001220703125
    >>> optimal_step("complex")
    1e-20
    """
    check_method(method, order)
    if method == "complex":
        return COMPLEX_STEP
    if method == "richardson":
        return RICHARDSON_FIRST_STEP
    stencil = STENCILS[(method, order)]
    return float(EPS ** (1.0 / (stencil.accuracy + order)))


def step_scale(x: np.ndarray) -> np.ndarray:
    """max(1, |x|): steps are relative for large x and absolute near zero."""
    return np.maximum(1.0, np.abs(x))


#: The rounding of f is measured at x and x + t u (see rounding_moves) for these t:
#: about -4 .. 4, each moved by a fraction of the golden ratio, so unevenly.
ROUNDING_OFFSETS = np.array([j + (k * 0.6180339887498949) % 1.0 - 0.5
                             for k, j in enumerate((-4, -3, -2, -1, 1, 2, 3, 4), start=1)])
#: ... at three lengths u, as fractions of |x| (of the scale at x = 0).  Over the
#: shortest f is a parabola far below its rounding.  An f computed on a grid coarser
#: than eps |f| (in float32, or as (x + 1e8) - 1e8) is constant over so short a
#: stretch, and shows its rounding only over a longer one.
ROUNDING_LEVELS = np.array([2.0**-40, 2.0**-32, 2.0**-24])
#: Over the longer lengths, what a quartic leaves over must be at least this fraction
#: of what a parabola does to count as rounding (f's own shape shrinks much more).
NOISE_LIKE = 0.3
#: ... and at most this fraction of |f| (float32 rounds by 6e-8).
COARSEST_ROUNDING = 1e-4
#: A round-off bound is at least this many standard deviations of that rounding
#: carried through its stencil.
ROUNDING_MULTIPLE = 3.0


def rounding_of(offsets: np.ndarray, values: np.ndarray, degree: int = 2) -> np.ndarray:
    """The standard deviation of the rounding in f's values near x.

    ``values`` holds f at x + t u for the ``offsets`` t (first axis), u a step
    far below every feature of f.  Over so short a stretch f is a parabola
    far below its rounding, so what a least-squares parabola leaves over is
    rounding.  That is what |f| alone cannot tell: f(x) = -0.006 made of
    terms near 6 rounds like 6, not like 0.006.  The offsets are not evenly
    spaced, so that the rounding of the points does not repeat along them.

    >>> t = np.array([0.0, -1.2, 0.9, 2.3, -0.4])
    >>> float(rounding_of(t, 2.0 * t**2 + t + 1.0)) < 1e-13
    True
    >>> noise = np.array([0.0, 1.0, -2.0, 1.5, -0.5])
    >>> float(rounding_of(t, 1e-216 * noise)) > 1e-217  # its squares underflow
    True
    """
    projector = _polynomial_projector(tuple(float(t) for t in offsets), degree)
    flat = values.reshape(len(offsets), -1)
    with np.errstate(all="ignore"):
        # Less the first value (constants are polynomials too): the projection then
        # rounds on the scale of the changes, not of f.
        flat = flat - flat[:1]
        left = flat - projector @ flat
        # Squared after dividing by the largest: the squares of rounding in values near
        # 1e-200 (1e-216 each) underflow to 0, and f seemed not to round at all.
        size = np.max(np.abs(left), axis=0)
        unit = np.where(size > 0, size, 1.0)
        spread = size * np.sqrt(np.sum((left / unit) ** 2, axis=0) / (len(offsets) - degree - 1))
    return np.nan_to_num(spread, nan=np.inf).reshape(values.shape[1:])


@functools.lru_cache(maxsize=8)
def _polynomial_projector(offsets: tuple[float, ...], degree: int) -> np.ndarray:
    """The projection onto the polynomials of a degree at ``offsets``: made once, not per
    estimate."""
    t = np.array(offsets) / np.max(np.abs(offsets))
    orthonormal, _ = np.linalg.qr(np.stack([t**k for k in range(degree + 1)], axis=1))
    return orthonormal @ orthonormal.T


def rounding_moves(x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The moves t u of the rounding measurement, shape (levels * offsets, *x.shape).

    u is each of ROUNDING_LEVELS times |x| (times the scale at x = 0, or nearer
    0 than the smallest step), so that the stretch x + t u is short next to the
    distance from x to 0, where log, 1/x and x^p change fastest, as well as to
    x's own size.

    >>> rounding_moves(np.array(1.0), np.array(1.0)).shape
    (24,)
    """
    size = np.abs(x)
    # Nearer 0 than the smallest step (2^-40 of the scale), no step resolves what
    # happens at 0, and lengths made from |x| would be too short to see anything.
    base = np.where(size > scale * 2.0**-40, np.minimum(size, scale), scale)
    multipliers = (ROUNDING_LEVELS[:, None] * ROUNDING_OFFSETS[None, :]).reshape(-1)
    return multipliers.reshape((-1,) + (1,) * x.ndim) * base


@dataclass(frozen=True)
class Rounding:
    """How much f's values near x round (see measured_rounding): ``spread``, a standard
    deviation, and ``unit``, per unit of |f| (at least ROUNDOFF_FACTOR eps).

    >>> float(Rounding(np.array(0.0), np.array(1e-7)).bound(np.array(2.0), 1.0))
    2e-07
    """

    spread: np.ndarray
    unit: np.ndarray

    def bound(self, magnitude: np.ndarray, weight_sum: Any) -> np.ndarray:
        """Bound on the round-off of sum w_m f_m, given sum |w_m f_m| and sum |w_m|."""
        with np.errstate(all="ignore"):
            return np.fmax(self.unit * magnitude, ROUNDING_MULTIPLE * weight_sum * self.spread)

    def at_least(self, off_by: np.ndarray) -> Rounding:
        """The same, with every value possibly off by ``off_by`` (see flat_rounding).

        >>> float(Rounding(np.array(0.0), np.array(1e-16)).at_least(np.array(3e-5)).bound(
        ...     np.array(1.0), 2.0))
        6e-05
        """
        return Rounding(np.fmax(self.spread, off_by / ROUNDING_MULTIPLE), self.unit)


#: Values that differ from f(x) by integer multiples of one step (to this fraction of
#: a step), with at most this many steps between them, lie on a grid: rounding.
GRID_TOLERANCE = 1e-6
GRID_MAX_STEPS = 2.0**20
#: ... where the smallest change is at most this many steps.
GRID_DIVISORS = 32


def on_grid(values: np.ndarray) -> np.ndarray:
    """Whether the values (first axis) differ from the first by integer multiples of
    one step: the mark of rounding to a coarse grid (f in float32, (x + C) - C), which
    f's own shape (a pole, a fast oscillation) does not leave.

    >>> on_grid(np.array([1e6 + k * 2.0**-33 for k in (0, 1, -3, 4)]) - 1e6)
    array(True)
    >>> on_grid(np.sin(1e12 * np.array([0.0, 1e-9, 2e-9, 3e-9])))
    array(False)

    The smallest change may be several steps (a grid of 1 seen as changes 3, 8, 19):
    a step is also tried at a whole fraction of it, down to 1/GRID_DIVISORS.

    >>> on_grid(np.array([0.0, 3.0, -8.0, 19.0, 11.0]) * 2.0**-21)
    array(True)
    """
    with np.errstate(all="ignore"):
        changes = np.abs(values[1:] - values[:1])
        step = np.min(np.where(changes > 0, changes, np.inf), axis=0)
        divisors = np.arange(1.0, GRID_DIVISORS + 1).reshape((-1,) + (1,) * changes.ndim)
        multiples = changes[None] * divisors / step  # (divisors, changes, *elements)
        whole = np.abs(multiples - np.round(multiples)) <= GRID_TOLERANCE * np.maximum(
            multiples, 1
        )
        found = np.any(np.all(whole & (multiples <= GRID_MAX_STEPS), axis=1), axis=0)
        return np.asarray(np.isfinite(step) & found)


def flat_rounding(
    fx: np.ndarray, steps: np.ndarray, plus: np.ndarray, minus: np.ndarray
) -> np.ndarray:
    """How far f's values may be off, at least, where they equal f(x) although f's
    slope says that they differ from it.

    ``plus`` and ``minus`` hold f(x + h) and f(x - h) (NaN where not evaluated) for the
    ``steps`` h (leading axis, in any order).  f computed on a grid coarser than any
    length the rounding is measured on ((x + 1e12) - 1e12, float32 where f' is small)
    is constant over the small steps and rounds to 0 differences, which look exact.
    Where f(x + h) == f(x), although a larger step's slope s and curvature c say
    that f changes by s h + c h^2 / 2 there, one of the two values is off by at least
    half of that.

    >>> h = np.array([1e-4, 1e-5, 1e-7])
    >>> grid = lambda t: (t + 1e10) - 1e10  # a grid of 2e-6
    >>> float(flat_rounding(np.array(0.0), h, grid(h), grid(-h))) > 1e-8
    True
    >>> float(flat_rounding(np.array(1.0), h, np.cos(h), np.cos(-h))) < 1e-15
    True
    """
    order = np.argsort(-steps, axis=0)
    steps, plus, minus = (np.take_along_axis(a, order, axis=0) for a in (steps, plus, minus))
    off_by = np.zeros(fx.shape)
    slope = np.zeros(fx.shape)
    curvature = np.zeros(fx.shape)
    known = np.zeros(fx.shape, dtype=bool)
    with np.errstate(all="ignore"):
        for h, up, down in zip(steps, plus, minus, strict=True):
            for side, value in ((1.0, up), (-1.0, down)):
                change = np.abs(side * slope * h + curvature * h * h / 2)
                off_by = np.where(known & (value == fx), np.fmax(off_by, change / 2), off_by)
            has_up, has_down = np.isfinite(up), np.isfinite(down)
            moves = (has_up & (up != fx)) | (has_down & (down != fx))
            both = has_up & has_down
            new_slope = np.where(
                both, (up - down) / (2 * h), np.where(has_up, up - fx, fx - down) / h
            )
            new_curvature = np.where(both, (up - 2 * fx + down) / (h * h), 0.0)
            slope = np.where(moves, new_slope, slope)
            curvature = np.where(moves, new_curvature, curvature)
            known |= moves
    return np.nan_to_num(off_by, nan=0.0, posinf=0.0)


def measured_rounding(fx: np.ndarray, near: np.ndarray) -> Rounding:
    """The largest rounding that f's values at x + rounding_moves show over the lengths:
    ``near`` has the moves' leading axis.

    Its spread alone would be too small where f is much larger at the steps than
    near x (f computed in float32, at a zero of f): the unit is the spread per
    unit of the values it was measured on.

    >>> x = np.array(3.0)
    >>> moved = x + rounding_moves(x, np.array(4.0))
    >>> float(measured_rounding(x**2, moved**2).spread) < 1e-14
    True
    >>> coarse = np.float32(moved).astype(float) ** 2  # f in float32: rounds like 1e-6
    >>> rounding = measured_rounding(x**2, coarse)
    >>> float(rounding.spread) > 1e-7, float(rounding.unit) > 1e-8
    (True, True)
    """
    offsets = np.concatenate([[0.0], ROUNDING_OFFSETS])
    levels = near.reshape((len(ROUNDING_LEVELS), len(ROUNDING_OFFSETS)) + near.shape[1:])
    spread = np.zeros(fx.shape)
    unit = np.full(fx.shape, ROUNDOFF_FACTOR * EPS)
    for k, level in enumerate(levels):
        values = np.concatenate([fx[None], level])
        shown = rounding_of(offsets, values)
        with np.errstate(all="ignore"):
            size = np.max(np.abs(values), axis=0)
        if k:
            # Over a longer stretch, near a pole, what a parabola leaves over may be
            # f's own shape: that shrinks a lot when a quartic is fitted instead,
            # rounding does not.
            left = rounding_of(offsets, values, degree=4)
            like_noise = left >= NOISE_LIKE * shown
            filtered = np.where(like_noise, left, 0.0)
            # ... and a scatter that large next to f is f's shape (an oscillation
            # faster than the stretch, a pole within it), not rounding, unless the values
            # lie on a grid: then it is rounding, absolute ((x + 1e6) - 1e6 near 0), and
            # certain, however little a quartic leaves over of 9 values (by chance 0.24
            # of what a parabola does).  The grid is looked for only where it matters.
            with np.errstate(all="ignore"):
                large = ROUNDING_MULTIPLE * filtered > COARSEST_ROUNDING * size
            doubtful = (shown > 0) & (~like_noise | large)
            grid = np.zeros(doubtful.size, dtype=bool)
            rows = values.reshape(len(values), -1)
            for chunk in np.array_split(np.flatnonzero(doubtful), max(1, doubtful.size // 4096)):
                if chunk.size:
                    grid[chunk] = on_grid(rows[:, chunk])
            grid = grid.reshape(doubtful.shape)
            shown = np.where(grid, shown, filtered)
        with np.errstate(all="ignore"):
            relative = np.where(shown > 0, ROUNDING_MULTIPLE * shown / size, 0.0)
        if k:
            kept = relative <= COARSEST_ROUNDING
            shown = np.where(kept | grid, shown, 0.0)
            relative = np.where(kept, relative, 0.0)
        spread = np.fmax(spread, shown)
        unit = np.fmax(unit, np.nan_to_num(relative, nan=np.inf))
    # Values that all are float32 numbers were computed in float32: they round by its
    # eps, though near a flat stretch (a peak) every length above may show none.
    unit = np.where(float32_values(np.concatenate([fx[None], near])),
                    np.fmax(unit, ROUNDOFF_FACTOR * EPS32), unit)
    return Rounding(spread, unit)


def stretch_rounding(fx: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The rounding (a standard deviation) that f's values at x + t u show, for
    ROUNDING_OFFSETS t and a length u as long as the steps: ``values`` has their
    leading axis.

    For f whose values near x are all equal although its steps say that f moves
    ((x + 1e6) - 1e6 at x = 1e-6: the rounding lengths of |x| are far shorter than
    a tread): only a stretch this long crosses enough treads to show the grid.
    What a quartic leaves over is kept only when it is as large as what a parabola
    does (f's own shape shrinks, rounding does not).

    >>> t = np.concatenate([[0.0], ROUNDING_OFFSETS]) * 1e-6
    >>> grid = (t + 1e6) - 1e6  # a grid of 1.2e-10
    >>> 1e-11 < float(stretch_rounding(grid[0], grid[1:])) < 1e-10
    True
    >>> float(stretch_rounding(np.array(1.0), np.exp(t[1:]))) < 1e-15
    True
    """
    offsets = np.concatenate([[0.0], ROUNDING_OFFSETS])
    stacked = np.concatenate([fx[None], values])
    parabola = rounding_of(offsets, stacked)
    quartic = rounding_of(offsets, stacked, degree=4)
    return np.where(quartic >= NOISE_LIKE * parabola, quartic, 0.0)


#: Values at the longest rounding length (9 with f(x)) that take at most this many
#: distinct values measure a grid's rounding short (see grid_rounding).
FEW_VALUES = 4


def grid_rounding(
    f: Callable[[Any], Any],
    x: np.ndarray,
    fx: np.ndarray,
    near: np.ndarray,
    moves: np.ndarray,
    length: np.ndarray,
) -> tuple[np.ndarray | None, int]:
    """The rounding over a stretch of ``length`` (see stretch_rounding) where the values
    ``near`` x (rounding_moves' leading axis) take few distinct values although f's
    values at the method's steps, ``moves`` (leading axis: which), differ from f(x);
    None where nothing needs it.  Also the calls spent.

    Lengths of |x| far shorter than a tread of f's grid ((x + 1e6) - 1e6 at 1e-6) see
    one or two values, and no rounding; only there f is evaluated 8 more times.
    """
    longest = np.sort(np.concatenate([fx[None], near[-len(ROUNDING_OFFSETS):]]), axis=0)
    distinct = 1 + np.sum(longest[1:] != longest[:-1], axis=0)
    few = (distinct <= FEW_VALUES) & np.any(moves != fx, axis=0)
    if not np.any(few):
        return None, 0
    stretch = ROUNDING_OFFSETS.reshape((-1,) + (1,) * x.ndim) * length
    shown = stretch_rounding(fx, evaluate(f, x + stretch))
    return np.where(few, shown, 0.0), stretch.size


EPS32 = float(np.finfo(np.float32).eps)


def float32_values(values: np.ndarray) -> np.ndarray:
    """Where every value along the leading axis is a float32 number, and one at least
    has more than 12 significant bits (float64 values of simple functions at simple
    points can be float32 numbers: 3.0, 2.75).

    >>> t = 1.597 + np.array([0.0, 1e-9, 2e-9])
    >>> bool(float32_values(np.sin(t.astype(np.float32)).astype(float))), bool(
    ...     float32_values(np.sin(t))), bool(float32_values(np.array([3.0, 3.5, 2.75])))
    (True, False, False)
    """
    with np.errstate(all="ignore"):
        finite = np.all(np.isfinite(values), axis=0)
        narrow = np.all(values.astype(np.float32).astype(np.float64) == values, axis=0)
        scaled = np.frexp(values)[0] * 2.0**12
        fine = np.any(scaled != np.round(scaled), axis=0)
    return finite & narrow & fine


def as_points(x: Any) -> np.ndarray:
    """x as a float64 array (a copy), refusing complex or non-numeric input, and arrays
    whose class gives NumPy code another meaning (np.matrix, masked arrays)."""
    if isinstance(x, np.ndarray) and type(x) is not np.ndarray:
        x = plain_array(x)
    try:
        array = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy accepts nearly anything
        raise NumericError(f"x must be a number or an array of numbers, got {x!r}") from exc
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise NumericError(f"x must be a real number or an array of real numbers, got {_short(x)}")
    if array.size == 0:
        raise NumericError("x is empty: give at least one point")
    return np.array(array, dtype=np.float64)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_number(value: Any) -> str:
    """A float the way Python prints it (shortest round-trip form)."""
    if isinstance(value, complex | np.complexfloating) or np.iscomplexobj(value):
        return repr(complex(value))
    return repr(float(value))


def _call(f: Callable[..., Any], argument: Any) -> np.ndarray:
    with np.errstate(all="ignore"):
        if not np.iscomplexobj(argument):
            return np.asarray(f(argument))
        # Code that drops the imaginary part is reported below, as a NumericError.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            return np.asarray(f(argument))


def _call_one(f: Callable[..., Any], point: Any) -> Any:
    try:
        with np.errstate(all="ignore"):
            return f(point)
    except (ArithmeticError, ValueError):
        # math.sqrt(-1) and friends: outside the domain means "not finite here".
        return np.nan


def evaluate(f: Callable[..., Any], points: np.ndarray) -> np.ndarray:
    """f at every point, by one vectorized call when f allows it.

    A function written for single numbers (``math.sin``, ``if`` statements)
    fails on arrays or returns the wrong shape; it is then called point by
    point.  A constant function's scalar result is broadcast.
    """
    try:
        values = _call(f, points)
        if values.shape != points.shape:
            if values.ndim == 0:
                values = np.broadcast_to(values, points.shape)
            else:
                raise ValueError("shape mismatch")
    except Exception:
        if points.size == 0:
            raise NumericError("x is empty: give at least one point") from None
        flat = []
        for point in points.reshape(-1):
            try:
                flat.append(_call_one(f, point.item()))
            except TypeError as exc:
                if np.iscomplexobj(points):
                    raise NumericError(
                        "the complex-step method needs f to accept complex numbers, but f "
                        f"raised TypeError ({exc}); use method='richardson'"
                    ) from exc
                raise _raised(point, exc) from exc
            except Exception as exc:
                raise _raised(point, exc) from exc
        values = np.array(flat)
        if values.dtype != object and values.shape != (points.size,):
            raise NumericError(
                "f must return one number for each number (act elementwise); it returned "
                f"shape {values.shape[1:]} at x = {format_number(points.reshape(-1)[0])}"
            ) from None
        values = values.reshape(points.shape)
    return numeric_values(values, complex_input=np.iscomplexobj(points))


def _raised(point: np.ndarray, exc: Exception) -> NumericError:
    """One sentence for an exception f raised (a traceback says nothing new about x)."""
    return NumericError(
        f"f raised {type(exc).__name__} at x = {format_number(point.item())}: {exc}"
    )


def numeric_values(values: np.ndarray, *, complex_input: bool) -> np.ndarray:
    """f's values as float64 (complex128 for the complex step), or a clear NumericError."""
    if values.dtype == object or values.dtype.kind not in "biufc":
        raise NumericError(f"f must return numbers, got values of type {values.dtype}")
    if complex_input:
        if values.dtype.kind != "c":
            raise NumericError(
                "the complex-step method needs f to carry complex numbers through, but f "
                "returned real values for complex input (abs, real parts or comparisons "
                "drop the imaginary part); use method='richardson'"
            )
        return values.astype(np.complex128, copy=False)
    if values.dtype.kind == "c":
        if np.any(values.imag != 0):
            raise NumericError("f returned complex values for real input")
        values = values.real
    return values.astype(np.float64, copy=False)


#: Differentiability test.  For a smooth f the gap between the forward and
#: backward slopes, f'' h + O(h**3), halves with h; at a corner it stays put
#: (ratio 1), at a jump it doubles, at an infinite slope it grows by 1.41, and
#: an oscillation scatters it.  Ratios up to this much count as shrinking.
SETTLE_RATIO = 0.75
#: Changes within this many round-off bounds count as noise.
SLOPE_NOISE = 2.0

NOTE_CORNER = (
    "f has a corner at or within a step of x: the slopes on the two sides differ by about "
    "{jump:.3g} at every step (no derivative there, or a very sharp bend)"
)
NOTE_NO_SECOND = (
    "the one-sided second differences disagree or do not settle as h shrinks: the slope "
    "of f has a corner (or f a jump) at or within a step of x (no second derivative there)"
)
NOTE_UNSETTLED = (
    "the one-sided slopes do not settle as h shrinks: f jumps, has an infinite slope or "
    "oscillates at or within a step of x (no derivative there, or a very sharp feature)"
)


@dataclass(frozen=True)
class OneSided:
    """What the one-sided slopes at three halving steps say about f' at x.

    ``broken``: no derivative (or a feature sharper than the step) at those
    elements; ``corner``: of those, the ones whose slopes settle on two
    different values; ``gap``: the largest difference between the forward
    and backward slopes seen, a measure of how wrong any estimate may be.
    """

    broken: np.ndarray
    corner: np.ndarray
    gap: np.ndarray
    derivative: int = 1  # which derivative the test is about
    # The steps h and f(x + h), f(x - h) the test looked at (first derivatives).
    samples: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def note(self) -> str:
        """The sentence for an estimate these slopes make unreliable ('' if none).

        >>> OneSided(np.array(False), np.array(False), np.array(0.0)).note()
        ''
        """
        if not np.any(self.broken):
            return ""
        if self.derivative == 2:
            return NOTE_NO_SECOND
        if np.all(self.corner[self.broken]):
            return NOTE_CORNER.format(jump=float(np.max(np.where(self.corner, self.gap, 0.0))))
        return NOTE_UNSETTLED

    def __or__(self, other: OneSided) -> OneSided:
        """Both tests at once: broken where either is (the note of the first that fails).

        >>> fine = OneSided(np.array(False), np.array(False), np.array(0.0))
        >>> bool((fine | OneSided(np.array(True), np.array(False), np.array(1.0), 2)).broken)
        True
        """
        first = self if np.any(self.broken) else other
        return OneSided(
            self.broken | other.broken,
            first.corner,
            np.fmax(self.gap, other.gap),
            first.derivative,
        )

    def apply(self, error: np.ndarray, reliable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``error`` widened to half the gap and ``reliable`` cleared where f is broken.

        >>> error, reliable = OneSided(np.array(True), np.array(True), np.array(2.0)).apply(
        ...     np.array(0.0), np.array(True))
        >>> float(error), bool(reliable)
        (1.0, False)
        """
        with np.errstate(invalid="ignore"):
            widened = np.where(self.broken, np.fmax(error, self.gap / 2), error)
        return widened, reliable & ~self.broken


def _shrinks(sequence: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Whether a sequence over three halving steps shrinks like a power of h, or
    ends at round-off level."""
    quiet = np.abs(sequence) <= SLOPE_NOISE * noise
    ratios = sequence[1:] / sequence[:-1]
    shrinking = np.all(np.abs(ratios) <= SETTLE_RATIO, axis=0)
    return quiet[-1] | shrinking


def one_sided(
    plus: np.ndarray, minus: np.ndarray, fx: np.ndarray, steps: np.ndarray, x: np.ndarray
) -> OneSided:
    """Differentiability test from f(x + h), f(x - h) at three halving steps h.

    ``plus``, ``minus`` and ``steps`` have a leading axis of the three steps
    (largest first).  A derivative exists where the gap between the forward
    slope (f(x+h) - f(x)) / h and the backward slope (f(x) - f(x-h)) / h
    shrinks with h (like f'' h) or sits at round-off level.  Where f is not
    finite on one side (the edge of its domain), the slopes on the other
    side must settle instead: their changes shrink with h.

    >>> h = np.array([1e-3, 5e-4, 2.5e-4])
    >>> one_sided(np.abs(h), np.abs(-h), np.array(0.0), h, np.array(0.0)).corner
    array(True)
    >>> one_sided(np.cos(h), np.cos(-h), np.array(1.0), h, np.array(0.0)).broken
    array(False)
    """
    with np.errstate(all="ignore"):
        forward = (plus - fx) / steps
        backward = (fx - minus) / steps
        rounding = 0.5 * EPS * np.abs(x) * (np.abs(forward) + np.abs(backward)) / steps
        forward_noise = ROUNDOFF_FACTOR * EPS * (np.abs(plus) + np.abs(fx)) / steps + rounding
        backward_noise = ROUNDOFF_FACTOR * EPS * (np.abs(minus) + np.abs(fx)) / steps + rounding
    verdict = compare_sides(forward, backward, forward_noise, backward_noise)
    return replace(verdict, samples=(steps, plus, minus))


def one_sided_curvature(
    plus: np.ndarray, minus: np.ndarray, fx: np.ndarray, steps: np.ndarray, x: np.ndarray
) -> OneSided:
    """Whether the second derivative exists at x: the same test on one-sided
    second differences.

    ``plus`` and ``minus`` hold f(x + k h) and f(x - k h) for k = 1, 2
    (leading axis: k, then the three halving steps).  The forward second
    difference (f(x+2h) - 2 f(x+h) + f(x)) / h**2 and the backward one differ
    by twice the third derivative times h for a smooth f; where the slope has
    a corner (x|x| at 0) the gap stays put.  A corner of f itself is for the
    first-derivative test to find.

    >>> h = np.array([1e-2, 5e-3, 2.5e-3])
    >>> k = np.array([1.0, 2.0])[:, None]
    >>> one_sided_curvature((k * h) ** 2, -((k * h) ** 2), np.array(0.0), h, np.array(0.0)).corner
    array(True)
    """
    with np.errstate(all="ignore"):
        forward = (plus[1] - 2 * plus[0] + fx) / steps**2
        backward = (fx - 2 * minus[0] + minus[1]) / steps**2
        slope = np.abs(plus[0] - minus[0]) / (2 * steps)
        rounding = 4 * EPS * step_scale(x) * slope / steps**2
        size = ROUNDOFF_FACTOR * EPS / steps**2
        forward_noise = size * (np.abs(plus[1]) + 2 * np.abs(plus[0]) + np.abs(fx)) + rounding
        backward_noise = size * (np.abs(minus[1]) + 2 * np.abs(minus[0]) + np.abs(fx)) + rounding
    return compare_sides(forward, backward, forward_noise, backward_noise, derivative=2)


def compare_sides(
    forward: np.ndarray,
    backward: np.ndarray,
    forward_noise: np.ndarray,
    backward_noise: np.ndarray,
    derivative: int = 1,
) -> OneSided:
    """The verdict of :func:`one_sided` from one-sided estimates at three halving steps.

    >>> compare_sides(np.ones(3), -np.ones(3), np.zeros(3), np.zeros(3)).corner
    array(True)
    """
    with np.errstate(all="ignore"):
        has_forward = np.all(np.isfinite(forward), axis=0)
        has_backward = np.all(np.isfinite(backward), axis=0)
        both = has_forward & has_backward
        gaps = forward - backward
        smooth = _shrinks(gaps, forward_noise + backward_noise)
        forward_settles = _shrinks(forward[:-1] - forward[1:], forward_noise[:-1])
        backward_settles = _shrinks(backward[:-1] - backward[1:], backward_noise[:-1])
        one_side = np.where(has_forward, forward_settles, backward_settles)
        settled = np.where(both, smooth, one_side | ~(has_forward | has_backward))
        ratios = np.abs(gaps[1:] / gaps[:-1])
        corner = both & ~settled & np.all((ratios > SETTLE_RATIO) & (ratios < 1.34), axis=0)
        # The gap is how wrong any estimate may be; on one side only, the spread.
        spread = np.fmax(
            np.max(np.abs(forward - forward[-1]), axis=0),
            np.max(np.abs(backward - backward[-1]), axis=0),
        )
        gap = np.where(both, np.max(np.abs(gaps), axis=0), spread)
    return OneSided(np.asarray(~settled), np.asarray(corner), np.asarray(gap), derivative)


def raise_not_finite(
    where: str,
    x: np.ndarray,
    index: tuple[int, ...],
    point: Any,
    value: Any,
) -> None:
    """Raise the NumericError that names the point and the offending value."""
    location = f"x[{', '.join(map(str, index))}]" if index else "x"
    x_text = format_number(x[index] if index else x)
    overflow = where != "at" and bool(np.any(np.isinf(value)))
    hint = (
        " (f overflows at the steps the method needs: give a smaller h or another method)"
        if overflow
        else ""
    )
    raise NumericError(
        f"f is not finite {where} {location} = {x_text}: "
        f"f({format_number(point)}) = {format_number(value)}{hint}"
    )


def check_value_at_x(fx: np.ndarray, x: np.ndarray) -> None:
    """f(x) itself must be finite."""
    bad = ~np.isfinite(fx)
    if np.any(bad):
        index = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
        raise_not_finite("at", x, index, x[index] if index else x, fx[index] if index else fx)


def check_values_near_x(
    values: np.ndarray, points: np.ndarray, x: np.ndarray, *, element_axes: int
) -> None:
    """Every value of a stencil must be finite; name the first that is not.

    ``values`` and ``points`` have leading axes (stencil points) followed by the
    ``element_axes`` axes of x.
    """
    bad = ~np.isfinite(values)
    if not np.any(bad):
        return
    position = tuple(int(i) for i in np.argwhere(bad)[0])
    index = position[len(position) - element_axes :] if element_axes else ()
    raise_not_finite("next to", x, index, points[position], values[position])


def call_vector(f: Callable[..., Any], point: np.ndarray) -> np.ndarray:
    """f at one point of R^n (a 1-D or n-D array), as an array of float or complex."""
    try:
        with np.errstate(all="ignore"):
            result = f(point)
    except TypeError as exc:
        if np.iscomplexobj(point):
            raise NumericError(
                "the complex-step method needs f to accept complex numbers, but f raised "
                f"TypeError ({exc}); use method='richardson'"
            ) from exc
        raise NumericError(f"f raised TypeError at x = {_short(point.tolist())}: {exc}") from exc
    except Exception as exc:
        raise NumericError(
            f"f raised {type(exc).__name__} at x = {_short(point.tolist())}: {exc}"
        ) from exc
    values = np.asarray(result)
    return numeric_values(values, complex_input=np.iscomplexobj(point))
