"""Every primitive of the table against central differences, with Hypothesis.

Each case draws random shapes (broadcasting between arguments included) and
random values inside the primitive's domain, away from its kinks, and calls
the primitive the way a user would: through NumPy functions, operators and
array methods.  The reverse-mode gradient of sum(w * f(args)) must match
central differences; forward mode (jvp) must match the Jacobian times the
tangent.  A graph trace confirms that the case really reached the primitive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as hs
import numpy as np
import pytest
from _ad_reference import assert_close, central_gradient
from hypothesis import assume, given, settings

import steepest as st
from steepest.autodiff import PRIMITIVES, replay
from steepest.autodiff import linalg as L
from steepest.autodiff import primitives as P
from steepest.autodiff.core import apply

MAX_SIDE = 3


@dataclass
class Case:
    fn: Callable[..., Any]  # differentiable arguments only; constants live in the closure
    args: list[np.ndarray]
    op: str  # the primitive that must appear in the trace
    float64_constant: bool = False  # a float64 array in the closure promotes float32

    def __post_init__(self) -> None:
        # 0-d arrays stay arrays (NumPy arithmetic would turn them into scalars).
        self.args = [np.asarray(a, dtype=np.float64) for a in self.args]


# -- value strategies --------------------------------------------------------
def floats_in(data: Any, shape: tuple[int, ...], lo: float, hi: float) -> np.ndarray:
    """Values in the open interval (lo, hi)."""
    elements = hs.floats(lo, hi, exclude_min=True, exclude_max=True, allow_nan=False)
    return data.draw(hnp.arrays(np.float64, shape, elements=elements))


def lattice(data: Any, shape: tuple[int, ...], offset: float, k: int = 8) -> np.ndarray:
    """Multiples of 0.25 shifted by ``offset``: two lattices with different
    offsets never meet, which keeps kinks (ties, zeros, clip bounds) away."""
    ints = data.draw(hnp.arrays(np.int64, shape, elements=hs.integers(-k, k)))
    return np.asarray(ints * 0.25 + offset)


def distinct(data: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Pairwise distinct values, so that every max and min is a unique element."""
    ints = data.draw(hnp.arrays(np.int64, shape, elements=hs.integers(-60, 60), unique=True))
    return np.asarray(ints * 0.1)


def nonzero(data: Any, shape: tuple[int, ...], lo: float = 0.3, hi: float = 3.0) -> np.ndarray:
    magnitude = floats_in(data, shape, lo, hi)
    signs = data.draw(hnp.arrays(np.bool_, shape))
    return np.where(signs, magnitude, -magnitude)


def shape_of(data: Any, min_dims: int = 0, max_dims: int = 3, min_side: int = 1) -> tuple:
    return data.draw(
        hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=MAX_SIDE)
    )


def two_shapes(data: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=MAX_SIDE)
    )
    return shapes.input_shapes


def axis_for(data: Any, ndim: int, allow_tuple: bool = True) -> Any:
    if ndim == 0:
        return None
    choices: list[Any] = [None, *range(-ndim, ndim)]
    if allow_tuple and ndim >= 2:
        choices.append((0, ndim - 1))
    return data.draw(hs.sampled_from(choices))


# -- elementwise, one argument: the NumPy function and its domain ----------------
UNARY_DOMAINS: dict[str, tuple[Callable[..., Any], Callable[[Any, tuple], np.ndarray]]] = {
    "negative": (np.negative, lambda d, s: floats_in(d, s, -5, 5)),
    "positive": (np.positive, lambda d, s: floats_in(d, s, -5, 5)),
    "square": (np.square, lambda d, s: floats_in(d, s, -5, 5)),
    "sqrt": (np.sqrt, lambda d, s: floats_in(d, s, 0.2, 5)),
    "cbrt": (np.cbrt, lambda d, s: nonzero(d, s, 0.2, 5)),
    "reciprocal": (np.reciprocal, lambda d, s: nonzero(d, s, 0.3, 4)),
    "exp": (np.exp, lambda d, s: floats_in(d, s, -3, 3)),
    "exp2": (np.exp2, lambda d, s: floats_in(d, s, -3, 3)),
    "expm1": (np.expm1, lambda d, s: floats_in(d, s, -3, 3)),
    "log": (np.log, lambda d, s: floats_in(d, s, 0.2, 5)),
    "log2": (np.log2, lambda d, s: floats_in(d, s, 0.2, 5)),
    "log10": (np.log10, lambda d, s: floats_in(d, s, 0.2, 5)),
    "log1p": (np.log1p, lambda d, s: floats_in(d, s, -0.7, 5)),
    "sin": (np.sin, lambda d, s: floats_in(d, s, -4, 4)),
    "cos": (np.cos, lambda d, s: floats_in(d, s, -4, 4)),
    "tan": (np.tan, lambda d, s: floats_in(d, s, -1.2, 1.2)),
    "arcsin": (np.arcsin, lambda d, s: floats_in(d, s, -0.9, 0.9)),
    "arccos": (np.arccos, lambda d, s: floats_in(d, s, -0.9, 0.9)),
    "arctan": (np.arctan, lambda d, s: floats_in(d, s, -4, 4)),
    "sinh": (np.sinh, lambda d, s: floats_in(d, s, -3, 3)),
    "cosh": (np.cosh, lambda d, s: floats_in(d, s, -3, 3)),
    "tanh": (np.tanh, lambda d, s: floats_in(d, s, -3, 3)),
    "arcsinh": (np.arcsinh, lambda d, s: floats_in(d, s, -4, 4)),
    "arccosh": (np.arccosh, lambda d, s: floats_in(d, s, 1.2, 4)),
    "arctanh": (np.arctanh, lambda d, s: floats_in(d, s, -0.8, 0.8)),
    "absolute": (np.abs, lambda d, s: lattice(d, s, 0.125)),
    "copy": (np.copy, lambda d, s: floats_in(d, s, -5, 5)),
}

# Other ways users reach the same primitives: operators and array methods
# (those NumPy arrays have too, since the reference runs on plain arrays).
UNARY_ALTERNATIVES: dict[str, list[Callable[..., Any]]] = {
    "negative": [lambda x: -x],
    "square": [lambda x: x**2],
    "absolute": [abs, np.absolute, np.fabs],
    "copy": [lambda x: x.copy()],
}


def unary_case(name: str) -> Callable[[Any], Case]:
    numpy_fn, domain = UNARY_DOMAINS[name]

    def build(data: Any) -> Case:
        x = domain(data, shape_of(data))
        fn = data.draw(hs.sampled_from([numpy_fn, *UNARY_ALTERNATIVES.get(name, [])]))
        return Case(fn, [x], name)

    return build


# -- elementwise, two arguments with broadcasting ---------------------------------
def _operator(symbol: str) -> Callable[[Any, Any], Any]:
    return {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
    }[symbol]


BINARY: dict[str, tuple[list[Callable[..., Any]], Callable[[Any, tuple, tuple], tuple]]] = {
    "add": (
        [np.add, _operator("+")],
        lambda d, s, t: (floats_in(d, s, -5, 5), floats_in(d, t, -5, 5)),
    ),
    "subtract": (
        [np.subtract, _operator("-")],
        lambda d, s, t: (floats_in(d, s, -5, 5), floats_in(d, t, -5, 5)),
    ),
    "multiply": (
        [np.multiply, _operator("*")],
        lambda d, s, t: (floats_in(d, s, -5, 5), floats_in(d, t, -5, 5)),
    ),
    "divide": (
        [np.divide, np.true_divide, _operator("/")],
        lambda d, s, t: (floats_in(d, s, -5, 5), nonzero(d, t, 0.4, 4)),
    ),
    "maximum": ([np.maximum], lambda d, s, t: (lattice(d, s, 0.125), lattice(d, t, 0.0))),
    "minimum": ([np.minimum], lambda d, s, t: (lattice(d, s, 0.125), lattice(d, t, 0.0))),
    "fmax": ([np.fmax], lambda d, s, t: (lattice(d, s, 0.125), lattice(d, t, 0.0))),
    "fmin": ([np.fmin], lambda d, s, t: (lattice(d, s, 0.125), lattice(d, t, 0.0))),
    "logaddexp": ([np.logaddexp], lambda d, s, t: (floats_in(d, s, -5, 5), floats_in(d, t, -5, 5))),
    "logaddexp2": (
        [np.logaddexp2],
        lambda d, s, t: (floats_in(d, s, -5, 5), floats_in(d, t, -5, 5)),
    ),
    # Lattice points are never 0, so (y, x) stays off the origin and off the
    # branch cut of arctan2 (x < 0, y = 0).
    "arctan2": ([np.arctan2], lambda d, s, t: (lattice(d, s, 0.125), lattice(d, t, 0.125))),
    "hypot": ([np.hypot], lambda d, s, t: (lattice(d, s, 0.125), lattice(d, t, 0.125))),
}


def binary_case(name: str) -> Callable[[Any], Case]:
    functions, domain = BINARY[name]

    def build(data: Any) -> Case:
        shape_a, shape_b = two_shapes(data)
        a, b = domain(data, shape_a, shape_b)
        fn = data.draw(hs.sampled_from(functions))
        # Sometimes one side is a constant: only the other is differentiated.
        constant_side = data.draw(hs.sampled_from([None, 0, 1]))
        if constant_side == 0:
            return Case(lambda y: fn(a, y), [b], name, float64_constant=True)
        if constant_side == 1:
            return Case(lambda x: fn(x, b), [a], name, float64_constant=True)
        return Case(fn, [a, b], name)

    return build


def power_case(data: Any) -> Case:
    variant = data.draw(hs.sampled_from(["tensor exponent", "integer exponent", "float exponent"]))
    shape_a, shape_b = two_shapes(data)
    if variant == "tensor exponent":
        base = floats_in(data, shape_a, 0.3, 3)
        exponent = floats_in(data, shape_b, -2, 2.5)
        fn = data.draw(hs.sampled_from([np.power, lambda x, y: x**y, np.float_power]))
        return Case(fn, [base, exponent], "power")
    if variant == "integer exponent":
        # Negative bases are fine with integer exponents.
        n = data.draw(hs.sampled_from([-3, -2, -1, 3, 4, 5]))
        base = nonzero(data, shape_a, 0.3, 2.5)
        fn = data.draw(hs.sampled_from([lambda x: x**n, lambda x: np.power(x, n)]))
        return Case(fn, [base], "power")
    base = floats_in(data, shape_a, 0.3, 3)
    p = data.draw(hs.floats(-2.5, 2.5).filter(lambda v: v not in (1.0, 2.0)))
    return Case(lambda x: x**p, [base], "power")


def clip_case(data: Any) -> Case:
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=MAX_SIDE)
    )
    s_x, s_lo, s_hi = shapes.input_shapes
    # Three lattices that never meet: x off the bounds, lo != hi.
    x = lattice(data, s_x, 0.125)
    lo = lattice(data, s_lo, 0.0, k=4) - 0.5
    hi = lattice(data, s_hi, 0.0625, k=4) + 0.5
    variant = data.draw(hs.sampled_from(["traced bounds", "constant bounds", "one-sided"]))
    if variant == "traced bounds":
        return Case(lambda x, lo, hi: np.clip(x, lo, hi), [x, lo, hi], "clip")
    if variant == "constant bounds":
        return Case(lambda x: np.clip(x, -0.9, 1.1), [x], "clip")
    return Case(lambda x: x.clip(None, 0.6), [x], "clip")


def where_case(data: Any) -> Case:
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=MAX_SIDE)
    )
    s_c, s_x, s_y = shapes.input_shapes
    condition = data.draw(hnp.arrays(np.bool_, s_c))
    x = floats_in(data, s_x, -5, 5)
    y = floats_in(data, s_y, -5, 5)
    if data.draw(hs.booleans()):
        # The condition computed from a traced value: a plain boolean array.
        # x on a lattice offset from the threshold keeps it away from the jump.
        x = lattice(data, s_x, 0.1)
        return Case(lambda x, y: np.where(x > 0.5, x * y, y), [x, y], "where")
    return Case(lambda x, y: np.where(condition, x, y), [x, y], "where")


# -- reductions --------------------------------------------------------------------
def reduction_case(name: str) -> Callable[[Any], Case]:
    numpy_fn = {"sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min}[name]

    def build(data: Any) -> Case:
        shape = shape_of(data)
        if name in ("max", "min"):
            x = distinct(data, shape)
        elif name == "prod":
            x = floats_in(data, shape, -2, 2)  # zeros allowed: the rule handles them
        else:
            x = floats_in(data, shape, -5, 5)
        axis = axis_for(data, len(shape))
        keepdims = data.draw(hs.booleans())
        as_method = data.draw(hs.booleans())
        if as_method:
            return Case(lambda x: getattr(x, name)(axis=axis, keepdims=keepdims), [x], name)
        return Case(lambda x: numpy_fn(x, axis=axis, keepdims=keepdims), [x], name)

    return build


def cumsum_case(data: Any) -> Case:
    shape = shape_of(data)
    x = floats_in(data, shape, -5, 5)
    axis = axis_for(data, len(shape), allow_tuple=False)
    return Case(lambda x: np.cumsum(x, axis=axis), [x], "cumsum")


def norm_case(data: Any) -> Case:
    shape = shape_of(data, min_dims=1, max_dims=2)
    x = lattice(data, shape, 0.125)  # never the zero vector
    axis = axis_for(data, len(shape))
    keepdims = data.draw(hs.booleans()) and axis is not None
    return Case(lambda x: np.linalg.norm(x, axis=axis, keepdims=keepdims), [x], "norm")


# -- linear algebra ----------------------------------------------------------------
def matmul_case(data: Any) -> Case:
    m, n, p = (data.draw(hs.integers(1, MAX_SIDE)) for _ in range(3))
    batch_a, batch_b = data.draw(
        hs.sampled_from([((), ()), ((2,), ()), ((2,), (2,)), ((2, 1), (3,)), ((), (2,))])
    )
    variant = data.draw(
        hs.sampled_from(
            ["vector @ vector", "matrix @ vector", "vector @ matrix", "matrix @ matrix"]
        )
    )
    shape_a = {
        "vector @ vector": (n,),
        "matrix @ vector": (*batch_a, m, n),
        "vector @ matrix": (n,),
        "matrix @ matrix": (*batch_a, m, n),
    }[variant]
    shape_b = {
        "vector @ vector": (n,),
        "matrix @ vector": (n,),
        "vector @ matrix": (*batch_b, n, p),
        "matrix @ matrix": (*batch_b, n, p),
    }[variant]
    a = floats_in(data, shape_a, -3, 3)
    b = floats_in(data, shape_b, -3, 3)
    functions: list[Callable[..., Any]] = [lambda a, b: a @ b, np.matmul]
    if len(shape_a) <= 2 and len(shape_b) <= 2:
        functions += [np.dot, lambda a, b: a.dot(b)]
    return Case(data.draw(hs.sampled_from(functions)), [a, b], "matmul")


def linear_case(data: Any) -> Case:
    """``x @ w.T + b`` (a network's layer) on a sample, a batch or a batch of batches."""
    n, p = data.draw(hs.integers(1, MAX_SIDE)), data.draw(hs.integers(1, MAX_SIDE))
    batch = data.draw(hs.sampled_from([(), (1,), (MAX_SIDE,), (2, MAX_SIDE)]))
    x = floats_in(data, (*batch, n), -3, 3)
    w = floats_in(data, (p, n), -3, 3)
    if data.draw(hs.booleans()):
        b = floats_in(data, (p,), -3, 3)
        return Case(lambda x, w, b: st.nn.functional.linear(x, w, b), [x, w, b], "linear")
    return Case(lambda x, w: st.nn.functional.linear(x, w), [x, w], "linear")


# -- shapes ------------------------------------------------------------------------
def reshape_case(data: Any) -> Case:
    shape = shape_of(data)
    x = floats_in(data, shape, -5, 5)
    target = tuple(reversed(shape))
    functions: list[Callable[..., Any]] = [
        lambda x: np.reshape(x, target),
        lambda x: x.reshape(target),
        lambda x: x.reshape(-1),
        np.ravel,
        lambda x: x.flatten(),
        lambda x: np.expand_dims(x, 0),
        lambda x: np.expand_dims(x, -1),
        lambda x: np.squeeze(np.expand_dims(x, 0)),
        np.atleast_1d,
        np.atleast_2d,
    ]
    if 1 in shape:
        functions.append(lambda x: x.squeeze())
    fn = data.draw(hs.sampled_from(functions))
    if (fn is np.atleast_1d and len(shape) >= 1) or (fn is np.atleast_2d and len(shape) >= 2):
        fn = np.ravel  # atleast_nd is the identity there, with no reshape to trace
    return Case(fn, [x], "reshape")


def transpose_case(data: Any) -> Case:
    shape = shape_of(data, min_dims=1)
    x = floats_in(data, shape, -5, 5)
    ndim = len(shape)
    axes = tuple(data.draw(hs.permutations(list(range(ndim)))))
    functions: list[Callable[..., Any]] = [
        lambda x: np.transpose(x, axes),
        lambda x: x.transpose(axes),
        lambda x: x.T,
        np.transpose,
        lambda x: np.moveaxis(x, 0, -1),
        lambda x: np.swapaxes(x, 0, -1),
        lambda x: x.swapaxes(0, -1),
    ]
    return Case(data.draw(hs.sampled_from(functions)), [x], "transpose")


def broadcast_to_case(data: Any) -> Case:
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=MAX_SIDE)
    )
    x = floats_in(data, shapes.input_shapes[0], -5, 5)
    target = shapes.result_shape
    return Case(lambda x: np.broadcast_to(x, target), [x], "broadcast_to")


def flip_case(data: Any) -> Case:
    shape = shape_of(data, min_dims=1)
    x = floats_in(data, shape, -5, 5)
    axis = axis_for(data, len(shape))
    return Case(lambda x: np.flip(x, axis), [x], "flip")


def getitem_case(data: Any) -> Case:
    shape = shape_of(data, min_dims=1)
    x = floats_in(data, shape, -5, 5)
    n0 = shape[0]
    variant = data.draw(
        hs.sampled_from(
            [
                "slice",
                "integer",
                "repeated integers",
                "mask",
                "computed mask",
                "mixed",
                "new axis",
                "ellipsis",
            ]
        )
    )
    if variant == "slice":
        start = data.draw(hs.integers(-n0, n0))
        step = data.draw(hs.sampled_from([1, 2, -1]))
        return Case(lambda x: x[start::step], [x], "getitem")
    if variant == "integer":
        i = data.draw(hs.integers(-n0, n0 - 1))
        return Case(lambda x: x[i], [x], "getitem")
    if variant == "repeated integers":
        index = data.draw(hs.lists(hs.integers(0, n0 - 1), min_size=1, max_size=6))
        as_list = data.draw(hs.booleans())
        key: Any = index if as_list else np.array(index)
        return Case(lambda x: x[key], [x], "getitem")
    if variant == "mask":
        mask = data.draw(hnp.arrays(np.bool_, shape))
        return Case(lambda x: x[mask], [x], "getitem")
    if variant == "computed mask":
        x = lattice(data, shape, 0.125)  # no value near the mask's edge at 0
        return Case(lambda x: x[x > 0] * 2.0, [x], "getitem")
    if variant == "mixed" and len(shape) >= 2:
        rows = data.draw(hs.lists(hs.integers(0, n0 - 1), min_size=1, max_size=4))
        return Case(lambda x: x[np.array(rows), 1:], [x], "getitem")
    if variant == "new axis":
        return Case(lambda x: x[None, ..., 0:1], [x], "getitem")
    return Case(lambda x: x[..., -1], [x], "getitem")


def scatter_add_case(data: Any) -> Case:
    """The adjoint of indexing, reached when a gradient is itself traced (Hessians)."""
    n = data.draw(hs.integers(1, 4))
    rest = shape_of(data, max_dims=1)
    index = np.array(data.draw(hs.lists(hs.integers(0, n - 1), min_size=1, max_size=5)))
    g = floats_in(data, (len(index), *rest), -5, 5)
    shape = (n, *rest)
    expected = np.zeros(shape)
    np.add.at(expected, index, g)
    assert np.array_equal(P.scatter_add_fn(g, shape, index), expected)
    return Case(lambda g: apply(P.scatter_add, (g, shape, index), {}), [g], "scatter_add")


def concatenate_case(data: Any) -> Case:
    base = shape_of(data, min_dims=1)
    ndim = len(base)
    axis = data.draw(hs.integers(-ndim, ndim - 1))
    count = data.draw(hs.integers(1, 3))
    arrays = []
    for _ in range(count):
        shape = list(base)
        shape[axis] = data.draw(hs.integers(1, MAX_SIDE))
        arrays.append(floats_in(data, tuple(shape), -5, 5))
    functions: list[Callable[..., Any]] = [lambda *xs: np.concatenate(xs, axis=axis)]
    if axis in (0, -ndim):
        functions.append(lambda *xs: np.vstack(xs) if ndim >= 2 else np.hstack(xs))
    functions.append(lambda *xs: np.concatenate(xs, axis=None))
    return Case(data.draw(hs.sampled_from(functions)), arrays, "concatenate")


def stack_case(data: Any) -> Case:
    shape = shape_of(data)
    axis = data.draw(hs.integers(-len(shape) - 1, len(shape)))
    count = data.draw(hs.integers(1, 3))
    arrays = [floats_in(data, shape, -5, 5) for _ in range(count)]
    return Case(lambda *xs: np.stack(xs, axis=axis), arrays, "stack")


def astype_case(data: Any) -> Case:
    x = floats_in(data, shape_of(data), -5, 5)
    return Case(lambda x: x.astype(np.float64) * 2.0, [x], "astype")


def softmax_cross_entropy_case(data: Any) -> Case:
    n, k = data.draw(hs.integers(1, MAX_SIDE)), data.draw(hs.integers(1, MAX_SIDE + 1))
    z = floats_in(data, (n, k), -5, 5)
    if data.draw(hs.booleans()):
        # Class labels are constants (a difference quotient cannot move them).
        labels = np.array(data.draw(hs.lists(hs.integers(0, k - 1), min_size=n, max_size=n)))
        return Case(lambda z: P.softmax_cross_entropy_fn(z, labels), [z],
                    "softmax_cross_entropy")
    # A target distribution is differentiated too (unnormalized rows included).
    target = floats_in(data, (n, k), 0.0, 1.0)
    return Case(P.softmax_cross_entropy_fn, [z, target], "softmax_cross_entropy")


# -- remainders and spreads ---------------------------------------------------------
def remainder_case(name: str) -> Callable[[Any], Case]:
    def build(data: Any) -> Case:
        shape_a, shape_b = two_shapes(data)
        # |x| < y keeps x / y inside one interval between the jumps.
        x = nonzero(data, shape_a, 0.2, 1.9)
        y = floats_in(data, shape_b, 2.1, 2.9)
        functions = {"remainder": [np.remainder, np.mod, lambda a, b: a % b],
                     "fmod": [np.fmod]}[name]
        return Case(data.draw(hs.sampled_from(functions)), [x, y], name)

    return build


def spread_root_case(data: Any) -> Case:
    shape = shape_of(data)
    x = distinct(data, shape)
    axis = axis_for(data, len(shape))
    ddof = data.draw(hs.sampled_from([0, 1])) if np.size(x) > 1 and axis is None else 0
    as_method = data.draw(hs.booleans())
    if as_method:
        return Case(lambda x: x.std(axis=axis, ddof=ddof), [x], "spread_root")
    return Case(lambda x: np.std(x, axis=axis, ddof=ddof), [x], "spread_root")


# -- complex numbers: real inputs, complex values inside, real outputs -------------------
def complex_case(name: str) -> Callable[[Any], Case]:
    def build(data: Any) -> Case:
        shape_a, shape_b = two_shapes(data)
        x = lattice(data, shape_a, 0.125)  # never 0: z stays off the origin
        y = lattice(data, shape_b, 0.0625)  # never 0: angle stays off its branch cut
        fn = {
            "real": lambda x, y: np.real((x + 1j * y) * (x - 2j * y)),
            "imag": lambda x, y: np.imag((x + 1j * y) * (x + 0.5j)),
            "conjugate": lambda x, y: np.real(np.conj(x + 1j * y) * (x + 1j * y) ** 2),
            "angle": lambda x, y: np.angle(x + 1j * y),
            "complex_abs": lambda x, y: np.abs((x + 1j * y) * (1.0 - 0.5j)),
        }[name]
        return Case(fn, [x, y], name)

    return build


# -- contractions and matrix functions -------------------------------------------------
def einsum_case(data: Any) -> Case:
    n, m, k = (data.draw(hs.integers(1, MAX_SIDE)) for _ in range(3))
    variant = data.draw(hs.sampled_from(
        ["matmul", "quadratic form", "diagonal", "batch", "tensordot", "inner", "kron"]))
    if variant == "matmul":
        a, b = floats_in(data, (n, m), -3, 3), floats_in(data, (m, k), -3, 3)
        return Case(lambda a, b: np.einsum("ij,jk->ik", a, b), [a, b], "einsum")
    if variant == "quadratic form":
        x, a = floats_in(data, (n,), -3, 3), floats_in(data, (n, n), -3, 3)
        return Case(lambda x, a: np.einsum("i,ij,j", x, a, x), [x, a], "einsum")
    if variant == "diagonal":
        a = floats_in(data, (n, n), -3, 3)
        return Case(lambda a: np.einsum("ii->i", a) * np.einsum("jj", a), [a], "einsum")
    if variant == "batch":
        a, b = floats_in(data, (2, n, m), -3, 3), floats_in(data, (1, m, k), -3, 3)
        return Case(lambda a, b: np.einsum("...ij,...jk->...ik", a, b), [a, b], "einsum")
    if variant == "tensordot":
        a, b = floats_in(data, (n, m, k), -3, 3), floats_in(data, (k, m), -3, 3)
        return Case(lambda a, b: np.tensordot(a, b, axes=([1, 2], [1, 0])), [a, b], "einsum")
    if variant == "inner":
        a, b = floats_in(data, (n, m), -3, 3), floats_in(data, (k, m), -3, 3)
        return Case(np.inner, [a, b], "einsum")
    a, b = floats_in(data, (n, m), -3, 3), floats_in(data, (k, 2), -3, 3)
    return Case(np.kron, [a, b], "einsum")


def _shifted(x: Any, shift: np.ndarray) -> Any:
    """x plus a constant matrix, in x's dtype (float32 stays float32)."""
    return x + shift.astype(x.dtype)


def matrix_case(name: str) -> Callable[[Any], Case]:
    """Matrices built inside the function from the drawn values, so that any values of
    the domain (the replay test permutes them) keep the matrix far from degenerate."""

    def build(data: Any) -> Case:
        n = data.draw(hs.integers(1, MAX_SIDE))
        batch = data.draw(hs.sampled_from([(), (2,)]))
        a = floats_in(data, (*batch, n, n), -1, 1)
        # Entries below 1 against MAX_SIDE + 1 on the diagonal: strictly dominant, invertible.
        dominant = (MAX_SIDE + 1.0) * np.eye(n)
        if name == "inv":
            return Case(lambda x: np.linalg.inv(_shifted(x, dominant)), [a], name)
        if name == "solve":
            b = floats_in(data, (n,) if data.draw(hs.booleans()) else (*batch, n, 2), -2, 2)
            return Case(lambda x, b: np.linalg.solve(_shifted(x, dominant), b), [a, b], name)
        if name == "det":
            return Case(lambda x: np.linalg.det(_shifted(x, dominant)), [a], name)
        if name == "logabsdet":
            return Case(lambda x: np.linalg.slogdet(_shifted(x, dominant))[1], [a], name)
        if name == "cholesky":
            def cholesky(x: Any) -> Any:
                shifted = _shifted(x, dominant)
                return np.linalg.cholesky(shifted @ np.swapaxes(shifted, -1, -2))

            return Case(cholesky, [a], name)
        # Diagonal steps of 20 against off-diagonal entries below 2: distinct eigenvalues
        # (Gershgorin), and distinct nonzero singular values.
        spread = np.diag(10.0 * np.arange(1, n + 1))
        if name == "eigh_values":
            return Case(lambda x: np.linalg.eigvalsh(_shifted(x + np.swapaxes(x, -1, -2), spread)),
                        [a], name)
        if name == "eigh_vectors":
            # Squares: each eigenvector is fixed only up to its sign.
            return Case(
                lambda x: np.linalg.eigh(_shifted(x + np.swapaxes(x, -1, -2), spread))[1] ** 2,
                [a], name)
        m = data.draw(hs.integers(1, MAX_SIDE))
        rect = floats_in(data, (*batch, n, m), -1, 1)
        steps = np.eye(n, m) * 20.0 * np.arange(1, m + 1)
        if name == "svd_s":
            return Case(lambda x: np.linalg.svd(_shifted(x, steps), compute_uv=False), [rect],
                        name)
        part = {"svd_u": 0, "svd_vh": 2}[name]
        return Case(lambda x: np.linalg.svd(_shifted(x, steps), full_matrices=False)[part] ** 2,
                    [rect], name)

    return build


def svd_frame_case(data: Any) -> Case:
    """U diag(w) V^H of a complex matrix: reached when singular values are differentiated twice."""
    n, m = data.draw(hs.integers(1, MAX_SIDE)), data.draw(hs.integers(1, MAX_SIDE))
    x, y = floats_in(data, (n, m), -1, 1), floats_in(data, (n, m), -1, 1)
    w = floats_in(data, (min(n, m),), -2, 2)
    steps = np.eye(n, m) * 20.0 * np.arange(1, m + 1)

    def frame(x: Any, y: Any, w: Any) -> Any:
        return np.real(apply(L.svd_frame, (_shifted(x, steps) + 1j * y, w), {}))

    return Case(frame, [x, y, w], "svd_frame")


LINALG = ("inv", "solve", "det", "logabsdet", "cholesky", "eigh_values", "eigh_vectors", "svd_s",
          "svd_u", "svd_vh")


CASES: dict[str, Callable[[Any], Case]] = {
    **{name: unary_case(name) for name in UNARY_DOMAINS},
    **{name: binary_case(name) for name in BINARY},
    "power": power_case,
    "clip": clip_case,
    "where": where_case,
    **{name: reduction_case(name) for name in ("sum", "mean", "prod", "max", "min")},
    "cumsum": cumsum_case,
    "norm": norm_case,
    "matmul": matmul_case,
    "linear": linear_case,
    "reshape": reshape_case,
    "transpose": transpose_case,
    "broadcast_to": broadcast_to_case,
    "flip": flip_case,
    "getitem": getitem_case,
    "scatter_add": scatter_add_case,
    "concatenate": concatenate_case,
    "stack": stack_case,
    "astype": astype_case,
    "softmax_cross_entropy": softmax_cross_entropy_case,
    **{name: remainder_case(name) for name in ("remainder", "fmod")},
    "spread_root": spread_root_case,
    **{name: complex_case(name) for name in ("real", "imag", "conjugate", "angle", "complex_abs")},
    "einsum": einsum_case,
    **{name: matrix_case(name) for name in LINALG},
    "svd_frame": svd_frame_case,
}


# Step functions (derivative 0) are recorded only on a tensor that requires grad; a
# transform takes their results as constants.  Their cases: test_eager_as_pytorch.py.
EAGER_ONLY = {prim.name for prim in P.STEPS.values()}


def test_cases_cover_the_whole_table():
    assert set(CASES) | EAGER_ONLY == set(PRIMITIVES)


def _traced_ops(case: Case) -> set[str]:
    return {node.op for node in st.trace(case.fn, *case.args).nodes}


def _weights(data: Any, shape: tuple[int, ...]) -> np.ndarray:
    return floats_in(data, shape, -2, 2)


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=15)
@given(data=hs.data())
def test_gradient_matches_central_differences(name: str, data: Any):
    case = CASES[name](data)
    assert name in _traced_ops(case)
    out = np.asarray(case.fn(*case.args))
    w = _weights(data, out.shape)

    def objective(*args: Any) -> Any:
        return np.sum(w * case.fn(*args))

    argnums = tuple(range(len(case.args)))
    grads = st.grad(objective, argnums=argnums)(*case.args)
    for i, (g, arg) in enumerate(zip(grads, case.args)):
        assert np.shape(g) == arg.shape
        assert_close(g, central_gradient(objective, case.args, i))


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=10)
@given(data=hs.data())
def test_jvp_equals_jacobian_times_tangent(name: str, data: Any):
    case = CASES[name](data)
    tangents = [floats_in(data, a.shape, -2, 2) for a in case.args]
    value, tangent_out = st.jvp(case.fn, case.args, tangents)
    expected_value = case.fn(*case.args)
    assert_close(value, expected_value, rtol=1e-12, atol=1e-12)

    jacobians = st.jacobian(case.fn, argnums=tuple(range(len(case.args))))(*case.args)
    expected = sum(np.tensordot(jac, t, axes=t.ndim) for jac, t in zip(jacobians, tangents))
    assert_close(
        tangent_out, np.broadcast_to(expected, np.shape(expected_value)), rtol=1e-10, atol=1e-10
    )


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=5)
@given(data=hs.data())
def test_float32_gradients_stay_float32(name: str, data: Any):
    case = CASES[name](data)
    assume(not case.float64_constant)
    args32 = [a.astype(np.float32) for a in case.args]
    out = case.fn(*[st.Tensor(a) for a in args32])
    assert out.dtype == (np.float64 if name == "astype" else np.float32)
    w = _weights(data, out.shape).astype(np.float32)
    grads = st.grad(lambda *args: np.sum(w * case.fn(*args)), argnums=tuple(range(len(args32))))(
        *args32
    )
    assert [np.asarray(g).dtype for g in grads] == [np.dtype(np.float32)] * len(args32)


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=6)
@given(data=hs.data())
def test_repeated_calls_give_the_eager_gradient(name: str, data: Any):
    """Calling the same gradient again (recorded and replayed) changes nothing, also
    with new values of the same shapes (each array permuted: same domain, no new ties)."""
    case = CASES[name](data)
    fn = case.fn  # the recording's guard checks closures: functions and arrays only
    w = _weights(data, np.shape(fn(*case.args)))
    argnums = tuple(range(len(case.args)))

    def objective(*args: Any) -> Any:
        return np.sum(w * fn(*args))

    rng = np.random.default_rng(0)
    permuted = [rng.permutation(a.reshape(-1)).reshape(a.shape) for a in case.args]
    gradient = st.grad(objective, argnums=argnums)
    fresh_functions = []  # kept alive so that no two of them share an id
    for args in (case.args, case.args, permuted, case.args, permuted, permuted):
        fresh = lambda *a: objective(*a)  # noqa: E731  (a new function: traced afresh)
        fresh_functions.append(fresh)
        expected = st.grad(fresh, argnums=argnums)(*args)
        for g, e in zip(gradient(*args), expected):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    if name in UNARY_DOMAINS:  # straight-line code: it must have been recorded and replayed
        entries = replay._PROGRAMS.get(id(objective), {}).values()
        assert any(entry.program is not None for entry in entries)


# How the gradient reaches the primitive: recorded programs carry a gradient's sign and a
# gradient that is one number everywhere without computing them, so each way must replay
# exactly as the eager trace computes it.
ARRIVALS: dict[str, Callable[[Any, Any], Any]] = {
    "negated": lambda w, out: np.sum(w * (0.5 - out)),  # -g arrives, as in z - max(z)
    "negated total": lambda w, out: -np.sum(out),  # a uniform -1
    "scaled total": lambda w, out: np.sum(out * 3.0) - np.sum(out),  # two uniform parts
}


@pytest.mark.parametrize("arrival", sorted(ARRIVALS))
@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=3)
@given(data=hs.data())
def test_replay_matches_eager_whatever_gradient_arrives(name: str, arrival: str, data: Any):
    case = CASES[name](data)
    fn, way = case.fn, ARRIVALS[arrival]
    w = _weights(data, np.shape(fn(*case.args)))
    argnums = tuple(range(len(case.args)))

    def objective(*args: Any) -> Any:
        return way(w, fn(*args))

    gradient = st.grad(objective, argnums=argnums)
    fresh_functions = []  # kept alive so that no two of them share an id
    for _ in range(3):  # traced, recorded, replayed
        fresh = lambda *a: objective(*a)  # noqa: E731  (a new function: traced afresh)
        fresh_functions.append(fresh)
        expected = st.grad(fresh, argnums=argnums)(*case.args)
        for g, e in zip(gradient(*case.args), expected):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
