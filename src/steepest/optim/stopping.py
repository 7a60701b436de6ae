"""Stopping rules and the plain-words verdict of a run.

A full-batch run stops when a step moves the parameters less than ``tol``
(the course's rule), when the gradient norm falls to ``gtol``, when the
loss changes by less than ``ftol`` (relative), after ``max_iter`` steps or
``max_time`` seconds, or when a callback asks.  A run over batches stops on
``tol`` too, after ``epochs`` passes, and, with :class:`EarlyStopping`, when
a score measured after each epoch stops improving.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.errors import OptimizationError
from steepest.optim.divergence import Monitor


def check_settings(settings: dict[str, Any]) -> None:
    """One sentence for the first setting a run cannot use."""
    for key in ("tol", "gtol", "ftol", "max_time", "clip_norm"):
        value = settings.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0 or (
            math.isnan(value)
        ):
            raise OptimizationError(f"{key} must be a non-negative number or None, not {value!r}")
    for key in ("max_iter", "epochs", "batch_size"):
        value = settings.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise OptimizationError(f"{key} must be a non-negative whole number, not {value!r}")
    if settings.get("batch_size") is not None and settings["batch_size"] < 1:
        raise OptimizationError("batch_size must be at least 1 (or None for full batch)")
    if settings.get("clip_norm") is not None and settings["clip_norm"] <= 0:
        raise OptimizationError("clip_norm must be positive")
    for key in ("callback", "epoch_callback"):
        if settings.get(key) is not None and not callable(settings[key]):
            raise OptimizationError(f"{key} must be callable")
    record = settings.get("record", True)
    if not (isinstance(record, bool) or record in ("all", "epochs")):
        raise OptimizationError(
            f"record must be True, False, 'epochs' or 'all', not {record!r}"
        )


def converged(
    step_len: float, gnorm: float, f: float, f_new: float,
    tol: float | None, gtol: float | None, ftol: float | None,
) -> str | None:
    """The stopping rule that holds after a full-batch step, in words (None: none holds)."""
    if tol is not None and step_len < tol:
        return f"the last step moved the parameters {step_len:.3g} < tol = {tol:g}"
    if gtol is not None and gnorm <= gtol:
        return f"the gradient norm {gnorm:.3g} <= gtol = {gtol:g}"
    if ftol is not None and abs(f_new - f) <= ftol * max(abs(f), abs(f_new), 1.0):
        return f"the loss changed by at most ftol = {ftol:g} (relative) in the last step"
    return None


def max_iter_message(
    max_iter: int, tol: float | None, gtol: float | None, step_len: float, gnorm: float,
    monitor: Monitor,
) -> str:
    """Why a run used all its steps, and what would have ended it sooner."""
    rules = []
    if tol is not None:
        rules.append(f"tol = {tol:g} (last step {step_len:.3g})")
    if gtol is not None:
        rules.append(f"gtol = {gtol:g} (gradient norm {gnorm:.3g})")
    met = f"{' and '.join(rules)} not met" if rules else "no stopping rule was set"
    hint = ""
    if monitor.settled:
        hint = (
            "; the run had settled: its steps no longer change the loss beyond rounding error "
            f"(last step {step_len:.2g}); set gtol to stop as soon as that happens"
        )
    elif monitor.still_decreasing():
        hint = "; the loss was still improving: allow more steps or a larger learning rate"
    return f"max_iter = {max_iter} reached, {met}{hint}"


def compose(
    status: str, steps: int, reason: str, note: str | None, epochs: int | None = None
) -> str:
    """``"<status> after <n> steps: <reason>[. <note>]"``."""
    where = f"{steps} step{'s' * (steps != 1)}"
    if epochs is not None:
        where += f" ({epochs} epoch{'s' * (epochs != 1)})"
    text = f"{status} after {where}: {reason}"
    return f"{text}. {note}" if note else text


class EarlyStopping:
    """Stop a run over batches when a score has not improved for ``patience`` epochs.

    ``score(x)`` is measured after every epoch (higher is better; for
    example the accuracy or R^2 on held-out data).  Without a score the
    loss on the training data is watched (lower is better).  An epoch
    improves when it beats the best so far by more than ``tol``.  With a
    score, the run ends at the parameters of its best epoch.

    >>> import numpy as np
    >>> stop = EarlyStopping(patience=2, tol=0.0)
    >>> [stop(epoch, np.zeros(1), loss) for epoch, loss in enumerate([3.0, 2.0, 2.5, 2.1], 1)]
    [None, None, None, 'the training loss has not improved by more than tol = 0 for 2 epochs']
    """

    def __init__(
        self, score: Callable[[np.ndarray], float] | None = None, *, patience: int = 10,
        tol: float = 0.0,
    ) -> None:
        self.score, self.patience, self.tol = score, int(patience), float(tol)
        self.best = -math.inf
        self.best_x: np.ndarray | None = None
        self.best_epoch = 0
        self.stale = 0
        self.scores: list[float] = []

    @property
    def latest(self) -> float | None:
        """The last score measured (None without a score)."""
        return self.scores[-1] if self.scores and self.score is not None else None

    def __call__(self, epoch: int, x: np.ndarray, loss: float) -> str | None:
        """Observe the end of ``epoch``; a message when the run should stop."""
        value = self.score(x) if self.score is not None else -loss
        self.scores.append(value)
        if value > self.best + self.tol:
            self.best, self.best_epoch, self.stale = value, epoch, 0
            if self.score is not None:
                self.best_x = x.copy()
            return None
        self.stale += 1
        if self.stale < self.patience:
            return None
        what = "the validation score" if self.score is not None else "the training loss"
        return f"{what} has not improved by more than tol = {self.tol:g} for {self.stale} epochs"


__all__ = ["EarlyStopping", "check_settings", "compose", "converged", "max_iter_message"]
