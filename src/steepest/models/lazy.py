"""Models over Dask data: the checks, the column statistics and the design, partition by partition.

A model given a Dask array, DataFrame or Series as ``X`` and ``y`` trains
by the same path as in memory (:func:`steepest.models.descent.fit_linear`
and the one descent loop); what needs all of the data at once is computed
here where the partitions live, in one pass each:

1. :func:`summarize` checks every partition (a text or missing value names
   its column and partition) and combines the column means and spreads
   (Chan's pairwise update), the target's, or the set of class labels;
2. :func:`design` maps each partition to the standardized design ``Z``
   (a column of ones first) and target ``t``, lazily;
3. :func:`moments` gives ``Z^T Z / n`` and the mean squared row norm, from
   which the rate is chosen exactly as in memory.

>>> import numpy as np, dask.array as da
>>> X = da.from_array(np.arange(8.0).reshape(4, 2), chunks=(3, 2))
>>> y = da.from_array(np.array([1.0, 2.0, 3.0, 4.0]), chunks=3)
>>> summary = summarize(X, y, labels=False)
>>> summary.rows, summary.mean.tolist(), summary.spread.round(4).tolist()
(4, [3.0, 4.0], [2.2361, 2.2361])
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from steepest.errors import DataError
from steepest.models.base import LARGEST_VALUE, check_not_continuous
from steepest.optim.distributed import Partitions


class Summary(NamedTuple):
    """What a model needs to know of all of its Dask data before descent."""

    partitions: Partitions
    rows: int
    names: list[str] | None
    mean: np.ndarray
    spread: np.ndarray
    y_mean: float
    y_spread: float
    classes: np.ndarray | None


def summarize(X: Any, y: Any, *, labels: bool, center: bool = True,
              y_center: bool = True) -> Summary:
    """Check every partition of ``(X, y)`` and combine their column statistics in one pass.

    ``mean`` and ``spread`` are as :func:`steepest.models.linear.location_and_spread`
    gives in memory (no centring: zero means and root mean squares).
    ``labels``: ``y`` holds classes (their sorted set is ``classes``).
    """
    if y is None:
        raise DataError("y is required to fit this model")
    partitions = Partitions((X, y))
    names = Partitions(X).names
    pieces = partitions.each(_described, labels, names)
    for piece in pieces:  # the first bad partition in order, whichever was read first
        if "error" in piece:
            raise DataError(piece["error"])
    rows = sum(piece["rows"] for piece in pieces)
    if rows == 0:
        raise DataError("X is empty (its partitions have no rows)")
    widths = {piece["mean"].size for piece in pieces if piece["rows"]}
    if len(widths) != 1:
        raise DataError(f"the partitions of X have different numbers of columns: {sorted(widths)}")
    mean, m2 = _chan([(p["rows"], p["mean"], p["m2"]) for p in pieces if p["rows"]])
    spread = np.sqrt(m2 / rows if center else m2 / rows + mean**2)
    classes = y_mean = y_spread = None
    if labels:
        classes = np.unique(np.concatenate([piece["classes"] for piece in pieces]))
    else:
        y_mean, y_m2 = _chan([(p["rows"], p["y_mean"], p["y_m2"]) for p in pieces if p["rows"]])
        y_spread = float(np.sqrt(y_m2 / rows if y_center else y_m2 / rows + y_mean**2))
    return Summary(partitions, rows, names, mean if center else np.zeros_like(mean), spread,
                   float(y_mean) if y_mean is not None else 0.0, y_spread or 0.0, classes)


def _chan(parts: list[tuple[int, Any, Any]]) -> tuple[Any, Any]:
    """The mean and the sum of squared deviations of all rows from those of each part."""
    rows = sum(n for n, _, _ in parts)
    mean = sum(n * m for n, m, _ in parts) / rows
    m2 = sum(s + n * (m - mean) ** 2 for n, m, s in parts)
    return mean, m2


def _described(part: tuple[Any, Any], index: int, labels: bool,
               names: list[str] | None) -> dict[str, Any]:
    try:
        return _describe(part, index, labels, names)
    except DataError as error:
        return {"error": str(error)}


def _describe(part: tuple[Any, Any], index: int, labels: bool,
              names: list[str] | None) -> dict[str, Any]:
    X, y = part
    matrix = _numbers(X, index, names)
    rows = matrix.shape[0]
    out: dict[str, Any] = {"rows": rows, "mean": np.zeros(matrix.shape[1]),
                           "m2": np.zeros(matrix.shape[1])}
    target = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if target.ndim == 2 and target.shape[1] == 1:
        target = target[:, 0]
    if target.ndim != 1 or target.shape[0] != rows:
        raise DataError(f"y must be 1-d with one value per row of X (partition {index})")
    if rows:
        out["mean"] = matrix.mean(axis=0)
        out["m2"] = ((matrix - out["mean"]) ** 2).sum(axis=0)
    if labels:
        if target.dtype.kind == "O" and any(v is None for v in target):
            raise DataError(f"y has missing labels in partition {index}")
        if target.dtype.kind == "f":
            _finite(target, "y", index, None)
        check_not_continuous(target, f" in partition {index}")
        out["classes"] = np.unique(target)
    else:
        try:
            values = target.astype(np.float64)
        except (TypeError, ValueError):
            raise DataError(f"y must hold numbers only; partition {index} holds text") from None
        _finite(values, "y", index, None)
        out["y_mean"] = float(values.mean()) if rows else 0.0
        out["y_m2"] = float(((values - out["y_mean"]) ** 2).sum()) if rows else 0.0
    return out


def _numbers(X: Any, index: int, names: list[str] | None) -> np.ndarray:
    """A partition of X as a 2-d float array; text or missing values named by column."""
    columns = getattr(X, "columns", None)
    if columns is not None:
        for column in columns:
            kind = X[column].dtype.kind
            if kind not in "biuf":
                raise DataError(
                    f"X column {column!r} holds {'text' if kind in 'OSU' else X[column].dtype} "
                    f"in partition {index}; encode it as numbers first (or leave it out of X)"
                )
    try:
        array = np.asarray(X.to_numpy() if hasattr(X, "to_numpy") else X, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"X must hold numbers only; partition {index} holds text") from None
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise DataError(f"X must be a 2-d array (samples, features), not {array.ndim}-d")
    _finite(array, "X", index, names)
    return array


def _finite(array: np.ndarray, what: str, index: int, names: list[str] | None) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        where = np.argwhere(bad)[0]
        column = ""
        if array.ndim == 2:
            column = f" column {names[where[1]]!r}" if names else f" column {where[1]}"
        raise DataError(
            f"{what} has {int(bad.sum())} missing or infinite value(s) in{column} of partition "
            f"{index} (first at row {where[0]} of the partition); nothing is dropped silently: "
            "fill or remove them first"
        )
    if array.size and float(np.max(np.abs(array))) > LARGEST_VALUE:
        raise DataError(
            f"{what} has values whose squares overflow double precision in partition {index}; "
            "rescale it (divide by a power of ten) and scale the answer back"
        )


def design(summary: Summary, *, standardize: bool, intercept: bool, y_shift: float = 0.0,
           y_scale: float = 1.0) -> Partitions:
    """The partitions ``(Z, t)``: ``Z`` the (standardized) features with a column of ones
    first when ``intercept``; ``t`` the rescaled target, or class indices.

    >>> import dask.array as da
    >>> X = da.from_array(np.array([[1.0], [3.0]]), chunks=1)
    >>> y = da.from_array(np.array([2.0, 4.0]), chunks=1)
    >>> parts = design(summarize(X, y, labels=False), standardize=True, intercept=True)
    >>> moments(parts)
    (2, array([[1., 0.],
           [0., 1.]]), 2.0)
    """
    mean = summary.mean if standardize else np.zeros_like(summary.mean)
    scale = np.where(summary.spread > 0, summary.spread, 1.0) if standardize else \
        np.ones_like(summary.mean)
    return summary.partitions.map(_design, mean, scale, intercept, y_shift, y_scale,
                                  summary.classes)


def _design(part: tuple[Any, Any], mean: np.ndarray, scale: np.ndarray, intercept: bool,
            y_shift: float, y_scale: float, classes: np.ndarray | None) -> tuple[Any, Any]:
    X, y = part
    matrix = np.asarray(X.to_numpy() if hasattr(X, "to_numpy") else X, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix.reshape(-1, 1)
    Z = (matrix - mean) / scale
    if intercept:
        Z = np.column_stack([np.ones(Z.shape[0]), Z])
    target = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y).reshape(-1)
    if classes is not None:
        t = np.searchsorted(classes, target)
        return Z, t.astype(float) if classes.size == 2 else t
    return Z, (target.astype(np.float64) - y_shift) / y_scale


def moments(partitions: Partitions) -> tuple[int, np.ndarray, float]:
    """Rows, ``Z^T Z / n`` and the mean of ``|z_i|^2`` over design partitions, in one pass
    (see :func:`design`)."""
    pieces = partitions.each(_gram)
    rows = sum(piece[0] for piece in pieces)
    gram = sum(piece[1] for piece in pieces) / rows
    per_row = sum(piece[2] for piece in pieces) / rows
    return rows, gram, float(per_row)


def _gram(part: tuple[np.ndarray, Any], index: int) -> tuple[int, np.ndarray, float]:
    Z = part[0]
    return Z.shape[0], Z.T @ Z, float(np.sum(Z**2))





def score(model: Any, X: Any, y: Any) -> float:
    """``model.score(X, y)`` over Dask data, partition by partition: R^2 for a regressor,
    accuracy for a classifier, without bringing the data to the client.

    >>> import dask.array as da, steepest as st
    >>> X, y = np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 3.0, 5.0])
    >>> model = st.models.LinearRegression().fit(X, y)
    >>> score(model, da.from_array(X, chunks=2), da.from_array(y, chunks=2))
    1.0
    """
    classifier = getattr(model, "_estimator_type", None) == "classifier"
    pieces = Partitions((X, y)).each(_score_part, model, classifier)
    pieces = [piece for piece in pieces if piece[0]]
    rows = sum(piece[0] for piece in pieces)
    if rows == 0:
        raise DataError("X is empty (its partitions have no rows)")
    if classifier:
        return float(sum(piece[1] for piece in pieces) / rows)
    _, m2 = _chan([(n, mean, spread) for n, mean, spread, _ in pieces])
    residual = float(sum(piece[3] for piece in pieces))
    if m2 == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / float(m2)


def _score_part(part: tuple[Any, Any], index: int, model: Any,
                classifier: bool) -> tuple[Any, ...]:
    X, y = part
    truth = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y).reshape(-1)
    if truth.size == 0:
        return 0, 0.0, 0.0, 0.0
    prediction = np.asarray(model.predict(X)).reshape(-1)
    if classifier:
        return truth.size, float(np.sum(prediction == truth))
    truth = truth.astype(np.float64)
    mean = float(truth.mean())
    return truth.size, mean, float(np.sum((truth - mean) ** 2)), float(
        np.sum((truth - prediction) ** 2))
__all__ = ["Summary", "design", "moments", "score", "summarize"]
