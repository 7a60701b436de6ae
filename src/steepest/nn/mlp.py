"""Multi-layer perceptrons learned by backpropagation: ``MLPRegressor`` and ``MLPClassifier``.

A network of :class:`~steepest.nn.Linear` layers with an activation between
them is trained by mini-batch descent: each step runs the batch forward,
calls ``loss.backward()`` (the chain rule from the loss back to every
weight), and lets an update rule of :mod:`steepest.optim` (Adam by default)
turn the gradient into a step.  Both follow scikit-learn's estimator
conventions.

The network of the backpropagation lesson, one input, two softplus nodes,
one output, learned from the three dosage points:

>>> import steepest as st
>>> dosage = st.datasets.load("dosage")
>>> net = st.nn.MLPRegressor(hidden=2, activation="softplus", loss="ssr", solver="adam",
...                          lr=0.05, epochs=3000, batch_size=None, seed=0)
>>> net = net.fit(dosage[["dosage"]], dosage["efficacy"])
>>> net.loss_ < 0.01, net.predict(dosage[["dosage"]]).round(1).tolist()
(True, [0.0, 1.0, 0.0])
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.autodiff import Tensor, no_grad
from steepest.errors import DataError, OptimizationError
from steepest.models.base import BaseModel, ClassifierMixin, RegressorMixin, as_labels, as_target
from steepest.nn import functional as F
from steepest.nn.layers import Linear, Sequential, activation, as_generator
from steepest.nn.module import as_float_dtype
from steepest.nn.progress import TrainingProgress
from steepest.optim.optimizers import Optimizer, make
from steepest.optim.schedules import as_schedule
from steepest.threads import SMALL_MATRIX, blas_threads

REGRESSION_LOSSES = ("mse", "ssr", "mae", "huber")


def _hidden_sizes(hidden: Any) -> tuple[int, ...]:
    sizes = (hidden,) if isinstance(hidden, int | np.integer) else tuple(hidden)
    if any(isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1 for h in sizes):
        raise DataError(f"hidden must be a positive layer size or a tuple of them, not {hidden!r}")
    return tuple(int(h) for h in sizes)


class _Flat:
    """Every parameter of a network as views into one flat vector, so update rules see one array."""

    def __init__(self, network: Sequential) -> None:
        self.params = network.parameters()
        dtype = self.params[0].dtype
        self.vector = np.concatenate([p.data.ravel() for p in self.params]).astype(dtype)
        offset = 0
        for p in self.params:
            p.data = self.vector[offset : offset + p.size].reshape(p.shape)
            offset += p.size

    def gradient(self) -> np.ndarray:
        parts = [
            np.zeros(p.size, dtype=p.dtype) if p.grad is None else np.ravel(p.grad)
            for p in self.params
        ]
        return np.concatenate(parts)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


class _MLP(BaseModel):
    """Shared training of the two estimators."""

    def _output_size(self, target: np.ndarray) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _loss(self, output: Any, target: np.ndarray) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _validation_score(self, X: np.ndarray, target: np.ndarray) -> float:  # pragma: no cover
        raise NotImplementedError

    def _build(self, n_inputs: int, n_outputs: int, rng: np.random.Generator) -> Sequential:
        sizes = (n_inputs, *_hidden_sizes(self.hidden), n_outputs)
        act = str(self.activation).strip().lower() if isinstance(self.activation, str) else ""
        init = self.init or ("he" if act == "relu" else "glorot")
        dtype = as_float_dtype(self.dtype)
        network = Sequential()
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            last = i == len(sizes) - 2
            network.append(
                Linear(
                    fan_in,
                    fan_out,
                    seed=rng,
                    dtype=dtype,
                    init="glorot" if last and self.init is None else init,
                )
            )
            if not last:
                network.append(
                    activation(
                        copy.deepcopy(self.activation)
                        if not isinstance(self.activation, str)
                        else self.activation
                    )
                )
        return network

    def _train(self, X: np.ndarray, target: np.ndarray) -> None:
        # Small layers train faster on one BLAS thread (see steepest.threads); large ones
        # keep whatever the user set.
        sizes = (X.shape[1], *_hidden_sizes(self.hidden))
        largest = max(a * b for a, b in itertools.pairwise(sizes))
        with blas_threads(1 if largest < SMALL_MATRIX else None):
            self._train_epochs(X, target)

    def _train_epochs(self, X: np.ndarray, target: np.ndarray) -> None:
        rng = as_generator(
            copy.deepcopy(self.seed) if isinstance(self.seed, np.random.Generator) else self.seed
        )
        dtype = as_float_dtype(self.dtype)
        X = X.astype(dtype)
        epochs = _positive_int("epochs", self.epochs)
        batch_size = (
            None if self.batch_size is None else _positive_int("batch_size", self.batch_size)
        )
        patience = _positive_int("patience", self.patience)
        X_train, y_train, X_val, y_val = X, target, None, None
        if self.early_stopping:
            if not 0 < self.validation_fraction < 1:
                raise DataError("validation_fraction must be between 0 and 1")
            order = rng.permutation(X.shape[0])
            n_val = max(1, round(self.validation_fraction * X.shape[0]))
            if n_val >= X.shape[0]:
                raise DataError("too few samples to hold some out for early stopping")
            X_val, y_val = X[order[:n_val]], target[order[:n_val]]
            X_train, y_train = X[order[n_val:]], target[order[n_val:]]
        self.network_ = self._build(X.shape[1], self._output_size(target), rng)
        flat = _Flat(self.network_)
        rule = _rule(self.solver, self.lr)
        schedule = as_schedule(rule.lr)
        n = X_train.shape[0]
        full_batch = batch_size is None or batch_size >= n
        if rule.uses_objective and not full_batch:
            raise OptimizationError(
                f"{rule.name} searches along a line on the whole loss; use batch_size=None"
            )
        state = rule.init(flat.vector.copy())
        objective = _NetworkObjective(self, flat, X_train, y_train) if rule.uses_objective else None
        rows: list[dict[str, Any]] = []
        best_score, best_vector, stale = -math.inf, None, 0
        best_loss = math.inf
        progress = TrainingProgress(epochs, self.verbose, type(self).__name__)
        step_count = 0
        self.n_iter_ = 0
        # Overflow on the way to divergence is reported in words below, not as warnings.
        with np.errstate(over="ignore", invalid="ignore"), progress:
            for epoch in range(1, epochs + 1):
                batches = [slice(None)] if full_batch else _batches(rng, n, batch_size)
                for rows_of_batch in batches:
                    flat.zero_grad()
                    Xb = X_train[rows_of_batch]
                    loss = self._loss(self.network_(Xb), y_train[rows_of_batch])
                    loss.backward()
                    lr = float(schedule(step_count))
                    current = flat.vector.copy()
                    step, state = rule.update(
                        flat.gradient(),
                        state,
                        current.copy(),
                        lr,
                        value=float(loss.data),
                        objective=objective,
                    )
                    flat.vector[:] = current + np.asarray(step, dtype=flat.vector.dtype)
                    step_count += 1
                flat.zero_grad()
                train_loss = self._evaluate_loss(X_train, y_train)
                if not math.isfinite(train_loss):
                    raise OptimizationError(
                        f"training diverged in epoch {epoch} (the loss became {train_loss}); "
                        f"use a smaller lr than {lr:.3g}"
                    )
                row: dict[str, Any] = {"epoch": epoch, "loss": train_loss, "lr": lr}
                score = None
                if X_val is not None:
                    score = self._validation_score(X_val, y_val)
                    row["validation_score"] = score
                rows.append(row)
                self.n_iter_ = epoch
                progress.update(epoch, train_loss, score)
                if score is not None:
                    if score > best_score + (self.tol or 0.0):
                        best_score, best_vector, stale = score, flat.vector.copy(), 0
                    else:
                        stale += 1
                elif self.tol is not None:
                    if train_loss < best_loss - self.tol:
                        best_loss, stale = train_loss, 0
                    else:
                        stale += 1
                if score is None and self.tol is None:
                    continue
                if stale >= patience:
                    break
        if best_vector is not None:
            flat.vector[:] = best_vector
            self.best_validation_score_ = best_score
        import pandas as pd

        self.history_ = pd.DataFrame(rows)
        self.loss_ = self._evaluate_loss(X_train, y_train)
        self.t_ = step_count

    def _evaluate_loss(self, X: np.ndarray, target: np.ndarray) -> float:
        with no_grad():
            value = self._loss(self.network_(X), target)
        return float(value.data if isinstance(value, Tensor) else value)

    def _forward(self, X: Any) -> np.ndarray:
        X = self._validate_X(X, fitting=False).astype(as_float_dtype(self.dtype))
        self._check_fitted("network_")
        with no_grad():
            out = self.network_(X)
        return out.data if isinstance(out, Tensor) else np.asarray(out)


class _NetworkObjective:
    """The full-batch loss as a function of the flat parameter vector (for line searches)."""

    def __init__(self, model: _MLP, flat: _Flat, X: np.ndarray, target: np.ndarray) -> None:
        self.model, self.flat, self.X, self.target = model, flat, X, target

    def value(self, vector: np.ndarray) -> float:
        self.flat.vector[:] = vector
        return self.model._evaluate_loss(self.X, self.target)

    def value_and_grad(self, vector: np.ndarray) -> tuple[float, np.ndarray]:
        self.flat.vector[:] = vector
        self.flat.zero_grad()
        loss = self.model._loss(self.model.network_(self.X), self.target)
        loss.backward()
        return float(loss.data), self.flat.gradient()

    def hessian(self, vector: np.ndarray) -> np.ndarray:
        raise OptimizationError(
            "Newton's method needs a Hessian, which networks here do not build; use 'lbfgs' instead"
        )


def _rule(solver: Any, lr: Any) -> Optimizer:
    if isinstance(solver, str):
        key = solver.strip().lower()
        rule = make("gd" if key in ("sgd", "minibatch") else key, None)
    elif isinstance(solver, Optimizer) or (hasattr(solver, "init") and hasattr(solver, "update")):
        rule = make(copy.deepcopy(solver), None)
    else:
        raise OptimizationError(
            f"solver must be an optimizer name such as 'adam' or an "
            f"optimizer object, not {solver!r}"
        )
    if lr is not None:
        rule.lr = lr
    return rule


def _batches(rng: np.random.Generator, n: int, size: int) -> list[np.ndarray]:
    order = rng.permutation(n)
    return [order[start : start + size] for start in range(0, n, size)]


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise DataError(f"{name} must be a positive whole number, not {value!r}")
    return int(value)


_PARAMETERS_DOC = """
    Parameters
    ----------
    hidden : size of the hidden layer, or a tuple of sizes (one per layer)
    activation : "relu", "softplus", "tanh", "sigmoid", "identity" (or a module)
    solver : an optimizer name ("adam", "gd", "momentum", "lbfgs"...) or object
    lr : learning rate (number or schedule); None uses the optimizer's default
    epochs : passes over the training data
    batch_size : rows per step; None uses every row in every step
    seed : seed of the initial weights, the shuffling and the validation split
    early_stopping : hold out ``validation_fraction`` of the data and stop
        when its score has not improved by ``tol`` for ``patience`` epochs,
        keeping the best weights
    tol : without early stopping, stop when the training loss has not
        improved by ``tol`` for ``patience`` epochs (None: run every epoch)
    dtype : "float64" or "float32"
    init : "he", "glorot", "uniform" or None (He before ReLU, Glorot otherwise)
    verbose : progress bar on stderr: None when stderr is a terminal

    Attributes
    ----------
    network_ : the trained :class:`~steepest.nn.Sequential`
    history_ : pandas DataFrame, one row per epoch (``loss`` on the training
        data, ``lr``, and ``validation_score`` with early stopping)
    loss_ : the final training loss; n_iter_ : epochs run; t_ : steps taken
"""


class MLPRegressor(RegressorMixin, _MLP):
    """A network for numeric targets: linear output, loss "mse" (or "ssr", "mae", "huber")."""

    __doc__ = (
        (__doc__ or "")
        + _PARAMETERS_DOC
        + """
    >>> import numpy as np, steepest as st
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> y = np.sin(3 * X[:, 0])
    >>> model = st.nn.MLPRegressor(hidden=(16,), activation="tanh", lr=0.02, epochs=300,
    ...                            seed=0).fit(X, y)
    >>> bool(model.score(X, y) > 0.95), len(model.history_)
    (True, 300)
    """
    )

    def __init__(
        self,
        *,
        hidden: Any = (100,),
        activation: Any = "relu",
        loss: str = "mse",
        solver: Any = "adam",
        lr: Any = None,
        epochs: int = 200,
        batch_size: int | None = 32,
        seed: Any = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        tol: float | None = None,
        delta: float = 1.0,
        dtype: Any = "float64",
        init: str | None = None,
        verbose: bool | None = None,
    ) -> None:
        self.hidden = hidden
        self.activation = activation
        self.loss = loss
        self.solver = solver
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.delta = delta
        self.dtype = dtype
        self.init = init
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on ``X`` (samples x features) and numeric targets ``y``; returns the model."""
        X = self._validate_X(X, fitting=True)
        target = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y, dtype=float)
        self._single_output = target.ndim == 1
        target = (
            as_target(target, X.shape[0])
            if target.ndim == 1 or target.shape[1] == 1
            else _finite_2d(target, X.shape[0])
        )
        self._loss_function()
        self._train(X, target.reshape(X.shape[0], -1).astype(as_float_dtype(self.dtype)))
        return self

    def _output_size(self, target: np.ndarray) -> int:
        return target.shape[1]

    def _loss_function(self) -> Callable[[Any, Any], Any]:
        key = str(self.loss).strip().lower()
        if key not in REGRESSION_LOSSES:
            raise DataError(
                f"unknown loss {self.loss!r}; choose one of {', '.join(REGRESSION_LOSSES)}"
            )
        delta = float(self.delta)
        if key == "mse":
            return lambda out, y: np.mean((out - y) ** 2)
        if key == "ssr":
            return lambda out, y: np.sum((out - y) ** 2)
        if key == "mae":
            return lambda out, y: np.mean(np.abs(out - y))

        def huber(out: Any, y: Any) -> Any:
            size = np.abs(out - y)
            inside = (size.data if isinstance(size, Tensor) else np.asarray(size)) <= delta
            return np.mean(np.where(inside, 0.5 * size**2, delta * (size - 0.5 * delta)))

        return huber

    def _loss(self, output: Any, target: np.ndarray) -> Any:
        return self._loss_function()(output, target)

    def _validation_score(self, X: np.ndarray, target: np.ndarray) -> float:
        with no_grad():
            out = self.network_(X)
        prediction = out.data if isinstance(out, Tensor) else out
        residual = float(np.sum((target - prediction) ** 2))
        total = float(np.sum((target - target.mean(axis=0)) ** 2))
        return 1.0 - residual / total if total else -residual

    def predict(self, X: Any) -> np.ndarray:
        """The network's outputs (1-d when it was trained on a 1-d target)."""
        out = self._forward(X).astype(float)
        return out[:, 0] if getattr(self, "_single_output", True) else out


class MLPClassifier(ClassifierMixin, _MLP):
    """A network for class labels: softmax output, fused and stable cross-entropy loss."""

    __doc__ = (
        (__doc__ or "")
        + _PARAMETERS_DOC
        + """
    >>> import numpy as np, steepest as st
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = np.where(X[:, 0] * X[:, 1] > 0, "same", "opposite")
    >>> model = st.nn.MLPClassifier(hidden=(16,), lr=0.01, epochs=150, seed=0).fit(X, y)
    >>> bool(model.score(X, y) > 0.9), model.classes_.tolist()
    (True, ['opposite', 'same'])
    >>> model.predict_proba(X[:2]).sum(axis=1).round(6).tolist()
    [1.0, 1.0]
    """
    )

    def __init__(
        self,
        *,
        hidden: Any = (100,),
        activation: Any = "relu",
        solver: Any = "adam",
        lr: Any = None,
        epochs: int = 200,
        batch_size: int | None = 32,
        seed: Any = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        tol: float | None = None,
        dtype: Any = "float64",
        init: str | None = None,
        verbose: bool | None = None,
    ) -> None:
        self.hidden = hidden
        self.activation = activation
        self.solver = solver
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.dtype = dtype
        self.init = init
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on ``X`` and class labels ``y`` (two or more classes); returns the model."""
        X = self._validate_X(X, fitting=True)
        labels = as_labels(y, X.shape[0])
        self.classes_, target = np.unique(labels, return_inverse=True)
        if self.classes_.size < 2:
            raise DataError("y has a single class: a classifier needs at least two")
        self._train(X, target.astype(np.intp))
        return self

    def _output_size(self, target: np.ndarray) -> int:
        return int(self.classes_.size)

    def _loss(self, output: Any, target: np.ndarray) -> Any:
        return F.softmax_cross_entropy(output, target)

    def _validation_score(self, X: np.ndarray, target: np.ndarray) -> float:
        with no_grad():
            out = self.network_(X)
        logits = out.data if isinstance(out, Tensor) else out
        return float(np.mean(np.argmax(logits, axis=1) == target))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one row per sample, columns in the order of ``classes_``."""
        return np.asarray(F.softmax(self._forward(X).astype(float)))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample."""
        return self.classes_[np.argmax(self._forward(X), axis=1)]


def _finite_2d(target: np.ndarray, n: int) -> np.ndarray:
    if target.ndim != 2 or target.shape[0] != n:
        raise DataError(f"y must have one row per sample ({n}), not shape {target.shape}")
    if not np.all(np.isfinite(target)):
        raise DataError("y has missing or infinite values")
    return target


__all__ = ["MLPClassifier", "MLPRegressor"]
