"""What every model shares: scikit-learn's estimator conventions, without scikit-learn.

The conventions are small and kept exactly, so models work inside
scikit-learn's ``clone``, ``Pipeline`` and ``GridSearchCV``:

- ``__init__`` only stores its arguments, under the same names;
- ``get_params()`` reads them back by looking at ``__init__``'s signature,
  ``set_params(**params)`` sets them (``step__param`` reaches into a
  parameter that is itself an estimator);
- ``fit(X, y)`` returns the model and sets the learned state, whose names
  end in ``_`` (``coef_``, ``intercept_``, ``history_``, ``n_iter_``...);
- ``score(X, y)`` is R^2 for regression and accuracy for classification.

>>> import steepest as st
>>> model = st.models.LinearRegression(solver="gd", lr=0.05)
>>> model.get_params()["lr"]
0.05
>>> model.set_params(lr=0.1)
LinearRegression(lr=0.1, solver='gd')
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from steepest.errors import DataError


class BaseModel:
    """Parameter handling, printing and input checks shared by all models."""

    _estimator_type: str | None = None

    @classmethod
    def _parameters(cls) -> dict[str, Any]:
        """Constructor parameters and their defaults.

        An ``__init__`` that passes ``**settings`` on to its parent's shares the
        parent's parameters (and their one definition); the nearest default wins.
        """
        found: dict[str, Any] = {}
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None or init is object.__init__:
                continue
            params = inspect.signature(init).parameters.values()
            for p in params:
                if p.kind == p.VAR_POSITIONAL:
                    raise TypeError(f"{klass.__name__}.__init__ must not take *args")
                if p.name != "self" and p.kind != p.VAR_KEYWORD:
                    found.setdefault(p.name, p.default)
            if not any(p.kind == p.VAR_KEYWORD for p in params):
                break
        return found

    @classmethod
    def _param_names(cls) -> list[str]:
        return sorted(cls._parameters())

    def _keep(self, given: dict[str, Any]) -> None:
        """Store the constructor's parameters unchanged (scikit-learn's rule for ``__init__``);
        called as ``self._keep(locals())``."""
        names = self._parameters()
        for name, value in given.items():
            if name in names:
                setattr(self, name, value)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments by name (``deep``: also those of nested estimators)."""
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for key, inner in value.get_params().items():
                    out[f"{name}__{key}"] = inner
            out[name] = value
        return out

    def set_params(self, **params: Any) -> BaseModel:
        """Set constructor arguments by name; returns the model."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, inner = key.partition("__")
            if name not in valid:
                raise DataError(
                    f"{type(self).__name__} has no parameter {name!r}; "
                    f"its parameters are {', '.join(self._param_names())}"
                )
            if inner:
                nested.setdefault(name, {})[inner] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, inner_params in nested.items():
            valid[name].set_params(**inner_params)
        return self

    def __repr__(self) -> str:
        changed = []
        for name, default in sorted(self._parameters().items()):
            value = getattr(self, name)
            if not _same(value, default):
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def _repr_html_(self) -> str:
        from steepest.display import box, line_chart, summary

        settings = [
            (name, repr(getattr(self, name)))
            for name, default in sorted(self._parameters().items())
            if not _same(getattr(self, name), default)
        ]
        parts = [summary(settings or [("settings", "the defaults")])]
        fitted = [
            (name, value)
            for name, value in sorted(vars(self).items())
            if name.endswith("_") and not name.startswith("_") and name != "history_"
            and _shown_number(value)
        ]  # fmt: skip
        history = getattr(self, "history_", None)
        if history is not None and "loss" in getattr(history, "columns", ()):
            losses = np.asarray(history["loss"], dtype=float)
            if losses.size:
                fitted.append(("final training loss", float(losses[-1])))
            if losses.size > 1:
                parts.append(line_chart(losses, title="training loss", x_label="row of history_",
                                        y_label="loss"))  # fmt: skip
        if fitted:
            parts.insert(1, summary(fitted, digits=6))
        else:
            parts.append(summary([("fitted", "not yet: call fit(X, y)")]))
        return box(type(self).__name__, *parts)

    def __sklearn_tags__(self) -> Any:
        # Called only by scikit-learn itself, so importing it here adds no dependency.
        from sklearn.utils import ClassifierTags, RegressorTags, Tags, TargetTags

        is_classifier = self._estimator_type == "classifier"
        return Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=True),
            transformer_tags=None,
            regressor_tags=RegressorTags() if self._estimator_type == "regressor" else None,
            classifier_tags=ClassifierTags() if is_classifier else None,
        )

    # -- state checks ------------------------------------------------------------------------
    def _check_fitted(self, attribute: str = "n_features_in_") -> None:
        if not hasattr(self, attribute):
            raise DataError(
                f"this {type(self).__name__} is not fitted yet: call fit(X, y) before using it"
            )

    def _set_features(self, count: int, names: list[str] | None) -> None:
        """Record the number of features seen in ``fit`` and their names (when strings)."""
        self.n_features_in_ = count
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _validate_X(self, X: Any, *, fitting: bool) -> np.ndarray:
        names = _column_names(X)
        array = as_matrix(X)
        if fitting:
            self._set_features(array.shape[1], names)
        else:
            self._check_fitted()
            if array.shape[1] != self.n_features_in_:
                raise DataError(
                    f"X has {array.shape[1]} feature(s) but {type(self).__name__} was fitted "
                    f"with {self.n_features_in_}"
                )
        return array


class DescentModel(BaseModel):
    """The settings of a model learned by descent, defined once for every such model.

    solver : "gd" (full batch), "sgd" (one row per step), "minibatch"
        (``batch_size`` rows, 32 unless given), an optimizer name ("adam",
        "lbfgs"...) or an update rule of :mod:`steepest.optim`
    lr : learning rate (a number or a schedule of the step number); None lets
        the model choose
    epochs, max_iter : limit on steps (full batch) or epochs (over batches);
        either name
    batch_size : rows per step (None: the solver's own choice)
    tol : stop when a step moves the parameters less than this
    seed : seed of the shuffling
    verbose : a progress bar on stderr while training (per epoch over
        batches, per step in full batch): False (the default) never, True
        always, None when stderr is a terminal
    """

    def __init__(
        self,
        *,
        solver: Any = "auto",
        lr: Any = None,
        epochs: int | None = None,
        max_iter: int | None = None,
        batch_size: int | None = None,
        tol: float | None = None,
        seed: Any = None,
        verbose: bool | None = False,
    ) -> None:
        self._keep(locals())


def _same(value: Any, default: Any) -> bool:
    if value is default:
        return True
    try:
        return bool(value == default) and type(value) is type(default)
    except (TypeError, ValueError):
        return False


def _column_names(X: Any) -> list[str] | None:
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    names = [str(c) for c in columns]
    return names if all(isinstance(c, str) for c in columns) else None


def as_matrix(X: Any) -> np.ndarray:
    """Features as a finite 2-d float array (one column for 1-d input).

    >>> as_matrix([1, 2, 3]).shape
    (3, 1)
    >>> as_matrix([[1.0, float("nan")]])
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: X has 1 missing or infinite value(s) (first at row 0, column 1)
    """
    try:
        array = real_array(X.to_numpy() if hasattr(X, "to_numpy") else X, "X")
    except (TypeError, ValueError) as error:
        if isinstance(error, DataError):
            raise
        raise DataError("X must hold numbers only (encode text columns as numbers first)") from None
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise DataError(f"X must be a 2-d array (samples, features), not {array.ndim}-d")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise DataError(f"X is empty (shape {array.shape})")
    _check_finite(array, "X")
    return array


def as_target(y: Any, n_samples: int) -> np.ndarray:
    """A finite 1-d float target with one value per sample.

    >>> as_target([[1.0], [2.0]], 2)
    array([1., 2.])
    """
    try:
        array = real_array(_one_per_sample(y, n_samples, "value"), "y")
    except (TypeError, ValueError) as error:
        if isinstance(error, DataError):
            raise
        raise DataError("y must hold numbers only") from None
    if not array.size:
        raise DataError("y is empty: there is nothing to fit")
    _check_finite(array, "y")
    return array


def real_array(values: Any, what: str) -> np.ndarray:
    """``values`` as float64, refusing complex numbers (a cast would drop their imaginary
    parts in silence, NumPy's warning aside).

    >>> real_array([1 + 2j], "X")
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: X holds complex numbers (such as (1+2j)); the models fit real ...
    """
    array = np.asarray(values)
    # Python objects: complex ones among them would be dropped the same way.
    if array.dtype.kind == "O" and any(
        isinstance(v, complex | np.complexfloating) for v in array.flat
    ):
        array = array.astype(complex)
    if array.dtype.kind == "c":
        imaginary = array.imag.reshape(-1) != 0
        if not imaginary.any():  # the real part is all there is
            return np.asarray(array.real, dtype=np.float64)
        example = array.flat[int(np.argmax(imaginary))]
        raise DataError(
            f"{what} holds complex numbers (such as {example}); the models fit real numbers: "
            f"pass the real part ({what}.real), or the real and imaginary parts as columns of "
            f"their own"
        )
    return np.asarray(array, dtype=np.float64)


def as_labels(y: Any, n_samples: int) -> np.ndarray:
    """Class labels as a 1-d array with one label per sample (any hashable, sortable kind).

    >>> as_labels([0.0, 1.0, 1.0], 3)
    array([0., 1., 1.])
    >>> as_labels([0.2, 1.7, 1.0], 3)
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: y holds numbers that are not whole (such as 0.2)...
    """
    array = _one_per_sample(y, n_samples, "label")
    if array.dtype.kind == "f":
        _check_finite(array, "y", labels=True)
    elif array.dtype.kind == "O" and any(v is None for v in array):
        raise DataError("y has missing labels")
    check_not_continuous(array)
    if array.dtype.kind == "O":
        try:
            np.unique(array)  # the classes are the sorted distinct labels
        except TypeError:
            kinds = sorted({type(v).__name__ for v in array})
            raise DataError(
                f"y mixes labels of kinds that cannot be put in order ({', '.join(kinds)}): "
                f"make them all text (y.astype(str)) or all numbers; a missing label (nan) "
                f"among text is one such mix"
            ) from None
    return array


def check_not_continuous(labels: np.ndarray, where: str = "") -> None:
    """Refuse class labels that are numbers with a fractional part, as scikit-learn does.

    Such a ``y`` is a quantity to predict: taken as labels, every distinct
    value would become a class of its own.

    >>> check_not_continuous(np.array([1.0, 2.0, 1.0]))
    >>> check_not_continuous(np.array([0.5, 2.0]), " in partition 3")
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: y holds numbers that are not whole (such as 0.5) in partition 3...
    """
    if labels.dtype.kind not in "fc" or not labels.size:
        return
    fractional = labels[labels != np.round(labels)]
    if fractional.size:
        raise DataError(
            f"y holds numbers that are not whole (such as {fractional[0]:g}){where}, values "
            f"to predict rather than class labels: a classifier takes integers, text or "
            f"booleans; for numbers use a regression model, or put y into classes first "
            f"(np.digitize)"
        )


def _one_per_sample(y: Any, n_samples: int, what: str, dtype: Any = None) -> np.ndarray:
    """``y`` as a 1-d array (a one-column 2-d one is flattened) with ``n_samples`` entries."""
    array = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y, dtype=dtype)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise DataError(f"y must be 1-d (one {what} per sample), not shape {array.shape}")
    if array.shape[0] != n_samples:
        raise DataError(f"X has {n_samples} rows but y has {array.shape[0]} {what}s")
    return array


# Squares of larger values (sums of squares, variances, losses) overflow double precision.
LARGEST_VALUE = 1e150


def _check_finite(array: np.ndarray, what: str, labels: bool = False) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        where = np.argwhere(bad)[0]
        place = f"row {where[0]}" + (f", column {where[1]}" if array.ndim == 2 else "")
        raise DataError(
            f"{what} has {int(bad.sum())} missing or infinite value(s) (first at {place})"
        )
    largest = float(np.max(np.abs(array))) if array.size and not labels else 0.0
    if largest > LARGEST_VALUE:
        raise DataError(
            f"{what} has values as large as {largest:.3g}, whose squares overflow double "
            f"precision; rescale it (divide by a power of ten) and scale the answer back"
        )


def r2_score(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot``.

    >>> r2_score(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]))
    1.0
    """
    residual = float(np.sum((y_true - y_pred) ** 2))
    total = float(np.sum((y_true - np.mean(y_true)) ** 2))
    if total == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / total


class RegressorMixin:
    """``score`` is R^2."""

    _estimator_type = "regressor"

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """R^2 of the predictions on ``X`` against ``y`` (1 is perfect, 0 is the mean's score)."""
        prediction = np.asarray(self.predict(X), dtype=float)  # type: ignore[attr-defined]
        if prediction.ndim == 2:  # several outputs: the mean of their R^2
            truth_2d = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y, dtype=float)
            truth_2d = truth_2d.reshape(prediction.shape)
            return float(
                np.mean(
                    [r2_score(truth_2d[:, j], prediction[:, j]) for j in range(prediction.shape[1])]
                )
            )
        truth = as_target(y, prediction.shape[0])
        if sample_weight is not None:
            w = sample_weights(sample_weight, truth.shape[0])
            mean = np.average(truth, weights=w)
            residual = float(np.sum(w * (truth - prediction) ** 2))
            total = float(np.sum(w * (truth - mean) ** 2))
            return 1.0 - residual / total if total else float(residual == 0.0)
        return r2_score(truth, prediction)


class ClassifierMixin:
    """``score`` is accuracy."""

    _estimator_type = "classifier"

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The fraction of samples of ``X`` whose predicted class is their label in ``y``."""
        prediction = np.asarray(self.predict(X))  # type: ignore[attr-defined]
        truth = as_labels(y, prediction.shape[0])
        hits = (prediction == truth).astype(float)
        if sample_weight is not None:
            return float(np.average(hits, weights=sample_weights(sample_weight, hits.shape[0])))
        return float(hits.mean())


def sample_weights(weights: Any, n_samples: int) -> np.ndarray:
    """Weights of the samples for a score: one finite number >= 0 per sample, not all 0.

    >>> sample_weights([0, 0], 2)
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: sample_weight is 0 for every sample: a weighted score needs ...
    """
    w = _one_per_sample(weights, n_samples, "weight", dtype=np.float64)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise DataError("sample_weight must hold finite numbers >= 0, one per sample")
    if not np.any(w > 0):
        raise DataError(
            "sample_weight is 0 for every sample: a weighted score needs some weight"
        )
    return w



def _shown_number(value: Any) -> bool:
    """Whether a fitted attribute is a number or a small array worth showing."""
    if isinstance(value, bool | int | float | np.number):
        return True
    return isinstance(value, np.ndarray) and value.size <= 12 and value.dtype.kind in "fiub"

__all__ = [
    "BaseModel",
    "ClassifierMixin",
    "DescentModel",
    "RegressorMixin",
    "as_labels",
    "as_matrix",
    "as_target",
    "check_not_continuous",
    "r2_score",
    "real_array",
    "sample_weights",
]
