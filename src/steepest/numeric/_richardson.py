"""Richardson extrapolation of central differences, with an error estimate that checks itself.

Central differences on the halving steps h_k = h_0 / 2**k satisfy
D(h) = f'(x) + a_1 h**2 + a_2 h**4 + ..., so a Neville tableau removes one
power of h**2 per column.  Every entry gets a pessimistic error estimate (its
distance to the entries it was built from and to its neighbours, and the
round-off carried through the tableau); the entry with the smallest estimate
wins.

That alone can be fooled where h is not yet small compared with the distance
to a pole, a branch point or a wiggle: differences of garbage can agree by
chance.  So the rows an entry is built from must also *look* asymptotic: the
differences between consecutive central differences shrink by about
2**2 = 4 per halving (or sit at round-off level).  An estimate whose rows fail
that test is returned with ``reliable=False``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from steepest.numeric._core import (
    EPS,
    RELIABLE_RTOL,
    RELIABLE_ZERO_TOL,
    RICHARDSON_FIRST_STEP,
    ROUNDING_LEVELS,
    ROUNDOFF_FACTOR,
    STENCILS,
    NumericError,
    OneSided,
    Rounding,
    ValueAndError,
    check_value_at_x,
    evaluate,
    flat_rounding,
    grid_rounding,
    measured_rounding,
    one_sided,
    raise_not_finite,
    rounding_moves,
    step_scale,
)

#: Columns of the tableau: removes h**2 ... h**12.
MAX_COLUMNS = 6
#: Halvings tried first, and in all when those are not enough (steps down to
#: about 1e-12 max(1, |x|)).
FIRST_LEVELS = 16
ALL_LEVELS = 40
#: Differences within this multiple of the round-off bound count as noise.
NOISE_MULTIPLE = 2.0
#: Rows with smaller steps may stray from an entry by this many round-off bounds.
LATER_NOISE = 4.0
#: Consecutive differences must shrink at least this much to look asymptotic.
MAX_CONTRACTION = 0.5
#: Ask for smaller steps when the best estimate is worse than this (relative)
#: and sits among the last rows of the first batch.
WANTED_RTOL = 1e-12


@dataclass(frozen=True)
class Extrapolated(ValueAndError):
    """Best tableau entry per element: whether it passed the checks, and its row."""

    converged: np.ndarray
    row: np.ndarray


@dataclass(frozen=True)
class _Operators:
    """Linear maps from a column of central differences to every tableau quantity."""

    entries: int
    maps: np.ndarray  # (5 * entries, rows): entry, entry - parents (2), entry - neighbours (2)
    undefined: np.ndarray  # (5 * entries, 1): NaN where a quantity does not exist
    support: np.ndarray  # (5 * entries, rows): which rows each quantity reads
    noise: np.ndarray  # (entries + rows - 1, rows): |weights|, then noise of consecutive pairs
    unset: np.ndarray  # (entries, 1): inf where the entry does not exist
    window: np.ndarray  # (entries, rows - 2): difference pairs an entry's rows must pass
    window_size: np.ndarray  # (entries, 1): pairs in the window (inf where too few)
    last_row: np.ndarray  # (entries,): the row of each entry (its smallest step)
    first_row: np.ndarray  # (entries,): its largest step (at least one row back)


@functools.lru_cache(maxsize=8)
def _operators(rows: int) -> _Operators:
    """With halving steps every tableau entry is a fixed linear combination of
    the central differences, so one matrix product gives the whole tableau, the
    differences the error estimate needs, and the round-off carried along.
    """
    columns = max(1, min(MAX_COLUMNS, rows - 1) + 1)
    weights = np.zeros((columns, rows, rows))
    defined = np.zeros((columns, rows), dtype=bool)
    weights[0] = np.eye(rows)
    defined[0] = True
    for j in range(1, columns):
        factor = 4.0**j
        weights[j, j:] = (factor * weights[j - 1, j:] - weights[j - 1, j - 1 : -1]) / (factor - 1)
        defined[j, j:] = True
    maps = np.zeros((5, columns, rows, rows))
    known = np.zeros((5, columns, rows), dtype=bool)
    maps[0], known[0] = weights, defined
    maps[1, 1:] = weights[1:] - weights[:-1]
    known[1, 1:] = defined[1:]
    maps[2, 1:, 1:] = weights[1:, 1:] - weights[:-1, :-1]
    known[2, 1:, 1:] = defined[1:, 1:]
    maps[3, :, 1:] = weights[:, 1:] - weights[:, :-1]
    known[3, :, 1:] = defined[:, 1:] & defined[:, :-1]
    maps[4, :, :-1] = weights[:, :-1] - weights[:, 1:]
    known[4, :, :-1] = defined[:, :-1] & defined[:, 1:]
    # The difference pairs (levels p, p+1, p+2) an entry's rows must pass: its
    # own rows plus one more on each side, and at least two pairs.
    pairs = max(rows - 2, 0)
    window = np.zeros((columns, rows, pairs))
    size = np.full((columns, rows), np.inf)
    for j in range(columns):
        for k in range(j, rows):
            first = max(0, k - max(j, 1) - 1)
            last = min(k - 1, rows - 3)
            if last - first + 1 >= 2:
                window[j, k, first : last + 1] = 1.0
                size[j, k] = last - first + 1
    entries = columns * rows
    flat = maps.reshape(5 * entries, rows)
    last_row = np.tile(np.arange(rows), columns)
    width = np.maximum(np.arange(columns), 1).repeat(rows)
    first_row = np.maximum(last_row - width, 0)
    pair_noise = np.zeros((max(rows - 1, 0), rows))
    for k in range(rows - 1):
        pair_noise[k, k] = pair_noise[k, k + 1] = NOISE_MULTIPLE
    return _Operators(
        entries=entries,
        maps=flat,
        undefined=np.where(known.reshape(-1, 1), 0.0, np.nan),
        support=(flat != 0).astype(float),
        noise=np.concatenate([np.abs(weights).reshape(entries, rows), pair_noise]),
        unset=np.where(defined.reshape(-1, 1), 0.0, np.inf),
        window=window.reshape(entries, pairs),
        window_size=size.reshape(-1, 1),
        last_row=last_row,
        first_row=first_row,
    )


@np.errstate(all="ignore")
def extrapolate(differences: np.ndarray, noise: np.ndarray, complete: bool = False) -> Extrapolated:
    """Neville tableau over rows of central differences at halving steps.

    ``differences`` and ``noise`` have shape (levels, *elements).  Rows that
    could not be computed hold NaN; they must form a prefix (the largest steps).
    ``complete`` says that every row is finite (skips a check).
    """
    rows = differences.shape[0]
    shape = differences.shape[1:]
    data = differences.reshape(rows, -1)
    noise = noise.reshape(rows, -1)
    ops = _operators(rows)
    entries = ops.entries
    usable = None
    if not complete:
        usable = np.isfinite(data)
        complete = bool(usable.all())
    if complete:
        quantities = ops.maps @ data + ops.undefined
        noises = ops.noise @ noise
    else:
        touched = ops.support @ (~usable).astype(float)
        quantities = np.where(touched == 0, ops.maps @ np.where(usable, data, 0.0), np.nan)
        quantities += ops.undefined
        noises = ops.noise @ np.where(usable, noise, 0.0)
    quantities = quantities.reshape(5, entries, -1)
    table = quantities[0]
    error = np.fmax(np.fmax.reduce(np.abs(quantities[1:]), axis=0), noises[:entries]) + ops.unset
    if not complete:
        error[np.isnan(table)] = np.inf

    # Do the rows look asymptotic?  Consecutive differences should shrink by
    # about 4 per halving, or sit at round-off level.
    if rows >= 4:
        steps = quantities[3, 1:rows]  # D_k - D_(k-1), k = 1 .. rows - 1
        is_noise = np.abs(steps) <= noises[entries:]
        ratio = steps[1:] / steps[:-1]
        shrinking = (ratio > 0) & (ratio <= MAX_CONTRACTION)
        good_pair = is_noise[1:] | (shrinking & ~is_noise[:-1])
        good = ops.window @ good_pair.astype(float) >= ops.window_size
        # Smaller steps must not contradict an entry: in the asymptotic regime
        # their differences stay as close to it as its own rows do (plus
        # round-off).  Samples that alias a fast oscillation fail this.
        slack = LATER_NOISE * noise
        above = np.maximum.accumulate((data - slack)[::-1], axis=0)[::-1]
        below = np.minimum.accumulate((data + slack)[::-1], axis=0)[::-1]
        highest = np.concatenate([above[1:], np.full((1, above.shape[1]), -np.inf)])
        lowest = np.concatenate([below[1:], np.full((1, below.shape[1]), np.inf)])
        own = np.fmax(np.abs(data[ops.last_row] - table), np.abs(data[ops.first_row] - table))
        reach = 2.0 * (own + error)
        good &= (highest[ops.last_row] <= table + reach) & (lowest[ops.last_row] >= table - reach)
    else:
        good = np.zeros(table.shape, dtype=bool)

    elements = np.arange(table.shape[1])
    best = np.argmin(np.where(good, error, np.inf), axis=0)
    converged = good[best, elements]
    if not converged.all():
        best = np.where(converged, best, np.argmin(error, axis=0))
        if usable is None:
            usable = np.isfinite(data)
        index = np.arange(rows)[:, None]
        row = best % rows
        value = table[best, elements]
        # No entry passed the checks: widen the error to the scatter of the
        # central differences around the chosen rows.
        near = (index >= row - 2) & (index <= row + 1) & usable
        scatter = np.max(np.where(near, np.abs(data - value), 0.0), axis=0)
        err = np.where(converged, error[best, elements], np.fmax(error[best, elements], scatter))
    else:
        value = table[best, elements]
        err = error[best, elements]
    return Extrapolated(
        value=value.reshape(shape),
        error=err.reshape(shape),
        converged=converged.reshape(shape),
        row=(best % rows).reshape(shape),
    )


def is_reliable(
    value: np.ndarray,
    error: np.ndarray,
    converged: np.ndarray,
    function_scale: Callable[[], np.ndarray],
) -> np.ndarray:
    """Checks passed and the error is small next to the value (or to f for a zero slope).

    ``function_scale`` (|f| / max(1, |x|)^k for a derivative of order k) is computed
    only when a value is too small for the relative test.
    """
    with np.errstate(all="ignore"):
        small = error <= RELIABLE_RTOL * np.abs(value)
        if not small.all():
            # A scale that overflows (f near the largest float) vouches for nothing.
            scale = function_scale()
            small = small | (error <= RELIABLE_ZERO_TOL * np.where(np.isfinite(scale), scale, 0))
    return converged & small & np.isfinite(error)


@dataclass(frozen=True)
class Table:
    """Rows of central differences at halving steps (leading axis: level).

    ``magnitude`` is the sum of |weight * f| over a row's stencil, the scale of
    its round-off.
    """

    differences: np.ndarray
    noise: np.ndarray
    magnitude: np.ndarray

    def __add__(self, other: Table) -> Table:
        return Table(
            np.concatenate([self.differences, other.differences], axis=0),
            np.concatenate([self.noise, other.noise], axis=0),
            np.concatenate([self.magnitude, other.magnitude], axis=0),
        )


@dataclass(frozen=True)
class Solution:
    value: np.ndarray
    error: np.ndarray
    reliable: np.ndarray
    row: np.ndarray
    finite_at_smallest: np.ndarray
    function_scale: Callable[[], np.ndarray]


def solve(table: Table, fx_magnitude: np.ndarray, scale: np.ndarray, weight_sum: float) -> Solution:
    """Extrapolate a table whose large-step rows may have hit non-finite values."""
    differences, noise, magnitude = table.differences, table.noise, table.magnitude
    with np.errstate(all="ignore"):
        finite = np.isfinite(differences)
        # A bound that overflows where the difference does not (f near e^700 at a tiny
        # step): the largest number, so that no estimate leans on that row.
        noise = np.where(finite & ~np.isfinite(noise), np.finfo(float).max, noise)
        finite &= np.isfinite(noise)
    complete = bool(finite.all())
    if complete:
        finite_at_smallest = finite[-1]
    else:
        # Keep only the rows after the last non-finite one: the finite run next to x.
        rows = finite.shape[0]
        index = np.arange(rows).reshape((rows,) + (1,) * (finite.ndim - 1))
        usable = index > np.max(np.where(finite, -1, index), axis=0)
        differences = np.where(usable, differences, np.nan)
        noise = np.where(usable, noise, np.nan)
        magnitude = np.where(usable, magnitude, 0.0)
        finite_at_smallest = finite[-1]
    result = extrapolate(differences, noise, complete)

    def function_scale() -> np.ndarray:
        return np.maximum(np.max(magnitude, axis=0) / weight_sum, fx_magnitude) / scale

    reliable = is_reliable(result.value, result.error, result.converged, function_scale)
    return Solution(
        result.value, result.error, reliable, result.row, finite_at_smallest, function_scale
    )


def needs_smaller_steps(solution: Solution, rows: int) -> bool:
    """Whether a second batch of smaller steps could help some element.

    Yes where no estimate passed its checks or the smallest step was not
    finite, and where the best estimate sits at the smallest steps tried
    with an error above 1e-12 of its size.
    """
    if not (solution.finite_at_smallest.all() and solution.reliable.all()):
        return True
    late = solution.row >= rows - 3
    if not late.any():
        return False
    with np.errstate(all="ignore"):
        size = np.maximum(np.abs(solution.value), solution.function_scale())
        return bool(np.any(late & (solution.error > WANTED_RTOL * size)))


@dataclass(frozen=True)
class RichardsonResult:
    value: np.ndarray
    error: np.ndarray
    reliable: np.ndarray
    h: np.ndarray
    nfev: int
    one_sided: OneSided | None = None  # the differentiability test (first derivatives)


def power_of_two_scale(x: np.ndarray) -> np.ndarray:
    """The power of two at or above max(1, |x|), so halving steps stay exact; at most
    2**1023, the largest float power of two (above 2**1023, none is a float).

    >>> float(power_of_two_scale(np.array(3.0))), float(power_of_two_scale(np.array(1e308)))
    (4.0, 8.98846567431158e+307)
    """
    if x.ndim == 0:
        magnitude = abs(float(x))
        if magnitude <= 1.0:
            return np.array(1.0)
        mantissa, exponent = math.frexp(magnitude)
        return np.array(math.ldexp(1.0, min(exponent - 1 if mantissa == 0.5 else exponent, 1023)))
    return 2.0 ** np.minimum(np.ceil(np.log2(step_scale(x))), 1023.0)


#: Relative steps of all levels: 1/2, 1/4, ..., 2**-ALL_LEVELS.
LEVEL_STEPS = RICHARDSON_FIRST_STEP * 0.5 ** np.arange(ALL_LEVELS, dtype=float)


@functools.lru_cache(maxsize=32)
def _stencil_arrays(order: int, ndim: int) -> tuple[float, np.ndarray, np.ndarray, float]:
    """Central stencil of a derivative order, shaped to broadcast over (levels, *x.shape)."""
    stencil = STENCILS[("central", order)]
    pairs = list(zip(stencil.offsets, stencil.weights, strict=True))
    extra = (1,) * (ndim + 1)
    offsets = np.array([o for o, _ in pairs if o != 0.0]).reshape(-1, *extra)
    weights = np.array([w for o, w in pairs if o != 0.0]).reshape(-1, *extra)
    center = float(sum(w for o, w in pairs if o == 0.0))
    return stencil.weight_sum, offsets, weights, center


class _UnivariateTable:
    """Central differences of an elementwise f at x, level by level."""

    def __init__(self, f: Callable[[Any], Any], x: np.ndarray, order: int):
        self.f = f
        self.x = x
        self.order = order
        self.weight_sum, self.offsets, self.weights, self.center_weight = _stencil_arrays(
            order, x.ndim
        )
        self.scale = power_of_two_scale(x)
        self.nfev = 0
        self.fx = np.zeros(x.shape)
        self.points: list[np.ndarray] = []
        self.values: list[np.ndarray] = []
        self.rounding = Rounding(np.zeros(x.shape), np.full(x.shape, ROUNDOFF_FACTOR * EPS))

    def steps(self, rows: np.ndarray) -> np.ndarray:
        return self.scale * LEVEL_STEPS[rows]

    @np.errstate(all="ignore")
    def levels(self, start: int, stop: int) -> Table:
        x = self.x
        steps = self.scale * LEVEL_STEPS[start:stop].reshape((-1,) + (1,) * x.ndim)
        points = x + self.offsets * steps  # (M, levels, *S)
        flat = points.reshape(-1, *x.shape)
        if start == 0:
            near = x + rounding_moves(x, self.scale)
            values = evaluate(self.f, np.concatenate([x[None], near, flat], axis=0))
            self.fx = values[0]
            check_value_at_x(self.fx, x)
            self.rounding = measured_rounding(self.fx, values[1 : 1 + len(near)])
            # A grid coarser than the rounding lengths of |x| (x near 0 but not at it):
            # measured over the lengths it has at 0.
            shown, extra = grid_rounding(
                self.f, x, self.fx, values[1 : 1 + len(near)], values[1 + len(near) :],
                self.scale * ROUNDING_LEVELS[-1],
            )
            if shown is not None:
                self.rounding = Rounding(np.fmax(self.rounding.spread, shown), self.rounding.unit)
            values = values[1 + len(near) :]
            self.nfev += x.size * (1 + len(near)) + extra
        else:
            values = evaluate(self.f, flat)
        self.nfev += flat.size
        values = values.reshape(points.shape)
        self.points.append(points)
        self.values.append(values)
        # The values round by eps |f|, or by what they show near x where that is more
        # (a small sum of large terms, f in float32): see measured_rounding.
        if self.order == 1:
            # Divide by the steps as stored (x + h and x - h are exact), so the
            # quotients are exact data for the extrapolation.
            differences = (values[1] - values[0]) / (points[1] - points[0])
            magnitude = np.abs(values).sum(axis=0)
            # (f(x + h) - f(x - h)) / 2h: two halves
            noise = self.rounding.bound(0.5 * magnitude, 1.0) / steps
        else:
            weighted = self.weights * values
            scaled_steps = steps**self.order
            differences = (np.sum(weighted, axis=0) + self.center_weight * self.fx) / scaled_steps
            magnitude = np.sum(np.abs(weighted), axis=0) + abs(self.center_weight) * np.abs(self.fx)
            weights = float(np.sum(np.abs(self.weights))) + abs(self.center_weight)
            noise = self.rounding.bound(magnitude, weights) / scaled_steps
        return Table(differences, noise, magnitude)

    def with_flat_rounding(self, table: Table) -> Table:
        """The table with each row's noise at least what f's flat values show (see
        flat_rounding): every value off by that much, carried through the stencil."""
        points = self.points[0] if len(self.points) == 1 else np.concatenate(self.points, axis=1)
        values = self.values[0] if len(self.values) == 1 else np.concatenate(self.values, axis=1)
        # The offsets -1 and +1 are the middle two of every central stencil.
        middle = values.shape[0] // 2
        minus, plus = values[middle - 1], values[middle]
        steps = points[middle] - self.x
        off_by = flat_rounding(self.fx, steps, plus, minus)
        if not np.any(off_by):
            return table
        weights = float(np.sum(np.abs(self.weights))) + abs(self.center_weight)
        with np.errstate(all="ignore"):
            noise = np.fmax(table.noise, weights * off_by / steps**self.order)
        return Table(table.differences, noise, table.magnitude)

    def one_sided(self, row: np.ndarray) -> OneSided:
        """Differentiability test on the chosen row and the two smaller steps after it."""
        points = self.points[0] if len(self.points) == 1 else np.concatenate(self.points, axis=1)
        values = self.values[0] if len(self.values) == 1 else np.concatenate(self.values, axis=1)
        rows = values.shape[1]
        if row.ndim == 0:
            first = min(int(row), rows - 3)
            minus, plus = values[0, first : first + 3], values[1, first : first + 3]
            steps = points[1, first : first + 3] - self.x
        else:
            picks = np.minimum(row, rows - 3)[None] + np.arange(3).reshape((3,) + (1,) * row.ndim)
            minus = np.take_along_axis(values[0], picks, axis=0)
            plus = np.take_along_axis(values[1], picks, axis=0)
            steps = np.take_along_axis(points[1], picks, axis=0) - self.x
        return one_sided(plus, minus, self.fx, steps, self.x)

    def raise_at_smallest_step(self) -> None:
        values = self.values[-1][:, -1]
        points = self.points[-1][:, -1]
        position = tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])
        raise_not_finite("next to", self.x, position[1:], points[position], values[position])


def richardson_univariate(
    f: Callable[[Any], Any], x: np.ndarray, order: int, *, check_corners: bool = True
) -> RichardsonResult:
    """Richardson-extrapolated derivative of an elementwise f at every element of x.

    ``check_corners`` (first derivatives only) tests that f' exists: at a
    corner such as |x| at 0, a jump or an infinite slope, the symmetric
    differences can agree on a derivative that does not exist, while the
    one-sided slopes disagree or do not settle; such elements become
    unreliable, with half the gap between the slopes as error.
    """
    builder = _UnivariateTable(f, x, order)
    table = builder.levels(0, FIRST_LEVELS)
    fx_magnitude = np.abs(builder.fx)
    # A derivative of order k near 0 is judged against |f| / max(1, |x|)^k: f changing by
    # its own size over a length |x|.  (|x| to the first power vouched, at x = 1e14, for a
    # second derivative of sin 1e14 times too small.)
    per_length = builder.scale**order
    solution = solve(builder.with_flat_rounding(table), fx_magnitude, per_length,
                     builder.weight_sum)
    if needs_smaller_steps(solution, FIRST_LEVELS):
        table = table + builder.levels(FIRST_LEVELS, ALL_LEVELS)
        solution = solve(builder.with_flat_rounding(table), fx_magnitude, per_length,
                         builder.weight_sum)
        if not solution.finite_at_smallest.all():
            builder.raise_at_smallest_step()
    error, reliable = solution.error, solution.reliable
    test = None
    if order == 1 and check_corners:
        test = builder.one_sided(solution.row)
        error, reliable = test.apply(error, reliable)
    return RichardsonResult(
        value=solution.value,
        error=error,
        reliable=reliable,
        h=builder.steps(solution.row),
        nfev=builder.nfev,
        one_sided=test,
    )


__all__ = ["NumericError", "extrapolate", "is_reliable", "richardson_univariate", "solve"]
