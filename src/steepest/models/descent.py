"""How a model is trained by descent: its loss as an objective for the one loop.

A model whose prediction is linear in its parameters, ``Z @ theta`` (a
column of ones first when there is an intercept; a sigmoid of it for the
logistic model), is trained by :func:`steepest.minimize` on
``loss(t, Z @ theta)`` over the data ``(Z, t)``: the same loop, the same
batches and the same update rules as any other descent.  This module holds
only what is particular to models: the objective with its closed-form
gradient (the loss's derivative in the predictions times ``Z``, the chain
rule with the linear model's Jacobian) and Hessian, the rate chosen from
the curvature of the data when none is given, and the solver names.

=================  ===========================================================
``solver``         meaning
=================  ===========================================================
``"gd"``           full batch: every step uses all rows (default 10,000 steps)
``"sgd"``          one row per step: rows x epochs steps
``"minibatch"``    ``batch_size`` rows per step (32 unless given):
                   ceil(rows / batch_size) steps per epoch
a method name      ``"adam"``, ``"lbfgs"``, ``"newton"``...: full batch unless
                   ``batch_size`` is given
a rule object      any update rule of :mod:`steepest.optim` (``st.optim.adam(0.01)``)
=================  ===========================================================

>>> import numpy as np
>>> from steepest.losses import mse
>>> objective = LinearObjective(mse)
>>> Z, t = np.ones((3, 1)), np.array([1.0, 2.0, 6.0])
>>> objective.value(np.array([3.0]), (Z, t)), objective.grad(np.array([3.0]), (Z, t))
(4.666666666666667, array([0.]))
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from steepest import losses
from steepest.errors import OptimizationError
from steepest.losses import Loss
from steepest.optim import minimize
from steepest.optim.batches import solver_batch_size
from steepest.optim.result import OptimizeResult
from steepest.optim.rules import Optimizer, make
from steepest.optim.schedules import as_schedule, inverse_time


class ConvergenceWarning(UserWarning):
    """A descent solver stopped at its iteration limit before meeting its tolerance."""


SOLVER_NAMES = ("normal", "gd", "sgd", "minibatch")
REGRESSION_LOSSES = ("mse", "mae", "huber", "ssr")
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


def model_loss(loss: Any, delta: float = 1.0, scale: float = 1.0) -> Loss:
    """The loss a model minimizes, for targets divided by ``scale`` (Huber's threshold follows).

    ``loss`` is a name (``"mse"``, ``"mae"``, ``"huber"``, ``"ssr"``), a loss
    of :mod:`steepest.losses` (configured or not), or any differentiable
    ``loss(y_true, y_pred)``.

    >>> model_loss("huber", delta=2.0, scale=4.0)
    huber(delta=0.5)
    """
    if isinstance(loss, str):
        loss = losses.get(loss)
        loss = loss.configure(delta=delta) if loss.base_name == "huber" else loss
    if isinstance(loss, Loss):
        if loss.base_name not in REGRESSION_LOSSES:
            raise OptimizationError(
                f"{loss.name} is a loss for classes, not for numbers to predict; use one of "
                f"{', '.join(REGRESSION_LOSSES)} (or LogisticRegression for classes)"
            )
        if loss.base_name == "huber":
            return loss.configure(delta=loss.delta / scale)
        return loss
    if callable(loss):
        return _differentiated(loss)
    raise OptimizationError(f"loss must be a name or a function loss(y_true, y_pred), not {loss!r}")


def _differentiated(loss: Callable[[Any, Any], Any]) -> Loss:
    """A loss of the user's own, its gradient by automatic differentiation."""
    from steepest.autodiff import grad

    def value(t: Any, p: Any) -> Any:
        return loss(t, p)

    def gradient(t: np.ndarray, p: np.ndarray) -> np.ndarray:
        return np.asarray(grad(lambda pred: loss(t, pred))(p), dtype=float)

    name = getattr(loss, "name", getattr(loss, "__name__", "loss"))
    return Loss(str(name), value, gradient, "A loss of the user's own.")


class LinearObjective:
    """``loss(t, Z @ theta) + sum(penalty * theta^2)`` over a batch ``(Z, t)``.

    The gradient is the loss's hand-derived derivative in the predictions
    times ``Z`` (the chain rule with the linear model's Jacobian); the
    Hessian ``Z^T diag(w) Z`` from the loss's per-row second derivatives
    ``w``.  ``penalty`` holds the weight of each parameter's square (an L2
    penalty; 0 for the intercept).  With ``outputs`` > 1 the parameters are a
    ``(columns of Z, outputs)`` matrix, flattened (one column of logits per
    class).  With ``batch_size`` the loss of a smaller last batch is weighted
    by its share of a full batch, so every row weighs the same in every epoch.
    """

    def __init__(self, loss: Loss, penalty: np.ndarray | None = None, outputs: int = 1,
                 batch_size: int | None = None) -> None:
        self.loss, self.outputs, self.batch_size = loss, outputs, batch_size
        self.penalty = None if penalty is None or not np.any(penalty) else penalty
        self.kept: tuple[Any, np.ndarray, Any] | None = None

    def _weight(self, rows: int) -> float:
        size = self.batch_size
        return 1.0 if size is None or rows >= size else rows / size

    def _predict(self, theta: np.ndarray, Z: np.ndarray) -> np.ndarray:
        return Z @ (theta if self.outputs == 1 else theta.reshape(Z.shape[1], self.outputs))

    def _prediction(self, theta: np.ndarray, batch: tuple[np.ndarray, np.ndarray]) -> Any:
        # The loop asks for the value and then the gradient at the same point: predict once.
        kept = self.kept
        if kept is not None and kept[0] is batch and np.array_equal(kept[1], theta):
            return kept[2]
        prediction = self._predict(theta, batch[0])
        self.kept = (batch, theta.copy(), prediction)
        return prediction

    def value(self, theta: np.ndarray, batch: tuple[np.ndarray, np.ndarray]) -> float:
        t = batch[1]
        value = self._weight(t.size) * float(self.loss.evaluate(t, self._prediction(theta, batch)))
        if self.penalty is not None:
            value += float(self.penalty @ (theta * theta))
        return value

    def grad(self, theta: np.ndarray, batch: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        Z, t = batch
        g = (Z.T @ self.loss.derivative(t, self._prediction(theta, batch))).reshape(-1)
        if self.batch_size is not None and t.size < self.batch_size:
            g *= t.size / self.batch_size
        if self.penalty is not None:
            g += 2.0 * self.penalty * theta
        return g

    def hessian(self, theta: np.ndarray, batch: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        Z, t = batch
        w = self.loss.weights(t, self._predict(theta, Z)) if self.outputs == 1 else None
        if w is None:
            raise OptimizationError(
                f"the {self.loss.name} loss has no second derivative here to build a Hessian "
                "from; use a first-order solver or 'lbfgs'"
            )
        h = (Z * w[:, None]).T @ Z
        if self.penalty is not None:
            h[np.diag_indices_from(h)] += 2.0 * self.penalty
        return h


def design_moments(Z: Any) -> tuple[int, np.ndarray, float]:
    """Rows, ``Z^T Z / n`` and the mean squared row norm of a design matrix (in memory, or
    :class:`~steepest.optim.distributed.Partitions` of ``(Z, t)`` computed where they live).

    >>> design_moments(np.array([[1.0, 2.0], [1.0, 0.0]]))
    (2, array([[1., 1.],
           [1., 2.]]), 3.0)
    """
    if isinstance(Z, np.ndarray):
        n = Z.shape[0]
        return n, Z.T @ Z / n, float(np.mean(np.sum(Z**2, axis=1)))
    from steepest.models.lazy import moments

    return moments(Z)


def curvatures(Z: Any, loss: Loss, batch: int,
               penalty: np.ndarray | None = None) -> tuple[float, float]:
    """Bounds on the largest curvature of a batch's loss and the smallest of the full loss.

    For a mean loss with curvature ``c`` per row the full loss has
    largest curvature ``c lambda_max(Z^T Z / n)``; a single row up to
    ``c |z_i|^2``, on average ``c mean |z_i|^2``; batches lie between.
    A loss without curvature (the MAE) is treated as the MSE.  An L2
    penalty adds twice its weights.  ``Z`` is a design matrix or what
    :func:`design_moments` made of one.
    """
    n, gram, per_row = Z if isinstance(Z, tuple) else design_moments(Z)
    eigenvalues = np.linalg.eigvalsh(gram)
    largest = float(eigenvalues[-1])
    smallest = max(float(eigenvalues[0]), largest / MAX_CONDITION)
    batch = min(batch, n)
    factor = loss.curvature if loss.curvature is not None else 2.0
    size = batch if loss.total else 1
    extra = (2.0 * float(np.max(penalty)), 2.0 * float(np.min(penalty))) if (
        penalty is not None and penalty.size) else (0.0, 0.0)
    top = factor * size * (largest + (per_row - largest) / batch) + extra[0]
    return top, factor * size * smallest + extra[1]


def default_schedule(Z: Any, loss: Loss, batch: int, stochastic: bool,
                     penalty: np.ndarray | None = None) -> Callable[[int], float]:
    """Plain descent with no rate given: a rate from the curvature of the problem."""
    top, bottom = curvatures(Z, loss, batch, penalty)
    if loss.curvature is not None and not stochastic:
        return as_schedule(1.0 / top)  # 1/L: the loss goes down at every step
    start = STOCHASTIC_SCALE / top
    if loss.curvature is None and not stochastic:
        # Subgradient steps on a loss with corners must shrink, or they bounce forever.
        return inverse_time(start, decay=MAE_DECAY)
    return inverse_time(start, decay=bottom * start / STOCHASTIC_PATIENCE)


def default_epochs(n: int, batch: int) -> int:
    """About STOCHASTIC_STEPS steps, but at least MIN_EPOCHS and at most MAX_EPOCHS epochs."""
    steps_per_epoch = math.ceil(n / min(batch, n))
    return int(min(MAX_EPOCHS, max(MIN_EPOCHS, STOCHASTIC_STEPS // steps_per_epoch)))


def resolve_solver(solver: Any, lr: Any, batch_size: Any) -> tuple[Optimizer, int | None, bool]:
    """The update rule of a solver, its batch size (None: full batch), and whether the rate
    is ours to choose (plain descent named by a string, no ``lr``)."""
    batch_size = positive_int("batch_size", batch_size)
    if isinstance(solver, str):
        key = solver.strip().lower().replace("-", "").replace("_", "")
        key = {"minibatchgd": "minibatch"}.get(key, key)
        if key in ("sgd", "minibatch"):
            batch_size, key = solver_batch_size(key, batch_size), "gd"
        rule = make(key, None)
        auto_rate = rule.name == "gd" and lr is None
    elif isinstance(solver, Optimizer) or (hasattr(solver, "init") and hasattr(solver, "update")):
        rule, auto_rate = make(copy.deepcopy(solver), None), False
    else:
        raise OptimizationError(
            f"solver must be one of {', '.join(SOLVER_NAMES)}, an optimizer name such as "
            f"'adam', or an optimizer object, not {solver!r}"
        )
    if lr is not None:
        rule.lr = lr
    if rule.uses_objective and batch_size is not None:
        raise OptimizationError(
            f"{rule.name} searches along a line on the whole loss; it cannot take mini-batch "
            "steps (use batch_size=None)"
        )
    return rule, batch_size, auto_rate


def positive_int(name: str, value: Any) -> int | None:
    """``value`` as a whole number >= 1 (None stays None), or one sentence."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise OptimizationError(f"{name} must be a positive whole number, not {value!r}")
    return int(value)


def fit_linear(
    Z: np.ndarray, t: np.ndarray, loss: Loss, theta0: np.ndarray, *, solver: Any, lr: Any,
    epochs: int | None, batch_size: int | None, tol: float | None, seed: Any,
    penalty: np.ndarray | None = None, outputs: int = 1,
    default_tol: float = DEFAULT_GD_TOL, progress: bool | None = False,
) -> OptimizeResult:
    """Minimize the model's loss over ``(Z, t)`` from ``theta0`` with the one loop.

    ``penalty`` weighs each parameter's square (see :class:`LinearObjective`).
    ``Z`` may instead be Dask :class:`~steepest.optim.distributed.Partitions`
    of ``(Z, t)`` pairs (``t`` is then None): the same loop evaluates the loss
    where they live.  ``progress``: the loop's progress bar on stderr (see
    :mod:`steepest.optim.progress`).
    """
    rule, batch, auto_rate = resolve_solver(solver, lr, batch_size)
    epochs = positive_int("epochs", epochs)
    in_memory = isinstance(Z, np.ndarray)
    found = design_moments(Z) if auto_rate or not in_memory else None
    n = Z.shape[0] if in_memory else found[0]
    stochastic = batch is not None
    if auto_rate:
        rule.lr = default_schedule(found, loss, batch or n, stochastic and batch < n, penalty)
    objective = LinearObjective(loss, penalty, outputs, batch)
    if stochastic:
        settings = {"batch_size": batch, "epochs": epochs or default_epochs(n, batch),
                    "tol": tol, "seed": seed, "record": "epochs"}
    else:
        settings = {"max_iter": epochs or DEFAULT_GD_ITER,
                    "tol": default_tol if tol is None else tol}
    res = minimize(objective.value, np.array(theta0, dtype=float), method=rule,
                   grad=objective.grad, hessian=objective.hessian,
                   data=(Z, t) if in_memory else Z, progress=progress, **settings)
    if res.status == "diverged":
        raise OptimizationError(f"{rule.name}: {res.message}")
    smooth = loss.curvature is not None
    if res.status != "converged" and (tol is not None or (not stochastic and smooth)):
        reason = res.message.split(": ", 1)[-1]
        warnings.warn(
            f"{rule.name} stopped after {res.nit} steps before the parameters settled: "
            f"{reason}",
            ConvergenceWarning,
            stacklevel=3,
        )
    return res


def check_penalty(alpha: Any, name: str = "alpha") -> float:
    """A penalty weight as a finite number >= 0, or one sentence.

    >>> check_penalty(np.float32(0.5))
    0.5
    """
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.integer | np.floating) \
            or not 0 <= alpha < math.inf:
        raise OptimizationError(f"the penalty {name} must be a finite number >= 0, not {alpha!r}")
    return float(alpha)


def l2_penalty(alpha: float, rows: int, spread: np.ndarray, intercept: bool,
               outputs: int = 1, half: bool = False) -> np.ndarray | None:
    """The weight of each standardized parameter's square for an L2 penalty on the
    coefficients on the original scale (the intercept is not penalized).

    The penalty is ``alpha / rows * |coef|^2`` (``alpha / (2 rows)`` with
    ``half``, the convention of the log-loss), and a coefficient is its
    standardized parameter divided by its column's ``spread``.

    >>> l2_penalty(2.0, 4, np.array([1.0, 2.0]), intercept=True)
    array([0.   , 0.5  , 0.125])
    """
    if alpha == 0:
        return None
    weights = (0.5 if half else 1.0) * alpha / rows / spread**2
    weights = np.concatenate([[0.0], weights]) if intercept else weights
    return np.repeat(weights, outputs)


def best_iterate(res: OptimizeResult) -> np.ndarray:
    """The iterate with the lowest recorded loss (subgradient steps need not go down)."""
    history = res.history
    if history is None or history.kind == "epochs" or len(history) == 0 or not history.iterates:
        return np.atleast_1d(np.asarray(res.x, dtype=float))
    return np.asarray(history.x[int(np.nanargmin(history.loss))], dtype=float).reshape(-1)





def store_fit(
    model: Any, res: OptimizeResult, report: Callable[[np.ndarray], dict[str, Any]],
    loss_factor: float = 1.0, theta: np.ndarray | None = None,
) -> np.ndarray:
    """Record a descent fit on ``model`` the same way for every model; the final parameters.

    ``n_iter_`` is the number of steps (full batch) or epochs (over batches),
    ``t_`` the number of steps in all, ``converged_`` whether a stopping rule
    held, and ``history_`` one row per step or per epoch with the loss (times
    ``loss_factor``), the gradient norm, step and rate, and the columns
    ``report(thetas)`` gives for the recorded parameters.
    """
    import pandas as pd

    history = res.history
    over_batches = res.epochs is not None
    model.t_ = res.nit
    model.n_iter_ = res.epochs if over_batches else res.nit
    model.converged_ = res.status == "converged"
    columns = {
        "epoch" if over_batches else "iteration": history.iteration,
        "loss": history.loss * loss_factor,
        "grad_norm": history.grad_norm,
        "step": history.step,
        "lr": history.lr,
    }
    if history.iterates:  # a run over very many parameters keeps summaries only
        columns.update(report(history.x.reshape(len(history), -1)))
    # All columns at once: added one by one, pandas warns of a fragmented frame
    # past a hundred coefficients.
    model.history_ = pd.DataFrame(columns)
    final = np.atleast_1d(np.asarray(res.x, dtype=float)) if theta is None else theta
    return final


__all__ = [
    "SOLVER_NAMES",
    "ConvergenceWarning",
    "LinearObjective",
    "best_iterate",
    "check_penalty",
    "curvatures",
    "default_epochs",
    "default_schedule",
    "design_moments",
    "fit_linear",
    "l2_penalty",
    "model_loss",
    "positive_int",
    "resolve_solver",
    "store_fit",
]
