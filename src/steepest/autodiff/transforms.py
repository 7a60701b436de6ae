"""Differentiation as function transforms: ``grad(f)`` returns a function.

Users keep writing NumPy; these wrappers pass traced values in, run the
function once, and sweep back (reverse mode) or carry tangents along (forward
mode).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from steepest.autodiff import replay
from steepest.autodiff.core import (
    FORWARD,
    REVERSE,
    Tensor,
    Trace,
    backward_sweep,
    box,
    strip,
)
from steepest.autodiff.errors import non_scalar_output
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
    """Shape a derivative for the user: a float for a float, an array otherwise."""
    # The common cases of replayed descent: a float or an array the engine just made.
    if type(g) is float and _is_python_number(like):
        return g
    if (type(g) is np.ndarray and type(like) is np.ndarray and g.base is None
            and g.flags.writeable):
        return g
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


class _ReverseRun:
    """One traced call of f, ready to be swept back any number of times."""

    def __init__(self, f: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any],
                 argnums: tuple[int, ...], has_aux: bool = False):
        self.trace = Trace(REVERSE)
        boxed = list(args)
        self.leaves: list[Tensor] = []
        for n in argnums:
            leaf = box(args[n], self.trace)
            boxed[n] = leaf
            self.leaves.append(leaf)
        try:
            result = f(*boxed, **kwargs)
        finally:
            self.trace.done = True
        if has_aux:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise DifferentiationError(
                    "has_aux=True needs the function to return a pair (output, auxiliary data)")
            result, aux = result
            self.aux = _strip_tree(aux)
        if isinstance(result, list | tuple):
            raise DifferentiationError(
                f"the function returned a {type(result).__name__}; return one array "
                "(np.stack the parts) or use has_aux=True for extra outputs"
            )
        self.out = result
        self.value = _value_of(result, self.trace)
        self.traced = isinstance(result, Tensor) and result._trace is self.trace

    def pullback(self, cotangent: Any) -> list[Any]:
        for leaf in self.leaves:
            leaf._g = None
        if self.traced:
            backward_sweep(self.out, cotangent, self.trace.tape or [])
        grads = []
        for leaf in self.leaves:
            g = leaf._g
            leaf._g = None
            if g is None:
                g = np.zeros(np.shape(leaf._value), dtype=strip(leaf._value).dtype)
            grads.append(g)
        return grads


def _strip_tree(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        return strip(obj)
    if isinstance(obj, list | tuple):
        return type(obj)(_strip_tree(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _strip_tree(v) for k, v in obj.items()}
    return obj


def _scalar_seed(value: Any) -> Any:
    shape = np.shape(value)
    if int(np.prod(shape)) != 1:
        raise non_scalar_output(shape)
    dtype = strip(value).dtype if hasattr(strip(value), "dtype") else np.float64
    if dtype.kind not in "fc":
        dtype = np.dtype(np.float64)
    return np.ones(shape, dtype=dtype)


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
    """:func:`value_and_grad`; without ``need_value`` (for :func:`grad`) the value may be None."""
    # argnums checked once per number of positional arguments, not per call.
    normalized: dict[int, tuple[tuple[int, ...], bool]] = {}
    replayable = not has_aux

    @functools.wraps(f)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        norm = normalized.get(len(args))
        if norm is None:
            norm = normalized[len(args)] = _normalize_argnums(argnums, len(args))
        nums, single = norm
        if replayable and not kwargs:
            fast = _replayed(f, args, nums, need_value)
            if fast is not None:
                value, grads = fast
                if single:
                    return _plain(value), _deliver(grads[0], args[nums[0]])
                return _plain(value), tuple(_deliver(g, args[n]) for g, n in zip(grads, nums))
        run = _ReverseRun(f, args, kwargs, nums, has_aux)
        grads = run.pullback(_scalar_seed(run.value))
        delivered = tuple(_deliver(g, args[n]) for g, n in zip(grads, nums))
        value = run.value if isinstance(run.value, Tensor) else _plain(run.value)
        if has_aux:
            value = (value, run.aux)
        return value, (delivered[0] if single else delivered)

    return value_and_grad_f


def _replayed(f: Callable[..., Any], args: Sequence[Any], nums: tuple[int, ...],
              value: bool = True) -> tuple[Any, Sequence[Any]] | None:
    """(value, gradients) from a recorded program, when one applies to this call.

    ``value=False``: only the gradients are wanted (the value may be None).
    """
    entry = replay.lookup(f, args, nums)
    if entry is None or entry.calls < 0:
        return None
    if entry.program is not None:
        result = entry.replay(args, value)
        if result is not None:
            return result
    entry.calls += 1
    if entry.calls <= replay._RECORD_AFTER + entry.wait:
        return None
    return replay.record(f, args, nums, entry)


def _plain(value: Any) -> Any:
    if type(value) is float:
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
    value_and_grad_f = _value_and_grad(f, argnums, has_aux, need_value=False)

    @functools.wraps(f)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, g = value_and_grad_f(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_f


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Evaluate ``f`` and return ``(f(*primals), pullback)``.

    ``pullback(v)`` gives v^T J, the vector-Jacobian product, for each primal
    (one value for one primal, a tuple otherwise).

    >>> import numpy as np, steepest as st
    >>> out, pullback = st.vjp(lambda x: x ** 2, np.array([1.0, 2.0, 3.0]))
    >>> pullback(np.array([1.0, 0.0, 1.0]))
    array([2., 0., 6.])
    """
    run = _ReverseRun(f, primals, {}, tuple(range(len(primals))))

    def pullback(cotangent: Any) -> Any:
        shape = np.shape(run.value)
        cotangent = np.asarray(cotangent, dtype=np.result_type(strip(run.value), np.float32))
        if cotangent.shape != shape:
            raise DifferentiationError(
                f"the cotangent has shape {cotangent.shape}, but the output has shape {shape}")
        grads = run.pullback(cotangent)
        delivered = tuple(_deliver(g, p) for g, p in zip(grads, primals))
        return delivered[0] if len(primals) == 1 else delivered

    return _plain(run.value), pullback


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), J @ tangents)`` in one pass.

    >>> import numpy as np, steepest as st
    >>> st.jvp(lambda x: np.sin(x) * x, (0.0,), (1.0,))
    (0.0, 0.0)
    >>> st.jvp(lambda v: v @ v, (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
    (5.0, 2.0)
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
        t_array = t if isinstance(t, Tensor) else np.asarray(t, dtype=strip(leaf._value).dtype)
        if np.shape(t_array) != np.shape(leaf._value):
            raise DifferentiationError(
                f"a tangent has shape {np.shape(t_array)} but its primal has shape "
                f"{np.shape(leaf._value)}")
        leaf._tangent = t_array
        boxed.append(leaf)
    try:
        out = f(*boxed)
    finally:
        trace.done = True
    if isinstance(out, Tensor) and out._trace is trace:
        value, tangent = out._value, out._tangent
    else:
        value = strip(out) if isinstance(out, Tensor) else out
        tangent = np.zeros(np.shape(value))
    if not isinstance(tangent, Tensor):
        tangent = _plain(np.asarray(tangent))
    return (value if isinstance(value, Tensor) else _plain(value)), tangent


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
