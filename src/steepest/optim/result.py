"""The outcome of a run: where it ended, why, and how it got there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from steepest.optim.history import History

STATUSES = ("converged", "saddle", "max_iter", "diverged", "stalled", "stopped")


@dataclass
class OptimizeResult:
    """Result of :func:`steepest.minimize` or :func:`steepest.maximize`.

    ``x`` has the shape of the start (a float for a float start), ``fun`` is
    the value of the user's function there (not negated for maximize),
    ``grad`` its gradient (``None`` for a grid search), ``nit`` the number of
    steps taken (grid points tried for a grid search), ``status`` one of
    ``converged``, ``saddle``, ``max_iter``, ``diverged``, ``stalled``,
    ``stopped``, and ``message`` the reason in plain words.  ``saddle`` is a
    run that met a stopping rule where the gradient vanishes but the point is
    no minimum (no maximum, for maximize): a saddle point, a stationary
    inflection such as 0 for x^3, the opposite extremum, or a slope where f
    flattens toward a limit at infinity (``exp(-x)`` far out); the message
    says which, and along which direction f still falls.  ``nfev`` counts the
    evaluations of that check too.  ``history`` is ``None`` when the
    run was made with ``record=False``.

    >>> import steepest as st
    >>> res = st.minimize(lambda x: (x - 2) ** 2, 0.0, grad=lambda x: 2 * (x - 2), lr=0.4,
    ...                   max_iter=5)
    >>> res.x, res.status
    (1.99936, 'max_iter')
    >>> res.success
    False
    """

    x: Any
    fun: float
    grad: Any
    nit: int
    status: str
    message: str
    history: History | None = None
    method: str = "gd"
    maximize: bool = False
    nfev: int = 0
    epochs: int | None = None
    elapsed: float = 0.0
    variables: tuple[str, ...] | None = None
    lipschitz: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """True when the run converged (at a minimum, as far as the check at its end sees)."""
        return self.status == "converged"

    def to_frame(self) -> Any:
        """The history as a pandas DataFrame (see :meth:`History.to_frame`)."""
        if self.history is None:
            raise ValueError("this run was made with record=False, so it kept no history")
        return self.history.to_frame()

    def table(self, **kwargs: Any) -> str:
        """The printed trace (see :meth:`History.table`)."""
        if self.history is None:
            raise ValueError("this run was made with record=False, so it kept no history")
        return self.history.table(**kwargs)

    def to_dict(self, history: bool = False) -> dict[str, Any]:
        """Plain Python values, ready for JSON (``history=True`` adds the rows)."""
        out: dict[str, Any] = {
            "x": _plain(self.x),
            "fun": _plain(self.fun),
            "grad": _plain(self.grad),
            "nit": self.nit,
            "status": self.status,
            "message": self.message,
            "method": self.method,
            "maximize": self.maximize,
            "nfev": self.nfev,
            "elapsed": self.elapsed,
        }
        if self.variables:
            out["variables"] = list(self.variables)
        if self.epochs is not None:
            out["epochs"] = self.epochs
        if self.lipschitz is not None:
            out["lipschitz_estimate"] = self.lipschitz
        if history and self.history is not None:
            h = self.history
            out["history"] = {
                "iteration": h.iteration.tolist(),
                **({"x": _plain(h.x)} if h.iterates else {}),  # large runs keep summaries
                "loss": _plain(h.loss),
                "grad_norm": _plain(h.grad_norm),
                "step": _plain(h.step),
                "lr": _plain(h.lr),
            }
        return out

    def _repr_html_(self) -> str:
        from steepest.display import box, line_chart, summary

        items = [
            ("status", self.status),
            ("message", self.message),
            ("x", self.x),
            ("value" if self.maximize else "loss", self.fun),
            ("gradient", self.grad),
            ("steps", self.nit),
            ("method", self.method),
            ("function evaluations", self.nfev),
        ]
        if self.variables:
            items.insert(2, ("variables", ", ".join(self.variables)))
        parts = [summary(items, digits=10)]
        if self.history is not None and len(self.history) > 1:
            losses = np.asarray(self.history.loss, dtype=float)
            positive = bool(np.all(losses[np.isfinite(losses)] > 0))
            spread = np.nanmax(losses) / max(np.nanmin(losses), 1e-300) if positive else 0.0
            parts.append(
                line_chart(
                    losses,
                    self.history.iteration,
                    log_y=positive and spread > 100,
                    title="value per step" if self.maximize else "loss per step",
                    x_label="step",
                    y_label="value" if self.maximize else "loss",
                )
            )
        return box("OptimizeResult", *parts)

    def __repr__(self) -> str:
        lines = [
            f"  status: {self.status}",
            f" message: {self.message}",
            f"       x: {_short(self.x)}",
            f"     fun: {_short(self.fun)}",
            f"    grad: {_short(self.grad)}",
            f"     nit: {self.nit}",
            f"  method: {self.method}",
        ]
        return "\n".join(lines)


def _plain(value: Any) -> Any:
    """Floats and nested lists; non-finite floats become None (valid JSON)."""
    if value is None:
        return None
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        number = float(array)
        return number if np.isfinite(number) else None
    return [_plain(item) for item in array]


def _short(value: Any) -> str:
    if value is None:
        return "None"
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return f"{float(array):.10g}"
    return np.array2string(array, precision=6, threshold=10)


__all__ = ["STATUSES", "OptimizeResult"]
