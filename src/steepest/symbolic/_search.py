"""Critical points found by a numerical multi-start search.

When grad f = 0 cannot be solved exactly in time, Newton-type root finding
(``scipy.optimize.root`` with the exact Hessian as Jacobian) from many
starting points spread over a box still finds critical points, with no
claim that it finds them all: each is labelled ``found="numerically"``.

>>> import sympy as sp
>>> x, y = sp.symbols("x y", real=True)
>>> [(p.kind, p.approx(), p.found) for p in search(x**2 - 2*x + y**2, [x, y])]
[('minimum', {'x': 1.0, 'y': 0.0}, 'numerically')]
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import mpmath
import numpy as np
import scipy.optimize
import sympy as sp
from scipy.stats import qmc

from steepest.symbolic import nonsmooth
from steepest.symbolic._critical import (
    DEGENERATE,
    MAXIMUM,
    MINIMUM,
    NUMERICALLY,
    SADDLE,
    CriticalPoint,
    kind_from_eigenvalue_signs,
    line_directions,
)

# Where to start when no domain box is given, and how many starts per variable.
DEFAULT_HALF_WIDTH = 10.0
# Roots of one flat region whose coordinate differs by at most this (relative) share one value.
SAME_VALUE = 1e-6
STARTS_PER_VARIABLE = 64
# A root is accepted when the gradient there is this small relative to the
# size of the Hessian; eigenvalues this small relative to it count as zero.
GRADIENT_TOLERANCE = 1e-9
EIGENVALUE_TOLERANCE = 1e-8
# Roots joined by a segment along which f changes by less than this (relative) and the
# gradient stays below it, at this many points, sample one flat region.
FLAT_TOLERANCE = 1e-9
FLAT_SAMPLES = 7
# Both checks are confirmed with this many digits (mpmath: no underflow, no rounding at
# f's absolute size), on f's own scale where it is: a root's gradient must be this small
# next to the gradient these steps (relative to 1 + each coordinate's size) away on both
# sides along some line through it (so a root is also good to about 1e-7 of its
# coordinates); f along a flat segment must change by FLAT_TOLERANCE of what it changes
# the last of these steps off it, at most.
PRECISE_DIGITS = 30
# What mpmath code for f raises where f cannot be evaluated precisely (a pole, a value
# outside its domain, a name it lacks): the checks that use it then say nothing.
PRECISE_FAILURES = (ValueError, TypeError, ZeroDivisionError, OverflowError, NameError)
LOCAL_TOLERANCE = 1e-5
LOCAL_STEPS = (1e-2, 1e-4)
# And f's quadratic model must put the critical point within this (relative to 1 + each
# coordinate's size) of the root, leaving out directions of curvature below this share
# of the largest (a family of critical points, a degenerate point).
NEWTON_TOLERANCE = 1e-6
FAMILY_RCOND = 1e-8
# f over roots around one degenerate point changes by more than this share of its size
# (a thousand units of the last of PRECISE_DIGITS digits) or, where f is about 0, of its
# change a short step off; on a flat region, by rounding.
ROUNDING_DIGITS_LEFT = 10.0 ** (3 - PRECISE_DIGITS)
# Steps (relative to 1 + each coordinate's size) at which f is compared with f at a
# degenerate point along lines through it.
SECOND_LOOK_STEPS = (1e-2, 1e-3, 1e-4)
# Grid points on which each switch expression's sign changes are looked for (one variable).
KINK_GRID = 4097


def _starts(n: int, box: Mapping[sp.Symbol, tuple[sp.Expr, sp.Expr]], variables) -> np.ndarray:
    low = np.full(n, -DEFAULT_HALF_WIDTH)
    high = np.full(n, DEFAULT_HALF_WIDTH)
    for i, var in enumerate(variables):
        if var in box:
            a, b = (float(bound) for bound in box[var])
            low[i] = a if np.isfinite(a) else min(-DEFAULT_HALF_WIDTH, b - 2 * DEFAULT_HALF_WIDTH)
            high[i] = b if np.isfinite(b) else max(DEFAULT_HALF_WIDTH, a + 2 * DEFAULT_HALF_WIDTH)
    unit = qmc.Halton(d=n, scramble=False).random(STARTS_PER_VARIABLE * n + 1)[1:]
    return low + unit * (high - low)


def _kind(hessian: np.ndarray) -> tuple[str, str]:
    eigenvalues = np.linalg.eigvalsh(hessian)
    size = max(float(np.max(np.abs(eigenvalues))), 1.0)
    positive = int(np.sum(eigenvalues > EIGENVALUE_TOLERANCE * size))
    negative = int(np.sum(eigenvalues < -EIGENVALUE_TOLERANCE * size))
    return kind_from_eigenvalue_signs(positive, negative, len(eigenvalues))


def search(
    f: sp.Expr,
    variables: Sequence[sp.Symbol],
    box: Mapping[sp.Symbol, tuple[sp.Expr, sp.Expr]] | None = None,
) -> list[CriticalPoint]:
    """Critical points of ``f`` that root finding reaches from starts spread over the box
    (or [-10, 10] in each unbounded variable), classified by the Hessian's eigenvalues.

    >>> x = sp.Symbol("x", real=True)
    >>> [(p.kind, round(p.approx()["x"], 12)) for p in search(sp.cos(x), [x], {x: (1, 4)})]
    [('minimum', 3.14159265359)]
    """
    box = box or {}
    if not variables:
        return []
    marked = [nonsmooth.derivative(f, v) for v in variables]
    slopes = [nonsmooth.away_from_kinks(g) for g in marked]
    curvatures = sp.Matrix(
        [[nonsmooth.away_from_kinks(nonsmooth.derivative(g, v)) for v in variables] for g in marked]
    )
    gradient, hessian = _compiled(variables, slopes), _compiled(variables, curvatures)
    value = _compiled(variables, f)
    precise_gradient = _precise(variables, slopes)
    precise_hessian = _precise(variables, curvatures)
    precise_value = _precise(variables, f)
    points: list[CriticalPoint] = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        starts = _starts(len(variables), box, variables)
        # c f has the critical points of f: an f that changes little is searched over a
        # power of two near the typical size of its changes, so that its tolerances,
        # absolute where f changes by about 1 or more, are f's own (a large f meets them
        # relatively already).
        power = _typical_power(value, starts)
        value, gradient, hessian = (_scaled(function, 2.0 ** -power)
                                    for function in (value, gradient, hessian))
        found: list[np.ndarray] = []
        for start in starts:
            root = _root(gradient, hessian, start)
            if root is None or not _in_box(root, box, variables):
                continue
            if not any(np.allclose(root, other, rtol=1e-7, atol=1e-9) for other in found):
                found.append(root)
        found = sorted(
            (
                r
                for r in found
                if _vanishes_locally(r, precise_gradient, gradient)
                and _model_agrees(r, precise_gradient, precise_hessian)
            ),
            key=tuple,
        )
        if len(variables) == 1:
            kinks, found = _kinks(f, variables[0], box, value, found)
            points.extend(kinks)
        for cluster in _flat_clusters(found, gradient, value, precise_value):
            roots = [found[i] for i in cluster]
            one = _one_point(roots)
            if not one and not _within_a_short_step(roots):
                points.append(_flat_region(variables, roots, value))
                continue
            sizes = [_gradient_size(r, precise_gradient, gradient) for r in roots]
            best = roots[int(np.argmin(sizes))]
            if not one and not _around_one_point(roots, best, precise_value):
                points.append(_flat_region(variables, roots, value))
                continue
            root = _best_estimate(
                roots, best, min(sizes), lambda r: _gradient_size(r, precise_gradient, gradient)
            )
            at = float(np.real(value(*root)))
            if np.isfinite(at):
                points.append(_point(variables, root, at, hessian, f, precise_value))
    for entry in points:  # the values of f itself (exactly: a power of two)
        if isinstance(entry.value, sp.Float):  # an exact value is f's own already
            entry.value = sp.Float(float(entry.value) * 2.0**power, 17)
    return sorted(points, key=_position)


def _typical_power(value, starts: np.ndarray) -> int:
    """The power of two nearest the median size of f's changes over the starts (how far
    each value is from their median) where that is below 1, else 0 (also where no change
    is a finite nonzero number).  A constant added to f changes neither its critical
    points nor this power: 1 + 1e-12 (x^2 - 1)^2 is searched as 1e-12 (x^2 - 1)^2 is.

    >>> x = sp.Symbol("x", real=True)
    >>> starts = np.array([[1.0], [2.0], [3.0]])
    >>> _typical_power(_compiled([x], 1e-20 * x**2), starts)
    -64
    >>> _typical_power(_compiled([x], 1e-12 * x**2), starts)
    -38
    >>> _typical_power(_compiled([x], 1 + 1e-12 * x**2), starts)
    -38
    """
    values = np.array([np.real(complex(value(*start))) for start in starts])
    values = values[np.isfinite(values)]
    sizes = np.abs(values - np.median(values)) if values.size else values
    sizes = sizes[sizes > 0]
    if not sizes.size:
        return 0
    return int(np.clip(np.round(np.log2(np.median(sizes))), -1000, 0))


def _scaled(function, factor: float):
    """``function`` times ``factor`` (a power of two: exact), element by element."""
    if factor == 1.0:
        return function

    def scaled(*args: Any) -> Any:
        result = function(*args)
        if isinstance(result, (list, tuple)):
            return [np.asarray(item) * factor for item in result]
        return np.asarray(result) * factor

    return scaled


def _kinks(
    f: sp.Expr, x: sp.Symbol, box, value, roots: list[np.ndarray]
) -> tuple[list[CriticalPoint], list[np.ndarray]]:
    """Points where f switches formula (|u|, max, ...) and has a kink, a jump or zero
    slopes from both sides, found as sign changes of each switch expression on a fine
    grid and classified by f on both sides; and the roots not at such a point (a root
    there is one only by the convention that |u|' is 0 where u = 0)."""
    low, high = _starts_range(x, box)
    grid = np.linspace(low, high, KINK_GRID)
    switches = [_compiled([x], e) for e in nonsmooth.switch_equations(f, x)]
    cuts = sorted({p for u in switches for p in _sign_changes(u, grid)})
    smooth = [r for r in roots if not any(_close(float(r[0]), p) for p in cuts)]
    points: list[CriticalPoint] = []
    for i, p in enumerate(cuts):
        if i and _close(p, cuts[i - 1]):
            continue
        others = [abs(p - q) for q in cuts if not _close(p, q)]
        entry = _kink_point(x, p, value, min(others, default=np.inf))
        if entry is not None:
            points.append(entry)
    return points, smooth


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * (1.0 + abs(a))


def _starts_range(x: sp.Symbol, box) -> tuple[float, float]:
    low, high = -DEFAULT_HALF_WIDTH, DEFAULT_HALF_WIDTH
    if x in box:
        a, b = (float(bound) for bound in box[x])
        low = a if np.isfinite(a) else min(low, b - 2 * DEFAULT_HALF_WIDTH)
        high = b if np.isfinite(b) else max(high, a + 2 * DEFAULT_HALF_WIDTH)
    return low, high


def _sign_changes(u, grid: np.ndarray) -> list[float]:
    """Zeros of u on the grid's range: exact zeros at grid points, and a bracketed root
    between neighbours of opposite sign."""
    values = np.real(np.asarray(u(grid), dtype=complex)) * np.ones_like(grid)
    zeros = [float(t) for t, v in zip(grid, values, strict=True) if v == 0]
    for i in np.nonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)[0]:
        try:
            zeros.append(
                scipy.optimize.brentq(lambda t: float(np.real(u(t))), grid[i], grid[i + 1])
            )
        except (ValueError, RuntimeError):
            continue
    return sorted(zeros)


def _kink_point(x: sp.Symbol, p: float, value, gap: float) -> CriticalPoint | None:
    """A switch point p if the derivative does not exist or is 0 there, with its kind
    from f just left and right of p (None where f has one nonzero slope through p)."""
    at = float(np.real(value(p)))
    if not np.isfinite(at):
        return None
    scale = max(1.0, abs(p))
    tolerance = 8 * np.finfo(float).eps * max(1.0, abs(at))  # rounding in f, no more
    sides: set[tuple[int, int]] = set()
    steps = []
    for h in (near := min(1e-2 * scale, gap / 4), near / 100):
        left, right = float(np.real(value(p - h))), float(np.real(value(p + h)))
        sides.add((_sign_beyond(left - at, tolerance), _sign_beyond(right - at, tolerance)))
        steps.append((at - left, right - at, h))
    (far_left, far_right, _), (left_step, right_step, h) = steps
    # A continuous f moves 100 times less over a 100 times shorter step; a jump does not.
    jump = max(abs(left_step), abs(right_step)) > max(
        0.5 * max(abs(far_left), abs(far_right)), 1e3 * tolerance
    )
    left_slope, right_slope = left_step / h, right_step / h
    size = 1.0 + abs(left_slope) + abs(right_slope)
    same = not jump and abs(left_slope - right_slope) <= 1e-3 * size
    # A slope of 0 shows as a difference quotient that shrinks with the step.
    far_slope = far_left / (100 * h)
    if same and abs(left_slope) > max(0.1 * abs(far_slope), 1e-9):
        return None  # one nonzero slope through p: not critical
    kind, strict = DEGENERATE, ""
    if len(sides) == 1:
        (pair,) = sides
        kind = _KINDS.get(pair, DEGENERATE)
        strict = (
            "; not strict: f is constant on one side" if 0 in pair and kind != DEGENERATE else ""
        )
    why = "the derivative is 0 here" if same else "the derivative is not defined here (a kink)"
    if jump:
        why = "the derivative is not defined here: f jumps (it is not continuous here)"
    return CriticalPoint(
        {x.name: sp.Float(p, 17)},
        kind,
        sp.Float(at, 17),
        note=f"{why}{strict}; kind told by f on both sides; found by a numerical search, "
        "the list may be incomplete",
        exact=False,
        found=NUMERICALLY,
    )


# The kind of a switch point from the signs of f - f(p) just left and right of it.
_KINDS = {
    (1, 1): MINIMUM,
    (-1, -1): MAXIMUM,
    (1, -1): SADDLE,
    (-1, 1): SADDLE,
    (1, 0): MINIMUM,
    (0, 1): MINIMUM,
    (-1, 0): MAXIMUM,
    (0, -1): MAXIMUM,
}


def _sign_beyond(difference: float, tolerance: float) -> int:
    return 0 if abs(difference) <= tolerance else (1 if difference > 0 else -1)


def _position(entry: CriticalPoint) -> tuple[float, ...]:
    if entry.region is not None:
        return (
            (float(entry.region.inf),)
            if entry.region.is_Interval
            else tuple(float(side.inf) for side in entry.region.sets)
        )
    return tuple(entry.approx().values())


def _flat_clusters(
    found: list[np.ndarray], gradient, value, precise_value=None
) -> list[list[int]]:
    """Groups of the roots found (indices) joined by segments along which f is constant:
    samples of one flat region, which must be reported as that region, not as points."""
    parent = list(range(len(found)))

    def top(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    one_variable = bool(found) and len(found[0]) == 1
    for i, j in itertools.combinations(range(len(found)), 2):
        if one_variable and j != i + 1:
            continue  # sorted: in one variable a flat run joins neighbours
        if top(i) != top(j) and _flat_between(found[i], found[j], gradient, value,
                                              precise_value):
            parent[top(j)] = top(i)
    clusters: dict[int, list[int]] = {}
    for i in range(len(found)):
        clusters.setdefault(top(i), []).append(i)
    return list(clusters.values())


def _flat_between(
    a: np.ndarray, b: np.ndarray, gradient, value, precise_value=None
) -> bool:
    """Whether f has the same value and a zero gradient all along the segment from a to b
    (checked at evenly spaced points on it), and where ``precise_value`` (mpmath code for
    f) is given, constant on f's own scale there (:func:`_flat_precisely`)."""
    # Both ends, and points between them at irrational spacings (multiples of the golden
    # ratio, wrapped): evenly spaced samples can all fall on one phase of a periodic f
    # (sin x between two maxima 24 periods apart looked constant).
    inner = np.modf(np.arange(1, FLAT_SAMPLES + 1) * (np.sqrt(5.0) - 1.0) / 2.0)[0]
    t = np.concatenate([[0.0, 1.0], inner])[:, None]
    samples = (a + t * (b - a)).T
    values = np.broadcast_to(np.real(np.asarray(value(*samples), dtype=complex)), t.shape[:1])
    start = float(values[0])
    if not np.all(np.isfinite(values)):
        return False
    if not np.all(np.abs(values - start) <= FLAT_TOLERANCE * (1.0 + abs(start))):
        return False
    slopes = [np.broadcast_to(np.asarray(g, dtype=float), t.shape[:1]) for g in gradient(*samples)]
    if not np.all(np.abs(np.asarray(slopes)) <= FLAT_TOLERANCE):
        return False
    # The tolerances above are absolute on the scale the search works at: where f fades
    # (1e-80 on a tail) every value passes them.  Constant means constant next to how
    # much f changes a short step off the segment.
    return precise_value is None or _flat_precisely(samples.T, precise_value)


def _flat_precisely(samples: np.ndarray, precise_value) -> bool:
    """Whether f (``precise_value``: mpmath code) changes along the samples (rows, the
    first two the segment's ends) by at most FLAT_TOLERANCE of what it changes a short
    step (the last of LOCAL_STEPS) from an end along some line; True where mpmath
    cannot evaluate f (the plain checks stand).

    >>> x = sp.Symbol("x", real=True)
    >>> _flat_precisely(np.array([[-200.0], [-199.0]]), _precise([x], sp.exp(x)))
    False
    >>> _flat_precisely(np.array([[-2.0], [-1.0]]), _precise([x], sp.Max(x, 0)))
    True
    """
    try:
        with mpmath.workdps(PRECISE_DIGITS):
            values = [mpmath.mpmathify(precise_value(*_lifted(point))) for point in samples]
            along = max(abs(v - values[0]) for v in values)
            if along == 0:
                return True
            off = max(_change_beside(precise_value, tuple(float(c) for c in end))
                      for end in samples[:2])
            return bool(along <= FLAT_TOLERANCE * off)
    except PRECISE_FAILURES:
        return True


@functools.lru_cache(maxsize=4096)
def _change_beside(precise_value, end: tuple[float, ...]) -> mpmath.mpf:
    """How much f (``precise_value``: mpmath code) changes a step of the last of
    LOCAL_STEPS (relative to 1 + the point's size) from ``end``, at most, along the
    lines of :func:`line_directions` (cached: the pairs of roots share their ends)."""
    with mpmath.workdps(PRECISE_DIGITS):
        lifted = _lifted(end)
        at = mpmath.mpmathify(precise_value(*lifted))
        change = mpmath.mpf(0)
        for direction, sign in itertools.product(line_directions(len(end)), (1, -1)):
            unit = np.asarray(direction, dtype=float) / np.linalg.norm(direction)
            beside = [c + sign * LOCAL_STEPS[-1] * float(u) * (1 + abs(c))
                      for c, u in zip(lifted, unit, strict=True)]
            change = max(change, abs(mpmath.mpmathify(precise_value(*beside)) - at))
        return change


def _one_point(roots: list[np.ndarray]) -> bool:
    """Whether the roots of one cluster differ only by the root finder's tolerance in
    every coordinate: approximations of one (degenerate) point, not a region.

    >>> _one_point([np.array([-1.7e-8]), np.array([0.0]), np.array([9.2e-9])])
    True
    """
    stacked = np.asarray(roots)
    low, high = stacked.min(axis=0), stacked.max(axis=0)
    return all(
        isinstance(_side(float(a), float(b)), sp.FiniteSet) for a, b in zip(low, high, strict=True)
    )


def _flat_region(variables: Sequence[sp.Symbol], roots: list[np.ndarray], value) -> CriticalPoint:
    """One entry for roots that sample one region where f is constant."""
    stacked = np.asarray(roots)
    low, high = stacked.min(axis=0), stacked.max(axis=0)
    sides = [_side(float(a), float(b)) for a, b in zip(low, high, strict=True)]
    region = sides[0] if len(sides) == 1 else sp.ProductSet(*sides)
    at = float(np.real(value(*roots[0])))
    return CriticalPoint(
        {},
        DEGENERATE,
        sp.Float(at, 17),
        tuple(v.name for v in variables),
        note=(
            f"f looks constant there: {len(roots)} points the numerical search found are "
            "joined by segments along which f does not change, so every point there is "
            "critical (the region may extend further)"
        ),
        exact=False,
        found=NUMERICALLY,
        region=region,
    )


def _side(low: float, high: float) -> sp.Set:
    """One side of a flat region's box: an interval, or one value where the roots found
    differ only by the root finder's tolerance (the line y = 0, not -5e-11 <= y <= 8e-9)."""
    middle = (low + high) / 2
    if high - low <= SAME_VALUE * max(1.0, abs(middle)):
        return sp.FiniteSet(sp.Float(round(middle, 6) + 0.0, 17))  # + 0.0: no -0.0
    return sp.Interval(sp.Float(low, 17), sp.Float(high, 17))


def _point(
    variables: Sequence[sp.Symbol],
    root: np.ndarray,
    at: float,
    hessian,
    f: sp.Expr | None = None,
    precise_value=None,
) -> CriticalPoint:
    """The entry for one root: its coordinates (a whole number, such as one
    :func:`_snapped` to it, is exact), f there (exact where every coordinate is), and
    its kind by the Hessian or,
    where that is singular, by f along lines through it (:func:`_saddle_along_lines`)."""
    matrix = np.asarray(hessian(*root), dtype=float)
    if np.all(np.isfinite(matrix)):
        kind, note = _kind(matrix)
        if kind == DEGENERATE and precise_value is not None:
            kind, note = _saddle_along_lines(root, precise_value) or (kind, note)
    else:
        kind, note = DEGENERATE, "the Hessian is not defined there"
    whole = [bool(c == round(c)) and abs(c) < 2**53 for c in root]
    point = {
        v.name: sp.Integer(int(c)) if w else sp.Float(float(c), 17)
        for v, c, w in zip(variables, root, whole, strict=True)
    }
    value: sp.Expr = sp.Float(at, 17)
    exact = all(whole)
    if exact and f is not None:
        known = f.subs({v: point[v.name] for v in variables})
        if known.is_number and known.is_real and known.is_finite and not known.has(sp.Float):
            value = known
    return CriticalPoint(
        point,
        kind,
        value,
        note=f"{note}; found by a numerical search, the list may be incomplete",
        exact=exact,
        found=NUMERICALLY,
    )


def _around_one_point(roots: list[np.ndarray], best: np.ndarray, precise_value) -> bool:
    """Whether roots joined as samples of a flat region are instead approximations of
    one degenerate point: all within a short step (the first of LOCAL_STEPS, relative to
    1 + each coordinate's size) of one another, and f over them not constant to the
    PRECISE_DIGITS digits its flatness is checked with (on the scale of f's size there,
    or of its change a short step off where f is about 0).  A coordinate the region would
    give one value (:func:`_side`) is that of ``best`` (the root with the smallest
    gradient) at each root: the root finder's error across a flat region (y = 1e-16
    beside y = 0 on the region of max(0, |x| - 1e-3)^2 + y^2) is no change along it.

    Near a point where f changes like y^4, the gradient (4 y^3) is below the root
    finder's tolerance over a whole neighbourhood (|y| < 1e-6), and f there changes by
    y^4 = 1e-24: nothing next to its change a step off, yet a change, where f on a
    true flat region changes by rounding at most.

    >>> x, y = sp.symbols("x y", real=True)
    >>> cloud = [np.array([1.0, -9e-7]), np.array([1.0, 2e-7]), np.array([1.0, 9e-7])]
    >>> _around_one_point(cloud, cloud[1], _precise([x, y], (y**4 + 1) * x))
    True
    >>> _around_one_point(cloud, cloud[1], _precise([x, y], sp.Max(y - 1, 0)))  # 0 all over
    False
    """
    if precise_value is None or not _within_a_short_step(roots):
        return False
    stacked = np.asarray(roots)
    low, high = stacked.min(axis=0), stacked.max(axis=0)
    one_value = [
        isinstance(_side(float(a), float(b)), sp.FiniteSet) for a, b in zip(low, high, strict=True)
    ]
    pinned = np.where(one_value, best, stacked)
    try:
        with mpmath.workdps(PRECISE_DIGITS):
            values = [mpmath.mpmathify(precise_value(*_lifted(r))) for r in pinned]
            # The size of f there, or of its change a short step off where f is about 0.
            size = max(max(abs(v) for v in values),
                       _change_beside(precise_value, tuple(float(c) for c in best)))
            change = max(abs(v - values[0]) for v in values)
            return bool(change > ROUNDING_DIGITS_LEFT * size)
    except PRECISE_FAILURES:
        return False


def _within_a_short_step(roots: list[np.ndarray]) -> bool:
    """Whether the roots lie within the first of LOCAL_STEPS (relative to 1 + each
    coordinate's size) of one another in every coordinate."""
    stacked = np.asarray(roots)
    low, high = stacked.min(axis=0), stacked.max(axis=0)
    scale = 1 + np.maximum(np.abs(low), np.abs(high))
    return bool(np.all(high - low <= LOCAL_STEPS[0] * scale))


def _best_estimate(
    roots: list[np.ndarray], best: np.ndarray, smallest: float, size
) -> np.ndarray:
    """Of the roots around one point (``best`` has the ``smallest`` gradient among them,
    ``size`` tells the gradient's) and their centre, the one with the smallest gradient,
    :func:`_snapped`."""
    stacked = np.asarray(roots)
    if len(roots) > 1:
        centre = stacked.mean(axis=0)
        if (at_centre := size(centre)) < smallest:
            best, smallest = centre, at_centre
    return _snapped(best, smallest, stacked.min(axis=0), stacked.max(axis=0), size)


def _snapped(
    root: np.ndarray, smallest: float, low: np.ndarray, high: np.ndarray, size
) -> np.ndarray:
    """``root`` with each coordinate that may be an integer (0 above all) set to it where
    the gradient there (``size``) is no larger than at ``root`` (``smallest``): a
    coordinate within NEWTON_TOLERANCE of the point's size (1 + its largest coordinate)
    of the integer, or one whose roots ``low`` to ``high`` lie on both sides of it.  The
    corner (0, 0) of the box was found as (6.4e-126, -3.5e-37), the point 1 of
    (x - 1)^4 (x^2 + 1) as 1 - 3e-16.

    >>> x, y = sp.symbols("x y", real=True)
    >>> g = _precise([x, y], [2 * x, 4 * y**3])
    >>> def size(r):
    ...     return _gradient_size(r, g, None)
    >>> root = np.array([6.4e-126, -3.5e-37])
    >>> _snapped(root, size(root), root, root, size).tolist()
    [0.0, 0.0]
    >>> g = _precise([x], [2 * (x - 1e-9)])  # the critical point is at 1e-9: kept
    >>> root = np.array([1e-9])
    >>> _snapped(root, 0.0, root, root, lambda r: _gradient_size(r, g, None)).tolist()
    [1e-09]
    """
    best = np.array(root, dtype=float)
    scale = 1.0 + float(np.max(np.abs(root)))
    targets = np.round(root)
    for i in np.argsort(np.abs(root - targets)):
        c, target = float(root[i]), float(targets[i])
        near = abs(c - target) <= NEWTON_TOLERANCE * scale or low[i] <= target <= high[i]
        if c == target or not near:
            continue
        trial = best.copy()
        trial[i] = target
        trial_size = size(trial)
        if trial_size <= smallest:
            best, smallest = trial, trial_size
    return best + 0.0  # + 0.0: no -0.0


def _saddle_along_lines(root: np.ndarray, precise_value) -> tuple[str, str] | None:
    """A saddle told where the Hessian is singular: f above f(root) on both sides along
    one line through it, and below along another, at each of SECOND_LOOK_STEPS
    (relative to 1 + each coordinate's size), computed with mpmath.  A minimum or
    maximum is not told this way (f can rise along every line and fall along a curve).

    >>> x, y = sp.symbols("x y", real=True)
    >>> f = (y**4 + 1) * (sp.cos(3 * x) + 2)
    >>> _saddle_along_lines(np.array([2 * np.pi / 3, 0.0]), _precise([x, y], f))[0]
    'saddle'
    >>> _saddle_along_lines(np.array([np.pi / 3, 0.0]), _precise([x, y], f)) is None
    True
    """
    try:
        with mpmath.workdps(PRECISE_DIGITS):
            at = _lifted(root)
            base = mpmath.mpmathify(precise_value(*at))
            seen: dict[int, tuple[int, ...]] = {}
            # The axes first: "along (0, 1)" says more than "along (1, 1)".
            for direction in sorted(line_directions(len(at)), key=lambda d: sum(map(abs, d))):
                unit = np.asarray(direction, dtype=float) / np.linalg.norm(direction)
                signs = {
                    mpmath.sign(
                        mpmath.mpmathify(precise_value(*[
                            c + sign * step * float(u) * (1 + abs(c))
                            for c, u in zip(at, unit, strict=True)
                        ])) - base
                    )
                    for step in SECOND_LOOK_STEPS
                    for sign in (1, -1)
                }
                if len(signs) == 1 and 0 not in signs:
                    seen.setdefault(int(signs.pop()), direction)
    except PRECISE_FAILURES:
        return None
    if 1 not in seen or -1 not in seen:
        return None
    return SADDLE, (
        f"the Hessian is singular, but f rises on both sides along direction {seen[1]} "
        f"and falls on both sides along {seen[-1]}"
    )


def _compiled(variables: Sequence[sp.Symbol], expr: Any) -> Any:
    """NumPy code for ``expr``, with the kinks and jumps of :mod:`nonsmooth` compiled."""
    return sp.lambdify(variables, expr, modules=[nonsmooth.NUMPY_FUNCTIONS, "numpy"])


def _precise(variables: Sequence[sp.Symbol], expr: Any) -> Any:
    """mpmath code for ``expr``, or None where it cannot be compiled for mpmath."""
    try:
        return sp.lambdify(variables, expr, modules="mpmath")
    except (TypeError, ValueError, NameError, SyntaxError, KeyError):
        return None


def _lifted(point: Any) -> list[mpmath.mpf]:
    """A point's coordinates as mpmath numbers (each float exactly)."""
    return [mpmath.mpf(float(c)) for c in point]


def _vanishes_locally(root: np.ndarray, precise_gradient, gradient) -> bool:
    """Whether the gradient at ``root`` is zero on f's own scale there: exactly 0, or
    far smaller than the gradient a short step away on both sides along some line.

    The root finder's tolerance is absolute on the scale of f over the box, so where f
    and its gradient fade together (x e^x far left) it stops at a "root".  There the
    gradient shrinks towards one side; near a true critical point it grows towards
    both.  Checked with mpmath (no underflow: a gradient of 1e-400 is no zero), or with
    the compiled ``gradient`` where mpmath cannot evaluate it.

    >>> x = sp.Symbol("x", real=True)
    >>> g = [sp.exp(x) * (x + 1)]  # the derivative of x e^x, 0 only at x = -1
    >>> [_vanishes_locally(np.array([c]), _precise([x], g), None) for c in (-1.0, -150.0)]
    [True, False]
    """
    try:
        with mpmath.workdps(PRECISE_DIGITS):
            return _grows_on_both_sides(_lifted(root), precise_gradient, mpmath.mpf)
    except PRECISE_FAILURES:
        return _grows_on_both_sides([float(c) for c in root], gradient, float)


def _model_agrees(root: np.ndarray, precise_gradient, precise_hessian) -> bool:
    """Whether f's quadratic model at ``root`` puts its critical point there: the step
    -H^+ g is within NEWTON_TOLERANCE of each coordinate's size (1 + |c|), leaving out
    the directions where H is below FAMILY_RCOND of its largest singular value (along a
    family of critical points it vanishes).  True where mpmath cannot tell.

    Each component of g can have a zero nearby without a common one: on x = 1,
    (x - 1)^3 (y - sin y) + e^y has the slope e^y in y, tiny far down, and growing
    both ways in x; its model's root is a whole step away in y.

    >>> x, y = sp.symbols("x y", real=True)
    >>> f = (x - 1)**3 * (y - sp.sin(y)) + sp.exp(y)
    >>> g = _precise([x, y], [f.diff(x), f.diff(y)])
    >>> h = _precise([x, y], sp.hessian(f, [x, y]))
    >>> _model_agrees(np.array([1.0, -150.0]), g, h)
    False
    >>> f = x**2 * (1 + y**2)  # every point of x = 0 is critical
    >>> g = _precise([x, y], [f.diff(x), f.diff(y)])
    >>> _model_agrees(np.array([1e-12, 3.0]), g, _precise([x, y], sp.hessian(f, [x, y])))
    True
    """
    try:
        with mpmath.workdps(PRECISE_DIGITS):
            at = _lifted(root)
            slope = mpmath.matrix([mpmath.mpmathify(g) for g in precise_gradient(*at)])
            if all(g == 0 for g in slope):
                return True
            curvature = mpmath.matrix(precise_hessian(*at).tolist())
            left, sizes, right = mpmath.svd_r(curvature)
            largest = max(sizes)
            if largest == 0:
                return False  # a slope and no curvature: no critical point near
            inverse = mpmath.matrix(len(at), len(at))
            for k, size in enumerate(sizes):
                if size > FAMILY_RCOND * largest:
                    inverse += (right[k, :].T * left[:, k].T) / size
            step = inverse * slope
            return all(
                abs(s) <= NEWTON_TOLERANCE * (1 + abs(c)) for s, c in zip(step, at, strict=True)
            )
    except (*PRECISE_FAILURES, AttributeError):
        return True


def _gradient_size(root: np.ndarray, precise_gradient, gradient) -> float:
    """The largest component of the gradient at ``root``, with mpmath where it can (in
    floating point, 2x e^(-x^2) - 2x (x^2 + 1) e^(-x^2) is 0 at x = 9e-9)."""
    try:
        with mpmath.workdps(PRECISE_DIGITS):
            return float(max(abs(g) for g in precise_gradient(*_lifted(root))))
    except PRECISE_FAILURES:
        return float(np.max(np.abs(np.asarray(gradient(*root), dtype=complex))))


def _grows_on_both_sides(at: list[Any], gradient, number) -> bool:
    """The test of :func:`_vanishes_locally`, in the arithmetic of ``number``: each
    component on its own, so that a large slope in one variable (y^2 + x e^x far left,
    along y) is no scale for a small one in another."""

    def sizes(point: list[Any]) -> list[Any]:
        return [abs(g) for g in np.ravel(np.asarray(gradient(*point), dtype=object))]

    here = sizes(at)
    if any(h != h for h in here):  # NaN: undefined there
        return False
    pending = {i for i, h in enumerate(here) if h != 0}
    directions = [np.asarray(d, dtype=float) / np.linalg.norm(d) for d in line_directions(len(at))]
    for step, direction in itertools.product(LOCAL_STEPS, directions):
        if not pending:
            break
        # Each coordinate's step on its own scale: y near 0 is not moved by 2 because
        # x is 195.
        offsets = [
            number(step * float(d)) * (1 + abs(c)) for c, d in zip(at, direction, strict=True)
        ]
        try:
            sides = [
                sizes([c + sign * o for c, o in zip(at, offsets, strict=True)])
                for sign in (1, -1)
            ]
        except (ValueError, TypeError, ZeroDivisionError, OverflowError):
            continue  # undefined beside the root: no evidence either way
        pending -= {
            i for i in pending if all(side[i] == side[i] and here[i] <= LOCAL_TOLERANCE * side[i]
                                      for side in sides)
        }
    return not pending


def _root(gradient, hessian, start: np.ndarray) -> np.ndarray | None:
    def equations(v: np.ndarray) -> np.ndarray:
        return np.asarray(gradient(*v), dtype=float)

    def jacobian(v: np.ndarray) -> np.ndarray:
        return np.asarray(hessian(*v), dtype=float)

    try:
        result = scipy.optimize.root(equations, start, jac=jacobian, method="hybr")
        root = np.asarray(result.x, dtype=float)
        residual = np.linalg.norm(equations(root))
        size = max(float(np.linalg.norm(jacobian(root))), 1.0)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError, np.linalg.LinAlgError):
        return None
    if not np.all(np.isfinite(root)) or not residual <= GRADIENT_TOLERANCE * size:
        return None
    return root


def _in_box(root: np.ndarray, box, variables) -> bool:
    for coordinate, var in zip(root, variables, strict=True):
        if var in box:
            low, high = (float(bound) for bound in box[var])
            if not low <= coordinate <= high:
                return False
    return True


__all__ = ["search"]
