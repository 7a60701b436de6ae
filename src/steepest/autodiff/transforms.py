"""Differentiation as function transforms: ``grad(f)`` returns a function.

Users keep writing NumPy; these wrappers pass traced values in, run the
function once, and sweep back (reverse mode) or carry tangents along (forward
mode).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from steepest.autodiff import replay
from steepest.autodiff.core import (
    FORWARD,
    REVERSE,
    Trace,
    flatten,
    flatten_like,
    gather,
    release_unused,
    strip,
    strip_all,
    sweep,
)
from steepest.autodiff.errors import check_differentiable_output, not_one_number
from steepest.autodiff.tensor import Tensor, box
from steepest.errors import DifferentiationError

ArgNums = int | Sequence[int]


def _normalize_argnums(argnums: ArgNums, nargs: int) -> tuple[tuple[int, ...], bool]:
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for n in nums:
        if not -nargs <= n < nargs:
            raise DifferentiationError(
                f"argnums={argnums!r} asks for argument {n}, but the function was called "
                f"with {nargs} positional argument(s)"
            )
    return tuple(n % nargs for n in nums), single


def _is_python_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _deliver(g: Any, like: Any) -> Any:
    """Shape a derivative for the user: a float for a float, an array otherwise.

    A real input gets a real derivative: the real part of a gradient that a
    complex computation made complex (the convention in ``primitives``).
    """
    # The common cases of replayed descent: a float or an array the engine just made.
    if type(g) is float and _is_python_number(like):
        return g
    if (type(g) is np.ndarray and type(like) is np.ndarray and g.base is None
            and g.flags.writeable and (g.dtype.kind != "c" or like.dtype.kind == "c")):
        return g
    if np.iscomplexobj(strip(g)) and not np.iscomplexobj(strip(like)):
        g = np.real(g)
    if isinstance(g, Tensor):
        return g
    if _is_python_number(like) and np.size(g) == 1:
        return float(np.asarray(g).reshape(()))
    array = np.asarray(g)
    if not array.flags.writeable or (array.base is not None and array.strides.count(0)):
        array = array.copy()
    return array


def _value_of(out: Any, trace: Trace) -> Any:
    if isinstance(out, Tensor) and out._trace is trace:
        return out._value
    return strip(out) if isinstance(out, Tensor) else out


@contextlib.contextmanager
def _user_code() -> Iterator[None]:
    """Where the user's function runs: NumPy's error for an array of traced values becomes
    one sentence saying how to build that array instead."""
    try:
        yield
    except np.linalg.LinAlgError as error:
        raise DifferentiationError(
            f"NumPy's linear algebra failed at this point ({error}): the matrix is singular or "
            "not positive definite here, so neither the function nor its derivative is "
            "defined; choose another point"
        ) from None
    except TypeError as error:
        text = str(error)
        about_objects = "ufunc" in text and any(
            mark in text for mark in ("dtype('O')", "has no callable", "object")
        )
        if isinstance(error, DifferentiationError) or not about_objects:
            raise
        raise DifferentiationError(
            "NumPy could not compute on an array that holds traced values as Python objects "
            "(np.array of traced values mixed with numbers, passed straight to a function "
            "such as np.linalg.det or np.exp); build it with np.stack (for example "
            "np.stack([x, np.ones_like(x)])) so that it is one traced array"
        ) from None


class _ReverseRun:
    """One traced call of f, ready to be swept back any number of times.

    ``several``: the output may be a tuple, list or dict of arrays (for
    :func:`vjp`); otherwise it must be one array.
    """

    def __init__(self, f: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any],
                 argnums: tuple[int, ...], has_aux: bool = False, several: bool = False):
        self.trace = Trace(REVERSE)
        boxed = list(args)
        self.leaves: list[Tensor] = []
        for n in argnums:
            leaf = box(args[n], self.trace)
            boxed[n] = leaf
            self.leaves.append(leaf)
        try:
            with _user_code():
                result = f(*boxed, **kwargs)
            if has_aux and isinstance(result, tuple) and len(result) == 2:
                result = (_gather_all(result[0]), result[1])
            elif not has_aux:
                result = _gather_all(result)
        finally:
            self.trace.done = True
        if self.trace.candidates:
            release_unused(self.trace)  # the function has returned: its temporaries are dead
        if has_aux:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise DifferentiationError(
                    "has_aux=True needs the function to return a pair (output, auxiliary data)")
            result, aux = result
            self.aux = strip_all(aux)
        if isinstance(result, list | tuple | dict) and not several:
            raise DifferentiationError(
                f"the function returned a {type(result).__name__}; return one array "
                "(np.stack the parts) or use has_aux=True for extra outputs"
            )
        self.structure = result
        self.outputs, self.rebuild = flatten(result)
        for out in self.outputs:
            check_differentiable_output(out)
        self.out = self.outputs[0] if len(self.outputs) == 1 else None
        values = [_value_of(out, self.trace) for out in self.outputs]
        self.value = self.rebuild(values)

    def pullback(self, cotangent: Any) -> list[Any]:
        """The gradients of ``sum(cotangent * output)`` for each input (one output)."""
        return self.pullback_all([cotangent])

    def pullback_all(self, cotangents: Sequence[Any], release: bool = False) -> list[Any]:
        """The gradients of ``sum over outputs of cotangent * output``, for each input.

        ``release``: this is the only pullback, so the sweep frees as it goes.
        """
        for leaf in self.leaves:
            leaf._g = None
        seeded = False
        for out, cotangent in zip(self.outputs, cotangents):
            if isinstance(out, Tensor) and out._trace is self.trace:
                out._g = cotangent if out._g is None else out._g + cotangent
                seeded = True
        if seeded:
            sweep(self.trace.tape or [], release=release)
        grads = []
        for leaf in self.leaves:
            g = leaf._g
            leaf._g = None
            if g is None:
                g = np.zeros(np.shape(leaf._value), dtype=strip(leaf._value).dtype)
            grads.append(g)
        return grads


def _scalar_seed(value: Any) -> Any:
    shape = np.shape(value)
    if int(np.prod(shape)) != 1:
        raise not_one_number("grad", shape)
    return np.ones(shape, dtype=_float_kind(value))


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """Transform ``f`` into a function returning ``(f(*args), gradient)``.

    ``argnums`` picks the argument(s) to differentiate with respect to; a
    tuple gives a tuple of gradients.  With ``has_aux=True``, ``f`` returns
    ``(output, aux)`` and the result is ``((output, aux), gradient)``.

    >>> import numpy as np, steepest as st
    >>> y = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
    >>> loss, slope = st.value_and_grad(lambda th: np.mean((y - th) ** 2))(12.0)
    >>> round(float(loss), 4), round(slope, 4)
    (10.918, -5.32)
    """
    return _value_and_grad(f, argnums, has_aux, need_value=True)


def _value_and_grad(f: Callable[..., Any], argnums: ArgNums, has_aux: bool,
                    need_value: bool) -> Callable[..., Any]:
    """:func:`value_and_grad`; without ``need_value``, :func:`grad` itself.

    Without ``need_value`` the function returns the gradient alone (with the
    auxiliary data when ``has_aux``), and a replayed call never computes the
    value: one layer of calls less on a path that small arrays take often.
    """
    # argnums checked once per number of positional arguments, not per call.
    normalized: dict[int, tuple[tuple[int, ...], bool]] = {}
    replayable = not has_aux
    # The last replayed call of one array argument: (its shape, dtype, cache entry), one
    # tuple read at once (threads).  A call like it goes straight to the entry.
    hot: list[Any] = [None]

    @functools.wraps(f)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        last = hot[0]
        if last is not None and len(args) == 1 and not kwargs:
            a = args[0]
            if type(a) is np.ndarray and a.shape == last[0] and a.dtype is last[1]:
                fast = last[2].replay(args, need_value)
                if fast is not None:
                    g = _deliver(fast[1][0], a)
                    return (_plain(fast[0]), g) if need_value else g
            hot[0] = None
        norm = normalized.get(len(args))
        if norm is None:
            norm = normalized[len(args)] = _normalize_argnums(argnums, len(args))
        nums, single = norm
        if replayable and not kwargs:
            fast = _replayed(f, args, nums, need_value, hot if single and len(args) == 1 else None)
            if fast is not None:
                value, grads = fast
                if single:
                    g = _deliver(grads[0], args[nums[0]])
                else:
                    g = tuple(_deliver(g, args[n]) for g, n in zip(grads, nums))
                return (_plain(value), g) if need_value else g
        run = _ReverseRun(f, args, kwargs, nums, has_aux)
        grads = run.pullback_all([_scalar_seed(run.value)], release=True)
        delivered = tuple(_deliver(g, args[n]) for g, n in zip(grads, nums))
        g = delivered[0] if single else delivered
        if not need_value:
            return (g, run.aux) if has_aux else g
        value = run.value if isinstance(run.value, Tensor) else _plain(run.value)
        if has_aux:
            value = (value, run.aux)
        return value, g

    return value_and_grad_f


def _replayed(f: Callable[..., Any], args: Sequence[Any], nums: tuple[int, ...],
              value: bool = True, hot: list[Any] | None = None
              ) -> tuple[Any, Sequence[Any]] | None:
    """(value, gradients) from a recorded program, when one applies to this call.

    ``value=False``: only the gradients are wanted (the value may be None).
    ``hot``: its one item set to (the argument's shape, dtype, the entry)
    after a replay, when the one argument is a plain array.
    """
    entry = replay.lookup(f, args, nums)
    if entry is None or entry.calls < 0:
        return None
    if entry.program is not None:
        result = entry.replay(args, value)
        if result is not None:
            if hot is not None and type(args[0]) is np.ndarray:
                hot[0] = (args[0].shape, args[0].dtype, entry)
            return result
    entry.calls += 1
    if entry.calls <= replay.RECORD_AFTER + entry.wait:
        return None
    return replay.record(f, args, nums, entry)


def _plain(value: Any) -> Any:
    if type(value) is float or value is None:
        return value
    if type(value) is np.float64 or type(value) is np.float32:
        return float(value)
    array = np.asarray(value)
    return array.item() if array.ndim == 0 and array.dtype.kind == "f" else value


def grad(f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """Transform ``f`` into the function computing its gradient (reverse mode).

    ``f`` is ordinary NumPy code returning one number.  The gradient has the
    shape of the argument (a float for a float).

    >>> import numpy as np, steepest as st
    >>> st.grad(lambda x: x ** 2 - 4 * x + 4)(0.0)
    -4.0
    >>> st.grad(lambda w: np.sum(np.sin(w)))(np.array([0.0, np.pi]))
    array([ 1., -1.])
    >>> st.grad(lambda a, b: a * b, argnums=(0, 1))(3.0, 4.0)
    (4.0, 3.0)
    """
    return _value_and_grad(f, argnums, has_aux, need_value=False)


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Evaluate ``f`` and return ``(f(*primals), pullback)``.

    ``pullback(v)`` gives v^T J, the vector-Jacobian product, for each primal
    (one value for one primal, a tuple otherwise).  An output that is a tuple,
    list or dict of arrays takes a cotangent of the same structure.  The
    cotangent may itself be traced (by an enclosing ``grad`` or ``jvp``), so
    reverse-over-reverse and forward-over-reverse derivatives go through.

    >>> import numpy as np, steepest as st
    >>> out, pullback = st.vjp(lambda x: x ** 2, np.array([1.0, 2.0, 3.0]))
    >>> pullback(np.array([1.0, 0.0, 1.0]))
    array([2., 0., 6.])
    >>> (a, b), pullback = st.vjp(lambda x: (x * 2.0, np.sin(x)), 0.0)
    >>> pullback((1.0, 1.0))
    3.0
    """
    run = _ReverseRun(f, primals, {}, tuple(range(len(primals))), several=True)

    def pullback(cotangent: Any) -> Any:
        parts = flatten_like(cotangent, run.structure)
        cotangents = [_cotangent(ct, out) for ct, out in zip(parts, run.outputs)]
        grads = run.pullback_all(cotangents)
        delivered = tuple(_deliver(g, p) for g, p in zip(grads, primals))
        return delivered[0] if len(primals) == 1 else delivered

    return run.rebuild([_plain(v) for v in flatten(run.value)[0]]), pullback


def _gather_all(result: Any) -> Any:
    """Outputs built with ``np.array`` of traced values, each stacked into one traced array."""
    leaves, rebuild = flatten(result)
    return rebuild([gather(leaf) for leaf in leaves])


def _cotangent(cotangent: Any, out: Any) -> Any:
    """A cotangent checked against its output's shape: an array, or a traced value as it is."""
    cotangent = gather(cotangent)
    shape = np.shape(strip(out))
    if not isinstance(cotangent, Tensor):
        cotangent = np.asarray(cotangent, dtype=np.result_type(strip(out), np.float32))
    if np.shape(cotangent) != shape:
        raise DifferentiationError(
            f"the cotangent has shape {np.shape(cotangent)}, but the output has shape {shape}")
    return cotangent


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), J @ tangents)`` in one pass.

    An output that is a tuple, list or dict of arrays gives tangents of the
    same structure.

    >>> import numpy as np, steepest as st
    >>> st.jvp(lambda x: np.sin(x) * x, (0.0,), (1.0,))
    (0.0, 0.0)
    >>> st.jvp(lambda v: v @ v, (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
    (5.0, 2.0)
    >>> st.jvp(lambda x: (x * 2.0, 7.0), (1.0,), (1.0,))
    ((2.0, 7.0), (2.0, 0.0))
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise DifferentiationError(
            f"jvp needs one tangent per primal: got {len(primals)} primals "
            f"and {len(tangents)} tangents")
    trace = Trace(FORWARD)
    boxed = []
    for p, t in zip(primals, tangents):
        leaf = box(p, trace)
        t = gather(t)
        t_array = t if isinstance(t, Tensor) else np.asarray(t, dtype=strip(leaf._value).dtype)
        if np.shape(t_array) != np.shape(leaf._value):
            raise DifferentiationError(
                f"a tangent has shape {np.shape(t_array)} but its primal has shape "
                f"{np.shape(leaf._value)}")
        leaf._tangent = t_array
        boxed.append(leaf)
    try:
        with _user_code():
            result = _gather_all(f(*boxed))
    finally:
        trace.done = True
    outputs, rebuild = flatten(result)
    values, out_tangents = [], []
    for out in outputs:
        check_differentiable_output(out)
        if isinstance(out, Tensor) and out._trace is trace:
            value, tangent = out._value, out._tangent
        else:
            value = strip(out) if isinstance(out, Tensor) else out
            tangent = np.zeros(np.shape(value), dtype=_float_kind(value))
        if not isinstance(tangent, Tensor):
            tangent = _plain(np.asarray(tangent))
        values.append(value if isinstance(value, Tensor) else _plain(value))
        out_tangents.append(tangent)
    return rebuild(values), rebuild(out_tangents)


def _float_kind(value: Any) -> np.dtype:
    """The dtype of a derivative of ``value``: its own if floating, else float64."""
    dtype = np.result_type(strip(value))
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """Transform ``f`` into the function computing its Jacobian.

    For f: R^n -> R^m the result is the (m, n) matrix of partial derivatives,
    row i the gradient of output i (in general ``out.shape + x.shape``).

    >>> import numpy as np, steepest as st
    >>> f = lambda v: np.stack([v[0] * v[1], np.sin(v[0])])
    >>> st.jacobian(f)(np.array([0.0, 2.0]))
    array([[2., 0.],
           [1., 0.]])
    """

    @functools.wraps(f)
    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        nums, single = _normalize_argnums(argnums, len(args))
        run = _ReverseRun(f, args, kwargs, nums)
        out_shape = np.shape(run.value)
        size = int(np.prod(out_shape))
        dtype = np.result_type(strip(run.value), np.float32)
        rows: list[list[Any]] = [[] for _ in nums]
        for k in range(size):
            seed = np.zeros(size, dtype=dtype)
            seed[k] = 1.0
            for slot, g in zip(rows, run.pullback(seed.reshape(out_shape))):
                slot.append(g)
        results = []
        for slot, n in zip(rows, nums):
            in_shape = np.shape(args[n])
            stacked = np.stack(slot) if slot else np.zeros((0,) + in_shape)
            jac = np.reshape(stacked, out_shape + in_shape)
            results.append(_deliver(jac, args[n]))
        return results[0] if single else tuple(results)

    return jacobian_f


def hessian(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """Transform ``f`` into the function computing its Hessian (exact).

    Computed as the Jacobian of the gradient (reverse over reverse): the
    derivative rules are NumPy code, so they are differentiated too.

    >>> import numpy as np, steepest as st
    >>> st.hessian(lambda v: v[0] ** 2 * v[1] + v[1] ** 3)(np.array([1.0, 2.0]))
    array([[ 4.,  2.],
           [ 2., 12.]])
    >>> st.hessian(lambda x: x ** 3)(2.0)
    12.0
    """
    return jacobian(grad(f, argnums), argnums)
