"""The constant model: one number theta that predicts every observation.

Which number depends on the loss: the mean minimizes the mean squared
error, the median the mean absolute error, and Huber's loss something in
between that resists outliers.  ``solver="exact"`` computes the minimizer
directly; a descent solver finds it step by step from ``theta0``, as in the
lessons.

>>> import steepest as st
>>> tips = st.datasets.load("tips")
>>> percent = 100 * tips["tip"] / tips["total_bill"]
>>> [round(st.models.ConstantModel(loss=loss).fit(None, percent).theta_, 2)
...  for loss in ("mse", "mae", "huber")]
[16.08, 15.48, 15.53]

(A grid search in steps of 0.1 lands on 15.5 for Huber's loss, the nearest
grid point to its minimizer 15.53.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest import losses
from steepest.errors import DataError
from steepest.models.base import DescentModel, RegressorMixin, as_target
from steepest.models.descent import best_iterate, fit_linear, model_loss, store_fit
from steepest.models.lazy import design, summarize
from steepest.models.linear import epochs_of, frame
from steepest.optim.distributed import is_lazy


def huber_location(y: np.ndarray, delta: float) -> float:
    """The exact minimizer of ``sum(huber_delta(y_i - theta))`` over theta.

    The derivative ``-sum(clip(y_i - theta, -delta, delta))`` is a
    non-increasing, piecewise-linear function of theta with corners at
    ``y_i +- delta``: a binary search over the corners finds the piece where
    it crosses zero, and on that piece the root is found exactly.

    >>> huber_location(np.array([12, 13, 15, 16, 17.0]), 1.0)
    15.0
    >>> huber_location(np.array([0.0, 0.0, 100.0]), 1.0)
    0.5
    >>> huber_location(np.array([0.0, 10.0]), 1.0)  # flat between 1 and 9
    5.0
    """
    y = np.asarray(y, dtype=float)

    def pull(theta: float) -> float:  # minus the derivative: positive left of the minimum
        return float(np.sum(np.clip(y - theta, -delta, delta)))

    corners = np.unique(np.concatenate([y - delta, y + delta]))
    lo, hi = 0, corners.size - 1  # pull(corners[lo]) >= 0 >= pull(corners[hi])
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pull(corners[mid]) >= 0:
            lo = mid
        else:
            hi = mid
    left, right = float(corners[lo]), float(corners[hi])
    f_left = pull(left)
    if f_left > 0.0:
        return _root_on_piece(y, delta, left, right)
    # The derivative is zero on a whole interval [a, left]: every point of it minimizes;
    # take the middle (as the median does for an even number of values).
    first, last = 0, lo  # pull(corners[first]) > 0 == pull(corners[last])
    while last - first > 1:
        mid = (first + last) // 2
        if pull(corners[mid]) > 0:
            first = mid
        else:
            last = mid
    return 0.5 * (float(corners[last]) + left)


def _root_on_piece(y: np.ndarray, delta: float, left: float, right: float) -> float:
    """The root of ``sum(clip(y - theta, -delta, delta))`` between the corners ``left`` and
    ``right``, where it is linear.

    On the piece each value within ``delta`` of theta pulls by ``y_i - theta``, each
    other by ``+-delta``, so the root is ``(sum of the values within + delta (above -
    below)) / (count within)``.  Solved from those terms, not by interpolating between
    the corners: ``y_i +- delta`` rounds away the values themselves when ``delta`` dwarfs
    them (``delta = 1e17`` on 1, 3, 10 put the root at 16, ``1e200`` at inf).
    """
    middle = 0.5 * left + 0.5 * right
    offset = y - middle
    within = np.abs(offset) < delta
    count = int(np.sum(within))
    outside = delta * float(np.sum(offset >= delta) - np.sum(offset <= -delta))
    if count == 0:
        # Level on the piece: the sign change is at a corner that y_i +- delta rounded
        # onto y_i (delta below the spacing of the floats there).
        return left if outside < 0 else right if outside > 0 else middle
    root = (float(np.sum(y[within])) + outside) / count
    return min(max(root, left), right)


class ConstantModel(RegressorMixin, DescentModel):
    """Predict one number, ``theta_``, chosen to minimize the loss on the training targets.

    Parameters
    ----------
    loss : "mse" (theta = mean), "mae" (median), "huber" (Huber's location)
    delta : Huber's threshold
    solver : "exact", or a descent solver ("gd", "sgd", "minibatch", an
        optimizer name or object) that works on the raw targets from
        ``theta0``; ``lr``, ``epochs``/``max_iter``, ``batch_size``, ``tol``
        and ``seed`` as for :class:`~steepest.models.LinearRegression`.

    ``fit(X, y)`` uses ``X`` only for its number of rows; ``fit(None, y)``
    and ``fit(y)`` work too.

    The lesson's descent from 0 with rate 0.2, stopping when a step moves
    theta less than 0.001:

    >>> import numpy as np, steepest as st
    >>> y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
    >>> model = st.models.ConstantModel(solver="gd", lr=0.2, tol=0.001).fit(None, y)
    >>> model.theta_, model.n_iter_
    (14.658511131035242, 18)
    >>> model.history_["theta"].round(2).tolist()[:3]
    [0.0, 5.86, 9.38]
    """

    def __init__(
        self,
        *,
        loss: Any = "mse",
        delta: float = 1.0,
        solver: Any = "exact",
        theta0: float = 0.0,
        **descent: Any,
    ) -> None:
        self._keep(locals())
        super().__init__(solver=solver, **descent)

    def fit(self, X: Any, y: Any = None) -> ConstantModel:
        """Choose ``theta_`` from the targets ``y``; returns the model."""
        if y is None:
            X, y = None, X
        if is_lazy(y):
            return self._fit_lazy(y)
        n = len(X) if X is not None else len(np.atleast_1d(np.asarray(y, dtype=object)))
        target = as_target(y, n)
        self.n_features_in_ = 0 if X is None or np.ndim(X) < 2 else int(np.shape(X)[1])
        loss_name = self._loss_name()
        if isinstance(self.solver, str) and self.solver.strip().lower() == "exact":
            self.theta_ = self._exact(target, loss_name)
            self.n_iter_ = self.t_ = 0
            self.converged_ = True
            loss = model_loss(self.loss, self.delta)
            value = float(loss(target, np.full(n, self.theta_)))
            self.history_ = frame([{"iteration": 0, "loss": value, "theta": self.theta_}])
        else:
            loss = model_loss(self.loss, self.delta)
            res = fit_linear(
                np.ones((n, 1)), target, loss, np.array([float(self.theta0)]),
                solver=self.solver, lr=self.lr, epochs=epochs_of(self),
                batch_size=self.batch_size, tol=self.tol, seed=self.seed, default_tol=1e-10,
                progress=self.verbose,
            )
            theta = store_fit(self, res, lambda thetas: {"theta": thetas[:, 0]},
                              theta=best_iterate(res) if loss.curvature is None else None)
            self.theta_ = float(theta[0])
        self.intercept_ = self.theta_
        self.coef_ = np.zeros(self.n_features_in_)
        return self

    def _fit_lazy(self, y: Any) -> ConstantModel:
        """Targets in Dask: the mean exactly (MSE), or descent where the partitions live."""
        summary = summarize(y, y, labels=False)
        self.n_features_in_ = 0
        exact = isinstance(self.solver, str) and self.solver.strip().lower() == "exact"
        loss = model_loss(self.loss, self.delta)
        if exact and self._loss_name() != "mse":
            raise DataError(
                f"the exact {self._loss_name()} minimizer needs all of y in memory; for Dask "
                "data use a descent solver such as 'gd' (or compute y first)"
            )
        if exact:
            self.theta_ = summary.y_mean
            self.n_iter_ = self.t_ = 0
            self.converged_ = True
            value = summary.y_spread**2  # the MSE of the mean: the variance
            self.history_ = frame([{"iteration": 0, "loss": value, "theta": self.theta_}])
        else:
            design_parts = design(summary, standardize=False, intercept=True)
            # Only the column of ones: the constant model has no features.
            res = fit_linear(
                design_parts.map(_ones_only), None, loss, np.array([float(self.theta0)]),
                solver=self.solver, lr=self.lr, epochs=epochs_of(self),
                batch_size=self.batch_size, tol=self.tol, seed=self.seed, default_tol=1e-10,
                progress=self.verbose,
            )
            theta = store_fit(self, res, lambda thetas: {"theta": thetas[:, 0]},
                              theta=best_iterate(res) if loss.curvature is None else None)
            self.theta_ = float(theta[0])
        self.intercept_ = self.theta_
        self.coef_ = np.zeros(0)
        return self

    def _loss_name(self) -> str:
        loss = self.loss
        if isinstance(loss, losses.Loss) and loss.base_name in ("mse", "mae", "huber"):
            return loss.base_name
        if isinstance(loss, str) and loss.strip().lower() in ("mse", "mae", "huber"):
            return loss.strip().lower()
        if isinstance(self.solver, str) and self.solver.strip().lower() == "exact":
            raise DataError(
                f"the exact constant model knows loss 'mse', 'mae' and 'huber', not {loss!r}; "
                "use a descent solver such as 'gd' for another loss"
            )
        return "custom"

    def _exact(self, y: np.ndarray, loss_name: str) -> float:
        if loss_name == "mse":
            return float(np.mean(y))
        if loss_name == "mae":
            return float(np.median(y))
        loss = self.loss
        delta = loss.delta if isinstance(loss, losses.Loss) and loss.base_name == "huber" else (
            self.delta)
        if not delta > 0:
            raise DataError(f"huber's delta must be positive, not {delta!r}")
        return huber_location(y, float(delta))

    def predict(self, X: Any) -> np.ndarray:
        """``theta_`` for every row of ``X``."""
        self._check_fitted("theta_")
        return np.full(len(X), self.theta_)


def _ones_only(part: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    Z, t = part
    return Z[:, :1], t


__all__ = ["ConstantModel", "huber_location"]
