"""Activations and losses for networks, written with NumPy on tensors.

Each function works on plain arrays and on :class:`~steepest.Tensor`
values alike, and differentiates through the engine unchanged.  They are
written to stay finite where the textbook formula overflows: ``softplus``
is ``logaddexp(0, x)`` rather than ``log(1 + exp(x))``, ``sigmoid`` is
``exp(-softplus(-x))``, and cross-entropy shifts the logits by their maximum
before exponentiating.

>>> import numpy as np
>>> float(softplus(np.array(1000.0))), round(float(softplus(np.array(-1.43))), 4)
(1000.0, 0.2146)
>>> float(sigmoid(np.array(-800.0))), float(sigmoid(np.array(800.0)))
(0.0, 1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest.autodiff import Tensor
from steepest.autodiff import primitives as _primitives
from steepest.errors import DataError


def _data(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def linear(x: Any, weight: Any, bias: Any = None) -> Any:
    """``x @ weight.T + bias``, a fully connected layer, as one operation (PyTorch's ``F.linear``).

    ``weight`` has shape ``(out, in)``, ``bias`` (optional) ``(out,)``.  It
    records one node instead of a transpose, a product and a sum; the values
    are those of the expression written out, the gradients too up to the
    rounding of the matrix products, and the weight's gradient comes in the
    weight's own memory layout (C-ordered for a C-ordered weight), so that an
    update ``w.data -= rate * w.grad`` reads both arrays in the same order.

    >>> import numpy as np, steepest as st
    >>> w = st.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> out = linear(np.array([[1.0, 1.0]]), w, np.array([0.5, -0.5]))
    >>> out.data
    array([[3.5, 6.5]])
    >>> out.sum().backward(); w.grad
    array([[1., 1.],
           [1., 1.]])
    """
    return _primitives.linear_fn(x, weight, bias)


def softplus(x: Any) -> Any:
    """``ln(1 + e^x)``, computed as ``logaddexp(0, x)`` so large inputs do not overflow.

    Its derivative is the sigmoid.

    >>> import numpy as np, steepest as st
    >>> round(float(softplus(np.array(0.57))), 4)
    1.0182
    >>> float(st.grad(lambda v: softplus(v))(0.0))
    0.5
    """
    return np.logaddexp(0.0, x)


def relu(x: Any) -> Any:
    """``max(x, 0)``; its derivative is taken as 1/2 at 0 (``np.maximum`` splits ties).

    >>> import steepest as st
    >>> st.grad(lambda v: relu(v))(0.0)
    0.5

    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    if isinstance(x, Tensor):
        # The primitive np.maximum reaches, without NumPy's search for an override.
        return _primitives.apply(_primitives.maximum, (x, 0.0), {})
    return np.maximum(x, 0.0)


def sigmoid(x: Any) -> Any:
    """The logistic function ``1 / (1 + e^-x)``, computed as ``exp(-softplus(-x))``.

    Written this way it never overflows and keeps its relative precision far
    into both tails (``sigmoid(-700)`` is about ``1e-304``, not 0).

    >>> sigmoid(np.array([0.0, 2.0])).round(6)
    array([0.5     , 0.880797])
    >>> float(sigmoid(np.array(-700.0)))
    9.859676543759...e-305
    """
    return np.exp(-np.logaddexp(0.0, -x))


def tanh(x: Any) -> Any:
    """The hyperbolic tangent.

    >>> float(tanh(np.array(0.0)))
    0.0
    """
    return np.tanh(x)


def identity(x: Any) -> Any:
    """``x`` itself (the output layer of a regression network).

    >>> identity(3.0)
    3.0
    """
    return x


ACTIVATIONS = {
    "softplus": softplus,
    "relu": relu,
    "sigmoid": sigmoid,
    "logistic": sigmoid,
    "tanh": tanh,
    "identity": identity,
    "linear": identity,
}


def one_hot(labels: Any, classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Rows of zeros with a 1 in each label's column.

    >>> one_hot(np.array([0, 2]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size and (labels.min() < 0 or labels.max() >= classes)):
        raise DataError(f"labels must be a 1-d array of integers 0..{classes - 1}")
    encoded = np.zeros((labels.size, classes), dtype=dtype)
    encoded[np.arange(labels.size), labels.astype(np.intp)] = 1.0
    return encoded


def log_softmax(logits: Any) -> Any:
    """``logits - logsumexp(logits)`` along the last axis, shifted by the row maximum.

    The shift is a constant as far as the derivative goes: log-softmax does
    not change when the same number is added to every logit of a row.

    >>> log_softmax(np.array([[1000.0, 1000.0]])).round(6)
    array([[-0.693147, -0.693147]])
    """
    shift = np.max(_data(logits), axis=-1, keepdims=True)
    shifted = logits - shift
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(logits: Any) -> Any:
    """Class probabilities from logits: ``exp(log_softmax(logits))``; rows sum to 1.

    >>> softmax(np.array([[0.0, np.log(3.0)]])).round(6)
    array([[0.25, 0.75]])
    """
    return np.exp(log_softmax(logits))


def softmax_cross_entropy(logits: Any, labels: Any) -> Any:
    """Mean cross-entropy of integer ``labels`` under ``softmax(logits)``, fused and stable.

    ``mean(logsumexp(z) - z[label])`` with the row maximum subtracted first,
    so huge logits give finite losses; the gradient with respect to the
    logits is ``(softmax(z) - one_hot(labels)) / n``.  It is one primitive
    (one node of the graph, its gradient in closed form), not a dozen.
    ``labels`` may also be an ``(n, k)`` array of target probabilities, such
    as one-hot rows.

    >>> import numpy as np, steepest as st
    >>> z = np.array([[2.0, 0.5, -1.0], [1000.0, 0.0, 0.0]])
    >>> round(float(softmax_cross_entropy(z, np.array([0, 1]))), 6)
    500.120656
    >>> g = st.grad(lambda z: softmax_cross_entropy(z, np.array([0, 1])))(z)
    >>> bool(np.allclose(g, (softmax(z) - one_hot(np.array([0, 1]), 3)) / 2))
    True
    >>> softmax_cross_entropy(z, np.array([0, 3]))
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: labels must be 2 class labels (integers 0..2) ...
    """
    # Reached through the module: a recorded gradient checks the functions a loss
    # calls, and the primitive object inside the wrapper is not one it can check.
    return _primitives.softmax_cross_entropy_fn(logits, labels)


def binary_cross_entropy_with_logits(logits: Any, labels: Any) -> Any:
    """Mean log-loss of 0/1 ``labels`` under ``sigmoid(logits)``, without forming probabilities.

    ``mean(logaddexp(0, z) - y z)``: the same number as ``log_loss(y, sigmoid(z))``
    but finite for any ``z``; its gradient in ``z`` is ``(sigmoid(z) - y) / n``.

    >>> round(float(binary_cross_entropy_with_logits(np.array([2.0, -1.0]), np.array([1, 0]))), 6)
    0.220095
    """
    labels = np.asarray(labels, dtype=_data(logits).dtype)
    return np.mean(np.logaddexp(0.0, logits) - labels * logits)


__all__ = [
    "ACTIVATIONS",
    "binary_cross_entropy_with_logits",
    "identity",
    "linear",
    "log_softmax",
    "one_hot",
    "relu",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "softplus",
    "tanh",
]
