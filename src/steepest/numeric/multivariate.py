"""Gradients, Jacobians and Hessians of functions of several variables, numerically.

f takes one array x (any shape, usually 1-D) and returns a number (gradient,
Hessian) or an array (Jacobian).  Every coordinate is perturbed in turn, so f
is called O(n) times for a gradient and O(n**2) times for a Hessian; the work
on the results (differences, extrapolation) is vectorized over coordinates.

``method=None`` picks the most accurate method that works for f: the complex
step when f carries complex numbers (about 15 digits, n calls), cross-checked
against central differences; otherwise Richardson extrapolation.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from steepest.numeric._core import (
    COMPLEX_STEP,
    EPS,
    ROUNDOFF_FACTOR,
    NumericError,
    OneSided,
    Rounding,
    ValueAndError,
    as_points,
    call_vector,
    check_method,
    format_number,
    measured_rounding,
    numeric_values,
    one_sided,
    optimal_step,
    rounding_moves,
    step_scale,
)
from steepest.numeric._richardson import (
    ALL_LEVELS,
    LEVEL_STEPS,
    Table,
    is_reliable,
    needs_smaller_steps,
    power_of_two_scale,
    solve,
)

#: Richardson levels for several variables: each level costs 2n calls of f.
FIRST_LEVELS_VECTOR = 12
#: Richardson levels for a Hessian (2 n**2 calls each), from step 2**-3 down.
HESSIAN_LEVELS = slice(2, 8)
#: The complex step is accepted when central differences agree this well.
CROSS_CHECK_RTOL = 1e-5


@dataclass(frozen=True)
class JacobianEstimate(ValueAndError):
    """A numerical Jacobian (or gradient) with per-entry error estimates and
    ``reliable`` flags (False where f has no derivative or the error is large)."""

    reliable: np.ndarray
    method: str
    nfev: int

    def _repr_html_(self) -> str:
        from steepest.display import box, summary, table

        value = np.atleast_2d(np.asarray(self.value, dtype=float))
        error = np.atleast_2d(np.asarray(self.error, dtype=float))
        rows = [
            [f"{v:.10g} ± {e:.1g}" for v, e in zip(vr[:12], er[:12], strict=True)]
            for vr, er in zip(value[:50], error[:50], strict=True)
        ]
        items = [
            ("method", self.method),
            ("every entry reliable", bool(np.all(self.reliable))),
            ("function evaluations", self.nfev),
        ]
        return box("Numerical derivative (value ± estimated error)", summary(items), table(rows))


Move = tuple[tuple[int, complex], ...]


class _Probe:
    """Calls f at x with one or two coordinates moved, checking the values in bulk."""

    def __init__(self, f: Callable[[Any], Any], x: np.ndarray):
        self.f = f
        self.x = x
        self.flat = x.reshape(-1)
        self.nfev = 1
        self.fx = call_vector(f, x.copy())
        if not np.all(np.isfinite(self.fx)):
            bad = self.fx[~np.isfinite(self.fx)].reshape(-1)[0] if self.fx.ndim else self.fx
            raise NumericError(
                f"f is not finite at x = {_describe(x)}: f(x) = {format_number(bad)}"
            )
        self.out_shape = self.fx.shape

    def scan(self, moves: list[Move], *, check: bool = True) -> np.ndarray:
        """f at x + sum of (amount * e_index) for each move; shape (len(moves), *out)."""
        if not moves:  # no pairs of coordinates in one variable (a Hessian of x of size 1)
            return np.zeros((0, *self.out_shape))
        complex_step = any(isinstance(a, complex) for move in moves[:1] for _, a in move)
        base = self.flat.astype(complex) if complex_step else self.flat
        shape = self.x.shape
        f = self.f
        results = []
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                # Code that drops imaginary parts is reported below as a NumericError.
                warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
                for move in moves:
                    point = base.copy()
                    for index, amount in move:
                        point[index] += amount
                    results.append(f(point.reshape(shape)))
        except TypeError as exc:
            if complex_step:
                raise NumericError(
                    "the complex-step method needs f to accept complex numbers, but f "
                    f"raised TypeError ({exc}); use method='richardson'"
                ) from exc
            raise NumericError(f"f raised TypeError near x = {_describe(self.x)}: {exc}") from exc
        except Exception as exc:
            raise NumericError(
                f"f raised {type(exc).__name__} near x = {_describe(self.x)}: {exc}"
            ) from exc
        self.nfev += len(moves)
        try:
            values = np.asarray(results)
        except ValueError:
            values = np.asarray(results, dtype=object)
        if values.dtype == object:
            raise NumericError(
                "f must return a number or an array of numbers of one shape; got "
                f"{type(results[0]).__name__} values"
            )
        values = numeric_values(values, complex_input=complex_step)
        if values.shape[1:] != self.out_shape:
            raise NumericError(
                f"f returned shape {values.shape[1:]} at a nearby point but {self.out_shape} at x"
            )
        if check:
            self.check(values, moves)
        return values

    def check(self, values: np.ndarray, moves: list[Move]) -> None:
        finite = np.isfinite(values).reshape(len(moves), -1).all(axis=1)
        if finite.all():
            return
        k = int(np.argmin(finite))
        point = self.flat.astype(complex if np.iscomplexobj(values) else float)
        for index, amount in moves[k]:
            point[index] += amount
        bad = values[k][~np.isfinite(values[k])].reshape(-1)[0] if values[k].ndim else values[k]
        raise NumericError(
            f"f is not finite next to x = {_describe(self.x)}: "
            f"f({_describe(point.reshape(self.x.shape))}) = {format_number(bad)}"
        )


def _describe(point: np.ndarray) -> str:
    if point.ndim == 0:
        return format_number(point)
    if point.size <= 6:
        return "[" + ", ".join(format_number(v) for v in point.reshape(-1)) + "]"
    return f"an array of shape {point.shape}"


def _prepare(x: Any) -> np.ndarray:
    points = as_points(x)
    if points.size == 0:
        raise NumericError("x is empty: there is nothing to differentiate with respect to")
    return points


def _steps_for(x: np.ndarray, method: str, order: int, h: Any) -> np.ndarray:
    flat = x.reshape(-1)
    if h is None:
        return optimal_step(method, order) * step_scale(flat)
    steps = np.asarray(h, dtype=float)
    if not np.all(np.isfinite(steps)) or np.any(steps <= 0):
        raise NumericError(f"h must be a positive number, got {h!r}")
    try:
        return np.broadcast_to(steps.reshape(-1) if steps.ndim else steps, flat.shape).astype(float)
    except ValueError as exc:
        raise NumericError(
            f"h has {steps.size} entries but x has {flat.size}; give one step or one per coordinate"
        ) from exc


def _finite_jacobian(
    probe: _Probe, method: str, steps: np.ndarray, rounding: Rounding | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Forward, backward or central differences, one coordinate at a time.

    Returns the Jacobian (*out, n) and a bound on its round-off: eps |f|, or the
    ``rounding`` f's values show near x where that is more.
    """
    n = probe.flat.size
    fx = probe.fx[..., None]
    if rounding is None:
        rounding = Rounding(np.zeros(fx.shape), np.full(fx.shape, ROUNDOFF_FACTOR * EPS))
    if method == "central":
        plus = probe.scan([((i, steps[i]),) for i in range(n)])
        minus = probe.scan([((i, -steps[i]),) for i in range(n)])
        plus, minus = np.moveaxis(plus, 0, -1), np.moveaxis(minus, 0, -1)
        value = (plus - minus) / (2 * steps)
        noise = rounding.bound(0.5 * (np.abs(plus) + np.abs(minus)), 1.0) / steps
        return value, noise
    sign = 1.0 if method == "forward" else -1.0
    moved = np.moveaxis(probe.scan([((i, sign * steps[i]),) for i in range(n)]), 0, -1)
    value = sign * (moved - fx) / steps
    noise = rounding.bound(np.abs(moved) + np.abs(fx), 2.0) / steps
    return value, noise


def _complex_jacobian(probe: _Probe, steps: np.ndarray) -> np.ndarray:
    values = probe.scan([((i, complex(0.0, steps[i])),) for i in range(probe.flat.size)])
    return np.moveaxis(values.imag, 0, -1) / steps


def _richardson_jacobian(probe: _Probe) -> JacobianEstimate:
    """Central differences on halving steps per coordinate, extrapolated together."""
    flat = probe.flat
    scale = power_of_two_scale(flat)
    n = flat.size
    last_moves: list[Move] = []
    # The rounding of f's values near x, along the diagonal (see rounding_of): the
    # round-off bound of each row is at least that, as |f| alone may hide it.
    found = _rounding(probe, scale)
    rounding = Rounding(found.spread[..., None], found.unit[..., None])

    def levels(start: int, stop: int) -> Table:
        nonlocal last_moves
        steps = scale * LEVEL_STEPS[start:stop, None]  # (levels, n)
        count = stop - start
        moves = [((i, steps[k, i]),) for k in range(count) for i in range(n)]
        moves += [((i, -steps[k, i]),) for k in range(count) for i in range(n)]
        last_moves = moves
        values = probe.scan(moves, check=False)
        values = np.moveaxis(values.reshape(2, count, n, *probe.out_shape), 2, -1)
        plus, minus = values[0], values[1]
        actual = (flat + steps) - (flat - steps)
        with np.errstate(all="ignore"):
            differences = (plus - minus) / actual.reshape(count, *([1] * probe.fx.ndim), n)
            magnitude = 0.5 * (np.abs(plus) + np.abs(minus))
            shaped = steps.reshape(differences.shape[:1] + (1,) * probe.fx.ndim + (n,))
            noise = rounding.bound(magnitude, 1.0) / shaped
        return Table(differences, noise, magnitude)

    fx_magnitude = np.abs(probe.fx)[..., None]
    table = levels(0, FIRST_LEVELS_VECTOR)
    solution = solve(table, fx_magnitude, scale, 1.0)
    if needs_smaller_steps(solution, FIRST_LEVELS_VECTOR):
        table = table + levels(FIRST_LEVELS_VECTOR, ALL_LEVELS)
        solution = solve(table, fx_magnitude, scale, 1.0)
        if not solution.finite_at_smallest.all():
            count = ALL_LEVELS - FIRST_LEVELS_VECTOR
            smallest = [last_moves[(count - 1) * n + i] for i in range(n)]
            smallest += [last_moves[(2 * count - 1) * n + i] for i in range(n)]
            probe.scan(smallest)
    if not np.all(np.isfinite(solution.value)):
        raise NumericError(
            f"f is not finite next to x = {_describe(probe.x)}: central differences met "
            "non-finite values at every step"
        )
    return JacobianEstimate(
        solution.value, solution.error, solution.reliable, "richardson", probe.nfev
    )


def _rounding(probe: _Probe, scale: np.ndarray) -> Rounding:
    """The rounding of f's values near x (see measured_rounding), moving every
    coordinate at once along the diagonal: shaped like f(x)."""
    moves = rounding_moves(probe.flat, scale)
    near = probe.scan([tuple(enumerate(move)) for move in moves])
    return measured_rounding(probe.fx, near)


def _best_jacobian(probe: _Probe) -> JacobianEstimate:
    """Complex step if f allows it and central differences agree; else Richardson."""
    flat = probe.flat
    steps = COMPLEX_STEP * step_scale(flat)
    try:
        value = _complex_jacobian(probe, steps)
    except NumericError as exc:
        if "complex" not in str(exc):
            raise
        return _richardson_jacobian(probe)
    try:
        central, noise = _finite_jacobian(
            probe, "central", optimal_step("central") * step_scale(flat)
        )
    except NumericError:
        # A central step leaves the domain of f: Richardson adapts its steps.
        return _richardson_jacobian(probe)
    size = np.max(np.abs(value)) if value.size else 0.0
    tolerance = CROSS_CHECK_RTOL * (np.abs(value) + size) + 1e3 * noise
    if not np.all(np.isfinite(value)) or np.any(np.abs(value - central) > tolerance):
        return _richardson_jacobian(probe)
    scale_of_f = np.abs(probe.fx)[..., None] / step_scale(flat)
    error = 4.0 * EPS * (np.abs(value) + scale_of_f)
    return JacobianEstimate(value, error, np.ones(value.shape, dtype=bool), "complex", probe.nfev)


def jacobian_estimate(
    f: Callable[[Any], Any], x: Any, method: str | None = None, h: Any = None
) -> JacobianEstimate:
    """The Jacobian of f at x with per-entry error estimates (see :func:`jacobian`), each
    entry tested for a corner, jump or infinite slope at x (``reliable``)."""
    return _estimate(f, x, method, h, test=True)


@np.errstate(all="ignore")  # x near the largest float: steps and errors may overflow
def _estimate(
    f: Callable[[Any], Any], x: Any, method: str | None, h: Any, *, test: bool
) -> JacobianEstimate:
    """The estimate; with ``test``, the existence test too (6 n more calls of f, which only
    the error and ``reliable`` need: the values alone skip it)."""
    points = _prepare(x)
    if method is not None:
        check_method(method, 1)
    probe = _Probe(f, points)
    shape = probe.out_shape + points.shape
    if method is None:
        result = _best_jacobian(probe)
    elif method == "richardson":
        result = _richardson_jacobian(probe)
    elif method == "complex":
        steps = _steps_for(points, "complex", 1, h)
        value = _complex_jacobian(probe, steps)
        scale_of_f = np.abs(probe.fx)[..., None] / step_scale(probe.flat)
        error = 4.0 * EPS * (np.abs(value) + scale_of_f)
        result = JacobianEstimate(value, error, np.ones(value.shape, bool), "complex", probe.nfev)
    else:
        steps = _steps_for(points, method, 1, h)
        found = _rounding(probe, step_scale(probe.flat))
        rounding = Rounding(found.spread[..., None], found.unit[..., None])
        value, noise = _finite_jacobian(probe, method, steps, rounding)
        # The first-order error model: truncation ~ sqrt(eps) or cbrt(eps) relative.
        accuracy = 2 if method == "central" else 1
        truncation = steps**accuracy * (np.abs(value) + np.abs(probe.fx)[..., None])
        error = noise + truncation
        size = np.abs(probe.fx)[..., None] / step_scale(probe.flat)
        reliable = is_reliable(value, error, np.ones(value.shape, bool), lambda: size)
        result = JacobianEstimate(value, error, reliable, method, probe.nfev)
    # The test runs at the central step, where round-off leaves it sharp, or at
    # the method's own step if that is larger.
    error, reliable = result.error, np.asarray(result.reliable, dtype=bool)
    if test:
        test_steps = optimal_step("central") * step_scale(probe.flat)
        if method in ("forward", "backward", "central"):
            test_steps = np.maximum(test_steps, _steps_for(points, method, 1, h))
        error, reliable = _differentiability(probe, test_steps).apply(error, reliable)
    return JacobianEstimate(
        result.value.reshape(shape),
        error.reshape(shape),
        reliable.reshape(shape),
        result.method,
        probe.nfev,
    )


def _differentiability(probe: _Probe, steps: np.ndarray) -> OneSided:
    """The one-sided test of :func:`steepest.numeric._core.one_sided` along every
    coordinate, at ``steps``, half and a quarter of them (6 n more calls of f):
    a corner, jump or infinite slope at x makes those entries unreliable."""
    n = probe.flat.size
    levels = steps[None, :] * np.array([1.0, 0.5, 0.25])[:, None]  # (3, n)
    moves = [
        ((i, sign * levels[k, i]),) for sign in (1.0, -1.0) for k in range(3) for i in range(n)
    ]
    values = probe.scan(moves, check=False).reshape(2, 3, n, *probe.out_shape)
    plus, minus = np.moveaxis(values, 2, -1)
    shaped = levels.reshape(3, *(1,) * len(probe.out_shape), n)
    return one_sided(plus, minus, probe.fx[..., None], shaped, probe.flat)


def jacobian(
    f: Callable[[Any], Any], x: Any, method: str | None = None, h: Any = None
) -> np.ndarray:
    """The matrix of partial derivatives d f_i / d x_j, shape f(x).shape + x.shape.

    ``method`` is ``forward``, ``backward``, ``central``, ``complex``,
    ``richardson``, or None for the most accurate that works for f (complex
    step checked against central differences, else Richardson).

    >>> f = lambda v: np.array([v[0] * v[1], np.sin(v[0]) + v[1] ** 2])
    >>> jacobian(f, [1.0, 2.0]).round(10)
    array([[2.        , 1.        ],
           [0.54030231, 4.        ]])
    """
    return _estimate(f, x, method, h, test=False).value


def gradient(
    f: Callable[[Any], Any], x: Any, method: str | None = None, h: Any = None
) -> np.ndarray:
    """The gradient of a scalar function f at x, shaped like x.

    ``method=None`` gives the most accurate that works for f: the complex step
    (when f accepts complex numbers; checked against central differences)
    else Richardson extrapolation, both good to about 13-16 digits.  Plain
    ``forward``, ``backward`` and ``central`` are there too.

    >>> gradient(lambda v: v[0] ** 2 + v[1] ** 2, [2.0, 3.0])
    array([4., 6.])
    >>> g = gradient(lambda v: 2 * v[0] + 3 * v[1] ** 2 - np.sin(v[2]), [1.0, 2.0, 0.0])
    >>> g.round(12)
    array([ 2., 12., -1.])
    """
    result = _estimate(f, x, method, h, test=False)
    if result.value.ndim != np.ndim(x) or result.value.shape != np.shape(as_points(x)):
        raise NumericError(
            "gradient needs f to return one number; it returned an array of shape "
            f"{result.value.shape[: result.value.ndim - np.ndim(x)]} (use jacobian)"
        )
    return result.value


def _pair_moves(n: int, steps: np.ndarray, signs: tuple[tuple[int, int], ...]) -> list[Move]:
    """Moves (i, a*h_i), (j, b*h_j) for i > j and each sign pair (a, b)."""
    return [
        ((i, a * steps[i]), (j, b * steps[j])) for i in range(n) for j in range(i) for a, b in signs
    ]


def _fill_symmetric(n: int, diagonal: np.ndarray, lower: np.ndarray) -> np.ndarray:
    matrix = np.zeros((n, n) + diagonal.shape[1:])
    index = np.arange(n)
    matrix[index, index] = diagonal
    rows, cols = np.tril_indices(n, -1)
    matrix[rows, cols] = lower
    matrix[cols, rows] = lower
    return matrix


_CORNERS = ((1, 1), (1, -1), (-1, 1), (-1, -1))


def _hessian_central(probe: _Probe, steps: np.ndarray) -> np.ndarray:
    n = probe.flat.size
    fx = probe.fx
    plus = probe.scan([((i, steps[i]),) for i in range(n)])
    minus = probe.scan([((i, -steps[i]),) for i in range(n)])
    diagonal = (plus - 2 * fx + minus) / steps**2
    corners = probe.scan(_pair_moves(n, steps, _CORNERS)).reshape(-1, 4)
    rows, cols = np.tril_indices(n, -1)
    lower = (corners[:, 0] - corners[:, 1] - corners[:, 2] + corners[:, 3]) / (
        4 * steps[rows] * steps[cols]
    )
    return _fill_symmetric(n, diagonal, lower)


def _hessian_forward(probe: _Probe, steps: np.ndarray) -> np.ndarray:
    """(f(x + h_i + h_j) - f(x + h_i) - f(x + h_j) + f(x)) / (h_i h_j); negative steps: backward."""
    n = probe.flat.size
    fx = probe.fx
    single = probe.scan([((i, steps[i]),) for i in range(n)])
    double = probe.scan([((i, 2 * steps[i]),) for i in range(n)])
    diagonal = (double - 2 * single + fx) / steps**2
    both = probe.scan(_pair_moves(n, steps, ((1, 1),)))
    rows, cols = np.tril_indices(n, -1)
    lower = (both - single[rows] - single[cols] + fx) / (steps[rows] * steps[cols])
    return _fill_symmetric(n, diagonal, lower)


def _hessian_complex(probe: _Probe, steps: np.ndarray) -> np.ndarray:
    """Central differences of the complex-step gradient: about 10-11 digits.

    Entry (i, j), i >= j, is [g_i(x + h_j e_j) - g_i(x - h_j e_j)] / 2 h_j with
    g_i = Im f(x + i t e_i) / t; the upper triangle is its mirror image.
    """
    n = probe.flat.size
    tiny = COMPLEX_STEP * step_scale(probe.flat)
    rows, cols = np.tril_indices(n)
    moves = [
        ((j, complex(sign * steps[j], 0.0)), (i, complex(0.0, tiny[i])))
        for i, j in zip(rows, cols, strict=True)
        for sign in (1.0, -1.0)
    ]
    values = probe.scan(moves).imag.reshape(-1, 2) / tiny[rows, None]
    lower_all = (values[:, 0] - values[:, 1]) / (2 * steps[cols])
    matrix = np.zeros((n, n))
    matrix[rows, cols] = lower_all
    matrix[cols, rows] = lower_all
    return matrix


def _hessian_richardson(probe: _Probe) -> np.ndarray:
    """Central second differences on halving steps, extrapolated entry by entry."""
    flat = probe.flat
    n = flat.size
    scale = power_of_two_scale(flat)
    fx = probe.fx
    rows, cols = np.tril_indices(n, -1)
    # f's values round by eps |f|, or by what they show near x where that is more (a
    # small sum of large terms, f in float32): see measured_rounding.
    rounding = _rounding(probe, scale)
    differences, magnitudes, noises = [], [], []
    for level in range(HESSIAN_LEVELS.start, HESSIAN_LEVELS.stop):
        steps = scale * LEVEL_STEPS[level]
        plus = probe.scan([((i, steps[i]),) for i in range(n)], check=False)
        minus = probe.scan([((i, -steps[i]),) for i in range(n)], check=False)
        corners = probe.scan(_pair_moves(n, steps, _CORNERS), check=False).reshape(-1, 4)
        with np.errstate(all="ignore"):
            diagonal = (plus - 2 * fx + minus) / steps**2
            diagonal_size = (np.abs(plus) + 2 * np.abs(fx) + np.abs(minus)) / steps**2
            area = 4 * steps[rows] * steps[cols]
            lower = (corners[:, 0] - corners[:, 1] - corners[:, 2] + corners[:, 3]) / area
            lower_size = np.abs(corners).sum(axis=1) / area
            # Both stencils have four unit weights: 1, -2, 1 and 1, -1, -1, 1 over 4.
            diagonal_noise = rounding.bound(diagonal_size * steps**2, 4.0) / steps**2
            lower_noise = rounding.bound(lower_size * area, 4.0) / area
        differences.append(_fill_symmetric(n, diagonal, lower))
        magnitudes.append(_fill_symmetric(n, diagonal_size, lower_size))
        noises.append(_fill_symmetric(n, diagonal_noise, lower_noise))
    magnitude = np.stack(magnitudes)
    table = Table(np.stack(differences), np.stack(noises), magnitude)
    solution = solve(table, np.abs(fx), np.ones((n, n)), np.inf)
    if not np.all(np.isfinite(solution.value)):
        raise NumericError(
            f"f is not finite next to x = {_describe(probe.x)}: the Hessian's differences "
            "met non-finite values at every step"
        )
    return solution.value


@np.errstate(all="ignore")  # x near the largest float: steps and values may overflow
def hessian(
    f: Callable[[Any], Any], x: Any, method: str | None = None, h: Any = None
) -> np.ndarray:
    """The matrix of second partial derivatives of a scalar f at a 1-D x.

    ``method=None`` takes central differences of the complex-step gradient
    when f accepts complex numbers (about 10 digits, 2 n**2 calls), otherwise
    Richardson extrapolation of central second differences.  ``central`` and
    ``forward`` are the textbook formulas with steps eps**(1/4) and
    eps**(1/3) (about 7 and 5 digits).

    >>> hessian(lambda v: v[0] ** 2 * v[1] + v[1] ** 3, [1.0, 2.0]).round(6)
    array([[ 4.,  2.],
           [ 2., 12.]])
    """
    points = _prepare(x)
    if points.ndim != 1:
        raise NumericError(f"hessian needs a 1-D x, got shape {points.shape}")
    if method is not None:
        check_method(method, 2 if method != "complex" else 1)
    probe = _Probe(f, points)
    if probe.fx.size != 1:
        raise NumericError(
            f"hessian needs f to return one number; it returned shape {probe.fx.shape}"
        )
    probe.fx = probe.fx.reshape(())
    if method is None:
        try:
            return _hessian_complex(probe, optimal_step("central") * step_scale(points))
        except NumericError as exc:
            if "complex" not in str(exc):
                raise
            return _hessian_richardson(probe)
    if method == "complex":
        steps = (
            optimal_step("central") * step_scale(points)
            if h is None
            else _steps_for(points, "central", 1, h)
        )
        return _hessian_complex(probe, steps)
    if method == "richardson":
        return _hessian_richardson(probe)
    if method == "backward":
        steps = -_steps_for(points, "backward", 2, h)
        return _hessian_forward(probe, steps)
    steps = _steps_for(points, method, 2, h)
    if method == "forward":
        return _hessian_forward(probe, steps)
    return _hessian_central(probe, steps)


__all__ = ["JacobianEstimate", "gradient", "hessian", "jacobian", "jacobian_estimate"]
