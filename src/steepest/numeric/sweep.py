"""The truncation / round-off trade-off, measured: a finite difference at many steps h."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from steepest.numeric._core import (
    COMPLEX_STEP,
    EPS,
    STENCILS,
    NumericError,
    as_points,
    check_method,
    check_value_at_x,
    evaluate,
    format_number,
    optimal_step,
)
from steepest.numeric._richardson import richardson_univariate
from steepest.numeric.univariate import complex_step_estimate

SWEEP_METHODS = ("forward", "backward", "central", "complex")


@dataclass(frozen=True, repr=False)
class ErrorSweep:
    """A finite difference of f at x for many steps h, next to a reference value.

    ``error`` is |estimate - exact|: large on the right (truncation, shrinking
    like h or h**2) and on the left (round-off, growing like eps / h), smallest
    in between.  ``truncation`` and ``roundoff`` are the two terms of the error
    model, from the derivatives of f at x; ``reference`` says where ``exact``
    came from.

    >>> sweep = error_sweep(lambda x: x**2, 3.0, exact=6.0, method="forward",
    ...                     hs=[1e-2, 1e-3, 1e-4, 1e-5, 1e-16])
    >>> [round(float(v), 6) for v in sweep.estimate]
    [6.01, 6.001, 6.0001, 6.00001, 0.0]
    >>> sweep.reference
    'exact value given'
    """

    x: float
    method: str
    order: int
    h: np.ndarray
    estimate: np.ndarray
    error: np.ndarray
    truncation: np.ndarray
    roundoff: np.ndarray
    exact: float
    reference: str
    reference_error: float

    @property
    def best_h(self) -> float:
        """The step with the smallest measured error."""
        return float(self.h[self._best_index()])

    @property
    def best_error(self) -> float:
        """The smallest measured error."""
        return float(self.error[self._best_index()])

    @property
    def model_best_h(self) -> float:
        """The step where the model truncation + round-off is smallest."""
        total = self.truncation + self.roundoff
        return float(self.h[int(np.nanargmin(total))])

    @property
    def default_h(self) -> float:
        """The step :func:`derivative` takes by default for this method at x."""
        return optimal_step(self.method, self.order) * max(1.0, abs(self.x))

    def _best_index(self) -> int:
        finite = np.where(np.isfinite(self.error), self.error, np.inf)
        return int(np.argmin(finite))

    def to_frame(self) -> Any:
        """A pandas DataFrame with columns h, estimate, error, truncation, roundoff."""
        import pandas as pd

        return pd.DataFrame(
            {
                "h": self.h,
                "estimate": self.estimate,
                "error": self.error,
                "truncation": self.truncation,
                "roundoff": self.roundoff,
            }
        )

    def rows(self) -> list[dict[str, float]]:
        """The table as a list of dicts (for JSON)."""
        return [
            {
                "h": float(h),
                "estimate": _json_float(e),
                "error": _json_float(err),
                "truncation": _json_float(t),
                "roundoff": _json_float(r),
            }
            for h, e, err, t, r in zip(
                self.h, self.estimate, self.error, self.truncation, self.roundoff, strict=True
            )
        ]

    def table(self) -> str:
        """The sweep as aligned text: one row per step."""
        lines = [f"{'h':>10}  {'estimate':>22}  {'error':>9}  {'truncation':>10}  {'round-off':>9}"]
        for h, e, err, t, r in zip(
            self.h, self.estimate, self.error, self.truncation, self.roundoff, strict=True
        ):
            lines.append(f"{h:>10.3g}  {e:>22.16g}  {err:>9.2g}  {t:>10.2g}  {r:>9.2g}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from steepest.display import box, line_chart, summary, table

        chart = line_chart(
            self.error,
            self.h,
            log_x=True,
            log_y=True,
            title=f"error of the {self.method} difference against the step h",
            x_label="h",
            y_label="error",
        )
        items = [
            ("method", self.method),
            ("x", self.x),
            ("reference", f"{self.exact:.16g} ({self.reference})"),
            ("smallest error", f"{self.best_error:.3g} at h = {self.best_h:.3g}"),
            ("the error model's best h", self.model_best_h),
            ("the default step", self.default_h),
        ]
        rows = zip(
            self.h, self.estimate, self.error, self.truncation, self.roundoff, strict=True
        )
        header = ["h", "estimate", "error", "truncation", "round-off"]
        return box("Error sweep", summary(items), chart, table(rows, header, digits=4))

    def __repr__(self) -> str:
        return (
            f"ErrorSweep(method={self.method!r}, x={format_number(self.x)}, "
            f"{len(self.h)} steps from {self.h.max():.3g} to {self.h.min():.3g}, "
            f"best h={self.best_h:.3g} with error {self.best_error:.3g}, "
            f"reference={self.reference!r})"
        )


def _json_float(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def default_steps(x: float, count_per_decade: int = 4) -> np.ndarray:
    """max(1, |x|) times 1, 10**-0.25, ..., 1e-16."""
    exponents = np.arange(0, 16 * count_per_decade + 1) / count_per_decade
    return max(1.0, abs(x)) * 10.0**-exponents


def _leading_term(method: str, order: int) -> tuple[int, float]:
    """(k, C): the stencil's error is about C f^(k)(x) h**(k - order)."""
    if method == "complex":
        return 3, -1.0 / 6.0
    stencil = STENCILS[(method, order)]
    k = order + stencil.accuracy
    coefficient = sum(
        w * o**k for o, w in zip(stencil.offsets, stencil.weights, strict=True)
    ) / math.factorial(k)
    return k, coefficient


def _reference(f: Callable[[Any], Any], x: np.ndarray, order: int) -> tuple[float, float, str]:
    """The best available derivative: complex step (checked), else Richardson."""
    if order == 1:
        try:
            value, error, reliable, _, _, _ = complex_step_estimate(f, x, None)
            if bool(reliable):
                return (
                    float(value),
                    float(error),
                    f"complex step, h = {COMPLEX_STEP:g} max(1, |x|) "
                    f"(error about {float(error):.1g})",
                )
        except NumericError:
            pass
    result = richardson_univariate(f, x, order)
    label = f"Richardson extrapolation (error about {float(result.error):.1g})"
    if not bool(result.reliable):
        label += "; not reliable at this point"
    return float(result.value), float(result.error), label


def error_sweep(
    f: Callable[[Any], Any],
    x: float,
    exact: float | None = None,
    method: str = "central",
    hs: Sequence[float] | np.ndarray | None = None,
    order: int = 1,
) -> ErrorSweep:
    """The error of a finite difference of f at x for many steps h.

    ``hs`` defaults to 65 steps from max(1, |x|) down to 1e-16 max(1, |x|).
    Without ``exact``, the reference is the complex step when f accepts
    complex numbers (checked against finite differences), else Richardson
    extrapolation; ``.reference`` says which, with its own error.  Steps
    whose points are not finite give NaN rows.

    The lesson: forward differences of x**2 at 3.  The error falls like h until
    about sqrt(eps), then round-off takes over.

    >>> sweep = error_sweep(lambda x: x**2, 3.0, method="forward")
    >>> sweep.reference.startswith("complex step")
    True
    >>> 1e-9 < sweep.best_h < 1e-7, sweep.best_error < 1e-7
    (True, True)
    >>> frame = sweep.to_frame()
    >>> list(frame.columns)
    ['h', 'estimate', 'error', 'truncation', 'roundoff']
    """
    if method not in SWEEP_METHODS:
        check_method(method, order)
        raise NumericError(
            f"error_sweep varies the step h, which method {method!r} does not take; "
            f"use one of {', '.join(SWEEP_METHODS)}"
        )
    check_method(method, order)
    point = as_points(x)
    if point.ndim != 0:
        raise NumericError(f"error_sweep takes one point x, got an array of shape {point.shape}")
    x_value = float(point)
    steps = default_steps(x_value) if hs is None else np.asarray(hs, dtype=float).reshape(-1)
    if steps.size == 0 or not np.all(np.isfinite(steps)) or np.any(steps <= 0):
        raise NumericError("hs must be positive numbers")
    fx = evaluate(f, point)
    check_value_at_x(fx, point)

    with np.errstate(all="ignore"):
        if method == "complex":
            values = evaluate(f, x_value + 1j * steps)
            estimates = values.imag / steps
        else:
            stencil = STENCILS[(method, order)]
            offsets = np.array(stencil.offsets)[:, None]
            values = evaluate(f, x_value + offsets * steps)
            estimates = np.array(stencil.weights) @ values / steps**order
    estimates = np.where(np.isfinite(estimates), estimates, np.nan)
    if not np.any(np.isfinite(estimates)):
        raise NumericError(
            f"f is not finite next to x = {format_number(x_value)} at any of the steps"
        )

    if exact is None:
        exact_value, reference_error, reference = _reference(f, point, order)
    else:
        exact_value, reference_error, reference = float(exact), 0.0, "exact value given"

    # Error model: truncation C f^(k) h**(k - order); round-off: each f value and
    # each x + o h is off by about half an ulp, eps/2 (|f| + |x f'|), over h**order.
    k, coefficient = _leading_term(method, order)
    higher = float(richardson_univariate(f, point, k).value) if k <= 4 else math.nan
    slope = exact_value if order == 1 else float(richardson_univariate(f, point, 1).value)
    truncation = np.abs(coefficient * higher) * steps ** (k - order)
    if method == "complex":
        roundoff = np.full(steps.shape, 0.5 * EPS * abs(exact_value))
    else:
        weight_sum = STENCILS[(method, order)].weight_sum
        roundoff = 0.5 * EPS * weight_sum * (abs(float(fx)) + abs(x_value * slope)) / steps**order
    return ErrorSweep(
        x=x_value,
        method=method,
        order=order,
        h=steps,
        estimate=estimates,
        error=np.abs(estimates - exact_value),
        truncation=truncation,
        roundoff=roundoff,
        exact=exact_value,
        reference=reference,
        reference_error=reference_error,
    )


__all__ = ["ErrorSweep", "default_steps", "error_sweep"]
