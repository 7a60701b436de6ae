"""NumPy's functions with their options, on a matrix: NumPy's values, and the right gradient.

``test_numpy_namespace.py`` calls every function of NumPy plainly, on a
vector.  Here each is called the other ways NumPy users write it: with an
``axis``, ``keepdims``, ``dtype``, ``mode``, ``offset``, ``ord``..., as a
ufunc's ``reduce`` and ``outer``, and as an array method.  An option that is
left out silently gives NumPy's value for another call, so each call is
checked three ways: the traced value is NumPy's value (shape, dtype and
numbers), the gradient of a weighted total is the central difference's, and
the second and third calls (replays of a recording) give the first's
gradient.  A call may instead refuse by name, saying what to do.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _ad_reference import central_gradient

import steepest as st
from steepest.errors import DifferentiationError

# A generic 3 x 4 matrix: no ties, no zeros, some negative numbers.
X = np.array([[0.61, -0.37, 0.92, 0.28], [-0.74, 0.45, 0.13, -0.59], [0.36, 0.83, -0.21, 0.67]])
V = np.array([0.5, -1.25, 2.0])
CUBE = np.linspace(-1.0, 1.3, 24).reshape(2, 3, 4) ** 3

CALLS: dict[str, Callable[[Any], Any]] = {
    # ufuncs' methods: reduce runs along axis 0 unless told, outer pairs every element
    "add.reduce": lambda x: np.add.reduce(x),
    "add.reduce axis=1": lambda x: np.add.reduce(x, 1),
    "add.reduce axis=None": lambda x: np.add.reduce(x, axis=None),
    "add.reduce keepdims": lambda x: np.add.reduce(x, axis=1, keepdims=True),
    "maximum.reduce": lambda x: np.maximum.reduce(x),
    "minimum.reduce axis=1": lambda x: np.minimum.reduce(x, axis=1),
    "multiply.reduce": lambda x: np.multiply.reduce(x),
    "multiply.outer": lambda x: np.multiply.outer(x, V),
    "multiply.outer of two traced": lambda x: np.multiply.outer(x[0], x),
    "add.outer": lambda x: np.add.outer(V, x),
    "subtract.outer": lambda x: np.subtract.outer(x, V),
    "maximum.outer": lambda x: np.maximum.outer(x, V),
    "power.outer": lambda x: np.power.outer(np.abs(x) + 0.5, V),
    "arctan2.outer": lambda x: np.arctan2.outer(V, x),
    # options of ufunc calls
    "exp casting=": lambda x: np.exp(x, casting="same_kind"),
    "add where=True": lambda x: np.add(x, 1.0, where=True),
    "deg2rad": lambda x: np.deg2rad(x),
    "abs of a matrix": lambda x: np.abs(x),
    # reductions' options
    "sum axis=0 keepdims": lambda x: np.sum(x, axis=0, keepdims=True),
    "sum dtype=float32": lambda x: np.sum(x, axis=1, dtype=np.float32),
    "sum initial where": lambda x: np.sum(x, axis=1, initial=2.0, where=x > 0),
    "mean axis=(0, 1)": lambda x: np.mean(x, axis=(0, 1)),
    "mean where": lambda x: np.mean(x, axis=0, where=x < 0.8),
    "prod axis=1": lambda x: np.prod(x, axis=1),
    "max axis=1 keepdims": lambda x: np.max(x, axis=1, keepdims=True),
    "max initial": lambda x: np.max(x, axis=0, initial=0.7),
    "min where initial": lambda x: np.min(x, axis=1, where=x > -0.6, initial=5.0),
    "var ddof=1 axis=0": lambda x: np.var(x, axis=0, ddof=1),
    "std keepdims": lambda x: np.std(x, axis=1, keepdims=True),
    "cumsum axis=0": lambda x: np.cumsum(x, axis=0),
    "cumsum dtype=float32": lambda x: np.cumsum(x, dtype=np.float32),
    "trace offset=1": lambda x: np.trace(x, offset=1),
    "trace offset=-1": lambda x: np.trace(x, offset=-1),
    "trace dtype=float32": lambda x: np.trace(x, dtype=np.float32),
    "trace of a cube axis1=2 axis2=1": lambda x: np.trace(CUBE * x[0], axis1=2, axis2=1),
    "diagonal offset=2": lambda x: np.diagonal(x, offset=2),
    "diagonal axis1=1 axis2=0": lambda x: np.diagonal(x, axis1=1, axis2=0),
    # indexing and rearranging
    "take mode=clip": lambda x: np.take(x, [-1, 0, 7, 11], mode="clip"),
    "take mode=wrap": lambda x: np.take(x, [-1, 5, 13], mode="wrap"),
    "take axis=1 mode=clip": lambda x: np.take(x, [-2, 1, 9], axis=1, mode="clip"),
    "take axis=0 mode=wrap": lambda x: np.take(x, [4, -1], axis=0, mode="wrap"),
    "take_along_axis axis=1": lambda x: np.take_along_axis(x, np.array([[3], [0], [1]]), 1),
    "sort axis=0": lambda x: np.sort(x, axis=0),
    "sort axis=None": lambda x: np.sort(x, axis=None),
    "partition axis=1": lambda x: np.partition(x, 2, axis=1),
    "roll axis=1": lambda x: np.roll(x, -1, axis=1),
    "roll two axes": lambda x: np.roll(x, (1, 2), axis=(0, 1)),
    "repeat axis=1": lambda x: np.repeat(x, [1, 0, 2, 1], axis=1),
    "tile": lambda x: np.tile(x, (2, 1)),
    "pad reflect": lambda x: np.pad(x, ((0, 1), (2, 0)), mode="reflect"),
    "pad constant_values": lambda x: np.pad(x, 1, constant_values=0.5),
    "flip axis=1": lambda x: np.flip(x, 1),
    "rot90 k=3": lambda x: np.rot90(x, 3),
    "swapaxes": lambda x: np.swapaxes(x, 0, -1),
    "expand_dims two": lambda x: np.expand_dims(x, (0, 3)),
    "squeeze axis": lambda x: np.squeeze(x[None, :, None], axis=(0, 2)),
    "diff n=2 axis=0": lambda x: np.diff(x, n=2, axis=0),
    "gradient spacing axis": lambda x: np.gradient(x, 0.5, axis=1),
    "split": lambda x: np.split(x, [1, 3], axis=1)[1],
    "tril k=-1": lambda x: np.tril(x, -1),
    "triu k=1": lambda x: np.triu(x, 1),
    "diag k=1": lambda x: np.diag(x, 1),
    "diag of a row k=-2": lambda x: np.diag(x[0], -2),
    "clip min= max=": lambda x: np.clip(x, min=-0.5, max=0.7),
    "concatenate axis=None": lambda x: np.concatenate([x, x[:1]], axis=None),
    "stack axis=-1": lambda x: np.stack([x, 2 * x], axis=-1),
    # products
    "dot of a cube": lambda x: np.dot(CUBE, x.T),
    "tensordot axes=([0], [1])": lambda x: np.tensordot(x, CUBE, axes=([0], [1])),
    "einsum": lambda x: np.einsum("ij,kjl->ikl", x.T, CUBE),
    "kron": lambda x: np.kron(x[:2, :2], np.eye(2) + 1.0),
    "inner": lambda x: np.inner(x, x),
    "cross axis=0": lambda x: np.cross(x[:, :3], x[:, 1:], axis=0),
    "matmul": lambda x: np.matmul(x, x.T),
    # norms
    "norm fro": lambda x: np.linalg.norm(x, "fro"),
    "norm nuc": lambda x: np.linalg.norm(x, "nuc"),
    "norm ord=1": lambda x: np.linalg.norm(x, 1),
    "norm ord=-inf": lambda x: np.linalg.norm(x, -np.inf),
    "norm ord=2": lambda x: np.linalg.norm(x, 2),
    "norm ord=-2": lambda x: np.linalg.norm(x[:, :3], -2),
    "norm ord=3 axis=1": lambda x: np.linalg.norm(x, 3, axis=1),
    "norm ord=0.5 axis=0 keepdims": lambda x: np.linalg.norm(x, 0.5, axis=0, keepdims=True),
    "norm ord=inf axis=-1": lambda x: np.linalg.norm(x, np.inf, axis=-1),
    "norm ord=0 axis=1": lambda x: np.linalg.norm(x, 0, axis=1) * x[:, 0],
    "vector_norm ord=0": lambda x: np.linalg.vector_norm(x, ord=0) * x,
    "norm axis=None keepdims": lambda x: np.linalg.norm(x, keepdims=True),
    "norm axis=(1, 0) ord=1": lambda x: np.linalg.norm(x, 1, axis=(1, 0)),
    "vector_norm ord=1 axis=(0, 1)": lambda x: np.linalg.vector_norm(x, ord=1, axis=(0, 1)),
    "matrix_norm ord=inf": lambda x: np.linalg.matrix_norm(x, ord=np.inf),
    # array methods
    "x.sum(1)": lambda x: x.sum(1),
    "x.max(axis=0, keepdims=True)": lambda x: x.max(axis=0, keepdims=True),
    "x.clip(-0.3, 0.5)": lambda x: x.clip(-0.3, 0.5),
    "x.cumsum(1)": lambda x: x.cumsum(1),
    "x.std(ddof=1)": lambda x: x.std(ddof=1),
    "x.prod(axis=0)": lambda x: x.prod(axis=0),
    "x.transpose(1, 0)": lambda x: x.transpose(1, 0),
    "x.reshape(2, -1)": lambda x: x.reshape(2, -1),
    "x.flatten()": lambda x: x.flatten(),
    "x.squeeze()": lambda x: x[None].squeeze(),
    "x.astype(float32)": lambda x: x.astype(np.float32) ** 2,
    "x.astype(int64)": lambda x: x.astype(np.int64) + x,
    "astype(x, bool)": lambda x: np.astype(x, bool) * x,
    "x.round(3)": lambda x: x.round(3) * x,
    "x.argsort()": lambda x: np.take_along_axis(x, x.argsort(), 1),
    "x.argmax(axis=0)": lambda x: x[x.argmax(axis=0), [0, 1, 2, 3]],
    "x.nonzero()": lambda x: x[(x > 0).nonzero()],
    "x.all()": lambda x: x * x.all() + x * (x > 0).any(),
    "x.diagonal(1)": lambda x: x.diagonal(1),
    "x.trace(-1)": lambda x: x.trace(-1),
    "x.repeat(2, axis=0)": lambda x: x.repeat(2, axis=0),
    "x.take([0, 5])": lambda x: x.take([0, 5]),
    "x.mT": lambda x: x.mT,
    "x.item(5)": lambda x: x * x.item(5),
    "x.tolist()": lambda x: x * np.array(x.tolist()),
    "concatenate dtype=float32": lambda x: np.concatenate([x, x[:1]], dtype=np.float32),
    "stack dtype=float32": lambda x: np.stack([x, x], dtype=np.float32),
    "hstack dtype=float32": lambda x: np.hstack([x, x], dtype=np.float32),
    "vstack dtype=float32": lambda x: np.vstack([x, x], dtype=np.float32),
}


# Calls computed in float32 are checked against central differences of the same call in
# float64 (float32's rounding is larger than the central difference's step can see past).
IN_FLOAT64 = {
    "sum dtype=float32": lambda x: np.sum(x, axis=1),
    "cumsum dtype=float32": lambda x: np.cumsum(x),
    "trace dtype=float32": lambda x: np.trace(x),
    "x.astype(float32)": lambda x: x ** 2,
    "concatenate dtype=float32": lambda x: np.concatenate([x, x[:1]]),
    "stack dtype=float32": lambda x: np.stack([x, x]),
    "hstack dtype=float32": lambda x: np.hstack([x, x]),
    "vstack dtype=float32": lambda x: np.vstack([x, x]),
}

# Calls that read numbers out of the values (x.item, x.tolist): the numbers carry no
# derivative, as int() does not; their central difference has them as variables.
READ_AS_NUMBERS = {
    "x.item(5)": lambda x: x * X.item(5),
    "x.tolist()": lambda x: x * X,
}


def _plain(result: Any) -> np.ndarray:
    return np.asarray(result.data if isinstance(result, st.Tensor) else result)


def _weights(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(len(shape) + sum(shape)).uniform(-1.0, 1.0, shape)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_an_option_gives_numpys_value_and_the_right_gradient(name):
    call = CALLS[name]
    expected = np.asarray(call(X.copy()))
    weights = _weights(expected.shape)

    def total(x: Any) -> Any:
        return np.sum(weights * call(x))

    try:
        traced = call(st.Tensor(X.copy(), requires_grad=True))
        gradient = st.grad(total)
        first = gradient(X.copy())
        replayed = [gradient(X.copy()) for _ in range(2)]
    except DifferentiationError as error:
        assert name.split()[0].split("(")[0].removeprefix("x.") in str(error), str(error)
        assert ";" in str(error)  # what to do instead follows the problem
        return
    value = _plain(traced)
    assert value.shape == expected.shape
    assert value.dtype == expected.dtype
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        twin = READ_AS_NUMBERS.get(name, IN_FLOAT64.get(name, call))
        reference = central_gradient(lambda x: np.sum(weights * twin(x)), [X.copy()], 0)
    np.testing.assert_allclose(first, reference, rtol=1e-5, atol=1e-6)
    for again in replayed:
        np.testing.assert_allclose(again, first, rtol=1e-12, atol=1e-12)


# Points where what a call reads from the values changes: another order, zeros and ties,
# other signs.
OTHER_POINTS = [X[::-1, ::-1].copy(), np.where(np.abs(X) < 0.4, 0.0, np.round(X, 1)), -X]


def _weighted_total(name: str) -> Callable[[Any], Any]:
    """The call ``name`` summed with fixed uneven weights (every element counts apart)."""
    call = CALLS[name]
    weights = _weights(np.shape(call(X.copy())))
    return lambda x: np.sum(weights * call(x))


def _outcome(transform: Callable[[Any], Any], x: np.ndarray) -> Any:
    """The value and gradient, or the kind of exception raised."""
    try:
        return transform(x.copy())
    except Exception as error:  # compared with the other path's
        return type(error)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_recording_replayed_at_other_points_is_a_fresh_trace_there(name):
    # What a recorded program reads from the values (an order, a mask, a count of
    # nonzeros) is checked on every replay: where a read differs, the answer is a
    # fresh trace's there, never the recorded point's.
    total = _weighted_total(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        recorded = st.value_and_grad(total)
        try:
            for _ in range(3):
                recorded(X.copy())
        except DifferentiationError:
            return  # refused by name: the test above
        for point in OTHER_POINTS:
            fresh = _outcome(st.value_and_grad(lambda x: total(x)), point)
            for call_number in range(2):
                replayed = _outcome(recorded, point)
                where = f"{name} at {point.tolist()}, call {call_number}"
                if isinstance(fresh, type) or isinstance(replayed, type):
                    assert replayed == fresh, where
                    continue
                for a, b in zip(replayed, fresh):
                    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True,
                                               err_msg=where)


def _central_jacobian_of(gradient: Callable[[np.ndarray], np.ndarray], x: np.ndarray
                         ) -> np.ndarray:
    """d gradient / d x by central differences, one column per element of ``x``."""
    step = 1e-6
    columns = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = step
        plus = gradient((x.ravel() + e).reshape(x.shape))
        minus = gradient((x.ravel() - e).reshape(x.shape))
        columns.append(np.ravel(plus - minus) / (2.0 * step))
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_second_derivatives_and_forward_mode_agree_with_the_gradient(name):
    # st.hessian differentiates the gradient's own computation (a trace inside a trace),
    # where each primitive's forward meets traced values of the outer trace.
    call = CALLS[name]
    weights = _weights(np.shape(call(X.copy())))

    def total(x: Any) -> Any:
        return np.sum(weights * call(x))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            gradient = st.grad(total)
            first = gradient(X.copy())
        except DifferentiationError:
            return  # refused by name: the test above
        try:
            hessian = np.reshape(st.hessian(total)(X.copy()), (X.size, X.size))
        except DifferentiationError as error:
            assert ";" in str(error)
            return
        tangent = np.random.default_rng(3).normal(size=X.shape)
        _, slope = st.jvp(total, (X.copy(),), (tangent,))
        twin = IN_FLOAT64.get(name, call)  # float32's rounding is above the step's reach
        if name in READ_AS_NUMBERS:
            return  # numbers read from the values: a step function of them, no curvature here
        reference = _central_jacobian_of(st.grad(lambda x: np.sum(weights * twin(x))), X)
    scale = max(1.0, float(np.max(np.abs(reference))))
    np.testing.assert_allclose(hessian, reference, rtol=1e-4, atol=1e-5 * scale)
    exact = 1e-9 if np.asarray(first).dtype == np.float64 else 1e-5
    np.testing.assert_allclose(slope, np.sum(first * tangent), rtol=exact, atol=exact)
