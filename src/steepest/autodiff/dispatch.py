"""How NumPy calls reach the primitives.

``Tensor.__array_ufunc__`` and ``Tensor.__array_function__`` look the called
NumPy function up here.  Composite functions (``var``, ``std``, ``outer``...)
are written in terms of primitives, so they need no derivative rules of
their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.autodiff import primitives as P
from steepest.autodiff.core import Tensor, apply, constant, mark_value_read, strip
from steepest.autodiff.errors import in_place_write, unsupported_function

# ufunc -> primitive
UFUNCS: dict[np.ufunc, P.Primitive] = {
    np.add: P.add,
    np.subtract: P.subtract,
    np.multiply: P.multiply,
    np.true_divide: P.divide,
    np.negative: P.negative,
    np.positive: P.positive,
    np.power: P.power,
    np.float_power: P.power,
    np.square: P.square,
    np.sqrt: P.sqrt,
    np.cbrt: P.cbrt,
    np.reciprocal: P.reciprocal,
    np.exp: P.exp,
    np.exp2: P.exp2,
    np.expm1: P.expm1,
    np.log: P.log,
    np.log2: P.log2,
    np.log10: P.log10,
    np.log1p: P.log1p,
    np.sin: P.sin,
    np.cos: P.cos,
    np.tan: P.tan,
    np.arcsin: P.arcsin,
    np.arccos: P.arccos,
    np.arctan: P.arctan,
    np.sinh: P.sinh,
    np.cosh: P.cosh,
    np.tanh: P.tanh,
    np.arcsinh: P.arcsinh,
    np.arccosh: P.arccosh,
    np.arctanh: P.arctanh,
    np.absolute: P.absolute,
    np.fabs: P.absolute,
    np.maximum: P.maximum,
    np.minimum: P.minimum,
    np.fmax: P.fmax,
    np.fmin: P.fmin,
    np.logaddexp: P.logaddexp,
    np.logaddexp2: P.logaddexp2,
    np.arctan2: P.arctan2,
    np.hypot: P.hypot,
    np.matmul: P.matmul,  # a ufunc since NumPy 2
}

# ufuncs whose result carries no derivative: comparisons and tests give plain
# arrays, piecewise-constant functions give constants (derivative zero).
PLAIN_UFUNCS = {
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.isfinite, np.isinf, np.isnan, np.signbit, np.logical_and, np.logical_or,
    np.logical_not, np.logical_xor,
}
CONSTANT_UFUNCS = {np.sign, np.floor, np.ceil, np.trunc, np.rint, np.heaviside,
                   np.floor_divide, np.remainder, np.mod}


def dispatch_ufunc(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> Any:
    """Apply a NumPy ufunc (``np.exp``, ``np.add``...) to values that may be traced.

    >>> import numpy as np, steepest as st
    >>> st.grad(lambda x: np.exp(x))(0.0)
    1.0
    """
    if kwargs.get("out") is not None:
        raise in_place_write()
    if method == "reduce" and ufunc in (np.add, np.maximum, np.minimum, np.multiply):
        reducer = {np.add: np.sum, np.maximum: np.max, np.minimum: np.min,
                   np.multiply: np.prod}[ufunc]
        return FUNCTIONS[reducer](*inputs, **kwargs)
    if method == "outer" and ufunc is np.multiply:
        return outer(*inputs)
    if method != "__call__":
        raise unsupported_function(f"{ufunc.__name__}.{method}")
    if ufunc in PLAIN_UFUNCS or ufunc in CONSTANT_UFUNCS:
        result = ufunc(*[strip(a) for a in inputs], **kwargs)
        mark_value_read(inputs, ufunc, kwargs, result)
        return result if ufunc in PLAIN_UFUNCS else constant(result)
    prim = UFUNCS.get(ufunc)
    if prim is None:
        raise unsupported_function(ufunc.__name__)
    if kwargs:
        kwargs = {k: v for k, v in kwargs.items() if k not in ("casting", "order", "subok")}
        if kwargs.get("dtype") is not None or kwargs.get("where", True) is not True:
            raise unsupported_function(
                ufunc.__name__, "its dtype= and where= options are not differentiable here")
        kwargs = {}
    return apply(prim, inputs, kwargs)


# -- NumPy functions ---------------------------------------------------------
FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {}


def implements(*numpy_functions: Callable[..., Any]) -> Callable[[Callable], Callable]:
    """Register the decorated function as the traced version of ``numpy_functions``.

    >>> FUNCTIONS[np.amax] is FUNCTIONS[np.max]
    True
    """
    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        for f in numpy_functions:
            FUNCTIONS[f] = impl
        return impl

    return register


def dispatch_function(func: Callable[..., Any], args: tuple[Any, ...],
                      kwargs: dict[str, Any]) -> Any:
    """Run a NumPy function (``np.sum``, ``np.var``...) on values that may be traced.

    >>> import numpy as np, steepest as st
    >>> st.grad(lambda x: np.var(x))(np.array([1.0, 3.0]))
    array([-1.,  1.])
    """
    impl = FUNCTIONS.get(func)
    if impl is not None:
        return impl(*args, **kwargs)
    if func in VALUE_ONLY or func in CONSTANT_FUNCTIONS:
        result = func(*_strip_all(args), **_strip_all(kwargs))
        if func not in SHAPE_ONLY:
            mark_value_read(args, func, kwargs, result)
        return result if func in VALUE_ONLY else constant(result)
    name = getattr(func, "__name__", str(func))
    module = getattr(func, "__module__", "") or ""
    if "linalg" in module:
        name = f"linalg.{name}"
    raise unsupported_function(name, HINTS.get(name, ""))


def _strip_all(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        return strip(obj)
    if isinstance(obj, list | tuple):
        return type(obj)(_strip_all(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _strip_all(v) for k, v in obj.items()}
    return obj


HINTS = {
    "einsum": "use @ (np.matmul), np.sum and broadcasting",
    "tensordot": "use @ (np.matmul) with reshape",
    "linalg.inv": "solve the system with @ of known factors, or use st.numeric for this part",
    "linalg.det": "expand small determinants by hand (a*d - b*c)",
    "put": "build a new array with np.where or np.concatenate",
    "copyto": "build a new array with np.where or np.concatenate",
    "fill_diagonal": "build a new array with np.where or np.concatenate",
}

# Functions of the value only: shapes, tests, index results.
VALUE_ONLY = {
    np.shape, np.ndim, np.size, np.isclose, np.allclose, np.array_equal, np.argmax,
    np.argmin, np.argsort, np.nonzero, np.flatnonzero, np.count_nonzero, np.isfinite,
    np.isnan, np.isinf, np.result_type, np.iscomplexobj, np.isrealobj, np.searchsorted,
    np.all, np.any, np.zeros_like, np.ones_like, np.empty_like, np.full_like,
    np.array_equiv, np.may_share_memory, np.shares_memory,
}
SHAPE_ONLY = {np.shape, np.ndim, np.size, np.result_type, np.iscomplexobj, np.isrealobj,
              np.zeros_like, np.ones_like, np.empty_like, np.may_share_memory,
              np.shares_memory}
CONSTANT_FUNCTIONS = {np.sign, np.floor, np.ceil, np.round, np.around, np.trunc, np.rint}


def _kw(axis: Any = None, keepdims: bool = False) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if axis is not None:
        kwargs["axis"] = tuple(axis) if isinstance(axis, list) else axis
    if keepdims:
        kwargs["keepdims"] = True
    return kwargs


def _given(value: Any) -> bool:
    """Whether an optional argument was passed (NumPy marks the ones left out with _NoValue)."""
    return value is not None and value is not np._NoValue


def _truth(values: Any) -> np.ndarray:
    """Which elements count as true (a condition given as numbers)."""
    return np.asarray(values, dtype=bool)


def _mask_for(a: Any, where: Any) -> np.ndarray:
    """A reduction's ``where=`` as a boolean array of ``a``'s shape (read, never recorded)."""
    mask = _truth(strip(where))
    if isinstance(where, Tensor):
        mark_value_read((where,), _truth, None, mask)
    return np.broadcast_to(mask, np.shape(a))


def _masked(a: Any, where: Any, fill: float) -> Any:
    """``a`` where the mask holds and ``fill`` elsewhere: ``where=`` as a selection.

    The selection is differentiable in ``a`` (1 where kept, 0 elsewhere), so
    a masked reduction is the plain reduction of it.
    """
    return apply(P.where, (_mask_for(a, where), a, fill), {})


def _in_dtype(a: Any, dtype: Any) -> Any:
    """``a`` in the dtype a reduction was asked to compute in (``dtype=``), if any."""
    return apply(P.astype, (a, np.dtype(dtype)), {}) if _given(dtype) else a


def _no_other_options(name: str, unused: dict[str, Any]) -> None:
    if unused:
        options = " and ".join(f"{key}=" for key in unused)
        many = len(unused) > 1
        raise unsupported_function(
            name, f"its {options} option{'s' if many else ''} {'are' if many else 'is'} "
            "not differentiable here")


@implements(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True,
         **unused):
    if out is not None:
        raise in_place_write()
    _no_other_options("sum", unused)
    a = _in_dtype(a, dtype)
    if where is not True and where is not np._NoValue:
        a = _masked(a, where, 0.0)
    total = apply(P.sum_, (a,), _kw(axis, keepdims))
    return total + initial if _given(initial) else total


@implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True, **unused):
    if out is not None:
        raise in_place_write()
    _no_other_options("mean", unused)
    a = _in_dtype(a, dtype)
    if where is True or where is np._NoValue:
        return apply(P.mean, (a,), _kw(axis, keepdims))
    # Over the kept elements only: their sum over their count (nan where none is kept).
    count = np.sum(_mask_for(a, where), axis=axis, keepdims=keepdims)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _sum(a, axis=axis, keepdims=keepdims, where=where) / count


@implements(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True,
          **unused):
    if out is not None:
        raise in_place_write()
    _no_other_options("prod", unused)
    a = _in_dtype(a, dtype)
    if where is not True and where is not np._NoValue:
        a = _masked(a, where, 1.0)
    product = apply(P.prod, (a,), _kw(axis, keepdims))
    return product * initial if _given(initial) else product


def _extremum(prim: Any, bound: Any, worst: float, name: str, a: Any, axis: Any, out: Any,
              keepdims: bool, initial: Any, where: Any, unused: dict[str, Any]) -> Any:
    if out is not None:
        raise in_place_write()
    _no_other_options(name, unused)
    if where is not True and where is not np._NoValue:
        if not _given(initial):
            # NumPy's own refusal (a masked max of nothing has no value), in its words.
            getattr(np, name)(strip(a), axis=axis, where=strip(where))
        a = _masked(a, where, worst)
    result = apply(prim, (a,), _kw(axis, keepdims))
    return apply(bound, (result, initial), {}) if _given(initial) else result


@implements(np.max, np.amax)
def _max(a, axis=None, out=None, keepdims=False, initial=None, where=True, **unused):
    return _extremum(P.amax, P.maximum, -np.inf, "max", a, axis, out, keepdims, initial, where,
                     unused)


@implements(np.min, np.amin)
def _min(a, axis=None, out=None, keepdims=False, initial=None, where=True, **unused):
    return _extremum(P.amin, P.minimum, np.inf, "min", a, axis, out, keepdims, initial, where,
                     unused)


@implements(np.var)
def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
         correction=None, **unused):
    if out is not None:
        raise in_place_write()
    _no_other_options("var", unused)
    if _given(correction):
        ddof = correction
    centered = a - _mean(a, axis=axis, keepdims=True, where=where)
    if where is True or where is np._NoValue:
        n = P._count(np.shape(a), axis)
    else:
        n = np.sum(_mask_for(a, where), axis=axis, keepdims=keepdims)
    return _sum(centered * centered, axis=axis, keepdims=keepdims, where=where) / (n - ddof)


@implements(np.std)
def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **options):
    return np.sqrt(_var(a, axis=axis, ddof=ddof, keepdims=keepdims, out=out, **options))


@implements(np.cumsum)
def _cumsum(a, axis=None, dtype=None, out=None):
    if out is not None:
        raise in_place_write()
    return apply(P.cumsum, (a,), {"axis": axis})


@implements(np.matmul)
def _matmul(a, b, out=None, **unused):
    if out is not None:
        raise in_place_write()
    return apply(P.matmul, (a, b), {})


@implements(np.dot)
def _dot(a, b, out=None):
    if out is not None:
        raise in_place_write()
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    if np.ndim(b) > 2:
        raise unsupported_function("dot", "for arrays of more than 2 dimensions use np.matmul (@)")
    return apply(P.matmul, (a, b), {})


@implements(np.vdot, np.inner)
def _inner(a, b):
    if np.ndim(a) > 1 or np.ndim(b) > 1:
        return _sum(a * b) if np.shape(a) == np.shape(b) else _dot(a, np.swapaxes(b, -1, -2))
    return apply(P.matmul, (a, b), {}) if np.ndim(a) == 1 == np.ndim(b) else a * b


@implements(np.outer)
def outer(a, b, out=None):
    """``np.outer`` as a broadcast product of a column and a row.

    >>> import numpy as np, steepest as st
    >>> st.grad(lambda a: np.sum(np.outer(a, [1.0, 2.0])))(np.array([1.0, 1.0]))
    array([3., 3.])
    """
    if out is not None:
        raise in_place_write()
    return _reshape(a, (-1, 1)) * _reshape(b, (1, -1))


@implements(np.trace)
def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return _sum(_diagonal(a, offset, axis1, axis2), axis=-1)


@implements(np.diagonal)
def _diagonal(a, offset=0, axis1=0, axis2=1):
    shape = np.shape(a)
    n = min(shape[axis1], shape[axis2] - offset) if offset >= 0 else min(
        shape[axis1] + offset, shape[axis2])
    rows = np.arange(n) + max(-offset, 0)
    cols = np.arange(n) + max(offset, 0)
    moved = _moveaxis(a, (axis1, axis2), (-2, -1))
    return apply(P.getitem, (moved, (Ellipsis, rows, cols)), {})


@implements(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    if ord not in (None, 2, "fro") or (ord == 2 and (axis is None and np.ndim(x) == 2)):
        if ord == 1 and (axis is not None or np.ndim(x) == 1):
            return _sum(np.abs(x), axis=axis, keepdims=keepdims)
        if ord in (np.inf, float("inf")) and (axis is not None or np.ndim(x) == 1):
            return _max(np.abs(x), axis=axis, keepdims=keepdims)
        raise unsupported_function(
            "linalg.norm", f"ord={ord!r} is not differentiable here; the 2-norm, 1-norm and "
            "max-norm of vectors and the Frobenius norm of matrices are")
    return apply(P.norm, (x,), _kw(axis, keepdims))


@implements(np.reshape)
def _reshape(a, shape=None, order="C", **kwargs):
    if shape is None:
        shape = kwargs.get("newshape")
    if order != "C":
        raise unsupported_function("reshape", "only order='C' is supported")
    return apply(P.reshape, (a, shape if isinstance(shape, tuple) else (
        tuple(shape) if isinstance(shape, list) else shape)), {})


@implements(np.ravel)
def _ravel(a, order="C"):
    return _reshape(a, (-1,), order=order)


@implements(np.transpose)
def _transpose(a, axes=None):
    if axes is not None:
        axes = tuple(ax % np.ndim(a) for ax in axes)
    return apply(P.transpose, (a,), {"axes": axes})


@implements(np.swapaxes)
def _swapaxes(a, axis1, axis2):
    axes = list(range(np.ndim(a)))
    axis1, axis2 = axis1 % len(axes), axis2 % len(axes)
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return _transpose(a, axes)


@implements(np.moveaxis)
def _moveaxis(a, source, destination):
    ndim = np.ndim(a)
    source = [s % ndim for s in np.atleast_1d(source)]
    destination = [d % ndim for d in np.atleast_1d(destination)]
    order = [n for n in range(ndim) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return _transpose(a, order)


@implements(np.squeeze)
def _squeeze(a, axis=None):
    shape = np.shape(a)
    if axis is None:
        new = tuple(n for n in shape if n != 1)
    else:
        axes = {ax % len(shape) for ax in np.atleast_1d(axis)}
        new = tuple(n for i, n in enumerate(shape) if i not in axes)
    return _reshape(a, new)


@implements(np.expand_dims)
def _expand_dims(a, axis):
    shape = list(np.shape(a))
    axes = sorted(ax % (len(shape) + len(np.atleast_1d(axis))) for ax in np.atleast_1d(axis))
    for ax in axes:
        shape.insert(ax, 1)
    return _reshape(a, tuple(shape))


@implements(np.atleast_1d)
def _atleast_1d(*arrays):
    out = [a if np.ndim(a) >= 1 else _reshape(a, (1,)) for a in arrays]
    return out[0] if len(out) == 1 else out


@implements(np.atleast_2d)
def _atleast_2d(*arrays):
    out = []
    for a in arrays:
        nd = np.ndim(a)
        out.append(a if nd >= 2 else _reshape(a, (1, -1) if nd == 1 else (1, 1)))
    return out[0] if len(out) == 1 else out


@implements(np.broadcast_to)
def _broadcast_to(array, shape, subok=False):
    return apply(P.broadcast_to, (array, tuple(np.atleast_1d(shape)) if not isinstance(
        shape, tuple) else shape), {})


@implements(np.flip)
def _flip(m, axis=None):
    return apply(P.flip, (m,), {"axis": axis})


@implements(np.concatenate)
def _concatenate(arrays, axis=0, out=None, **unused):
    if out is not None:
        raise in_place_write()
    if axis is None:
        return apply(P.concatenate, tuple(_ravel(a) for a in arrays), {"axis": 0})
    return apply(P.concatenate, tuple(arrays), {"axis": axis})


@implements(np.stack)
def _stack(arrays, axis=0, out=None, **unused):
    if out is not None:
        raise in_place_write()
    return apply(P.stack, tuple(arrays), {"axis": axis})


@implements(np.hstack)
def _hstack(tup, **unused):
    arrays = [_atleast_1d(a) for a in tup]
    return _concatenate(arrays, axis=0 if np.ndim(arrays[0]) == 1 else 1)


@implements(np.vstack)
def _vstack(tup, **unused):
    return _concatenate([_atleast_2d(a) for a in tup], axis=0)


@implements(np.column_stack)
def _column_stack(tup):
    return _concatenate([a if np.ndim(a) >= 2 else _reshape(a, (-1, 1)) for a in tup], axis=1)


@implements(np.clip)
def _clip(a, a_min=None, a_max=None, out=None, **kwargs):
    if out is not None:
        raise in_place_write()
    a_min = kwargs.get("min", a_min)
    a_max = kwargs.get("max", a_max)
    lo = -np.inf if a_min is None else a_min
    hi = np.inf if a_max is None else a_max
    return apply(P.clip, (a, lo, hi), {})


@implements(np.where)
def _where(condition, x=None, y=None):
    if x is None and y is None:
        return _nonzero_positions(condition)
    if isinstance(condition, Tensor):
        # A condition computed from traced numbers is read (not differentiated).
        mask = _truth(strip(condition))
        mark_value_read((condition,), _truth, None, mask)
        condition = mask
    return apply(P.where, (condition, x, y), {})


def _nonzero_positions(condition: Any) -> tuple[np.ndarray, ...]:
    positions = np.where(strip(condition))
    mark_value_read((condition,), np.nonzero, None, positions)
    return positions


@implements(np.copy)
def _copy(a, order="K", subok=False):
    return apply(P.identity, (a,), {})


@implements(np.abs, np.absolute)
def _abs(x, **kwargs):
    return apply(P.absolute, (x,), {})


@implements(np.real)
def _real(val):
    return val


@implements(np.linalg.multi_dot)
def _multi_dot(arrays, *, out=None):
    result = arrays[0]
    for a in arrays[1:]:
        result = _dot(result, a)
    return result


@implements(np.diff)
def _diff(a, n=1, axis=-1, prepend=None, append=None):
    if prepend is not None or append is not None:
        raise unsupported_function("diff", "prepend= and append= are not supported")
    for _ in range(n):
        nd = np.ndim(a)
        hi = [slice(None)] * nd
        lo = [slice(None)] * nd
        hi[axis] = slice(1, None)
        lo[axis] = slice(None, -1)
        a = getitem(a, tuple(hi)) - getitem(a, tuple(lo))
    return a


def getitem(x: Any, index: Any) -> Any:
    """x[index] for every kind of NumPy index (slices, integer arrays, masks).

    Repeated integer indices add their gradients up:

    >>> import numpy as np, steepest as st
    >>> st.grad(lambda x: np.sum(x[[0, 0, 2]]))(np.array([1.0, 2.0, 3.0]))
    array([2., 0., 1.])
    """
    index = P._plain_index(index)
    if isinstance(index, list):
        index = np.asarray(index)
    return apply(P.getitem, (x, index), {})
