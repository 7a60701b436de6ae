"""Every function of NumPy's namespace (``numpy``, ``numpy.linalg``) on a traced value.

Each one either gives the right gradient (checked against central
differences on a small generic input) or refuses with a
``DifferentiationError`` that names it and says what to do instead: never a
wrong number, never another exception.  How each function is called is
written down below; a NumPy function that is in none of the tables fails the
test, so a new NumPy release is noticed.
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _ad_reference import central_gradient

import steepest as st
from steepest.autodiff.core import flatten, gather
from steepest.errors import DifferentiationError


def _public(module: Any, prefix: str = "") -> dict[str, Any]:
    found = {}
    for name in dir(module):
        obj = getattr(module, name)
        if name.startswith("_") or isinstance(obj, type | types.ModuleType) or not callable(obj):
            continue
        found[prefix + name] = obj
    return found


NAMESPACE = {**_public(np), **_public(np.linalg, "linalg.")}

# Functions that do not compute numbers from an array's values: settings, files, text,
# types, shapes and index generators, tests.  Nothing of theirs is differentiated.
NOT_ON_VALUES = set([
    "base_repr", "binary_repr", "bmat", "busday_count", "busday_offset", "can_cast",
    "datetime_as_string", "datetime_data", "diag_indices", "diag_indices_from", "einsum_path",
    "format_float_positional", "format_float_scientific", "from_dlpack", "frombuffer", "fromfile",
    "fromfunction", "fromiter", "frompyfunc", "fromregex", "fromstring", "genfromtxt",
    "get_include", "get_printoptions", "getbufsize", "geterr", "geterrcall", "indices", "info",
    "is_busday", "isdtype", "isfortran", "issubdtype", "load", "loadtxt", "mask_indices",
    "mintypecode", "nested_iters", "printoptions", "promote_types", "ravel_multi_index", "save",
    "savetxt", "savez", "savez_compressed", "set_printoptions", "setbufsize", "seterr",
    "seterrcall", "show_config", "show_runtime", "test", "linalg.test", "tril_indices",
    "tril_indices_from", "triu_indices", "triu_indices_from", "typename", "unravel_index",
    "broadcast_shapes", "min_scalar_type", "common_type", "result_type", "array2string",
    "array_repr", "array_str", "iterable", "isscalar", "ndim", "shape", "size", "may_share_memory",
    "shares_memory", "isrealobj", "iscomplexobj", "empty", "arange", "eye", "identity", "ones",
    "zeros", "full", "tri", "bartlett", "blackman", "hamming", "hanning", "kaiser", "copyto",
    "place", "put", "putmask", "put_along_axis", "fill_diagonal",
])

C3 = np.array([0.5, 0.6, 0.7])
M = np.array([[0.9, 0.2, 0.1], [0.3, 1.1, 0.4], [0.2, 0.5, 1.3]])


def _square(x: Any) -> Any:
    """A well-conditioned 3 x 3 matrix made from the three traced numbers."""
    return M + np.outer(x, C3) * 0.3


# How to call each function that is not a ufunc (ufuncs are called with the traced
# value, and a constant second argument when they take two).  x has three elements
# between 0.3 and 0.9.
def _on_x(name: str) -> Callable[[Any], Any]:
    """``np.<name>(x)``."""
    fn = getattr(np, name)
    return lambda x: fn(x)


CALLS: dict[str, Callable[[Any], Any]] = {
    **{name: _on_x(name) for name in [
        "all", "amax", "amin", "any", "argmax", "argmin", "argsort", "around", "array",
        "asanyarray", "asarray", "asarray_chkfinite", "ascontiguousarray", "asfortranarray",
        "asmatrix", "atleast_1d", "atleast_2d", "atleast_3d", "average", "copy", "count_nonzero",
        "cumprod", "cumsum", "cumulative_prod", "cumulative_sum", "diag", "diagflat", "diff",
        "ediff1d", "empty_like", "fix", "flatnonzero", "flip", "flipud", "gradient", "histogram",
        "histogram_bin_edges", "i0", "imag", "iscomplex", "isneginf", "isposinf", "isreal", "max",
        "mean", "median", "min", "nan_to_num", "nanargmax", "nanargmin", "nancumprod", "nancumsum",
        "nanmax", "nanmean", "nanmedian", "nanmin", "nanprod", "nanstd", "nansum", "nanvar",
        "ones_like", "permute_dims", "poly", "polyder", "polyint", "prod", "ptp", "ravel", "real",
        "real_if_close", "require", "round", "roots", "sinc", "sort", "sort_complex", "squeeze",
        "std", "sum", "transpose", "trapezoid", "trim_zeros", "unique", "unique_values", "unwrap",
        "vander", "var", "zeros_like", "argwhere", "nonzero", "angle", "linalg.norm",
        "linalg.vector_norm", "matrix_transpose", "cov", "corrcoef", "spacing",
    ] if "." not in name},
    "linalg.norm": lambda x: np.linalg.norm(x),
    "linalg.vector_norm": lambda x: np.linalg.vector_norm(x),
    "unique_all": lambda x: np.unique_all(x).values,
    "unique_counts": lambda x: np.unique_counts(x).values,
    "unique_inverse": lambda x: np.unique_inverse(x).values,
    "append": lambda x: np.append(x, C3),
    "asmatrix": lambda x: np.asarray(np.asmatrix(x)),
    "diagonal": lambda x: np.diagonal(_square(x)),
    "apply_along_axis": lambda x: np.apply_along_axis(np.sum, 0, x),
    "apply_over_axes": lambda x: np.apply_over_axes(np.sum, x, [0]),
    "argpartition": lambda x: np.argpartition(x, 1),
    "allclose": lambda x: np.allclose(x, C3),
    "array_equal": lambda x: np.array_equal(x, C3),
    "array_equiv": lambda x: np.array_equiv(x, C3),
    "array_split": lambda x: np.array_split(x, 2),
    "astype": lambda x: np.astype(x, np.float64),
    "bincount": lambda x: np.bincount(np.array([0, 1, 1]), weights=x),
    "block": lambda x: np.block([x, C3]),
    "broadcast_arrays": lambda x: np.broadcast_arrays(x, C3)[0],
    "broadcast_to": lambda x: np.broadcast_to(x, (2, 3)),
    "choose": lambda x: np.choose([0, 1, 0], [x, C3]),
    "clip": lambda x: np.clip(x, 0.4, 0.8),
    "column_stack": lambda x: np.column_stack([x, C3]),
    "compress": lambda x: np.compress([True, False, True], x),
    "concat": lambda x: np.concat([x, C3]),
    "concatenate": lambda x: np.concatenate([x, C3]),
    "convolve": lambda x: np.convolve(x, C3),
    "correlate": lambda x: np.correlate(x, C3, "full"),
    "cross": lambda x: np.cross(x, C3),
    "delete": lambda x: np.delete(x, 1),
    "digitize": lambda x: np.digitize(x, [0.5]),
    "dot": lambda x: np.dot(x, C3),
    "dsplit": lambda x: np.dsplit(np.reshape(x, (1, 1, 3)), 3),
    "dstack": lambda x: np.dstack([x, C3]),
    "einsum": lambda x: np.einsum("i,i->i", x, C3),
    "expand_dims": lambda x: np.expand_dims(x, 0),
    "extract": lambda x: np.extract([True, False, True], x),
    "fliplr": lambda x: np.fliplr(np.reshape(x, (1, 3))),
    "full_like": lambda x: np.full_like(x, 2.0),
    "geomspace": lambda x: np.geomspace(x[0], x[1], 4),
    "histogram2d": lambda x: np.histogram2d(x, C3)[0],
    "histogramdd": lambda x: np.histogramdd(np.stack([x, C3], axis=1))[0],
    "hsplit": lambda x: np.hsplit(x, 3),
    "hstack": lambda x: np.hstack([x, C3]),
    "inner": lambda x: np.inner(x, C3),
    "insert": lambda x: np.insert(x, 1, 0.5),
    "interp": lambda x: np.interp(x, [0.0, 1.0], [0.0, 2.0]),
    "intersect1d": lambda x: np.intersect1d(x, C3),
    "isclose": lambda x: np.isclose(x, C3),
    "isin": lambda x: np.isin(x, C3),
    "ix_": lambda x: np.ix_(x, C3)[0],
    "kron": lambda x: np.kron(x, C3),
    "lexsort": lambda x: np.lexsort([x, C3]),
    "linspace": lambda x: np.linspace(x[0], x[1], 4),
    "logspace": lambda x: np.logspace(x[0], x[1], 4),
    "matmul": lambda x: np.matmul(_square(x), C3),
    "matvec": lambda x: np.matvec(_square(x), C3),
    "meshgrid": lambda x: np.meshgrid(x, C3)[0],
    "moveaxis": lambda x: np.moveaxis(np.reshape(x, (1, 3)), 0, 1),
    "nanpercentile": lambda x: np.nanpercentile(x, 40),
    "nanquantile": lambda x: np.nanquantile(x, 0.4),
    "outer": lambda x: np.outer(x, C3),
    "pad": lambda x: np.pad(x, 1, mode="edge"),
    "partition": lambda x: np.partition(x, 1),
    "percentile": lambda x: np.percentile(x, 40),
    "piecewise": lambda x: np.piecewise(x, [x < 0.5], [lambda v: v, lambda v: 2 * v]),
    "polyadd": lambda x: np.polyadd(x, C3),
    "polydiv": lambda x: np.polydiv(x, C3)[0],
    "polyfit": lambda x: np.polyfit(C3, x, 1),
    "polymul": lambda x: np.polymul(x, C3),
    "polysub": lambda x: np.polysub(x, C3),
    "polyval": lambda x: np.polyval(x, 0.5),
    "quantile": lambda x: np.quantile(x, 0.4),
    "repeat": lambda x: np.repeat(x, 2),
    "reshape": lambda x: np.reshape(x, (3, 1)),
    "resize": lambda x: np.resize(x, (4,)),
    "roll": lambda x: np.roll(x, 1),
    "rollaxis": lambda x: np.rollaxis(np.reshape(x, (1, 3)), 1),
    "rot90": lambda x: np.rot90(np.reshape(x, (1, 3))),
    "row_stack": lambda x: np.vstack([x, C3]),
    "searchsorted": lambda x: np.searchsorted(C3, x),
    "select": lambda x: np.select([x < 0.5], [x], 0.0),
    "setdiff1d": lambda x: np.setdiff1d(x, C3),
    "setxor1d": lambda x: np.setxor1d(x, C3),
    "split": lambda x: np.split(x, 3),
    "stack": lambda x: np.stack([x, C3]),
    "swapaxes": lambda x: np.swapaxes(np.reshape(x, (1, 3)), 0, 1),
    "take": lambda x: np.take(x, [2, 0]),
    "take_along_axis": lambda x: np.take_along_axis(x, np.array([2, 0]), 0),
    "tensordot": lambda x: np.tensordot(x, C3, axes=1),
    "tile": lambda x: np.tile(x, 2),
    "trace": lambda x: np.trace(_square(x)),
    "tril": lambda x: np.tril(_square(x)),
    "triu": lambda x: np.triu(_square(x)),
    "union1d": lambda x: np.union1d(x, C3),
    "unstack": lambda x: np.unstack(x)[1],
    "vdot": lambda x: np.vdot(x, C3),
    "vecdot": lambda x: np.vecdot(x, C3),
    "vecmat": lambda x: np.vecmat(C3, _square(x)),
    "vsplit": lambda x: np.vsplit(np.reshape(x, (3, 1)), 3),
    "vstack": lambda x: np.vstack([x, C3]),
    "where": lambda x: np.where(x > 0.5, x, C3),
    "packbits": lambda x: np.packbits(x),
    "unpackbits": lambda x: np.unpackbits(x),
    "linalg.cholesky": lambda x: np.linalg.cholesky(_square(x) @ _square(x).T),
    "linalg.cond": lambda x: np.linalg.cond(_square(x)),
    "linalg.cross": lambda x: np.linalg.cross(x, C3),
    "linalg.det": lambda x: np.linalg.det(_square(x)),
    "linalg.diagonal": lambda x: np.linalg.diagonal(_square(x)),
    "linalg.eig": lambda x: np.linalg.eig(_square(x)).eigenvalues,
    "linalg.eigvals": lambda x: np.linalg.eigvals(_square(x)),
    "linalg.eigh": lambda x: np.linalg.eigh(_square(x) + _square(x).T).eigenvalues,
    "linalg.eigvalsh": lambda x: np.linalg.eigvalsh(_square(x) + _square(x).T),
    "linalg.inv": lambda x: np.linalg.inv(_square(x)),
    "linalg.lstsq": lambda x: np.linalg.lstsq(_square(x), C3)[0],
    "linalg.matmul": lambda x: np.linalg.matmul(_square(x), C3),
    "linalg.matrix_norm": lambda x: np.linalg.matrix_norm(_square(x)),
    "linalg.matrix_power": lambda x: np.linalg.matrix_power(_square(x), 3),
    "linalg.matrix_rank": lambda x: np.linalg.matrix_rank(_square(x)),
    "linalg.matrix_transpose": lambda x: np.linalg.matrix_transpose(_square(x)),
    "linalg.multi_dot": lambda x: np.linalg.multi_dot([_square(x), _square(x), C3]),
    "linalg.outer": lambda x: np.linalg.outer(x, C3),
    "linalg.pinv": lambda x: np.linalg.pinv(_square(x)),
    "linalg.qr": lambda x: np.linalg.qr(_square(x)).R,
    "linalg.slogdet": lambda x: np.linalg.slogdet(_square(x)).logabsdet,
    "linalg.solve": lambda x: np.linalg.solve(_square(x), C3),
    "linalg.svd": lambda x: np.linalg.svd(_square(x)).S,
    "linalg.svdvals": lambda x: np.linalg.svdvals(_square(x)),
    "linalg.tensordot": lambda x: np.linalg.tensordot(x, C3, axes=1),
    "linalg.tensorinv": lambda x: np.linalg.tensorinv(_square(x), ind=1),
    "linalg.tensorsolve": lambda x: np.linalg.tensorsolve(_square(x), C3),
    "linalg.trace": lambda x: np.linalg.trace(_square(x)),
    "linalg.vecdot": lambda x: np.linalg.vecdot(x, C3),
}

# Ufuncs away from the middle of (0.3, 0.9), where their domain starts elsewhere.
UFUNC_INPUTS = {"arccosh": 1.6, "acosh": 1.6}

X = np.array([0.35, 0.62, 0.81])


def _ufunc_call(ufunc: np.ufunc) -> Callable[[Any], Any]:
    shift = UFUNC_INPUTS.get(ufunc.__name__, 0.0)
    if ufunc.nin == 1:
        return lambda x: ufunc(x + shift)
    return lambda x: ufunc(x + shift, C3)


def _call_of(name: str) -> Callable[[Any], Any] | None:
    fn = NAMESPACE[name]
    if isinstance(fn, np.ufunc):
        return _ufunc_call(fn)
    return CALLS.get(name)


def _total(out: Any, weights: dict[int, np.ndarray]) -> Any:
    """A number from every numeric part of the output: sum of weights times the part."""
    total = 0.0
    for k, part in enumerate(flatten(out)[0]):
        part = gather(part)  # np.array of traced values: an object array until stacked
        plain = np.asarray(part.data if isinstance(part, st.Tensor) else part)
        if plain.dtype.kind not in "biufc":
            continue
        w = weights.setdefault(k, np.random.default_rng(k).uniform(-1, 1, plain.shape))
        term = np.sum(w * (part * 1.0))
        total = total + (np.real(term) if np.iscomplexobj(plain) else term)
    return total


def test_every_numpy_function_is_in_a_table():
    missing = sorted(name for name in NAMESPACE
                     if name not in NOT_ON_VALUES and _call_of(name) is None)
    assert not missing, f"say how to call these (CALLS) or why not (NOT_ON_VALUES): {missing}"


@pytest.mark.parametrize("name", sorted(n for n in NAMESPACE if n not in NOT_ON_VALUES))
def test_a_numpy_function_differentiates_or_refuses_by_name(name):
    call = _call_of(name)
    weights: dict[int, np.ndarray] = {}

    def objective(x: Any) -> Any:
        return _total(call(x), weights)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            gradient = st.grad(objective)(X.copy())
        except DifferentiationError as error:
            # Named as called, or by NumPy's own name for it (np.bitwise_not is np.invert).
            names = {name.split(".")[-1], getattr(NAMESPACE[name], "__name__", name)}
            assert any(n in str(error) for n in names) or "traced value" in str(error), str(error)
            assert ";" in str(error)  # what to do instead follows the problem
            return
        try:
            expected = central_gradient(objective, [X.copy()], 0)
        except (TypeError, ValueError) as error:  # NumPy itself refuses these arguments
            pytest.fail(f"np.{name} is called wrongly in the table: {error}")
    np.testing.assert_allclose(gradient, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(n for n in NAMESPACE if n not in NOT_ON_VALUES))
def test_a_numpy_function_of_a_tensor_that_requires_grad_gives_the_transforms_gradient(name):
    # The eager path, as PyTorch users write it: the same gradient as st.grad, or a refusal
    # in one sentence; a float result requires grad (a step function's too, with slope 0),
    # so backward() never leaves .grad None without a word.
    call = _call_of(name)
    weights: dict[int, np.ndarray] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = st.grad(lambda x: _total(call(x), weights))(X.copy())
        except DifferentiationError:
            expected = None
        t = st.Tensor(X.copy(), requires_grad=True)
        try:
            out = call(t)
        except DifferentiationError as error:  # np.asarray of it, named: see docs/autodiff.md
            assert ";" in str(error)
            return
        for part in flatten(out)[0]:
            if isinstance(part, st.Tensor) and part.dtype.kind in "fc":
                assert part.requires_grad, f"np.{name} gave a float tensor without its graph"
        total = _total(out, weights)
        if isinstance(total, st.Tensor) and total.requires_grad:
            total.backward()
            assert expected is not None, f"np.{name}: eager differentiates what st.grad refuses"
            np.testing.assert_allclose(t.grad, expected, rtol=1e-12, atol=1e-14)
        else:  # integers, truth values, indices: nothing to differentiate
            assert expected is not None and not np.any(expected)
            assert t.grad is None


# Functions whose values are whatever the memory held.
UNINITIALIZED = {"empty_like"}

# Points where the reads a function makes change: another order, a zero and a tie, signs.
OTHER_POINTS = [np.array([0.81, 0.35, 0.62]), np.array([0.0, 0.62, 0.62]), -X]


def _outcome(transform: Callable[[Any], Any], x: np.ndarray) -> Any:
    """The value and gradient, or the kind of exception raised."""
    try:
        return transform(x.copy())
    except Exception as error:  # compared with the other path's
        return type(error)


def _assert_same_outcome(replayed: Any, fresh: Any, where: str) -> None:
    if isinstance(fresh, type) or isinstance(replayed, type):
        assert replayed == fresh, where
        return
    for a, b in zip(replayed, fresh):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, where
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=where)


@pytest.mark.parametrize("name", sorted(n for n in NAMESPACE if n not in NOT_ON_VALUES))
def test_a_recording_replayed_at_other_points_is_a_fresh_trace_there(name):
    # What a recorded program reads from the values (an order, a mask, a count of
    # nonzeros) is checked on every replay: at a point where a read differs, the
    # answer is the one a fresh trace gives there, never the recorded point's.
    if name in UNINITIALIZED:
        return
    call = _call_of(name)
    weights: dict[int, np.ndarray] = {}

    def objective(x: Any) -> Any:
        return _total(call(x), weights)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        recorded = st.value_and_grad(objective)
        try:
            for _ in range(3):
                recorded(X.copy())
        except DifferentiationError:
            return  # refused by name: test_a_numpy_function_differentiates_or_refuses_by_name
        for point in OTHER_POINTS:
            fresh = _outcome(st.value_and_grad(lambda x: objective(x)), point)
            for call_number in range(2):
                _assert_same_outcome(_outcome(recorded, point), fresh,
                                     f"np.{name} at {point}, call {call_number}")
