"""Shared pieces of numerical differentiation: stencils, steps, evaluation, checks.

A finite-difference formula is a *stencil*: offsets o_m and weights c_m with

    D_h f(x) = sum_m c_m f(x + o_m h) / h**order.

Its truncation error shrinks like h**p; the round-off in the f values, about
eps |f|, is divided by h**order and grows as h shrinks.  Balancing the two
gives the best step h ~ eps**(1 / (p + order)) (times the scale of x).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

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


def as_points(x: Any) -> np.ndarray:
    """x as a float64 array (a copy), refusing complex or non-numeric input."""
    try:
        array = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy accepts nearly anything
        raise NumericError(f"x must be a number or an array of numbers, got {x!r}") from exc
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise NumericError(f"x must be a real number or an array of real numbers, got {_short(x)}")
    return np.array(array, dtype=np.float64)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_number(value: Any) -> str:
    """A float the way Python prints it (shortest round-trip form)."""
    if isinstance(value, complex | np.complexfloating):
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
        try:
            flat = [_call_one(f, point.item()) for point in points.reshape(-1)]
        except TypeError as exc:
            if np.iscomplexobj(points):
                raise NumericError(
                    "the complex-step method needs f to accept complex numbers, but f "
                    f"raised TypeError ({exc}); use method='richardson'"
                ) from exc
            raise
        values = np.array(flat).reshape(points.shape)
    return numeric_values(values, complex_input=np.iscomplexobj(points))


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


#: A corner: the second difference over h, |f(x+h) - 2 f(x) + f(x-h)| / h, stays
#: put as h halves (it halves for a smooth f) and stands this far above round-off.
CORNER_RATIO = (0.75, 1.34)
CORNER_NOISE = 10.0


def corner_jump(
    plus: np.ndarray, minus: np.ndarray, fx: np.ndarray, steps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Detect a corner (a kink, like |x| at 0) at x from three halving steps.

    ``plus``, ``minus`` and ``steps`` have a leading axis of three consecutive
    halving steps.  Returns the jump in slope seen at the largest step and a
    mask of the elements where f has a corner: the one-sided slopes differ by
    an amount that does not shrink with h, so no derivative exists.
    """
    with np.errstate(all="ignore"):
        gap = np.abs(plus - 2 * fx + minus) / steps
        ratio = gap[1:] / gap[:-1]
        corner = np.all((ratio >= CORNER_RATIO[0]) & (ratio <= CORNER_RATIO[1]), axis=0)
        if corner.any():
            size = np.abs(plus) + 2 * np.abs(fx) + np.abs(minus)
            noise = ROUNDOFF_FACTOR * EPS * size / steps
            corner &= np.all(gap > CORNER_NOISE * noise, axis=0)
    return gap[0], corner


NOTE_CORNER = (
    "f has a corner at or within a step of x: the slopes on the two sides differ by about "
    "{jump:.3g} at every step (no derivative there, or a very sharp bend)"
)


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
    raise NumericError(
        f"f is not finite {where} {location} = {x_text}: "
        f"f({format_number(point)}) = {format_number(value)}"
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
        raise
    values = np.asarray(result)
    return numeric_values(values, complex_input=np.iscomplexobj(point))
