"""How NumPy calls reach the primitives.

``Tensor.__array_ufunc__`` and ``Tensor.__array_function__`` look the called
NumPy function up here.  Composite functions (``var``, ``std``, ``outer``...)
are written in terms of primitives, so they need no derivative rules of
their own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from steepest.autodiff import linalg as L
from steepest.autodiff import primitives as P
from steepest.autodiff.core import (
    Node,
    apply,
    apply_binary,
    apply_reduction,
    apply_unary,
    constant,
    grad_enabled,
    mark_value_read,
    records_eagerly,
    strip,
    strip_all,
)
from steepest.autodiff.errors import in_place_write, unsupported_function
from steepest.errors import DifferentiationError

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
    np.conjugate: P.conjugate,
    np.remainder: P.remainder,
    np.fmod: P.fmod,
}

# ufuncs whose result carries no derivative: comparisons and tests give plain
# arrays, piecewise-constant functions give constants (derivative zero).
PLAIN_UFUNCS = {
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.isfinite, np.isinf, np.isnan, np.signbit, np.logical_and, np.logical_or,
    np.logical_not, np.logical_xor,
}
CONSTANT_UFUNCS = {np.sign, np.floor, np.ceil, np.trunc, np.rint, np.heaviside,
                   np.floor_divide}


def dispatch_ufunc(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> Any:
    """Apply a NumPy ufunc (``np.exp``, ``np.add``...) to values that may be traced.

    >>> import numpy as np, steepest as st
    >>> st.grad(lambda x: np.exp(x))(0.0)
    1.0
    """
    if not kwargs and method == "__call__":
        prim = DIRECT_UFUNCS.get(ufunc)
        if prim is not None:  # the common case, straight to the primitive
            if len(inputs) == 2:
                return apply_binary(prim, inputs[0], inputs[1])
            return apply_unary(prim, inputs[0])
    if kwargs.get("out") is not None:
        raise in_place_write()
    if method == "reduce" and ufunc in (np.add, np.maximum, np.minimum, np.multiply):
        reducer = {np.add: np.sum, np.maximum: np.max, np.minimum: np.min,
                   np.multiply: np.prod}[ufunc]
        # A ufunc's reduce runs along the first axis unless told otherwise (np.sum: all).
        return FUNCTIONS[reducer](*inputs, **{"axis": 0, **kwargs})
    if method == "outer" and ufunc.nin == 2 and len(inputs) == 2:
        # Every pair of elements: the first argument gets one new axis per axis of the second.
        first, second = inputs
        first = _reshape(first, np.shape(first) + (1,) * np.ndim(second))
        return dispatch_ufunc(ufunc, "__call__", (first, second), kwargs)
    if method != "__call__":
        raise unsupported_function(f"{ufunc.__name__}.{method}")
    if ufunc in CONSTANT_UFUNCS and records_eagerly(inputs):
        return apply(P.STEPS[ufunc], inputs, kwargs)  # its result requires grad (slope 0)
    if ufunc in PLAIN_UFUNCS or ufunc in CONSTANT_UFUNCS:
        result = ufunc(*[strip(a) for a in inputs], **kwargs)
        mark_value_read(inputs, ufunc, kwargs, result)
        if ufunc in PLAIN_UFUNCS:
            return result
        return constant(result, _first_node((*inputs, *kwargs.values())))
    if kwargs:
        _no_ufunc_options(ufunc, kwargs)
    if ufunc is np.absolute and any(P.is_complex(a) for a in inputs):
        return apply(P.complex_abs, inputs, {})
    impl = FUNCTIONS.get(ufunc)
    if impl is not None:  # a ufunc written with others (np.deg2rad...)
        return impl(*inputs)
    prim = UFUNCS.get(ufunc)
    if prim is None:
        raise unsupported_function(ufunc.__name__)
    return apply(prim, inputs, {})


# Options of a ufunc's call that change nothing in its values or derivatives.
_UFUNC_LAYOUT = ("casting", "order", "subok")


def _no_ufunc_options(ufunc: np.ufunc, kwargs: dict[str, Any]) -> None:
    """Refuse, naming them, the options of a ufunc's call that are not differentiated
    (``dtype=``, ``where=``, ``axes=``...): none is left out silently.

    >>> _no_ufunc_options(np.exp, {"casting": "same_kind", "where": True})
    >>> try:
    ...     _no_ufunc_options(np.exp, {"where": np.array([True, False])})
    ... except DifferentiationError as error:
    ...     print(error)
    np.exp has no derivative rule in steepest; its where= option is not differentiable here
    """
    _no_other_options(ufunc.__name__, {
        key: value for key, value in kwargs.items() if key not in _UFUNC_LAYOUT
        and value is not None and not (key == "where" and value is True)})


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
    if func in CONSTANT_FUNCTIONS and records_eagerly(args):
        return apply(P.STEPS[func], args, kwargs)  # its result requires grad (slope 0)
    if func in VALUE_ONLY or func in CONSTANT_FUNCTIONS:
        result = func(*strip_all(args), **strip_all(kwargs))
        if func not in SHAPE_ONLY:
            mark_value_read(args, func, kwargs, result)
        if func in VALUE_ONLY:
            return result
        return constant(result, _first_node((*args, *kwargs.values())))
    if not _recorded((*args, *kwargs.values())):
        # Nothing here is being differentiated (constant tensors, or inside no_grad):
        # NumPy's own function on the numbers, as on arrays (np.save of w.detach()).
        return func(*strip_all(args), **strip_all(kwargs))
    name = getattr(func, "__name__", str(func))
    module = getattr(func, "__module__", "") or ""
    if "linalg" in module:
        name = f"linalg.{name}"
    raise unsupported_function(name, HINTS.get(name, ""))


def _recorded(values: Any) -> bool:
    """Whether any value (searched into lists, tuples and dicts) is being differentiated."""
    if not grad_enabled():
        return False
    for v in values:
        if isinstance(v, Node):
            if v._trace is not None and not v._trace.done:
                return True
        elif isinstance(v, list | tuple | dict) and _recorded(
                v.values() if isinstance(v, dict) else v):
            return True
    return False


def _first_node(values: Any) -> Any:
    """The first traced value among ``values`` (searched into lists and tuples)."""
    for v in values:
        if isinstance(v, Node):
            return v
        if isinstance(v, list | tuple):
            found = _first_node(v)
            if found is not None:
                return found
    return None


_SAVING = "to save the values, pass w.detach() or w.numpy()"
HINTS = {
    "save": _SAVING,
    "savez": _SAVING,
    "savez_compressed": _SAVING,
    "savetxt": _SAVING,
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
    np.array_equiv, np.may_share_memory, np.shares_memory, np.iscomplex, np.isreal,
}
SHAPE_ONLY = {np.shape, np.ndim, np.size, np.result_type, np.iscomplexobj, np.isrealobj,
              np.zeros_like, np.ones_like, np.empty_like, np.may_share_memory,
              np.shares_memory}
CONSTANT_FUNCTIONS = {np.sign, np.floor, np.ceil, np.round, np.around, np.trunc, np.rint,
                      np.fix}


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


def _nonzero(values: Any) -> np.ndarray:
    """Which elements are not 0 (NaN is not)."""
    return np.asarray(values) != 0


def _mask_for(a: Any, where: Any) -> np.ndarray:
    """A reduction's ``where=`` as a boolean array of ``a``'s shape (read, never recorded)."""
    mask = _truth(strip(where))
    if isinstance(where, Node):
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
    return cast(a, dtype) if _given(dtype) else a


def cast(a: Any, dtype: Any) -> Any:
    """``a.astype(dtype)``: differentiable into floating and complex dtypes; into integers
    and booleans a step function (derivative 0) whose values are read, as ``int()`` reads.

    >>> import numpy as np, steepest as st
    >>> st.grad(lambda x: np.sum(x.astype(np.int64) + x))(np.array([1.5, 2.5]))
    array([1., 1.])
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "fc" or not isinstance(a, Node):
        return apply(P.astype, (a, dtype), {})
    result = strip(a).astype(dtype)
    mark_value_read((a,), _cast, {"dtype": dtype}, result)
    return constant(result, a)


def _cast(values: Any, dtype: np.dtype) -> np.ndarray:
    return np.asarray(values).astype(dtype)


if hasattr(np, "astype"):  # NumPy 2
    @implements(np.astype)
    def _astype(x, dtype, /, *, copy=True, **unused):
        return cast(x, dtype)


def _no_other_options(name: str, unused: dict[str, Any]) -> None:
    if unused:
        options = " and ".join(f"{key}=" for key in unused)
        many = len(unused) > 1
        raise unsupported_function(
            name, f"its {options} option{'s' if many else ''} {'are' if many else 'is'} "
            "not differentiable here")


def _folded(prim: P.Primitive, name: str, neutral: float, a: Any, axis: Any, dtype: Any,
            out: Any, keepdims: bool, where: Any, unused: dict[str, Any]) -> Any:
    """A sum or product: masked elements (``where=``) count as the ``neutral`` element."""
    if out is not None:
        raise in_place_write()
    _no_other_options(name, unused)
    a = _in_dtype(a, dtype)
    if where is not True and where is not np._NoValue:
        a = _masked(a, where, neutral)
    return apply_reduction(prim, a, _kw(axis, keepdims))


@implements(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True,
         **unused):
    if dtype is None and out is None and initial is None and where is True and not unused:
        return apply_reduction(P.sum_, a, _kw(axis, keepdims))  # no option to look at
    total = _folded(P.sum_, "sum", 0.0, a, axis, dtype, out, keepdims, where, unused)
    return total + initial if _given(initial) else total


@implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True, **unused):
    if out is not None:
        raise in_place_write()
    _no_other_options("mean", unused)
    a = _in_dtype(a, dtype)
    if where is True or where is np._NoValue:
        return apply_reduction(P.mean, a, _kw(axis, keepdims))
    # Over the kept elements only: their sum over their count (nan where none is kept).
    count = np.sum(_mask_for(a, where), axis=axis, keepdims=keepdims)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _sum(a, axis=axis, keepdims=keepdims, where=where) / count


@implements(np.prod)
def _prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True,
          **unused):
    product = _folded(P.prod, "prod", 1.0, a, axis, dtype, out, keepdims, where, unused)
    return product * initial if _given(initial) else product


def _extremum(prim: Any, bound: Any, worst: float, name: str, a: Any, axis: Any, out: Any,
              keepdims: bool, initial: Any, where: Any, unused: dict[str, Any]) -> Any:
    if out is None and initial is None and where is True and not unused:
        return apply_reduction(prim, a, _kw(axis, keepdims))  # no option to look at
    if out is not None:
        raise in_place_write()
    _no_other_options(name, unused)
    if where is not True and where is not np._NoValue:
        if not _given(initial):
            # NumPy's own refusal (a masked max of nothing has no value), in its words.
            getattr(np, name)(strip(a), axis=axis, where=strip(where))
        a = _masked(a, where, worst)
    result = apply_reduction(prim, a, _kw(axis, keepdims))
    return apply(bound, (result, initial), {}) if _given(initial) else result


@implements(np.max, np.amax)
def _max(a, axis=None, out=None, keepdims=False, initial=None, where=True, **unused):
    return _extremum(P.amax, P.maximum, -np.inf, "max", a, axis, out, keepdims, initial, where,
                     unused)


@implements(np.min, np.amin)
def _min(a, axis=None, out=None, keepdims=False, initial=None, where=True, **unused):
    return _extremum(P.amin, P.minimum, np.inf, "min", a, axis, out, keepdims, initial, where,
                     unused)


# NumPy's reductions whose call with the array, ``axis`` and ``keepdims`` alone is
# ``apply_reduction`` of the primitive with ``_kw(axis, keepdims)`` (see _sum, _mean,
# _extremum): the compiled engine takes those calls itself (``x.sum(axis=1)``, ``np.max(x)``).
REDUCTIONS: dict[Callable[..., Any], P.Primitive] = {
    np.sum: P.sum_, np.mean: P.mean, np.max: P.amax, np.amax: P.amax, np.min: P.amin,
    np.amin: P.amin,
}


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
        n = P.element_count(np.shape(a), axis)
    else:
        n = np.sum(_mask_for(a, where), axis=axis, keepdims=keepdims)
    # |c|^2: for complex values c times its conjugate (real), as NumPy computes it.
    squares = np.real(centered * np.conj(centered)) if P.is_complex(a) else centered * centered
    return _sum(squares, axis=axis, keepdims=keepdims, where=where) / (n - ddof)


@implements(np.std)
def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **options):
    variance = _var(a, axis=axis, ddof=ddof, keepdims=keepdims, out=out, **options)
    return apply(P.spread_root, (variance,), {})


@implements(np.cumsum)
def _cumsum(a, axis=None, dtype=None, out=None):
    if out is not None:
        raise in_place_write()
    return apply(P.cumsum, (_in_dtype(a, dtype),), {"axis": axis})


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
    if np.ndim(b) > 2 or np.ndim(a) > 2:  # the last axis of a with the second-to-last of b
        return _tensordot(a, b, axes=([-1], [max(np.ndim(b) - 2, 0)]))
    return apply(P.matmul, (a, b), {})


@implements(np.einsum)
def _einsum(*operands, out=None, **options):
    if out is not None:
        raise in_place_write()
    return L.einsum(*operands, **options)


@implements(np.tensordot)
def _tensordot(a, b, axes=2):
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, int | np.integer):
        a_axes, b_axes = list(range(na - axes, na)), list(range(axes))
    else:
        a_axes, b_axes = ([ax] if isinstance(ax, int | np.integer) else list(ax) for ax in axes)
    a_axes = [ax % na for ax in a_axes]
    b_axes = [ax % nb for ax in b_axes]
    a_labels = list(range(na))
    b_labels = list(range(na, na + nb))
    for ax_a, ax_b in zip(a_axes, b_axes):
        b_labels[ax_b] = a_labels[ax_a]
    out = ([label for k, label in enumerate(a_labels) if k not in a_axes]
           + [label for k, label in enumerate(b_labels) if k not in b_axes])
    return L.einsum(a, a_labels, b, b_labels, out)


@implements(np.inner)
def _inner(a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    return _tensordot(a, b, axes=([-1], [-1]))


@implements(np.vdot)
def _vdot(a, b):
    return _sum(np.conj(_ravel(a)) * _ravel(b))


@implements(np.kron)
def _kron(a, b):
    nd = max(np.ndim(a), np.ndim(b))
    a = _reshape(a, (1,) * (nd - np.ndim(a)) + np.shape(a))
    b = _reshape(b, (1,) * (nd - np.ndim(b)) + np.shape(b))
    pairs = L.einsum(a, list(range(nd)), b, list(range(nd, 2 * nd)),
                     [label for k in range(nd) for label in (k, nd + k)])
    return _reshape(pairs, tuple(m * n for m, n in zip(np.shape(a), np.shape(b))))


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
    if out is not None:
        raise in_place_write()
    return _sum(_in_dtype(_diagonal(a, offset, axis1, axis2), dtype), axis=-1)


@implements(np.diagonal)
def _diagonal(a, offset=0, axis1=0, axis2=1):
    shape = np.shape(a)
    n = min(shape[axis1], shape[axis2] - offset) if offset >= 0 else min(
        shape[axis1] + offset, shape[axis2])
    rows = np.arange(n) + max(-offset, 0)
    cols = np.arange(n) + max(offset, 0)
    moved = _moveaxis(a, (axis1, axis2), (-2, -1))
    return apply(P.getitem, (moved, (Ellipsis, rows, cols)), {})


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
def _concatenate(arrays, axis=0, out=None, *, dtype=None, **unused):
    if out is not None:
        raise in_place_write()
    if axis is None:
        joined = apply(P.concatenate, tuple(_ravel(a) for a in arrays), {"axis": 0})
    else:
        joined = apply(P.concatenate, tuple(arrays), {"axis": axis})
    return _in_dtype(joined, dtype)


@implements(np.stack)
def _stack(arrays, axis=0, out=None, *, dtype=None, **unused):
    if out is not None:
        raise in_place_write()
    return _in_dtype(apply(P.stack, tuple(arrays), {"axis": axis}), dtype)


@implements(np.hstack)
def _hstack(tup, *, dtype=None, **unused):
    arrays = [_atleast_1d(a) for a in tup]
    return _concatenate(arrays, axis=0 if np.ndim(arrays[0]) == 1 else 1, dtype=dtype)


@implements(np.vstack)
def _vstack(tup, *, dtype=None, **unused):
    return _concatenate([_atleast_2d(a) for a in tup], axis=0, dtype=dtype)


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
    if isinstance(condition, Node):
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
    return apply(P.complex_abs if P.is_complex(x) else P.absolute, (x,), {})


@implements(np.real)
def _real(val):
    return apply(P.real, (val,), {}) if P.is_complex(val) else val


@implements(np.imag)
def _imag(val):
    return apply(P.imag, (val,), {})


@implements(np.angle)
def _angle(z, deg=False):
    result = apply(P.angle, (z,), {})
    return result * (180.0 / np.pi) if deg else result


@implements(np.real_if_close)
def _real_if_close(a, tol=100):
    if not P.is_complex(a):
        return a
    limit = tol * np.finfo(strip(a).dtype).eps if tol > 1 else tol
    small = np.all(np.abs(np.imag(strip(a))) < limit)
    mark_value_read((a,), None)
    return _real(a) if small else a


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
    index = P.plain_index(index)
    if isinstance(index, list):
        index = np.asarray(index)
    return apply(P.getitem, (x, index), {})


# -- arrays rearranged: indexing, joining and masking, no rules of their own ---------
def _along(a: Any, axis: int, index: Any) -> Any:
    """``a`` indexed by ``index`` along ``axis`` (an integer array or a slice)."""
    key = [slice(None)] * np.ndim(a)
    key[axis] = index
    return getitem(a, tuple(key))


def _positions(shape: tuple[int, ...]) -> np.ndarray:
    return np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)


def _rearranged(a: Any, positions: np.ndarray) -> Any:
    """The elements of ``a`` at the flat ``positions`` (any shape): a rearrangement as indexing."""
    return getitem(_ravel(a), positions)


@implements(np.repeat)
def _repeat(a, repeats, axis=None):
    if axis is None:
        return getitem(_ravel(a), np.repeat(np.arange(np.size(strip(a))), strip(repeats)))
    axis %= np.ndim(a)
    return _along(a, axis, np.repeat(np.arange(np.shape(a)[axis]), strip(repeats)))


@implements(np.tile)
def _tile(A, reps):
    return _rearranged(A, np.tile(_positions(np.shape(A)), reps))


@implements(np.roll)
def _roll(a, shift, axis=None):
    return _rearranged(a, np.roll(_positions(np.shape(a)), shift, axis))


@implements(np.rot90)
def _rot90(m, k=1, axes=(0, 1)):
    return _rearranged(m, np.rot90(_positions(np.shape(m)), k, axes))


@implements(np.fliplr)
def _fliplr(m):
    return _flip(m, 1)


@implements(np.flipud)
def _flipud(m):
    return _flip(m, 0)


@implements(np.rollaxis)
def _rollaxis(a, axis, start=0):
    return _transpose(a, _rolled_axes(np.ndim(a), axis, start))


def _rolled_axes(ndim: int, axis: int, start: int) -> list[int]:
    axis %= ndim
    start = start % (ndim + 1) if start < 0 else start
    order = [n for n in range(ndim) if n != axis]
    order.insert(start - 1 if start > axis else start, axis)
    return order


@implements(np.pad)
def _pad(array, pad_width, mode="constant", **kwargs):
    positions = _positions(np.shape(array))
    if mode == "constant":
        # Positions padded with -1 mark where the constant goes.
        marked = np.pad(positions, pad_width, mode="constant", constant_values=-1)
        inside = marked >= 0
        values = _rearranged(array, np.where(inside, marked, 0))
        fill = kwargs.get("constant_values", 0)
        if np.ndim(fill) != 0:
            raise unsupported_function("pad", "a constant_values per side is not supported")
        return apply(P.where, (inside, values, fill), {})
    if mode in ("edge", "reflect", "symmetric", "wrap"):
        return _rearranged(array, np.pad(positions, pad_width, mode=mode, **kwargs))
    raise unsupported_function("pad", f"mode={mode!r} is not differentiable here; 'constant', "
                               "'edge', 'reflect', 'symmetric' and 'wrap' are")


@implements(np.append)
def _append(arr, values, axis=None):
    if axis is None:
        return _concatenate([_ravel(arr), _ravel(values)], axis=0)
    return _concatenate([arr, values], axis=axis)


@implements(np.atleast_3d)
def _atleast_3d(*arrays):
    out = []
    for a in arrays:
        nd = np.ndim(a)
        shape = {0: (1, 1, 1), 1: (1, -1, 1), 2: np.shape(a) + (1,)}.get(nd)
        out.append(a if shape is None else _reshape(a, shape))
    return out[0] if len(out) == 1 else out


@implements(np.dstack)
def _dstack(tup):
    return _concatenate([_atleast_3d(a) for a in tup], axis=2)


def _split_points(n: int, sections: Any, equal: bool) -> list[int]:
    if isinstance(sections, int | np.integer):
        if equal and n % sections:
            raise ValueError("array split does not result in an equal division")
        size, extra = divmod(n, int(sections))
        bounds = [0]
        for k in range(int(sections)):
            bounds.append(bounds[-1] + size + (1 if k < extra else 0))
        return bounds
    return [0, *[int(p) for p in sections], n]


def _split_along(ary: Any, sections: Any, axis: int, equal: bool) -> list[Any]:
    axis %= np.ndim(ary)
    bounds = _split_points(np.shape(ary)[axis], sections, equal)
    return [_along(ary, axis, slice(lo, max(lo, hi))) for lo, hi in itertools.pairwise(bounds)]


@implements(np.split)
def _split(ary, indices_or_sections, axis=0):
    return _split_along(ary, indices_or_sections, axis, equal=True)


@implements(np.array_split)
def _array_split(ary, indices_or_sections, axis=0):
    return _split_along(ary, indices_or_sections, axis, equal=False)


@implements(np.hsplit)
def _hsplit(ary, indices_or_sections):
    return _split_along(ary, indices_or_sections, 1 if np.ndim(ary) > 1 else 0, equal=True)


@implements(np.vsplit)
def _vsplit(ary, indices_or_sections):
    return _split_along(ary, indices_or_sections, 0, equal=True)


@implements(np.dsplit)
def _dsplit(ary, indices_or_sections):
    return _split_along(ary, indices_or_sections, 2, equal=True)


def _triangle_mask(shape: tuple[int, ...], k: int, lower: bool) -> np.ndarray:
    sides = shape[-2:]  # NumPy's own reading: a vector is the rows of a square matrix
    return np.tri(*sides, k=k, dtype=bool) if lower else ~np.tri(*sides, k=k - 1, dtype=bool)


@implements(np.tril)
def _tril(m, k=0):
    return apply(P.where, (_triangle_mask(np.shape(m), k, True), m, 0.0), {})


@implements(np.triu)
def _triu(m, k=0):
    return apply(P.where, (_triangle_mask(np.shape(m), k, False), m, 0.0), {})


@implements(np.diag)
def _diag(v, k=0):
    if np.ndim(v) == 2:
        return _diagonal(v, k)
    if np.ndim(v) != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = np.shape(v)[0]
    size = n + abs(k)
    rows = np.arange(n) + max(-k, 0)
    cols = np.arange(n) + max(k, 0)
    return apply(P.scatter_add, (v, (size, size), (rows, cols)), {})


@implements(np.diagflat)
def _diagflat(v, k=0):
    return _diag(_ravel(v), k)


@implements(np.select)
def _select(condlist, choicelist, default=0):
    result = default
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        result = _where(condition, choice, result)
    return result


@implements(np.sort)
def _sort(a, axis=-1, kind=None, order=None, **unused):
    if axis is None:
        return _sort(_ravel(a), axis=0)
    order_ = np.argsort(strip(a), axis=axis, kind=kind)
    mark_value_read((a,), np.argsort, {"axis": axis, "kind": kind}, order_)
    return _take_along_axis(a, order_, axis)


@implements(np.partition)
def _partition(a, kth, axis=-1, kind="introselect", order=None):
    if axis is None:
        return _partition(_ravel(a), kth, axis=0)
    order_ = np.argpartition(strip(a), kth, axis=axis)
    mark_value_read((a,), np.argpartition, {"kth": kth, "axis": axis}, order_)
    return _take_along_axis(a, order_, axis)


@implements(np.take_along_axis)
def _take_along_axis(arr, indices, axis):
    if axis is None:
        return getitem(_ravel(arr), strip(indices))
    axis %= np.ndim(arr)
    shape = np.shape(strip(indices))
    key = [np.arange(n).reshape([-1 if d == k else 1 for d in range(len(shape))])
           for k, n in enumerate(shape)]
    key[axis] = strip(indices)
    return getitem(arr, tuple(key))


@implements(np.take)
def _take(a, indices, axis=None, out=None, mode="raise"):
    if out is not None:
        raise in_place_write()
    n = np.size(a) if axis is None else np.shape(a)[axis]
    indices = _index_in_mode(strip(indices), n, mode)
    if axis is None:
        return getitem(_ravel(a), indices)
    return _along(a, axis % np.ndim(a), indices)


def _index_in_mode(indices: Any, n: int, mode: str) -> Any:
    """``np.take``'s indices as plain ones: ``mode='clip'`` clips them to the ``n``
    elements (a negative one to the first), ``'wrap'`` wraps them around.

    >>> _index_in_mode(np.array([-1, 4]), 3, "clip"), _index_in_mode(np.array([-1, 4]), 3, "wrap")
    (array([0, 2]), array([2, 1]))
    """
    if mode == "clip":
        return np.clip(indices, 0, n - 1)
    if mode == "wrap":
        return np.mod(indices, n)
    return indices


@implements(np.nan_to_num)
def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    plain = strip(x)
    finite = np.isfinite(plain)
    mark_value_read((x,), np.isfinite, None, finite)
    replaced = np.nan_to_num(plain, nan=nan, posinf=posinf, neginf=neginf)
    return apply(P.where, (finite, x, replaced), {})


# Conversions between degrees and radians: products with a constant.
@implements(np.deg2rad, np.radians)
def _deg2rad(x, **unused):
    return x * (np.pi / 180.0)


@implements(np.rad2deg, np.degrees)
def _rad2deg(x, **unused):
    return x * (180.0 / np.pi)


@implements(np.linspace)
def _linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if dtype is not None or axis != 0:
        raise unsupported_function("linspace", "dtype= and axis= are not supported here")
    steps = (num - 1) if endpoint else num
    fraction = np.arange(num, dtype=np.float64) / max(steps, 1)
    shape = (num,) + (1,) * max(np.ndim(start), np.ndim(stop))
    fraction = fraction.reshape(shape)
    values = start + (stop - start) * fraction
    if endpoint and num > 1:
        values = _concatenate([getitem(values, slice(0, -1)),
                               _expand_dims(stop + 0.0 * start, 0)], axis=0)
    return (values, (stop - start) / max(steps, 1)) if retstep else values


@implements(np.cross)
def _cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    a = _moveaxis(a, axisa, -1)
    b = _moveaxis(b, axisb, -1)
    na, nb = np.shape(a)[-1], np.shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product (dimension must be 2 or 3)")
    a0, a1 = getitem(a, (Ellipsis, 0)), getitem(a, (Ellipsis, 1))
    b0, b1 = getitem(b, (Ellipsis, 0)), getitem(b, (Ellipsis, 1))
    a2 = getitem(a, (Ellipsis, 2)) if na == 3 else 0.0
    b2 = getitem(b, (Ellipsis, 2)) if nb == 3 else 0.0
    z = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return z
    x = a1 * b2 - a2 * b1
    y = a2 * b0 - a0 * b2
    return _moveaxis(_stack([x, y, z + 0.0 * x], axis=-1), -1, axisc)


@implements(np.gradient)
def _gradient(f, *varargs, axis=None, edge_order=1):
    if edge_order != 1 or any(np.ndim(h) != 0 for h in varargs):
        raise unsupported_function("gradient", "edge_order=2 and spacings given as coordinates "
                                   "are not supported; give one number per axis")
    axes = list(range(np.ndim(f))) if axis is None else [
        ax % np.ndim(f) for ax in np.atleast_1d(axis)]
    spacing = list(varargs) * len(axes) if len(varargs) == 1 else (list(varargs) or [1.0] * len(
        axes))
    results = []
    for ax, h in zip(axes, spacing):
        n = np.shape(f)[ax]
        if n < 2:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             "at least (edge_order + 1) elements are required.")
        first = (_along(f, ax, slice(1, 2)) - _along(f, ax, slice(0, 1))) / h
        last = (_along(f, ax, slice(n - 1, n)) - _along(f, ax, slice(n - 2, n - 1))) / h
        parts = [first]
        if n > 2:
            parts.append((_along(f, ax, slice(2, None)) - _along(f, ax, slice(0, -2))) / (2.0 * h))
        parts.append(last)
        results.append(_concatenate(parts, axis=ax))
    return results[0] if len(results) == 1 else tuple(results)


# -- np.linalg -------------------------------------------------------------------------
@implements(np.linalg.inv)
def _inv(a):
    return apply(L.inv_prim, (a,), {})


@implements(np.linalg.solve)
def _solve(a, b):
    return apply(L.solve_prim, (a, b), {})


@implements(np.linalg.det)
def _det(a):
    return apply(L.det_prim, (a,), {})


@implements(np.linalg.slogdet)
def _slogdet(a):
    sign = np.linalg.slogdet(strip(a))[0]
    mark_value_read((a,), None)  # the sign is read, not differentiated (it is piecewise constant)
    return type(np.linalg.slogdet(np.eye(1)))(sign, apply(L.logabsdet_prim, (a,), {}))


@implements(np.linalg.cholesky)
def _cholesky(a, /, *, upper=False):
    low = apply(L.cholesky_prim, (a,), {})
    return np.conj(_swapaxes(low, -1, -2)) if upper else low


@implements(np.linalg.eigh)
def _eigh(a, UPLO="L"):
    values = apply(L.eigh_values, (a, UPLO), {})
    vectors = apply(L.eigh_vectors, (a, UPLO), {})
    return type(np.linalg.eigh(np.eye(1)))(values, vectors)


@implements(np.linalg.eigvalsh)
def _eigvalsh(a, UPLO="L"):
    return apply(L.eigh_values, (a, UPLO), {})


@implements(np.linalg.svd)
def _svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    if not compute_uv:
        return apply(L.svd_s, (a,), {})
    m, n = np.shape(a)[-2:]
    if full_matrices and m != n:
        raise unsupported_function(
            "linalg.svd", "with full_matrices=True the extra singular vectors of a non-square "
            "matrix are not unique; pass full_matrices=False")
    parts = (apply(L.svd_u, (a,), {}), apply(L.svd_s, (a,), {}), apply(L.svd_vh, (a,), {}))
    return type(np.linalg.svd(np.eye(1)))(*parts)


@implements(np.linalg.svdvals)
def _svdvals(x, /):
    return apply(L.svd_s, (x,), {})


@implements(np.linalg.pinv)
def _pinv(a, rcond=None, hermitian=False, *, rtol=np._NoValue):
    plain = strip(a)
    rank = np.linalg.matrix_rank(plain)
    mark_value_read((a,), None)
    m, n = np.shape(plain)[-2:]
    if np.any(rank != min(m, n)):
        raise DifferentiationError(
            "np.linalg.pinv is not differentiable at a matrix of deficient rank (it jumps "
            "there); steepest differentiates it for matrices of full rank")
    at = np.conj(_swapaxes(a, -1, -2))
    if m >= n:
        return _solve(at @ a, at)
    return at @ _inv(a @ at)


@implements(np.linalg.matrix_power)
def _matrix_power(a, n):
    if n < 0:
        return _matrix_power(_inv(a), -n)
    result = _broadcast_to(np.eye(np.shape(a)[-1]), np.shape(a)) if n == 0 else a
    for _ in range(max(n - 1, 0)):
        result = result @ a
    return result


_EIG_ADVICE = ("the eigenvalues and eigenvectors of a general matrix are complex, and the "
               "eigenvectors fixed only up to a factor each; for symmetric matrices use "
               "np.linalg.eigh or np.linalg.eigvalsh")


@implements(np.linalg.eig)
def _eig(a):
    raise unsupported_function("linalg.eig", _EIG_ADVICE)


@implements(np.linalg.eigvals)
def _eigvals(a):
    raise unsupported_function("linalg.eigvals", _EIG_ADVICE)


def _vector_norm(x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    if not (ord is None or isinstance(ord, int | float | np.integer | np.floating)):
        raise unsupported_function("linalg.norm", f"ord={ord!r} is not an order of a vector norm")
    magnitude = np.abs(x)
    if ord in (None, 2):
        return apply(P.norm, (x,), _kw(axis, keepdims)) if not P.is_complex(x) else np.sqrt(
            _sum(np.real(x * np.conj(x)), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return _max(magnitude, axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return _min(magnitude, axis=axis, keepdims=keepdims)
    if ord == 0:
        # The count of nonzero elements reads the values: a replay checks it again.
        nonzero = _nonzero(strip(magnitude))
        mark_value_read((magnitude,), _nonzero, None, nonzero)
        return _sum(apply(P.where, (nonzero, 1.0, 0.0), {}), axis=axis, keepdims=keepdims)
    if ord == 1:
        return _sum(magnitude, axis=axis, keepdims=keepdims)
    return _sum(magnitude ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _matrix_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:
    row, col = (ax % np.ndim(x) for ax in axes)
    if ord in (None, "fro"):
        return _vector_norm(x, 2, (row, col), keepdims)
    if ord in (1, -1, np.inf, -np.inf):
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = _sum(np.abs(x), axis=summed, keepdims=True)
        pick = _max if ord in (1, np.inf) else _min
        result = pick(sums, axis=other, keepdims=True)
    elif ord in ("nuc", 2, -2):
        moved = _moveaxis(x, (row, col), (-2, -1))
        values = apply(L.svd_s, (moved,), {})
        result = {"nuc": _sum, 2: _max, -2: _min}[ord](values, axis=-1)
        result = _expand_dims(_expand_dims(result, -1), -1)
        result = _moveaxis(result, (-2, -1), (row, col))
    else:
        raise unsupported_function("linalg.norm", f"ord={ord!r} is not an order of a matrix norm")
    return result if keepdims else _squeeze(result, axis=(row, col))


@implements(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    nd = np.ndim(x)
    if axis is None and ord is None:
        return _vector_norm(_ravel(x), 2, None, False) if not keepdims else _reshape(
            _vector_norm(_ravel(x), 2, None, False), (1,) * nd)
    if axis is None:
        axis = tuple(range(nd))
    if isinstance(axis, int | np.integer) or len(tuple(axis)) == 1:
        ax = axis if isinstance(axis, int | np.integer) else next(iter(axis))
        return _vector_norm(x, ord, int(ax), keepdims)
    return _matrix_norm(x, ord, tuple(axis), keepdims)


@implements(np.linalg.vector_norm)
def _vector_norm_fn(x, /, *, axis=None, keepdims=False, ord=2):
    if axis is None:
        flat = _vector_norm(_ravel(x), ord, None, False)
        return _reshape(flat, (1,) * np.ndim(x)) if keepdims else flat
    return _vector_norm(x, ord, axis, keepdims)


@implements(np.linalg.matrix_norm)
def _matrix_norm_fn(x, /, *, keepdims=False, ord="fro"):
    return _matrix_norm(x, ord, (-2, -1), keepdims)


# The ufuncs that go straight to their primitive when called plainly (no
# keywords): not those written with others, nor absolute (complex arguments).
DIRECT_UFUNCS: dict[np.ufunc, P.Primitive] = {
    ufunc: prim for ufunc, prim in UFUNCS.items()
    if ufunc not in FUNCTIONS and ufunc is not np.absolute and ufunc.nin in (1, 2)
}
