"""Compare a gradient (automatic, or one you wrote) with the best numerical gradient."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from steepest.numeric._core import EPS, NumericError, as_points
from steepest.numeric.multivariate import jacobian_estimate

#: A disagreement counts as a failure beyond this many numerical error estimates ...
ERROR_MULTIPLE = 10.0
#: ... plus this many units of round-off in the gradient itself (sums of many
#: terms, computed in a different order by the two methods).
ROUNDOFF_UNITS = 100.0
#: Components smaller than this fraction of the largest are compared to the
#: largest in max_rel_error (their own size is mostly round-off).
RELATIVE_FLOOR = 1e-8


@dataclass(frozen=True, repr=False)
class GradientCheck:
    """The outcome of :func:`check_grad`.

    ``analytic`` is the gradient being checked (autodiff unless one was
    given), ``numeric`` the numerical gradient (``method``: complex step or
    Richardson), ``error`` its estimated error, ``tolerance`` the allowed
    difference per component; ``ok`` says whether every component is within
    its tolerance.
    """

    analytic: np.ndarray
    numeric: np.ndarray
    error: np.ndarray
    tolerance: np.ndarray
    method: str
    source: str
    numeric_reliable: np.ndarray

    @property
    def abs_error(self) -> np.ndarray:
        """|analytic - numeric| per component."""
        return np.abs(self.analytic - self.numeric)

    @property
    def max_abs_error(self) -> float:
        return float(np.max(self.abs_error)) if self.abs_error.size else 0.0

    @property
    def max_rel_error(self) -> float:
        """Largest |analytic - numeric| / |numeric|, tiny components measured
        against the largest one."""
        if not self.abs_error.size:
            return 0.0
        size = np.maximum(np.abs(self.numeric), np.abs(self.analytic))
        floor = RELATIVE_FLOOR * float(np.max(size))
        denominator = np.maximum(size, floor)
        with np.errstate(all="ignore"):
            ratio = np.where(self.abs_error == 0, 0.0, self.abs_error / denominator)
        return float(np.max(ratio))

    @property
    def ok(self) -> bool:
        return bool(np.all(self.abs_error <= self.tolerance) and np.all(self.numeric_reliable))

    @property
    def worst(self) -> tuple[int, ...]:
        """Index of the component furthest outside (or least inside) its tolerance."""
        with np.errstate(all="ignore"):
            ratio = np.where(
                self.abs_error == 0, 0.0, self.abs_error / np.maximum(self.tolerance, 1e-300)
            )
        return tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), ratio.shape))

    def _repr_html_(self) -> str:
        from steepest.display import box, summary, table

        verdict = "the gradient agrees" if self.ok else "the gradient does not agree"
        items = [
            ("verdict", verdict),
            ("largest absolute error", self.max_abs_error),
            ("largest relative error", self.max_rel_error),
            ("numerical method", self.method),
            ("gradient from", self.source),
        ]
        rows = [
            (index, a, n, e, t)
            for index, (a, n, e, t) in enumerate(
                zip(
                    self.analytic.ravel(),
                    self.numeric.ravel(),
                    self.abs_error.ravel(),
                    self.tolerance.ravel(),
                    strict=True,
                )
            )
        ][:50]
        header = ["component", "checked", "numerical", "difference", "tolerance"]
        return box("Gradient check", summary(items, digits=3), table(rows, header, digits=10))

    def __repr__(self) -> str:
        return (
            f"GradientCheck(ok={self.ok}, max_abs_error={self.max_abs_error:.2g}, "
            f"max_rel_error={self.max_rel_error:.2g}, method={self.method!r}, "
            f"source={self.source!r})"
        )


def check_grad(
    f: Callable[[Any], Any],
    x: Any,
    grad: Callable[[Any], Any] | None = None,
    *,
    method: str | None = None,
    rtol: float | None = None,
    atol: float | None = None,
) -> GradientCheck:
    """Check a gradient of the scalar function f at x against numerical differentiation.

    Without ``grad`` the gradient comes from steepest's reverse-mode automatic
    differentiation (f written with NumPy).  The numerical gradient is the
    most accurate that works for f (complex step, else Richardson), and the
    tolerance per component comes from its error estimate: 10 estimated
    errors plus 100 eps of the gradient's size.  Give ``rtol`` and/or
    ``atol`` to use |analytic - numeric| <= atol + rtol |numeric| instead.

    >>> import numpy as np
    >>> y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
    >>> result = check_grad(lambda theta: np.mean((y - theta) ** 2), 12.0)
    >>> result.ok, round(float(result.numeric), 10)
    (True, -5.32)
    >>> wrong = check_grad(lambda v: np.sum(v**3), [1.0, 2.0], grad=lambda v: 3 * v)
    >>> wrong.ok, wrong.worst
    (False, (1,))
    """
    points = as_points(x)
    # The numerical gradient first: it names a failing f in one sentence.
    numeric = jacobian_estimate(f, points, method)
    if numeric.value.shape != points.shape:
        raise NumericError(
            "check_grad needs f to return one number; it returned shape "
            f"{numeric.value.shape[: numeric.value.ndim - points.ndim]}"
        )
    analytic, source = _analytic(f, points, grad)
    if analytic.shape != points.shape:
        raise NumericError(
            f"grad returned shape {analytic.shape} but x has shape {points.shape}: it must "
            "return one partial derivative per component of x"
        )
    if rtol is None and atol is None:
        size = np.abs(numeric.value) + (np.max(np.abs(numeric.value)) if points.size else 0.0)
        tolerance = ERROR_MULTIPLE * numeric.error + ROUNDOFF_UNITS * EPS * size
    else:
        tolerance = (atol or 0.0) + (rtol or 0.0) * np.abs(numeric.value)
    return GradientCheck(
        analytic=analytic,
        numeric=numeric.value,
        error=numeric.error,
        tolerance=np.broadcast_to(tolerance, points.shape).astype(float),
        method=numeric.method,
        source=source,
        numeric_reliable=np.asarray(numeric.reliable, dtype=bool),
    )


def _analytic(
    f: Callable[[Any], Any], points: np.ndarray, grad: Callable[[Any], Any] | None
) -> tuple[np.ndarray, str]:
    """The gradient being checked, and where it came from; a NumericError in one sentence
    naming grad (or f under automatic differentiation) when it fails."""
    from steepest.errors import SteepestError

    argument = points if points.ndim else float(points)
    where = _short(points.tolist())
    if grad is None:
        from steepest.autodiff import grad as autodiff_grad

        name, source, call = "f (under automatic differentiation)", "autodiff", autodiff_grad(f)
    else:
        name, source, call = "grad", "given gradient", grad
    try:
        result = call(argument)
    except SteepestError:
        raise
    except Exception as exc:
        raise NumericError(f"{name} raised {type(exc).__name__} at x = {where}: {exc}") from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            values = np.asarray(result)
            if values.dtype.kind == "c" and not np.any(values.imag):
                values = values.real
            analytic = values.astype(float)
    except (TypeError, ValueError, np.exceptions.ComplexWarning) as exc:
        raise NumericError(
            f"{name} must return real numbers shaped like x; it returned {_short(result)}"
        ) from exc
    if values.dtype.kind not in "biuf":
        raise NumericError(
            f"{name} must return real numbers shaped like x; it returned {_short(result)}"
        )
    return analytic, source


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = ["GradientCheck", "check_grad"]
