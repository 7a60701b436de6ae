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
    """A loss ``loss(y_true, y_pred, **options)`` with what every user of it needs.

    - ``loss(y_true, y_pred)``: the value (one number), written with NumPy so
      automatic differentiation goes through it;
    - ``loss.grad(y_true, y_pred)``: its gradient in ``y_pred``, worked out by hand;
    - ``loss.curvature``: a bound on the second derivative of the loss of one
      row in its prediction (``None`` where there is none: corners), which
      sets the stable learning rate ``2/L`` of the divergence advice;
    - ``loss.weights(y_true, y_pred)``: the per-row second derivatives (a
      Newton step's Hessian is ``Z^T diag(w) Z``), where they exist;
    - ``loss.total``: whether rows are summed (``ssr``) rather than averaged.

    Options (Huber's ``delta``...) are given in the call or bound once:
    ``huber(delta=2)`` is the configured loss, accepted wherever a loss
    name is.
    """

    def __init__(
        self,
        name: str,
        value: Callable[..., Any],
        gradient: Callable[..., np.ndarray],
        doc: str,
        *,
        curvature: float | Callable[..., float | None] | None = None,
        weights: Callable[..., np.ndarray] | None = None,
        total: bool = False,
        defaults: dict[str, Any] | None = None,
        check: Callable[[dict[str, Any]], None] | None = None,
        named_with_options: bool = False,
    ) -> None:
        self.base_name = name
        self._value, self._gradient, self._weights = value, gradient, weights
        self._curvature, self.total = curvature, total
        self.defaults = dict(defaults or {})
        self._check = check
        self.named_with_options = named_with_options
        self.options = dict(self.defaults)
        self.__doc__ = doc

    # -- configuring ---------------------------------------------------------------------------

    def configure(self, **options: Any) -> Loss:
        """The same loss with ``options`` bound (unknown options are refused in words)."""
        merged = self._options(options)
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.options = merged
        return clone

    def _options(self, given: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(given) - set(self.defaults))
        if unknown:
            known = ", ".join(self.defaults) or "none"
            raise DataError(
                f"the {self.base_name} loss has no option {unknown[0]!r} (its options: {known})"
            )
        merged = {**self.options, **given}
        if self._check is not None and given:
            self._check(merged)
        return merged

    def __getattr__(self, name: str) -> Any:
        options = self.__dict__.get("options", {})
        if name in options:
            return options[name]
        raise AttributeError(name)

    @property
    def name(self) -> str:
        """``"log_loss(from_logits=True)"`` for options other than the defaults (every option
        when ``named_with_options``: Huber's threshold is part of its name); else the name."""
        shown = self.options if self.named_with_options else {
            k: v for k, v in self.options.items() if v != self.defaults.get(k)}
        if not shown:
            return self.base_name
        text = ", ".join(f"{k}={v:g}" if _is_number(v) else f"{k}={v!r}" for k, v in shown.items())
        return f"{self.base_name}({text})"

    # -- using ---------------------------------------------------------------------------------

    def __call__(self, *args: Any, **options: Any) -> Any:
        if len(args) == 2:
            y_true, y_pred = args
            return self._value(_plain(y_true), _plain(y_pred), **self._options(options))
        if not args or (len(args) == 1 and _is_number(args[0]) and len(self.defaults) == 1):
            # huber(delta=2), or huber(2): the loss with that option bound.
            positional = dict(zip(self.defaults, args, strict=False))
            return self.configure(**positional, **options)
        raise DataError(
            f"call the {self.base_name} loss as {self.base_name}(y_true, y_pred) "
            f"(or {self.base_name}(option=value) to set its options)"
        )

    def grad(self, y_true: Any, y_pred: Any, **options: Any) -> Any:
        """Derivative of the loss with respect to ``y_pred``, worked out by hand."""
        y_true = np.asarray(_plain(y_true), dtype=float)
        y_pred_array = np.asarray(_plain(y_pred), dtype=float)
        full = np.broadcast_to(y_pred_array, np.broadcast_shapes(y_true.shape, y_pred_array.shape))
        truth = np.broadcast_to(y_true, full.shape)
        gradient = self._gradient(truth, full, **self._options(options))
        return _reduce_to(np.asarray(gradient, dtype=float), y_pred_array)

    gradient = grad

    def evaluate(self, y_true: np.ndarray, y_pred: np.ndarray) -> Any:
        """The value for arrays (no conversions or checks: the hot path of a descent)."""
        return self._value(y_true, y_pred, **self.options)

    def derivative(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """The gradient in ``y_pred`` for arrays of the same shape (no checks: the hot path)."""
        return self._gradient(y_true, y_pred, **self.options)

    @property
    def curvature(self) -> float | None:
        """Bound on d^2 loss / d pred^2 for one row (before averaging); None at corners."""
        curvature = self._curvature
        return curvature(**self.options) if callable(curvature) else curvature

    def weights(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray | None:
        """Per-row second derivatives in the prediction (averaging included), or None."""
        if self._weights is None:
            return None
        return self._weights(y_true, y_pred, **self.options)

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Loss) and other._value is self._value
                and other.options == self.options)

    def __hash__(self) -> int:
        return hash((self.base_name, tuple(sorted(self.options.items()))))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool
    )


def _mean_square_weights(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return np.full(y_true.size, 2.0 / y_true.size)


def _sum_square_weights(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return np.full(y_true.size, 2.0)


def _logistic_curvature(from_logits: bool) -> float | None:
    return 0.25 if from_logits else None  # p (1 - p) <= 1/4; probabilities have no bound


def _softmax_curvature(from_logits: bool) -> float | None:
    return 0.5 if from_logits else None


def _check_from_logits(options: dict[str, Any]) -> None:
    if not isinstance(options["from_logits"], bool | np.bool_):
        raise DataError(f"from_logits must be True or False, not {options['from_logits']!r}")


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
    curvature=2.0,
    weights=_mean_square_weights,
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
    curvature=2.0,
    weights=_sum_square_weights,
    total=True,
)


def _huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Any:
    residual = y_true - y_pred
    size = np.abs(residual)
    return np.mean(np.where(size <= delta, 0.5 * residual**2, delta * (size - 0.5 * delta)))


def _huber_grad(y_true: np.ndarray, y_pred: np.ndarray, delta: float = 1.0) -> np.ndarray:
    residual = y_true - y_pred
    return -np.clip(residual, -delta, delta) / y_true.size


def _huber_weights(y_true: np.ndarray, y_pred: np.ndarray, delta: float = 1.0) -> np.ndarray:
    return (np.abs(y_true - y_pred) <= delta).astype(float) / y_true.size


def _check_delta(options: dict[str, Any]) -> None:
    delta = options["delta"]
    if isinstance(delta, bool) or not isinstance(delta, int | float | np.number) or not delta > 0:
        raise DataError(f"huber's delta must be positive, not {delta!r}")
    options["delta"] = float(delta)


huber = Loss(
    "huber",
    _huber,
    _huber_grad,
    """Huber loss with threshold ``delta``: quadratic near 0, linear beyond.

    ``mean(0.5 r^2 if |r| <= delta else delta (|r| - delta/2))`` with
    ``r = y_true - y_pred``; its gradient is ``-(1/n) r`` inside the threshold
    and ``-(delta/n) sign(r)`` outside.  ``huber(y_true, y_pred, delta=1.0)``
    is its value; ``huber(delta=2)`` the loss with that threshold.

    >>> import numpy as np
    >>> y = np.array([12, 13, 15, 16, 17.0])
    >>> float(huber(y, 15.0, delta=1.0)), float(huber(delta=1)(y, 15.0))
    (1.2, 1.2)
    >>> float(huber(delta=1).grad(y, 15.0))
    0.0
    >>> huber(delta=2)
    huber(delta=2)
    """,
    curvature=1.0,
    weights=_huber_weights,
    defaults={"delta": 1.0},
    check=_check_delta,
    named_with_options=True,
)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * z) + 1.0)


def _log_loss(y_true: Any, y_pred: Any, from_logits: bool = False) -> Any:
    if from_logits:  # stable for any logit: log(1 + e^z) - y z
        return np.mean(np.logaddexp(0.0, y_pred) - y_true * y_pred)
    p = np.clip(y_pred, EPS, 1.0 - EPS)
    return -np.mean(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p))


def _log_loss_grad(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool = False):
    if from_logits:
        return (_sigmoid(y_pred) - y_true) / y_true.size
    p = np.clip(y_pred, EPS, 1.0 - EPS)
    return (p - y_true) / (p * (1.0 - p)) / y_true.size


def _log_loss_weights(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool = False):
    if not from_logits:
        return None
    p = _sigmoid(y_pred)
    return p * (1.0 - p) / y_true.size


log_loss = Loss(
    "log_loss",
    _log_loss,
    _log_loss_grad,
    """Binary cross-entropy ``-mean(y log p + (1 - y) log(1 - p))`` for probabilities ``p``.

    Probabilities are clipped to ``[1e-12, 1 - 1e-12]`` so a confident
    mistake costs a large, finite amount.  With ``from_logits=True`` the
    predictions are logits ``z`` (``p = sigmoid(z)``) and the loss
    ``mean(log(1 + e^z) - y z)`` is exact for any ``z``.

    >>> import numpy as np
    >>> round(float(log_loss(np.array([1, 0]), np.array([0.8, 0.4]))), 6)
    0.367003
    >>> round(float(log_loss(np.array([1, 0]), np.log([4.0, 2 / 3]), from_logits=True)), 6)
    0.367003
    """,
    curvature=_logistic_curvature,
    weights=_log_loss_weights,
    defaults={"from_logits": False},
    check=_check_from_logits,
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


def _log_softmax(z: Any) -> Any:
    shifted = z - np.max(np.asarray(getattr(z, "data", z)), axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _cross_entropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> Any:
    target = _one_hot(y_true, np.shape(y_pred)[-1])
    log_p = _log_softmax(y_pred) if from_logits else np.log(np.clip(y_pred, EPS, 1.0))
    return -np.mean(np.sum(target * log_p, axis=-1))


def _cross_entropy_grad(y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool = False):
    target = _one_hot(y_true, y_pred.shape[-1])
    if from_logits:
        return (np.exp(_log_softmax(y_pred)) - target) / y_pred.shape[0]
    p = np.clip(y_pred, EPS, 1.0)
    return -target / p / y_pred.shape[0]


class _CrossEntropy(Loss):
    def grad(self, y_true: Any, y_pred: Any, **options: Any) -> Any:
        y_pred = np.asarray(_plain(y_pred), dtype=float)
        return self._gradient(np.asarray(_plain(y_true)), y_pred, **self._options(options))

    gradient = grad


cross_entropy = _CrossEntropy(
    "cross_entropy",
    _cross_entropy,
    _cross_entropy_grad,
    """Categorical cross-entropy ``-mean(sum_k y_k log p_k)`` for rows of class probabilities.

    ``y_true`` holds class labels ``0..k-1`` or one-hot rows; ``y_pred`` is
    ``(n, k)`` with rows summing to 1, or logits with ``from_logits=True``
    (``p = softmax(z)``, computed stably).

    >>> import numpy as np
    >>> p = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    >>> round(float(cross_entropy(np.array([0, 1]), p)), 6)
    0.289909
    >>> round(float(cross_entropy(np.array([0, 1]), np.log(p), from_logits=True)), 6)
    0.289909
    """,
    curvature=_softmax_curvature,
    defaults={"from_logits": False},
    check=_check_from_logits,
)

LOSSES: dict[str, Loss] = {
    "mse": mse,
    "mae": mae,
    "huber": huber,
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
    return LOSSES[key]


def names() -> list[str]:
    """The names :func:`get` accepts.

    >>> names()
    ['mse', 'mae', 'huber', 'ssr', 'log_loss', 'cross_entropy']
    """
    return list(LOSSES)


__all__ = ["Loss", "cross_entropy", "get", "huber", "log_loss", "mae", "mse", "names", "ssr"]
