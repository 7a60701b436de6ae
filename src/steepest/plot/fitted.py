"""Pictures of a fitted model: the data with the fitted line, the residuals, the training.

>>> import steepest as st
>>> from steepest.plot.fitted import regression_fit
>>> ads = st.datasets.load("advertising")
>>> model = st.models.LinearRegression().fit(ads[["TV"]], ads["sales"])
>>> fig = regression_fit(model, ads[["TV"]], ads["sales"])
>>> [ax.get_title() for ax in fig.axes]
['data and fitted line', 'residuals']
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from steepest.errors import DataError
from steepest.plot.style import CURVE, HIGHLIGHT, POINT, TANGENT, figure_for, new_grid, styled


def _as_columns(X: Any) -> tuple[np.ndarray, list[str]]:
    names = [str(c) for c in X.columns] if hasattr(X, "columns") else None
    array = np.asarray(X.to_numpy() if hasattr(X, "to_numpy") else X, dtype=float)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    return array, names or [f"x{i}" for i in range(array.shape[1])]


def _is_classifier(model: Any) -> bool:
    return getattr(model, "_estimator_type", None) == "classifier"


@styled
def regression_fit(model: Any, X: Any, y: Any, *, title: str | None = None) -> Figure:
    """Two panels: the data with the model's fit, and what the fit leaves over.

    With one feature the left panel draws the data and the fitted curve
    (for a classifier, the probability of the second class over 0/1 data);
    with several it draws observed against predicted values, where a perfect
    fit lies on the diagonal.  The right panel draws the residuals (observed
    minus predicted) against the predictions for a regression, and the
    training loss by iteration for a classifier.
    """
    array, names = _as_columns(X)
    target_name = str(getattr(y, "name", None) or "y")
    classifier = _is_classifier(model)
    fig, (left, right) = new_grid(1, 2, width=11.0, height=4.3)
    if classifier:
        classes = np.asarray(model.classes_)
        labels = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
        observed = (labels == classes[-1]).astype(float)
    else:
        observed = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y, dtype=float)
    if observed.shape[0] != array.shape[0]:
        raise DataError(f"X has {array.shape[0]} rows but y has {observed.shape[0]}")
    if array.shape[1] == 1:
        _curve(left, model, array, names[0], target_name, observed, classifier)
    elif classifier:
        predicted = model.predict_proba(array)[:, -1]
        left.scatter(predicted, observed, s=18, color=HIGHLIGHT, alpha=0.6, label="data")
        left.axvline(0.5, color=CURVE, linewidth=1.2, label="decision threshold")
        left.set_xlabel(f"predicted P({model.classes_[-1]})")
        left.set_ylabel(f"observed ({target_name} = {model.classes_[-1]})")
        left.legend(frameon=False)
    else:
        predicted = model.predict(array)
        left.scatter(predicted, observed, s=18, color=HIGHLIGHT, alpha=0.8, label="data")
        low, high = float(np.min(predicted)), float(np.max(predicted))
        left.plot([low, high], [low, high], color=CURVE, label="perfect fit")
        left.set_xlabel(f"predicted {target_name}")
        left.set_ylabel(f"observed {target_name}")
        left.legend(frameon=False)
    left.set_title("data and fitted line" if not classifier else "data and fitted probability")
    if classifier:
        training_curve(model, ax=right)
    else:
        predicted = model.predict(array)
        residual = observed - predicted
        right.axhline(0.0, color=CURVE, linewidth=1.2)
        right.vlines(predicted, 0.0, residual, color=TANGENT, alpha=0.4, linewidth=1.0)
        right.scatter(predicted, residual, s=18, color=POINT)
        right.set_xlabel("predicted")
        right.set_ylabel("residual (observed - predicted)")
        right.set_title("residuals")
    if title:
        fig.suptitle(title)
    return fig


def _curve(
    ax: Axes,
    model: Any,
    array: np.ndarray,
    name: str,
    target: str,
    observed: np.ndarray,
    classifier: bool,
) -> None:
    x = array[:, 0]
    grid = np.linspace(float(x.min()), float(x.max()), 200).reshape(-1, 1)
    ax.scatter(x, observed, s=18, color=HIGHLIGHT, alpha=0.8, label="data")
    if classifier:
        ax.plot(
            grid[:, 0],
            model.predict_proba(grid)[:, -1],
            color=CURVE,
            label=f"P({model.classes_[-1]})",
        )
        ax.set_ylabel(f"P({model.classes_[-1]})")
    else:
        ax.plot(grid[:, 0], model.predict(grid), color=CURVE, label="fit")
        fitted = model.predict(array)
        ax.vlines(x, fitted, observed, color=TANGENT, alpha=0.35, linewidth=1.0)
        ax.set_ylabel(target)
    ax.set_xlabel(name)
    ax.legend(frameon=False)


@styled
def training_curve(model: Any, *, ax: Axes | None = None, log: bool | None = None) -> Figure:
    """The training loss of a fitted model by step or epoch (from ``model.history_``).

    >>> import steepest as st
    >>> ads = st.datasets.load("advertising")
    >>> model = st.models.LinearRegression(solver="gd").fit(ads[["TV"]], ads["sales"])
    >>> training_curve(model).axes[0].get_ylabel()
    'training loss'
    """
    history = getattr(model, "history_", None)
    if history is None or len(history) == 0:
        raise DataError("the model has no training history: fit it first")
    fig, ax = figure_for(ax)
    index = "epoch" if "epoch" in history.columns else "iteration"
    loss = np.asarray(history["loss"], dtype=float)
    ax.plot(
        history[index], loss, color=CURVE, marker="o" if len(loss) <= 30 else None, markersize=4
    )
    positive = loss[np.isfinite(loss)]
    if log is None:
        log = bool(positive.size and positive.min() > 0 and positive.max() / positive.min() > 100)
    if log:
        ax.set_yscale("log")
    if "validation_score" in history.columns:
        twin = ax.twinx()
        twin.plot(history[index], history["validation_score"], color=HIGHLIGHT)
        twin.set_ylabel("validation score")
    ax.set_xlabel(index)
    ax.set_ylabel("training loss")
    ax.set_title("training")
    return fig


__all__ = ["regression_fit", "training_curve"]
