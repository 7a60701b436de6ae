"""Linear and logistic regression, solved by calculus or learned by descent.

``LinearRegression(solver="normal")`` solves the least-squares problem
directly.  The normal equations ``X^T X b = X^T y`` say what the answer is,
but forming ``X^T X`` squares the condition number, so the solver instead
centres and scales the columns and factorizes ``X`` itself (an SVD-based
least-squares solve): the ill-conditioned Longley data keep all of NIST's
certified digits that double precision can hold.  When the columns are
linearly dependent the answer is the one whose standardized coefficients
have the smallest norm (dependent columns share the effect).

The descent solvers (``"gd"``, ``"sgd"``, ``"minibatch"``, an optimizer
name such as ``"adam"``, or any optimizer object from :mod:`steepest.optim`)
work on standardized features (and, for regression, a standardized target)
and report coefficients on the original scale.  With no ``lr`` given, plain
descent picks its rate from the curvature of the standardized problem, so
the defaults converge without tuning.

>>> import steepest as st
>>> ads = st.datasets.load("advertising")
>>> exact = st.models.LinearRegression().fit(ads[["TV"]], ads["sales"])
>>> round(exact.intercept_, 4), round(float(exact.coef_[0]), 6)
(7.0326, 0.047537)
>>> descent = st.models.LinearRegression(solver="gd").fit(ads[["TV"]], ads["sales"])
>>> round(descent.intercept_, 4), round(float(descent.coef_[0]), 6)
(7.0326, 0.047537)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from steepest import losses
from steepest.errors import DataError
from steepest.models.base import (
    BaseModel,
    ClassifierMixin,
    DescentModel,
    RegressorMixin,
    as_labels,
    as_matrix,
    as_target,
)
from steepest.models.descent import (
    ConvergenceWarning,
    best_iterate,
    check_penalty,
    fit_linear,
    l2_penalty,
    model_loss,
    store_fit,
)
from steepest.models.lazy import Summary, design, summarize
from steepest.optim.distributed import is_lazy

RESERVED_COLUMNS = {"iteration", "epoch", "loss", "grad_norm", "step", "lr", "intercept"}


def _feature_names(model: BaseModel) -> list[str]:
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return [f"x{i}" for i in range(model.n_features_in_)]
    return [str(n) for n in names]


def _history_columns(names: list[str]) -> list[str]:
    return [f"coef_{n}" if n in RESERVED_COLUMNS else n for n in names]


def frame(rows: list[dict[str, Any]]) -> Any:
    """A pandas DataFrame of ``rows`` (pandas is imported only when a model is fitted)."""
    import pandas as pd

    return pd.DataFrame(rows)


class _Standardizer:
    """Column means and spreads; constant columns keep a spread of 1."""

    def __init__(self, X: np.ndarray | None, center: bool, summary: Summary | None = None) -> None:
        if summary is not None:  # Dask data: the statistics were computed where it lives
            self.mean, spread = summary.mean, summary.spread
        else:
            self.mean, spread = location_and_spread(X, center)
        self.scale = np.where(spread > 0, spread, 1.0)

    def transform(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean) / self.scale


def location_and_spread(values: np.ndarray, center: bool) -> tuple[Any, Any]:
    """Column means (0 without ``center``) and standard deviations (root mean squares
    without ``center``), computed on values divided by their largest size first, so that
    data near the largest floats do not overflow when squared.

    >>> location_and_spread(np.array([[1e300], [3e300]]), center=True)
    (array([2.e+300]), array([1.e+300]))
    """
    size = np.max(np.abs(values), axis=0)
    size = np.where(np.isfinite(size) & (size > 0), size, 1.0)
    scaled = values / size
    mean = scaled.mean(axis=0) if center else np.zeros_like(size)
    spread = np.sqrt(np.mean((scaled - mean) ** 2, axis=0))
    return mean * size, spread * size


def epochs_of(model: Any) -> int | None:
    """The limit a model was given as ``epochs`` or ``max_iter`` (the same limit)."""
    if model.epochs is not None and model.max_iter is not None and model.epochs != model.max_iter:
        raise DataError("give epochs or max_iter, not both (they are the same limit)")
    return model.epochs if model.epochs is not None else model.max_iter


class LinearRegression(RegressorMixin, DescentModel):
    """Least squares (or another loss) for ``y = X coef + intercept``.

    Parameters
    ----------
    solver : "auto", "normal", "gd", "sgd", "minibatch", an optimizer name or object
        ``"auto"`` is ``"normal"`` for the MSE and ``"gd"`` otherwise.
        ``"sgd"`` takes one observation per step, ``"minibatch"`` 32 (or
        ``batch_size``); both reshuffle every epoch from ``seed`` (the table
        in :mod:`steepest.models.descent`).
    loss : "mse", "mae", "huber", or a function ``loss(y_true, y_pred)``
    delta : Huber's threshold (on the scale of ``y``)
    lr : learning rate (a number or a schedule of the step number); ``None``
        picks one from the data: ``1/L`` for full-batch descent on a smooth
        loss (``L`` the largest curvature of the standardized loss), and for
        stochastic descent a rate decaying like ``1/(1 + epoch)`` so the
        iterates settle instead of jittering.
    epochs, max_iter : limit on steps (full batch, default 10000) or epochs
        (stochastic, default 1000); either name.
    batch_size : rows per step (``None``: the solver's own choice)
    tol : stop when a step moves the (standardized) parameters less than
        this; full batch defaults to 1e-10, stochastic runs all epochs unless
        ``tol`` is given.
    seed : seed of the shuffling
    fit_intercept : whether to fit ``intercept_`` (otherwise it is 0)
    alpha : L2 penalty (ridge regression): the loss plus ``alpha / n * |coef|^2``
        (for the MSE, scikit-learn's ``Ridge(alpha)``: ``|y - X coef|^2 +
        alpha |coef|^2``); the intercept is not penalized.  The history's
        ``loss`` includes the penalty.
    standardize : whether descent works on standardized features and target
        (the default: the rate can be chosen from the data and one rate
        suits every column).  With ``standardize=False`` descent minimizes
        the documented loss ``loss(y, Z @ theta)`` on ``Z = [1, X]`` itself,
        exactly the steps of ``steepest.minimize`` on that loss over
        ``data=(Z, y)`` with the same solver, rate, batches and seed.

    Attributes
    ----------
    coef_, intercept_ : the fitted line on the original scale
    history_ : pandas DataFrame, one row per step (full batch) or epoch
        (stochastic): ``loss`` on the original scale, ``grad_norm``, ``step``
        and ``lr`` on the standardized scale, and the coefficients so far.
    n_iter_ : steps (full batch) or epochs (over batches) taken (0 for the normal solver)
    t_ : steps taken in all (rows x epochs for ``"sgd"``)
    converged_ : whether a stopping rule of the solver held

    >>> import numpy as np, steepest as st
    >>> lines = st.datasets.load("powerlines")
    >>> fit = st.models.LinearRegression(solver="gd").fit(lines[["x"]], lines["y"])
    >>> round(float(fit.coef_[0]), 6), round(fit.intercept_, 6)
    (0.5, 2.333333)
    >>> round(float(np.sum((fit.predict(lines[["x"]]) - lines["y"]) ** 2)), 4)
    4.1667
    """

    def __init__(
        self,
        *,
        solver: Any = "auto",
        loss: Any = "mse",
        delta: float = 1.0,
        fit_intercept: bool = True,
        standardize: bool = True,
        alpha: float = 0.0,
        **descent: Any,
    ) -> None:
        self._keep(locals())
        super().__init__(solver=solver, **descent)

    def _resolved_solver(self) -> Any:
        if isinstance(self.solver, str) and self.solver.strip().lower() == "auto":
            return "normal" if _is_mse(self.loss) else "gd"
        return self.solver

    def fit(self, X: Any, y: Any) -> LinearRegression:
        """Fit the coefficients to ``X`` (samples x features) and ``y``; returns the model.

        ``X`` and ``y`` may be Dask collections (see :mod:`steepest.optim.distributed`):
        descent then evaluates the loss where the partitions live.
        """
        if is_lazy(X) or is_lazy(y):
            return self._fit_lazy(X, y)
        X = self._validate_X(X, fitting=True)
        y = as_target(y, X.shape[0])
        check_penalty(self.alpha)
        solver = self._resolved_solver()
        if isinstance(solver, str) and solver.strip().lower() == "normal":
            if not _is_mse(self.loss):
                raise DataError(
                    f"solver='normal' solves least squares (loss='mse') only; use a descent "
                    f"solver such as 'gd' for loss={self.loss!r}"
                )
            self._fit_normal(X, y)
        else:
            self._fit_descent(X, y, solver)
        return self

    def _fit_lazy(self, X: Any, y: Any) -> LinearRegression:
        check_penalty(self.alpha)
        solver = self._resolved_solver()
        if isinstance(solver, str) and solver.strip().lower() == "normal":
            if not (isinstance(self.solver, str) and self.solver.strip().lower() == "auto"):
                raise DataError(
                    "solver='normal' needs all of X in memory; for Dask data use a descent "
                    "solver such as 'gd' or 'lbfgs' (or compute X and y first)"
                )
            solver = "gd"
        summary = summarize(X, y, labels=False, center=self.fit_intercept,
                            y_center=self.fit_intercept)
        self._set_features(int(summary.mean.size), summary.names)
        self._fit_descent(None, None, solver, summary)
        return self

    def _fit_normal(self, X: np.ndarray, y: np.ndarray) -> None:
        scaler = _Standardizer(X, center=self.fit_intercept)
        y_mean = float(y.mean()) if self.fit_intercept else 0.0
        # Centred, unit-length columns: the factorization sees the best-conditioned version
        # of the same problem, and no X^T X is ever formed.
        Z = scaler.transform(X)
        norms = np.sqrt(np.sum(Z * Z, axis=0))
        norms = np.where(norms > 0, norms, 1.0)
        A, b = Z / norms, y - y_mean
        if self.alpha:
            # Ridge: least squares of [A; sqrt(alpha) D] against [b; 0], where D undoes the
            # scaling so that the penalty falls on the coefficients of X itself.
            undo = np.diag(np.sqrt(self.alpha) / (scaler.scale * norms))
            A, b = np.vstack([A, undo]), np.concatenate([b, np.zeros(X.shape[1])])
        solution, _, rank, _ = np.linalg.lstsq(A, b, rcond=None)
        scaled = solution / norms
        self.coef_ = scaled / scaler.scale
        self.intercept_ = float(y_mean - scaler.mean @ self.coef_) if self.fit_intercept else 0.0
        self.rank_ = int(rank)
        self.n_iter_ = self.t_ = 0
        self.converged_ = True
        residual = y - self.predict(X)
        objective = float(np.mean(residual**2)) + self._penalty_value(X.shape[0])
        row = {"iteration": 0, "loss": objective, "intercept": self.intercept_}
        row.update(zip(_history_columns(_feature_names(self)), map(float, self.coef_), strict=True))
        self.history_ = frame([row])

    def _fit_descent(self, X: np.ndarray | None, y: np.ndarray | None, solver: Any,
                     summary: Summary | None = None) -> None:
        scaler = _Standardizer(X, center=self.fit_intercept, summary=summary)
        rows, columns = (X.shape if summary is None else (summary.rows, summary.mean.size))
        named_loss = isinstance(self.loss, str) or _is_builtin_loss(self.loss)
        if named_loss and self.standardize:
            if summary is None:
                y_shift = float(y.mean()) if self.fit_intercept else 0.0
                spread = float(location_and_spread(y, self.fit_intercept)[1])
            else:
                y_shift = summary.y_mean if self.fit_intercept else 0.0
                spread = summary.y_spread
            y_scale = spread if spread > 0 else 1.0
        else:
            # A loss of the user's own need not be unchanged by rescaling y: leave y alone.
            y_shift, y_scale = 0.0, 1.0
        loss = model_loss(self.loss, self.delta, scale=y_scale)
        if summary is None:
            Z = scaler.transform(X) if self.standardize else X
            if self.fit_intercept:
                Z = np.column_stack([np.ones(rows), Z])
            t = (y - y_shift) / y_scale
        else:
            Z, t = design(summary, standardize=self.standardize, intercept=self.fit_intercept,
                          y_shift=y_shift, y_scale=y_scale), None
        names = _history_columns(_feature_names(self))
        loss_factor = y_scale if loss.name == "mae" else y_scale**2 if named_loss else 1.0
        intercept_column = 1 if self.fit_intercept else 0
        spread = scaler.scale if self.standardize else np.ones(columns)
        center = scaler.mean if self.standardize else np.zeros(columns)

        def to_original(thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            coef = thetas[:, intercept_column:] * y_scale / spread
            intercept = np.zeros(thetas.shape[0])
            if self.fit_intercept:
                intercept = y_shift + y_scale * thetas[:, 0] - coef @ center
            return intercept, coef

        def report(thetas: np.ndarray) -> dict[str, Any]:
            intercept, coef = to_original(thetas)
            return {"intercept": intercept, **dict(zip(names, coef.T, strict=True))}

        penalty = l2_penalty(self.alpha * y_scale**2 / loss_factor, rows, spread,
                             self.fit_intercept)
        res = fit_linear(
            Z, t, loss, np.zeros(columns + self.fit_intercept), solver=solver, lr=self.lr,
            epochs=epochs_of(self), batch_size=self.batch_size, tol=self.tol, seed=self.seed,
            penalty=penalty, progress=self.verbose,
        )
        theta = store_fit(self, res, report, loss_factor,
                          theta=best_iterate(res) if loss.curvature is None else None)
        intercept, coef = to_original(theta[None, :])
        self.intercept_, self.coef_ = float(intercept[0]), coef[0]

    def _penalty_value(self, rows: int) -> float:
        return float(self.alpha) / rows * float(self.coef_ @ self.coef_) if self.alpha else 0.0

    def predict(self, X: Any) -> np.ndarray:
        """``X @ coef_ + intercept_``."""
        X = self._validate_X(X, fitting=False)
        self._check_fitted("coef_")
        return X @ self.coef_ + self.intercept_


def _is_mse(loss: Any) -> bool:
    return (isinstance(loss, str) and loss.strip().lower() == "mse") or loss is losses.mse


def _is_builtin_loss(loss: Any) -> bool:
    """The losses whose minimizer moves with the target when it is shifted and rescaled."""
    return isinstance(loss, losses.Loss) and loss.base_name in ("mse", "mae", "ssr", "huber")


class LogisticRegression(ClassifierMixin, DescentModel):
    """Logistic regression: class probabilities from a linear function of the features.

    Two classes: ``P(class 1) = sigmoid(X coef + intercept)`` with the mean
    log-loss.  More classes: multinomial (softmax) regression, one column of
    logits per class, with the mean cross-entropy (as scikit-learn does).
    Both losses are computed from the logits, so they stay finite.  Solvers
    as for :class:`LinearRegression` (no ``"normal"``: there is no closed
    form); ``"auto"`` is ``"gd"`` with the rate ``1/L`` of the standardized
    problem.  Unpenalized by default: on separable classes the loss then has
    no minimum and the coefficients grow for as long as the solver runs (a
    :class:`ConvergenceWarning` says so, however the run ended).  ``C`` (as scikit-learn:
    ``|coef|^2 / 2 + C * summed loss``) or ``alpha = 1 / C`` adds an L2
    penalty, which the history's ``loss`` includes.

    >>> import numpy as np, steepest as st
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    >>> y = np.array(["no", "no", "yes", "no", "yes", "yes"])
    >>> model = st.models.LogisticRegression().fit(X, y)
    >>> model.classes_.tolist(), model.predict([[0.5], [4.5]]).tolist()
    (['no', 'yes'], ['no', 'yes'])
    >>> model.predict_proba([[2.5]]).round(3)
    array([[0.5, 0.5]])
    >>> three = st.models.LogisticRegression(C=1.0).fit(X, [0, 0, 1, 1, 2, 2])
    >>> three.coef_.shape, three.predict([[0.0], [5.0]]).tolist()
    ((3, 1), [0, 2])
    """

    def __init__(
        self,
        *,
        fit_intercept: bool = True,
        C: float | None = None,
        alpha: float = 0.0,
        **descent: Any,
    ) -> None:
        self._keep(locals())
        super().__init__(**descent)

    def fit(self, X: Any, y: Any) -> LogisticRegression:
        """Fit to ``X`` and class labels ``y`` (two or more classes); returns the model.

        ``X`` and ``y`` may be Dask collections (see :mod:`steepest.optim.distributed`):
        descent then evaluates the loss where the partitions live.
        """
        summary = None
        if is_lazy(X) or is_lazy(y):
            summary = summarize(X, y, labels=True, center=self.fit_intercept)
            self._set_features(int(summary.mean.size), summary.names)
            classes, rows = summary.classes, summary.rows
        else:
            X = self._validate_X(X, fitting=True)
            labels = as_labels(y, X.shape[0])
            classes, target = np.unique(labels, return_inverse=True)
            rows = X.shape[0]
        if classes.size < 2:
            raise DataError("y has a single class: a classifier needs at least two")
        self.classes_ = classes
        outputs = 1 if classes.size == 2 else int(classes.size)
        scaler = _Standardizer(X, center=self.fit_intercept, summary=summary)
        if summary is None:
            Z = scaler.transform(X)
            if self.fit_intercept:
                Z = np.column_stack([np.ones(rows), Z])
            t = target.astype(float) if outputs == 1 else target
        else:
            Z, t = design(summary, standardize=True, intercept=self.fit_intercept), None
        if outputs == 1:
            loss = losses.log_loss.configure(from_logits=True)
        else:
            loss = losses.cross_entropy.configure(from_logits=True)
        report, to_original = self._reporting(scaler, outputs)
        penalty = l2_penalty(self._alpha(), rows, scaler.scale, self.fit_intercept,
                             outputs, half=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            res = fit_linear(
                Z, t, loss, np.zeros((scaler.mean.size + self.fit_intercept) * outputs),
                solver=self._solver(), lr=self.lr,
                epochs=epochs_of(self), batch_size=self.batch_size, tol=self.tol,
                seed=self.seed, penalty=penalty, outputs=outputs, progress=self.verbose,
            )
        intercept, coef = to_original(store_fit(self, res, report)[None, :])
        if outputs == 1:
            self.intercept_, self.coef_ = float(intercept[0]), coef[0]
        else:
            self.intercept_, self.coef_ = intercept[0], coef[0].T
        self._warn(caught, X if summary is None else None, None if summary else labels)
        return self

    def _alpha(self) -> float:
        check_penalty(self.alpha)
        if self.C is not None:
            if isinstance(self.C, bool) or not isinstance(self.C, int | float) or not self.C > 0:
                raise DataError(f"C must be a positive number, not {self.C!r}")
            if self.alpha:
                raise DataError("give C or alpha (alpha = 1 / C), not both")
            return 1.0 / self.C
        return self.alpha

    def _solver(self) -> Any:
        solver = self.solver
        if isinstance(solver, str) and solver.strip().lower() == "normal":
            raise DataError(
                "logistic regression has no closed form: use solver='gd' or another descent solver"
            )
        return "gd" if isinstance(solver, str) and solver.strip().lower() == "auto" else solver

    def _reporting(self, scaler: _Standardizer, outputs: int) -> tuple[Any, Any]:
        """The history's coefficient columns, and standardized parameters -> original ones."""
        names = _history_columns(_feature_names(self))
        first = 1 if self.fit_intercept else 0
        if outputs > 1:
            names = [f"{name}[{c}]" for name in names for c in self.classes_]

        def to_original(thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            thetas = thetas.reshape(thetas.shape[0], -1, outputs)
            coef = thetas[:, first:, :] / scaler.scale[None, :, None]
            intercept = (thetas[:, 0, :] - np.einsum("kpc,p->kc", coef, scaler.mean)
                         if self.fit_intercept else np.zeros((thetas.shape[0], outputs)))
            if outputs == 1:
                return intercept[:, 0], coef[:, :, 0]
            return intercept, coef

        def report(thetas: np.ndarray) -> dict[str, Any]:
            intercept, coef = to_original(thetas)
            columns = coef.reshape(coef.shape[0], -1).T
            heads = ({"intercept": intercept} if outputs == 1 else
                     {f"intercept[{c}]": intercept[:, i] for i, c in enumerate(self.classes_)})
            return {**heads, **dict(zip(names, columns, strict=True))}

        return report, to_original

    def _warn(self, caught: list[Any], X: np.ndarray | None, labels: np.ndarray | None) -> None:
        """Pass the solver's warnings on, and say when the classes are separable.

        Unpenalized, separable classes have no minimum of the log-loss: every
        solver stops somewhere along a ray of ever larger coefficients, by its
        step limit, after its epochs, or (a line search) by a stopping rule met
        where the loss has become flat.  That is said whichever way the run ended.
        """
        separable = not self._alpha() and X is not None and self.score(X, labels) == 1.0
        told = False
        for warning in caught:
            message = str(warning.message)
            if issubclass(warning.category, ConvergenceWarning) and separable:
                message += (
                    "; the classes are separable, so the unpenalized log-loss has no "
                    "minimum and the coefficients keep growing (a penalty, C=, gives one)"
                )
                told = True
            warnings.warn(message, warning.category, stacklevel=3)
        if separable and not told:
            size = float(np.max(np.abs(self.coef_)))
            warnings.warn(
                f"the classes are separable, so the unpenalized log-loss has no minimum: the "
                f"coefficients (as large as {size:.3g} where the run stopped) only grow with "
                f"more steps or a smaller tol; the predicted classes are right, but the "
                f"probabilities are as sure as the run was long; a penalty, C=, gives a "
                f"minimum",
                ConvergenceWarning, stacklevel=3,
            )

    def decision_function(self, X: Any) -> np.ndarray:
        """The logits ``X @ coef_ + intercept_`` (positive means class ``classes_[1]``;
        one column per class for more than two)."""
        X = self._validate_X(X, fitting=False)
        self._check_fitted("coef_")
        return X @ self.coef_.T + self.intercept_ if self.coef_.ndim == 2 else (
            X @ self.coef_ + self.intercept_)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of each class in ``classes_``, one row per sample."""
        z = self.decision_function(X)
        if z.ndim == 2:
            shifted = np.exp(z - z.max(axis=1, keepdims=True))
            return shifted / shifted.sum(axis=1, keepdims=True)
        p = 0.5 * (np.tanh(0.5 * z) + 1.0)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample."""
        z = self.decision_function(X)
        index = np.argmax(z, axis=1) if z.ndim == 2 else (z > 0).astype(int)
        return self.classes_[index]


__all__ = ["ConvergenceWarning", "LinearRegression", "LogisticRegression", "as_matrix"]
