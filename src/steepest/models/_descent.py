"""The descent loop behind the linear models: full batch, stochastic and mini-batch.

A model whose prediction is linear in its parameters, ``Z @ theta`` (or a
sigmoid of it), hands this loop its design matrix ``Z`` (a column of ones
first when there is an intercept), the target, and its loss.  The loop
takes steps with any update rule of :mod:`steepest.optim` and records one
history row per step (full batch) or per epoch (stochastic).

Gradients: the loss's derivative with respect to the predictions, times
``Z`` (the chain rule with the linear model's Jacobian).  For the named
losses the derivative is the closed form (``2 (pred - y) / n`` for MSE...),
checked against automatic differentiation in the tests; any other loss is
differentiated by the engine.

Mini-batches: each epoch reshuffles the rows and cuts them into batches of
``batch_size``.  Each step's gradient is the batch's summed gradient
divided by ``batch_size``, so a last, smaller batch takes a proportionally
shorter step and every observation weighs the same in every epoch.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from steepest import losses as L
from steepest.errors import OptimizationError
from steepest.optim.optimizers import GD, Optimizer, make
from steepest.optim.schedules import as_schedule, inverse_time


class ConvergenceWarning(UserWarning):
    """A descent solver stopped at its iteration limit before meeting its tolerance."""


SOLVER_NAMES = ("normal", "gd", "sgd", "minibatch")
DEFAULT_MINIBATCH = 32
DEFAULT_GD_ITER = 10_000
DEFAULT_GD_TOL = 1e-10
# Stochastic rate: lr_k = (SCALE / L_batch) / (1 + decay k) with decay = mu SCALE / (2 L_batch),
# so that late rates approach 2 / (mu k) (mu: the smallest curvature).  Rates that decay like
# 1/k sum to infinity while their squares do not: the iterates settle on the minimum instead
# of jittering around it, and the factor 2 > 1 keeps the decay from stalling the approach.
STOCHASTIC_SCALE = 0.8
STOCHASTIC_PATIENCE = 2.0
# Condition numbers beyond this are treated as this when setting the decay.
MAX_CONDITION = 1e3
# The MAE has no curvature to set a rate from; subgradient steps must shrink over time.
MAE_DECAY = 0.01
STOCHASTIC_STEPS = 100_000  # default epochs: about this many steps, between the two below
MIN_EPOCHS, MAX_EPOCHS = 100, 1000
BLOWUP = 1e12


# -- losses on predictions --------------------------------------------------------------------


@dataclass
class PointLoss:
    """A loss of predictions with its derivative (mean over the rows given)."""

    name: str
    value: Callable[[np.ndarray, np.ndarray], float]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    curvature: float | None  # bound on d2 loss / d pred2 per row (None: not smooth)
    hessian_weights: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    total: bool = False  # a sum over rows rather than a mean
    # The derivative for one row, on Python floats (the fast path of one-row steps).
    row_derivative: Callable[[float, float], float] | None = None


def _mse() -> PointLoss:
    return PointLoss(
        "mse",
        lambda t, p: float(np.mean((t - p) ** 2)),
        lambda t, p: 2.0 * (p - t) / t.size,
        2.0,
        lambda t, p: np.full(t.size, 2.0 / t.size),
        row_derivative=lambda t, p: 2.0 * (p - t),
    )


def _ssr() -> PointLoss:
    return PointLoss(
        "ssr",
        lambda t, p: float(np.sum((t - p) ** 2)),
        lambda t, p: 2.0 * (p - t),
        2.0,
        lambda t, p: np.full(t.size, 2.0),
        total=True,
        row_derivative=lambda t, p: 2.0 * (p - t),
    )


def _mae() -> PointLoss:
    return PointLoss(
        "mae",
        lambda t, p: float(np.mean(np.abs(t - p))),
        lambda t, p: np.sign(p - t) / t.size,
        None,
        row_derivative=lambda t, p: float(p > t) - float(p < t),
    )


def _huber(delta: float) -> PointLoss:
    def value(t: np.ndarray, p: np.ndarray) -> float:
        r = np.abs(t - p)
        return float(np.mean(np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta))))

    return PointLoss(
        f"huber(delta={delta:g})",
        value,
        lambda t, p: np.clip(p - t, -delta, delta) / t.size,
        1.0,
        lambda t, p: (np.abs(t - p) <= delta).astype(float) / t.size,
        row_derivative=lambda t, p: min(delta, max(-delta, p - t)),
    )


def _logistic() -> PointLoss:
    """Log-loss of 0/1 targets as a function of the logit ``z`` (stable for any z)."""

    def derivative(t: np.ndarray, z: np.ndarray) -> np.ndarray:
        return (0.5 * (np.tanh(0.5 * z) + 1.0) - t) / t.size

    def weights(t: np.ndarray, z: np.ndarray) -> np.ndarray:
        p = 0.5 * (np.tanh(0.5 * z) + 1.0)
        return p * (1.0 - p) / t.size

    return PointLoss(
        "log_loss",
        lambda t, z: float(np.mean(np.logaddexp(0.0, z) - t * z)),
        derivative,
        0.25,
        weights,
        row_derivative=lambda t, z: 0.5 * (math.tanh(0.5 * z) + 1.0) - t,
    )


def _autodiff(loss: Callable[[Any, Any], Any], name: str) -> PointLoss:
    from steepest.autodiff import grad

    def value(t: np.ndarray, p: np.ndarray) -> float:
        return float(np.asarray(loss(t, p)))

    def derivative(t: np.ndarray, p: np.ndarray) -> np.ndarray:
        return np.asarray(grad(lambda pred: loss(t, pred))(p), dtype=float)

    return PointLoss(name, value, derivative, None)


def point_loss(loss: Any, delta: float = 1.0, scale: float = 1.0) -> PointLoss:
    """The loss named ``loss`` for targets divided by ``scale`` (Huber's threshold follows).

    ``loss`` is ``"mse"``, ``"mae"``, ``"huber"``, ``"ssr"``, a loss from
    :mod:`steepest.losses`, or any differentiable ``loss(y_true, y_pred)``.
    """
    if isinstance(loss, L.huber):
        return _huber(loss.delta / scale)
    if isinstance(loss, str):
        key = loss.strip().lower()
        if key == "mse":
            return _mse()
        if key == "mae":
            return _mae()
        if key == "ssr":
            return _ssr()
        if key == "huber":
            if not delta > 0:
                raise OptimizationError(f"huber's delta must be positive, not {delta!r}")
            return _huber(float(delta) / scale)
        if key in ("log_loss", "logistic"):
            return _logistic()
        try:
            loss = L.get(key)
        except Exception:
            raise OptimizationError(
                f"unknown loss {loss!r}; choose one of mse, mae, huber (or pass a function "
                "loss(y_true, y_pred))"
            ) from None
    if loss is L.mse:
        return _mse()
    if loss is L.mae:
        return _mae()
    if loss is L.ssr:
        return _ssr()
    if callable(loss):
        return _autodiff(loss, getattr(loss, "name", getattr(loss, "__name__", "loss")))
    raise OptimizationError(f"loss must be a name or a function loss(y_true, y_pred), not {loss!r}")


# -- the problem and the run ------------------------------------------------------------------


@dataclass
class Problem:
    """Minimize ``loss(t, Z @ theta)`` over ``theta``."""

    Z: np.ndarray
    t: np.ndarray
    loss: PointLoss

    def value_and_grad(
        self, theta: np.ndarray, rows: slice | np.ndarray = slice(None), weight: float = 1.0
    ) -> tuple[float, np.ndarray]:
        Z = self.Z[rows]
        t = self.t[rows]
        pred = Z @ theta
        return self.loss.value(t, pred), weight * (self.loss.derivative(t, pred) @ Z)

    def value(self, theta: np.ndarray) -> float:
        return self.loss.value(self.t, self.Z @ theta)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        if self.loss.hessian_weights is None:
            raise OptimizationError(
                f"the {self.loss.name} loss has no second derivative to build a Hessian from; "
                "use a first-order solver"
            )
        w = self.loss.hessian_weights(self.t, self.Z @ theta)
        return (self.Z * w[:, None]).T @ self.Z

    def curvatures(self, batch: int) -> tuple[float, float]:
        """Bounds on the largest curvature of a batch's loss and the smallest of the full loss.

        For a mean loss with curvature ``c`` per row the full loss has
        largest curvature ``c lambda_max(Z^T Z / n)``; a single row up to
        ``c |z_i|^2``, on average ``c mean |z_i|^2``; batches lie between.
        A loss without curvature (the MAE) is treated as the MSE.
        """
        n = self.Z.shape[0]
        eigenvalues = np.linalg.eigvalsh(self.Z.T @ self.Z / n)
        largest = float(eigenvalues[-1])
        smallest = max(float(eigenvalues[0]), largest / MAX_CONDITION)
        per_row = float(np.mean(np.sum(self.Z**2, axis=1)))
        batch = min(batch, n)
        factor = self.loss.curvature if self.loss.curvature is not None else 2.0
        size = batch if self.loss.total else 1
        top = factor * size * (largest + (per_row - largest) / batch)
        return top, factor * size * smallest


@dataclass
class Settings:
    """How to descend: the rule, its rate, batches, limits, tolerance and seed."""

    solver: Any = "gd"
    lr: Any = None
    epochs: int | None = None
    batch_size: int | None = None
    tol: float | None = None
    seed: Any = None


@dataclass
class Run:
    """The outcome: final parameters, one row per step or epoch, and how it ended."""

    theta: np.ndarray
    rows: list[dict[str, Any]] = field(default_factory=list)
    n_iter: int = 0
    converged: bool = False
    stochastic: bool = False
    rule: Optimizer | None = None


def resolve_rule(solver: Any, lr: Any) -> tuple[Optimizer, int | None, bool]:
    """The update rule for a solver, the batch size it implies (None: full batch), and
    whether the rate is ours to choose (plain descent named by a string, no ``lr``)."""
    batch: int | None = None
    auto_rate = False
    if isinstance(solver, str):
        key = solver.strip().lower().replace("-", "").replace("_", "")
        if key == "sgd":
            batch, key = 1, "gd"
        elif key in ("minibatch", "minibatchgd"):
            batch, key = DEFAULT_MINIBATCH, "gd"
        rule = make(key, None)
        auto_rate = rule.name == "gd" and lr is None
    elif isinstance(solver, Optimizer) or (hasattr(solver, "init") and hasattr(solver, "update")):
        rule = make(copy.deepcopy(solver), None)
    else:
        raise OptimizationError(
            f"solver must be one of {', '.join(SOLVER_NAMES)}, an optimizer name such as "
            f"'adam', or an optimizer object, not {solver!r}"
        )
    if lr is not None:
        rule.lr = lr
    return rule, batch, auto_rate


def check_positive_int(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise OptimizationError(f"{name} must be a positive whole number, not {value!r}")
    return int(value)


def descend(
    problem: Problem,
    theta0: np.ndarray,
    settings: Settings,
    *,
    report: Callable[[np.ndarray], dict[str, float]] | None = None,
    default_tol: float = DEFAULT_GD_TOL,
) -> Run:
    """Run the solver of ``settings`` on ``problem`` from ``theta0``."""
    rule, implied_batch, auto_rate = resolve_rule(settings.solver, settings.lr)
    batch_size = check_positive_int("batch_size", settings.batch_size) or implied_batch
    epochs = check_positive_int("epochs", settings.epochs)
    tol = settings.tol
    if tol is not None and (not isinstance(tol, int | float) or tol < 0 or math.isnan(tol)):
        raise OptimizationError(f"tol must be a non-negative number or None, not {tol!r}")
    n = problem.Z.shape[0]
    stochastic = batch_size is not None and batch_size < n
    schedule = (
        _default_schedule(problem, batch_size or n, stochastic)
        if auto_rate
        else as_schedule(rule.lr)
    )
    if rule.uses_objective and stochastic:
        raise OptimizationError(
            f"{rule.name} searches along a line on the whole loss; it cannot take mini-batch "
            "steps (leave batch_size unset)"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        if stochastic:
            assert batch_size is not None
            run = _stochastic(
                problem,
                theta0,
                rule,
                schedule,
                batch_size,
                epochs or default_epochs(n, batch_size),
                tol,
                settings.seed,
                report,
            )
        else:
            run = _full_batch(
                problem,
                theta0,
                rule,
                schedule,
                epochs or DEFAULT_GD_ITER,
                default_tol if tol is None else tol,
                report,
            )
    run.rule = rule
    smooth = problem.loss.curvature is not None
    if not run.converged and (tol is not None or (not stochastic and smooth)):
        warnings.warn(
            f"{rule.name} stopped after {run.n_iter} {'epochs' if stochastic else 'steps'} "
            "before the parameters settled (steps still longer than tol); raise "
            "epochs/max_iter or lr",
            ConvergenceWarning,
            stacklevel=3,
        )
    return run


def _default_schedule(problem: Problem, batch: int, stochastic: bool) -> Callable[[int], float]:
    """Plain descent with no rate given: a rate from the curvature of the problem."""
    top, bottom = problem.curvatures(batch)
    if problem.loss.curvature is not None and not stochastic:
        return as_schedule(1.0 / top)  # 1/L: the loss goes down at every step
    start = STOCHASTIC_SCALE / top
    if problem.loss.curvature is None and not stochastic:
        # Subgradient steps on a loss with corners must shrink, or they bounce forever.
        return inverse_time(start, decay=MAE_DECAY)
    return inverse_time(start, decay=bottom * start / STOCHASTIC_PATIENCE)


def default_epochs(n: int, batch: int) -> int:
    """About STOCHASTIC_STEPS steps, but at least MIN_EPOCHS and at most MAX_EPOCHS epochs."""
    steps_per_epoch = math.ceil(n / min(batch, n))
    return int(min(MAX_EPOCHS, max(MIN_EPOCHS, STOCHASTIC_STEPS // steps_per_epoch)))


def _rate(schedule: Callable[[int], float], k: int) -> float:
    return float(schedule(k))


def _diverged(rule: Optimizer, steps: int, loss: float, lr: float) -> OptimizationError:
    return OptimizationError(
        f"{rule.name} diverged after {steps} steps (the loss grew to {loss:.3g}); "
        f"use a smaller lr than {lr:.3g}"
    )


def _row(
    index_name: str,
    index: int,
    loss: float,
    grad_norm: float,
    step: float,
    lr: float,
    theta: np.ndarray,
    report: Callable[[np.ndarray], dict[str, float]] | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        index_name: index,
        "loss": loss,
        "grad_norm": grad_norm,
        "step": step,
        "lr": lr,
    }
    if report is not None:
        row.update(report(theta))
    return row


class _Objective:
    """What line-search and Newton rules may ask of the loss."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem

    def value(self, theta: np.ndarray) -> float:
        return self.problem.value(theta)

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return self.problem.value_and_grad(theta)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        return self.problem.hessian(theta)


def _full_batch(
    problem: Problem,
    theta: np.ndarray,
    rule: Optimizer,
    schedule: Callable[[int], float],
    max_iter: int,
    tol: float,
    report: Callable[[np.ndarray], dict[str, float]] | None,
) -> Run:
    theta = np.array(theta, dtype=float)
    state = rule.init(theta.copy())
    objective = _Objective(problem) if rule.uses_objective else None
    run = Run(theta)
    value, gradient = problem.value_and_grad(theta)
    first = value
    # Subgradient steps on a loss with corners need not go down: keep the best point seen.
    keep_best = problem.loss.curvature is None
    best_value, best_theta = value, theta
    last_step, last_lr = math.nan, math.nan
    for k in range(max_iter):
        run.rows.append(
            _row(
                "iteration",
                k,
                value,
                float(np.linalg.norm(gradient)),
                last_step,
                last_lr,
                theta,
                report,
            )
        )
        lr = _rate(schedule, k)
        step, state = rule.update(
            gradient, state, theta.copy(), lr, value=value, objective=objective
        )
        theta = theta + step
        last_step, last_lr = float(np.linalg.norm(step)), lr
        value, gradient = problem.value_and_grad(theta)
        run.n_iter = k + 1
        if not (math.isfinite(value) and np.all(np.isfinite(theta))) or (
            value > BLOWUP * max(first, 1.0)
        ):
            raise _diverged(rule, k + 1, value, lr)
        if value < best_value:
            best_value, best_theta = value, theta
        if float(np.max(np.abs(step))) < tol or (isinstance(state, dict) and state.get("stalled")):
            run.converged = True
            break
    run.rows.append(
        _row(
            "iteration",
            run.n_iter,
            value,
            float(np.linalg.norm(gradient)),
            last_step,
            last_lr,
            theta,
            report,
        )
    )
    run.theta = best_theta if keep_best else theta
    return run


def _stochastic(
    problem: Problem,
    theta: np.ndarray,
    rule: Optimizer,
    schedule: Callable[[int], float],
    batch_size: int,
    epochs: int,
    tol: float | None,
    seed: Any,
    report: Callable[[np.ndarray], dict[str, float]] | None,
) -> Run:
    theta = np.array(theta, dtype=float)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n = problem.Z.shape[0]
    state = rule.init(theta.copy())
    run = Run(theta, stochastic=True)
    value, gradient = problem.value_and_grad(theta)
    first = value
    run.rows.append(
        _row("epoch", 0, value, float(np.linalg.norm(gradient)), math.nan, math.nan, theta, report)
    )
    k = 0
    gd_fast_path = type(rule) is GD
    Z, t, derivative = problem.Z, problem.t, problem.loss.derivative
    row_derivative = problem.loss.row_derivative
    starts = range(0, n, batch_size)
    # Sum over the batch divided by batch_size: see the module's docstring.
    weights = [min(batch_size, n - start) / batch_size for start in starts]
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        Zp, tp = Z[order], t[order]
        start_theta = theta
        rates = [float(schedule(k + i)) for i in range(len(weights))]
        k += len(weights)
        if batch_size == 1 and gd_fast_path and row_derivative is not None:
            # One row per step: plain floats and an in-place update, several times faster.
            theta = theta.copy()
            for row, target, lr in zip(Zp, tp.tolist(), rates, strict=True):
                theta -= (lr * row_derivative(target, float(row @ theta))) * row
            lr = rates[-1]
        else:
            for start, weight, lr in zip(starts, weights, rates, strict=True):
                Zb = Zp[start : start + batch_size]
                tb = tp[start : start + batch_size]
                g = (derivative(tb, Zb @ theta) * weight) @ Zb
                if gd_fast_path:
                    theta = theta - lr * g
                else:
                    step, state = rule.update(g, state, theta.copy(), lr)
                    theta = theta + step
        value, gradient = problem.value_and_grad(theta)
        moved = float(np.max(np.abs(theta - start_theta)))
        run.rows.append(
            _row(
                "epoch",
                epoch,
                value,
                float(np.linalg.norm(gradient)),
                float(np.linalg.norm(theta - start_theta)),
                lr,
                theta,
                report,
            )
        )
        run.n_iter = epoch
        if not (math.isfinite(value) and np.all(np.isfinite(theta))) or (
            value > BLOWUP * max(first, 1.0)
        ):
            raise _diverged(rule, k, value, lr)
        if tol is not None and moved < tol:
            run.converged = True
            break
    run.theta = theta
    return run


__all__ = [
    "ConvergenceWarning",
    "PointLoss",
    "Problem",
    "Run",
    "Settings",
    "descend",
    "point_loss",
    "resolve_rule",
]
