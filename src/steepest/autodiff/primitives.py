"""The table of primitives: each operation beside its derivative rules.

This is the one place where derivative rules live.  Elementwise operations
give their local derivatives (``partials``: d ans / d arg as a function of
``(ans, *args)``), which serve reverse mode (gradient times local derivative)
and forward mode (tangent times local derivative) alike.  Other operations give
a vector-Jacobian product ``vjp(g, i, ans, args, kwargs)`` and a
Jacobian-vector product ``jvp(t, i, ans, args, kwargs)``.

The rules are written with NumPy functions, so when a value is itself traced
(a Hessian is the derivative of a gradient) the rules are differentiated too.
Everything else in steepest (``var``, ``std``, ``outer``, ``linalg.norm``...)
is built from these.
"""

from __future__ import annotations

import functools
import math
import threading
from typing import Any

import numpy as np

from steepest.autodiff.core import MINUS_ONE, ONE, Code, Node, Primitive, apply, strip, unbroadcast
from steepest.errors import DataError

PRIMITIVES: dict[str, Primitive] = {}

# Python floats, not NumPy scalars: they keep float32 values float32.
LN2 = math.log(2.0)
LN10 = math.log(10.0)


def primitive(name: str, forward: Any, *, partials: Any = None, vjp: Any = None,
              jvp: Any = None, differentiable_args: tuple[int, ...] | None = None,
              code: Code | None = None, units: tuple[Any, ...] | None = None,
              short_reduction: bool = False) -> Primitive:
    """Create a primitive and enter it in :data:`PRIMITIVES` under ``name``.

    >>> import numpy as np
    >>> PRIMITIVES["exp"].partials[0](np.exp(1.0), 1.0) == np.exp(1.0)
    np.True_
    """
    prim = Primitive(name, forward, tuple(partials) if partials is not None else None,
                     vjp, jvp, differentiable_args, code=code, units=units,
                     short_reduction=short_reduction)
    PRIMITIVES[name] = prim
    return prim


def _one(ans: Any, *args: Any) -> Any:
    return ONE


def _minus_one(ans: Any, *args: Any) -> Any:
    return MINUS_ONE


def _float_dtype(*values: Any) -> np.dtype:
    """The floating dtype of the values: float32 stays float32."""
    dtype = np.result_type(*(_concrete(v) for v in values))
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def _indicator(condition: Any, like: Any) -> np.ndarray:
    """1 where the (plain boolean) condition holds, else 0, in the dtype of ``like``."""
    return np.asarray(condition, dtype=_float_dtype(like))


def _where_positive_log(ans: Any, x: Any) -> Any:
    # d(x^y)/dy = x^y ln x; defined for x > 0, zero where x^y is 0, NaN for x < 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(strip_positive(x), x, 1.0)
        elsewhere = np.where(x == 0, 0.0, np.nan).astype(_float_dtype(ans))
        return np.where(strip_positive(x), ans * np.log(safe), elsewhere)


def strip_positive(x: Any) -> Any:
    """Where ``x`` is positive, as a plain boolean array (comparisons drop tracing).

    >>> strip_positive(np.array([-1.0, 0.0, 2.0]))
    array([False, False,  True])
    """
    return x > 0


def _power_base(ans: Any, x: Any, y: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return y * np.power(x, y - 1)


def _power_exponent(ans: Any, x: Any, y: Any) -> Any:
    return _where_positive_log(ans, x)


def _max_partial(ans: Any, x: Any, y: Any) -> Any:
    return _with_ties_halved(x > y, x, y, ans)


def _min_partial(ans: Any, x: Any, y: Any) -> Any:
    return _with_ties_halved(x < y, x, y, ans)


def _with_ties_halved(wins: Any, x: Any, y: Any, ans: Any) -> np.ndarray:
    """1 where ``x`` wins, 0.5 at ties (a subgradient shares equally), else 0.

    Comparisons give plain booleans (traced values are read, not recorded),
    so the rule is a constant to any outer trace.  A NaN compares false both
    ways and gets 0.  Ties are rare in practice, so they are patched in only
    when there are some: two nested ``where`` cost four times as much.
    """
    if type(wins) is np.ndarray and type(ans) is np.ndarray and ans.dtype.kind in "fc":
        local = wins.astype(ans.dtype)  # the common case, without asarray's dispatch
    else:
        local = np.asarray(wins, dtype=_float_dtype(ans))
    ties = x == y
    if np.count_nonzero(ties):  # count_nonzero: a quarter of any()'s cost
        local[ties] = 0.5
    return local


# -- elementwise: one input ------------------------------------------------
add = primitive("add", np.add, partials=(_one, _one), code=Code("{0} + {1}", (None, None)),
                units=(ONE, ONE))
subtract = primitive("subtract", np.subtract, partials=(_one, _minus_one),
                     code=Code("{0} - {1}", (None, None)), units=(ONE, MINUS_ONE))
multiply = primitive("multiply", np.multiply,
                     partials=(lambda ans, x, y: y, lambda ans, x, y: x),
                     code=Code("{0} * {1}", ("{1}", "{0}")))
# Integers whose conversion to float64 is exact: Python and NumPy agree on them.
_EXACT_INTEGERS = 2 ** 53


def _reciprocal_of_divisor(ans: Any, x: Any, y: Any) -> Any:
    # np.true_divide, not /: a constant Python divisor of 0 gives inf, and an array
    # scalar (never a bare float) that recorded programs can copy.  A Python divisor
    # takes the value's dtype, as NumPy's own division does (float32 stays float32).
    if (type(y) is int or type(y) is float) and y and -_EXACT_INTEGERS < y < _EXACT_INTEGERS and (
            type(x) is np.ndarray or isinstance(x, np.generic)) and x.dtype.kind == "f":
        # The same division in Python (a float64 number exactly as NumPy converts it),
        # rounded once to the dtype: without a ufunc call on two Python numbers.
        return x.dtype.type(1.0 / y)
    reciprocal = np.true_divide(1.0, y)
    if type(y) is int or type(y) is float:
        if isinstance(x, np.ndarray | np.generic) and x.dtype.kind in "fc":
            return reciprocal.astype(x.dtype)  # _float_dtype's answer, without its look
        return reciprocal.astype(_float_dtype(x))
    return reciprocal


divide = primitive("divide", np.true_divide,
                   partials=(_reciprocal_of_divisor, lambda ans, x, y: -ans / y),
                   code=Code("{0} / {1}", ("1.0 / {1}", "-{ans} / {1}")))
negative = primitive("negative", np.negative, partials=(_minus_one,), code=Code("-{0}", (None,)))
positive = primitive("positive", np.positive, partials=(_one,), code=Code("+{0}", (None,)))
# Python's math.pow raises where NumPy gives nan or inf (0 ** -1, (-8) ** (1/3)): the
# program over floats then hands that call to the NumPy program.  NumPy 2 takes a scalar
# exponent of 0.5 as a square root, which differs from pow at -inf (nan, not inf) and -0.0;
# SQRT_POWER is 0.5 where the installed NumPy does so (nan, equal to nothing, elsewhere).
power = primitive("power", np.power, partials=(_power_base, _power_exponent),
                  code=Code("(sqrt({0}) if {1} == SQRT_POWER else pow({0}, {1}))",
                            ("{1} * (sqrt({0}) if {1} - 1 == SQRT_POWER else pow({0}, {1} - 1))",
                             "{ans} * log({0})")))
square = primitive("square", np.square, partials=(lambda ans, x: 2.0 * x,),
                   code=Code("{0} * {0}", ("2.0 * {0}",)))
sqrt = primitive("sqrt", np.sqrt, partials=(lambda ans, x: 0.5 / ans,),
                 code=Code("sqrt({0})", ("0.5 / {ans}",)))
cbrt = primitive("cbrt", np.cbrt, partials=(lambda ans, x: 1.0 / (3.0 * ans * ans),),
                 code=Code("cbrt({0})", ("1.0 / (3.0 * {ans} * {ans})",)))
reciprocal = primitive("reciprocal", np.reciprocal, partials=(lambda ans, x: -ans * ans,),
                       code=Code("1.0 / {0}", ("-{ans} * {ans}",)))
exp = primitive("exp", np.exp, partials=(lambda ans, x: ans,), code=Code("exp({0})", ("{ans}",)))
exp2 = primitive("exp2", np.exp2, partials=(lambda ans, x: ans * LN2,),
                 code=Code("exp2({0})", ("{ans} * LN2",)))
expm1 = primitive("expm1", np.expm1, partials=(lambda ans, x: ans + 1.0,),
                  code=Code("expm1({0})", ("{ans} + 1.0",)))
log = primitive("log", np.log, partials=(lambda ans, x: 1.0 / x,),
                code=Code("log({0})", ("1.0 / {0}",)))
log2 = primitive("log2", np.log2, partials=(lambda ans, x: 1.0 / (x * LN2),),
                 code=Code("log2({0})", ("1.0 / ({0} * LN2)",)))
log10 = primitive("log10", np.log10, partials=(lambda ans, x: 1.0 / (x * LN10),),
                  code=Code("log10({0})", ("1.0 / ({0} * LN10)",)))
log1p = primitive("log1p", np.log1p, partials=(lambda ans, x: 1.0 / (1.0 + x),),
                  code=Code("log1p({0})", ("1.0 / (1.0 + {0})",)))
sin = primitive("sin", np.sin, partials=(lambda ans, x: np.cos(x),),
                code=Code("sin({0})", ("cos({0})",)))
cos = primitive("cos", np.cos, partials=(lambda ans, x: -np.sin(x),),
                code=Code("cos({0})", ("-sin({0})",)))
tan = primitive("tan", np.tan, partials=(lambda ans, x: 1.0 + ans * ans,),
                code=Code("tan({0})", ("1.0 + {ans} * {ans}",)))
arcsin = primitive("arcsin", np.arcsin, partials=(lambda ans, x: 1.0 / np.sqrt(1.0 - x * x),),
                   code=Code("asin({0})", ("1.0 / sqrt(1.0 - {0} * {0})",)))
arccos = primitive("arccos", np.arccos, partials=(lambda ans, x: -1.0 / np.sqrt(1.0 - x * x),),
                   code=Code("acos({0})", ("-1.0 / sqrt(1.0 - {0} * {0})",)))
arctan = primitive("arctan", np.arctan, partials=(lambda ans, x: 1.0 / (1.0 + x * x),),
                   code=Code("atan({0})", ("1.0 / (1.0 + {0} * {0})",)))
sinh = primitive("sinh", np.sinh, partials=(lambda ans, x: np.cosh(x),),
                 code=Code("sinh({0})", ("cosh({0})",)))
cosh = primitive("cosh", np.cosh, partials=(lambda ans, x: np.sinh(x),),
                 code=Code("cosh({0})", ("sinh({0})",)))
tanh = primitive("tanh", np.tanh, partials=(lambda ans, x: 1.0 - ans * ans,),
                 code=Code("tanh({0})", ("1.0 - {ans} * {ans}",)))
arcsinh = primitive("arcsinh", np.arcsinh, partials=(lambda ans, x: 1.0 / np.sqrt(x * x + 1.0),),
                    code=Code("asinh({0})", ("1.0 / sqrt({0} * {0} + 1.0)",)))
arccosh = primitive("arccosh", np.arccosh, partials=(lambda ans, x: 1.0 / np.sqrt(x * x - 1.0),),
                    code=Code("acosh({0})", ("1.0 / sqrt({0} * {0} - 1.0)",)))
arctanh = primitive("arctanh", np.arctanh, partials=(lambda ans, x: 1.0 / (1.0 - x * x),),
                    code=Code("atanh({0})", ("1.0 / (1.0 - {0} * {0})",)))
absolute = primitive("absolute", np.absolute, partials=(lambda ans, x: np.sign(x),),
                     code=Code("abs({0})", ("sign({0})",)))
maximum = primitive("maximum", np.maximum,
                    partials=(_max_partial, lambda a, x, y: _max_partial(a, y, x)))
minimum = primitive("minimum", np.minimum,
                    partials=(_min_partial, lambda a, x, y: _min_partial(a, y, x)))
fmax = primitive("fmax", np.fmax, partials=maximum.partials)
fmin = primitive("fmin", np.fmin, partials=minimum.partials)
logaddexp = primitive(
    "logaddexp", np.logaddexp,
    partials=(lambda ans, x, y: np.exp(x - ans), lambda ans, x, y: np.exp(y - ans)),
)
logaddexp2 = primitive(
    "logaddexp2", np.logaddexp2,
    partials=(lambda ans, x, y: np.exp2(x - ans), lambda ans, x, y: np.exp2(y - ans)),
)


def _over_radius(v: Any, radius: Any, times: int = 1) -> Any:
    """``v / radius ** times`` for a radius ``hypot(...) >= 0``, and 0 where the radius is 0.

    At the origin hypot and arctan2 have no derivative: hypot takes the
    subgradient 0 there, as a norm does at 0, and arctan2, which jumps there,
    the slope 0 of a step function at its jump.  Dividing by the radius
    ``times`` times, rather than by its square, keeps the partials finite
    where a square would underflow (x = y = 1e-200 in float64, 1e-30 in
    float32).  ``radius == 0`` is a comparison: a recording checks it again.

    >>> _over_radius(np.array([3.0, 0.0]), np.array([5.0, 0.0]), 2)
    array([0.12, 0.  ])
    """
    origin = radius == 0
    if np.count_nonzero(origin):  # rare: the origin itself
        radius = np.where(origin, 1.0, radius)
        quotient = v / radius if times == 1 else v / radius / radius
        return np.where(origin, 0.0, quotient)
    return v / radius if times == 1 else v / radius / radius


arctan2 = primitive(
    "arctan2", np.arctan2,
    partials=(lambda ans, y, x: _over_radius(x, np.hypot(y, x), 2),
              lambda ans, y, x: _over_radius(-y, np.hypot(y, x), 2)),
    code=Code("atan2({0}, {1})",
              ("over_radius(over_radius({1}, hypot({0}, {1})), hypot({0}, {1}))",
               "over_radius(over_radius(-{0}, hypot({0}, {1})), hypot({0}, {1}))")),
)
# The templates name over_radius, not a division: a recorded program then calls the rule
# rather than joining a bare division, which would give nan at the origin.
hypot = primitive("hypot", np.hypot,
                  partials=(lambda ans, x, y: _over_radius(x, ans),
                            lambda ans, x, y: _over_radius(y, ans)),
                  code=Code("hypot({0}, {1})",
                            ("over_radius({0}, {ans})", "over_radius({1}, {ans})")))
# np.clip is minimum(maximum(x, lo), hi): when lo > hi every element is hi.
clip = primitive(
    "clip", lambda x, lo, hi: np.clip(x, lo, hi),
    partials=(lambda ans, x, lo, hi: _indicator((x >= lo) & (x <= hi), ans),
              lambda ans, x, lo, hi: _indicator((x < lo) & (lo <= hi), ans),
              lambda ans, x, lo, hi: _indicator((x > hi) | (lo > hi), ans)),
)
where = primitive(
    "where", np.where,
    partials=(None, lambda ans, c, x, y: _indicator(c, ans),
              lambda ans, c, x, y: _indicator(np.logical_not(c), ans)),
    differentiable_args=(1, 2),
)
identity = primitive("copy", np.copy, partials=(_one,), code=Code("{0}", (None,)))
# x mod y = x - floor(x / y) * y: slope 1 in x and -floor(x / y) in y, away from the jumps.
remainder = primitive(
    "remainder", np.remainder,
    partials=(_one, lambda ans, x, y: -np.floor_divide(x, y)),
)
# fmod truncates instead: x - trunc(x / y) * y.
fmod = primitive("fmod", np.fmod,
                 partials=(_one, lambda ans, x, y: -np.trunc(np.true_divide(x, y))))


def _spread_root_partial(ans: Any, v: Any) -> Any:
    # Where the spread is 0 the square root has no slope: the subgradient 0 is taken,
    # as for a norm at the origin (exactly right for a spread that is always 0).
    zero = _concrete(ans) == 0
    return np.where(zero, 0.0, 0.5 / np.where(zero, 1.0, ans))


# The standard deviation from the variance: sqrt with slope 0 where the variance is 0.
def _spread_root_forward(v: Any) -> Any:
    # A value of an outer trace (a second derivative) is recorded there as this same
    # operation, not as np.sqrt, whose slope at 0 is infinite.
    return apply(spread_root, (v,), {}) if isinstance(v, Node) else np.sqrt(v)


spread_root = primitive("spread_root", _spread_root_forward, partials=(_spread_root_partial,))


# -- step functions ----------------------------------------------------------
def _flat_vjp(g: Any, i: int, ans: Any, args: Any, kwargs: Any) -> Any:
    # Zeros, not g * 0: an incoming inf or nan stays out of a derivative that is 0.
    return np.zeros(np.shape(args[i]), dtype=_float_dtype(args[i]))


def _flat_jvp(t: Any, i: int, ans: Any, args: Any, kwargs: Any) -> Any:
    return np.zeros(np.shape(ans), dtype=_float_dtype(ans))


# Piecewise-constant functions: derivative 0 wherever it is defined, and 0 at their jumps
# by convention.  A transform takes their results as constants (what they contribute to a
# gradient is 0 either way); a tensor that requires grad records them, as PyTorch does, so
# that their results require grad too and backward() through them gives zeros.
STEPS = {fn: primitive(fn.__name__, fn, vjp=_flat_vjp, jvp=_flat_jvp)
         for fn in (np.sign, np.floor, np.ceil, np.trunc, np.rint, np.heaviside,
                    np.floor_divide, np.round, np.around, np.fix)}


# -- complex numbers ---------------------------------------------------------
# The convention (autograd's and JAX's): the reverse rule of a holomorphic
# function is the forward one, g * f'(z), so one local derivative serves both
# modes; for a real-valued function of z = x + iy the gradient is then
# df/dx - i df/dy, the complex conjugate of PyTorch's.  Functions that are
# not holomorphic (real, imag, conj, abs, angle) give both rules here.
def is_complex(x: Any) -> bool:
    """Whether a value (traced or not) holds complex numbers.

    >>> is_complex(1j), is_complex(np.ones(2))
    (True, False)
    """
    return np.iscomplexobj(_concrete(x))


def _like_input(g: Any, x: Any) -> Any:
    """A gradient in the input's kind of number: the real part for a real input."""
    if is_complex(x):
        return g if is_complex(g) else g * (1.0 + 0.0j)
    return np.real(g) if is_complex(g) else g


real = primitive("real", np.real,
                 vjp=lambda g, i, ans, args, kw: _like_input(np.real(g), args[0]),
                 jvp=lambda t, i, ans, args, kw: np.real(t))
imag = primitive("imag", np.imag,
                 vjp=lambda g, i, ans, args, kw: _like_input(-1.0j * np.real(g), args[0]),
                 jvp=lambda t, i, ans, args, kw: np.imag(t))
conjugate = primitive("conjugate", np.conjugate,
                      vjp=lambda g, i, ans, args, kw: _like_input(np.conjugate(g), args[0]),
                      jvp=lambda t, i, ans, args, kw: np.conjugate(t))


def _unit_conj(z: Any, ans: Any) -> Any:
    """conj(z) / |z|, and 0 at z = 0 (the subgradient, as for |x| at 0)."""
    zero = _concrete(ans) == 0
    return np.where(zero, 0.0, np.conjugate(z) / np.where(zero, 1.0, ans))


complex_abs = primitive(
    "complex_abs", np.absolute,
    vjp=lambda g, i, ans, args, kw: np.real(g) * _unit_conj(args[0], ans),
    jvp=lambda t, i, ans, args, kw: np.real(t * _unit_conj(args[0], ans)),
)


def _angle_slope(z: Any) -> Any:
    """-i conj(z) / |z|^2: the gradient of angle(z) (0 at z = 0)."""
    size = np.real(z * np.conjugate(z))
    zero = _concrete(size) == 0
    return np.where(zero, 0.0, -1.0j * np.conjugate(z) / np.where(zero, 1.0, size))


angle = primitive(
    "angle", np.angle,
    vjp=lambda g, i, ans, args, kw: _like_input(np.real(g) * _angle_slope(args[0]), args[0]),
    jvp=lambda t, i, ans, args, kw: np.real(t * _angle_slope(args[0])),
)


# -- reductions ------------------------------------------------------------
def _normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int | np.integer):  # np.argmax(...) and friends give NumPy integers
        axis = (axis,)
    return tuple(int(a) % ndim if ndim else 0 for a in axis)


def _keepdims_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    axes = _normalize_axis(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


# Elements: a reduction's gradient this small is spread into a new array, not a view.
FILLED_AT_MOST = 1 << 12


def _expand_back(g: Any, x_shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Undo a reduction's shape: g broadcast back to the input's shape."""
    # A reduction over every axis leaves a 0-d g (or all ones): it broadcasts as it is.
    if not keepdims and axis is not None:
        g = np.reshape(g, _keepdims_shape(x_shape, axis))
    plain = type(g) is np.ndarray or isinstance(g, np.generic)
    if plain and math.prod(x_shape) <= FILLED_AT_MOST:
        # Small (a loss over a batch): filling a new array costs a fraction of
        # np.broadcast_to's Python, and the array may be handed on as a gradient as it is.
        out = np.empty(x_shape, dtype=g.dtype)
        out[...] = g
        return out
    return np.broadcast_to(g, x_shape)


def _shape(x: Any) -> tuple[int, ...]:
    """``np.shape(x)``; an array's own attribute (np.shape costs a dispatch per call)."""
    return x.shape if type(x) is np.ndarray else np.shape(x)


def _sum_vjp(g, i, ans, args, kw):
    return _expand_back(g, _shape(args[0]), kw.get("axis"), kw.get("keepdims", False))


def _sum_jvp(t, i, ans, args, kw):
    return np.sum(t, **kw)


def _sum_forward(x: Any, axis: Any = None, keepdims: bool = False, **options: Any) -> Any:
    """``np.sum``; on a plain array the reduction np.sum itself calls, without its wrapper."""
    if type(x) is np.ndarray and not options:
        return np.add.reduce(x, axis=axis, keepdims=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims, **options)


sum_ = primitive("sum", _sum_forward, vjp=_sum_vjp, jvp=_sum_jvp, short_reduction=True)


def element_count(shape: tuple[int, ...], axis: Any) -> int:
    """How many elements a reduction over ``axis`` combines into each result.

    >>> element_count((2, 3, 4), (0, 2)), element_count((2, 3), None)
    (8, 6)
    """
    axes = _normalize_axis(axis, len(shape))
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _mean_vjp(g, i, ans, args, kw):
    shape = np.shape(args[0])
    axis = kw.get("axis")
    if axis is None and isinstance(g, np.ndarray | np.generic | float):
        # The mean of everything (a loss): one filled array, not a broadcast then a division.
        return np.full(shape, g / element_count(shape, None))
    return _expand_back(g, shape, axis, kw.get("keepdims", False)) / element_count(shape, axis)


mean = primitive("mean", np.mean, vjp=_mean_vjp, jvp=lambda t, i, ans, args, kw: np.mean(t, **kw),
                 short_reduction=True)


def _prod_vjp(g, i, ans, args, kw):
    x = args[0]
    axis, keepdims = kw.get("axis"), kw.get("keepdims", False)
    g_full = _expand_back(g, np.shape(x), axis, keepdims)
    ans_full = _expand_back(ans, np.shape(x), axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = ans_full / x
    if np.all(np.asarray(_concrete(x)) != 0):
        return g_full * quotient
    return g_full * _products_of_others(x, axis)


def _concrete(x: Any) -> Any:
    return strip(x)


def _products_of_others(x: Any, axis: Any) -> np.ndarray:
    """prod over the axis with each element left out in turn (zeros allowed)."""
    x = np.asarray(_concrete(x))
    if axis is None:
        flat = x.reshape(-1)
        return _products_of_others(flat, 0).reshape(x.shape)
    axes = _normalize_axis(axis, x.ndim)
    if len(axes) > 1:
        moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
        merged = moved.reshape(moved.shape[: -len(axes)] + (-1,))
        others = _products_of_others(merged, -1).reshape(moved.shape)
        return np.moveaxis(others, tuple(range(-len(axes), 0)), axes)
    a = axes[0]
    moved = np.moveaxis(x, a, -1)
    ones = np.ones(moved.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, moved[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis(left * right, -1, a)


def _prod_jvp(t, i, ans, args, kw):
    x = args[0]
    axis, keepdims = kw.get("axis"), kw.get("keepdims", False)
    return np.sum(t * _prod_vjp(np.ones_like(_concrete(ans)), 0, ans, args, kw),
                  axis=axis, keepdims=keepdims) if np.ndim(x) else t


prod = primitive("prod", np.prod, vjp=_prod_vjp, jvp=_prod_jvp)


def _extremum_vjp(g, i, ans, args, kw):
    x = args[0]
    axis, keepdims = kw.get("axis"), kw.get("keepdims", False)
    shape = np.shape(x)
    ans_full = _expand_back(ans, shape, axis, keepdims)
    hits = _indicator(x == ans_full, ans)
    # Ties share the gradient equally.
    count = np.sum(hits, axis=axis, keepdims=True)
    return _expand_back(g, shape, axis, keepdims) * hits / count


def _extremum_jvp(t, i, ans, args, kw):
    x = args[0]
    axis, keepdims = kw.get("axis"), kw.get("keepdims", False)
    ans_full = _expand_back(ans, np.shape(x), axis, keepdims)
    hits = _indicator(x == ans_full, ans)
    count = np.sum(hits, axis=axis, keepdims=keepdims)
    return np.sum(t * hits, axis=axis, keepdims=keepdims) / count


def _extremum_forward(reduce: Any, function: Any) -> Any:
    """``np.max`` or ``np.min``; on a plain array the reduction they call, without their wrapper."""
    def forward(x: Any, axis: Any = None, keepdims: bool = False, **options: Any) -> Any:
        if type(x) is np.ndarray and not options:
            return reduce(x, axis=axis, keepdims=keepdims)
        return function(x, axis=axis, keepdims=keepdims, **options)

    return forward


amax = primitive("max", _extremum_forward(np.maximum.reduce, np.max), vjp=_extremum_vjp,
                 jvp=_extremum_jvp, short_reduction=True)
amin = primitive("min", _extremum_forward(np.minimum.reduce, np.min), vjp=_extremum_vjp,
                 jvp=_extremum_jvp, short_reduction=True)


def _cumsum_vjp(g, i, ans, args, kw):
    axis = kw.get("axis")
    x_shape = np.shape(args[0])
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(np.reshape(g, (-1,))))), x_shape)
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


cumsum = primitive("cumsum", np.cumsum, vjp=_cumsum_vjp,
                   jvp=lambda t, i, ans, args, kw: np.cumsum(t, **kw))


# -- linear algebra --------------------------------------------------------
def _fortran_ordered(a: np.ndarray) -> bool:
    """True for a matrix laid out column by column only (the transpose of a C-ordered one)."""
    flags = a.flags
    return flags.f_contiguous and not flags.c_contiguous


def _matmul_vjp(g, i, ans, args, kw):
    a, b = args
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 == b.ndim:
        # Matrix by matrix (a layer of a network): nothing is broadcast, so
        # nothing is summed back; only the BLAS call is left.  The gradient is
        # made in its argument's layout: BLAS computes either order at the same
        # cost, and a training step that subtracts it from the argument (or
        # from the matrix the argument is the transpose of, as in ``x @ W.T``)
        # then reads both in the same order instead of one across the other.
        if i == 0:
            return (b @ g.T).T if _fortran_ordered(a) else g @ b.T
        return (g.T @ a).T if _fortran_ordered(b) else a.T @ g
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 1 and b_nd == 1:
        return g * b if i == 0 else g * a
    if i == 0:
        if b_nd == 1:  # (..., n, k) @ (k,) -> (..., n)
            ga = np.expand_dims(g, -1) * b
        elif a_nd == 1:  # (k,) @ (..., k, m) -> (..., m)
            ga = np.matmul(b, np.expand_dims(g, -1))[..., 0]
        else:
            ga = np.matmul(g, np.swapaxes(b, -1, -2))
        return unbroadcast(ga, np.shape(a))
    if a_nd == 1:
        gb = np.expand_dims(a, -1) * np.expand_dims(g, -2)
    elif b_nd == 1:
        gb = np.matmul(np.swapaxes(a, -1, -2), np.expand_dims(g, -1))[..., 0]
    else:
        gb = np.matmul(np.swapaxes(a, -1, -2), g)
    return unbroadcast(gb, np.shape(b))


def _matmul_jvp(t, i, ans, args, kw):
    a, b = args
    return np.matmul(t, b) if i == 0 else np.matmul(a, t)


matmul = primitive("matmul", np.matmul, vjp=_matmul_vjp, jvp=_matmul_jvp)


# A fully connected layer, ``x @ weight.T + bias``, as one operation.  Spelled
# out it records a transpose, a product and a sum, and its backward sweep
# passes three nodes and sums the bias gradient through ``unbroadcast``;
# fused, it is one node whose rules are the product's and the sum's.
def _transposed(weight: Any) -> Any:
    """``weight.T``: an array's own attribute, NumPy's function for anything else."""
    return weight.T if type(weight) is np.ndarray else np.transpose(weight)


def _linear_forward(x: Any, weight: Any, bias: Any = None) -> Any:
    out = np.matmul(x, weight.T if type(weight) is np.ndarray else np.transpose(weight))
    if bias is None:
        return out
    if (type(out) is np.ndarray and type(bias) is np.ndarray and bias.dtype == out.dtype
            and bias.shape == out.shape[-1:]):
        # The product's memory is fresh: the bias is added into it (the same sum, no new array).
        return np.add(out, bias, out=out)
    return out + bias


def _linear_vjp(g, i, ans, args, kw):
    x, weight = args[0], args[1]
    if i == 2:
        bias = args[2]
        if type(g) is np.ndarray and type(bias) is np.ndarray and g.ndim == 2 and (
                bias.shape == g.shape[1:]):
            return np.add.reduce(g, axis=0)  # unbroadcast's sum, without its look at the shapes
        return unbroadcast(g, np.shape(bias))
    if type(g) is np.ndarray and type(x) is np.ndarray and type(weight) is np.ndarray and (
            g.ndim == 2 == x.ndim == weight.ndim):
        # A layer on a batch: the product's rules (_matmul_vjp's matrix case) written for
        # x @ weight.T, each gradient in its argument's layout and in memory of its own.
        if i == 0:
            return (weight.T @ g.T).T if _fortran_ordered(x) else g @ weight
        return g.T @ x if _fortran_ordered(weight.T) else (x.T @ g).T
    if i == 0:
        return _matmul_vjp(g, 0, ans, (x, _transposed(weight)), kw)
    # The weight's gradient is the transpose of the product's second argument's.
    return _transposed(_matmul_vjp(g, 1, ans, (x, _transposed(weight)), kw))


def _linear_jvp(t, i, ans, args, kw):
    x, weight = args[0], args[1]
    if i == 0:
        return np.matmul(t, _transposed(weight))
    if i == 1:
        return np.matmul(x, _transposed(t))
    return t


linear = primitive("linear", _linear_forward, vjp=_linear_vjp, jvp=_linear_jvp)


def linear_fn(x: Any, weight: Any, bias: Any = None) -> Any:
    """``x @ weight.T + bias``: a fully connected layer as one primitive.

    ``weight`` has shape ``(out, in)`` and ``bias`` (optional) shape ``(out,)``;
    ``x`` is ``(..., in)``.  The values are those of the expression written
    out; so are the gradients, up to the rounding of the matrix products
    (the weight's is made in the weight's own layout).

    >>> x, w, b = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0], [5.0, 6.0]]), np.array([0.5, 1.0])
    >>> linear_fn(x, w, b)
    array([[11.5, 18. ]])
    """
    return apply(linear, (x, weight) if bias is None else (x, weight, bias), {})


def _norm_forward(x, axis=None, keepdims=False):
    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))


def _norm_vjp(g, i, ans, args, kw):
    x = args[0]
    axis, keepdims = kw.get("axis"), kw.get("keepdims", False)
    shape = np.shape(x)
    ans_full = _expand_back(ans, shape, axis, keepdims)
    # The subgradient 0 at the origin, as PyTorch does.
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(ans_full == 0, 0.0, x / np.where(ans_full == 0, 1.0, ans_full))
    return _expand_back(g, shape, axis, keepdims) * unit


def _norm_jvp(t, i, ans, args, kw):
    x = args[0]
    unit = _norm_vjp(np.ones_like(_concrete(ans)), i, ans, args, kw)
    return np.sum(t * unit, axis=kw.get("axis"), keepdims=kw.get("keepdims", False)) if np.ndim(
        x) else t * np.sign(x)


norm = primitive("norm", _norm_forward, vjp=_norm_vjp, jvp=_norm_jvp)


# -- shape -----------------------------------------------------------------
reshape = primitive(
    "reshape", lambda x, shape: np.reshape(x, shape),
    vjp=lambda g, i, ans, args, kw: np.reshape(g, np.shape(args[0])),
    jvp=lambda t, i, ans, args, kw: np.reshape(t, args[1]),
    differentiable_args=(0,),
)


def _inverse_axes(axes: Any, ndim: int) -> Any:
    if axes is None:
        return None
    return tuple(np.argsort(axes))


transpose = primitive(
    "transpose", lambda x, axes=None: np.transpose(x, axes),
    vjp=lambda g, i, ans, args, kw: np.transpose(g, _inverse_axes(kw.get("axes"), np.ndim(g))),
    jvp=lambda t, i, ans, args, kw: np.transpose(t, kw.get("axes")),
)
broadcast_to = primitive(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
    vjp=lambda g, i, ans, args, kw: unbroadcast(g, np.shape(args[0])),
    jvp=lambda t, i, ans, args, kw: np.broadcast_to(t, args[1]),
    differentiable_args=(0,),
)
flip = primitive(
    "flip", lambda x, axis=None: np.flip(x, axis),
    vjp=lambda g, i, ans, args, kw: np.flip(g, kw.get("axis")),
    jvp=lambda t, i, ans, args, kw: np.flip(t, kw.get("axis")),
)


def plain_index(index: Any) -> Any:
    """An index with traced parts replaced by their values (an index has no derivative).

    >>> plain_index((slice(None), 2))
    (slice(None, None, None), 2)
    """
    if isinstance(index, tuple):
        return tuple(strip(k) for k in index)
    return strip(index)


def _index_is_basic(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(k, slice | int | np.integer) or k is None or k is Ellipsis
        or (isinstance(k, np.ndarray) and k.dtype == bool)
        for k in parts
    )


def _scatter(g: Any, shape: tuple[int, ...], index: Any, dtype: Any) -> Any:
    """The adjoint of indexing: place g into zeros at index, adding repeats."""
    if isinstance(g, Node):
        return scatter_add_fn(g, shape, index)
    out = np.zeros(shape, dtype=np.result_type(g, dtype))
    if _index_is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _getitem_vjp(g, i, ans, args, kw):
    x, index = args
    return _scatter(g, np.shape(x), index, _concrete(x).dtype)


getitem = primitive(
    "getitem", lambda x, index: x[index],
    vjp=_getitem_vjp,
    jvp=lambda t, i, ans, args, kw: t[args[1]],
    differentiable_args=(0,),
)

scatter_add = primitive(
    "scatter_add", lambda g, shape, index: _scatter(g, shape, index, _float_dtype(g)),
    vjp=lambda g, i, ans, args, kw: g[args[2]],
    jvp=lambda t, i, ans, args, kw: scatter_add_fn(t, args[1], args[2]),
    differentiable_args=(0,),
)


def scatter_add_fn(g: Any, shape: tuple[int, ...], index: Any) -> Any:
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeats add up): indexing's adjoint.

    >>> scatter_add_fn(np.array([1.0, 2.0, 3.0]), (2,), np.array([0, 1, 1]))
    array([1., 5.])
    """
    return apply(scatter_add, (g, shape, index), {})


def _concat_vjp(g, i, ans, args, kw):
    axis = kw.get("axis", 0)
    start = sum(np.shape(a)[axis] for a in args[:i])
    size = np.shape(args[i])[axis]
    index = [slice(None)] * np.ndim(g)
    index[axis] = slice(start, start + size)
    return g[tuple(index)]


def _tangent_among_zeros(t: Any, i: int, args: Any) -> list[Any]:
    """The parts of a joined array: argument ``i``'s tangent, zeros for the others."""
    return [t if j == i else np.zeros_like(_concrete(a)) for j, a in enumerate(args)]


def _concat_jvp(t, i, ans, args, kw):
    return np.concatenate(_tangent_among_zeros(t, i, args), axis=kw.get("axis", 0))


concatenate = primitive("concatenate", lambda *xs, axis=0: np.concatenate(xs, axis=axis),
                        vjp=_concat_vjp, jvp=_concat_jvp)


def _stack_vjp(g, i, ans, args, kw):
    axis = kw.get("axis", 0) % np.ndim(g)
    index = [slice(None)] * np.ndim(g)
    index[axis] = i
    return g[tuple(index)]


def _stack_jvp(t, i, ans, args, kw):
    return np.stack(_tangent_among_zeros(t, i, args), axis=kw.get("axis", 0))


stack = primitive("stack", lambda *xs, axis=0: np.stack(xs, axis=axis),
                  vjp=_stack_vjp, jvp=_stack_jvp)


def _astype_forward(x, dtype):
    if isinstance(x, np.ndarray):
        return x.astype(dtype)
    if isinstance(x, Node):  # a value of an outer trace (a second derivative): cast there
        return apply(astype, (x, dtype), {})
    return np.asarray(x).astype(dtype)


def _astype_vjp(g, i, ans, args, kw):
    # The gradient takes the dtype of the value before the cast.
    dtype = _concrete(args[0]).dtype
    return g.astype(dtype) if hasattr(g, "astype") else np.asarray(g, dtype=dtype)


astype = primitive(
    "astype", _astype_forward,
    vjp=_astype_vjp,
    jvp=lambda t, i, ans, args, kw: t,
    differentiable_args=(0,),
)


# -- fused losses ----------------------------------------------------------
# Softmax cross-entropy as one operation.  Spelled out (max, subtract, exp,
# sum, log, a pick per row, mean) it records a dozen nodes, and half of its
# backward sweep carries the gradient through the max shift, which is zero;
# fused, it is one node with the closed-form gradient (softmax(z) - target) / n.
def _any_tensor(*values: Any) -> bool:
    """True when a value is a steepest Tensor."""
    return any(type(v) is not np.ndarray and isinstance(v, Node) for v in values)


def _logits(z: Any) -> np.ndarray:
    if type(z) is not np.ndarray:
        z = np.asarray(z)
    if z.ndim != 2 or z.shape[1] == 0:
        raise DataError("logits must be a 2-d array (samples, classes) with at least one "
                        f"class, not shape {z.shape}")
    if z.dtype.kind != "f":
        if z.dtype.kind not in "iub":
                raise DataError(f"logits must be real numbers, not {z.dtype}")
        z = z.astype(np.float64)
    return z


_SMALL_RANGE = 1 << 12  # elements


@functools.lru_cache(maxsize=32)
def _kept_range(count: int, step: int, dtype: type) -> np.ndarray:
    numbers = np.arange(0, count * step, step, dtype=dtype)
    numbers.flags.writeable = False  # shared by every call
    return numbers


def _range(count: int, step: int, dtype: type) -> np.ndarray:
    """``0, step, 2 step...`` (``count`` numbers): kept for the sizes of a batch or of the classes.

    >>> _range(3, 10, np.intp)
    array([ 0, 10, 20])
    """
    if count <= _SMALL_RANGE:
        # A loss is called with the same batch size and classes step after step.
        return _kept_range(count, step, dtype)
    return np.arange(0, count * step, step, dtype=dtype)


def _row_max(z: np.ndarray) -> np.ndarray:
    """``z.max(axis=1, keepdims=True)``, the same numbers."""
    if z.shape[1] <= 32:
        # NumPy reduces along a short contiguous row several times slower than
        # it reads down columns: a transposed copy is cheaper up to ~32 classes.
        return z.T.copy().max(axis=0)[:, None]
    return z.max(axis=1, keepdims=True)


def _class_targets(labels: Any, shape: tuple[int, ...],
                   check: bool = True) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``(column of each row, None)`` for class labels, ``(None, target)`` for an (n, k) target.

    >>> _class_targets(np.array([2.0, 0.0]), (2, 3))
    (array([2, 0]), None)
    """
    if type(labels) is not np.ndarray:
        labels = np.asarray(_concrete(labels))
    n, k = shape
    if labels.shape == (n,) and labels.dtype.kind in "iubf":
        if labels.dtype.kind != "f":
            columns = labels.astype(np.intp, copy=False)
            # Viewed as unsigned, a negative label is huge: one comparison checks both ends.
            if not check or not np.count_nonzero(columns.view(np.uintp) >= k):
                return columns, None
        else:
            # Inside a trace labels arrive as floats: every input of a trace is one.
            # Looked up among the classes 0.0..k-1.0 rather than cast to integers:
            # a cast of NaN warns, and silencing that (errstate) costs more than
            # the lookup.  A label is a class exactly when the class found for it
            # (clipped into range) equals it: wholeness and both ends in one test.
            classes = _range(k, 1, np.float64)
            columns = classes.searchsorted(labels)
            if not check or not np.count_nonzero(classes.take(columns, mode="clip") != labels):
                return columns, None
    elif labels.shape == (n, k) and labels.dtype.kind in "iubf":
        return None, labels
    raise DataError(
        f"labels must be {n} class labels (integers 0..{k - 1}) or an ({n}, {k}) array of "
        f"target probabilities, one row per row of the logits; got shape {labels.shape}"
        + (" with values out of range" if labels.shape == (n,) else "")
    )


# The exponentials of the last forward call on small logits, for the vjp that
# normally follows at once: the softmax is then not computed twice.  One entry
# per thread (threads may differentiate at the same time), matched by the
# identity of the result and of the arguments, and taken when used (the vjp
# scales it in place); large logits are not kept alive for it.
_KEEP_AT_MOST = 1 << 16  # elements


class _KeptSoftmax(threading.local):
    # (value, logits, labels, exponentials, row sums, flat positions of the labels
    # or None, target or None); a class attribute, so a new thread starts with None.
    entry: tuple[Any, ...] | None = None


_kept_softmax = _KeptSoftmax()


def _softmax_cross_entropy_forward(z: Any, labels: Any) -> Any:
    if (type(z) is not np.ndarray or type(labels) is not np.ndarray) and _any_tensor(z, labels):
        # Values of an older trace (a Hessian): recorded there in turn.
        return softmax_cross_entropy_fn(z, labels)
    given = z
    z = _logits(z)
    n, k = z.shape
    columns, target = _class_targets(labels, z.shape)
    shifted = z - _row_max(z)
    e = np.exp(shifted)
    sums = e.sum(axis=1, keepdims=True)
    log_norm = np.log(sums.reshape(-1))
    if columns is not None:
        # Positions in the flattened array: take() is a third of the cost of
        # indexing by (rows, columns), and the vjp reuses them.
        picks = columns + _range(n, k, np.intp)
        per_row = log_norm - shifted.take(picks)
    else:
        picks = None
        target = target.astype(z.dtype, copy=False)
        per_row = log_norm * target.sum(axis=1) - (target * shifted).sum(axis=1)
    # sum / n is the mean at a third of its cost (nan for no rows, as np.mean gives).
    value = per_row.sum() / n if n else per_row.dtype.type(np.nan)
    if n * k <= _KEEP_AT_MOST:
        _kept_softmax.entry = (value, given, labels, e, sums, picks, target)
    return value


def _softmax_residual(z: Any, labels: Any, ans: Any = None) -> Any:
    """``softmax(z) * sum(target) - target`` row by row: d (summed loss) / d z, a fresh array."""
    kept = _kept_softmax.entry
    if kept is not None and kept[0] is ans and kept[1] is z and kept[2] is labels:
        _kept_softmax.entry = None
        p, sums, picks, target = kept[3:]
        p /= sums
        if picks is not None:
            p.reshape(-1)[picks] -= 1.0  # e is a fresh C-ordered array: reshape is a view
        else:
            p *= target.sum(axis=1, keepdims=True)
            p -= target
        return p
    if _any_tensor(z, labels):
        # Written with NumPy functions, so that an outer trace records it.
        plain = _concrete(z)
        columns, target = _class_targets(labels, plain.shape, check=False)
        e = np.exp(z - plain.max(axis=1, keepdims=True))  # the shift is a constant
        p = e / np.sum(e, axis=1, keepdims=True)
        if columns is not None:
            one_hot = np.zeros(plain.shape, dtype=plain.dtype)
            one_hot[np.arange(len(columns)), columns] = 1.0
            return p - one_hot
        if _any_tensor(labels):
            target = labels
        else:
            target = target.astype(plain.dtype, copy=False)
        return p * np.sum(target, axis=1, keepdims=True) - target
    # The forward pass has checked the labels against these same logits.
    z = _logits(z)
    columns, target = _class_targets(labels, z.shape, check=False)
    p = z - _row_max(z)
    np.exp(p, out=p)
    sums = p.sum(axis=1, keepdims=True)
    p /= sums
    if columns is not None:
        p[np.arange(len(columns)), columns] -= 1.0
    else:
        p *= target.sum(axis=1, keepdims=True)
        p -= target
    return p


def _label_gradient(z: Any, labels: Any) -> Any:
    """d (summed loss) / d labels: 0 for class labels, ``-log_softmax(z)`` for a target."""
    if np.ndim(labels) == 1:  # piecewise constant in the labels
        return np.zeros(np.shape(labels), dtype=_float_dtype(z))
    shifted = z - _concrete(z).max(axis=1, keepdims=True)
    return np.log(np.sum(np.exp(shifted), axis=1, keepdims=True)) - shifted


def _softmax_cross_entropy_vjp(g, i, ans, args, kw):
    z, labels = args
    scale = g / max(len(z), 1)
    if i == 1:
        return _label_gradient(z, labels) * scale
    residual = _softmax_residual(z, labels, ans)
    if type(residual) is not np.ndarray or isinstance(scale, Node):
        return residual * scale
    residual *= scale  # in place: the residual is a fresh array, in the logits' dtype
    return residual


def _softmax_cross_entropy_jvp(t, i, ans, args, kw):
    z, labels = args
    local = _label_gradient(z, labels) if i == 1 else _softmax_residual(z, labels, ans)
    return np.sum(local * t) / max(np.shape(z)[0], 1)


# The labels count as an argument that can be differentiated (class labels with
# a zero derivative), not as a constant: a recorded program reads constants'
# values at record time, so with differentiable_args=(0,) every replayed call
# would see the first call's labels.
softmax_cross_entropy = primitive(
    "softmax_cross_entropy", _softmax_cross_entropy_forward,
    vjp=_softmax_cross_entropy_vjp, jvp=_softmax_cross_entropy_jvp,
)


def softmax_cross_entropy_fn(logits: Any, labels: Any) -> Any:
    """Mean over rows of ``logsumexp(z) - z[label]``: softmax cross-entropy as one primitive.

    ``labels`` are class indices (one per row, like PyTorch's
    ``F.cross_entropy``) or an ``(n, k)`` array of target probabilities
    (one-hot rows, say).  Each row is shifted by its maximum first, so huge
    logits give finite losses.  The gradient in the logits is
    ``(softmax(z) - target) / n``; in a target it is ``-log_softmax(z) / n``,
    and class labels have derivative 0.

    >>> z = np.array([[2.0, 0.5, -1.0], [1000.0, 0.0, 0.0]])
    >>> round(float(softmax_cross_entropy_fn(z, np.array([0, 1]))), 6)
    500.120656
    >>> round(float(softmax_cross_entropy_fn(z, np.eye(3)[[0, 1]])), 6)
    500.120656
    """
    return apply(softmax_cross_entropy, (logits, labels), {})
