"""Multi-layer perceptrons learned by backpropagation: ``MLPRegressor`` and ``MLPClassifier``.

A network of :class:`~steepest.nn.Linear` layers with an activation between
them is trained by the one descent loop of :mod:`steepest.optim` over
batches of the data: each step runs the batch forward, calls
``loss.backward()`` (the chain rule from the loss back to every weight),
and an update rule (Adam by default) turns the gradient into a step.  The
solver names and ``batch_size`` mean what they mean for every model (see
:mod:`steepest.models.descent`).  Both follow scikit-learn's estimator
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
import threading
from typing import Any

import numpy as np

from steepest import losses
from steepest.autodiff import Tensor, no_grad
from steepest.errors import DataError, OptimizationError
from steepest.models.base import (
    BaseModel,
    ClassifierMixin,
    RegressorMixin,
    as_labels,
    as_target,
    real_array,
)
from steepest.models.descent import REGRESSION_LOSSES, positive_int, resolve_solver
from steepest.models.lazy import summarize
from steepest.nn import functional as F
from steepest.nn.layers import Linear, Sequential, activation, as_generator
from steepest.nn.module import as_float_dtype
from steepest.optim import EarlyStopping, minimize
from steepest.optim.distributed import Partitions, is_lazy
from steepest.optim.progress import TrainingProgress
from steepest.optim.stopping import check_settings
from steepest.threads import SMALL_MATRIX, blas_threads

# Rows per step when batch_size is "auto" and the solver does not say (as for "adam").
DEFAULT_BATCH = 32


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
        # 1 where the vector holds a weight matrix's entry, 0 for a bias.
        self.weights = np.concatenate(
            [np.full(p.size, 1.0 if p.ndim == 2 else 0.0) for p in self.params])

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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Each estimator's docstring: its summary, the shared parameters, its example.
        super().__init_subclass__(**kwargs)
        summary, _, example = (cls.__doc__ or "").partition("\n\n")
        cls.__doc__ = f"{summary}\n{_PARAMETERS_DOC}\n{example}"

    def __init__(
        self,
        *,
        hidden: Any = (100,),
        activation: Any = "relu",
        solver: Any = "adam",
        lr: Any = None,
        epochs: int = 200,
        batch_size: int | str | None = "auto",
        seed: Any = None,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        tol: float | None = None,
        dtype: Any = "float64",
        init: str | None = None,
        verbose: bool | None = None,
        weight_decay: float = 0.0,
    ) -> None:
        self._keep(locals())

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
        X = X.astype(as_float_dtype(self.dtype))
        epochs = positive_int("epochs", self.epochs)
        patience = positive_int("patience", self.patience)
        rule, batch_size = self._solver()
        X_train, y_train, validation = self._split(X, target, rng)
        self.network_ = self._build(X.shape[1], self._output_size(target), rng)
        flat = _Flat(self.network_)
        objective = _NetworkObjective(self, flat, _weight_decay(self.weight_decay))
        stopping = None
        check_settings({"tol": self.tol})
        if validation is not None:
            stopping = EarlyStopping(lambda v: objective.score(v, *validation),
                                     patience=patience, tol=self.tol or 0.0)
        elif self.tol is not None:
            stopping = EarlyStopping(patience=patience, tol=self.tol)
        res = minimize(objective.value, flat.vector.astype(float), method=rule,
                       grad=objective.grad, hessian=objective.hessian,
                       data=(X_train, y_train), batch_size=batch_size or X_train.shape[0],
                       epochs=epochs, seed=rng, tol=None, early_stopping=stopping,
                       record="epochs",
                       progress=TrainingProgress(epochs, self.verbose, type(self).__name__))
        if res.status == "diverged":
            raise OptimizationError(f"training {res.message}")
        flat.vector[:] = np.asarray(res.x, dtype=float)
        if stopping is not None and stopping.best_x is not None:
            self.best_validation_score_ = stopping.best
        self._store_history(res, stopping)
        self.loss_ = self._evaluate_loss(X_train, y_train)

    def _fit_lazy(self, X: Any, y: Any, classes: bool) -> None:
        """Train where the partitions of Dask ``X`` and ``y`` live (see
        :mod:`steepest.optim.distributed`): full batch, one map-reduce per step; over
        batches, partitions in a seeded order, batches built from them as they arrive."""
        if self.early_stopping:
            raise DataError(
                "early_stopping holds out rows in memory; over Dask data give tol= (stop when "
                "the training loss stops improving) or compute X and y first"
            )
        epochs = positive_int("epochs", self.epochs)
        patience = positive_int("patience", self.patience)
        check_settings({"tol": self.tol})
        rule, batch_size = self._solver()
        if batch_size is None and self.tol is not None:
            raise DataError(
                "tol stops training over batches; over Dask data in full batch leave "
                "tol=None (epochs bounds the steps) or give a batch_size"
            )
        summary = summarize(X, y, labels=classes, center=False, y_center=False)
        self._set_features(int(summary.mean.size), summary.names)
        if classes:
            self.classes_ = summary.classes
            if self.classes_.size < 2:
                raise DataError("y has a single class: a classifier needs at least two")
        else:
            self._single_output = True
            self._loss_function()
        rng = as_generator(
            copy.deepcopy(self.seed) if isinstance(self.seed, np.random.Generator) else self.seed
        )
        dtype = as_float_dtype(self.dtype)
        total = not classes and self._loss_function().total
        parts = Partitions(summary.partitions.map(_network_batch, dtype, summary.classes),
                           reduction="sum" if total else "mean")
        self.network_ = self._build(summary.mean.size, 1 if not classes else
                                    int(self.classes_.size), rng)
        flat = _Flat(self.network_)
        objective = _SharedObjective(self, _weight_decay(self.weight_decay))
        bar = TrainingProgress(epochs, self.verbose, type(self).__name__)
        if batch_size is None:
            settings: dict[str, Any] = {"max_iter": epochs, "tol": None, "progress": bar}
        else:
            stopping = EarlyStopping(patience=patience, tol=self.tol) \
                if self.tol is not None else None
            settings = {"batch_size": batch_size, "epochs": epochs, "seed": rng, "tol": None,
                        "early_stopping": stopping, "record": "epochs", "progress": bar}
        res = minimize(objective.value, flat.vector.astype(float), method=rule,
                       grad=objective.grad, hessian=objective.hessian, data=parts, **settings)
        if res.status == "diverged":
            raise OptimizationError(f"training {res.message}")
        flat.vector[:] = np.asarray(res.x, dtype=float)
        self._store_history(res, None)
        pieces = parts.each(_partition_loss, self)
        rows = sum(n for n, _ in pieces)
        value = sum(v for _, v in pieces)
        self.loss_ = float(value if total else value / rows)

    def _solver(self) -> tuple[Any, int | None]:
        """The update rule and the rows per step (None: all of them), as for every model."""
        size = self.batch_size
        auto = isinstance(size, str) and size == "auto"
        if not auto and size is not None:
            positive_int("batch_size", size)
        rule, batch_size, _ = resolve_solver(self.solver, self.lr, None if auto else size)
        full = rule.uses_objective or (
            isinstance(self.solver, str) and self.solver.strip().lower() == "gd")
        if auto and not full:
            batch_size = batch_size or DEFAULT_BATCH
        return rule, batch_size

    def _split(self, X: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> tuple:
        """Training rows, and held-out ``(X, y)`` for early stopping (or None)."""
        if not self.early_stopping:
            return X, target, None
        if not 0 < self.validation_fraction < 1:
            raise DataError("validation_fraction must be between 0 and 1")
        order = rng.permutation(X.shape[0])
        n_val = max(1, round(self.validation_fraction * X.shape[0]))
        if n_val >= X.shape[0]:
            raise DataError("too few samples to hold some out for early stopping")
        held, kept = order[:n_val], order[n_val:]
        return X[kept], target[kept], (X[held], target[held])

    def _store_history(self, res: Any, stopping: EarlyStopping | None) -> None:
        import pandas as pd

        history = res.history
        rows = slice(1, None)  # row 0 is the start, before any epoch
        frame = pd.DataFrame({"epoch": history.iteration[rows], "loss": history.loss[rows],
                              "lr": history.lr[rows]})
        if stopping is not None and stopping.score is not None:
            frame["validation_score"] = stopping.scores[: len(frame)]
        self.history_ = frame
        self.n_iter_ = int(res.epochs if res.epochs is not None else res.nit)
        self.t_ = int(res.nit)

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


def _weight_decay(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise OptimizationError(f"weight_decay must be a number >= 0, not {value!r}")
    return float(value)


class _NetworkObjective:
    """The loss of a batch ``(X, y)`` as a function of the flat parameter vector.

    One forward and backward pass gives both the loss and its gradient; the
    loop asks for the value and then the gradient at the same point, so the
    gradient is kept from the value's pass.
    """

    def __init__(self, model: _MLP, flat: _Flat, weight_decay: float = 0.0) -> None:
        self.model, self.flat = model, flat
        self.kept: tuple[np.ndarray, Any, np.ndarray] | None = None
        # An L2 penalty weight_decay / 2 * |W|^2 on the weight matrices (not the biases).
        self.decay = weight_decay * flat.weights if weight_decay else None

    def value(self, vector: np.ndarray, batch: tuple[np.ndarray, np.ndarray]) -> float:
        X, target = batch
        self.flat.vector[:] = vector
        self.flat.zero_grad()
        loss = self.model._loss(self.model.network_(X), target)
        loss.backward()
        value, gradient = float(loss.data), self.flat.gradient()
        if self.decay is not None:
            value += 0.5 * float(self.decay @ (vector * vector))
            gradient = gradient + self.decay * vector
        self.kept = (vector.copy(), batch, gradient)
        return value

    def grad(self, vector: np.ndarray, batch: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        kept = self.kept
        if kept is None or kept[1] is not batch or not np.array_equal(kept[0], vector):
            self.value(vector, batch)
            kept = self.kept
        return kept[2]

    def hessian(self, vector: np.ndarray, batch: Any) -> np.ndarray:
        raise OptimizationError(
            "Newton's method needs a Hessian, which networks here do not build; use 'lbfgs' instead"
        )

    def score(self, vector: np.ndarray, X: np.ndarray, target: np.ndarray) -> float:
        self.flat.vector[:] = vector
        return self.model._validation_score(X, target)


class _SharedObjective:
    """A network's loss for batches evaluated in several threads or processes at once.

    Each thread (each worker, once the object is shipped there) trains its
    own copy of the network, so evaluations on different partitions never
    share the weights they write.
    """

    def __init__(self, model: _MLP, weight_decay: float) -> None:
        self.model, self.weight_decay = model, weight_decay
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        return {"model": self.model, "weight_decay": self.weight_decay}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def _own(self) -> _NetworkObjective:
        objective = getattr(self._local, "objective", None)
        if objective is None:
            model = copy.copy(self.model)
            model.network_ = copy.deepcopy(self.model.network_)
            objective = _NetworkObjective(model, _Flat(model.network_), self.weight_decay)
            self._local.objective = objective
        return objective

    def value(self, vector: np.ndarray, batch: tuple[np.ndarray, np.ndarray]) -> float:
        return self._own().value(vector, batch)

    def grad(self, vector: np.ndarray, batch: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        return self._own().grad(vector, batch)

    def hessian(self, vector: np.ndarray, batch: Any) -> np.ndarray:
        return self._own().hessian(vector, batch)


def _network_batch(part: tuple[Any, Any], dtype: Any,
                   classes: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """A partition as the network's inputs and targets (class indices, or one column)."""
    X, y = part
    inputs = np.asarray(X.to_numpy() if hasattr(X, "to_numpy") else X, dtype=np.float64)
    inputs = inputs.reshape(inputs.shape[0], -1).astype(dtype)
    target = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y).reshape(-1)
    if classes is not None:
        return inputs, np.searchsorted(classes, target).astype(np.intp)
    return inputs, target.astype(np.float64).reshape(-1, 1).astype(dtype)


def _partition_loss(part: tuple[np.ndarray, np.ndarray], index: int,
                    model: _MLP) -> tuple[int, float]:
    """Rows and rows x loss (or the loss, for a sum) of the trained network on a partition."""
    X, target = part
    if X.shape[0] == 0:
        return 0, 0.0
    value = model._evaluate_loss(X, target)
    total = isinstance(model, MLPRegressor) and model._loss_function().total
    return X.shape[0], value if total else X.shape[0] * value


_PARAMETERS_DOC = """
    Parameters
    ----------
    hidden : size of the hidden layer, or a tuple of sizes (one per layer)
    activation : "relu", "softplus", "tanh", "sigmoid", "identity" (or a module)
    solver : "sgd" (one row per step), "minibatch", "gd" (full batch), an
        optimizer name ("adam", "momentum", "lbfgs"...) or an update rule
    lr : learning rate (number or schedule); None uses the optimizer's default
    epochs : passes over the training data
    batch_size : rows per step; "auto" (the default) or None is the solver's
        own: 1 for "sgd", every row for "gd" and line searches, 32 for
        "minibatch" (and, with "auto", for the other optimizers; with None,
        every row)
    seed : seed of the initial weights, the shuffling and the validation split
    early_stopping : hold out ``validation_fraction`` of the data and stop
        when its score has not improved by ``tol`` for ``patience`` epochs,
        keeping the best weights
    weight_decay : L2 penalty ``weight_decay / 2 * |W|^2`` on the weight
        matrices (not the biases), part of the loss the history records
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
        (rows x epochs for "sgd", ceil(rows / batch_size) x epochs for "minibatch")
"""


class MLPRegressor(RegressorMixin, _MLP):
    """A network for numeric targets: linear output, loss "mse" (or "ssr", "mae", "huber").

    >>> import numpy as np, steepest as st
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> y = np.sin(3 * X[:, 0])
    >>> model = st.nn.MLPRegressor(hidden=(16,), activation="tanh", lr=0.02, epochs=300,
    ...                            seed=0).fit(X, y)
    >>> bool(model.score(X, y) > 0.95), len(model.history_)
    (True, 300)
    """

    def __init__(self, *, loss: Any = "mse", delta: float = 1.0, **network: Any) -> None:
        self._keep(locals())
        super().__init__(**network)

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on ``X`` (samples x features) and numeric targets ``y``; returns the model.

        ``X`` and ``y`` may be Dask collections: training then runs where their
        partitions live (see :mod:`steepest.optim.distributed`).
        """
        if is_lazy(X) or is_lazy(y):
            self._fit_lazy(X, y, classes=False)
            return self
        X = self._validate_X(X, fitting=True)
        target = real_array(y.to_numpy() if hasattr(y, "to_numpy") else y, "y")
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

    def _loss_function(self) -> losses.Loss:
        """The training loss from :mod:`steepest.losses` (a name, or a loss object)."""
        loss = self.loss
        if isinstance(loss, losses.Loss):
            key, given = loss.base_name, loss
        else:
            key, given = str(loss).strip().lower(), None
        if key not in REGRESSION_LOSSES:
            raise DataError(
                f"unknown loss {self.loss!r}; choose one of {', '.join(REGRESSION_LOSSES)}"
            )
        if given is not None:
            return given
        return losses.huber(delta=self.delta) if key == "huber" else losses.get(key)

    def _loss(self, output: Any, target: np.ndarray) -> Any:
        return self._loss_function()(target, output)

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
    """A network for class labels: softmax output, fused and stable cross-entropy loss.

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

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on ``X`` and class labels ``y`` (two or more classes); returns the model.

        ``X`` and ``y`` may be Dask collections: training then runs where their
        partitions live (see :mod:`steepest.optim.distributed`).
        """
        if is_lazy(X) or is_lazy(y):
            self._fit_lazy(X, y, classes=True)
            return self
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
