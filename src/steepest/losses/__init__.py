"""Loss functions, written with NumPy so automatic differentiation goes through them.

Each loss is called as ``loss(y_true, y_pred)`` and returns one number.
Each also carries its gradient with respect to ``y_pred`` worked out by
hand, ``loss.grad(y_true, y_pred)``, shaped like ``y_pred`` (for a scalar
prediction such as the constant model's theta, the derivative with respect
to that scalar), so the three ways of differentiating can be compared.

For the constant model of the lessons, ``mse(y, theta)`` is
``mean((y - theta)^2)`` and its derivative in theta is
``-(2/n) sum(y - theta)``:

>>> import numpy as np, steepest as st
>>> y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
>>> round(float(st.losses.mse.grad(y, 12.0)), 10)
-5.32
>>> round(float(st.grad(lambda theta: st.losses.mse(y, theta))(12.0)), 10)
-5.32
>>> st.losses.huber(delta=1)
huber(delta=1)

``mse``, ``mae``, ``huber`` and ``ssr`` depend only on ``y_true - y_pred``
through its square or absolute value, so they can be passed straight to
``steepest.minimize(loss, theta0, data=y)``, which calls ``loss(theta, y)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.errors import DataError

EPS = 1e-12


def _plain(values: Any) -> Any:
    """Data given as pandas objects or lists become arrays; traced values pass through."""
    if hasattr(values, "to_numpy"):
        return values.to_numpy(dtype=float)
    if isinstance(values, list | tuple):
        return np.asarray(values, dtype=float)
    return values


def _reduce_to(grad: np.ndarray, y_pred: Any) -> Any:
    """Sum a broadcast gradient back to the shape of ``y_pred`` (a float for a scalar)."""
    shape = np.shape(y_pred)
    if grad.shape == shape:
        return grad if shape else float(grad)
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra > 0 else grad
    axes = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return float(grad) if not shape else grad.reshape(shape)


class Loss:
    """A loss ``loss(y_true, y_pred)`` with its analytic gradient ``.grad(y_true, y_pred)``."""

    def __init__(
        self,
        name: str,
        value: Callable[[Any, Any], Any],
        gradient: Callable[[np.ndarray, np.ndarray], np.ndarray],
        doc: str,
    ) -> None:
        self.name = name
        self._value = value
        self._gradient = gradient
        self.__doc__ = doc

    def __call__(self, y_true: Any, y_pred: Any) -> Any:
        return self._value(_plain(y_true), _plain(y_pred))

    def grad(self, y_true: Any, y_pred: Any) -> Any:
        """Derivative of the loss with respect to ``y_pred``, worked out by hand."""
        y_true = np.asarray(_plain(y_true), dtype=float)
        y_pred_array = np.asarray(_plain(y_pred), dtype=float)
        full = np.broadcast_to(y_pred_array, np.broadcast_shapes(y_true.shape, y_pred_array.shape))
        truth = np.broadcast_to(y_true, full.shape)
        return _reduce_to(np.asarray(self._gradient(truth, full), dtype=float), y_pred_array)

    gradient = grad

    def __repr__(self) -> str:
        return self.name


def _mse(y_true: Any, y_pred: Any) -> Any:
    return np.mean((y_true - y_pred) ** 2)


def _mse_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return -2.0 * (y_true - y_pred) / y_true.size


mse = Loss(
    "mse",
    _mse,
    _mse_grad,
    """Mean squared error ``mean((y_true - y_pred)^2)``; minimized by the mean.

    >>> import numpy as np
    >>> y = np.array([12, 13, 15, 16, 17.0])
    >>> float(mse(y, 14.6))
    3.44
    """,
)


def _mae(y_true: Any, y_pred: Any) -> Any:
    return np.mean(np.abs(y_true - y_pred))


def _mae_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return -np.sign(y_true - y_pred) / y_true.size


mae = Loss(
    "mae",
    _mae,
    _mae_grad,
    """Mean absolute error ``mean(|y_true - y_pred|)``; minimized by the median.

    Its gradient, ``-(1/n) sign(y_true - y_pred)``, uses 0 where a residual is 0.

    >>> import numpy as np
    >>> float(mae(np.array([12, 13, 15, 16, 17.0]), 15.0))
    1.6
    """,
)


def _ssr(y_true: Any, y_pred: Any) -> Any:
    return np.sum((y_true - y_pred) ** 2)


def _ssr_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return -2.0 * (y_true - y_pred)


ssr = Loss(
    "ssr",
    _ssr,
    _ssr_grad,
    """Sum of squared residuals ``sum((y_true - y_pred)^2)``, as in the backpropagation lesson.

    >>> import numpy as np
    >>> round(float(ssr(np.array([0, 1, 0.0]), np.array([-2.60, -1.61, -2.61]))), 1)
    20.4
    """,
)


class huber(Loss):
    """Huber loss with threshold ``delta``: quadratic near 0, linear beyond.

    ``mean(0.5 r^2 if |r| <= delta else delta (|r| - delta/2))`` with
    ``r = y_true - y_pred``; its gradient is ``-(1/n) r`` inside the threshold
    and ``-(delta/n) sign(r)`` outside.

    >>> import numpy as np
    >>> y = np.array([12, 13, 15, 16, 17.0])
    >>> float(huber(1)(y, 15.0))
    1.2
    >>> float(huber(1).grad(y, 15.0))
    0.0
    """

    def __init__(self, delta: float = 1.0) -> None:
        if not delta > 0:
            raise DataError(f"huber's delta must be positive, not {delta!r}")
        self.delta = float(delta)
        super().__init__(
            f"huber(delta={delta:g})", self._huber_value, self._huber_grad, type(self).__doc__ or ""
        )

    def _huber_value(self, y_true: Any, y_pred: Any) -> Any:
        residual = y_true - y_pred
        size = np.abs(residual)
        delta = self.delta
        return np.mean(np.where(size <= delta, 0.5 * residual**2, delta * (size - 0.5 * delta)))

    def _huber_grad(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        residual = y_true - y_pred
        inside = np.abs(residual) <= self.delta
        return -np.where(inside, residual, self.delta * np.sign(residual)) / y_true.size


def _log_loss(y_true: Any, y_pred: Any) -> Any:
    p = np.clip(y_pred, EPS, 1.0 - EPS)
    return -np.mean(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p))


def _log_loss_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    p = np.clip(y_pred, EPS, 1.0 - EPS)
    return (p - y_true) / (p * (1.0 - p)) / y_true.size


log_loss = Loss(
    "log_loss",
    _log_loss,
    _log_loss_grad,
    """Binary cross-entropy ``-mean(y log p + (1 - y) log(1 - p))`` for probabilities ``p``.

    Probabilities are clipped to ``[1e-12, 1 - 1e-12]`` so a confident
    mistake costs a large, finite amount.

    >>> import numpy as np
    >>> round(float(log_loss(np.array([1, 0]), np.array([0.8, 0.4]))), 6)
    0.367003
    """,
)


def _one_hot(y_true: Any, classes: int) -> np.ndarray:
    labels = np.asarray(y_true)
    if labels.ndim == 2:
        return labels.astype(float)
    if labels.ndim != 1 or not np.all(np.equal(np.mod(labels, 1), 0)):
        raise DataError("cross_entropy needs class labels 0..k-1 or a one-hot (n, k) array")
    if labels.min() < 0 or labels.max() >= classes:
        raise DataError(f"class labels must lie in 0..{classes - 1} for {classes} columns")
    return np.eye(classes)[labels.astype(int)]


def _cross_entropy(y_true: Any, y_pred: Any) -> Any:
    target = _one_hot(y_true, np.shape(y_pred)[-1])
    p = np.clip(y_pred, EPS, 1.0)
    return -np.mean(np.sum(target * np.log(p), axis=-1))


def _cross_entropy_grad(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    target = _one_hot(y_true, y_pred.shape[-1])
    p = np.clip(y_pred, EPS, 1.0)
    return -target / p / y_pred.shape[0]


class _CrossEntropy(Loss):
    def grad(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = np.asarray(_plain(y_pred), dtype=float)
        return self._gradient(np.asarray(_plain(y_true)), y_pred)

    gradient = grad


cross_entropy = _CrossEntropy(
    "cross_entropy",
    _cross_entropy,
    _cross_entropy_grad,
    """Categorical cross-entropy ``-mean(sum_k y_k log p_k)`` for rows of class probabilities.

    ``y_true`` holds class labels ``0..k-1`` or one-hot rows; ``y_pred`` is
    ``(n, k)`` with rows summing to 1.

    >>> import numpy as np
    >>> p = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    >>> round(float(cross_entropy(np.array([0, 1]), p)), 6)
    0.289909
    """,
)

LOSSES: dict[str, Loss | Callable[..., Loss]] = {
    "mse": mse,
    "mae": mae,
    "huber": huber(),
    "ssr": ssr,
    "log_loss": log_loss,
    "cross_entropy": cross_entropy,
}


def get(name: str | Loss) -> Loss:
    """A loss by name (``"mse"``, ``"huber"``...) or the loss itself.

    >>> get("mae")
    mae
    >>> get("hinge")
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: unknown loss 'hinge'; choose one of mse, mae, huber, ssr, ...
    """
    if isinstance(name, Loss):
        return name
    key = str(name).strip().lower().replace("-", "_")
    if key not in LOSSES:
        raise DataError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
    loss = LOSSES[key]
    return loss if isinstance(loss, Loss) else loss()


def names() -> list[str]:
    """The names :func:`get` accepts.

    >>> names()
    ['mse', 'mae', 'huber', 'ssr', 'log_loss', 'cross_entropy']
    """
    return list(LOSSES)


__all__ = ["Loss", "cross_entropy", "get", "huber", "log_loss", "mae", "mse", "names", "ssr"]
