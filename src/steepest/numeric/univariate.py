"""Derivatives of a function of one variable: the value, and how far to trust it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from steepest.numeric._core import (
    COARSEST_ROUNDING,
    COMPLEX_STEP,
    EPS,
    RELIABLE_RTOL,
    RELIABLE_ZERO_TOL,
    RICHARDSON_FIRST_STEP,
    STENCILS,
    NumericError,
    OneSided,
    Rounding,
    Stencil,
    as_points,
    check_method,
    check_value_at_x,
    check_values_near_x,
    evaluate,
    flat_rounding,
    format_number,
    grid_rounding,
    measured_rounding,
    one_sided,
    one_sided_curvature,
    optimal_step,
    rounding_moves,
    step_scale,
)
from steepest.numeric._richardson import richardson_univariate

Scalar = float | np.ndarray
#: A function of one real variable (acting elementwise on arrays, or on one number).
OneVariable = Callable[[Any], Any]

#: Extra steps of the self-check of a plain finite difference, relative to h.
CHECK_STEPS = (1.0, 0.5, 0.25)
#: The truncation estimate from h and h/2 is nearly exact in the asymptotic
#: regime; a margin covers the next term of the expansion and the noise in it.
TRUNCATION_SAFETY = 1.5
#: Disagreement with the finite-difference cross-check that the complex step
#: tolerates, in units of the cross-check's own error estimate.
COMPLEX_AGREEMENT = 10.0
#: ... plus this fraction of |value|: non-analytic code is off by far more.
COMPLEX_AGREEMENT_RTOL = 1e-6
#: The complex step is also taken at these multiples of h (no power of two apart) ...
COMPLEX_FACTORS = (
    1.0, 1.6180339887498949, 0.7320508075688772, 0.7182818284590451, 1.4142135623730951
)
#: ... and its own error is at least this many times the largest change they show.
COMPLEX_SPREAD = 5.0

#: Where every value a plain difference took equals f(x), f is also evaluated this far
#: from x (times max(1, |x|)), as far as Richardson's first step, to tell a constant f
#: from a staircase.
STAIRCASE_STEP = RICHARDSON_FIRST_STEP

#: Round-off from the argument, in units of eps max(1, |x|) |f'|: x + o h
#: rounds by eps |x| / 2, and f's first operations on it (t + 1, 2 t - 3)
#: round again on the scale of their terms (taken to be at least 1, as the
#: steps are) however small f itself is.
ARGUMENT_ROUNDING = 2.0

NOTE_UNRESOLVED = (
    "the differences at h, h/2 and h/4 do not shrink the way the method's error model "
    "predicts (a pole, branch point, jump or fast oscillation within the step?)"
)
NOTE_ROUNDOFF = "round-off dominates: the step is too small for the precision of f"
NOTE_LARGE = "the error estimate is large next to the value"
NOTE_SCATTER = (
    "f's values scatter near x far more than rounding does (noise, a jump or a coarse "
    "grid of values at x): no step gives a derivative to trust here"
)
NOTE_STAIRCASE = (
    "f takes the same value at every step the method tried but not over a larger one: "
    "f is flat here (as floor is between its jumps) or its values lie on a grid coarser "
    "than the step (rounding, as in (x + 1e12) - 1e12), and the two look alike; a "
    "larger h or method='richardson' tells which"
)
NOTE_COMPLEX = (
    "the complex step disagrees with finite differences (f is not analytic here, "
    "e.g. it uses abs, max or real parts?)"
)
NOTE_UNCHECKED = (
    "the complex step could not be cross-checked: finite differences are not reliable here"
)


@dataclass(frozen=True, repr=False)
class Estimate:
    """A numerical derivative with its error estimate.

    Attributes
    ----------
    value : the derivative (a float, or an array shaped like x).
    error : estimated absolute error of ``value`` (truncation plus round-off).
    reliable : True when the self-checks passed (the estimates at several steps
        behave as the method's error model predicts, or sit at round-off
        level) and the error is below 1% of the value.  False means: do not
        trust ``value`` without looking closer.
    h : the step used (for ``richardson``, the smallest step the chosen
        extrapolation used).
    nfev : number of function evaluations, the checks included.
    method, order : what was computed.
    note : why an estimate is unreliable or round-off bound ('' when neither).

    >>> est = estimate(lambda x: x**3, 2.0)
    >>> round(est.value, 6), est.reliable
    (12.0, True)
    >>> est.error < 1e-8
    True
    """

    value: Scalar
    error: Scalar
    reliable: bool | np.ndarray
    h: Scalar
    nfev: int
    method: str
    order: int = 1
    note: str = field(default="")

    def __float__(self) -> float:
        return float(self.value)

    @property
    def relative_error(self) -> Scalar:
        """``error / |value|`` (inf where the value is zero and the error is not)."""
        with np.errstate(all="ignore"):
            ratio = np.where(
                np.asarray(self.error) == 0, 0.0, np.asarray(self.error) / np.abs(self.value)
            )
        return float(ratio) if np.ndim(ratio) == 0 else ratio

    def _repr_html_(self) -> str:
        from steepest.display import box, paragraph, summary

        items = [
            ("value", self.value),
            ("estimated error", self.error),
            ("reliable", self.reliable if np.ndim(self.reliable) else bool(self.reliable)),
            ("method", f"{self.method} (derivative of order {self.order})"),
            ("step h", self.h),
            ("function evaluations", self.nfev),
        ]
        note = [paragraph(self.note)] if self.note else []
        return box("Numerical derivative", summary(items, digits=12), *note)

    def __repr__(self) -> str:
        def show(item: Any) -> str:
            if np.ndim(item) == 0:
                return (
                    format_number(item)
                    if not isinstance(item, bool | np.bool_)
                    else str(bool(item))
                )
            return np.array2string(np.asarray(item), precision=6, threshold=8)

        text = (
            f"Estimate(value={show(self.value)}, error={_short_float(self.error)}, "
            f"reliable={show(self.reliable)}, method={self.method!r}, "
            f"h={_short_float(self.h)}, nfev={self.nfev}"
        )
        if self.order != 1:
            text += f", order={self.order}"
        if self.note:
            text += f", note={self.note!r}"
        return text + ")"


def _short_float(item: Any) -> str:
    if np.ndim(item) == 0:
        return f"{float(item):.2g}"
    return np.array2string(np.asarray(item), precision=2, threshold=8)


def _output(array: np.ndarray, scalar: bool) -> Any:
    if scalar:
        return array.item()
    return array


def _steps(x: np.ndarray, method: str, order: int, h: Any) -> np.ndarray:
    if h is None:
        return optimal_step(method, order) * step_scale(x)
    try:
        steps = np.asarray(h, dtype=float)
    except (TypeError, ValueError) as exc:
        raise NumericError(f"h must be a positive number, got {h!r}") from exc
    if steps.size == 0 or not np.all(np.isfinite(steps)) or np.any(steps <= 0):
        raise NumericError(f"h must be a positive number, got {h!r}")
    try:
        return np.broadcast_to(steps, x.shape).astype(float)
    except ValueError as exc:
        raise NumericError(
            f"h has shape {steps.shape} but x has shape {x.shape}; give one step or one per point"
        ) from exc


@dataclass(frozen=True)
class _Differences:
    """A stencil evaluated at one or more steps (leading axis: step)."""

    values: np.ndarray  # D at each step
    magnitude: np.ndarray  # sum of |weight * f| per step (with_slope only)
    slope: np.ndarray  # rough |f'| from the first step, for argument rounding (with_slope only)
    fx: np.ndarray
    nfev: int
    samples: np.ndarray | None = None  # f at the stencil points, (M, levels, *S) (with_slope only)
    rounding: Rounding | None = None  # of f's values near x, see measured_rounding (with_slope)


@functools.lru_cache(maxsize=64)
def _stencil_arrays(stencil: Stencil, ndim: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Non-zero offsets and their weights, shaped (M, 1, 1...) for (M, levels, *x.shape)."""
    extra = (1,) * (ndim + 1)
    pairs = [(o, w) for o, w in zip(stencil.offsets, stencil.weights, strict=True) if o != 0]
    offsets = np.array([o for o, _ in pairs]).reshape(-1, *extra)
    weights = np.array([w for _, w in pairs]).reshape(-1, *extra)
    center = float(sum(w for o, w in zip(stencil.offsets, stencil.weights, strict=True) if o == 0))
    return offsets, weights, center


@np.errstate(all="ignore")
def _apply_stencil(
    f: Callable[[Any], Any],
    x: np.ndarray,
    stencil: Stencil,
    steps: np.ndarray,
    *,
    with_slope: bool = False,
) -> _Differences:
    """The textbook formula sum c_m f(x + o_m h) / h**order, at each of ``steps``.

    The nominal h is used as written (not the step the floats really took):
    this is what shows round-off at tiny steps, as in the lesson.  With
    ``with_slope`` f is also evaluated where its rounding is measured.
    """
    offsets, weights, center = _stencil_arrays(stencil, x.ndim)
    points = x + offsets * steps  # (M, levels, *S)
    flat = points.reshape(-1, *x.shape)
    near = x + rounding_moves(x, step_scale(x)) if with_slope else flat[:0]
    values = evaluate(f, np.concatenate([x[None], near, flat], axis=0))
    fx, near_values = values[0], values[1 : 1 + len(near)]
    values = values[1 + len(near) :].reshape(points.shape)
    check_value_at_x(fx, x)
    check_values_near_x(values, points, x, element_axes=x.ndim)
    weighted = weights * values
    differences = weighted.sum(axis=0)
    if center:
        differences = differences + center * fx
    differences = differences / steps**stencil.order
    if not with_slope:
        return _Differences(differences, differences, differences, fx, x.size + flat.size)
    magnitude = np.abs(weighted).sum(axis=0) + abs(center) * np.abs(fx)
    slope = np.max(np.abs(values[:, 0] - fx) / (np.abs(offsets[:, 0]) * steps[0]), axis=0)
    rounding = measured_rounding(fx, near_values)
    nfev = x.size + near.size + flat.size
    shown, extra = grid_rounding(f, x, fx, near_values, values.reshape(-1, *x.shape), steps[0] / 8)
    if shown is not None:
        rounding = replace(rounding, spread=np.fmax(rounding.spread, shown))
    nfev += extra
    return _Differences(differences, magnitude, slope, fx, nfev, values, rounding)


def _roundoff(
    x: np.ndarray, stencil: Stencil, steps: np.ndarray, differences: _Differences
) -> np.ndarray:
    """Bound on the round-off in D at each step: in the f values and in x + o h.

    The values round by eps |f|, or by the rounding they show near x where that
    is more (f a small sum of large terms, or computed in float32).
    """
    scaled = steps**stencil.order
    reach = max(abs(o) for o in stencil.offsets)
    assert differences.rounding is not None
    in_values = differences.rounding.bound(differences.magnitude, stencil.weight_sum) / scaled
    in_points = ARGUMENT_ROUNDING * EPS * (step_scale(x) + reach * steps) * differences.slope
    return in_values + in_points * stencil.weight_sum / scaled


@np.errstate(all="ignore")
def _plain_estimate(
    f: Callable[[Any], Any], x: np.ndarray, method: str, order: int, h: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, str]:
    """A finite difference at h, checked against the same formula at h/2 and h/4."""
    stencil = STENCILS[(method, order)]
    step = _steps(x, method, order, h)
    levels = np.array(CHECK_STEPS).reshape((-1,) + (1,) * x.ndim)
    steps = step * levels
    diff = _apply_stencil(f, x, stencil, steps, with_slope=True)
    test, extra = _one_sided_test(f, x, method, steps, diff) if order == 1 else (None, 0)
    diff = _with_flat_rounding(x, stencil, steps, diff, test)
    d1, d2, d3 = diff.values
    roundoff = _roundoff(x, stencil, steps, diff)
    r1, r2, r3 = roundoff
    expected = 0.5**stencil.accuracy
    truncation = np.abs(d1 - d2) / (1.0 - expected)
    delta1, delta2 = d1 - d2, d2 - d3
    noise1 = np.abs(delta1) <= 2.0 * (r1 + r2)
    noise2 = np.abs(delta2) <= 2.0 * (r2 + r3)
    ratio = delta2 / delta1
    shrinking = (ratio > 0) & (ratio <= min(0.75, 2.0 * expected))
    consistent = noise2 | (shrinking & ~noise1)
    spread = np.maximum(np.maximum(np.abs(delta1), np.abs(delta2)), np.abs(d1 - d3))
    # With two unknowns (f' and the h**p coefficient) and three differences, one
    # residual is left over: it measures the noise that the eps |f| bound misses
    # (rounding inside f, of terms larger than f itself).
    residual = np.abs(delta2 - expected * delta1)
    noise = np.maximum(r1, residual)
    error = np.where(consistent, TRUNCATION_SAFETY * truncation + noise, 2.0 * spread + noise)
    # On the scale of |f| / max(1, |x|)^order (see is_reliable).
    function_scale = np.maximum(np.abs(diff.fx), diff.magnitude[0] / stencil.weight_sum) / (
        step_scale(x) ** order
    )
    function_scale = np.where(np.isfinite(function_scale), function_scale, 0.0)
    small = (error <= RELIABLE_RTOL * np.abs(d1)) | (error <= RELIABLE_ZERO_TOL * function_scale)
    # An error that overflows says nothing (f near the largest float, x + h at its edge).
    reliable = consistent & small & np.isfinite(d1) & np.isfinite(error)
    note = ""
    if not np.all(consistent):
        note = NOTE_UNRESOLVED
    elif not np.all(reliable):
        note = NOTE_ROUNDOFF if np.any(r1 >= truncation) else NOTE_LARGE
        scatter = diff.rounding is not None and diff.rounding.unit > COARSEST_ROUNDING
        if np.any(~reliable & scatter):
            note = NOTE_SCATTER
    nfev = diff.nfev + extra
    if test is not None:
        error, reliable = test.apply(error, reliable)
        if np.any(test.broken) and note != NOTE_UNRESOLVED:
            note = test.note()
    staircase, wider, probes = _staircase(f, x, diff, test, stencil.order)
    if np.any(staircase):
        error = np.where(staircase, np.fmax(error, wider), error)
        reliable = reliable & ~staircase
        note = NOTE_STAIRCASE
    return d1, error, reliable, step, nfev + probes, note


def _staircase(
    f: Callable[[Any], Any], x: np.ndarray, diff: _Differences, test: OneSided | None, order: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Where every value the method took equals f(x) although f moves over a larger step
    (f on a grid coarser than the steps: (x + 1e12) - 1e12), with the size of the
    derivative that larger step shows, and the calls spent.

    All values equal reads as an exact zero slope, with no round-off to warn: so
    only there f is also evaluated at x +- STAIRCASE_STEP max(1, |x|).
    """
    assert diff.samples is not None
    flat = np.all(diff.samples == diff.fx, axis=(0, 1))
    if test is not None and test.samples is not None:
        flat &= np.all((test.samples[1] == diff.fx) & (test.samples[2] == diff.fx), axis=0)
    if not np.any(flat):
        return flat, np.zeros(x.shape), 0
    wide = STAIRCASE_STEP * step_scale(x)
    probes = evaluate(f, np.stack([x + wide, x - wide]))
    with np.errstate(all="ignore"):
        moved = np.isfinite(probes) & (probes != diff.fx)
        change = np.max(np.where(moved, np.abs(probes - diff.fx), 0.0), axis=0)
        return flat & np.any(moved, axis=0), change / wide**order, probes.size


def _with_flat_rounding(
    x: np.ndarray, stencil: Stencil, steps: np.ndarray, diff: _Differences, test: OneSided | None
) -> _Differences:
    """``diff`` with its rounding at least what f's flat values show (see flat_rounding),
    from the stencil's points at x + o h and the differentiability test's at x +- h."""
    assert diff.samples is not None and diff.rounding is not None
    nan = np.full(steps.shape, np.nan)
    offsets = [o for o in stencil.offsets if o != 0]
    spans, plus, minus = [], [], []
    for reach in sorted({abs(o) for o in offsets}):
        spans.append(reach * steps)
        plus.append(diff.samples[offsets.index(reach)] if reach in offsets else nan)
        minus.append(diff.samples[offsets.index(-reach)] if -reach in offsets else nan)
    if test is not None and test.samples is not None:
        test_steps, test_plus, test_minus = test.samples
        spans.append(test_steps)
        plus.append(test_plus)
        minus.append(test_minus)
    off_by = flat_rounding(
        diff.fx, np.concatenate(spans), np.concatenate(plus), np.concatenate(minus)
    )
    if not np.any(off_by):
        return diff
    return replace(diff, rounding=diff.rounding.at_least(off_by))


def _one_sided_test(
    f: Callable[[Any], Any], x: np.ndarray, method: str, steps: np.ndarray, diff: _Differences
) -> tuple[OneSided, int]:
    """Whether f' exists at x, from f on both sides of it.

    A forward (backward) difference sees one side only: |x| at 0 has forward
    slope 1 at every step, perfectly settled.  So f is also evaluated on both
    sides at the central step (or the method's, if larger), where round-off
    is small enough for the test to be sharp; the central difference reuses
    its own points.
    """
    assert diff.samples is not None
    if method == "central":
        return one_sided(diff.samples[1], diff.samples[0], diff.fx, steps, x), 0
    test_steps = np.maximum(steps, optimal_step("central") * step_scale(x) * steps / steps[0])
    with np.errstate(all="ignore"):
        plus = evaluate(f, x + test_steps)
        minus = evaluate(f, x - test_steps)
    return one_sided(plus, minus, diff.fx, test_steps, x), plus.size + minus.size


def _second_derivative_test(f: Callable[[Any], Any], x: np.ndarray) -> tuple[OneSided, int]:
    """Whether f' and f'' exist at x: f at x +- k h for k = 1, 2 and three halving
    steps from the central second-difference step (13 calls per element)."""
    steps = (
        optimal_step("central", 2)
        * step_scale(x)
        * np.array([1.0, 0.5, 0.25]).reshape((3,) + (1,) * x.ndim)
    )
    multiples = np.array([1.0, 2.0]).reshape((2, 1) + (1,) * x.ndim)
    offsets = multiples * steps  # (2, 3, *x.shape)
    with np.errstate(all="ignore"):
        values = evaluate(
            f,
            np.concatenate(
                [x[None], (x + offsets).reshape(-1, *x.shape), (x - offsets).reshape(-1, *x.shape)]
            ),
        )
    fx = values[0]
    plus, minus = values[1:].reshape((2,) + offsets.shape)
    first = one_sided(plus[0], minus[0], fx, steps, x)
    return first | one_sided_curvature(plus, minus, fx, steps, x), values.shape[0]


def _complex_values(
    f: Callable[[Any], Any], x: np.ndarray, h: Any, factors: tuple[float, ...] = (1.0,)
) -> tuple[np.ndarray, np.ndarray, int]:
    """Im f(x + ih) / h: no subtraction, so no cancellation; needs an analytic f.

    With several ``factors`` the quotient is taken at each h * factor (leading axis).
    """
    step = COMPLEX_STEP * step_scale(x) if h is None else _steps(x, "complex", 1, h)
    steps = np.array(factors).reshape((-1,) + (1,) * x.ndim) * step
    points = x + 1j * steps
    values = evaluate(f, points.reshape(-1, *x.shape)).reshape(points.shape)
    check_values_near_x(values, points, x, element_axes=x.ndim)
    quotients = values.imag / steps
    return (quotients[0] if len(factors) == 1 else quotients), step, points.size


#: The complex step is also taken this far from x (times max(1, |x|)), for |f''|.
CURVATURE_STEP = 2.0**-17


@np.errstate(all="ignore")
def _complex_curvature(
    f: Callable[[Any], Any], x: np.ndarray, step: np.ndarray, slope: np.ndarray
) -> tuple[np.ndarray, int]:
    """|f''| at x from the complex-step slopes at x and a little way off, and the number of
    evaluations (0 where nothing finite comes of it: a pole within that way, say)."""
    apart = CURVATURE_STEP * step_scale(x)
    try:
        values = evaluate(f, x + apart + 1j * step)
    except NumericError:
        return np.zeros(x.shape), x.size
    curvature = np.abs(values.imag / step - slope) / apart
    return np.where(np.isfinite(curvature), curvature, 0.0), x.size


@np.errstate(all="ignore")  # f near the largest float: errors may overflow to inf
def complex_step_estimate(
    f: Callable[[Any], Any], x: np.ndarray, h: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, str]:
    """The complex-step derivative at the float array ``x``, cross-checked against
    finite differences: (value, error, reliable, step, nfev, note), as
    :func:`estimate` with ``method="complex"`` reports them.

    >>> value, error, reliable, *_ = complex_step_estimate(np.exp, np.array(0.0), None)
    >>> float(value), bool(reliable), float(error) < 1e-14
    (1.0, True, True)
    """
    fx = evaluate(f, x)
    check_value_at_x(fx, x)
    quotients, step, nfev = _complex_values(f, x, h, COMPLEX_FACTORS)
    value = quotients[0]
    nfev += x.size
    # Im f rounds on the scale of its terms, which may be far larger than f' (large
    # terms that cancel, noise in f): steps that are no power-of-two multiple of each
    # other round differently, and their spread shows it.
    spread = np.max(np.abs(quotients[1:] - value), axis=0)
    curvature, extra = _complex_curvature(f, x, step, value)
    nfev += extra
    own_error = np.fmax(
        4.0 * EPS * (np.abs(value) + np.abs(fx) / step_scale(x)), COMPLEX_SPREAD * spread
    )
    # f's first operations on x round it (100 x by eps |100 x| / 2): the complex step is the
    # slope at that rounded argument, off by |f''| times the shift (sin(100 x) at 0.3:
    # 1e-13, seven times the rest of the error).
    own_error = own_error + ARGUMENT_ROUNDING * EPS * step_scale(x) * curvature
    # Im f underflows below the smallest float (x**2 at 1e-310 gives Im 0): that much
    # of it may be lost, whatever f's size.
    own_error = own_error + np.finfo(np.float64).smallest_subnormal / step
    try:
        check_value, check_error, check_reliable, _, check_nfev, _ = _plain_estimate(
            f, x, "central", 1, None
        )
        nfev += check_nfev
        if not np.all(check_reliable):
            result = richardson_univariate(f, x, 1)
            nfev += result.nfev
            check_value, check_error, check_reliable = result.value, result.error, result.reliable
    except NumericError:
        try:
            result = richardson_univariate(f, x, 1)
        except NumericError:
            return value, own_error, np.zeros(x.shape, dtype=bool), step, nfev, NOTE_UNCHECKED
        nfev += result.nfev
        check_value, check_error, check_reliable = result.value, result.error, result.reliable
    gap = np.abs(value - check_value)
    agree = (
        gap <= COMPLEX_AGREEMENT * check_error + COMPLEX_AGREEMENT_RTOL * np.abs(value) + own_error
    )
    checked = np.asarray(check_reliable, dtype=bool)
    # Agreement within the tolerance still leaves a gap the complex step's own
    # error does not explain (code that is not analytic changes f' by a
    # little): then the gap is the error.
    explained = gap <= check_error + own_error
    error = np.where(
        agree & checked & explained, own_error, np.maximum(own_error, gap + check_error)
    )
    note = ""
    if not np.all(agree):
        note = NOTE_COMPLEX
    elif not np.all(check_reliable):
        note = NOTE_UNCHECKED
    # Without a trustworthy cross-check (a corner, say) the complex step is not trusted either.
    reliable = agree & checked & np.isfinite(value)
    return value, error, reliable, step, nfev, note


def derivative(
    f: OneVariable, x: Any, method: str = "central", h: Any = None, order: int = 1
) -> Any:
    """The derivative of f at x, by finite differences, complex step or Richardson.

    f is a function of one variable; for an array x it must act elementwise
    (``np.sin``, ``lambda t: t**2``), and the derivative is taken at every
    element.  A function written for single numbers is called point by point.

    Methods (default step ``optimal_step(method, order) * max(1, |x|)``):

    - ``forward``: (f(x+h) - f(x)) / h, error ~ h, best h ~ sqrt(eps)
    - ``backward``: (f(x) - f(x-h)) / h, the same from the left
    - ``central``: (f(x+h) - f(x-h)) / 2h, error ~ h**2, best h ~ cbrt(eps)
    - ``complex``: Im f(x + ih) / h, no cancellation, about 15 digits (f must
      accept complex numbers and be analytic)
    - ``richardson``: central differences on halving steps, extrapolated to
      h = 0 (about 13-15 digits; ``h`` is ignored)

    ``order=2`` (and up to 4) gives higher derivatives for ``central`` and
    ``richardson``; forward and backward go up to 2.  Use :func:`estimate` to
    get an error estimate with the value.

    The lesson: forward differences of x**2 at 3 approach 6, until round-off
    takes over.

    >>> square = lambda x: x**2
    >>> [round(derivative(square, 3.0, "forward", h=h), 6) for h in (1e-2, 1e-3, 1e-4, 1e-5)]
    [6.01, 6.001, 6.0001, 6.00001]
    >>> derivative(square, 3.0, "forward", h=1e-16)  # 3 + 1e-16 == 3
    0.0
    >>> derivative(np.sin, 0.0)
    1.0
    >>> derivative(np.exp, [0.0, 1.0], method="richardson")
    array([1.        , 2.71828183])
    >>> round(derivative(np.sin, 1.0, order=2), 6)  # -sin(1)
    -0.841471
    """
    check_method(method, order)
    points = as_points(x)
    scalar = points.ndim == 0
    if method == "richardson":
        value = richardson_univariate(f, points, order, check_corners=False).value
        return _output(value, scalar)
    if method == "complex":
        fx = evaluate(f, points)
        check_value_at_x(fx, points)
        return _output(_complex_values(f, points, h)[0], scalar)
    stencil = STENCILS[(method, order)]
    steps = _steps(points, method, order, h)[None]
    return _output(_apply_stencil(f, points, stencil, steps).values[0], scalar)


def estimate(
    f: OneVariable, x: Any, method: str = "central", h: Any = None, order: int = 1
) -> Estimate:
    """The derivative of f at x with an honest error estimate.

    Same methods and arguments as :func:`derivative`.  The error comes from the
    method's own self-check:

    - finite differences are repeated at h/2 and h/4; their differences give
      the truncation error and must shrink the way the method's error model
      says (h for forward, h**2 for central), or sit at round-off level;
    - ``richardson`` keeps only extrapolations built from steps that show that
      behaviour, and takes the spread of the tableau around its answer;
    - ``complex`` is cross-checked against finite differences, which catches
      functions that are not analytic (``abs``, ``max``).

    Near a pole, a branch point or a fast oscillation, the estimate is either
    accurate, or its error says so, or ``reliable`` is False.  A function that
    is not finite at x or at a point the formula needs raises
    :class:`steepest.NumericError`.

    >>> est = estimate(lambda x: x**2, 3.0, "forward", h=1e-2)
    >>> round(est.value, 10), round(est.error, 10), est.reliable
    (6.01, 0.015, True)
    >>> bad = estimate(lambda x: x**2, 3.0, "forward", h=1e-16)
    >>> bad.value, bad.reliable, bad.error > 6
    (0.0, False, True)
    >>> best = estimate(np.log, 1e6, method="richardson")
    >>> abs(best.value - 1e-6) < 1e-17, best.reliable
    (True, True)
    """
    check_method(method, order)
    points = as_points(x)
    scalar = points.ndim == 0
    if method == "richardson":
        result = richardson_univariate(f, points, order)
        value, error, reliable, step, nfev = (
            result.value,
            result.error,
            result.reliable,
            result.h,
            result.nfev,
        )
        note = "" if np.all(reliable) else NOTE_UNRESOLVED
        if result.one_sided is not None and np.any(result.one_sided.broken):
            note = result.one_sided.note()
    elif method == "complex":
        value, error, reliable, step, nfev, note = complex_step_estimate(f, points, h)
    else:
        value, error, reliable, step, nfev, note = _plain_estimate(f, points, method, order, h)
    if order == 2:
        test, extra = _second_derivative_test(f, points)
        nfev += extra
        error, reliable = test.apply(np.asarray(error), np.asarray(reliable, dtype=bool))
        if np.any(test.broken) and note != NOTE_UNRESOLVED:
            note = test.note()
    if note and not scalar:
        first = (
            tuple(int(i) for i in np.argwhere(~np.asarray(reliable))[0])
            if not np.all(reliable)
            else ()
        )
        if first:
            note = f"x[{', '.join(map(str, first))}]: {note}"
    return Estimate(
        value=_output(np.asarray(value, dtype=float), scalar),
        error=_output(np.asarray(error, dtype=float), scalar),
        reliable=_output(np.asarray(reliable, dtype=bool), scalar),
        h=_output(np.asarray(step, dtype=float), scalar),
        nfev=int(nfev),
        method=method,
        order=order,
        note=note,
    )


__all__ = ["Estimate", "complex_step_estimate", "derivative", "estimate"]
