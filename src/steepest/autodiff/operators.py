"""Python operators and array methods of :class:`Tensor`.

``x + y``, ``x @ w``, ``x[1:]``, ``x.sum()``... go straight to the primitives,
skipping NumPy's dispatch, which keeps the cost per operation small.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from steepest.autodiff import dispatch as D
from steepest.autodiff import primitives as P
from steepest.autodiff.core import Tensor, apply, mark_value_read


def _binary(prim: P.Primitive):
    def op(self: Tensor, other: Any) -> Any:
        return apply(prim, (self, other), {})

    def rop(self: Tensor, other: Any) -> Any:
        return apply(prim, (other, self), {})

    return op, rop


def _comparison(ufunc: np.ufunc):
    def compare(self: Tensor, other: Any) -> np.ndarray:
        result = ufunc(self.data, other.data if isinstance(other, Tensor) else other)
        mark_value_read((self, other), ufunc, None, result)
        return result

    return compare


def _pow(self: Tensor, exponent: Any) -> Any:
    if isinstance(exponent, int | float) and not isinstance(exponent, bool):
        if exponent == 2:
            return apply(P.square, (self,), {})
        if exponent == 1:
            return self
    return apply(P.power, (self, exponent), {})


def _rpow(self: Tensor, base: Any) -> Any:
    return apply(P.power, (base, self), {})


def _astype(self: Tensor, dtype: Any, **unused: Any) -> Any:
    return apply(P.astype, (self, np.dtype(dtype)), {})


def _reshape(self: Tensor, *shape: Any, **kwargs: Any) -> Any:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    return D._reshape(self, shape, **kwargs)


def _transpose(self: Tensor, *axes: Any) -> Any:
    if len(axes) == 1 and isinstance(axes[0], tuple | list):
        axes = tuple(axes[0])
    return D._transpose(self, axes or None)


METHODS: dict[str, Any] = {
    "__neg__": lambda self: apply(P.negative, (self,), {}),
    "__pos__": lambda self: self,
    "__abs__": lambda self: apply(P.absolute, (self,), {}),
    "__pow__": _pow,
    "__rpow__": _rpow,
    "__getitem__": D.getitem,
    "__lt__": _comparison(np.less),
    "__le__": _comparison(np.less_equal),
    "__gt__": _comparison(np.greater),
    "__ge__": _comparison(np.greater_equal),
    "__eq__": _comparison(np.equal),
    "__ne__": _comparison(np.not_equal),
    # The array methods take NumPy's functions' arguments in the same order.
    "sum": lambda self, *args, **kwargs: D._sum(self, *args, **kwargs),
    "mean": lambda self, *args, **kwargs: D._mean(self, *args, **kwargs),
    "prod": lambda self, *args, **kwargs: D._prod(self, *args, **kwargs),
    "max": lambda self, *args, **kwargs: D._max(self, *args, **kwargs),
    "min": lambda self, *args, **kwargs: D._min(self, *args, **kwargs),
    "var": lambda self, *args, **kwargs: D._var(self, *args, **kwargs),
    "std": lambda self, *args, **kwargs: D._std(self, *args, **kwargs),
    "cumsum": lambda self, axis=None: D._cumsum(self, axis),
    "dot": lambda self, other: D._dot(self, other),
    "reshape": _reshape,
    "transpose": _transpose,
    "swapaxes": lambda self, a, b: D._swapaxes(self, a, b),
    "squeeze": lambda self, axis=None: D._squeeze(self, axis),
    "ravel": lambda self: D._ravel(self),
    "flatten": lambda self: D._ravel(self),
    "clip": lambda self, a_min=None, a_max=None: D._clip(self, a_min, a_max),
    "astype": _astype,
    "copy": lambda self: D._copy(self),
    "exp": lambda self: apply(P.exp, (self,), {}),
    "log": lambda self: apply(P.log, (self,), {}),
    "sin": lambda self: apply(P.sin, (self,), {}),
    "cos": lambda self: apply(P.cos, (self,), {}),
    "tanh": lambda self: apply(P.tanh, (self,), {}),
    "sqrt": lambda self: apply(P.sqrt, (self,), {}),
    "abs": lambda self: apply(P.absolute, (self,), {}),
    "sigmoid": lambda self: 0.5 * (apply(P.tanh, (0.5 * self,), {}) + 1.0),
    "relu": lambda self: apply(P.maximum, (self, 0.0), {}),
}

for _name, _prim in [("add", P.add), ("sub", P.subtract), ("mul", P.multiply),
                     ("truediv", P.divide), ("matmul", P.matmul)]:
    METHODS[f"__{_name}__"], METHODS[f"__r{_name}__"] = _binary(_prim)

for _name, _impl in METHODS.items():
    setattr(Tensor, _name, _impl)

Tensor.T = property(lambda self: D._transpose(self, None))  # type: ignore[attr-defined]
